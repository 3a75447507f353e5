"""The profile's fields: one walk over the model, one path grammar.

Every module that names, asks for, reads, parses, realises or generates a profile field
takes it from here: its path (``founder.is_returnee``; a fiscal year's figure
``financials[2025].rd_expense``), its type, unit, bounds and choices, and its titles in
Chinese (the model's) and English (:data:`~eligibility._labels.FIELD_EN`).

::

    field_spec("financials[2025].rd_expense")   # FieldSpec(type="int", unit="元", minimum=0, ...)
    parse_path("financials.2025.rd_expense")    # FieldPath(key="financials.rd_expense", year=2025)

The walk is made once (cached): a field's annotation is unwrapped (``X | None``,
``Annotated[X, Field(...)]``, ``list[X]``) by :func:`unwrap` alone.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import cache, lru_cache
from types import UnionType
from typing import Any, Annotated, Literal, NamedTuple, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .errors import Problem, ProfileError
from ._labels import FIELD_EN, VALUE_LABELS
from .profile import EnterpriseProfile
from ._text import Lang, Text, bi

YEARLY = "financials"
"""The profile's list of fiscal years; its figures are addressed by year."""

FieldType = Literal["bool", "int", "decimal", "date", "enum", "enum_list", "str"]

_NAME = r"[A-Za-z_]\w*"
_YEARLY_PATH = re.compile(rf"^{YEARLY}(?:\[([0-9]{{4}})\]|\.([0-9]{{4}}))\.({_NAME})$")
_DOTTED = re.compile(rf"^{_NAME}(?:\.{_NAME})*$")


# --- Unwrapping annotations -----------------------------------------------------------------


class Shape(NamedTuple):
    """A field annotation unwrapped: the type inside, and what was around it."""

    type: Any
    """``int``, ``Decimal``, ``date``, ``bool``, ``str``, an Enum, a model, or ``list[X]``."""
    optional: bool = False
    """``X | None``: the field may be given as null (unknown)."""
    constraints: tuple[Any, ...] = ()
    """Constraint objects (``Ge``, ``Le``, ``MinLen``, decimal places ...) and validators."""
    unit: str | None = None
    """The ``unit`` a ``Field(json_schema_extra=...)`` declares (``元``, ``人`` ...)."""

    @property
    def item(self) -> Shape | None:
        """A list's item type, unwrapped (None if the field is not a list)."""
        if get_origin(self.type) is not list:
            return None
        (item,) = get_args(self.type)
        return unwrap(item)

    @property
    def model(self) -> type[BaseModel] | None:
        """The model holding its value, or its list's items (None for a single value)."""
        t = self.item.type if self.item is not None else self.type
        return t if isinstance(t, type) and issubclass(t, BaseModel) else None

    @property
    def enum(self) -> type[Enum] | None:
        """The Enum of its value, or of its list's items."""
        t = self.item.type if self.item is not None else self.type
        return t if isinstance(t, type) and issubclass(t, Enum) else None

    @property
    def kind(self) -> FieldType | None:
        """How its value is asked for and read; None for a nested model or list of models."""
        t = self.type
        if self.model is not None:
            return None
        if self.item is not None:
            return "enum_list"
        if t is bool:
            return "bool"
        if t is int:
            return "int"
        if t is Decimal:
            return "decimal"
        if t is date:
            return "date"
        if self.enum is not None:
            return "enum"
        return "str"


def unwrap(annotation: Any, metadata: tuple[Any, ...] | list[Any] = ()) -> Shape:
    """The type inside ``X | None`` and ``Annotated[X, ...]``, with the constraints and unit
    found on the way (and in ``metadata``, a pydantic field's own)."""
    optional = False
    found: list[Any] = []
    unit = None
    while True:
        origin = get_origin(annotation)
        if origin in (Union, UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            if len(args) != 1:
                break
            annotation = args[0]
        elif origin is Annotated:
            annotation, *extra = get_args(annotation)
            for m in extra:
                if isinstance(m, FieldInfo):
                    found += m.metadata
                    unit = _unit(m) or unit
                else:
                    found.append(m)
        else:
            break
    for m in metadata:
        if isinstance(m, FieldInfo):
            found += m.metadata
            unit = _unit(m) or unit
        else:
            found.append(m)
    return Shape(annotation, optional, tuple(found), unit)


def _unit(info: FieldInfo) -> str | None:
    extra = info.json_schema_extra
    return str(extra["unit"]) if isinstance(extra, dict) and "unit" in extra else None


def _fixed(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and extra.get("fixed") is True


# --- The walk -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileField:
    """One field of a model, as the walk found it."""

    key: str
    """Its dotted name from the model walked (``founder.is_returnee``; a fiscal year's
    figure ``financials.rd_expense``, without a year)."""
    name: str
    """Its attribute name (``is_returnee``)."""
    owner: type[BaseModel]
    """The model declaring it."""
    shape: Shape
    required: bool
    title: str | None
    """The model's (Chinese) title."""
    description: str | None
    fixed: bool = False
    """The enterprise cannot change it by acting (who its founder is, its sector): declared
    with ``json_schema_extra={"fixed": True}``; a condition on it that fails has no gap to close."""

    @property
    def item(self) -> Shape | None:
        return self.shape.item

    @property
    def model(self) -> type[BaseModel] | None:
        return self.shape.model

    @property
    def enum(self) -> type[Enum] | None:
        return self.shape.enum

    @property
    def kind(self) -> FieldType | None:
        return self.shape.kind

    @property
    def title_en(self) -> str:
        return FIELD_EN.get(self.key, self.key)

    @property
    def bounds(self) -> tuple[Any, Any]:
        """(lowest, highest) value allowed, None where open (``ge`` and ``le`` constraints)."""
        lo = [c.ge for c in self.shape.constraints if getattr(c, "ge", None) is not None]
        hi = [c.le for c in self.shape.constraints if getattr(c, "le", None) is not None]
        return (max(lo) if lo else None), (min(hi) if hi else None)

    def constraint(self, name: str) -> Any:
        """The first constraint named ``name`` (``ge``, ``le``, ``decimal_places``,
        ``min_length`` ...), or None."""
        for c in self.shape.constraints:
            value = getattr(c, name, None)
            if value is not None:
                return value
        return None


@cache
def fields_of(model: type[BaseModel]) -> tuple[ProfileField, ...]:
    """The fields ``model`` declares, in its order, each unwrapped (keys are their names)."""
    return tuple(
        ProfileField(
            name, name, model, unwrap(info.annotation, info.metadata), info.is_required(), info.title, info.description, _fixed(info)
        )
        for name, info in model.model_fields.items()
    )


@cache
def profile_fields() -> dict[str, ProfileField]:
    """Every field of the profile by dotted key, depth first in the model's order: a
    nested model's fields follow it (``founder``, ``founder.is_returnee`` ...), and a fiscal
    year's follow ``financials`` (``financials.year``, ``financials.rd_expense`` ...)."""
    out: dict[str, ProfileField] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for f in fields_of(model):
            key = prefix + f.name
            out[key] = ProfileField(key, f.name, f.owner, f.shape, f.required, f.title, f.description, f.fixed)
            if f.model is not None:
                walk(f.model, f"{key}.")

    walk(EnterpriseProfile, "")
    return out


@cache
def _scalar_paths() -> tuple[str, ...]:
    return tuple(k for k, f in profile_fields().items() if f.model is None and not k.startswith(f"{YEARLY}."))


def scalar_paths() -> list[str]:
    """The profile's single-valued fields as dotted paths (``founder.is_returnee``), in model order.

    ``financials`` is not among them: its fields are given per year (``financials[2025].rd_expense``).
    """
    return list(_scalar_paths())


@cache
def _yearly_fields() -> tuple[str, ...]:
    return tuple(f.name for k, f in profile_fields().items() if k.startswith(f"{YEARLY}.") and f.name != "year")


def yearly_fields() -> list[str]:
    """The figures a fiscal year carries (``rd_expense`` ...), without ``year``."""
    return list(_yearly_fields())


# --- Paths ----------------------------------------------------------------------------------


class PathError(ProfileError):
    """A text that is not the path of a profile field (the message names it)."""

    def __str__(self) -> str:
        return self.summary


class FieldPath(NamedTuple):
    """A profile field's path, parsed: its key in :func:`profile_fields` and, for a fiscal
    year's figure, the year."""

    key: str
    year: int | None = None

    @property
    def path(self) -> str:
        """As reports and problems name it: ``financials[2025].rd_expense``, ``founder.is_returnee``."""
        return format_path(self.key, self.year)

    @property
    def column(self) -> str:
        """As a table's column names it: ``financials.2025.rd_expense``, ``founder.is_returnee``."""
        if self.year is None:
            return self.key
        return f"{YEARLY}.{self.year}.{self.key[len(YEARLY) + 1:]}"

    @property
    def name(self) -> str:
        """The field's attribute name (``rd_expense``)."""
        return self.key.rsplit(".", 1)[-1]


def format_path(key: str, year: int | None = None) -> str:
    """The path of field ``key`` (of fiscal ``year`` for a yearly figure): ``financials[2025].rd_expense``."""
    return key if year is None else yearly_path(year, key.removeprefix(YEARLY + "."))


def yearly_path(year: int | str, name: str) -> str:
    """The path of a fiscal year's figure: ``yearly_path(2025, "rd_expense")`` -> ``financials[2025].rd_expense``."""
    return f"{YEARLY}[{year}].{name}"


def _split(text: str) -> FieldPath | None:
    m = _YEARLY_PATH.match(text) if text.startswith(YEARLY) else None
    if m:
        return FieldPath(f"{YEARLY}.{m.group(3)}", int(m.group(1) or m.group(2)))
    return FieldPath(text) if _DOTTED.match(text) else None


def split_path(text: str) -> FieldPath:
    """A path's parts by its grammar alone (the field may not exist): a dotted name, or
    ``financials[YYYY].name`` / ``financials.YYYY.name``. :class:`PathError` if neither."""
    found = _split(text)
    if found is None:
        raise _path_error(
            f"不是字段路径，应如 founder.is_returnee 或 financials[2025].rd_expense "
            f"(not a field path; write founder.is_returnee or financials[2025].rd_expense): {_quote(text)}",
            text,
        )
    return found


def find_path(text: str) -> FieldPath | None:
    """The field a path names if it holds a value (not a group such as ``founder``; a fiscal
    year's figure with its year), else None."""
    found = _split(text)
    if found is None:
        return None
    f = profile_fields().get(found.key)
    if f is None or f.model is not None or found.key == f"{YEARLY}.year":
        return None
    return found if found.key.startswith(f"{YEARLY}.") == (found.year is not None) else None


def parse_path(text: str) -> FieldPath:
    """The path of a profile field that holds a value (see :func:`find_path`);
    :class:`PathError` naming the path (and the closest fields) otherwise."""
    found = find_path(text)
    if found is not None:
        return found
    year = split_path(text).year or "YYYY"
    known = [*_scalar_paths(), *(yearly_path(year, n) for n in _yearly_fields())]
    close = difflib.get_close_matches(text, known, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise _path_error(f"不是画像中的字段 (not a profile field): {_quote(text)}{hint}", text)


def column_name(path: str) -> str:
    """The column for a field path: ``financials[2025].rd_expense`` -> ``financials.2025.rd_expense``
    (any other text unchanged)."""
    try:
        return split_path(path).column
    except PathError:
        return path


def _path_error(message: str, path: str) -> PathError:
    return PathError(message, [Problem(message, path, code="unknown_field")])


def _quote(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:80] + "…")


# --- Field specs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """What a profile field accepts, for asking it, reading it from a cell or showing it."""

    path: str
    label: Text
    type: FieldType
    description: str | None = None
    unit: str | None = None
    choices: tuple[str, ...] = ()
    choice_labels: tuple[Text, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None


@lru_cache(maxsize=4096)
def field_spec(path: str) -> FieldSpec:
    """How to ask for the profile field at ``path`` (``financials[2025].rd_expense`` too);
    :class:`PathError` if ``path`` names no field."""
    f = profile_fields()[parse_path(path).key]
    kind = f.kind
    assert kind is not None  # parse_path refuses groups
    enum = f.enum
    choices = tuple(m.value for m in enum) if enum is not None else ()
    table: dict[str, Text] = VALUE_LABELS.get(enum, {}) if enum is not None else {}
    labels = tuple(table.get(c, bi(c, c)) for c in choices)
    lo, hi = f.bounds
    return FieldSpec(
        path,
        bi(field_label(path, "zh"), field_label(path, "en")),
        kind,
        f.description,
        f.shape.unit,
        choices,
        labels,
        None if lo is None else Decimal(str(lo)),
        None if hi is None else Decimal(str(hi)),
    )


@lru_cache(maxsize=4096)  # a batch names the same few fields in every row
def field_label(path: str, lang: Lang = "zh") -> str:
    """A profile field path as a reader sees it: ``financials[2025].rd_expense`` -> 2025年度研发费用
    (any other text as it is)."""
    try:
        found = split_path(path)
    except PathError:
        found = FieldPath(path)
    if found.year is not None:
        f = profile_fields().get(found.key)
        title = f.title if f is not None and f.title else found.name
        return f"{found.year}年度{title}" if lang == "zh" else f"{FIELD_EN.get(found.key, found.name)} ({found.year})"
    if lang == "en":
        return FIELD_EN.get(path, path)
    f = None if path.startswith(f"{YEARLY}.") else profile_fields().get(path)
    return path if f is None else f.title or f.name


# --- Profile data ---------------------------------------------------------------------------


def get_field(data: dict[str, Any], path: str) -> Any:
    """The value at ``path`` in profile ``data`` (a dict), or None if not given."""
    found = split_path(path)
    if found.year is not None:
        for fy in data.get(YEARLY, []):
            if fy.get("year") == found.year:
                return fy.get(found.name)
        return None
    node: Any = data
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def set_field(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of profile ``data`` with ``path`` set (creating nested objects and fiscal years)."""
    found = split_path(path)
    out = _deepcopy(data)
    if found.year is not None:
        years = out.setdefault(YEARLY, [])
        for fy in years:
            if fy.get("year") == found.year:
                fy[found.name] = value
                return out
        years.append({"year": found.year, found.name: value})
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
