"""Evaluation: a profile and a date in, a report out.

Data flows one way: profile -> facts -> durable-rules verdicts -> explanations -> report.
Every evaluation takes one path, :func:`run`, to the level of detail asked for
(:class:`Detail`: the verdicts, the fields still needed, or the explanations) and gives
plain data (:class:`Evaluation`); the report's models are made from it at the edge
(:func:`report_of`, :func:`support_of`), validated by pydantic.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import Enum
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ._catalogue import Catalogue, CatalogueView, rule_refs
from ._catalogue_cache import ruleset_with_cache
from ._compiler import compile_view, encode_facts, engine_facts
from ._engine import EngineRuleset
from ._input_limits import check_day
from .errors import EngineError
from ._decision import Decided
from ._explain import Explainer, Shared, ViewStatic, relevant_missing, truth_of_status
from ._gaps import gaps_of
from ._limits import limit_facts, limit_results
from ._facts import compute_facts
from ._loader import load_catalogue
from .profile import EnterpriseProfile
from ._profile_io import parse_profile
from ._reasons import Firsts
from ._record import Record, record_of
from .report import ConditionResult, Gap, LimitResult, Node, Report, SupportResult, Verdict
from ._timeline import time_flips
from ._schema import Category
from ._semantics import Truth

_CATEGORY_ORDER = {c: i for i, c in enumerate(Category)}


@dataclass(frozen=True)
class Scope:
    """One rule and the derived rules it names, directly or not: what must be decided to
    explain that rule alone, compiled into a durable-rules ruleset of its own (its helper
    rules and strata included) that reads only the facts those rules read."""

    rule_ids: tuple[str, ...]
    """The rule and the derived rules it names, in catalogue order."""
    ruleset: EngineRuleset


@dataclass(frozen=True)
class Prepared:
    """Everything about one catalogue view that does not depend on the profile:
    the compiled durable-rules ruleset and the static parts of explanations."""

    view: CatalogueView
    ruleset: EngineRuleset
    static: ViewStatic
    prototypes: dict[str, dict[str, Any]]
    """Rule id -> its :class:`SupportResult`'s fields as every report starts them (validated once)."""
    supports: tuple[str, ...]
    """The supports in report order (category, then id)."""
    derived: tuple[str, ...]
    """The derived rules in report order (id)."""
    record: Record
    """What decides every report of this view (versions, fingerprint, date)."""
    names: dict[str, frozenset[str]]
    """Rule id -> the rule and every derived rule it names, directly or not."""
    firsts: Firsts = field(compare=False, repr=False)
    """The rules compiled to find a summary's reasons and gaps."""
    scopes: dict[str, Scope] = field(default_factory=dict, compare=False, repr=False)
    """Rule id -> its :class:`Scope`, compiled when first asked for (shared by the views
    sharing :attr:`ruleset`)."""
    results: dict[str, SupportResult] = field(default_factory=dict, compare=False, repr=False)
    """Rule id -> :attr:`prototypes` as a model (validated once), the start of its result in every report."""
    undecided: dict[str, Verdict] = field(default_factory=dict, compare=False, repr=False)
    """Rule id -> needs information, for every rule in force in the view's order (the start
    of :func:`evaluate_verdicts`' answer)."""
    models: dict[int, tuple[Shared, ConditionResult]] = field(default_factory=dict, compare=False, repr=False)
    """The model of each :class:`~eligibility._explain.Shared` node made so far (by its id;
    the node is kept, so the id stays its own): made once for every report."""

    def dependencies(self, rule_ids: list[str]) -> list[str]:
        """``rule_ids`` and the derived rules they name, in catalogue order."""
        need = set().union(*(self.names[rid] for rid in rule_ids))
        return [rid for rid in self.view.rule_ids if rid in need]

    def scope(self, rule_id: str) -> Scope:
        """The :class:`Scope` of a rule in force, compiled once (its engine handles are
        pooled as :attr:`ruleset`'s are: safe to use from many threads)."""
        found = self.scopes.get(rule_id)
        if found is None:
            with _scope_lock:
                found = self.scopes.get(rule_id)
                if found is None:
                    rule_ids = self.dependencies([rule_id])
                    found = self.scopes[rule_id] = Scope(tuple(rule_ids), EngineRuleset(compile_view(self.view, rule_ids)))
        return found


_prepared: OrderedDict[tuple[int, date], Prepared] = OrderedDict()
_by_key: dict[str, Prepared] = {}
_lock = threading.Lock()
_scope_lock = threading.Lock()
_MAX_PREPARED = 64
_last: tuple[Catalogue, date, Prepared] | None = None
"""The catalogue and day :func:`prepare` was last asked for, and its answer."""


def prepare(catalogue: Catalogue, day: date) -> Prepared:
    """The prepared view of ``catalogue`` on ``day``, built once and reused.

    Days with the same rules and parameter values in force share one compiled ruleset.
    A day outside :data:`~eligibility._input_limits.MIN_DAY` .. ``MAX_DAY`` raises
    :class:`~eligibility._input_limits.LimitError` (a ``ValueError``).
    """
    global _last
    last = _last
    if last is not None and last[0] is catalogue and last[1] == day:  # as a batch asks, again and again
        return last[2]
    check_day(day)
    cache_key = (id(catalogue), day)
    with _lock:
        found = _prepared.get(cache_key)
        if found is not None and found.view.catalogue is catalogue:
            _prepared.move_to_end(cache_key)
            _last = (catalogue, day, found)
            return found
    view = catalogue.at(day)
    with _lock:
        same_rules = _by_key.get(view.key)
        if same_rules is not None:  # another day with the same rules and values in force
            found = _prepared_view(view, same_rules.ruleset, same_rules.scopes)
        else:
            found = _prepared_view(view, ruleset_with_cache(view, _ruleset), {})
        _by_key[view.key] = found
        _prepared[cache_key] = found
        while len(_prepared) > _MAX_PREPARED:
            _prepared.popitem(last=False)
        if len(_by_key) > _MAX_PREPARED:
            _by_key.clear()
        _last = (catalogue, day, found)
        return found


def _ruleset(view: CatalogueView) -> EngineRuleset:
    """The view compiled and loaded into durable-rules (kept on disk between runs)."""
    return EngineRuleset(compile_view(view))


def _prepared_view(view: CatalogueView, ruleset: EngineRuleset, scopes: dict[str, Scope]) -> Prepared:
    static = ViewStatic(view)
    rules = view.catalogue.rules
    assumptions = Explainer(view, {}, static=static).assumptions
    results = {
        rid: SupportResult(
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
    prototypes = {rid: dict(result) for rid, result in results.items()}
    ids = view.rule_ids
    supports = sorted((r for r in ids if rules[r].kind == "support"), key=lambda r: (_CATEGORY_ORDER[rules[r].category], r))
    derived = sorted(r for r in ids if rules[r].kind != "support")
    record = record_of(view.catalogue, view.day)
    names: dict[str, frozenset[str]] = {}
    for rid in view.rule_ids:  # in catalogue order: a derived rule before the rules naming it
        names[rid] = frozenset({rid}).union(*(names.get(r, ()) for r in rule_refs(rules[rid].conditions)))
    undecided = dict.fromkeys(view.rule_ids, Verdict.needs_information)
    return Prepared(
        view, ruleset, static, prototypes, tuple(supports), tuple(derived), record, names, Firsts(static), scopes, results=results, undecided=undecided
    )


def engine_for(view: CatalogueView) -> EngineRuleset:
    """The durable-rules ruleset for a catalogue view, compiled once and reused."""
    return prepare(view.catalogue, view.day).ruleset


class Detail(Enum):
    """How much an evaluation works out beyond durable-rules' outcomes (each level holds
    the ones before it)."""

    verdicts = 0
    """The engine's outcomes only."""
    missing = 1
    """And, for each rule the engine left undecided, the fields that decide it."""
    summary = 2
    """And each rule's time change, and each support not met's first reason and first gap
    (what a summary shows), without its explanation."""
    explained = 3
    """And each rule's explanation, its time change and the amounts asked for against
    their caps."""


@dataclass(frozen=True)
class Evaluation:
    """One enterprise's evaluation as plain data (small enough to send between processes
    below :attr:`Detail.explained`): what :func:`report_of` and :func:`support_of` make
    the report's models of."""

    enterprise: str
    uscc: str | None
    outcomes: dict[str, bool]
    """Rule id -> met or not, for the rules durable-rules decided."""
    missing: dict[str, list[str]] = field(default_factory=dict)
    """Rule id -> the fields that decide it, for the undecided rules."""
    explanations: dict[str, Node] = field(default_factory=dict)
    """Rule id -> its evaluated condition (explained rules only)."""
    flips: dict[str, tuple[date, Truth]] = field(default_factory=dict)
    """Rule id -> the first day its outcome changes by time alone, and the outcome then."""
    limits: dict[str, list[LimitResult]] = field(default_factory=dict)
    """Rule id -> its caps and the amounts asked for (explained rules with caps)."""
    firsts: dict[str, tuple[Node | None, Gap | None]] = field(default_factory=dict)
    """Rule id -> its first condition not met (the node worded as its reason) and its first
    gap (supports not met, at :attr:`Detail.summary`)."""

    def verdicts(self, rule_ids: tuple[str, ...] | list[str]) -> dict[str, Verdict]:
        """Rule id -> verdict, for ``rule_ids``."""
        return {rid: VERDICT[self.outcomes.get(rid)] for rid in rule_ids}


def run(profile: EnterpriseProfile, prepared: Prepared, detail: Detail, only: Scope | None = None) -> Evaluation:
    """The one evaluation path: facts, durable-rules' outcome for every rule in force, and
    what ``detail`` asks for beyond. ``only`` (explained): one rule's scope, the rules
    decided and explained (default: every rule in force); durable-rules decides them
    alone, on the facts they read."""
    view = prepared.view
    ruleset = prepared.ruleset if only is None else only.ruleset
    compiled = ruleset.compiled
    if detail is Detail.verdicts:  # values without the fields that decide them
        outcomes = ruleset.run(engine_facts(profile, compiled, view.day, view.values))
        return Evaluation(profile.name, profile.uscc, outcomes)
    facts = compute_facts(profile, view.day, compiled.facts, view.values)
    outcomes = ruleset.run(encode_facts(facts, compiled.shifts))
    rule_ids = view.rule_ids if only is None else only.rule_ids
    now = {rid: outcomes.get(rid) for rid in rule_ids}
    if detail is not Detail.explained:
        if detail is Detail.missing:
            return Evaluation(profile.name, profile.uscc, outcomes, _missing(prepared, facts, outcomes, view.rule_ids))
        # a summary shows the missing fields of the supports only
        missing = _missing(prepared, facts, outcomes, prepared.dependencies([r for r in prepared.supports if r not in outcomes]))
        firsts = _firsts(profile, prepared, facts, outcomes)
        flips = time_flips(view, facts, profile, now, prepared.static.decision)
        return Evaluation(profile.name, profile.uscc, outcomes, missing, flips=flips, firsts=firsts)
    cat = view.catalogue
    explanations, missing = _explain(profile, prepared, facts, outcomes, rule_ids)
    flips = time_flips(view, facts, profile, now, prepared.static.decision, None if only is None else rule_ids)
    limited = [rid for rid in rule_ids if cat.rules[rid].limits]
    asked = compute_facts(profile, view.day, limit_facts(view, limited), view.values) if limited else {}
    limits = {rid: limit_results(cat.rules[rid], view, asked) for rid in limited}
    return Evaluation(profile.name, profile.uscc, outcomes, missing, explanations, flips, limits)


def _explain(
    profile: EnterpriseProfile, prepared: Prepared, facts: dict[str, Any], outcomes: dict[str, bool], rule_ids: Sequence[str]
) -> tuple[dict[str, Node], dict[str, list[str]]]:
    """The explanations of ``rule_ids`` (in catalogue order, with the derived rules they
    name), each checked against durable-rules' outcome, and the missing fields of the
    undecided ones."""
    rules = prepared.view.catalogue.rules
    explainer = Explainer(prepared.view, facts, profile, prepared.static)
    explanations: dict[str, Node] = {}
    missing: dict[str, list[str]] = {}
    known: dict[int, list[str]] = {}  # a derived rule's missing fields, by its tree
    for rid in rule_ids:  # in catalogue order: derived rules before the rules naming them
        tree = explanations[rid] = explainer.explain_rule(rules[rid])
        _check(rid, truth_of_status(tree["status"]), outcomes)
        if rid not in outcomes:  # a decided rule names no missing fields
            missing[rid] = known[id(tree)] = relevant_missing(tree, known)
    return explanations, missing


def _firsts(
    profile: EnterpriseProfile, prepared: Prepared, facts: dict[str, Any], outcomes: dict[str, bool]
) -> dict[str, tuple[Node | None, Gap | None]]:
    """What a summary reads of the supports not met: each one's first reason and first gap
    (:class:`~eligibility._reasons.Firsts`). What it shows must agree with durable-rules:
    the Python deciders must find each of them, and each derived rule whose tree a reason
    or a gap was read from, not met. A reason found is a condition they found not met,
    which makes its support not met (the rules it names as durable-rules decided them); the
    others are decided (from the parts' truths the walk found)."""
    walk = prepared.firsts.walk(facts, profile, outcomes)
    firsts = {rid: walk.first(rid) for rid in prepared.supports if outcomes.get(rid) is False}
    for rid in [*(r for r, (reason, _gap) in firsts.items() if reason is None), *walk.entered]:
        if not walk.is_unmet(rid):
            _check(rid, walk.truth(rid), outcomes)
    return firsts


def _missing(prepared: Prepared, facts: dict[str, Any], outcomes: dict[str, bool], rule_ids: Sequence[str]) -> dict[str, list[str]]:
    """For each of ``rule_ids`` (in catalogue order, with the derived rules they name) the
    engine left undecided, the fields that decide it (the Python deciders, which must
    agree that it is undecided)."""
    missing: dict[str, list[str]] = {}
    done: dict[str, Decided] = {}
    decider = prepared.static.decision.decider
    for rid in rule_ids:
        met = outcomes.get(rid)
        if met is not None:  # decided: no missing fields to name (agreement is checked when explaining)
            done[rid] = (met, ())
            continue
        truth, fields = done[rid] = decider(rid)(facts, done)
        if truth is not None:
            _check(rid, truth, outcomes)
        missing[rid] = list(dict.fromkeys(fields))
    return missing


def prepared_for(catalogue: Catalogue | str | Path | None, as_of: date | None) -> Prepared:
    """:func:`prepare` for the catalogue as the public functions take it (loaded, a
    directory, or None: the bundled rules) on ``as_of`` (None: today)."""
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    return prepare(cat, as_of or date.today())


def as_profile(profile: EnterpriseProfile | dict[str, Any]) -> EnterpriseProfile:
    """``profile``, validated when given as a dict (:class:`ProfileError` if invalid)."""
    return profile if isinstance(profile, EnterpriseProfile) else parse_profile(profile)


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
    prepared = prepared_for(catalogue, as_of)
    return report_of(prepared, run(as_profile(profile), prepared, Detail.explained if explain else Detail.missing))


def explain_support(
    profile: EnterpriseProfile | dict[str, Any],
    rule_id: str,
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
) -> SupportResult:
    """One support's (or derived rule's) result with its explanation, gaps and date of
    change, equal to ``evaluate(profile, ...).support(rule_id)``: for a page that shows the
    summary and explains a support when asked. durable-rules decides ``rule_id`` and the
    derived rules it names (a ruleset of their own, compiled once), on the facts they
    read; only those are explained. ``KeyError`` if no rule ``rule_id`` is in force on ``as_of``."""
    prepared, evaluation = explained_alone(profile, rule_id, as_of, catalogue)
    return support_of(prepared, evaluation, rule_id)


def explained_alone(
    profile: EnterpriseProfile | dict[str, Any], rule_id: str, as_of: date | None, catalogue: Catalogue | str | Path | None
) -> tuple[Prepared, Evaluation]:
    """The evaluation :func:`explain_support` makes its result of (``rule_id``'s scope
    decided and explained), and the view it was made on."""
    profile = as_profile(profile)
    prepared = prepared_for(catalogue, as_of)
    if rule_id not in prepared.prototypes:
        raise KeyError(rule_id)
    return prepared, run(profile, prepared, Detail.explained, prepared.scope(rule_id))


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
    profile = as_profile(profile)
    prepared = prepared_for(catalogue, as_of)
    verdicts = dict(prepared.undecided)  # every rule in force, in the view's order ...
    for rid, met in run(profile, prepared, Detail.verdicts).outcomes.items():  # ... and what durable-rules decided
        verdicts[rid] = VERDICT[met]
    return verdicts


# --- the edge: the report's models from an evaluation's plain data ------------------------


def report_of(prepared: Prepared, evaluation: Evaluation) -> Report:
    """The report of an evaluation; the rest comes from the catalogue view."""
    made = _Made()
    return Report(
        enterprise=evaluation.enterprise,
        uscc=evaluation.uscc,
        record=prepared.record,
        supports=[_support(prepared, rid, evaluation, made) for rid in prepared.supports],
        derived=[_support(prepared, rid, evaluation, made) for rid in prepared.derived],
    )


def support_of(prepared: Prepared, evaluation: Evaluation, rule_id: str) -> SupportResult:
    """One rule's result (it must be among the evaluation's explained rules, when explained)."""
    return _support(prepared, rule_id, evaluation, _Made())


@dataclass
class _Made:
    """What one report's models share: a derived rule's tree and its gaps appear under
    every rule naming it, made once."""

    nodes: dict[int, ConditionResult] = field(default_factory=dict)
    gaps: dict[int, list[Gap]] = field(default_factory=dict)


def _support(prepared: Prepared, rid: str, evaluation: Evaluation, made: _Made) -> SupportResult:
    """One rule's result, with its explanation (when explained) as models.

    The rule's validated result (:attr:`Prepared.results`) copied with what this evaluation
    found (``model_copy``: the values are this module's own, of the fields' types; the
    property tests check that validating the result's data gives the same result), and
    lists of its own."""
    met = evaluation.outcomes.get(rid)
    start = prepared.results[rid]
    data: dict[str, Any] = {
        "verdict": VERDICT[met],
        "missing_fields": list(evaluation.missing.get(rid, ())) if met is None else [],
        "materials": list(start.materials),
        "citations": list(start.citations),
        "assumptions": list(start.assumptions),
        "gaps": [],
        "limits": list(evaluation.limits.get(rid, start.limits)),
    }
    tree = evaluation.explanations.get(rid)
    if tree is not None:
        explanation = data["explanation"] = _model(tree, made.nodes, prepared.models)
        rules = prepared.view.catalogue.rules
        if met is False:
            data["gaps"] = gaps_of(tree, lambda r: rules[r].name, made.gaps)  # the model's gaps are the tree's
    flip = evaluation.flips.get(rid)
    if flip is not None:
        data["changes_on"], data["changes_to"] = flip[0], VERDICT[flip[1]]
    return start.model_copy(update=data)


def _model(node: Node, made: dict[int, ConditionResult], shared: dict[int, tuple[Shared, ConditionResult]]) -> ConditionResult:
    """A node's model, made once (see :class:`_Made`; a shared node's once for every report,
    in ``shared``): a derived rule's node, a shared node, and each node above one, from its
    children's models; any other subtree in one call."""
    key = id(node)
    found = made.get(key)
    if found is not None:
        return found
    is_shared = type(node) is Shared
    if is_shared:
        known = shared.get(key)
        if known is not None:
            return known[1]
    data: dict[str, Any] = node
    if node["kind"] == "rule":  # its child is the derived rule's node, made once
        data = {**node, "children": [_model(child, made, shared) for child in node["children"]]}
    elif type(node) is not Node:  # a Split or Shared node: its parts made apart are made once
        data = {**node, "children": [_part(c, made, shared) for c in node["children"]]}
    found = made[key] = ConditionResult.model_validate(data)
    if is_shared:
        shared.setdefault(key, (node, found))  # type: ignore[arg-type]
    return found


def _part(node: Node, made: dict[int, ConditionResult], shared: dict[int, tuple[Shared, ConditionResult]]) -> ConditionResult | Node:
    """A child as its parent's model takes it: the model of a node made apart (a shared
    node's, made for an earlier report, looked up first), a plain node as it is."""
    kind = type(node)
    if kind is Shared:
        known = shared.get(id(node))
        return known[1] if known is not None else _model(node, made, shared)
    if kind is Node and node["kind"] != "rule":
        return node
    return _model(node, made, shared)


def _check(rule_id: str, shown: Truth, outcomes: dict[str, bool]) -> None:
    """The Python evaluation must agree with durable-rules; a disagreement is a bug."""
    if shown != outcomes.get(rule_id):
        raise EngineError(
            f"durable-rules and the explanation disagree on {rule_id}: engine {outcomes.get(rule_id)}, explanation {shown}"
        )


VERDICT: dict[Truth, Verdict] = {True: Verdict.eligible, False: Verdict.not_eligible, None: Verdict.needs_information}
"""The verdict for a rule the engine found met, not met, or left undecided."""
