"""Realising fact values: building a profile whose computed facts take given values.

Used by :mod:`eligibility.authoring.witness` (witness profiles) and :mod:`eligibility.authoring.strategies`
(profiles biased toward thresholds); needs no Hypothesis.

A :class:`Builder` holds the profile data being built and what is known about values
not yet chosen:

* **cells**: a yearly figure (``financials[2025].net_profit``) or a scalar field
  (``staff_total``), with its step (1 yuan, 0.01 person) and bounds (the model's, and
  bounds added by facts such as "net profit positive each year");
* **date intervals**: "3 whole years since registration" is an interval of
  registration dates, intersected with "40 whole months since registration", and
  relations between dates (whole years from the founder's return to registration).

Each kind of formula (:mod:`eligibility._formulas`) has a *realiser* (:data:`REALISERS`,
keyed by the formula's class; it reads the formula's data) that chooses the cells the fact reads
**adapting to the cells already chosen**: a three-year sum fills the years the
latest-year figure left open, a ratio picks its numerator from a denominator already
set, a score picks points bands whose sum is the score. Realisers run in stages
(plain fields, dates, bounds, single figures, growth, sums, ratios, score parts,
scores), so the facts that constrain a cell most come first.

With a random generator (``rng``) the choices left free (how a sum is split, which
day of an interval, which year is the loss-making one) are drawn at random, so a
caller can try several realisations of the same fact values.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from functools import cache, partial
from itertools import product
from typing import Any, get_origin

from pydantic import ValidationError

from .._dates import shift
from .._facts import COMPUTED, FACTS, FactKind, FactSpec, Ratio, compute_facts, whole_years
from .._formulas import (
    AverageGrowth,
    BestPoints,
    Elapsed,
    Field,
    FieldRatio,
    Formula,
    GrowthFactor,
    GrowthPoints,
    LastYear,
    Points,
    PositiveEachYear,
    RatioOverYears,
    SumOverYears,
    Total,
    YearsBetween,
    YearsSinceYear,
    YearStart,
    hnte_growth_rate,
    points,
)
from .._fields import YEARLY, profile_fields, split_path
from ..profile import EnterpriseProfile
from .._schema import ParameterValue

BP = Decimal("0.0001")
"""A ratio step: one basis point."""


class Unrealisable(Exception):
    """The fact values cannot be given to the profile being built (as far as this module knows)."""


# --- Small helpers ------------------------------------------------------------------------


def years_before(day: dt.date, years: int) -> dt.date:
    """``day`` moved ``years`` years back (forward if negative), by the anniversary rule of
    :mod:`eligibility._dates` (29 February becomes the 28th in a common year)."""
    return shift(day, "years", -years)


def months_before(day: dt.date, months: int, clip_day: int | None = None) -> dt.date:
    """The date ``months`` months before ``day``, on day ``clip_day`` (default ``day.day``) clipped to the month."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    length = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(clip_day or day.day, length))


def fraction(value: Any) -> Fraction | None:
    """A fact value as an exact fraction; None for a ratio over zero."""
    if isinstance(value, Ratio):
        return None if value.den == 0 else Fraction(value.num) / Fraction(value.den)
    return Fraction(value)


# --- Cells ----------------------------------------------------------------------------------

Cell = tuple[Any, ...]
"""``("fy", year, attr)`` for a yearly figure, ``("path", dotted)`` for a profile field."""


def fy(year: int, attr: str) -> Cell:
    return ("fy", year, attr)


def parse_input(path: str) -> Cell:
    """A missing-input path recorded by :class:`FactContext` as a cell."""
    found = split_path(path)
    return ("path", path) if found.year is None else fy(found.year, found.name)


def _cell_field(cell: Cell) -> tuple[Any, Fraction | None, Fraction | None]:
    """(type, lower bound, upper bound) of the profile field a cell is."""
    return _field_bounds(f"{YEARLY}.{cell[2]}" if cell[0] == "fy" else cell[1])


@cache
def _field_bounds(key: str) -> tuple[Any, Fraction | None, Fraction | None]:
    f = profile_fields()[key]
    lo, hi = f.bounds
    return f.shape.type, (None if lo is None else Fraction(lo)), (None if hi is None else Fraction(hi))


def unit(cell: Cell) -> Fraction:
    """The step of a numeric cell: 1 (yuan, counts) or 1/100 (persons, square metres)."""
    annotation, _lo, _hi = _cell_field(cell)
    return Fraction(1, 100) if annotation is Decimal else Fraction(1)


# --- The builder ------------------------------------------------------------------------------


def _clamp(value: Fraction, lo: Fraction | None, hi: Fraction | None) -> Fraction:
    """``value`` moved into [lo, hi] (an open end is None)."""
    if lo is not None and value < lo:
        value = lo
    if hi is not None and value > hi:
        value = hi
    return value


@dataclass
class Builder:
    """Profile data being built for a date, with bounds and date constraints not yet resolved."""

    data: dict[str, Any]
    as_of: dt.date
    params: Mapping[str, ParameterValue] = field(default_factory=dict)
    rng: random.Random | None = None
    lo: dict[Cell, Fraction] = field(default_factory=dict)
    hi: dict[Cell, Fraction] = field(default_factory=dict)
    dates: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)
    relations: list[tuple[str, str, int]] = field(default_factory=list)
    """``(a, b, n)``: whole years from the date at ``a`` to the date at ``b`` is ``n``."""
    pool: list[Fraction] = field(default_factory=list)
    """Numbers to fill inputs with at random (with ``rng``): thresholds of the catalogue, say."""

    @property
    def last(self) -> int:
        return self.as_of.year - 1

    # state, for trying a choice and going back
    def snapshot(self) -> tuple[Any, ...]:
        return copy.deepcopy((self.data, self.lo, self.hi, self.dates, self.relations))

    def restore(self, state: tuple[Any, ...]) -> None:
        self.data, self.lo, self.hi, self.dates, self.relations = copy.deepcopy(state)

    def attempt(self, fn: Callable[[], None]) -> bool:
        """Run ``fn``; on :class:`Unrealisable` (or a bad value) undo what it did and return False."""
        state = self.snapshot()
        try:
            fn()
            return True
        except (Unrealisable, ArithmeticError, ValueError):
            self.restore(state)
            return False

    # raw access
    def _row(self, year: int, create: bool) -> dict[str, Any] | None:
        rows = self.data.setdefault("financials", []) if create else self.data.get("financials") or []
        for row in rows:
            if row.get("year") == year:
                return row
        if not create:
            return None
        row = {"year": year}
        rows.append(row)
        return row

    def get_path(self, path: str) -> Any:
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, dict):
                return None
            node = node.get(part)
        return node

    def put_path(self, path: str, value: Any) -> None:
        *parents, last = path.split(".")
        node = self.data
        for part in parents:
            node = node.setdefault(part, {})
        if node.get(last) is not None and node[last] != value:
            raise Unrealisable(f"{path} already set")
        node[last] = value

    def get(self, cell: Cell) -> Fraction | None:
        if cell[0] == "fy":
            row = self._row(cell[1], create=False)
            value = None if row is None else row.get(cell[2])
        else:
            value = self.get_path(cell[1])
        return None if value is None else Fraction(value)

    def bounds(self, cell: Cell) -> tuple[Fraction | None, Fraction | None]:
        _t, lo, hi = _cell_field(cell)
        if cell in self.lo:
            lo = self.lo[cell] if lo is None else max(lo, self.lo[cell])
        if cell in self.hi:
            hi = self.hi[cell] if hi is None else min(hi, self.hi[cell])
        return lo, hi

    def allowed(self, cell: Cell, value: Fraction) -> bool:
        lo, hi = self.bounds(cell)
        return (lo is None or value >= lo) and (hi is None or value <= hi) and (value / unit(cell)).denominator == 1

    def set(self, cell: Cell, value: Any) -> None:
        """Give a numeric cell a value (checked against its step and bounds, and a value already there)."""
        value = Fraction(value)
        if not self.allowed(cell, value):
            raise Unrealisable(f"{cell} cannot be {value}")
        old = self.get(cell)
        if old is not None:
            if old != value:
                raise Unrealisable(f"{cell} already set")
            return
        stored: Any = int(value) if unit(cell) == 1 else Decimal(value.numerator) / Decimal(value.denominator)
        if cell[0] == "fy":
            row = self._row(cell[1], create=True)
            assert row is not None
            row[cell[2]] = stored
        else:
            self.put_path(cell[1], stored)

    def bound(self, cell: Cell, lo: Fraction | None = None, hi: Fraction | None = None) -> None:
        """Narrow a cell's bounds (checked against its value if it has one)."""
        if lo is not None:
            self.lo[cell] = max(lo, self.lo.get(cell, lo))
        if hi is not None:
            self.hi[cell] = min(hi, self.hi.get(cell, hi))
        value = self.get(cell)
        low, high = self.bounds(cell)
        if (value is not None and not self.allowed(cell, value)) or (low is not None and high is not None and low > high):
            raise Unrealisable(f"{cell} out of its bounds")

    # choices
    def pick(self, options: list[Any]) -> list[Any]:
        """Options in the order to try: as given, or shuffled when drawing at random."""
        if self.rng is None:
            return options
        options = list(options)
        self.rng.shuffle(options)
        return options

    def scale(self, value: int) -> int:
        """A typical magnitude, varied when drawing at random."""
        return value if self.rng is None else max(1, value * self.rng.choice((1, 2, 3, 5, 10, 37)) // self.rng.choice((1, 2, 10)))

    # sums and ratios
    def distribute(self, cells: list[Cell], total: Fraction, weights: list[Fraction] | None = None) -> None:
        """Give the cells not yet set values so that all of ``cells`` sum to ``total``."""
        free = [c for c in cells if self.get(c) is None]
        rest = total - sum((self.get(c) or Fraction(0)) for c in cells if self.get(c) is not None)
        if not free:
            if rest != 0:
                raise Unrealisable("sum already fixed otherwise")
            return
        step = unit(free[0])
        if (rest / step).denominator != 1:
            raise Unrealisable("sum not a whole number of steps")
        if weights is not None:
            ws = [w for c, w in zip(cells, weights, strict=True) if self.get(c) is None]
            if sum(ws) > 0 and all(w >= 0 for w in ws):
                parts = [Fraction(int(rest * w / sum(ws) / step)) * step for w in ws]
                heaviest = max(range(len(ws)), key=lambda i: ws[i])
                parts[heaviest] += rest - sum(parts)
                if all(self.allowed(c, p) for c, p in zip(free, parts, strict=True)):
                    for c, p in zip(free, parts, strict=True):
                        self.set(c, p)
                    return
        base = [_clamp(Fraction(0), *self.bounds(c)) for c in free]
        rem = rest - sum(base)
        if rem > 0:
            takers = [i for i, c in enumerate(free) if (hi := self.bounds(c)[1]) is None or hi > base[i]]
        else:
            takers = [i for i, c in enumerate(free) if (lo := self.bounds(c)[0]) is None or lo < base[i]]
        if rem != 0:
            if not takers:
                raise Unrealisable("no room to distribute the sum")
            units = int(rem / step)
            if self.rng is not None and len(takers) > 1:
                cuts = sorted(self.rng.randint(0, abs(units)) for _ in takers[1:])
                sizes = [b - a for a, b in zip([0, *cuts], [*cuts, abs(units)], strict=True)]
                shares = [s if units >= 0 else -s for s in sizes]
            else:
                share = int(units / len(takers))
                shares = [share] * len(takers)
                shares[-1] += units - share * len(takers)
            for i, s in zip(takers, shares, strict=True):
                base[i] += s * step
        for c, v in zip(free, base, strict=True):
            self.set(c, v)

    def ratio(self, num: list[Cell], den: list[Cell], value: Any) -> None:
        """Cells so that sum(num) / sum(den) is exactly ``value`` (a ratio over zero: sum(den) is 0)."""
        if not num or not den:
            raise Unrealisable("a ratio of nothing")
        frac = fraction(value)
        if frac is None:
            for c in den:
                if self.get(c) is None:
                    self.set(c, 0)
            if sum(self.get(c) or 0 for c in den) != 0:
                raise Unrealisable("denominator already non-zero")
            return
        u_num, u_den = unit(num[0]), unit(den[0])
        num_set = [c for c in num if self.get(c) is not None]
        den_free = [c for c in den if self.get(c) is None]
        n_sum = sum((self.get(c) or Fraction(0)) for c in num_set)
        d_sum = sum((self.get(c) or Fraction(0)) for c in den if c not in den_free)
        if den_free:
            if len(num_set) == len(num):  # numerator fixed: the denominator follows
                if frac == 0:
                    if n_sum != 0:
                        raise Unrealisable("zero ratio with a non-zero numerator")
                    self.distribute(den, d_sum + len(den_free) * self.scale(10_000_000) * u_den)
                else:
                    self.distribute(den, n_sum / frac)
            else:
                # each new denominator cell a multiple of m steps, so that frac * sum(den) is a whole numerator step
                m = (frac * u_den / u_num).denominator
                k = max(1, int(self.scale(10_000_000 if u_den == 1 else 100) / u_den) // m)
                units = [m * k for _ in den_free]
                units[-1] += int(-(d_sum / u_den)) % m
                for c, n in zip(den_free, units, strict=True):
                    self.set(c, n * u_den)
        d_total = sum((self.get(c) or Fraction(0)) for c in den)
        if d_total == 0:
            raise Unrealisable("ratio over a zero denominator")
        weights = [self.get(c) or Fraction(0) for c in den] if len(den) == len(num) else None
        self.distribute(num, frac * d_total, weights)

    # dates
    def date_within(self, path: str, lo: dt.date, hi: dt.date) -> None:
        old_lo, old_hi = self.dates.get(path, (lo, hi))
        lo, hi = max(lo, old_lo), min(hi, old_hi, dt.date.today())
        if lo > hi:
            raise Unrealisable(f"no date for {path}")
        self.dates[path] = (lo, hi)

    def resolve_dates(self) -> None:
        """Turn date intervals and relations into dates in the data."""

        def choose(path: str, lo: dt.date, hi: dt.date) -> None:
            old = self.get_path(path)
            if old is not None:
                old = dt.date.fromisoformat(old) if isinstance(old, str) else old
                if not lo <= old <= hi:
                    raise Unrealisable(f"{path} already set")
                return
            if lo > hi:
                raise Unrealisable(f"no date for {path}")
            day = hi if self.rng is None else lo + dt.timedelta(days=self.rng.randint(0, min((hi - lo).days, 3000)))
            self.put_path(path, day)

        def interval(path: str) -> tuple[dt.date, dt.date]:
            lo, hi = self.dates.get(path, (dt.date(1900, 1, 1), dt.date.today()))
            return lo, min(hi, dt.date.today())

        def value(path: str) -> dt.date:
            got = self.get_path(path)
            return dt.date.fromisoformat(got) if isinstance(got, str) else got

        for a, b, n in self.relations:
            if self.get_path(b) is not None or b in self.dates or a not in self.dates:
                if self.get_path(b) is None:
                    lo, hi = interval(b)
                    if b not in self.dates:  # unconstrained anchor: a few years ago
                        hi = years_before(self.as_of, 3)
                    choose(b, lo, hi)
                anchor = value(b)
                lo, hi = interval(a)
                choose(a, max(lo, years_before(anchor, n + 1) + dt.timedelta(days=1)), min(hi, years_before(anchor, n)))
            else:
                choose(a, *interval(a))
                start = value(a)
                lo, hi = interval(b)
                choose(b, max(lo, years_before(start, -n)), min(hi, years_before(start, -n - 1) - dt.timedelta(days=1)))
            if whole_years(value(a), value(b)) != n:
                raise Unrealisable("date relation not met")
        for path, (lo, hi) in self.dates.items():
            choose(path, lo, hi)

    # reading facts back
    def profile(self) -> EnterpriseProfile | None:
        try:
            return EnterpriseProfile.model_validate(self.data)
        except (ValidationError, ValueError):
            return None

    def current(self, name: str) -> Any:
        """The value fact ``name`` takes on the data so far (None if unknown or the data is not valid yet)."""
        profile = self.profile()
        if profile is None:
            return None
        return compute_facts(profile, self.as_of, [name], self.params)[name].value

    def points(self, table: str, value: Any) -> Decimal | None:
        return points(self.params.get(table), value)

    # filling in what is left
    def default(self, cell: Cell) -> Any:
        """A value for an input no realised fact constrains: 0 (or a bound), False, the first choice..."""
        annotation, _lo, _hi = _cell_field(cell)
        if cell[0] == "path" and annotation is dt.date:
            return years_before(self.as_of, 5)
        if annotation is bool:
            return False
        if isinstance(annotation, type) and issubclass(annotation, Enum):
            return next(iter(annotation)).value
        if get_origin(annotation) is list:
            return []
        if self.rng is not None and self.pool and self.rng.random() < 0.8:
            fits = [v for v in self.pool if self.allowed(cell, v)]
            if fits:
                return self.rng.choice(fits)
        return _clamp(Fraction(0), *self.bounds(cell))

    def fill(self, names: list[str], limit: int = 6) -> None:
        """Give every input the facts ``names`` still lack a value (facts left unknown become known)."""
        for _ in range(limit):
            profile = self.profile()
            if profile is None:
                raise Unrealisable("profile not valid")
            missing = {
                p for fv in compute_facts(profile, self.as_of, names, self.params).values() if fv.value is None for p in fv.missing
            }
            if not missing:
                return
            for path in sorted(missing):
                cell = parse_input(path)
                value = self.default(cell)
                if isinstance(value, Fraction):
                    self.set(cell, value)
                else:
                    self.put_path(cell[1], value)
        raise Unrealisable("inputs still missing")


# --- Realisers, one per kind of formula ----------------------------------------------------------

Realiser = Callable[[Builder, Any, Any], None]
"""``(builder, formula, value)``: give the fact made by ``formula`` the value ``value``."""
REALISERS: dict[type[Formula], tuple[int, Realiser]] = {}
"""Kind of formula -> (stage, realiser). A kind missing here cannot be realised (the
random search of :mod:`eligibility.authoring.witness` may still find a profile)."""

PLAIN, DATES, BOUNDS, CELLS, GROWTH, SUMS, RATIOS, PARTS, SCORES = range(9)


def realiser(kind: type[Formula], stage: int) -> Callable[[Realiser], Realiser]:
    def register(fn: Realiser) -> Realiser:
        REALISERS[kind] = (stage, fn)
        return fn

    return register


def _years(b: Builder, years: int) -> list[int]:
    return list(range(b.last - years + 1, b.last + 1))


@realiser(Field, PLAIN)
def _r_field(b: Builder, formula: Field, value: Any) -> None:
    kind = FACTS[formula.path].kind
    if kind is FactKind.number:
        b.set(("path", formula.path), Fraction(value))
        return
    if kind is FactKind.set:
        value = sorted(value)
    b.put_path(formula.path, value)


@realiser(Elapsed, DATES)
def _r_elapsed(b: Builder, formula: Elapsed, value: Any) -> None:
    count = int(value)
    if count < 0:
        raise Unrealisable(f"negative {formula.unit}")
    if formula.unit == "years":
        b.date_within(formula.path, years_before(b.as_of, count + 1) + dt.timedelta(days=1), years_before(b.as_of, count))
        return
    if formula.unit != "months":
        raise Unrealisable(f"no way known to count {formula.unit}")
    hi = months_before(b.as_of, count)
    start = months_before(b.as_of, count + 1, 1)
    length = calendar.monthrange(start.year, start.month)[1]
    lo = start.replace(day=b.as_of.day + 1) if b.as_of.day < length else hi.replace(day=1)
    b.date_within(formula.path, lo, hi)


@realiser(YearsBetween, DATES)
def _r_years_between(b: Builder, formula: YearsBetween, value: Any) -> None:
    b.relations.append((formula.start, formula.end, int(value)))


@realiser(YearStart, DATES)
def _r_year_start(b: Builder, formula: YearStart, value: Any) -> None:
    if (value.month, value.day) != (1, 1):
        raise Unrealisable("not the first day of a year")
    b.set(("path", formula.path), value.year)


@realiser(YearsSinceYear, DATES)
def _r_years_since_year(b: Builder, formula: YearsSinceYear, value: Any) -> None:
    b.set(("path", formula.path), b.as_of.year - int(value))


@realiser(PositiveEachYear, BOUNDS)
def _r_positive(b: Builder, formula: PositiveEachYear, value: Any) -> None:
    cells = [fy(y, formula.attr) for y in _years(b, formula.years)]
    if value:
        for c in cells:
            b.bound(c, lo=Fraction(1))
        return
    if any(b.get(c) is not None and b.get(c) <= 0 for c in cells):  # type: ignore[operator]
        return
    for c in b.pick([c for c in cells if b.get(c) is None]):
        if b.attempt(partial(b.bound, c, hi=Fraction(0))):
            return
    raise Unrealisable("every year already positive")


@realiser(LastYear, CELLS)
def _r_last_year(b: Builder, formula: LastYear, value: Any) -> None:
    b.set(fy(b.last, formula.attr), Fraction(value))


Get = Callable[[int], Fraction | None]
Put = Callable[[int, Fraction], None]


def _attr(b: Builder, attr: str) -> tuple[Get, Put]:
    return (lambda y: b.get(fy(y, attr))), (lambda y, v: b.set(fy(y, attr), v))


def _average_growth(b: Builder, get: Get, put: Put, value: Any, positive_base: bool) -> None:
    """Three years of a series whose average yearly growth ((v1/v0 + v2/v1)/2 - 1) is ``value``.

    ``get``/``put`` read and write the series by year. Undefined growth (a ratio over
    zero): a zero base (or, with ``positive_base``, a non-positive one).
    """
    y0, y1, y2 = _years(b, 3)
    frac = fraction(value)
    if frac is None:
        for y in b.pick([y0, y1]):
            got = get(y)
            if got is None:
                if b.attempt(partial(put, y, Fraction(0))):
                    return
            elif got == 0 or (positive_base and got < 0):
                return
        raise Unrealisable("growth base already set")
    g = frac
    v0, v1, v2 = get(y0), get(y1), get(y2)
    if v0 is None and v1 is None:
        if v2 is None:
            v0 = Fraction(b.scale(10_000_000 // g.denominator**2 or 1) * g.denominator**2)
            v1 = v0 * b.pick([Fraction(1), 1 + g, Fraction(2)])[0]
        else:
            if 1 + 2 * g <= 0:
                raise Unrealisable("growth unreachable from this latest value")
            v0 = v1 = v2 / (1 + 2 * g)
    elif v0 is None:
        v0 = v1
    elif v1 is None:
        v1 = v0
    assert v0 is not None and v1 is not None
    if v0 == 0 or v1 == 0 or (positive_base and (v0 < 0 or v1 < 0)):
        raise Unrealisable("growth over a zero or negative base")
    if v2 is None:
        v2 = v1 * (2 * (1 + g) - v1 / v0)
    for y, v in ((y0, v0), (y1, v1), (y2, v2)):
        if get(y) is None:
            put(y, v)
    if Fraction(v1 * v1 + v2 * v0 - 2 * v0 * v1, 2 * v0 * v1) != g:
        raise Unrealisable("growth already fixed otherwise")


@realiser(AverageGrowth, GROWTH)
def _r_average_growth(b: Builder, formula: AverageGrowth, value: Any) -> None:
    _average_growth(b, *_attr(b, formula.attr), value, positive_base=formula.positive_base)


@realiser(GrowthFactor, GROWTH)
def _r_growth_factor(b: Builder, formula: GrowthFactor, value: Any) -> None:
    b.ratio([fy(b.last, formula.attr)], [fy(b.last - 2, formula.attr)], value)


@realiser(SumOverYears, SUMS)
def _r_sum_over_years(b: Builder, formula: SumOverYears, value: Any) -> None:
    b.distribute([fy(y, formula.attr) for y in _years(b, formula.years)], Fraction(value))


def _window(b: Builder, years: int) -> list[int]:
    reg = b.get_path("registration_date")
    if reg is None:
        reg = dt.date(b.last - years - 1, 1, 1)
        b.put_path("registration_date", reg)
    if isinstance(reg, str):
        reg = dt.date.fromisoformat(reg)
    return list(range(max(b.last - years + 1, reg.year), b.last + 1))


@realiser(RatioOverYears, RATIOS)
def _r_ratio_over_years(b: Builder, formula: RatioOverYears, value: Any) -> None:
    years = _window(b, formula.years) if formula.from_registration else _years(b, formula.years)
    if not years:  # registered in the year of evaluation: no fiscal year, a ratio over zero
        if fraction(value) is None:
            return
        raise Unrealisable("no fiscal year in the window")
    b.ratio([fy(y, formula.num) for y in years], [fy(y, formula.den) for y in years], value)


@realiser(FieldRatio, RATIOS)
def _r_field_ratio(b: Builder, formula: FieldRatio, value: Any) -> None:
    b.ratio([("path", formula.num)], [("path", formula.den)], value)


# --- Scores read from points tables ----------------------------------------------------------


def band_inputs(b: Builder, table: str, ratio: bool) -> list[tuple[Any, Decimal]]:
    """Inputs at, just above and just below each band of a points table, with the points each scores."""
    param = b.params.get(table)
    if param is None or param.points is None:
        raise Unrealisable(f"no points table {table}")
    step = BP if ratio else Decimal(1)
    values = {Decimal(0)}
    for band in param.points:
        values.update((Decimal(band.min), Decimal(band.min) + step, Decimal(band.min) - step))
    out = []
    for v in sorted(v for v in values if v >= 0):
        x: Any = Ratio(v / BP, Decimal(10_000)) if ratio else v
        pts = b.points(table, x)
        assert pts is not None
        out.append((x, pts))
    return out


def _inputs(b: Builder, table: str, fact: str) -> list[tuple[Any, Decimal]]:
    """:func:`band_inputs` for a table scoring the fact ``fact``."""
    return band_inputs(b, table, ratio=FACTS[fact].kind is FactKind.ratio)


def _part(b: Builder, name: str, want: Decimal, options: list[tuple[Any, ...]], apply: Callable[[tuple[Any, ...]], None]) -> None:
    """Try the input choices in ``options`` until the fact ``name`` scores ``want``."""
    for option in b.pick(options):

        def go(option: tuple[Any, ...] = option) -> None:
            apply(option)
            b.fill([name])
            if b.current(name) != want:
                raise Unrealisable("score part not reached")

        if b.attempt(go):
            return
    raise Unrealisable(f"{name} cannot score {want}")


def _scored_by(formula: Formula) -> str:
    """The name of the fact a score part's formula is realised for (its only score fact)."""
    return next(spec.name for spec in COMPUTED if spec.formula is formula)


@realiser(Points, PARTS)
def _r_points(b: Builder, formula: Points, value: Any) -> None:
    want = Decimal(value)
    options = [(x,) for x, p in _inputs(b, formula.table, formula.input) if p == want]
    _part(b, _scored_by(formula), want, options, lambda o: realise_fact(b, FACTS[formula.input], o[0]))


def _zero(value: Any) -> bool:
    return fraction(value) == 0


@realiser(BestPoints, PARTS)
def _r_best_points(b: Builder, formula: BestPoints, value: Any) -> None:
    """One input reaches ``value``, the others no more; an option with the lowest input of
    one table is tried first."""
    want = Decimal(value)
    lists = [_inputs(b, table, fact) for table, fact in formula.scored]
    facts = [fact for _t, fact in formula.scored]
    options = [tuple(x for x, _p in combo) for combo in product(*lists) if max(p for _x, p in combo) == want]
    options.sort(key=lambda o: 0 if any(x == lst[0][0] for x, lst in zip(o, lists, strict=True)) else 1)

    def apply(option: tuple[Any, ...]) -> None:
        # a fact with a non-zero input first: the others (ratios sharing its numerator) adapt to it
        pairs = sorted(zip(facts, option, strict=True), key=lambda pair: _zero(pair[1]))
        for fact, x in pairs:
            realise_fact(b, FACTS[fact], x)

    _part(b, _scored_by(formula), want, options, apply)


def _series_get(b: Builder, plus: str, minus: str | None) -> Get:
    def get(y: int) -> Fraction | None:
        a = b.get(fy(y, plus))
        if minus is None:
            return a
        c = b.get(fy(y, minus))
        return None if a is None or c is None else a - c

    return get


def _r_growth_series(b: Builder, plus: str, minus: str | None, rate: Any) -> None:
    """Three years of a series (a figure, or a figure less another, the latter 0 where not
    set) growing at ``rate`` (the 工作指引 formula)."""
    if minus is None:
        _average_growth(b, *_attr(b, plus), rate, positive_base=True)
        return
    for y in _years(b, 3):
        if b.get(fy(y, minus)) is None:
            b.set(fy(y, minus), 0)

    def put(y: int, v: Fraction) -> None:
        b.set(fy(y, plus), v + (b.get(fy(y, minus)) or 0))

    _average_growth(b, _series_get(b, plus, minus), put, rate, positive_base=True)


def _series_points(b: Builder, table: str, plus: str, minus: str | None) -> Decimal | None:
    """The growth points a series scores if its three years are all set already."""
    get = _series_get(b, plus, minus)
    values = [get(y) for y in _years(b, 3)]
    if any(v is None for v in values):
        return None
    rate = hnte_growth_rate(*(int(v) for v in values))  # type: ignore[arg-type]
    return Decimal(0) if rate is None else b.points(table, rate)


@realiser(GrowthPoints, PARTS)
def _r_growth_points(b: Builder, formula: GrowthPoints, value: Any) -> None:
    want = Decimal(value)
    rates: list[tuple[Any, Decimal]] = [(x, p) for x, p in band_inputs(b, formula.table, ratio=True) if x.num > 0 or p == 0]
    choices: list[list[tuple[Any, Decimal]]] = []
    for plus, minus in formula.series:
        points = _series_points(b, formula.table, plus, minus)
        choices.append([(None, points)] if points is not None else rates)
    options = [tuple(x for x, _p in combo) for combo in product(*choices) if sum(p for _x, p in combo) == want]
    options.sort(key=lambda o: tuple(0 if x is None else x.num for x in o))

    def apply(o: tuple[Any, ...]) -> None:
        for (plus, minus), rate in zip(formula.series, o, strict=True):
            if rate is not None:
                _r_growth_series(b, plus, minus, rate)

    _part(b, _scored_by(formula), want, options, apply)


def _split(b: Builder, cells: list[tuple[Cell, int]], total: int) -> None:
    """Points for self-assessed parts (each within its cap) adding up to ``total``."""
    free = []
    for cell, cap in cells:
        got = b.get(cell)
        if got is None:
            free.append((cell, cap))
        else:
            total -= int(got)
    if total < 0 or total > sum(cap for _c, cap in free):
        raise Unrealisable("self-assessed points out of reach")
    for cell, cap in b.pick(free):
        take = min(cap, total)
        b.set(cell, take)
        total -= take


def _points_set(b: Builder, table: str) -> set[Decimal]:
    param = b.params.get(table)
    if param is None or param.points is None:
        raise Unrealisable(f"no points table {table}")
    return {Decimal(0)} | {Decimal(band.points) for band in param.points}


def _possible(b: Builder, formula: Formula) -> set[Decimal]:
    """The scores a score part's formula can give."""
    if isinstance(formula, (Points, BestPoints)):
        return set().union(*(_points_set(b, t) for t in formula.tables()))
    if isinstance(formula, GrowthPoints):
        each = _points_set(b, formula.table)
        return {sum(combo, Decimal(0)) for combo in product(each, repeat=len(formula.series))}
    raise Unrealisable(f"no way known to choose a value for a {formula.kind} part")


@realiser(Total, SCORES)
def _r_total(b: Builder, formula: Total, value: Any) -> None:
    """Scores for the computed parts (from the scores each can give) and, for the parts
    that are profile fields (self-assessed points), a split of the rest within their caps."""
    want = Decimal(value)
    fields = [("path", p) for p in formula.parts if not FACTS[p].computed]
    parts = [p for p in formula.parts if FACTS[p].computed]
    if fields and want != int(want):
        raise Unrealisable("fractional score")
    caps = [(c, int(_cell_field(c)[2] or 0)) for c in fields]
    choices: list[list[Decimal]] = []
    for name in parts:
        got = b.current(name)
        # with fields to take the rest, the smallest parts first (they constrain least);
        # without, the parts must add up exactly: the largest first
        choices.append([got] if got is not None else sorted(_possible(b, FACTS[name].formula), reverse=not fields))
    room = sum(cap for _c, cap in caps)
    combos = [c for c in product(*choices) if (0 <= want - sum(c) <= room if fields else sum(c) == want)]
    for combo in b.pick(combos)[:20]:

        def go(combo: tuple[Decimal, ...] = combo) -> None:
            for name, pts in zip(parts, combo, strict=True):
                if b.current(name) is None:
                    realise_fact(b, FACTS[name], pts)
            if fields:
                _split(b, caps, int(want - sum(combo)))

        if b.attempt(go):
            return
    raise Unrealisable(f"{_scored_by(formula)} out of reach")


# --- Realising fact values ------------------------------------------------------------------------


def stage(name: str) -> int:
    """When a fact is realised: plain fields first, scores last (see the module's docstring)."""
    return REALISERS.get(type(FACTS[name].formula), (SCORES + 1, None))[0]


def realise_fact(b: Builder, spec: FactSpec, value: Any) -> None:
    """Give fact ``spec`` the value ``value`` in the data being built (raises :class:`Unrealisable`)."""
    found = REALISERS.get(type(spec.formula))
    if found is None:
        raise Unrealisable(f"no way known to set the computed fact {spec.name}")
    found[1](b, spec.formula, value)


def same(spec: FactSpec, got: Any, want: Any) -> bool:
    if spec.kind is FactKind.ratio:
        return isinstance(got, Ratio) and fraction(got) == fraction(want)
    if spec.kind is FactKind.number:
        return got is not None and Decimal(got) == Decimal(want)
    return got == want


def _ratio_terms(name: str) -> tuple[str, str] | None:
    """(numerator, denominator) field of a ratio fact, or None."""
    formula = FACTS[name].formula
    if isinstance(formula, (RatioOverYears, FieldRatio)):
        return formula.num, formula.den
    return None


def order(names: list[str], rng: random.Random | None = None) -> list[str]:
    """The order to realise facts in: by stage; within a stage by name (or at random), except
    that a ratio whose denominator is another ratio's numerator (R&D domestic / R&D after
    R&D / revenue) comes after it, so that it adapts to the figures chosen."""
    out = sorted(names, key=lambda n: (stage(n), n if rng is None else rng.random()))
    ratios = [n for n in out if stage(n) == RATIOS and _ratio_terms(n) is not None]
    rest = list(ratios)
    ordered: list[str] = []
    while rest:
        nums = {_ratio_terms(n)[0] for n in rest}  # type: ignore[index]
        pick = next((n for n in rest if _ratio_terms(n)[1] not in nums), rest[0])  # type: ignore[index]
        ordered.append(pick)
        rest.remove(pick)
    slots = iter(ordered)
    return [next(slots) if n in ratios else n for n in out]


def build(
    env: Mapping[str, Any],
    as_of: dt.date,
    base: dict[str, Any] | None = None,
    params: Mapping[str, ParameterValue] | None = None,
    rng: random.Random | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
    lenient: bool = False,
    pool: list[Fraction] | None = None,
) -> Builder:
    """Profile data whose facts take the values of ``env`` (raises :class:`Unrealisable`).

    ``skip``: facts not to realise (fixed by the date). ``lenient``: a fact that cannot
    be realised is left to the filling in of inputs rather than failing (the caller
    checks what the profile gives); with ``rng`` and ``pool``, inputs are filled in
    with numbers drawn from ``pool``.
    """
    b = Builder(copy.deepcopy(base) if base else {}, as_of, params or {}, rng, pool=list(pool or []))
    names = [n for n in env if n not in skip]
    resolved = False
    for name in order(names, rng):
        if not resolved and stage(name) > DATES:
            b.resolve_dates()
            resolved = True
        if lenient:
            b.attempt(partial(realise_fact, b, FACTS[name], env[name]))
        else:
            realise_fact(b, FACTS[name], env[name])
    if not resolved:
        b.resolve_dates()
    b.fill(names)
    return b
