"""The schema of the rule data under ``rules/``: what a rule author may write.

Files (YAML, validated on load, never executed):

* ``rules/catalogue.yaml``: the catalogue's name and version;
* ``rules/sources.yaml``: the documents rules cite (number, title, URL);
* ``rules/parameters/*.yaml``: dated parameters (thresholds, tiers, points tables), each value with its
  effective period, citation and how sure it is;
* ``rules/derived/*.yaml`` and ``rules/supports/*.yaml``: one rule per file.

A condition is a tree::

    all: [cond, ...]          every one holds
    any: [cond, ...]          at least one holds
    not: cond                 it does not hold
    rule: ID                  the derived rule ID holds
    fact: NAME                a comparison of a fact with a value or a parameter:
    op: ">="                    >= > <= < == != in "not in"
    value: 3 | "5%" | [A, B]  or  param: PARAM_ID
    date: NAME                a date condition (see :mod:`eligibility._dates`): the date NAME
                              (``as_of``, the evaluation date, or a date of the profile)
    on_or_after: REF            on_or_after | after | on_or_before | before another date, or
    within: {from: REF, years: N, end: included | excluded}   (or months / days)

A date REF is a fixed day (``2013-01-01``), a date's name, ``{param: ID}`` (a parameter
whose value is a day), or ``{date: NAME, years: N}`` (a date moved N years / months / days
later); N is a whole number or ``{param: ID}``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from ._dates import UNITS, Relation, Unit
from ._semantics import Op
from ._text import Text

Scalar = Union[bool, Decimal, str]


def to_scalar(value: Any) -> Any:
    """Rule values as exact Python values: "5%" -> Decimal("0.05"), 0.1 -> Decimal("0.1")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return Decimal(value.strip()[:-1]) / 100
        except InvalidOperation:
            raise ValueError(f"not a percentage: {value!r}") from None
    if isinstance(value, list):
        return [to_scalar(v) for v in value]
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Certainty(StrEnum):
    """How sure a value is (shown in reports next to every verdict that rests on it)."""

    official = "official"
    """Read in an official text (government or exchange site)."""
    third_party = "third_party"
    """A third-party copy of an official text."""
    assumption = "assumption"
    """An assumption awaiting confirmation from an official source."""


class Category(StrEnum):
    """The group a support belongs to (listing, financing, talent ...), for grouping reports."""

    listing = "listing"
    financing = "financing"
    rd_institution = "rd_institution"
    platform = "platform"
    cultivation = "cultivation"
    talent = "talent"
    cooperation = "cooperation"
    park = "park"
    classification = "classification"


class Basis(StrEnum):
    """Who promises a support: the plan itself, or a related policy the plan does not promise."""

    plan = "plan"
    """A measure of the plan (竹政办发〔2022〕26号): it exists because of the plan."""
    provincial = "provincial"
    """A related provincial policy (e.g. Hubei's returnee subsidy), not promised by the plan."""
    national = "national"
    """A related national policy (e.g. 创业担保贷款), not promised by the plan."""


class Citation(_Strict):
    """Where a rule or value comes from: a source document and its clause."""

    source: str = Field(description="id of a document in sources.yaml")
    article: str | None = Field(None, description="article or clause, e.g. 第十一条第（五）项")
    note: str | None = None


class Period(_Strict):
    """An effective period: from ``from`` (inclusive) to ``to`` (inclusive), open if absent."""

    from_: dt.date = Field(alias="from")
    to: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.to is not None and self.to < self.from_:
            raise ValueError(f"period ends ({self.to}) before it starts ({self.from_})")
        return self

    def covers(self, day: dt.date) -> bool:
        return self.from_ <= day and (self.to is None or day <= self.to)


class Source(_Strict):
    """A document rules cite."""

    id: str
    number: str | None = Field(None, description="document number (文号), e.g. 国科发火〔2016〕32号")
    title: str
    issuer: str | None = None
    date: dt.date | None = None
    url: str | None = None
    certainty: Certainty = Field(description="how the text was obtained")
    period: Period | None = Field(
        None, description="for a plan with a set term (三年行动方案): the term; lint checks the supports resting on it"
    )


class Tier(_Strict):
    """One band of a tiered parameter: applies while the key is at most ``max`` (inclusive)."""

    max: Decimal | None = Field(None, description="upper bound of the band, inclusive; absent for the last band")
    value: Decimal

    @field_validator("max", "value", mode="before")
    @classmethod
    def _exact(cls, v: Any) -> Any:
        return to_scalar(v)


class PointsBand(_Strict):
    """One row of a points table: ``points`` for an input of at least ``min``.

    ``min`` is inclusive (以上 / 不低于) unless ``exclusive`` (超过 / 高于). An input below every
    band scores 0.
    """

    min: Decimal = Field(description="lower bound of the band (a number or a percentage)")
    exclusive: bool = Field(False, description="the bound itself is not in the band (超过)")
    points: Decimal

    @field_validator("min", "points", mode="before")
    @classmethod
    def _exact(cls, v: Any) -> Any:
        return to_scalar(v)


class ParameterValue(Period):
    """A parameter's value in one effective period: a ``value``, ``tiers`` or a ``points`` table."""

    value: Any = None
    tiers: list[Tier] | None = None
    points: list[PointsBand] | None = Field(
        None, description="a points table (highest band first), read by a computed score fact"
    )
    certainty: Certainty
    citations: list[Citation] = Field(min_length=1)
    note: str | None = None
    statement: Text | None = Field(
        None, description="what a report must say when a support rests on this value (shown with its mark)"
    )

    @field_validator("value", mode="before")
    @classmethod
    def _exact(cls, v: Any) -> Any:
        return to_scalar(v)

    @model_validator(mode="after")
    def _one_of_value_or_tiers(self) -> ParameterValue:
        given = [f for f in ("value", "tiers", "points") if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'value', 'tiers' or 'points'")
        if self.points is not None:
            mins = [b.min for b in self.points]
            if not mins:
                raise ValueError("'points' must not be empty")
            if any(a <= b for a, b in zip(mins, mins[1:], strict=False)):
                raise ValueError("points bands must be listed from the highest 'min' down, each 'min' distinct")
        if self.tiers is not None:
            if not self.tiers:
                raise ValueError("'tiers' must not be empty")
            if self.tiers[-1].max is not None:
                raise ValueError("the last tier must have no 'max' (it covers everything above)")
            bounds = [t.max for t in self.tiers[:-1]]
            if any(b is None for b in bounds) or bounds != sorted(bounds):  # type: ignore[type-var]
                raise ValueError("tier bounds ('max') must be given and ascending")
        return self


class Parameter(_Strict):
    """A named, dated threshold with its legal source."""

    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
    name: Text
    unit: str | None = None
    key: str | None = Field(None, description="for a tiered parameter: the fact that selects the band")
    note: Text | None = None
    values: list[ParameterValue] = Field(min_length=1)

    @model_validator(mode="after")
    def _tiers_need_key(self) -> Parameter:
        tables = [v.points is not None for v in self.values]
        if any(tables) and not all(tables):
            raise ValueError("either every value of a parameter is a points table or none is")
        tiered = [v.tiers is not None for v in self.values]
        if any(tiered) and not all(tiered):
            raise ValueError("either every value of a parameter is tiered or none is")
        if all(tiered) and self.key is None:
            raise ValueError("a tiered parameter needs 'key': the fact that selects its band")
        if not any(tiered) and self.key is not None:
            raise ValueError("'key' is only for tiered parameters")
        return self

    @property
    def is_points_table(self) -> bool:
        return self.values[0].points is not None

    def value_on(self, day: dt.date) -> ParameterValue | None:
        """The value in force on ``day``, or None."""
        for v in self.values:
            if v.covers(day):
                return v
        return None


class ParameterFile(_Strict):
    parameters: list[Parameter] = Field(min_length=1)


class SourceFile(_Strict):
    sources: list[Source] = Field(min_length=1)


class CatalogueInfo(_Strict):
    name: Text
    version: str


# --- Conditions ---------------------------------------------------------------------


class _Node(_Strict):
    label: Text | None = Field(None, description="how the condition reads in an explanation")
    cite: Citation | None = None


class Compare(_Node):
    """``fact op value`` or ``fact op param``."""

    fact: str
    op: Op
    value: Any = None
    param: str | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _exact(cls, v: Any) -> Any:
        return to_scalar(v)

    @model_validator(mode="after")
    def _value_or_param(self) -> Compare:
        if (self.value is None) == (self.param is None):
            raise ValueError("a comparison needs exactly one of 'value' or 'param'")
        if self.op in (Op.in_, Op.not_in) and self.value is not None and not isinstance(self.value, list):
            raise ValueError(f"'{self.op.value}' needs a list of values")
        if self.op not in (Op.in_, Op.not_in) and isinstance(self.value, list):
            raise ValueError(f"'{self.op.value}' compares with one value, not a list (use 'in')")
        return self


class ParamRef(_Strict):
    """A number or a day taken from a parameter in force on the date of evaluation."""

    param: str


Amount = Annotated[int, Field(ge=0)] | ParamRef
"""How many years, months or days: a whole number or a parameter."""


class DateRef(_Strict):
    """A date a date condition compares with: a fixed ``day``, a named ``date`` (the
    evaluation date ``as_of`` or a date of the profile), or a ``param`` whose value is a
    day; moved later by at most one of ``years``, ``months``, ``days``."""

    day: dt.date | None = None
    date: str | None = None
    param: str | None = None
    years: Amount | None = None
    months: Amount | None = None
    days: Amount | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        if isinstance(v, dt.date):
            return {"day": v}
        if isinstance(v, str):
            try:
                return {"day": dt.date.fromisoformat(v)}
            except ValueError:
                return {"date": v}
        return v

    @model_validator(mode="after")
    def _one_base(self) -> DateRef:
        bases = [k for k in ("day", "date", "param") if getattr(self, k) is not None]
        if len(bases) != 1:
            raise ValueError("a date needs exactly one of 'day', 'date' (a name) or 'param'")
        if len(self.offsets()) > 1:
            raise ValueError("a date is moved by at most one of 'years', 'months', 'days'")
        return self

    def offsets(self) -> list[tuple[Unit, Amount]]:
        return [(u, getattr(self, u)) for u in UNITS if getattr(self, u) is not None]


class Window(_Strict):
    """A window opening on ``from`` and closing N years, months or days later, its
    closing day in it (``end: included``: 以内、不超过) or not (``excluded``)."""

    from_: DateRef = Field(alias="from")
    years: Amount | None = None
    months: Amount | None = None
    days: Amount | None = None
    end: Literal["included", "excluded"] = Field(description="whether the closing day is in the window, as the source words it")

    @model_validator(mode="after")
    def _one_length(self) -> Window:
        if len(self.offsets()) != 1:
            raise ValueError("a window needs exactly one of 'years', 'months', 'days'")
        if self.from_.offsets():
            raise ValueError("a window opens on a date as it is ('from' cannot be moved)")
        return self

    def offsets(self) -> list[tuple[Unit, Amount]]:
        return [(u, getattr(self, u)) for u in UNITS if getattr(self, u) is not None]


class DateCondition(_Node):
    """The date ``date`` on or after / after / on or before / before another date, or
    within a window (see :mod:`eligibility._dates` for what each means)."""

    date: str = Field(description="the date tested: as_of (the evaluation date) or a date of the profile")
    on_or_after: DateRef | None = None
    after: DateRef | None = None
    on_or_before: DateRef | None = None
    before: DateRef | None = None
    within: Window | None = None

    @model_validator(mode="after")
    def _one_relation(self) -> DateCondition:
        given = [r for r in Relation if getattr(self, r.value) is not None]
        if len(given) != 1:
            raise ValueError("a date condition needs exactly one of on_or_after, after, on_or_before, before, within")
        return self

    @property
    def relation(self) -> Relation:
        return next(r for r in Relation if getattr(self, r.value) is not None)

    def refs(self) -> list[DateRef]:
        """The dates it compares with (a window's opening date)."""
        other = getattr(self, self.relation.value)
        return [other.from_ if isinstance(other, Window) else other]

    def params(self) -> list[str]:
        """The parameters it reads (dates and amounts)."""
        out: list[str] = []
        holders: list[Any] = [*self.refs(), *( [self.within] if self.within else [])]
        for h in holders:
            if isinstance(h, DateRef) and h.param:
                out.append(h.param)
            for _u, amount in h.offsets():
                if isinstance(amount, ParamRef):
                    out.append(amount.param)
        return out

    def names(self) -> list[str]:
        """The named dates it reads, the tested one first."""
        return list(dict.fromkeys([self.date, *(r.date for r in self.refs() if r.date)]))


class RuleRef(_Node):
    """The derived rule ``rule`` holds."""

    rule: str


class All(_Node):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Node):
    any: list[Condition] = Field(min_length=1)


class Not(_Node):
    not_: Condition = Field(alias="not")


def _condition_tag(v: Any) -> str | None:
    if isinstance(v, dict):
        for key in ("all", "any", "not", "rule", "fact", "date"):
            if key in v:
                return key
        return None
    tags: dict[type, str] = {All: "all", AnyOf: "any", Not: "not", RuleRef: "rule", Compare: "fact", DateCondition: "date"}
    return tags.get(type(v))


Condition = Annotated[
    Union[
        Annotated[All, Tag("all")],
        Annotated[AnyOf, Tag("any")],
        Annotated[Not, Tag("not")],
        Annotated[RuleRef, Tag("rule")],
        Annotated[Compare, Tag("fact")],
        Annotated[DateCondition, Tag("date")],
    ],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message="a condition needs one of the keys all, any, not, rule, fact, date",
    ),
]

# All, AnyOf and Not name Condition before it exists: with defer_build their schemas are made
# on first use, when Condition is there (an explicit model_rebuild() here would build them at import).


class Monotone(_Strict):
    """Facts in which a rule is monotone: a better value never turns eligible into not eligible.

    ``increasing``: more is better (a higher grade, more R&D); ``decreasing``: less is
    better (fewer years since a certificate was issued). Declare a fact only when the
    rule has no cap on it; the catalogue's property tests check every declaration.
    """

    increasing: list[str] = Field(default_factory=list, description="facts where a higher value is never worse")
    decreasing: list[str] = Field(default_factory=list, description="facts where a lower value is never worse")

    def directions(self) -> list[tuple[str, int]]:
        """(fact, +1 for increasing / -1 for decreasing), in declaration order."""
        return [(f, 1) for f in self.increasing] + [(f, -1) for f in self.decreasing]


class Limit(_Strict):
    """The most a support gives (a loan's cap): told to the enterprise, never a condition.

    Asking for more than ``param`` does not make a support ineligible; the report shows the
    bound and, when the amount asked for (``fact``) is above it, that it will be capped.
    """

    param: str = Field(description="the parameter holding the bound (a plain value, not tiers)")
    fact: str = Field(description="the fact holding the amount asked for, compared with the bound")
    label: Text = Field(description="what the bound is, e.g. 个人贷款最高额度")


class Rule(_Strict):
    """One support (or one derived classification) and the conditions for it."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    kind: Literal["support", "derived"]
    category: Category
    name: Text
    summary: Text | None = None
    benefit: Text | None = Field(None, description="what the support gives (required for supports)")
    materials: list[Text] = Field(default_factory=list, description="what to prepare")
    department: Text | None = Field(None, description="who handles it (required for supports)")
    effective: Period
    citations: list[Citation] = Field(min_length=1)
    conditions: Condition
    monotone: Monotone | None = Field(
        None, description="facts in which the verdict is monotone (checked by the property tests)"
    )
    basis: Basis | None = Field(
        None, description="a support of the plan, or a related provincial or national policy (required for supports)"
    )
    rests_on: list[str] = Field(
        default_factory=list,
        description="parameters the support rests on besides its conditions (the plan's term, a stand-in list): "
        "their certainty is reported like a condition's",
    )
    limits: list[Limit] = Field(
        default_factory=list, description="bounds of what the support gives, shown in the report (not conditions)"
    )
    note: Text | None = None

    @model_validator(mode="after")
    def _support_fields(self) -> Rule:
        if self.kind == "support":
            missing = [f for f in ("benefit", "department", "basis") if getattr(self, f) is None]
            if missing:
                raise ValueError(f"a support needs {', '.join(missing)}")
        return self


def walk(cond: Condition) -> list[Condition]:
    """Every node of a condition tree, depth first, the root first."""
    out: list[Condition] = [cond]
    if isinstance(cond, All):
        for c in cond.all:
            out += walk(c)
    elif isinstance(cond, AnyOf):
        for c in cond.any:
            out += walk(c)
    elif isinstance(cond, Not):
        out += walk(cond.not_)
    return out
