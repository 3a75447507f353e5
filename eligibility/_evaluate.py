"""Evaluation: a profile and a date in, a report out.

Data flows one way: profile -> facts -> durable-rules verdicts -> explanations -> report.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Any

from ._catalogue import Catalogue, CatalogueView, rule_refs
from ._compiler import compile_view, encode_facts, encode_values
from ._engine import EngineRuleset
from ._input_limits import check_day
from .errors import EngineError
from ._decision import Decided
from ._explain import Explainer, ViewStatic, relevant_missing, truth_of_status
from ._gaps import gaps_of
from ._limits import limit_facts, limit_results
from ._facts import compute_facts, fact_values
from ._loader import load_catalogue
from .profile import EnterpriseProfile
from ._record import Record, record_of
from .report import ConditionResult, Gap, LimitResult, Report, SupportResult, Verdict
from ._timeline import time_flips
from ._schema import Category
from ._semantics import Truth

_CATEGORY_ORDER = {c: i for i, c in enumerate(Category)}
@dataclass(frozen=True)
class Prepared:
    """Everything about one catalogue view that does not depend on the profile:
    the compiled durable-rules ruleset and the static parts of explanations."""

    view: CatalogueView
    ruleset: EngineRuleset
    static: ViewStatic
    prototypes: dict[str, dict[str, Any]]
    """Rule id -> the parts of its :class:`SupportResult` every report shares."""
    supports: tuple[str, ...]
    """The supports in report order (category, then id)."""
    derived: tuple[str, ...]
    """The derived rules in report order (id)."""
    record: Record
    """What decides every report of this view (versions, fingerprint, date)."""

    def dependencies(self, rule_ids: list[str]) -> list[str]:
        """``rule_ids`` and the derived rules they name, in catalogue order."""
        need = set(rule_ids)
        rules = self.view.catalogue.rules
        for rid in reversed(self.view.rule_ids):
            if rid in need:
                need |= rule_refs(rules[rid].conditions)
        return [rid for rid in self.view.rule_ids if rid in need]


_prepared: OrderedDict[tuple[int, date], Prepared] = OrderedDict()
_by_key: dict[str, Prepared] = {}
_lock = threading.Lock()
_MAX_PREPARED = 64


def prepare(catalogue: Catalogue, day: date) -> Prepared:
    """The prepared view of ``catalogue`` on ``day``, built once and reused.

    Days with the same rules and parameter values in force share one compiled ruleset.
    A day outside :data:`~eligibility._input_limits.MIN_DAY` .. ``MAX_DAY`` raises
    :class:`~eligibility._input_limits.LimitError` (a ``ValueError``).
    """
    check_day(day)
    cache_key = (id(catalogue), day)
    with _lock:
        found = _prepared.get(cache_key)
        if found is not None and found.view.catalogue is catalogue:
            _prepared.move_to_end(cache_key)
            return found
    view = catalogue.at(day)
    with _lock:
        same_rules = _by_key.get(view.key)
        ruleset = same_rules.ruleset if same_rules is not None else EngineRuleset(compile_view(view))
        found = _prepared_view(view, ruleset)
        _by_key[view.key] = found
        _prepared[cache_key] = found
        while len(_prepared) > _MAX_PREPARED:
            _prepared.popitem(last=False)
        if len(_by_key) > _MAX_PREPARED:
            _by_key.clear()
        return found


def _prepared_view(view: CatalogueView, ruleset: EngineRuleset) -> Prepared:
    static = ViewStatic(view)
    rules = view.catalogue.rules
    assumptions = Explainer(view, {}, static=static).assumptions
    prototypes = {
        rid: SupportResult.prototype(
            id=rid,
            kind=rule.kind,
            category=rule.category,
            name=rule.name,
            verdict=Verdict.needs_information,
            basis=rule.basis,
            summary=rule.summary,
            benefit=rule.benefit,
            materials=list(rule.materials),
            department=rule.department,
            citations=list(static.rule_citations(rule)),
            missing_fields=[],
            assumptions=list(assumptions(rule)),
            gaps=[],
            limits=limit_results(rule, view),
            changes_on=None,
            changes_to=None,
            explanation=None,
            note=rule.note,
        )
        for rid in view.rule_ids
        for rule in (rules[rid],)
    }
    ids = view.rule_ids
    supports = sorted((r for r in ids if rules[r].kind == "support"), key=lambda r: (_CATEGORY_ORDER[rules[r].category], r))
    derived = sorted(r for r in ids if rules[r].kind != "support")
    record = record_of(view.catalogue, view.day)
    return Prepared(view, ruleset, static, prototypes, tuple(supports), tuple(derived), record)


def engine_for(view: CatalogueView) -> EngineRuleset:
    """The durable-rules ruleset for a catalogue view, compiled once and reused."""
    return prepare(view.catalogue, view.day).ruleset


def evaluate(
    profile: EnterpriseProfile | dict[str, Any],
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
    explain: bool = True,
) -> Report:
    """Check one enterprise against every support in force on ``as_of`` (default: today).

    ``profile`` is an :class:`EnterpriseProfile` or a dict to validate as one
    (:class:`ProfileError` if invalid). ``catalogue`` is a loaded catalogue, a rules
    directory, or None for the bundled rules. The verdicts come from durable-rules;
    each carries its explanation, the fields it still needs, and the assumptions it
    rests on. With ``explain=False`` (batches) the condition trees, gaps and time
    changes are left out; verdicts, missing fields and assumptions are the same.
    Safe to call from many threads at once.
    """
    from ._profile_io import parse_profile

    if not isinstance(profile, EnterpriseProfile):
        profile = parse_profile(profile)
    day = as_of or date.today()
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    prepared = prepare(cat, day)
    if not explain:  # verdicts and missing fields only
        return assemble(prepared, *evaluate_compact(profile, prepared))
    return assemble(prepared, profile.name, profile.uscc, *_explained(profile, prepared, prepared.view.rule_ids))


_Explained = tuple[
    dict[str, bool], dict[str, list[str]], dict[str, ConditionResult], dict[str, tuple[date, Truth]], dict[str, list[LimitResult]]
]


def _explained(profile: EnterpriseProfile, prepared: Prepared, rule_ids: list[str]) -> _Explained:
    """The engine's outcomes for every rule in force, and for ``rule_ids`` (in catalogue
    order, each derived rule they name among them) their explanations, missing fields,
    time changes and limits."""
    view, ruleset, cat = prepared.view, prepared.ruleset, prepared.view.catalogue
    facts = compute_facts(profile, view.day, ruleset.compiled.facts, view.values)
    outcomes = ruleset.run(encode_facts(facts, ruleset.compiled.shifts))
    explainer = Explainer(view, facts, profile, prepared.static)
    explanations: dict[str, ConditionResult] = {}
    missing: dict[str, list[str]] = {}
    for rid in rule_ids:  # in catalogue order: derived rules before the rules naming them
        explanations[rid] = explainer.explain_rule(cat.rules[rid])
        _check(rid, truth_of_status(explanations[rid].status), outcomes)
        if rid not in outcomes:  # a decided rule names no missing fields
            missing[rid] = relevant_missing(explanations[rid])
    now = {rid: outcomes.get(rid) for rid in view.rule_ids}
    every = len(rule_ids) == len(view.rule_ids)
    flips = time_flips(view, facts, profile, now, prepared.static.decision, None if every else set(rule_ids))
    limited = [rid for rid in rule_ids if cat.rules[rid].limits]
    asked = compute_facts(profile, view.day, limit_facts(view), view.values) if limited else {}
    limits = {rid: limit_results(cat.rules[rid], view, asked) for rid in limited}
    return outcomes, missing, explanations, flips, limits


def explain_support(
    profile: EnterpriseProfile | dict[str, Any],
    rule_id: str,
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
) -> SupportResult:
    """One support's (or derived rule's) result with its explanation, gaps and date of
    change, equal to ``evaluate(profile, ...).support(rule_id)``: for a page that shows the
    summary and explains a support when asked. durable-rules decides every rule as in
    :func:`evaluate`; only ``rule_id`` and the derived rules it names are explained.
    ``KeyError`` if no rule ``rule_id`` is in force on ``as_of``."""
    from ._profile_io import parse_profile

    if not isinstance(profile, EnterpriseProfile):
        profile = parse_profile(profile)
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    prepared = prepare(cat, as_of or date.today())
    if rule_id not in prepared.prototypes:
        raise KeyError(rule_id)
    outcomes, missing, explanations, flips, limits = _explained(profile, prepared, prepared.dependencies([rule_id]))
    return _result(prepared, rule_id, outcomes, missing, explanations, flips, limits, {})


Compact = tuple[str, str | None, dict[str, bool], dict[str, list[str]]]
"""A report without explanations, as :func:`evaluate_compact` gives it."""


def evaluate_compact(profile: EnterpriseProfile | dict[str, Any], prepared: Prepared) -> Compact:
    """What a report without explanations is made of, small enough to send between
    processes: (name, USCC, engine outcomes, missing fields). :func:`assemble` turns
    it into the same report as ``evaluate(..., explain=False)``."""
    from ._profile_io import parse_profile

    if not isinstance(profile, EnterpriseProfile):
        profile = parse_profile(profile)
    view, ruleset = prepared.view, prepared.ruleset
    facts = compute_facts(profile, view.day, ruleset.compiled.facts, view.values)
    outcomes = ruleset.run(encode_facts(facts, ruleset.compiled.shifts))
    missing: dict[str, list[str]] = {}
    done: dict[str, Decided] = {}
    decider = prepared.static.decision.decider
    for rid in view.rule_ids:
        met = outcomes.get(rid)
        if met is not None:  # decided: no missing fields to name (agreement is checked when explaining)
            done[rid] = (met, ())
            continue
        done[rid] = decider(rid)(facts, done)
        _check(rid, done[rid][0], outcomes)
        missing[rid] = list(dict.fromkeys(done[rid][1]))
    return profile.name, profile.uscc, outcomes, missing


def assemble(
    prepared: Prepared,
    enterprise: str,
    uscc: str | None,
    outcomes: dict[str, bool],
    missing: dict[str, list[str]],
    explanations: dict[str, ConditionResult] | None = None,
    flips: dict[str, tuple[date, Truth]] | None = None,
    limits: dict[str, list[LimitResult]] | None = None,
) -> Report:
    """The report from the engine's outcomes, the missing fields and, when explained,
    the condition trees, time changes and the amounts asked for against their caps; the
    rest comes from the catalogue view."""
    explanations = explanations or {}
    flips = flips or {}
    limits = limits or {}
    seen: dict[int, list[Gap]] = {}  # gaps of the subtrees shared by several rules

    def result(rid: str) -> SupportResult:
        return _result(prepared, rid, outcomes, missing, explanations, flips, limits, seen)

    return Report.build(
        enterprise=enterprise,
        uscc=uscc,
        record=prepared.record,
        supports=[result(rid) for rid in prepared.supports],
        derived=[result(rid) for rid in prepared.derived],
    )


def _result(
    prepared: Prepared,
    rid: str,
    outcomes: dict[str, bool],
    missing: dict[str, list[str]],
    explanations: dict[str, ConditionResult],
    flips: dict[str, tuple[date, Truth]],
    limits: dict[str, list[LimitResult]],
    seen: dict[int, list[Gap]],
) -> SupportResult:
    """One rule's result in a report (see :func:`assemble`); ``seen`` holds the gaps of
    subtrees shared by several rules of one report."""
    met = outcomes.get(rid)
    prototype = prepared.prototypes[rid]
    if not explanations:  # verdicts and missing fields only
        return SupportResult.from_prototype(prototype, verdict=VERDICT[met], missing_fields=list(missing.get(rid, ())) if met is None else [])
    explanation = explanations.get(rid)
    flip = flips.get(rid)
    rules = prepared.view.catalogue.rules
    return SupportResult.from_prototype(
        prototype,
        verdict=VERDICT[met],
        missing_fields=list(missing.get(rid, ())) if met is None else [],
        gaps=gaps_of(explanation, lambda r: rules[r].name, seen) if met is False and explanation else [],
        changes_on=flip[0] if flip else None,
        changes_to=VERDICT[flip[1]] if flip else None,
        explanation=explanation,
        **({"limits": limits[rid]} if rid in limits else {}),
    )


def _check(rule_id: str, shown: Truth, outcomes: dict[str, bool]) -> None:
    """The Python evaluation must agree with durable-rules; a disagreement is a bug."""
    if shown != outcomes.get(rule_id):
        raise EngineError(
            f"durable-rules and the explanation disagree on {rule_id}: engine {outcomes.get(rule_id)}, explanation {shown}"
        )


def evaluate_verdicts(
    profile: EnterpriseProfile | dict[str, Any],
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
) -> dict[str, Verdict]:
    """Only the verdicts, rule id -> verdict, for supports and derived rules alike.

    The fast path for batches: the same durable-rules evaluation as :func:`evaluate`,
    without explanations, gaps or report objects.
    """
    from ._profile_io import parse_profile

    if not isinstance(profile, EnterpriseProfile):
        profile = parse_profile(profile)
    day = as_of or date.today()
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    prepared = prepare(cat, day)
    ruleset = prepared.ruleset
    outcomes = ruleset.run(encode_values(fact_values(profile, day, ruleset.compiled.facts, prepared.view.values), ruleset.compiled.shifts))
    return {rid: VERDICT[outcomes.get(rid)] for rid in prepared.view.rule_ids}


VERDICT: dict[Truth, Verdict] = {True: Verdict.eligible, False: Verdict.not_eligible, None: Verdict.needs_information}
"""The verdict for a rule the engine found met, not met, or left undecided."""
