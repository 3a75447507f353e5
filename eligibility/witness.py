"""Witnesses: profiles that meet, and profiles that miss, each rule of a catalogue.

Used by property testing (:mod:`eligibility.testing`) and by lint; needs no Hypothesis.

Three steps:

* **thresholds**: every value the catalogue compares a fact with (constants, every
  dated value and tier of every parameter, tier bounds of the key facts);
* **solving at fact level**: a rule's resolved condition (the tree the engine is
  compiled from) is searched for an assignment of facts, drawn from values at, just
  below and just above those thresholds, that makes it met (or not met) under the
  three-valued logic; facts left out stay unknown;
* **realising**: the assigned facts are turned back into an enterprise profile
  (``years_since_registration = 3`` becomes a registration date exactly three years
  before the date of evaluation; a ratio of exactly 3 % becomes a numerator and a
  denominator that give 3 % exactly) and the profile is checked through
  :func:`eligibility.evaluate`, so a witness is never taken on trust.

If no assignment meets a rule, the rule is unreachable (among the values its own
thresholds delimit, every region is tried). If assignments exist but none can be
realised (facts that share profile inputs, or a computed fact this module cannot
invert), no witness is reported and the reason says so.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pydantic import ValidationError

from . import facts as _facts
from .catalogue import Catalogue, CatalogueView
from .explain import truth_of
from .facts import FACTS, FactKind, FactSpec, FactValue, Ratio, compute_facts
from .profile import EnterpriseProfile
from .resolve import Every, Leaf, Negation, Ref, Resolved, Some, Unavailable, resolve
from .schema import Compare, ParameterValue, walk
from .semantics import Truth, all_of, any_of, not_

BP = Decimal("0.0001")
"""A ratio step: one basis point."""
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


# --- Fact-level evaluation and search ---------------------------------------------------


def fixed_facts(view: CatalogueView) -> dict[str, Any]:
    """Facts known without any profile input (``as_of_month``): their value on the view's date."""
    names = view.catalogue.facts_used()
    empty = EnterpriseProfile(name="-")
    return {n: fv.value for n, fv in compute_facts(empty, view.day, names, view.values).items() if fv.value is not None}


def truth(tree: Resolved, env: dict[str, Any], view: CatalogueView) -> Truth:
    """Three-valued truth of a resolved condition for fact values (absent = unknown)."""
    if isinstance(tree, Leaf):
        return truth_of(FACTS[tree.fact], tree.op, env.get(tree.fact), tree.value)
    if isinstance(tree, Unavailable):
        return False
    if isinstance(tree, Ref):
        if tree.rule not in view.rule_ids:
            return False
        return truth(resolve(view.catalogue.rules[tree.rule].conditions, view), env, view)
    if isinstance(tree, Negation):
        return not_(truth(tree.item, env, view))
    values = (truth(item, env, view) for item in tree.items)
    return all_of(values) if isinstance(tree, Every) else any_of(values)


def solutions(
    tree: Resolved, target: bool, env: dict[str, Any], view: CatalogueView, candidates: dict[str, list[Any]]
) -> Iterator[dict[str, Any]]:
    """Assignments extending ``env`` under which ``tree`` is ``target`` (definitely), lazily."""
    if isinstance(tree, Leaf):
        spec = FACTS[tree.fact]
        if tree.fact in env:
            if truth_of(spec, tree.op, env[tree.fact], tree.value) is target:
                yield env
            return
        for value in candidates.get(tree.fact) or candidate_values(spec, {tree.value} if not isinstance(tree.value, list) else set(tree.value)):
            if truth_of(spec, tree.op, value, tree.value) is target:
                yield {**env, tree.fact: value}
        return
    if isinstance(tree, Unavailable):
        if not target:
            yield env
        return
    if isinstance(tree, Ref):
        if tree.rule not in view.rule_ids:
            if not target:
                yield env
            return
        yield from solutions(resolve(view.catalogue.rules[tree.rule].conditions, view), target, env, view, candidates)
        return
    if isinstance(tree, Negation):
        yield from solutions(tree.item, not target, env, view, candidates)
        return
    conjunctive = isinstance(tree, Every) == target
    if conjunctive:  # every item must reach the target
        yield from _chain(list(tree.items), target, env, view, candidates)
    else:  # one item reaching the target is enough
        for item in tree.items:
            yield from solutions(item, target, env, view, candidates)


def _chain(
    items: list[Resolved], target: bool, env: dict[str, Any], view: CatalogueView, candidates: dict[str, list[Any]]
) -> Iterator[dict[str, Any]]:
    if not items:
        yield env
        return
    for partial in solutions(items[0], target, env, view, candidates):
        yield from _chain(items[1:], target, partial, view, candidates)


def fact_assignments(
    cat: Catalogue, view: CatalogueView, rule_id: str, target: bool, limit: int = MAX_SOLUTIONS
) -> Iterator[dict[str, Any]]:
    """Up to ``limit`` fact assignments making rule ``rule_id`` met (``target`` True) or not met."""
    found = thresholds(cat)
    candidates = {name: candidate_values(FACTS[name], found.get(name)) for name in cat.facts_used() if name in FACTS}
    tree = resolve(cat.rules[rule_id].conditions, view)
    seen: set[tuple[tuple[str, str], ...]] = set()
    count = 0
    for env in solutions(tree, target, fixed_facts(view), view, candidates):
        key = tuple(sorted((k, repr(v)) for k, v in env.items()))
        if key in seen:
            continue
        seen.add(key)
        yield env
        count += 1
        if count >= limit:
            return


# --- From facts back to a profile -------------------------------------------------------


class _Unrealisable(Exception):
    pass


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    if node.get(last) is not None and node[last] != value:
        raise _Unrealisable(f"{path} already set")
    node[last] = value


def _get_path(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _year_row(data: dict[str, Any], year: int) -> dict[str, Any]:
    rows = data.setdefault("financials", [])
    for row in rows:
        if row.get("year") == year:
            return row
    row = {"year": year}
    rows.append(row)
    return row


def _set_year(data: dict[str, Any], year: int, attr: str, value: int) -> None:
    row = _year_row(data, year)
    if row.get(attr) is not None and row[attr] != value:
        raise _Unrealisable(f"financials[{year}].{attr} already set")
    row[attr] = value


def _fraction(value: Any) -> Fraction | None:
    """A ratio as an exact fraction; None when undefined (zero denominator)."""
    if isinstance(value, Ratio):
        return None if value.den == 0 else Fraction(value.num) / Fraction(value.den)
    return Fraction(value)


def _closure(spec: FactSpec) -> tuple[str, dict[str, Any]]:
    """The factory of facts.py a computed fact was made with, and its arguments."""
    fn = spec.compute
    qual = getattr(fn, "__qualname__", "")
    cells = getattr(fn, "__closure__", None) or ()
    names = getattr(getattr(fn, "__code__", None), "co_freevars", ())
    return qual.split(".<locals>")[0], {n: c.cell_contents for n, c in zip(names, cells, strict=False)}


def _window(data: dict[str, Any], as_of: dt.date, years: int) -> list[int]:
    last = as_of.year - 1
    reg = _get_path(data, "registration_date")
    if reg is None:
        reg = dt.date(last - years - 1, 1, 1)
        data["registration_date"] = reg
    if isinstance(reg, str):
        reg = dt.date.fromisoformat(reg)
    return list(range(max(last - years + 1, reg.year), last + 1))


def _scale(frac: Fraction, size: int = 10_000_000) -> int:
    """A multiplier k so that k * denominator is about ``size``."""
    return max(1, size // frac.denominator)


def _ratio_over_years(data: dict[str, Any], years: list[int], num: str, den: str, value: Any) -> None:
    frac = _fraction(value)
    for year in years:
        row = _year_row(data, year)
        n, d = row.get(num), row.get(den)
        if frac is None:  # undefined: a zero denominator
            if d not in (None, 0):
                raise _Unrealisable("denominator already set")
            row[den] = 0
            row.setdefault(num, 0)
            continue
        if d is None and n is None:
            k = _scale(frac)
            row[den], row[num] = frac.denominator * k, frac.numerator * k
        elif d is not None and n is None:
            got = frac * d
            if got.denominator != 1:
                raise _Unrealisable("ratio not reachable with this denominator")
            row[num] = int(got)
        elif n is not None and d is None:
            if frac == 0:
                raise _Unrealisable("zero ratio with a non-zero numerator")
            got = n / frac
            if got.denominator != 1:
                raise _Unrealisable("ratio not reachable with this numerator")
            row[den] = int(got)
        elif d == 0 or Fraction(n, d) != frac:
            raise _Unrealisable("ratio inputs already set")


def _realise_one(data: dict[str, Any], spec: FactSpec, value: Any, as_of: dt.date) -> None:
    name = spec.name
    if name not in _COMPUTED:
        if spec.kind is FactKind.set:
            value = sorted(value)
        elif spec.kind is FactKind.number:
            value = int(value) if spec.decimals == 0 else Decimal(value)
        _set_path(data, name, value)
        return
    if spec.years_since is not None:
        years = int(value)
        if years < 0:
            raise _Unrealisable("negative years")
        _set_path(data, spec.years_since.path, _years_before(as_of, years))
        return
    fn = spec.compute
    factory, args = _closure(spec)
    last = as_of.year - 1
    if fn is _facts._kxz_age:
        _set_path(data, "certifications.kxz_registration_year", as_of.year - int(value))
    elif fn is _facts._st_staff_share:
        frac = _fraction(value)
        if frac is None:
            raise _Unrealisable("staff share over zero staff")
        k = max(1, 100 // frac.denominator)
        _set_path(data, "staff_total", Decimal(frac.denominator * k))
        _set_path(data, "st_staff", Decimal(frac.numerator * k))
    elif fn is _facts._revenue_growth_2y:
        frac = _fraction(value)
        if frac is None:
            _set_year(data, last - 2, "operating_revenue", 0)
            return
        k = _scale(frac)
        base = frac.denominator * k
        _set_year(data, last - 2, "operating_revenue", base)
        _set_year(data, last - 1, "operating_revenue", base)
        _set_year(data, last, "operating_revenue", int(base * (1 + 2 * frac)))
    elif factory == "_last_year":
        _set_year(data, last, args["attr"], int(value))
    elif factory == "_ratio_last_year":
        _ratio_over_years(data, [last], args["num_attr"], args["den_attr"], value)
    elif factory == "_ratio_window":
        _ratio_over_years(data, _window(data, as_of, args["years"]), args["num_attr"], args["den_attr"], value)
    else:
        raise _Unrealisable(f"no way known to set the computed fact {name}")


_COMPUTED = {spec.name for spec in _facts.COMPUTED}


def _order(name: str) -> int:
    """Realise plain fields first, then dates, then figures, then ratios (which adapt to figures)."""
    spec = FACTS[name]
    if name not in _COMPUTED:
        return 0
    if spec.years_since is not None:
        return 1
    if spec.kind is FactKind.ratio:
        return 3
    return 2


def _same(spec: FactSpec, got: Any, want: Any) -> bool:
    if spec.kind is FactKind.ratio:
        return isinstance(got, Ratio) and _fraction(got) == _fraction(want)
    if spec.kind is FactKind.number:
        return got is not None and Decimal(got) == Decimal(want)
    return got == want


def realise(
    env: dict[str, Any],
    as_of: dt.date,
    base: dict[str, Any] | None = None,
    name: str = "witness",
    params: Mapping[str, ParameterValue] | None = None,
) -> EnterpriseProfile | None:
    """A profile whose facts on ``as_of`` take the values of ``env`` (None if none is found).

    ``base`` is profile data to start from (its values are kept; facts that need them
    changed make the realisation fail).
    """
    data: dict[str, Any] = copy.deepcopy(base) if base else {}
    data.setdefault("name", name)
    fixed = set()
    try:
        for fact in sorted(env, key=lambda n: (_order(n), n)):
            spec = FACTS[fact]
            probe = compute_facts(EnterpriseProfile(name="-"), as_of, [fact], params or {})[fact]
            if probe.value is not None:  # does not depend on the profile
                fixed.add(fact)
                continue
            _realise_one(data, spec, env[fact], as_of)
        profile = EnterpriseProfile.model_validate(data)
    except (_Unrealisable, ValidationError, ValueError, ArithmeticError):
        return None
    got = compute_facts(profile, as_of, list(env), params or {})
    if all(_same(FACTS[f], got[f].value, env[f]) for f in env):
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


@dataclass
class _Search:
    cat: Catalogue
    view: CatalogueView
    found: dict[str, Witnesses] = field(default_factory=dict)


def find_witnesses(
    catalogue: Catalogue, as_of: dt.date, *, kinds: tuple[str, ...] = ("support",), limit: int = MAX_SOLUTIONS
) -> dict[str, Witnesses]:
    """For each rule in force on ``as_of``: a profile that meets it and one that misses it.

    Each profile is checked with :func:`eligibility.evaluate` (eligible, not eligible).
    When none is found, ``met_problem`` / ``unmet_problem`` says whether the rule can
    never be met / missed ("unreachable" / "always true") or no profile was realised.
    """
    from .evaluate import evaluate
    from .report import Verdict

    view = catalogue.at(as_of)
    wanted = [rid for rid in view.rule_ids if catalogue.rules[rid].kind in kinds]
    out = {rid: Witnesses(rid) for rid in wanted}

    def record(profile: EnterpriseProfile) -> None:
        verdicts = evaluate(profile, as_of=as_of, catalogue=catalogue).verdicts()
        for rid, w in out.items():
            if w.met is None and verdicts.get(rid) is Verdict.eligible:
                w.met = profile
            if w.unmet is None and verdicts.get(rid) is Verdict.not_eligible:
                w.unmet = profile

    for rid in wanted:
        w = out[rid]
        for target in (True, False):
            if (w.met if target else w.unmet) is not None:
                continue
            tried = 0
            for env in fact_assignments(catalogue, view, rid, target, limit):
                tried += 1
                profile = realise(env, as_of, name=f"{rid} {'met' if target else 'missed'}", params=view.values)
                if profile is None:
                    continue
                record(profile)
                if (w.met if target else w.unmet) is not None:
                    break
            if (w.met if target else w.unmet) is None:
                if tried == 0:
                    problem = "unreachable: no values of its facts meet it" if target else "always true: no values of its facts miss it"
                else:
                    problem = f"no profile realised any of {tried} fact assignments"
                if target:
                    w.met_problem = problem
                else:
                    w.unmet_problem = problem
    return out


def facts_env(env: dict[str, Any], names: list[str]) -> dict[str, FactValue]:
    """Fact values for the engine and the explanation: ``env``'s, the rest unknown."""
    return {n: FactValue(env.get(n), () if env.get(n) is not None else (n,)) for n in names}
