"""Next questions: which unknown fields decide the most still-open supports.

An interview (the CLI) or a portal's dynamic form asks only these, in order, and
re-evaluates after each answer.
"""

from __future__ import annotations

import re
from types import UnionType
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ._catalogue import Catalogue
from ._evaluate import evaluate
from ._labels import VALUE_LABELS, field_label
from .profile import EnterpriseProfile, FiscalYear
from .report import Report, Verdict
from ._text import Text, bi

_INDEXED = re.compile(r"^financials\[(\d+)\]\.(\w+)$")

FieldType = Literal["bool", "int", "decimal", "date", "enum", "enum_list", "str"]


@dataclass(frozen=True)
class FieldSpec:
    """What a profile field accepts, for asking it."""

    path: str
    label: Text
    type: FieldType
    description: str | None = None
    unit: str | None = None
    choices: tuple[str, ...] = ()
    choice_labels: tuple[Text, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None


@dataclass(frozen=True)
class Question:
    """An unknown field and the open supports whose verdict it helps decide."""

    field: FieldSpec
    decides: tuple[str, ...] = ()


def _info(path: str) -> tuple[FieldInfo, Any]:
    m = _INDEXED.match(path)
    if m:
        year_field = FiscalYear.model_fields[m.group(2)]
        return year_field, year_field.annotation
    model: type[BaseModel] = EnterpriseProfile
    info: FieldInfo | None = None
    for part in path.split("."):
        info = model.model_fields[part]
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
    assert info is not None
    return info, info.annotation


def _bare(annotation: Any) -> tuple[Any, list[Any]]:
    """The type behind Optional/Annotated, and the Annotated metadata."""
    meta: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin in (Union, UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            annotation = args[0]
        elif origin is not None and hasattr(annotation, "__metadata__"):
            meta.extend(annotation.__metadata__)
            annotation = get_args(annotation)[0]
        else:
            return annotation, meta


def field_spec(path: str) -> FieldSpec:
    """How to ask for the profile field at ``path`` (``financials[2025].rd_expense`` too)."""
    info, annotation = _info(path)
    bare, meta = _bare(annotation)
    meta += list(info.metadata)
    unit = None
    lo = hi = None
    for m in meta:
        extra = getattr(m, "json_schema_extra", None)
        if isinstance(extra, dict) and "unit" in extra:
            unit = str(extra["unit"])
        for c in getattr(m, "metadata", [m]):
            if hasattr(c, "ge"):
                lo = Decimal(str(c.ge))
            if hasattr(c, "le"):
                hi = Decimal(str(c.le))
    label = bi(field_label(path, "zh"), field_label(path, "en"))
    kind: FieldType
    choices: tuple[str, ...] = ()
    if get_origin(bare) is list:
        (item,) = get_args(bare)
        kind, bare = "enum_list", item
    elif bare is bool:
        kind = "bool"
    elif bare is int:
        kind = "int"
    elif bare is Decimal:
        kind = "decimal"
    elif bare is date:
        kind = "date"
    elif isinstance(bare, type) and issubclass(bare, Enum):
        kind = "enum"
    else:
        kind = "str"
    labels: tuple[Text, ...] = ()
    if isinstance(bare, type) and issubclass(bare, Enum):
        choices = tuple(m.value for m in bare)
        table = VALUE_LABELS.get(bare, {})
        labels = tuple(table.get(c, bi(c, c)) for c in choices)
    return FieldSpec(path, label, kind, info.description, unit, choices, labels, lo, hi)


def questions_from(report: Report) -> list[Question]:
    """The unknown fields of a report, those deciding the most open supports first."""
    counts: dict[str, list[str]] = {}
    for s in report.supports:
        if s.verdict is Verdict.needs_information:
            for f in s.missing_fields:
                counts.setdefault(f, []).append(s.id)
    order = {f: i for i, f in enumerate(counts)}
    ranked = sorted(counts, key=lambda f: (-len(counts[f]), order[f]))
    return [Question(field_spec(f), tuple(counts[f])) for f in ranked]


def next_questions(
    profile: EnterpriseProfile | dict[str, Any],
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
    limit: int | None = None,
) -> list[Question]:
    """The unknown fields that would decide the most still-open supports, in order.

    A field is counted for every support that is "needs information" and names it
    among the fields that decide it; ties keep the catalogue's order.
    """
    report = evaluate(profile, as_of=as_of, catalogue=catalogue)
    found = questions_from(report)
    return found if limit is None else found[:limit]


def set_field(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of profile ``data`` with ``path`` set (creating nested objects and fiscal years)."""
    out = _deepcopy(data)
    m = _INDEXED.match(path)
    if m:
        year, attr = int(m.group(1)), m.group(2)
        years = out.setdefault("financials", [])
        for fy in years:
            if fy.get("year") == year:
                fy[attr] = value
                return out
        years.append({"year": year, attr: value})
        return out
    node = out
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def _deepcopy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deepcopy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deepcopy(v) for v in value]
    return value
