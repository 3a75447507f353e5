"""Units as offices write them: in a column header (``研发费用（万元）``) and in a cell (``1.5亿``).

The profile keeps each quantity in one unit (yuan, people, square metres ...; the field's
``unit``). A header may name a multiple of that unit, which scales every number in its
column; a cell may carry its own magnitude or unit, which then wins over the header's.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

HEADER_UNITS: dict[str, dict[str, int]] = {
    "元": {"元": 1, "千元": 1_000, "万元": 10_000, "十万元": 100_000, "百万元": 1_000_000, "千万元": 10_000_000, "亿元": 100_000_000},
    "美元": {"美元": 1, "千美元": 1_000, "万美元": 10_000, "百万美元": 1_000_000, "亿美元": 100_000_000},
    "平方米": {"平方米": 1, "平米": 1, "m2": 1, "m²": 1, "㎡": 1},
    "人": {"人": 1, "名": 1},
    "项": {"项": 1, "件": 1, "个": 1},
    "年": {"年": 1},
    "分": {"分": 1},
}
"""A field's unit -> the units a header may give for it, each with its factor."""

MAGNITUDES: dict[str, int] = {"千": 1_000, "万": 10_000, "十万": 100_000, "百万": 1_000_000, "千万": 10_000_000, "亿": 100_000_000}
"""Chinese magnitude words written after a number in a cell: ``2000万``, ``1千万``, ``1.5亿``."""

_HEADER_UNIT = re.compile(r"^(.+?)\s*[(（]\s*(?:单位\s*[:：]\s*)?([^()（）]+?)\s*[)）]$")
_NUMBER = re.compile(r"^([-+]?(?:\d+(?:\.\d*)?|\.\d+))(千万|百万|十万|千|万|亿)?$")


def all_header_units() -> set[str]:
    """Every unit word a header may end with."""
    return {u for table in HEADER_UNITS.values() for u in table}


def split_header_unit(header: str) -> tuple[str, str | None]:
    """``研发费用（万元）`` -> (``研发费用``, ``万元``); a header without a known unit is returned whole.

    Parentheses holding anything else (``营业收入（销售收入）``) are part of the name."""
    m = _HEADER_UNIT.match(header)
    if m and unicodedata.normalize("NFKC", m.group(2)).lower() in {u.lower() for u in all_header_units()} | {"m2"}:
        return m.group(1), unicodedata.normalize("NFKC", m.group(2))
    return header, None


def header_scale(field_unit: str | None, header_unit: str) -> int | None:
    """The factor a header's unit applies to a field in ``field_unit``; None if it does not fit."""
    table = HEADER_UNITS.get(field_unit or "", {})
    for unit, factor in table.items():
        if unit.lower() == header_unit.lower():
            return factor
    return None


def parse_quantity(text: str, field_unit: str | None, scale: int = 1) -> Decimal | None:
    """A number written in a cell, in the field's unit; None if the text is not one.

    ``1,234,500`` and ``460`` are scaled by the column's ``scale``; a cell that names its
    own magnitude or unit (``460万``, ``1千万``, ``1.5亿元``, ``300平方米``) is taken as written."""
    text = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace(" ", "")
    own = False
    for unit in sorted(HEADER_UNITS.get(field_unit or "", {}), key=len, reverse=True):
        if HEADER_UNITS[field_unit or ""][unit] == 1 and text.lower().endswith(unit.lower()) and len(text) > len(unit):
            text, own = text[: -len(unit)], True
            break
    m = _NUMBER.match(text)
    if m is None:
        return None
    value = Decimal(m.group(1))
    if m.group(2):
        return value * MAGNITUDES[m.group(2)]
    return value if own else value * scale
