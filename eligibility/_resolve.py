"""Conditions with their parameters resolved for one date.

A rule's condition names parameters; on a given date each parameter has one value in
force. Resolution replaces each parameter by that value and expands a tiered
parameter into its bands, giving a tree of plain comparisons. The durable-rules
compiler and the explanation both work on this same resolved tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ._catalogue import CatalogueView
from ._dates import DateTest, Relation, Term, Unit
from ._schema import All, AnyOf, Compare, Condition, DateCondition, DateRef, Not, ParamRef, ParameterValue, RuleRef
from ._semantics import Op


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


@dataclass(frozen=True)
class Every:
    items: tuple[Resolved, ...]
    node: Condition | None


@dataclass(frozen=True)
class Some:
    items: tuple[Resolved, ...]
    node: Condition | None


@dataclass(frozen=True)
class Negation:
    item: Resolved
    node: Not


@dataclass(frozen=True)
class Unavailable:
    """A comparison whose parameter has no value in force on the date: never met."""

    node: Compare | DateCondition
    param: str = ""
    """The parameter without a value."""
    fact: str = ""


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
