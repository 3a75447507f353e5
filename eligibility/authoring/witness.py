"""Witnesses: profiles that meet, and profiles that miss, each rule of a catalogue.

Used by property testing (:mod:`eligibility.authoring.strategies`) and by lint; needs no Hypothesis.

Three steps:

* **thresholds**: every value the catalogue compares a fact with (constants, every
  dated value and tier of every parameter, tier bounds of the key facts);
* **solving at fact level**: a rule's resolved condition (the tree the engine is
  compiled from) is searched for an assignment of facts, drawn from values at, just
  below and just above those thresholds, that makes it met (or not met) as
  :mod:`eligibility._decision` decides it (:func:`~eligibility._decision.solutions`);
  facts left out stay unknown;
* **realising** (:mod:`eligibility.authoring._realise`): the assigned facts are turned back into
  an enterprise profile (``years_since_registration = 3`` becomes a registration date
  exactly three years before the date of evaluation; a ratio of exactly 3 % becomes a
  numerator and a denominator that give 3 % exactly; a three-year sum fills the years
  the latest-year figure left open) and the profile is checked through
  :func:`eligibility._evaluate`, so a witness is never taken on trust.

The search runs in order first (conditions and candidate values as listed), then as
seeded random restarts (a random branch, random values, random choices in realising),
exactly and then leniently (facts that cannot be given their values get inputs drawn
near the thresholds, and the profile is kept only if the rule comes out as wanted).
Every random choice is seeded from the rule, so witnesses are the same on every run.

If no assignment meets a rule, the rule is unreachable (among the values its own
thresholds delimit, every region is tried). If assignments exist but none can be
realised (facts whose values contradict each other through shared profile inputs, or
a computed fact :mod:`eligibility.authoring._realise` cannot invert), no witness is reported and
the reason says so.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pydantic import ValidationError

from .._decision import Decision, solutions
from .._catalogue import Catalogue, CatalogueView
from .._facts import FACTS, FactKind, FactSpec, FactValue, Ratio, compute_facts
from ..profile import EnterpriseProfile
from ._realise import BP, DATES, Builder, Unrealisable, build, realise_fact, same, stage
from .._dates import shift
from .._evaluate import evaluate
from .._schema import Compare, ParameterValue, walk
from ..report import Verdict


MAX_SOLUTIONS = 400
"""Fact assignments tried per rule and target before giving up."""


# --- Thresholds and the values around them ---------------------------------------------


def thresholds(cat: Catalogue) -> dict[str, set[Any]]:
    """Fact -> every value the catalogue compares it with, on any date.

    Includes each value of every parameter period and tier, and the tier bounds of a
    tiered parameter's key fact. List values (``in``) contribute each member.
    """
    out: dict[str, set[Any]] = {}

    def add(fact: str, value: Any) -> None:
        values = value if isinstance(value, list) else [value]
        out.setdefault(fact, set()).update(v for v in values if v is not None)

    for rule in cat.rules.values():
        for node in walk(rule.conditions):
            if not isinstance(node, Compare):
                continue
            if node.param is None:
                add(node.fact, node.value)
                continue
            param = cat.parameters.get(node.param)
            if param is None:
                continue
            for pv in param.values:
                if pv.tiers is None:
                    add(node.fact, pv.value)
                else:
                    for tier in pv.tiers:
                        add(node.fact, tier.value)
                        if tier.max is not None and param.key:
                            add(param.key, tier.max)
    return out


def _step(spec: FactSpec) -> Decimal:
    return BP if spec.kind is FactKind.ratio else Decimal(1).scaleb(-spec.decimals)


def _as_ratio(value: Decimal) -> Ratio:
    """A ratio of exactly ``value`` over a basis-point denominator."""
    return Ratio(value / BP, Decimal(10_000))


def candidate_values(spec: FactSpec, found: set[Any] | None = None) -> list[Any]:
    """Values of a fact at, just below and just above each threshold, and a few more.

    In the form facts take: Decimal numbers, :class:`Ratio` ratios, choice strings,
    frozensets for list facts. Together they fall in every region the thresholds
    delimit (for thresholds at least two steps apart), so a search over them finds
    an assignment whenever one exists.
    """
    found = found or set()
    kind = spec.kind
    if kind is FactKind.date:  # the days that matter depend on the date of evaluation: see date_values
        return sorted(v for v in found if isinstance(v, dt.date)) or [dt.date(2020, 1, 1)]
    if kind is FactKind.bool:
        return [True, False]
    if kind in (FactKind.enum, FactKind.ordinal):
        return list(spec.choices)
    if kind is FactKind.set:
        listed = {v for v in found if isinstance(v, str)}
        return [frozenset(), *(frozenset({c}) for c in spec.choices), frozenset(listed), frozenset(spec.choices)]
    numbers = sorted({Decimal(v) for v in found if isinstance(v, Decimal | int) and not isinstance(v, bool)})
    step = _step(spec)
    values: set[Decimal] = {Decimal(0)}
    for t in numbers:
        values.update((t - step, t, t + step))
    for a, b in zip(numbers, numbers[1:], strict=False):
        values.add(((a + b) / 2).quantize(step))
    if kind is FactKind.ratio:
        values.add(Decimal(1))
        return [_as_ratio(v) for v in sorted(values)] + [Ratio(Decimal(0), Decimal(0))]
    return sorted(values)


def date_values(view: CatalogueView) -> list[dt.date]:
    """Days for the dates of the profile, around every boundary of the view's date
    conditions: the day before, of and after the evaluation date moved back by each
    amount (and by two of them: a return five years before a registration six months
    ago), and each fixed day; one day after the evaluation date (not yet); most recent first."""
    day = view.day
    offsets: set[tuple[Any, int]] = set()
    fixed: set[dt.date] = set()
    for leaf in Decision(view).date_leaves():
        for term in leaf.test.terms:
            if term.shifted:
                offsets.add((term.unit, term.amount))
            if term.name is None and (const := term.constant()) is not None:
                fixed.add(const)
    once = {day} | {shift(day, u, -a) for u, a in offsets}
    twice = once | {shift(d, u, -a) for d in once for u, a in offsets}
    out: set[dt.date] = {shift(day, "years", -20)}
    for d in twice | fixed:
        out.update((d - dt.timedelta(days=1), d, d + dt.timedelta(days=1)))
    return sorted(out, reverse=True)


# --- Fact-level evaluation and search ---------------------------------------------------


def fixed_facts(view: CatalogueView) -> dict[str, Any]:
    """Facts known without any profile input (``as_of_month``): their value on the view's date."""
    names = view.catalogue.facts_used()
    empty = EnterpriseProfile(name="-")
    return {n: fv.value for n, fv in compute_facts(empty, view.day, names, view.values).items() if fv.value is not None}


def fact_assignments(
    cat: Catalogue,
    view: CatalogueView,
    rule_id: str,
    target: bool,
    limit: int = MAX_SOLUTIONS,
    rng: random.Random | None = None,
) -> Iterator[dict[str, Any]]:
    """Up to ``limit`` fact assignments making rule ``rule_id`` met (``target`` True) or not met.

    With ``rng``, the search runs in a random order (see :func:`solutions`).
    """
    found = thresholds(cat)
    days = date_values(view)
    candidates = {
        name: days if FACTS[name].kind is FactKind.date else candidate_values(FACTS[name], found.get(name))
        for name in cat.facts_used()
        if name in FACTS
    }
    decision = Decision(view)
    seen: set[tuple[tuple[str, str], ...]] = set()
    count = 0
    for env in solutions(decision.tree(rule_id), target, fixed_facts(view), decision, candidates, rng):
        key = tuple(sorted((k, repr(v)) for k, v in env.items()))
        if key in seen:
            continue
        seen.add(key)
        yield env
        count += 1
        if count >= limit:
            return


# --- From facts back to a profile -------------------------------------------------------
# The realisers live in :mod:`eligibility.authoring._realise`; these names are kept for callers.

_Unrealisable = Unrealisable


def _realise_one(
    data: dict[str, Any], spec: FactSpec, value: Any, as_of: dt.date, params: Mapping[str, ParameterValue] | None = None
) -> None:
    """Give one fact a value in ``data`` (in place), adapting to what ``data`` already holds.

    Inputs the fact does not need are not filled in. Raises :class:`Unrealisable`.
    """
    b = Builder(data, as_of, params or {})
    if stage(spec.name) > DATES:
        b.resolve_dates()
    realise_fact(b, spec, value)
    b.resolve_dates()
    if b.data is not data:  # the builder backtracked onto a copy
        data.clear()
        data.update(b.data)


def _profile_free(env: Mapping[str, Any], as_of: dt.date, params: Mapping[str, ParameterValue] | None) -> set[str]:
    """Facts of ``env`` known without any profile input (``as_of_month``)."""
    got = compute_facts(EnterpriseProfile(name="-"), as_of, list(env), params or {})
    return {n for n, fv in got.items() if fv.value is not None}


def realise(
    env: dict[str, Any],
    as_of: dt.date,
    base: dict[str, Any] | None = None,
    name: str = "witness",
    params: Mapping[str, ParameterValue] | None = None,
    rng: random.Random | None = None,
) -> EnterpriseProfile | None:
    """A profile whose facts on ``as_of`` take the values of ``env`` (None if none is found).

    ``base`` is profile data to start from (its values are kept; facts that need them
    changed make the realisation fail). ``rng``: draw the choices the values leave free
    at random (several calls, several profiles).
    """
    data: dict[str, Any] = copy.deepcopy(base) if base else {}
    data.setdefault("name", name)
    try:
        b = build(env, as_of, data, params, rng, skip=_profile_free(env, as_of, params))
    except (Unrealisable, ValidationError, ValueError, ArithmeticError):
        return None
    profile = b.profile()
    if profile is None:
        return None
    got = compute_facts(profile, as_of, list(env), params or {})
    if all(same(FACTS[f], got[f].value, env[f]) for f in env):
        return profile
    return None


# --- Witnesses ---------------------------------------------------------------------------


@dataclass
class Witnesses:
    """A profile meeting and a profile missing one rule on one date, or why none was found."""

    rule_id: str
    met: EnterpriseProfile | None = None
    unmet: EnterpriseProfile | None = None
    met_problem: str | None = None
    unmet_problem: str | None = None

    @property
    def complete(self) -> bool:
        return self.met is not None and self.unmet is not None


RANDOM_ROUNDS = 30
"""Random restarts of the search (after the ordered one) per rule and target."""
PER_ROUND = 6
"""Fact assignments tried per random restart."""


def _seed(*parts: Any) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


def _candidates(
    catalogue: Catalogue, view: CatalogueView, rid: str, target: bool, limit: int
) -> Iterator[tuple[EnterpriseProfile, bool]]:
    """Candidate witnesses for ``rid`` reaching ``target``, with whether their facts were checked to.

    1. the ordered search: each fact assignment realised exactly (the facts take the
       assigned values, so the rule is ``target`` by construction);
    2. random restarts of the search, each assignment realised exactly, by the default
       choices and by random ones (how sums are split, which day, which year...);
    3. random restarts realised leniently: facts that cannot be given their values are
       left to defaults, and the caller checks what the profile gives.

    Every choice is seeded from the rule, so the witnesses are the same on every run.
    """
    name = f"{rid} {'met' if target else 'missed'}"
    params = view.values
    pool = sorted({Fraction(v) for vs in thresholds(catalogue).values() for v in vs if isinstance(v, Decimal | int) and not isinstance(v, bool)})
    for env in fact_assignments(catalogue, view, rid, target, limit):
        profile = realise(env, view.day, name=name, params=params)
        if profile is not None:
            yield profile, True
    for exact in (True, False):
        for round_ in range(RANDOM_ROUNDS):
            rng = random.Random(_seed(rid, target, round_))
            for i, env in enumerate(fact_assignments(catalogue, view, rid, target, PER_ROUND, rng)):
                choices = random.Random(_seed(rid, target, round_, i))
                if exact:
                    for r in (None, choices):
                        profile = realise(env, view.day, name=name, params=params, rng=r)
                        if profile is not None:
                            yield profile, True
                    continue
                try:
                    skip = _profile_free(env, view.day, params)
                    b = build(env, view.day, {"name": name}, params, choices, skip=skip, lenient=True, pool=pool)
                except (Unrealisable, ValidationError, ValueError, ArithmeticError):
                    continue
                profile = b.profile()
                if profile is not None:
                    yield profile, False


def find_witnesses(
    catalogue: Catalogue, as_of: dt.date, *, kinds: tuple[str, ...] = ("support",), limit: int = MAX_SOLUTIONS
) -> dict[str, Witnesses]:
    """For each rule in force on ``as_of``: a profile that meets it and one that misses it.

    Each profile is checked with :func:`eligibility._evaluate` (eligible, not eligible).
    When none is found, ``met_problem`` / ``unmet_problem`` says whether the rule can
    never be met / missed ("unreachable" / "always true") or no profile was realised.
    Candidates come from :func:`_candidates`: an ordered search, then seeded random ones.
    """
    view = catalogue.at(as_of)
    wanted = [rid for rid in view.rule_ids if catalogue.rules[rid].kind in kinds]
    out = {rid: Witnesses(rid) for rid in wanted}
    names = [n for n in catalogue.facts_used() if n in FACTS]

    def record(profile: EnterpriseProfile) -> None:
        verdicts = evaluate(profile, as_of=as_of, catalogue=catalogue).verdicts()
        for rid, w in out.items():
            if w.met is None and verdicts.get(rid) is Verdict.eligible:
                w.met = profile
            if w.unmet is None and verdicts.get(rid) is Verdict.not_eligible:
                w.unmet = profile

    for rid in wanted:
        w = out[rid]
        decision = Decision(view)
        for target in (True, False):
            if (w.met if target else w.unmet) is not None:
                continue
            if next(fact_assignments(catalogue, view, rid, target, 1), None) is None:
                problem = "unreachable: no values of its facts meet it" if target else "always true: no values of its facts miss it"
            else:
                tried = 0
                for profile, checked in _candidates(catalogue, view, rid, target, limit):
                    tried += 1
                    if not checked:
                        got = {n: fv.value for n, fv in compute_facts(profile, as_of, names, view.values).items()}
                        if decision.truth(decision.tree(rid), got) is not target:
                            continue
                    record(profile)
                    if (w.met if target else w.unmet) is not None:
                        break
                problem = (
                    f"no profile realised any fact assignment making it {'met' if target else 'missed'} "
                    f"({limit} in order, {RANDOM_ROUNDS}×{PER_ROUND} at random, exactly and leniently)"
                )
            if (w.met if target else w.unmet) is None:
                if target:
                    w.met_problem = problem
                else:
                    w.unmet_problem = problem
    return out


def facts_env(env: dict[str, Any], names: list[str]) -> dict[str, FactValue]:
    """Fact values for the engine and the explanation: ``env``'s, the rest unknown."""
    return {n: FactValue(env.get(n), () if env.get(n) is not None else (n,)) for n in names}
