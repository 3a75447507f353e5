"""What a resolved condition decides: the one Python definition of a condition's meaning.

**Resolution.** A rule's condition names parameters; on a given date each parameter has
one value in force. :func:`resolve` replaces each parameter by that value and expands a
tiered parameter into its bands, giving a tree of plain comparisons. The durable-rules
compiler (:mod:`eligibility._compiler`) and everything deciding in Python work on this
same resolved tree.

**Kinds.** How a fact is compared depends on its kind (a number, a ratio, a grade, a
list...). Each kind is one small object in :data:`KINDS` holding everything about it,
as json-rules-engine keeps an operator's test and its type guard together: which rule
values it may be compared with (:meth:`Kind.problem`), how a fact value and a rule
value are written for durable-rules (:meth:`Kind.encoder`, :meth:`Kind.met`,
:meth:`Kind.unmet`), how it is compared in Python (:meth:`Kind.test`) and how a value is
shown (:meth:`Kind.shown`, :meth:`Kind.shown_required`).

**Decision.** Three-valued (:mod:`eligibility._semantics`): a comparison of an unknown
fact is unknown and names the fields it needs; a parameter with no value on the date
(:class:`Unavailable`) and a named rule not in force are not met; a ratio over zero meets
no comparison; a tiered comparison is met when the value meets its band's threshold (or
the strictest one, whatever the band); date conditions mean what :mod:`eligibility._dates`
says. :func:`compile_decider` compiles a tree once into closures (no tree walk per
profile); :class:`Decision` keeps them per catalogue view; :func:`solutions` runs the
decision backwards (fact values that make a condition met or not met, for witnesses).

The engine compilation is the only other definition of what a tree decides; every
evaluation checks that durable-rules and the deciders here agree.
"""

from __future__ import annotations

import operator
import random
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import gcd
from typing import Any, ClassVar

from ._catalogue import CatalogueView, rule_refs
from ._dates import AS_OF, DateTest, Relation, Term, Unit
from ._facts import FACTS, FactKind, FactSpec, FactValue, Ratio
from ._schema import All, AnyOf, Compare, Condition, DateCondition, DateRef, Not, ParamRef, ParameterValue, RuleRef
from ._semantics import DURABLE_OP, NEGATION, OPERATOR, ORDER_OPS, SET_OPS, Op, Truth, all_of, any_of, not_

# --- Kinds: per kind of fact, validate, encode for the engine, compare, show -----------------

BP = 10_000
"""Ratio thresholds are compared in basis points."""
RATIO_STEP = Decimal("0.0001")
"""Ratio thresholds are exact to one basis point (they are compared as integers)."""
INT64_SAFE = 9 * 10**18 // BP

Encoder = Callable[[Any, dict[str, Any]], None]
"""Writes one known fact value as engine attributes."""


def _plain(value: Any) -> Any:
    """A Decimal as an int when whole, else its shortest text; anything else as it is."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value.normalize())
    return value


def _compare(key: str, op: Op, const: Any) -> dict[str, Any]:
    return {DURABLE_OP[op]: {key: const}}


class Kind:
    """How facts of one kind are compared. The base class is a fact compared as it is
    (yes/no, a choice, a day): ``==``/``!=``/``in``/``not in`` on the value itself."""

    kind: ClassVar[FactKind]

    # Validate a rule value --------------------------------------------------------------
    def problem(self, spec: FactSpec, op: Op, value: Any) -> str | None:
        """Why ``fact op value`` makes no sense for this fact, or None."""
        if (op in SET_OPS) != isinstance(value, list):
            return f"'{op.value}' compares with {'a list of values' if op in SET_OPS else 'one value, not a list'} (got {value!r})"
        if isinstance(value, list) and not value:
            return f"'{op.value}' needs at least one value (got an empty list)"
        return self._problem(spec, op, value, value if isinstance(value, list) else [value])

    def _problem(self, spec: FactSpec, op: Op, value: Any, values: list[Any]) -> str | None:
        return None

    # Compare in Python --------------------------------------------------------------------
    def test(self, spec: FactSpec, op: Op, required: Any) -> Callable[[Any], bool]:
        """The test ``fact op required`` on a known value, its constants prepared once
        (evaluations call it for every comparison of every rule)."""
        if op in SET_OPS:
            # Numbers compare exactly across int and Decimal, and hash alike when equal.
            choices = frozenset(self._bound(spec, r) for r in required)
            return choices.__contains__ if op is Op.in_ else lambda v: v not in choices
        cmp, bound = OPERATOR[op], self._bound(spec, required)
        return lambda v: cmp(v, bound)

    def _bound(self, spec: FactSpec, required: Any) -> Any:
        """A rule value as the Python comparison takes it."""
        return required

    # Encode for the engine ------------------------------------------------------------------
    def encoder(self, spec: FactSpec, key: str) -> Encoder:
        """How a known value of the fact is written as engine attributes (made once per fact)."""

        def encode(v: Any, out: dict[str, Any]) -> None:
            out[key] = v

        return encode

    def constant(self, spec: FactSpec, value: Any) -> Any:
        """A rule value as the engine compares it (the attribute's encoding)."""
        return value

    def met(self, spec: FactSpec, key: str, op: Op, value: Any) -> dict[str, Any]:
        """Engine expression true exactly when the fact is known and ``fact op value`` holds."""
        if op is Op.in_:
            return {"$or": [_compare(key, Op.eq, self.constant(spec, v)) for v in value]}
        if op is Op.not_in:
            return {"$and": [_compare(key, Op.ne, self.constant(spec, v)) for v in value]}
        return _compare(key, op, self.constant(spec, value))

    def unmet(self, spec: FactSpec, key: str, op: Op, value: Any) -> dict[str, Any]:
        """Engine expression true exactly when the fact is known and ``fact op value`` does not hold."""
        return self.met(spec, key, NEGATION[op], value)

    # Show ----------------------------------------------------------------------------------
    def shown(self, spec: FactSpec, value: Any) -> Any:
        """A known value of the fact as a report shows it."""
        return value

    def shown_required(self, spec: FactSpec, value: Any) -> Any:
        """A rule value as a report shows it."""
        if isinstance(value, list):
            return [self.shown_required(spec, v) for v in value]
        return _plain(value)


class Flag(Kind):
    """Yes or no."""

    kind = FactKind.bool

    def _problem(self, spec: FactSpec, op: Op, value: Any, values: list[Any]) -> str | None:
        if op not in (Op.eq, Op.ne) or not all(isinstance(v, bool) for v in values):
            return f"a yes/no fact compares with == or != and true/false (got {op.value} {value!r})"
        return None


class Number(Kind):
    """An amount, compared exactly (Decimal); the engine sees it scaled to an integer by
    the fact's decimals (staff counts in hundredths)."""

    kind = FactKind.number

    def _problem(self, spec: FactSpec, op: Op, value: Any, values: list[Any]) -> str | None:
        if op in SET_OPS:
            return f"a {self.kind.value} compares with >=, >, <=, < (got {op.value})"
        for v in values:
            if isinstance(v, bool) or not isinstance(v, Decimal):
                return f"a {self.kind.value} compares with a number (got {v!r})"
            step = self._step(spec)
            if v % step != 0:
                return f"{v} is finer than the precision of {spec.name} ({step})"
        return None

    def _step(self, spec: FactSpec) -> Decimal:
        return Decimal(1).scaleb(-spec.decimals)

    def _bound(self, spec: FactSpec, required: Any) -> Any:
        return Decimal(required)

    def encoder(self, spec: FactSpec, key: str) -> Encoder:
        decimals = spec.decimals

        def encode(v: Any, out: dict[str, Any]) -> None:
            out[key] = v if decimals == 0 and type(v) is int else int(Decimal(v).scaleb(decimals))

        return encode

    def constant(self, spec: FactSpec, value: Any) -> Any:
        return int(Decimal(value).scaleb(spec.decimals))

    def shown(self, spec: FactSpec, value: Any) -> Any:
        return _plain(value)


class RatioKind(Number):
    """A ratio (:class:`~eligibility._facts.Ratio`), compared by cross-multiplication, never
    as a float; over zero it is undefined and meets no comparison. The engine sees its
    numerator (in basis points) and denominator: ``a/b >= t`` is ``a*10000 >= b*(t in
    basis points)``, exact at the boundary."""

    kind = FactKind.ratio

    def _problem(self, spec: FactSpec, op: Op, value: Any, values: list[Any]) -> str | None:
        if op in (Op.eq, Op.ne):
            return f"a {self.kind.value} compares with >=, >, <=, < (got {op.value})"
        return super()._problem(spec, op, value, values)

    def _step(self, spec: FactSpec) -> Decimal:
        return RATIO_STEP

    def test(self, spec: FactSpec, op: Op, required: Any) -> Callable[[Any], bool]:
        cmp, threshold = OPERATOR[op], Decimal(required)

        def ratio(r: Ratio) -> bool:
            return r.den != 0 and cmp(r.num, r.den * threshold)

        return ratio

    def encoder(self, spec: FactSpec, key: str) -> Encoder:
        num, den = f"{key}__n", f"{key}__d"

        def encode(v: Any, out: dict[str, Any]) -> None:
            n, d = ratio_terms(v)
            out[num] = n * BP
            out[den] = d

        return encode

    def met(self, spec: FactSpec, key: str, op: Op, value: Any) -> dict[str, Any]:
        bp = int(Decimal(value) * BP)
        return {
            "$and": [
                {"$gt": {f"{key}__d": 0}},
                {DURABLE_OP[op]: {f"{key}__n": {"$mul": {"$l": {"$m": f"{key}__d"}, "$r": bp}}}},
            ]
        }

    def unmet(self, spec: FactSpec, key: str, op: Op, value: Any) -> dict[str, Any]:
        # A ratio over zero is undefined, so no comparison with it holds.
        return {"$or": [{f"{key}__d": 0}, self.met(spec, key, NEGATION[op], value)]}

    def shown(self, spec: FactSpec, value: Any) -> Any:
        pct = value.as_percent()
        return None if pct is None else f"{pct.quantize(Decimal('0.01'))}%"

    def shown_required(self, spec: FactSpec, value: Any) -> Any:
        return f"{(Decimal(value) * 100).normalize():f}%"


class Choice(Kind):
    """One of the fact's choices, without order."""

    kind = FactKind.enum

    def _problem(self, spec: FactSpec, op: Op, value: Any, values: list[Any]) -> str | None:
        if op in ORDER_OPS:
            return f"{spec.name} has no order; use ==, !=, in or not in (got {op.value})"
        return _unknown_choices(spec, values)


class Grade(Kind):
    """One of the fact's choices, ordered as listed (A > B > ... as written in the fact):
    compared by rank; the engine sees the rank."""

    kind = FactKind.ordinal

    def _problem(self, spec: FactSpec, op: Op, value: Any, values: list[Any]) -> str | None:
        return _unknown_choices(spec, values)

    def test(self, spec: FactSpec, op: Op, required: Any) -> Callable[[Any], bool]:
        if op in SET_OPS:
            return super().test(spec, op, required)
        cmp = OPERATOR[op]
        rank = {choice: i for i, choice in enumerate(spec.choices)}
        position = rank[required]
        return lambda v: cmp(rank[v], position)

    def encoder(self, spec: FactSpec, key: str) -> Encoder:
        rank = {choice: i for i, choice in enumerate(spec.choices)}

        def encode(v: Any, out: dict[str, Any]) -> None:
            out[key] = rank[v]

        return encode

    def constant(self, spec: FactSpec, value: Any) -> Any:
        return spec.choices.index(value)


class Members(Kind):
    """A list of the fact's choices: ``in`` holds when it contains any of the values,
    ``not in`` when it contains none; the engine sees one yes/no attribute per choice."""

    kind = FactKind.set

    def _problem(self, spec: FactSpec, op: Op, value: Any, values: list[Any]) -> str | None:
        if op in ORDER_OPS:
            return f"{spec.name} has no order; use ==, !=, in or not in (got {op.value})"
        if op not in SET_OPS:
            return f"{spec.name} is a list; use in (contains any of) or not in (contains none of)"
        return _unknown_choices(spec, values)

    def test(self, spec: FactSpec, op: Op, required: Any) -> Callable[[Any], bool]:
        wanted = frozenset(required)
        if op is Op.in_:
            return lambda members: not wanted.isdisjoint(members)
        return wanted.isdisjoint

    def encoder(self, spec: FactSpec, key: str) -> Encoder:
        members = [(m, f"{key}__{m}") for m in spec.choices]

        def encode(v: Any, out: dict[str, Any]) -> None:
            for member, member_key in members:
                out[member_key] = member in v

        return encode

    def met(self, spec: FactSpec, key: str, op: Op, value: Any) -> dict[str, Any]:
        if op is Op.in_:
            return {"$or": [{f"{key}__{v}": True} for v in value]}
        return {"$and": [{f"{key}__{v}": False} for v in value]}

    def shown(self, spec: FactSpec, value: Any) -> Any:
        return sorted(value)


class Day(Kind):
    """A day: compared only by date conditions (:mod:`eligibility._dates`); the engine sees
    its day number."""

    kind = FactKind.date

    def _problem(self, spec: FactSpec, op: Op, value: Any, values: list[Any]) -> str | None:
        return (
            f"{spec.name} is a date: compare it with a date condition "
            f"(date: {spec.name}, on_or_after / after / on_or_before / before / within ...), not with '{op.value}'"
        )

    def encoder(self, spec: FactSpec, key: str) -> Encoder:
        def encode(v: Any, out: dict[str, Any]) -> None:
            out[key] = v.toordinal()

        return encode


def _unknown_choices(spec: FactSpec, values: list[Any]) -> str | None:
    bad = [v for v in values if v not in spec.choices]
    return f"{bad!r} not among the allowed values {list(spec.choices)}" if bad else None


KINDS: dict[FactKind, Kind] = {k.kind: k for k in (Flag(), Number(), RatioKind(), Choice(), Grade(), Members(), Day())}
"""Every kind of fact with how it is validated, encoded, compared and shown."""


def ratio_terms(r: Ratio) -> tuple[int, int]:
    """An exact integer numerator and positive denominator for a ratio (0, 0 if undefined).

    A fraction too large for int64 arithmetic is approximated within 1e-9
    (``Fraction.limit_denominator(10**9)``, :func:`closest_fraction`).
    """
    if r.den == 0:
        return 0, 0
    num, den = int(r.num), int(r.den)
    if num == r.num and den == r.den:  # whole amounts, as almost every ratio is: no Fraction needed
        g = gcd(num, den)
        num, den = (num // g, den // g) if den > 0 else (-num // g, -den // g)
    else:
        f = Fraction(r.num) / Fraction(r.den)
        num, den = f.numerator, f.denominator
    if abs(num) <= INT64_SAFE and den <= INT64_SAFE:
        return num, den
    return closest_fraction(num, den, 10**9)


def closest_fraction(num: int, den: int, max_den: int) -> tuple[int, int]:
    """``Fraction(num, den).limit_denominator(max_den)`` as (numerator, denominator), for
    ``num/den`` in lowest terms with ``den > 0``: the same continued-fraction steps and the
    same choice between the two candidates (the nearer; the convergent on a tie), in
    integers (a growth rate of large amounts meets it in almost every evaluation, and the
    ``Fraction`` arithmetic of the standard library's version costs ten times as much)."""
    if den <= max_den:
        return num, den
    p0, q0, p1, q1 = 0, 1, 1, 0
    n, d = num, den
    while True:
        a = n // d
        q2 = q0 + a * q1
        if q2 > max_den:
            break
        p0, q0, p1, q1 = p1, q1, p0 + a * p1, q2
        n, d = d, n - a * d
    k = (max_den - q0) // q1
    n1, d1 = p0 + k * p1, q0 + k * q1  # in lowest terms, as every (semi)convergent is
    # |p1/q1 - num/den| <= |n1/d1 - num/den|, cross-multiplied (every denominator is positive)
    if abs(p1 * den - num * q1) * d1 <= abs(n1 * den - num * d1) * q1:
        return p1, q1
    return n1, d1


def value_problem(spec: FactSpec, op: Op, value: Any) -> str | None:
    """Why ``fact op value`` makes no sense for this fact, or None."""
    return KINDS[spec.kind].problem(spec, op, value)


def leaf_test(spec: FactSpec, op: Op, required: Any) -> Callable[[Any], bool]:
    """The prepared test ``fact op required`` on a known value of the fact."""
    return KINDS[spec.kind].test(spec, op, required)


def truth_of(spec: FactSpec, op: Op, fact_value: Any, required: Any) -> Truth:
    """Whether ``fact op required`` holds for one known or unknown (None) value."""
    if fact_value is None:
        return None
    return leaf_test(spec, op, required)(fact_value)


def display(spec: FactSpec, value: Any) -> Any:
    """A fact's value as shown in a report (ratios as percentages); None when unknown."""
    return None if value is None else KINDS[spec.kind].shown(spec, value)


def display_required(spec: FactSpec, value: Any) -> Any:
    """A rule value as shown in a report (ratios as percentages)."""
    return KINDS[spec.kind].shown_required(spec, value)


# --- Resolution: a condition with its parameters on one date ------------------------------


@dataclass(frozen=True)
class Leaf:
    """``fact op value``, with where the value came from."""

    fact: str
    op: Op
    value: Any
    node: Compare
    param: str | None = None
    param_value: ParameterValue | None = None
    band: tuple[Decimal | None, Decimal | None] | None = None
    """For a tier's comparison: the (exclusive lower, inclusive upper) bounds of its band."""
    band_key: bool = False
    """True for the comparisons that select a tier's band (key > lower, key <= upper)."""


@dataclass(frozen=True)
class DateLeaf:
    """A date condition with its parameters resolved."""

    test: DateTest
    node: DateCondition
    params: tuple[tuple[str, ParameterValue], ...] = ()
    """The parameters it read, with the values in force."""


@dataclass(frozen=True)
class Ref:
    rule: str
    node: RuleRef
    in_force: bool = True
    """False when the derived rule is not in force on the date: then it is not met."""

    absent: ClassVar[Truth] = False
    """The truth of a named rule not in force on the date (no outcome of its own)."""


@dataclass(frozen=True)
class Every:
    items: tuple[Resolved, ...]
    node: Condition | None

    decisive: ClassVar[bool] = False
    """One item with this truth decides the group: false for all."""
    combine = staticmethod(all_of)
    """The group's truth from its items' (Kleene AND)."""


@dataclass(frozen=True)
class Some:
    items: tuple[Resolved, ...]
    node: Condition | None
    """None for a tiered comparison's bands (:func:`resolve`)."""

    decisive: ClassVar[bool] = True
    """One item with this truth decides the group: true for any."""
    combine = staticmethod(any_of)
    """The group's truth from its items' (Kleene OR)."""


@dataclass(frozen=True)
class Negation:
    item: Resolved
    node: Not

    combine = staticmethod(not_)
    """Its truth from its item's (Kleene NOT)."""


@dataclass(frozen=True)
class Unavailable:
    """A comparison whose parameter has no value in force on the date: never met."""

    node: Compare | DateCondition
    param: str = ""
    """The parameter without a value."""
    fact: str = ""

    truth: ClassVar[Truth] = False


Resolved = Leaf | DateLeaf | Ref | Every | Some | Negation | Unavailable


class _NoValue(Exception):
    def __init__(self, param: str) -> None:
        self.param = param


def _param(view: CatalogueView, pid: str, used: dict[str, ParameterValue]) -> ParameterValue:
    value = view.values.get(pid)
    if value is None:
        raise _NoValue(pid)
    used[pid] = value
    return value


def _amount(view: CatalogueView, amount: int | ParamRef, used: dict[str, ParameterValue]) -> int:
    if isinstance(amount, ParamRef):
        return int(_param(view, amount.param, used).value)
    return amount


def _term(view: CatalogueView, ref: DateRef, used: dict[str, ParameterValue], extra: tuple[Unit, int | ParamRef] | None = None) -> Term:
    offsets = ref.offsets() if extra is None else [extra]
    unit: Unit | None = offsets[0][0] if offsets else None
    amount = _amount(view, offsets[0][1], used) if offsets else 0
    if ref.param is not None:
        return Term(day=_param(view, ref.param, used).value, unit=unit, amount=amount)  # type: ignore[arg-type]
    return Term(name=ref.date, day=ref.day, unit=unit, amount=amount)


def resolve_date(cond: DateCondition, view: CatalogueView) -> DateLeaf | Unavailable:
    """A date condition with the parameters in force on ``view``'s date."""
    used: dict[str, ParameterValue] = {}
    relation = cond.relation
    try:
        (ref,) = cond.refs()
        anchor = _term(view, ref, used)
        end = None
        if relation is Relation.within:
            assert cond.within is not None
            end = _term(view, ref, used, cond.within.offsets()[0])
        test = DateTest(Term(cond.date), relation, anchor, end, cond.within is not None and cond.within.end == "included")
    except _NoValue as e:
        return Unavailable(cond, e.param, cond.date)
    return DateLeaf(test, cond, tuple(sorted(used.items())))


def resolve(cond: Condition, view: CatalogueView) -> Resolved:
    """The resolved tree of ``cond`` on ``view``'s date."""
    if isinstance(cond, All):
        return Every(tuple(resolve(c, view) for c in cond.all), cond)
    if isinstance(cond, AnyOf):
        return Some(tuple(resolve(c, view) for c in cond.any), cond)
    if isinstance(cond, Not):
        return Negation(resolve(cond.not_, view), cond)
    if isinstance(cond, RuleRef):
        return Ref(cond.rule, cond, cond.rule in view.rule_ids)
    if isinstance(cond, DateCondition):
        return resolve_date(cond, view)
    if cond.param is None:
        return Leaf(cond.fact, cond.op, cond.value, cond)
    value = view.values.get(cond.param)
    if value is None:
        return Unavailable(cond, cond.param, cond.fact)
    if value.tiers is None:
        return Leaf(cond.fact, cond.op, value.value, cond, cond.param, value)
    key = view.catalogue.parameters[cond.param].key
    assert key is not None
    branches: list[Resolved] = []
    lower: Decimal | None = None
    for tier in value.tiers:
        band: list[Resolved] = []
        if lower is not None:
            band.append(Leaf(key, Op.gt, lower, cond, cond.param, value, (lower, tier.max), True))
        if tier.max is not None:
            band.append(Leaf(key, Op.le, tier.max, cond, cond.param, value, (lower, tier.max), True))
        band.append(Leaf(cond.fact, cond.op, tier.value, cond, cond.param, value, (lower, tier.max)))
        branches.append(Every(tuple(band), None))
        lower = tier.max
    # Meeting the strictest tier meets every tier, so the band need not be known.
    values = [t.value for t in value.tiers]
    if cond.op in (Op.ge, Op.gt):
        branches.append(Leaf(cond.fact, cond.op, max(values), cond, cond.param, value))
    elif cond.op in (Op.le, Op.lt):
        branches.append(Leaf(cond.fact, cond.op, min(values), cond, cond.param, value))
    return Some(tuple(branches), None)


def is_tiered(tree: Resolved) -> bool:
    """Whether ``tree`` is a tiered comparison's bands (shown and missing as one comparison)."""
    return isinstance(tree, Some) and tree.node is None


def leaves(tree: Resolved) -> list[Leaf]:
    """Every comparison in a resolved tree (date conditions: :func:`date_leaves`)."""
    if isinstance(tree, Leaf):
        return [tree]
    if isinstance(tree, Every | Some):
        return [leaf for item in tree.items for leaf in leaves(item)]
    if isinstance(tree, Negation):
        return leaves(tree.item)
    return []


def date_leaves(tree: Resolved) -> list[DateLeaf]:
    """Every date condition in a resolved tree."""
    if isinstance(tree, DateLeaf):
        return [tree]
    if isinstance(tree, Every | Some):
        return [leaf for item in tree.items for leaf in date_leaves(item)]
    if isinstance(tree, Negation):
        return date_leaves(tree.item)
    return []


# --- The decision: compiled once per view, run per profile -----------------------------------

Decided = tuple[Truth, Sequence[str]]
"""A condition's truth and, when unknown, the fields that decide it."""
Decider = Callable[[Mapping[str, FactValue], Mapping[str, Decided]], Decided]
"""Takes the facts and the outcomes of the derived rules a condition names."""
_NOT_IN_FORCE: Decided = (Ref.absent, ())
_UNAVAILABLE: Decided = (Unavailable.truth, ())


def compile_decider(tree: Resolved, view: CatalogueView, test: Callable[[Leaf], Callable[[Any], bool]]) -> Decider:
    """A function giving a condition's truth and the unknown fields that decide it, in
    the order an explanation lists them (before removing repeats). ``test`` gives each
    comparison's prepared :func:`leaf_test`.

    The decider takes the facts and the outcomes of the derived rules ``tree`` names
    (a rule missing from them is not in force: not met).
    """
    if isinstance(tree, Leaf):
        name, check = tree.fact, test(tree)

        def leaf(facts: Mapping[str, FactValue], done: Mapping[str, Decided]) -> Decided:
            value, missing = facts[name]
            if value is None:
                return None, missing
            return check(value), ()

        return leaf
    if isinstance(tree, DateLeaf):
        date_test, names = tree.test, tree.test.names

        def date_leaf(facts: Mapping[str, FactValue], done: Mapping[str, Decided]) -> Decided:
            dates = {n: facts[n].value for n in names}
            truth = date_test.truth(dates)
            if truth is None:
                return None, [f for n in date_test.profile_dates if dates[n] is None for f in facts[n].missing]
            return truth, ()

        return date_leaf
    if isinstance(tree, Ref):
        rule = tree.rule
        return lambda facts, done: done.get(rule, _NOT_IN_FORCE)
    if isinstance(tree, Unavailable):
        return lambda facts, done: _UNAVAILABLE
    if isinstance(tree, Negation):
        inner, negate = compile_decider(tree.item, view, test), tree.combine

        def negation(facts: Mapping[str, FactValue], done: Mapping[str, Decided]) -> Decided:
            truth, missing = inner(facts, done)
            return negate(truth), missing

        return negation
    parts = [compile_decider(item, view, test) for item in tree.items]
    decisive = tree.decisive
    if is_tiered(tree):  # a tiered comparison: its fact, then the band key
        first = next(leaf for leaf in leaves(tree) if not leaf.band_key)
        key_fact = view.catalogue.parameters[first.param or ""].key or ""

        def unknown_fields(facts: Mapping[str, FactValue], decided: list[Decided]) -> Sequence[str]:
            return list(dict.fromkeys([*facts[first.fact].missing, *facts[key_fact].missing]))

    else:

        def unknown_fields(facts: Mapping[str, FactValue], decided: list[Decided]) -> Sequence[str]:
            return [field for truth, missing in decided if truth is None for field in missing]

    def group(facts: Mapping[str, FactValue], done: Mapping[str, Decided]) -> Decided:
        decided = []
        unknown = False
        for part in parts:
            result = part(facts, done)
            truth = result[0]
            if truth is decisive:  # Kleene: one decisive part settles the group
                return decisive, ()
            if truth is None:
                unknown = True
            decided.append(result)
        if not unknown:
            return not decisive, ()
        return None, unknown_fields(facts, decided)

    return group


class Decision:
    """What the rules of one catalogue view decide, compiled once and reused for every
    profile: resolved trees, prepared comparisons, deciders, and which rules time moves."""

    def __init__(self, view: CatalogueView) -> None:
        self.view = view
        self._trees: dict[str, Resolved] = {}
        self._tests: dict[int, tuple[Leaf, Callable[[Any], bool]]] = {}
        self._deciders: dict[str, Decider] = {}
        self._rule_date_leaves: dict[str, list[DateLeaf]] = {}
        self._rule_time_leaves: dict[str, list[Leaf]] = {}
        self._time_leaves: list[Leaf] | None = None
        self._date_leaves: list[DateLeaf] | None = None
        self._moving_rules: list[tuple[str, frozenset[str], frozenset[str]]] | None = None

    def tree(self, rule_id: str) -> Resolved:
        """A rule's resolved condition."""
        tree = self._trees.get(rule_id)
        if tree is None:
            tree = self._trees[rule_id] = resolve(self.view.catalogue.rules[rule_id].conditions, self.view)
        return tree

    def test(self, leaf: Leaf) -> Callable[[Any], bool]:
        """The prepared :func:`leaf_test` of a comparison in this view's trees."""
        found = self._tests.get(id(leaf))
        if found is None or found[0] is not leaf:  # kept with its leaf: an id is reused once its object is gone
            found = self._tests[id(leaf)] = (leaf, leaf_test(FACTS[leaf.fact], leaf.op, leaf.value))
        return found[1]

    def decider(self, rule_id: str) -> Decider:
        """The compiled :func:`compile_decider` of a rule's condition."""
        found = self._deciders.get(rule_id)
        if found is None:
            found = self._deciders[rule_id] = compile_decider(self.tree(rule_id), self.view, self.test)
        return found

    def decider_of(self, tree: Resolved) -> Decider:
        """The compiled decider of a part of this view's trees."""
        return compile_decider(tree, self.view, self.test)

    def decide(self, rule_id: str, facts: Mapping[str, FactValue], done: dict[str, Decided] | None = None) -> Decided:
        """One rule decided on ``facts``, the derived rules it names decided first (into ``done``)."""
        done = {} if done is None else done
        for named in sorted(rule_refs(self.view.catalogue.rules[rule_id].conditions)):
            if named in self.view.rule_ids and named not in done:
                self.decide(named, facts, done)
        done[rule_id] = self.decider(rule_id)(facts, done)
        return done[rule_id]

    def truth(self, tree: Resolved, env: Mapping[str, Any]) -> Truth:
        """Three-valued truth of a part of this view's trees for fact values (absent or None:
        unknown), the derived rules it names decided on the same values."""
        facts = _Env(env)
        done: dict[str, Decided] = {}
        for named in _named_rules(tree):
            if named in self.view.rule_ids and named not in done:
                self.decide(named, facts, done)
        return self.decider_of(tree)(facts, done)[0]

    # What moves with time (for the timeline) -------------------------------------------------
    def rule_date_leaves(self, rule_id: str) -> list[DateLeaf]:
        """A rule's own date conditions."""
        found = self._rule_date_leaves.get(rule_id)
        if found is None:
            found = self._rule_date_leaves[rule_id] = date_leaves(self.tree(rule_id))
        return found

    def rule_time_leaves(self, rule_id: str) -> list[Leaf]:
        """A rule's own comparisons of facts that move with time (ages counted from a date of the profile)."""
        found = self._rule_time_leaves.get(rule_id)
        if found is None:
            found = [leaf for leaf in leaves(self.tree(rule_id)) if FACTS[leaf.fact].years_since is not None]
            self._rule_time_leaves[rule_id] = found
        return found

    def date_leaves(self, only: Collection[str] | None = None) -> list[DateLeaf]:
        """The date conditions of the view's rules (each moves with the evaluation date), or of ``only`` those."""
        if only is not None:
            return [leaf for rid in only for leaf in self.rule_date_leaves(rid)]
        if self._date_leaves is None:
            self._date_leaves = [leaf for rid in self.view.rule_ids for leaf in self.rule_date_leaves(rid)]
        return self._date_leaves

    def time_leaves(self, only: Collection[str] | None = None) -> list[Leaf]:
        """The comparisons of facts that move with time (ages counted from a date of the
        profile) in the view's rules, or in ``only`` those."""
        if only is not None:
            return [leaf for rid in only for leaf in self.rule_time_leaves(rid)]
        if self._time_leaves is None:
            self._time_leaves = [leaf for rid in self.view.rule_ids for leaf in self.rule_time_leaves(rid)]
        return self._time_leaves

    def moving_rules(self) -> list[tuple[str, frozenset[str], frozenset[str]]]:
        """The rules (in catalogue order) whose outcome can move with time, each with the
        moving facts it reads and the moving rules it names."""
        if self._moving_rules is None:
            time_facts = {leaf.fact for leaf in self.time_leaves()} | {AS_OF}
            moving: list[tuple[str, frozenset[str], frozenset[str]]] = []
            for rid in self.view.rule_ids:
                tree = self.tree(rid)
                reads = frozenset(leaf.fact for leaf in leaves(tree)) & time_facts
                if self.rule_date_leaves(rid):
                    reads |= {AS_OF}
                names = frozenset(rule_refs(self.view.catalogue.rules[rid].conditions) & {m[0] for m in moving})
                if reads or names:
                    moving.append((rid, reads, names))
            self._moving_rules = moving
        return self._moving_rules


class _Env(dict[str, FactValue]):
    """Fact values for :meth:`Decision.truth`: each fact's value in the environment, absent ones unknown."""

    def __init__(self, env: Mapping[str, Any]) -> None:
        super().__init__()
        self.env = env

    def __missing__(self, name: str) -> FactValue:
        value = self.env.get(name)
        return FactValue(value, () if value is not None else (name,))


def _named_rules(tree: Resolved) -> list[str]:
    if isinstance(tree, Ref):
        return [tree.rule]
    if isinstance(tree, Every | Some):
        return [r for item in tree.items for r in _named_rules(item)]
    if isinstance(tree, Negation):
        return _named_rules(tree.item)
    return []


# --- The decision backwards: fact values that decide a condition ---------------------------


def solutions(
    tree: Resolved,
    target: bool,
    env: dict[str, Any],
    decision: Decision,
    candidates: Mapping[str, list[Any]],
    rng: random.Random | None = None,
) -> Iterator[dict[str, Any]]:
    """Assignments extending ``env`` under which ``tree`` is ``target`` (definitely), lazily;
    each fact's values are drawn from ``candidates``. Facts left out stay unknown.

    Depth first, in the order of the conditions and of the candidate values; with
    ``rng``, in a random order (so that the first few assignments differ in every fact).
    """
    if isinstance(tree, Leaf):
        check = decision.test(tree)
        if tree.fact in env:
            if env[tree.fact] is not None and check(env[tree.fact]) is target:
                yield env
            return
        values = candidates.get(tree.fact, [])
        if rng is not None:
            values = rng.sample(values, len(values))
        for value in values:
            if check(value) is target:
                yield {**env, tree.fact: value}
        return
    if isinstance(tree, DateLeaf):
        yield from _date_solutions(tree, target, env, candidates, rng)
        return
    if isinstance(tree, Unavailable):
        if tree.truth is target:
            yield env
        return
    if isinstance(tree, Ref):
        if tree.rule not in decision.view.rule_ids:
            if tree.absent is target:
                yield env
            return
        yield from solutions(decision.tree(tree.rule), target, env, decision, candidates, rng)
        return
    if isinstance(tree, Negation):
        yield from solutions(tree.item, not target, env, decision, candidates, rng)
        return
    items = list(tree.items) if rng is None else rng.sample(list(tree.items), len(tree.items))
    if target is not tree.decisive:  # every item must reach the target
        yield from _chain(items, target, env, decision, candidates, rng)
    else:  # one item reaching the target is enough
        for item in items:
            yield from solutions(item, target, env, decision, candidates, rng)


def _date_solutions(
    leaf: DateLeaf, target: bool, env: dict[str, Any], candidates: Mapping[str, list[Any]], rng: random.Random | None
) -> Iterator[dict[str, Any]]:
    """Days for the dates of a date condition it does not know yet, making it ``target``."""
    free = [n for n in leaf.test.names if n not in env]
    if not free:
        if leaf.test.truth({n: env.get(n) for n in leaf.test.names}) is target:
            yield env
        return
    name, rest = free[0], free[1:]
    values = candidates.get(name, [])
    if rng is not None:
        values = rng.sample(values, len(values))
    for value in values:
        extended = {**env, name: value}
        if rest:
            yield from _date_solutions(leaf, target, extended, candidates, rng)
        elif leaf.test.truth({n: extended.get(n) for n in leaf.test.names}) is target:
            yield extended


def _chain(
    items: list[Resolved],
    target: bool,
    env: dict[str, Any],
    decision: Decision,
    candidates: Mapping[str, list[Any]],
    rng: random.Random | None = None,
    start: int = 0,
) -> Iterator[dict[str, Any]]:
    # A comparison on a fact already given a value is checked here rather than searched in a
    # generator of its own: an `all` of n comparisons on one fact then costs n checks per value
    # tried, not a chain of n nested generators (lint searches rules of hundreds of them).
    i = start
    while i < len(items) and isinstance(items[i], Leaf) and items[i].fact in env:  # type: ignore[union-attr]
        leaf: Leaf = items[i]  # type: ignore[assignment]
        value = env[leaf.fact]
        if value is None or decision.test(leaf)(value) is not target:
            return
        i += 1
    if i == len(items):
        yield env
        return
    for partial in solutions(items[i], target, env, decision, candidates, rng):
        yield from _chain(items, target, partial, decision, candidates, rng, i + 1)

