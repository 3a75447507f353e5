"""Evaluation: a profile and a date in, a report out.

Data flows one way: profile -> facts -> durable-rules verdicts -> explanations -> report.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Any

from .catalogue import Catalogue, CatalogueView
from .compiler import compile_view, encode_facts
from .engine import EngineRuleset
from .errors import EngineError
from .explain import Explainer, relevant_missing
from .facts import compute_facts
from .loader import load_catalogue
from .profile import EnterpriseProfile
from .report import Report, Status, SupportResult, Verdict
from .schema import Category

_CATEGORY_ORDER = {c: i for i, c in enumerate(Category)}
_compiled: OrderedDict[str, EngineRuleset] = OrderedDict()
_compiled_lock = threading.Lock()
_MAX_COMPILED = 16


def engine_for(view: CatalogueView) -> EngineRuleset:
    """The durable-rules ruleset for a catalogue view, compiled once and reused."""
    with _compiled_lock:
        ruleset = _compiled.get(view.key)
        if ruleset is None:
            ruleset = EngineRuleset(compile_view(view))
            _compiled[view.key] = ruleset
            while len(_compiled) > _MAX_COMPILED:
                _compiled.popitem(last=False)
        else:
            _compiled.move_to_end(view.key)
        return ruleset


def _verdict(met: bool | None) -> Verdict:
    if met is None:
        return Verdict.needs_information
    return Verdict.eligible if met else Verdict.not_eligible


def evaluate(
    profile: EnterpriseProfile | dict[str, Any],
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
) -> Report:
    """Check one enterprise against every support in force on ``as_of`` (default: today).

    ``profile`` is an :class:`EnterpriseProfile` or a dict to validate as one
    (:class:`ProfileError` if invalid). ``catalogue`` is a loaded catalogue, a rules
    directory, or None for the bundled rules. The verdicts come from durable-rules;
    each carries its explanation, the fields it still needs, and the assumptions it
    rests on. Safe to call from many threads at once.
    """
    from .profile_io import parse_profile

    if not isinstance(profile, EnterpriseProfile):
        profile = parse_profile(profile)
    day = as_of or date.today()
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    view = cat.at(day)
    ruleset = engine_for(view)

    facts = compute_facts(profile, day, ruleset.compiled.facts, view.values)
    outcomes = ruleset.run(encode_facts(facts))

    explainer = Explainer(view, facts)
    supports: list[SupportResult] = []
    derived: list[SupportResult] = []
    for rid in view.rule_ids:  # derived rules come before the rules naming them
        rule = cat.rules[rid]
        explanation = explainer.explain_rule(rule)
        met = outcomes.get(rid)
        shown = None if explanation.status is Status.unknown else explanation.status is Status.met
        if shown != met:
            raise EngineError(
                f"durable-rules and the explanation disagree on {rid}: engine {met}, explanation {shown}"
            )
        result = SupportResult(
            id=rid,
            kind=rule.kind,
            category=rule.category,
            name=rule.name,
            verdict=_verdict(met),
            summary=rule.summary,
            benefit=rule.benefit,
            materials=rule.materials,
            department=rule.department,
            citations=[c for c in (explainer.citation(x) for x in rule.citations) if c is not None],
            missing_fields=relevant_missing(explanation),
            assumptions=explainer.assumptions(rule),
            explanation=explanation,
            note=rule.note,
        )
        (supports if rule.kind == "support" else derived).append(result)

    supports.sort(key=lambda s: (_CATEGORY_ORDER[s.category], s.id))
    derived.sort(key=lambda s: s.id)
    return Report(
        enterprise=profile.name,
        uscc=profile.uscc,
        as_of=day,
        catalogue=cat.info.name.zh,
        catalogue_version=cat.info.version,
        supports=supports,
        derived=derived,
    )
