"""Formulas: what a fact is computed from, as small frozen data objects.

Each kind of formula (the value of the last fiscal year, a sum or a ratio over a window
of years, whole years since a date, a points score, …) is a dataclass holding what it
reads; :meth:`Formula.compile` turns it, once, into a function of a
:class:`FactContext` (a profile on a date), and the registry in :mod:`eligibility.facts`
compiles every fact when it is imported. Everything else that must know how a fact is
made — realising a witness, proposing a gap, listing the facts — reads these objects
and dispatches on their type; nothing looks inside a compiled function.

A compiled formula records in ``ctx.missing`` the profile fields it needed and found
unknown, in the order it read them, so that a report can name what to fill in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any, ClassVar

from ._dates import Unit, whole_units
from ._fields import yearly_path
from .profile import EnterpriseProfile, FiscalYear
from ._schema import ParameterValue
from ._text import Text

YEARS_KEPT = 3
"""How many closed fiscal years a formula may read (the last three before the date)."""

Compiled = Callable[["FactContext"], Any]
"""A compiled formula: the fact's value for a profile on a date (None if unknown)."""
Resolve = Callable[[str], Compiled]
"""The compiled formula of another fact, by name (for formulas that read facts)."""


@dataclass(frozen=True)
class Ratio:
    """An exact ratio; compared by cross-multiplication, never as a float."""

    num: Decimal
    den: Decimal

    def as_percent(self) -> Decimal | None:
        return None if self.den == 0 else self.num * 100 / self.den


UNDEFINED = Ratio(Decimal(0), Decimal(0))
"""A ratio over zero (a growth rate on a zero base): never meets a threshold."""


def whole_years(since: date, on: date) -> int:
    """Whole years from ``since`` to ``on``: an anniversary counts on its day, the
    anniversary of 29 February in a common year being 28 February (see :mod:`eligibility.dates`)."""
    return whole_units(since, on, "years")


def points(table: ParameterValue | None, value: Any) -> Decimal | None:
    """The points ``value`` scores in a points table (None if there is no table).

    ``value`` is a number or a :class:`Ratio`; a ratio over zero scores 0; an input below
    every band scores 0.
    """
    if table is None:
        return None
    bands = _bands(table)[1]
    if bands is None:
        return None
    if isinstance(value, Ratio):
        num, den = value.num, value.den
        if den == 0:
            return Decimal(0)
        if den < 0:  # num/den >= min as -num >= -den*min
            num, den = -num, -den
        for low, exclusive, score in bands:
            right = den * low
            if num > right or (num == right and not exclusive):
                return score
        return Decimal(0)
    left = Decimal(value)
    for low, exclusive, score in bands:
        if left > low or (left == low and not exclusive):
            return score
    return Decimal(0)


def max_points(table: ParameterValue | None) -> Decimal | None:
    """The most points a table gives (None if there is no table)."""
    return None if table is None else _bands(table)[2]


_BANDS: dict[int, tuple[ParameterValue, tuple[tuple[Decimal, bool, Decimal], ...] | None, Decimal | None]] = {}


def _bands(table: ParameterValue) -> tuple[ParameterValue, tuple[tuple[Decimal, bool, Decimal], ...] | None, Decimal | None]:
    """A points table's bands as (min, exclusive, points), highest first, and its most
    points (None, None: not a points table); read from the table once (it is kept, so
    its id stays its own)."""
    found = _BANDS.get(id(table))
    if found is None or found[0] is not table:
        if len(_BANDS) >= 4096:  # catalogues loaded again and again: forget the old tables
            _BANDS.clear()
        if table.points is None:
            found = (table, None, None)
        else:
            bands = tuple((band.min, band.exclusive, band.points) for band in table.points)
            found = (table, bands, max(score for _, _, score in bands))
        _BANDS[id(table)] = found
    return found


def average_growth(v0: int | Decimal, v1: int | Decimal, v2: int | Decimal) -> Ratio:
    """((v1/v0) + (v2/v1)) / 2 - 1 as one exact fraction (over zero if v0 or v1 is 0)."""
    if v0 == 0 or v1 == 0:
        return UNDEFINED
    return Ratio(Decimal(v1 * v1 + v2 * v0 - 2 * v0 * v1), Decimal(2 * v0 * v1))


def hnte_growth_rate(v0: int | Decimal, v1: int | Decimal, v2: int | Decimal) -> Ratio | None:
    """The 工作指引 growth rate of one indicator over three years; None when it scores 0 by rule.

    ½(v1/v0 + v2/v1) − 1; if year one is 0, v2/v1 − 1; if year two is 0 (or a base is
    negative), the indicator scores 0.
    """
    if v1 <= 0 or v0 < 0:
        return None
    if v0 == 0:
        return Ratio(Decimal(v2 - v1), Decimal(v1))
    return average_growth(v0, v1, v2)


_UNSEEN = object()
_YEARLY = tuple(name for name in FiscalYear.model_fields if name != "year")
"""The figures of a fiscal year (what :meth:`FactContext.series` reads)."""
_figures = attrgetter(*_YEARLY)
_NO_FIGURES = (None,) * len(_YEARLY)


@dataclass
class FactContext:
    """The profile and date facts are computed for; records the unknown inputs read."""

    profile: EnterpriseProfile
    as_of: date
    missing: list[str] = field(default_factory=list)
    params: Mapping[str, ParameterValue] = field(default_factory=dict)
    """Parameter values in force on ``as_of`` (points tables for scores)."""
    last_year: int = field(init=False)
    """The latest closed fiscal year on the date of evaluation."""
    _values: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _series: dict[str, tuple[Any, ...]] = field(init=False, repr=False)
    """Each yearly figure over the last closed fiscal years, oldest first (None where unknown)."""
    _shared: dict[str, tuple[Any, tuple[str, ...]]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.last_year = last = self.as_of.year - 1
        first = last - YEARS_KEPT + 1
        rows = [_NO_FIGURES] * YEARS_KEPT
        for fy in self.profile.financials:
            if first <= fy.year <= last:
                rows[fy.year - first] = _figures(fy)
        # every figure of the kept years read at once (one call per year), as columns
        self._series = dict(zip(_YEARLY, zip(*rows)))

    def get(self, path: str) -> Any:
        """The profile value at a dotted path; records the path when it is unknown."""
        value = self._values.get(path, _UNSEEN)
        if value is _UNSEEN:  # (not try/except: most paths are read once, and raising is slow)
            value = self._values[path] = lookup(self.profile, path)
        if value is None:
            self.missing.append(path)
        return value

    def figure(self, attr: str, back: int = 0) -> Any:
        """The figure ``attr`` of the fiscal year ``back`` years before the last closed one;
        records ``financials[year].attr`` when it is unknown."""
        kept = self._series[attr]
        value = kept[YEARS_KEPT - 1 - back]
        if value is None:
            self.missing.append(yearly_path(self.last_year - back, attr))
        return value

    def series(self, attr: str, years: int) -> tuple[Any, ...]:
        """The figure ``attr`` of the last ``years`` closed fiscal years, oldest first
        (None where unknown); records each unknown one as ``financials[year].attr``.
        Each figure is read from the profile once per context."""
        kept = self._series[attr]
        values = kept if years == YEARS_KEPT else kept[YEARS_KEPT - years :]
        if None in values:
            first = self.last_year - years + 1
            self.missing.extend([yearly_path(first + i, attr) for i, v in enumerate(values) if v is None])
        return values

    def shared(self, name: str, compiled: Compiled) -> Any:
        """The value of fact ``name``, computed once per context (a score and its parts read
        the same sub-scores); its unknown inputs are recorded on every use."""
        found = self._shared.get(name)
        if found is None:
            start = len(self.missing)
            value = compiled(self)
            found = self._shared[name] = (value, tuple(self.missing[start:]))
        else:
            self.missing.extend(found[1])
        return found[0]

    def points(self, param: str, value: Any) -> Decimal | None:
        """The points ``value`` scores in the points table ``param`` in force (None if no table)."""
        return points(self.params.get(param), value)

    def max_points(self, param: str) -> Decimal | None:
        return max_points(self.params.get(param))

    def window(self, years: int) -> list[int] | None:
        """The last ``years`` closed fiscal years, cut to those the enterprise existed in
        (none for an enterprise registered in the year of evaluation, or after the date).

        Needs the registration date; returns None (and records it) when unknown.
        """
        reg = self.get("registration_date")
        if reg is None:
            return None
        first = max(self.last_year - years + 1, reg.year)
        return list(range(first, self.last_year + 1))



class ValueContext(FactContext):
    """A :class:`FactContext` that records no unknown inputs: for the facts' values alone
    (the engine needs no more to decide a verdict). The same compiled formulas give the
    same values on it; only :attr:`missing` stays empty."""

    def get(self, path: str) -> Any:
        value = self._values.get(path, _UNSEEN)
        if value is _UNSEEN:
            value = self._values[path] = lookup(self.profile, path)
        return value

    def figure(self, attr: str, back: int = 0) -> Any:
        return self._series[attr][YEARS_KEPT - 1 - back]

    def series(self, attr: str, years: int) -> tuple[Any, ...]:
        kept = self._series[attr]
        return kept if years == YEARS_KEPT else kept[YEARS_KEPT - years :]

    def shared(self, name: str, compiled: Compiled) -> Any:
        found = self._shared.get(name)
        if found is None:
            found = self._shared[name] = (compiled(self), ())
        return found[0]


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


# --- The kinds of formula ---------------------------------------------------------------


class Formula:
    """What a fact is computed from. Subclasses are frozen dataclasses; ``kind`` names them."""

    kind: ClassVar[str]

    def compile(self, resolve: Resolve) -> Compiled:  # pragma: no cover - every kind overrides
        raise NotImplementedError

    def reads(self) -> tuple[str, ...]:
        """The profile fields (dotted; ``financials[].attr`` for a yearly figure) and the
        facts (by name) the formula reads."""
        return ()

    def facts(self) -> tuple[str, ...]:
        """The other facts it reads (their values are computed first)."""
        return ()

    def tables(self) -> tuple[str, ...]:
        """The points-table parameters it reads itself."""
        return ()

    def notation(self) -> str:
        """The formula written out (``Y`` is the year of the evaluation date)."""
        raise NotImplementedError  # pragma: no cover

    def data(self) -> dict[str, Any]:
        """The formula as plain data (JSON): its kind and its fields."""
        return {"kind": self.kind, **{f.name: _plain(getattr(self, f.name)) for f in fields(self)}}  # type: ignore[arg-type]


def _plain(value: Any) -> Any:
    if isinstance(value, Text):
        return {"zh": value.zh, "en": value.en}
    if isinstance(value, Lever):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _years_text(years: int) -> str:
    return "Y-1" if years == 1 else f"Y-{years}..Y-1"


@dataclass(frozen=True)
class Field(Formula):
    """A profile field as it is (an enum as its value, a list of enums as a set of values)."""

    kind: ClassVar[str] = "field"
    path: str
    convert: str = "value"
    """``value`` (as it is), ``enum`` (an enum member's value) or ``set`` (a set of values)."""

    def compile(self, resolve: Resolve) -> Compiled:
        path = self.path
        if self.convert == "enum":

            def enum(ctx: FactContext) -> Any:
                value = ctx.get(path)
                return None if value is None else value._value_

            return enum
        if self.convert == "set":

            def members(ctx: FactContext) -> Any:
                value = ctx.get(path)
                return None if value is None else frozenset([v._value_ for v in value])

            return members

        def plain(ctx: FactContext) -> Any:
            return ctx.get(path)

        return plain

    def reads(self) -> tuple[str, ...]:
        return (self.path,)

    def notation(self) -> str:
        return self.path


@dataclass(frozen=True)
class EvaluationDate(Formula):
    """The date of evaluation."""

    kind: ClassVar[str] = "evaluation_date"

    def compile(self, resolve: Resolve) -> Compiled:
        return _as_of

    def notation(self) -> str:
        return "as_of"


def _as_of(ctx: FactContext) -> Any:
    return ctx.as_of


@dataclass(frozen=True)
class EvaluationMonth(Formula):
    """The month (1–12) of the date of evaluation."""

    kind: ClassVar[str] = "evaluation_month"

    def compile(self, resolve: Resolve) -> Compiled:
        return _as_of_month

    def notation(self) -> str:
        return "month(as_of)"


def _as_of_month(ctx: FactContext) -> Any:
    return ctx.as_of.month


@dataclass(frozen=True)
class YearStart(Formula):
    """1 January of the year held by the profile field ``path``."""

    kind: ClassVar[str] = "year_start"
    path: str

    def compile(self, resolve: Resolve) -> Compiled:
        path = self.path

        def run(ctx: FactContext) -> Any:
            year = ctx.get(path)
            return None if year is None else date(year, 1, 1)

        return run

    def reads(self) -> tuple[str, ...]:
        return (self.path,)

    def notation(self) -> str:
        return f"date({self.path}, 1, 1)"


@dataclass(frozen=True)
class Elapsed(Formula):
    """Whole ``unit`` (years or months) from the date at ``path`` to the date of evaluation,
    by the anniversary rule of :mod:`eligibility.dates`. It grows with time alone."""

    kind: ClassVar[str] = "elapsed"
    path: str
    unit: Unit = "years"

    def compile(self, resolve: Resolve) -> Compiled:
        path, unit = self.path, self.unit

        def run(ctx: FactContext) -> Any:
            since = ctx.get(path)
            return None if since is None else whole_units(since, ctx.as_of, unit)

        return run

    def reads(self) -> tuple[str, ...]:
        return (self.path,)

    def notation(self) -> str:
        return f"whole_{self.unit}({self.path} → as_of)"


@dataclass(frozen=True)
class YearsSinceYear(Formula):
    """The year of evaluation minus the year held by the profile field ``path``."""

    kind: ClassVar[str] = "years_since_year"
    path: str

    def compile(self, resolve: Resolve) -> Compiled:
        path = self.path

        def run(ctx: FactContext) -> Any:
            year = ctx.get(path)
            return None if year is None else ctx.as_of.year - year

        return run

    def reads(self) -> tuple[str, ...]:
        return (self.path,)

    def notation(self) -> str:
        return f"year(as_of) - {self.path}"


@dataclass(frozen=True)
class YearsBetween(Formula):
    """Whole years from the date at ``start`` to the date at ``end`` (both profile fields)."""

    kind: ClassVar[str] = "years_between"
    start: str
    end: str

    def compile(self, resolve: Resolve) -> Compiled:
        start, end = self.start, self.end

        def run(ctx: FactContext) -> Any:
            a = ctx.get(start)
            b = ctx.get(end)
            return None if a is None or b is None else whole_units(a, b, "years")

        return run

    def reads(self) -> tuple[str, ...]:
        return (self.start, self.end)

    def notation(self) -> str:
        return f"whole_years({self.start} → {self.end})"


def _check_years(years: int) -> None:
    if not 1 <= years <= YEARS_KEPT:
        raise ValueError(f"a formula reads 1 to {YEARS_KEPT} fiscal years, not {years}")


@dataclass(frozen=True)
class LastYear(Formula):
    """The figure ``attr`` of the last closed fiscal year (the year before the date's)."""

    kind: ClassVar[str] = "last_year"
    attr: str

    def compile(self, resolve: Resolve) -> Compiled:
        attr = self.attr

        def run(ctx: FactContext) -> Any:
            return ctx.figure(attr)

        return run

    def reads(self) -> tuple[str, ...]:
        return (f"financials[].{self.attr}",)

    def notation(self) -> str:
        return f"financials[Y-1].{self.attr}"


@dataclass(frozen=True)
class SumOverYears(Formula):
    """The sum of ``attr`` over the last ``years`` closed fiscal years (unknown unless all are known)."""

    kind: ClassVar[str] = "sum_over_years"
    attr: str
    years: int

    def __post_init__(self) -> None:
        _check_years(self.years)

    def compile(self, resolve: Resolve) -> Compiled:
        attr, years = self.attr, self.years

        def run(ctx: FactContext) -> Any:
            values = ctx.series(attr, years)
            return None if None in values else Decimal(sum(values))

        return run

    def reads(self) -> tuple[str, ...]:
        return (f"financials[].{self.attr}",)

    def notation(self) -> str:
        return f"Σ financials[{_years_text(self.years)}].{self.attr}"


@dataclass(frozen=True)
class PositiveEachYear(Formula):
    """Whether ``attr`` is above zero in each of the last ``years`` closed fiscal years."""

    kind: ClassVar[str] = "positive_each_year"
    attr: str
    years: int

    def __post_init__(self) -> None:
        _check_years(self.years)

    def compile(self, resolve: Resolve) -> Compiled:
        attr, years = self.attr, self.years

        def run(ctx: FactContext) -> Any:
            values = ctx.series(attr, years)
            return None if None in values else all(v > 0 for v in values)

        return run

    def reads(self) -> tuple[str, ...]:
        return (f"financials[].{self.attr}",)

    def notation(self) -> str:
        return f"financials[{_years_text(self.years)}].{self.attr} > 0 (each)"


@dataclass(frozen=True)
class Lever:
    """How an enterprise moves a ratio (for a gap): add the same amount to each of
    ``fields`` (figures of the last fiscal year for a ratio of yearly figures, profile
    fields otherwise). ``both``: the amount also enters the denominator (new domestic R&D
    raises total R&D too; R&D is part of total cost)."""

    fields: tuple[str, ...]
    both: bool
    noun: Text
    """What is added (in a gap's text)."""
    unit: str = "元"
    kept: Text | None = None
    """What stays the same, said in the gap (the total staff, for a share of staff)."""


@dataclass(frozen=True)
class RatioOverYears(Formula):
    """Σ ``num`` / Σ ``den`` over the last ``years`` closed fiscal years; with
    ``from_registration``, only the years since the year of registration (none at all for
    an enterprise registered in the year of evaluation: a ratio over zero)."""

    kind: ClassVar[str] = "ratio_over_years"
    num: str
    den: str
    years: int = 1
    from_registration: bool = False
    lever: Lever | None = None

    def __post_init__(self) -> None:
        _check_years(self.years)

    def compile(self, resolve: Resolve) -> Compiled:
        num, den, years = self.num, self.den, self.years
        if self.from_registration:

            def window(ctx: FactContext) -> Any:
                # the window is asked for by each sum, so both record an unknown registration date
                first = ctx.window(years)
                second = ctx.window(years)
                if first is None or second is None:
                    return None
                if not first:  # no closed fiscal year yet: a ratio over zero, never met
                    return UNDEFINED
                a, b = ctx.series(num, len(first)), ctx.series(den, len(first))
                return None if None in a or None in b else Ratio(Decimal(sum(a)), Decimal(sum(b)))

            return window

        def run(ctx: FactContext) -> Any:
            a, b = ctx.series(num, years), ctx.series(den, years)
            return None if None in a or None in b else Ratio(Decimal(sum(a)), Decimal(sum(b)))

        return run

    def reads(self) -> tuple[str, ...]:
        return (*(("registration_date",) if self.from_registration else ()), f"financials[].{self.num}", f"financials[].{self.den}")

    def notation(self) -> str:
        span = _years_text(self.years) + (", from the registration year" if self.from_registration else "")
        if self.years == 1:
            return f"financials[Y-1].{self.num} / financials[Y-1].{self.den}"
        return f"Σ {self.num} / Σ {self.den} over financials[{span}]"


@dataclass(frozen=True)
class FieldRatio(Formula):
    """``num`` / ``den``, two profile fields."""

    kind: ClassVar[str] = "field_ratio"
    num: str
    den: str
    lever: Lever | None = None
    """Raise ``lever.fields[0]`` alone (the denominator stays), in whole units."""

    def compile(self, resolve: Resolve) -> Compiled:
        num, den = self.num, self.den

        def run(ctx: FactContext) -> Any:
            a = ctx.get(num)
            b = ctx.get(den)
            return None if a is None or b is None else Ratio(Decimal(a), Decimal(b))

        return run

    def reads(self) -> tuple[str, ...]:
        return (self.num, self.den)

    def notation(self) -> str:
        return f"{self.num} / {self.den}"


@dataclass(frozen=True)
class GrowthFactor(Formula):
    """``attr`` of the last closed fiscal year over ``attr`` of the year two before it."""

    kind: ClassVar[str] = "growth_factor"
    attr: str

    def compile(self, resolve: Resolve) -> Compiled:
        attr = self.attr

        def run(ctx: FactContext) -> Any:
            first = ctx.figure(attr, 2)
            last = ctx.figure(attr)
            return None if first is None or last is None else Ratio(Decimal(last), Decimal(first))

        return run

    def reads(self) -> tuple[str, ...]:
        return (f"financials[].{self.attr}",)

    def notation(self) -> str:
        return f"financials[Y-1].{self.attr} / financials[Y-3].{self.attr}"


@dataclass(frozen=True)
class AverageGrowth(Formula):
    """The average yearly growth of ``attr`` over the last two years,
    ½(v1/v0 + v2/v1) − 1; over zero (never met) on a zero base, or with ``positive_base``
    on a base that is not positive (a loss)."""

    kind: ClassVar[str] = "average_growth"
    attr: str
    positive_base: bool = False

    def compile(self, resolve: Resolve) -> Compiled:
        attr, positive = self.attr, self.positive_base

        def run(ctx: FactContext) -> Any:
            v0, v1, v2 = ctx.series(attr, 3)
            if v0 is None or v1 is None or v2 is None:
                return None
            if positive and (v0 <= 0 or v1 <= 0):
                return UNDEFINED
            return average_growth(v0, v1, v2)

        return run

    def reads(self) -> tuple[str, ...]:
        return (f"financials[].{self.attr}",)

    def notation(self) -> str:
        v = f"financials[Y-%d].{self.attr}"
        return f"½({v % 2}/{v % 3} + {v % 1}/{v % 2}) − 1"


@dataclass(frozen=True)
class Points(Formula):
    """The points the fact ``input`` scores in the points table ``table``."""

    kind: ClassVar[str] = "points"
    table: str
    input: str

    def compile(self, resolve: Resolve) -> Compiled:
        table, name, part = self.table, self.input, resolve(self.input)

        def run(ctx: FactContext) -> Any:
            value = ctx.shared(name, part)
            return None if value is None else ctx.points(table, value)

        return run

    def reads(self) -> tuple[str, ...]:
        return (self.input,)

    def facts(self) -> tuple[str, ...]:
        return (self.input,)

    def tables(self) -> tuple[str, ...]:
        return (self.table,)

    def notation(self) -> str:
        return f"points({self.table}, {self.input})"


@dataclass(frozen=True)
class BestPoints(Formula):
    """The better score of several (points table, fact) pairs. Unknown while an input is
    unknown and the known scores are below the best any table gives (it could still win)."""

    kind: ClassVar[str] = "best_points"
    scored: tuple[tuple[str, str], ...]

    def compile(self, resolve: Resolve) -> Compiled:
        scored = tuple((table, name, resolve(name)) for table, name in self.scored)

        def run(ctx: FactContext) -> Any:
            best = None
            open_ = False  # an input unknown (or a table missing)
            for table, name, part in scored:
                value = ctx.shared(name, part)
                mark = None if value is None else ctx.points(table, value)
                if mark is None:
                    open_ = True
                elif best is None or mark > best:
                    best = mark
            if best is None:
                return None
            if open_ and best < max(ctx.max_points(table) or 0 for table, _, _ in scored):
                return None  # an unknown input could still score more
            return best

        return run

    def reads(self) -> tuple[str, ...]:
        return tuple(name for _t, name in self.scored)

    def facts(self) -> tuple[str, ...]:
        return self.reads()

    def tables(self) -> tuple[str, ...]:
        return tuple(table for table, _n in self.scored)

    def notation(self) -> str:
        return "max(" + ", ".join(f"points({t}, {n})" for t, n in self.scored) + ")"


@dataclass(frozen=True)
class GrowthPoints(Formula):
    """The points of the HNTE growth rate (:func:`hnte_growth_rate`) of each series over the
    last three years, added up. A series is a figure, or a figure less another
    (net assets: total assets − total liabilities)."""

    kind: ClassVar[str] = "growth_points"
    table: str
    series: tuple[tuple[str, str | None], ...]

    def compile(self, resolve: Resolve) -> Compiled:
        table, series = self.table, self.series

        def run(ctx: FactContext) -> Any:
            read = [(ctx.series(plus, 3), None if minus is None else ctx.series(minus, 3)) for plus, minus in series]
            if any(None in a or (b is not None and None in b) for a, b in read) or ctx.params.get(table) is None:
                return None
            total = Decimal(0)
            for a, b in read:
                values = a if b is None else [x - y for x, y in zip(a, b, strict=True)]
                rate = hnte_growth_rate(*values)
                if rate is not None:
                    total += ctx.points(table, rate) or 0
            return total

        return run

    def reads(self) -> tuple[str, ...]:
        return tuple(f"financials[].{a}" for pair in self.series for a in pair if a is not None)

    def tables(self) -> tuple[str, ...]:
        return (self.table,)

    def notation(self) -> str:
        parts = [plus if minus is None else f"({plus} − {minus})" for plus, minus in self.series]
        return " + ".join(f"points({self.table}, growth(financials[Y-3..Y-1].{p}))" for p in parts)


@dataclass(frozen=True)
class Total(Formula):
    """The sum of several facts (score parts); unknown while a part is unknown."""

    kind: ClassVar[str] = "total"
    parts: tuple[str, ...]

    def compile(self, resolve: Resolve) -> Compiled:
        parts = tuple((name, resolve(name)) for name in self.parts)

        def run(ctx: FactContext) -> Any:
            values = [ctx.shared(name, part) for name, part in parts]
            return None if None in values else sum(values, Decimal(0))

        return run

    def reads(self) -> tuple[str, ...]:
        return self.parts

    def facts(self) -> tuple[str, ...]:
        return self.parts

    def notation(self) -> str:
        return " + ".join(self.parts)


KINDS: tuple[type[Formula], ...] = (
    Field,
    EvaluationDate,
    EvaluationMonth,
    YearStart,
    Elapsed,
    YearsSinceYear,
    YearsBetween,
    LastYear,
    SumOverYears,
    PositiveEachYear,
    RatioOverYears,
    FieldRatio,
    GrowthFactor,
    AverageGrowth,
    Points,
    BestPoints,
    GrowthPoints,
    Total,
)
"""Every kind of formula (a table dispatching on them covers these)."""
