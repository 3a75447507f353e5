"""Facts: the named values rule conditions compare, built from a profile on a date.

Two kinds of fact exist, and rules refer to both by name:

* **profile facts**, one per scalar field of :class:`EnterpriseProfile`, named by its
  dotted path (``certifications.knowledge_value_grade``); derived from the model, so
  a new profile field is a new fact with no code here;
* **computed facts** (below): yearly figures picked for the date of evaluation,
  three-year sums, ratios, whole years elapsed since a date.

A fact is unknown (``None``) when an input it needs is unknown; the profile fields
it was missing are recorded, so the report can name exactly what to fill in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from enum import Enum, StrEnum
from typing import Any, NamedTuple

from .profile import (
    EnterpriseProfile,
    KnowledgeValueGrade,
    RDInstitutionLevel,
)
from ._dates import AS_OF, Unit, whole_units
from ._fields import profile_fields, scalar_paths, yearly_path
from ._schema import ParameterValue
from ._text import Text, bi


class FactKind(StrEnum):
    number = "number"
    ratio = "ratio"
    bool = "bool"
    enum = "enum"
    ordinal = "ordinal"
    set = "set"
    date = "date"
    """A day (compared only by date conditions; the engine sees day numbers)."""


@dataclass(frozen=True)
class Ratio:
    """An exact ratio; compared by cross-multiplication, never as a float."""

    num: Decimal
    den: Decimal

    def as_percent(self) -> Decimal | None:
        return None if self.den == 0 else self.num * 100 / self.den


@dataclass(frozen=True)
class DateFlip:
    """How a fact moves with time: it counts whole ``unit`` since the date at ``path``."""

    path: str
    unit: Unit = "years"


@dataclass(frozen=True)
class FactSpec:
    """What a fact is: its name, kind, label and how it is computed."""

    name: str
    kind: FactKind
    label: Text
    compute: Callable[[FactContext], Any]
    unit: str | None = None
    choices: tuple[str, ...] = ()
    """Allowed values (enum, set), or ranks in ascending order (ordinal)."""
    decimals: int = 0
    """Decimal places the value may carry (staff counts: 2)."""
    years_since: DateFlip | None = None
    enum: type[Enum] | None = None
    """The profile enum behind an enum, ordinal or set fact (for its value labels)."""
    params: tuple[str, ...] = ()
    """The points-table parameters the fact reads (a score's tables)."""


_UNSEEN = object()


@dataclass
class FactContext:
    """The profile and date a fact is computed for; records unknown inputs."""

    profile: EnterpriseProfile
    as_of: date
    missing: list[str] = field(default_factory=list)
    params: Mapping[str, ParameterValue] = field(default_factory=dict)
    """Parameter values in force on ``as_of`` (points tables for scores)."""
    _values: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _years: dict[int, Any] | None = field(default=None, init=False, repr=False)
    _facts: dict[str, tuple[Any, tuple[str, ...]]] = field(default_factory=dict, init=False, repr=False)

    def fact(self, name: str) -> Any:
        """The value of the computed fact ``name``, computed once per context (a score and
        its parts read the same sub-scores); its unknown inputs are recorded on every use."""
        found = self._facts.get(name)
        if found is None:
            start = len(self.missing)
            value = FACTS[name].compute(self)
            found = self._facts[name] = (value, tuple(self.missing[start:]))
        else:
            self.missing.extend(found[1])
        return found[0]

    def get(self, path: str) -> Any:
        """The profile value at a dotted path; records the path when it is unknown."""
        value = self._values.get(path, _UNSEEN)
        if value is _UNSEEN:  # (not try/except: most paths are read once, and raising is slow)
            value = self._values[path] = lookup(self.profile, path)
        if value is None:
            self.missing.append(path)
        return value

    def year_value(self, year: int, attr: str) -> Any:
        """A figure of one fiscal year, recording ``financials[year].attr`` when unknown."""
        years = self._years
        if years is None:
            years = self._years = {fy.year: fy for fy in self.profile.financials}
        fy = years.get(year)
        value = None if fy is None else getattr(fy, attr)
        if value is None:
            self.missing.append(yearly_path(year, attr))
        return value

    def points(self, param: str, value: Any) -> Decimal | None:
        """The points ``value`` scores in the points table ``param`` in force (None if no table).

        ``value`` is a number or a :class:`Ratio`; a ratio over zero scores 0.
        """
        table = self.params.get(param)
        if table is None or table.points is None:
            return None
        for band in table.points:
            if isinstance(value, Ratio):
                if value.den == 0:
                    return Decimal(0)
                left, right = value.num, value.den * band.min
                if value.den < 0:
                    left, right = -left, -right
            else:
                left, right = Decimal(value), band.min
            if left > right or (left == right and not band.exclusive):
                return band.points
        return Decimal(0)

    def max_points(self, param: str) -> Decimal | None:
        table = self.params.get(param)
        if table is None or table.points is None:
            return None
        return max(b.points for b in table.points)

    @property
    def last_year(self) -> int:
        """The latest closed fiscal year on the date of evaluation."""
        return self.as_of.year - 1

    def window(self, years: int = 3) -> list[int] | None:
        """The last ``years`` closed fiscal years, cut to those the enterprise existed in
        (none for an enterprise registered in the year of evaluation, or after the date).

        Needs the registration date; returns None (and records it) when unknown.
        """
        reg = self.get("registration_date")
        if reg is None:
            return None
        first = max(self.last_year - years + 1, reg.year)
        return list(range(first, self.last_year + 1))


_GETTERS: dict[str, Callable[[Any], Any]] = {}


def lookup(obj: Any, path: str) -> Any:
    """``obj.a.b`` for the path "a.b" (None if a part on the way is None)."""
    getter = _GETTERS.get(path)
    if getter is None:
        getter = _GETTERS[path] = attrgetter(path)
    try:
        return getter(obj)
    except AttributeError:  # a None on the way
        for part in path.split("."):
            if obj is None:
                return None
            obj = getattr(obj, part)
        return obj


class FactValue(NamedTuple):
    """A fact's value for one profile and date, with the inputs it lacked.

    (A named tuple: some eighty are made per evaluation.)"""

    value: Any
    missing: tuple[str, ...] = ()


# --- Profile facts, derived from the model ---------------------------------------------

ORDINALS: dict[type[Enum], tuple[str, ...]] = {
    # Ascending. A grade that was never given ranks below every grade.
    KnowledgeValueGrade: ("not_rated", "E", "D", "C", "B", "A"),
    RDInstitutionLevel: ("none", "enterprise", "county", "municipal", "provincial", "national"),
}


def _profile_facts() -> Iterator[FactSpec]:
    fields = profile_fields()
    for path in scalar_paths():
        f = fields[path]
        label = bi(f.title or path, path)
        kind, enum = f.kind, f.enum
        if kind == "bool":
            yield FactSpec(path, FactKind.bool, label, _field_getter(path))
        elif kind == "date":
            yield FactSpec(path, FactKind.date, label, _field_getter(path))
        elif kind == "enum" and enum is not None:
            if enum in ORDINALS:
                yield FactSpec(path, FactKind.ordinal, label, _enum_getter(path), choices=ORDINALS[enum], enum=enum)
            else:
                yield FactSpec(path, FactKind.enum, label, _enum_getter(path), choices=tuple(m.value for m in enum), enum=enum)
        elif kind == "enum_list" and enum is not None:
            yield FactSpec(path, FactKind.set, label, _set_getter(path), choices=tuple(m.value for m in enum), enum=enum)
        elif kind == "int":
            yield FactSpec(path, FactKind.number, label, _field_getter(path), unit=f.shape.unit)
        elif kind == "decimal":
            yield FactSpec(path, FactKind.number, label, _field_getter(path), unit=f.shape.unit, decimals=2)


def _field_getter(path: str) -> Callable[[FactContext], Any]:
    def get(ctx: FactContext) -> Any:
        return ctx.get(path)

    return get


def _enum_getter(path: str) -> Callable[[FactContext], Any]:
    def get(ctx: FactContext) -> Any:
        value = ctx.get(path)
        return None if value is None else value.value

    return get


def _set_getter(path: str) -> Callable[[FactContext], Any]:
    def get(ctx: FactContext) -> Any:
        value = ctx.get(path)
        return None if value is None else frozenset(v.value for v in value)

    return get


# --- Computed facts -------------------------------------------------------------------


def whole_years(since: date, on: date) -> int:
    """Whole years from ``since`` to ``on``: an anniversary counts on its day, the
    anniversary of 29 February in a common year being 28 February (see :mod:`eligibility._dates`)."""
    return whole_units(since, on, "years")


def _years_since(path: str) -> Callable[[FactContext], Any]:
    def compute(ctx: FactContext) -> Any:
        since = ctx.get(path)
        return None if since is None else whole_units(since, ctx.as_of, "years")

    return compute


def _last_year(attr: str) -> Callable[[FactContext], Any]:
    def compute(ctx: FactContext) -> Any:
        return ctx.year_value(ctx.last_year, attr)

    return compute


def _sum_over_window(ctx: FactContext, attr: str, years: int) -> Decimal | None:
    window = ctx.window(years)
    if window is None:
        return None
    if not window:  # no closed fiscal year yet: nothing to add up (a ratio of it is over zero: never met)
        return Decimal(0)
    values = [ctx.year_value(y, attr) for y in window]
    if any(v is None for v in values):
        return None
    return Decimal(sum(values))


def _ratio_window(num_attr: str, den_attr: str, years: int) -> Callable[[FactContext], Any]:
    def compute(ctx: FactContext) -> Any:
        num = _sum_over_window(ctx, num_attr, years)
        den = _sum_over_window(ctx, den_attr, years)
        return None if num is None or den is None else Ratio(num, den)

    return compute


def _ratio_last_year(num_attr: str, den_attr: str) -> Callable[[FactContext], Any]:
    def compute(ctx: FactContext) -> Any:
        num = ctx.year_value(ctx.last_year, num_attr)
        den = ctx.year_value(ctx.last_year, den_attr)
        return None if num is None or den is None else Ratio(Decimal(num), Decimal(den))

    return compute


def _st_staff_share(ctx: FactContext) -> Any:
    st = ctx.get("st_staff")
    total = ctx.get("staff_total")
    return None if st is None or total is None else Ratio(Decimal(st), Decimal(total))


def _kxz_age(ctx: FactContext) -> Any:
    year = ctx.get("certifications.kxz_registration_year")
    return None if year is None else ctx.as_of.year - year


def _revenue_growth_2y(ctx: FactContext) -> Any:
    """Average yearly growth of operating revenue over the last two years, as a ratio.

    ``((r1/r0) + (r2/r1)) / 2 - 1`` written as one exact fraction.
    """
    y2 = ctx.last_year
    r0, r1, r2 = (ctx.year_value(y, "operating_revenue") for y in (y2 - 2, y2 - 1, y2))
    if r0 is None or r1 is None or r2 is None:
        return None
    if r0 == 0 or r1 == 0:
        return Ratio(Decimal(0), Decimal(0))
    num = Decimal(r1 * r1 + r2 * r0 - 2 * r0 * r1)
    return Ratio(num, Decimal(2 * r0 * r1))


def _months_since(path: str) -> Callable[[FactContext], Any]:
    def compute(ctx: FactContext) -> Any:
        since = ctx.get(path)
        return None if since is None else whole_units(since, ctx.as_of, "months")

    return compute


def _year_start(path: str) -> Callable[[FactContext], Any]:
    def compute(ctx: FactContext) -> Any:
        year = ctx.get(path)
        return None if year is None else date(year, 1, 1)

    return compute


def _years(ctx: FactContext, years: int) -> list[int]:
    """The last ``years`` closed fiscal years (not cut to the registration date)."""
    return list(range(ctx.last_year - years + 1, ctx.last_year + 1))


def _values(ctx: FactContext, attr: str, years: int) -> list[Any] | None:
    values = [ctx.year_value(y, attr) for y in _years(ctx, years)]
    return None if any(v is None for v in values) else values


def _sum_years(attr: str, years: int) -> Callable[[FactContext], Any]:
    def compute(ctx: FactContext) -> Any:
        values = _values(ctx, attr, years)
        return None if values is None else Decimal(sum(values))

    return compute


def _positive_each_year(attr: str, years: int) -> Callable[[FactContext], Any]:
    def compute(ctx: FactContext) -> Any:
        values = _values(ctx, attr, years)
        return None if values is None else all(v > 0 for v in values)

    return compute


def _ratio_years(num_attr: str, den_attr: str, years: int) -> Callable[[FactContext], Any]:
    def compute(ctx: FactContext) -> Any:
        num = _values(ctx, num_attr, years)
        den = _values(ctx, den_attr, years)
        return None if num is None or den is None else Ratio(Decimal(sum(num)), Decimal(sum(den)))

    return compute


def _ratio_paths(num_path: str, den_path: str) -> Callable[[FactContext], Any]:
    def compute(ctx: FactContext) -> Any:
        num = ctx.get(num_path)
        den = ctx.get(den_path)
        return None if num is None or den is None else Ratio(Decimal(num), Decimal(den))

    return compute


def _revenue_growth_factor_3y(ctx: FactContext) -> Any:
    """Latest revenue over revenue two years earlier (a 3-year CAGR g means a factor of (1+g)²)."""
    first = ctx.year_value(ctx.last_year - 2, "operating_revenue")
    last = ctx.year_value(ctx.last_year, "operating_revenue")
    return None if first is None or last is None else Ratio(Decimal(last), Decimal(first))


def _average_growth(v0: int, v1: int, v2: int) -> Ratio:
    """((v1/v0) + (v2/v1)) / 2 - 1 as one exact fraction (undefined if v0 or v1 is 0)."""
    if v0 == 0 or v1 == 0:
        return Ratio(Decimal(0), Decimal(0))
    return Ratio(Decimal(v1 * v1 + v2 * v0 - 2 * v0 * v1), Decimal(2 * v0 * v1))


def _profit_growth_2y(ctx: FactContext) -> Any:
    """Average yearly growth of total profit over the last two years; undefined on a loss base."""
    y2 = ctx.last_year
    p0, p1, p2 = (ctx.year_value(y, "total_profit") for y in (y2 - 2, y2 - 1, y2))
    if p0 is None or p1 is None or p2 is None:
        return None
    if p0 <= 0 or p1 <= 0:
        return Ratio(Decimal(0), Decimal(0))
    return _average_growth(p0, p1, p2)


def _hnte_growth_rate(v0: int, v1: int, v2: int) -> Ratio | None:
    """The 工作指引 growth rate of one indicator; None when it scores 0 by rule.

    ½(v1/v0 + v2/v1) − 1; if year one is 0, v2/v1 − 1; if year two is 0 (or a base is
    negative), the indicator scores 0.
    """
    if v1 <= 0 or v0 < 0:
        return None
    if v0 == 0:
        return Ratio(Decimal(v2 - v1), Decimal(v1))
    return _average_growth(v0, v1, v2)


def _hnte_growth_points(ctx: FactContext) -> Any:
    """企业成长性: net-asset growth points + sales growth points, from the points table."""
    table = "hnte.growth_points"
    years = _years(ctx, 3)
    assets = [ctx.year_value(y, "total_assets") for y in years]
    debts = [ctx.year_value(y, "total_liabilities") for y in years]
    sales = [ctx.year_value(y, "operating_revenue") for y in years]
    if any(v is None for v in (*assets, *debts, *sales)) or ctx.params.get(table) is None:
        return None
    total = Decimal(0)
    net = [a - d for a, d in zip(assets, debts, strict=True)]
    for series in (net, sales):
        rate = _hnte_growth_rate(*series)
        if rate is not None:
            total += ctx.points(table, rate) or 0
    return total


def _sum_parts(parts: list[Any]) -> Any:
    return None if any(p is None for p in parts) else sum(parts, Decimal(0))


def _hnte_innovation_score(ctx: FactContext) -> Any:
    parts = [
        ctx.get("hnte_self_assessment.ip_points"),
        ctx.get("hnte_self_assessment.transfer_points"),
        ctx.get("hnte_self_assessment.organisation_points"),
        ctx.fact("hnte_growth_points"),
    ]
    return _sum_parts(parts)


def _kxz_st_staff_points(ctx: FactContext) -> Any:
    share = ctx.fact("st_staff_share")
    return None if share is None else ctx.points("kxz.st_staff_points", share)


def _best_of(ctx: FactContext, *scored: tuple[str, Any]) -> Any:
    """The better score of several (points table, value) pairs. Unknown while a value is
    unknown and the known ones are below the best any table gives (it could still win)."""
    points = [None if value is None else ctx.points(table, value) for table, value in scored]
    top = max(ctx.max_points(table) or 0 for table, _ in scored)
    known = [x for x in points if x is not None]
    if not known:
        return None
    if len(known) < len(points) and max(known) < top:
        return None
    return max(known)


def _kxz_rd_points(ctx: FactContext) -> Any:
    return _best_of(
        ctx,
        ("kxz.rd_revenue_points", _ratio_last_year("rd_expense", "operating_revenue")(ctx)),
        ("kxz.rd_cost_points", _ratio_last_year("rd_expense", "total_cost_expense")(ctx)),
    )


def _kxz_ip_points(ctx: FactContext) -> Any:
    return _best_of(ctx, ("kxz.ip_class_i_points", ctx.get("ip.class_i")), ("kxz.ip_class_ii_points", ctx.get("ip.class_ii")))


def _kxz_score(ctx: FactContext) -> Any:
    return _sum_parts([ctx.fact("kxz_st_staff_points"), ctx.fact("kxz_rd_points"), ctx.fact("kxz_ip_points")])


def _return_to_registration(ctx: FactContext) -> Any:
    returned = ctx.get("founder.return_date")
    registered = ctx.get("registration_date")
    return None if returned is None or registered is None else whole_years(returned, registered)


KXZ_TABLES = ("kxz.st_staff_points", "kxz.rd_revenue_points", "kxz.rd_cost_points", "kxz.ip_class_i_points", "kxz.ip_class_ii_points")


COMPUTED: tuple[FactSpec, ...] = (
    FactSpec(
        AS_OF,
        FactKind.date,
        bi("评估日期", "evaluation date"),
        lambda ctx: ctx.as_of,
    ),
    FactSpec(
        "kxz_registration_year_start",
        FactKind.date,
        bi("科小入库登记年度首日", "1 January of the 科小 registration year"),
        _year_start("certifications.kxz_registration_year"),
    ),
    FactSpec(
        "years_since_registration",
        FactKind.number,
        bi("成立年限（整年）", "whole years since registration"),
        _years_since("registration_date"),
        unit="年",
        years_since=DateFlip("registration_date"),
    ),
    FactSpec(
        "hnte_certificate_age",
        FactKind.number,
        bi("高企证书已满年数", "whole years since the HNTE certificate was issued"),
        _years_since("certifications.hnte_issue_date"),
        unit="年",
        years_since=DateFlip("certifications.hnte_issue_date"),
    ),
    FactSpec(
        "years_since_founder_return",
        FactKind.number,
        bi("返乡已满年数", "whole years since the founder returned home"),
        _years_since("founder.return_date"),
        unit="年",
        years_since=DateFlip("founder.return_date"),
    ),
    FactSpec(
        "kxz_registration_age",
        FactKind.number,
        bi("科小入库编号距今年数", "years since the 科小 registration year"),
        _kxz_age,
        unit="年",
    ),
    FactSpec(
        "as_of_month",
        FactKind.number,
        bi("评估日期所在月份", "month of the evaluation date"),
        lambda ctx: ctx.as_of.month,
        unit="月",
    ),
    FactSpec(
        "revenue_last_year",
        FactKind.number,
        bi("上年度营业收入", "operating revenue, last fiscal year"),
        _last_year("operating_revenue"),
        unit="元",
    ),
    FactSpec(
        "main_business_revenue_last_year",
        FactKind.number,
        bi("上年度主营业务收入", "main-business revenue, last fiscal year"),
        _last_year("main_business_revenue"),
        unit="元",
    ),
    FactSpec(
        "total_assets_last_year",
        FactKind.number,
        bi("上年末资产总额", "total assets, end of last fiscal year"),
        _last_year("total_assets"),
        unit="元",
    ),
    FactSpec(
        "rd_expense_last_year",
        FactKind.number,
        bi("上年度研发费用", "R&D expense, last fiscal year"),
        _last_year("rd_expense"),
        unit="元",
    ),
    FactSpec(
        "net_profit_last_year",
        FactKind.number,
        bi("上年度净利润", "net profit, last fiscal year"),
        _last_year("net_profit"),
        unit="元",
    ),
    FactSpec(
        "rd_intensity_3y",
        FactKind.ratio,
        bi("近三年研发费用占销售收入比例", "R&D expense / sales revenue, last three years"),
        _ratio_window("rd_expense", "operating_revenue", 3),
    ),
    FactSpec(
        "rd_domestic_share_3y",
        FactKind.ratio,
        bi("近三年境内研发费用占比", "domestic share of R&D expense, last three years"),
        _ratio_window("rd_expense_domestic", "rd_expense", 3),
    ),
    FactSpec(
        "rd_intensity_last_year",
        FactKind.ratio,
        bi("上年度研发费用占销售收入比例", "R&D expense / sales revenue, last fiscal year"),
        _ratio_last_year("rd_expense", "operating_revenue"),
    ),
    FactSpec(
        "rd_to_cost_last_year",
        FactKind.ratio,
        bi("上年度研发费用占成本费用总额比例", "R&D expense / total cost and expense, last fiscal year"),
        _ratio_last_year("rd_expense", "total_cost_expense"),
    ),
    FactSpec(
        "high_tech_revenue_share_last_year",
        FactKind.ratio,
        bi("上年度高新技术产品（服务）收入占同期总收入比例", "high-tech revenue / total income, last fiscal year"),
        _ratio_last_year("high_tech_revenue", "total_income"),
    ),
    FactSpec(
        "st_staff_share",
        FactKind.ratio,
        bi("科技人员占职工总数比例", "S&T staff / total staff"),
        _st_staff_share,
    ),
    FactSpec(
        "revenue_growth_2y",
        FactKind.ratio,
        bi("近两年营业收入平均增长率", "average revenue growth, last two years"),
        _revenue_growth_2y,
    ),
    FactSpec(
        "total_profit_growth_2y",
        FactKind.ratio,
        bi("近两年利润总额平均增长率", "average total-profit growth, last two years"),
        _profit_growth_2y,
    ),
    FactSpec(
        "months_since_registration",
        FactKind.number,
        bi("成立已满月数", "whole months since registration"),
        _months_since("registration_date"),
        unit="月",
        years_since=DateFlip("registration_date", "months"),
    ),
    FactSpec(
        "years_from_return_to_registration",
        FactKind.number,
        bi("返乡至企业注册的整年数", "whole years from the founder's return to registration"),
        _return_to_registration,
        unit="年",
    ),
    FactSpec(
        "rd_institution_age",
        FactKind.number,
        bi("研发机构已运行年数", "whole years the R&D institution has been running"),
        _years_since("rd_institution.established_date"),
        unit="年",
        years_since=DateFlip("rd_institution.established_date"),
    ),
    FactSpec(
        "net_profit_sum_3y",
        FactKind.number,
        bi("最近三年净利润累计", "net profit, sum of the last three years"),
        _sum_years("net_profit", 3),
        unit="元",
    ),
    FactSpec(
        "net_profit_sum_2y",
        FactKind.number,
        bi("最近两年净利润累计", "net profit, sum of the last two years"),
        _sum_years("net_profit", 2),
        unit="元",
    ),
    FactSpec(
        "net_profit_positive_3y",
        FactKind.bool,
        bi("最近三年净利润均为正", "net profit positive in each of the last three years"),
        _positive_each_year("net_profit", 3),
    ),
    FactSpec(
        "net_profit_positive_2y",
        FactKind.bool,
        bi("最近两年净利润均为正", "net profit positive in each of the last two years"),
        _positive_each_year("net_profit", 2),
    ),
    FactSpec(
        "operating_cash_flow_sum_3y",
        FactKind.number,
        bi("最近三年经营活动现金流量净额累计", "operating cash flow, sum of the last three years"),
        _sum_years("operating_cash_flow", 3),
        unit="元",
    ),
    FactSpec(
        "revenue_sum_3y",
        FactKind.number,
        bi("最近三年营业收入累计", "operating revenue, sum of the last three years"),
        _sum_years("operating_revenue", 3),
        unit="元",
    ),
    FactSpec(
        "rd_sum_3y",
        FactKind.number,
        bi("最近三年研发投入累计", "R&D expense, sum of the last three years"),
        _sum_years("rd_expense", 3),
        unit="元",
    ),
    FactSpec(
        "rd_to_revenue_sum_3y",
        FactKind.ratio,
        bi("最近三年累计研发投入占累计营业收入比例", "R&D / revenue, sums of the last three years"),
        _ratio_years("rd_expense", "operating_revenue", 3),
    ),
    FactSpec(
        "revenue_growth_factor_3y",
        FactKind.ratio,
        bi("最近一年营业收入为最近第三年的倍数", "latest revenue / revenue two years earlier"),
        _revenue_growth_factor_3y,
    ),
    FactSpec(
        "new_hire_share",
        FactKind.ratio,
        bi("新招用符合条件人员占在职职工比例", "eligible new hires / current staff"),
        _ratio_paths("startup_loan.new_target_group_hires", "staff_total"),
    ),
    FactSpec(
        "university_rd_staff_share",
        FactKind.ratio,
        bi("高校、院所研发人员占研发人员比例", "university staff / R&D staff of the institution"),
        _ratio_paths("rd_institution.university_rd_staff", "rd_institution.rd_staff"),
    ),
    FactSpec(
        "kxz_st_staff_points",
        FactKind.number,
        bi("科小评价：科技人员指标得分", "科小 score: S&T staff points"),
        _kxz_st_staff_points,
        unit="分",
        params=("kxz.st_staff_points",),
    ),
    FactSpec(
        "kxz_rd_points",
        FactKind.number,
        bi("科小评价：研发投入指标得分（两种算法取高）", "科小 score: R&D points (the better of two ratios)"),
        _kxz_rd_points,
        unit="分",
        params=("kxz.rd_revenue_points", "kxz.rd_cost_points"),
    ),
    FactSpec(
        "kxz_ip_points",
        FactKind.number,
        bi("科小评价：科技成果指标得分", "科小 score: IP points"),
        _kxz_ip_points,
        unit="分",
        params=("kxz.ip_class_i_points", "kxz.ip_class_ii_points"),
    ),
    FactSpec(
        "kxz_score",
        FactKind.number,
        bi("科小评价综合得分", "科小 evaluation score"),
        _kxz_score,
        unit="分",
        params=KXZ_TABLES,
    ),
    FactSpec(
        "hnte_growth_points",
        FactKind.number,
        bi("高企创新能力：企业成长性得分（按财务数据估算）", "HNTE score: growth points (from the figures)"),
        _hnte_growth_points,
        unit="分",
        params=("hnte.growth_points",),
    ),
    FactSpec(
        "hnte_innovation_score",
        FactKind.number,
        bi("高企创新能力评价总分（自评＋成长性）", "HNTE innovation-capability score (self-assessed parts + growth)"),
        _hnte_innovation_score,
        unit="分",
        params=("hnte.growth_points",),
    ),
)

PROFILE_FACTS: tuple[FactSpec, ...] = tuple(_profile_facts())
"""The facts that are profile fields, as they are."""

FACTS: dict[str, FactSpec] = {spec.name: spec for spec in (*PROFILE_FACTS, *COMPUTED)}
"""Every fact a rule may name."""


def _enum_value(value: Any) -> Any:
    return value.value


def _enum_values(value: Any) -> Any:
    return frozenset(v.value for v in value)


_CONVERT: dict[FactKind, Callable[[Any], Any]] = {FactKind.enum: _enum_value, FactKind.ordinal: _enum_value, FactKind.set: _enum_values}
_PROFILE_NAMES = frozenset(spec.name for spec in PROFILE_FACTS)


@lru_cache(maxsize=64)
def _plan(names: tuple[str, ...]) -> tuple[Callable[[Any], Any] | None, tuple[tuple[str, Callable[[Any], Any] | None], ...], tuple[str, ...]]:
    """How to compute ``names``, worked out once: one getter for all the profile fields
    among them (one call per profile; no sub-model on the way can be None), with each
    one's conversion (an enum to its value), and the computed facts."""
    fields = [n for n in names if n in _PROFILE_NAMES]
    getter = attrgetter(*fields) if len(fields) > 1 else None
    converts = tuple((n, _CONVERT.get(FACTS[n].kind)) for n in fields)
    return getter, converts, tuple(n for n in names if n not in _PROFILE_NAMES)

def compute_facts(
    profile: EnterpriseProfile,
    as_of: date,
    names: list[str],
    params: Mapping[str, ParameterValue],
) -> dict[str, FactValue]:
    """The named facts for ``profile`` on ``as_of``; ``params``: the parameter values in
    force then (scores read their points tables from them)."""
    out: dict[str, FactValue] = {}
    ctx = FactContext(profile, as_of, params=params)  # one context: profile lookups are cached
    fields, computed = _profile_fields(ctx, names)
    for name, value in fields:
        out[name] = FactValue(value, () if value is not None else (name,))
    missing = ctx.missing
    for name in computed:
        value = ctx.fact(name)
        out[name] = FactValue(value, tuple(dict.fromkeys(missing)) if value is None else ())
        missing.clear()
    return {name: out[name] for name in names}


def fact_values(
    profile: EnterpriseProfile,
    as_of: date,
    names: list[str],
    params: Mapping[str, ParameterValue],
) -> dict[str, Any]:
    """The values :func:`compute_facts` gives, without the inputs each unknown one lacked
    (for verdicts alone: the engine needs only the values)."""
    ctx = FactContext(profile, as_of, params=params)
    fields, computed = _profile_fields(ctx, names)
    out = dict(fields)
    for name in computed:
        out[name] = ctx.fact(name)
    return out


def _profile_fields(ctx: FactContext, names: list[str]) -> tuple[Iterable[tuple[str, Any]], tuple[str, ...]]:
    """The profile fields among ``names`` as (name, fact value) pairs, read in one call
    (their values kept in ``ctx`` for the computed facts), and the computed facts."""
    getter, converts, computed = _plan(tuple(names))
    if getter is None:
        return (), tuple(names)
    values = getter(ctx.profile)
    ctx._values = dict(zip((n for n, _ in converts), values))
    return (
        ((name, value if value is None or convert is None else convert(value)) for (name, convert), value in zip(converts, values)),
        computed,
    )
