"""The vocabulary of conditions: operators and three-valued logic.

What a resolved condition decides, built from these, is :mod:`eligibility._decision`
(and, for durable-rules, :mod:`eligibility.compiler`), so the verdict the engine reaches
and the one the explanation shows cannot drift apart.

Three-valued logic (Kleene): ``True`` met, ``False`` not met, ``None`` unknown.
``unknown AND false`` is false; ``unknown OR true`` is true; ``NOT unknown`` is unknown.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

Truth = bool | None


class Op(StrEnum):
    """Comparison operators a rule may use, spelled as rule authors write them."""

    ge = ">="
    gt = ">"
    le = "<="
    lt = "<"
    eq = "=="
    ne = "!="
    in_ = "in"
    not_in = "not in"


NEGATION: dict[Op, Op] = {
    Op.ge: Op.lt,
    Op.gt: Op.le,
    Op.le: Op.gt,
    Op.lt: Op.ge,
    Op.eq: Op.ne,
    Op.ne: Op.eq,
    Op.in_: Op.not_in,
    Op.not_in: Op.in_,
}

ORDER_OPS = frozenset({Op.ge, Op.gt, Op.le, Op.lt})
SET_OPS = frozenset({Op.in_, Op.not_in})

DURABLE_OP: dict[Op, str] = {
    Op.ge: "$gte",
    Op.gt: "$gt",
    Op.le: "$lte",
    Op.lt: "$lt",
    Op.eq: "$eq",
    Op.ne: "$neq",
}

WORDS: dict[Op, dict[str, str]] = {
    Op.ge: {"zh": "不低于", "en": "at least"},
    Op.gt: {"zh": "高于", "en": "more than"},
    Op.le: {"zh": "不高于", "en": "at most"},
    Op.lt: {"zh": "低于", "en": "less than"},
    Op.eq: {"zh": "为", "en": "equal to"},
    Op.ne: {"zh": "不为", "en": "not"},
    Op.in_: {"zh": "属于", "en": "one of"},
    Op.not_in: {"zh": "不属于", "en": "none of"},
}
"""How each operator reads in a sentence (以上/不低于 include the bound; 超过/低于 exclude it)."""


OPERATOR: dict[Op, Callable[[Any, Any], bool]] = {
    Op.ge: operator.ge,
    Op.gt: operator.gt,
    Op.le: operator.le,
    Op.lt: operator.lt,
    Op.eq: operator.eq,
    Op.ne: operator.ne,
    Op.in_: lambda left, right: left in right,
    Op.not_in: lambda left, right: left not in right,
}
"""``left op right`` on known values (numbers exact: Decimal or int, never float)."""


def all_of(values: Iterable[Truth]) -> Truth:
    """Kleene AND: false if any is false, else unknown if any is unknown, else true."""
    seen_unknown = False
    for v in values:
        if v is False:
            return False
        if v is None:
            seen_unknown = True
    return None if seen_unknown else True


def any_of(values: Iterable[Truth]) -> Truth:
    """Kleene OR: true if any is true, else unknown if any is unknown, else false."""
    seen_unknown = False
    for v in values:
        if v is True:
            return True
        if v is None:
            seen_unknown = True
    return None if seen_unknown else False


def not_(value: Truth) -> Truth:
    """Kleene NOT."""
    return None if value is None else not value
