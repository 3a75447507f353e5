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

Each kind of computed fact has a *realiser* (keyed by the factory in
:mod:`eligibility._facts` that made the fact) that chooses the cells the fact reads
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

from .. import _facts
from .._dates import shift
from .._facts import FACTS, FactContext, FactKind, FactSpec, Ratio, compute_facts, whole_years
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


def closure(spec: FactSpec) -> tuple[str, dict[str, Any]]:
    """The factory of facts.py a computed fact was made with (or its function's name), and its arguments."""
    fn = spec.compute
    qual = getattr(fn, "__qualname__", "")
    cells = getattr(fn, "__closure__", None) or ()
    names = getattr(getattr(fn, "__code__", None), "co_freevars", ())
    return qual.split(".<locals>")[0], {n: c.cell_contents for n, c in zip(names, cells, strict=False)}


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
        return FactContext(EnterpriseProfile(name="-"), self.as_of, params=self.params).points(table, value)

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


# --- Realisers, by factory ---------------------------------------------------------------------

Realiser = Callable[[Builder, Any, dict[str, Any]], None]
REALISERS: dict[str, tuple[int, Realiser]] = {}
"""Factory (or function) name in facts.py -> (stage, realiser)."""

PLAIN, DATES, BOUNDS, CELLS, GROWTH, SUMS, RATIOS, PARTS, SCORES = range(9)


def realiser(name: str, stage: int) -> Callable[[Realiser], Realiser]:
    def register(fn: Realiser) -> Realiser:
        REALISERS[name] = (stage, fn)
        return fn

    return register


def _years(b: Builder, years: int) -> list[int]:
    return list(range(b.last - years + 1, b.last + 1))


@realiser("_years_since", DATES)
def _r_years_since(b: Builder, value: Any, args: dict[str, Any]) -> None:
    years = int(value)
    if years < 0:
        raise Unrealisable("negative years")
    b.date_within(args["path"], years_before(b.as_of, years + 1) + dt.timedelta(days=1), years_before(b.as_of, years))


@realiser("_months_since", DATES)
def _r_months_since(b: Builder, value: Any, args: dict[str, Any]) -> None:
    months = int(value)
    if months < 0:
        raise Unrealisable("negative months")
    hi = months_before(b.as_of, months)
    start = months_before(b.as_of, months + 1, 1)
    length = calendar.monthrange(start.year, start.month)[1]
    lo = start.replace(day=b.as_of.day + 1) if b.as_of.day < length else hi.replace(day=1)
    b.date_within(args["path"], lo, hi)


@realiser("_return_to_registration", DATES)
def _r_return_to_registration(b: Builder, value: Any, args: dict[str, Any]) -> None:
    b.relations.append(("founder.return_date", "registration_date", int(value)))


@realiser("_year_start", DATES)
def _r_year_start(b: Builder, value: Any, args: dict[str, Any]) -> None:
    if (value.month, value.day) != (1, 1):
        raise Unrealisable("not the first day of a year")
    b.set(("path", args["path"]), value.year)


@realiser("_kxz_age", DATES)
def _r_kxz_age(b: Builder, value: Any, args: dict[str, Any]) -> None:
    b.set(("path", "certifications.kxz_registration_year"), b.as_of.year - int(value))


@realiser("_positive_each_year", BOUNDS)
def _r_positive(b: Builder, value: Any, args: dict[str, Any]) -> None:
    cells = [fy(y, args["attr"]) for y in _years(b, args["years"])]
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


@realiser("_last_year", CELLS)
def _r_last_year(b: Builder, value: Any, args: dict[str, Any]) -> None:
    b.set(fy(b.last, args["attr"]), Fraction(value))


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


@realiser("_revenue_growth_2y", GROWTH)
def _r_revenue_growth(b: Builder, value: Any, args: dict[str, Any]) -> None:
    _average_growth(b, *_attr(b, "operating_revenue"), value, positive_base=False)


@realiser("_profit_growth_2y", GROWTH)
def _r_profit_growth(b: Builder, value: Any, args: dict[str, Any]) -> None:
    _average_growth(b, *_attr(b, "total_profit"), value, positive_base=True)


@realiser("_revenue_growth_factor_3y", GROWTH)
def _r_growth_factor(b: Builder, value: Any, args: dict[str, Any]) -> None:
    b.ratio([fy(b.last, "operating_revenue")], [fy(b.last - 2, "operating_revenue")], value)


@realiser("_sum_years", SUMS)
def _r_sum_years(b: Builder, value: Any, args: dict[str, Any]) -> None:
    b.distribute([fy(y, args["attr"]) for y in _years(b, args["years"])], Fraction(value))


def _window(b: Builder, years: int) -> list[int]:
    reg = b.get_path("registration_date")
    if reg is None:
        reg = dt.date(b.last - years - 1, 1, 1)
        b.put_path("registration_date", reg)
    if isinstance(reg, str):
        reg = dt.date.fromisoformat(reg)
    return list(range(max(b.last - years + 1, reg.year), b.last + 1))


def _year_ratio(b: Builder, years: list[int], num: str, den: str, value: Any) -> None:
    if not years:  # registered in the year of evaluation: no fiscal year, a ratio over zero
        if fraction(value) is None:
            return
        raise Unrealisable("no fiscal year in the window")
    b.ratio([fy(y, num) for y in years], [fy(y, den) for y in years], value)


@realiser("_ratio_last_year", RATIOS)
def _r_ratio_last_year(b: Builder, value: Any, args: dict[str, Any]) -> None:
    _year_ratio(b, [b.last], args["num_attr"], args["den_attr"], value)


@realiser("_ratio_window", RATIOS)
def _r_ratio_window(b: Builder, value: Any, args: dict[str, Any]) -> None:
    _year_ratio(b, _window(b, args["years"]), args["num_attr"], args["den_attr"], value)


@realiser("_ratio_years", RATIOS)
def _r_ratio_years(b: Builder, value: Any, args: dict[str, Any]) -> None:
    _year_ratio(b, _years(b, args["years"]), args["num_attr"], args["den_attr"], value)


@realiser("_ratio_paths", RATIOS)
def _r_ratio_paths(b: Builder, value: Any, args: dict[str, Any]) -> None:
    b.ratio([("path", args["num_path"])], [("path", args["den_path"])], value)


@realiser("_st_staff_share", RATIOS)
def _r_st_staff_share(b: Builder, value: Any, args: dict[str, Any]) -> None:
    b.ratio([("path", "st_staff")], [("path", "staff_total")], value)


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


def _best_of_two(b: Builder, name: str, want: Decimal, a: list[tuple[Any, Decimal]], c: list[tuple[Any, Decimal]], apply: Callable[[Any, Any], None]) -> None:
    """A part scored as the better of two tables: one input reaches ``want``, the other no more."""
    options = [(x, y) for (x, px), (y, py) in product(a, c) if max(px, py) == want]
    options.sort(key=lambda o: 0 if o[1] == c[0][0] or o[0] == a[0][0] else 1)  # a zero input first
    _part(b, name, want, [tuple(o) for o in options], lambda o: apply(o[0], o[1]))


@realiser("_kxz_st_staff_points", PARTS)
def _r_kxz_st_staff_points(b: Builder, value: Any, args: dict[str, Any]) -> None:
    want = Decimal(value)
    options = [(x,) for x, p in band_inputs(b, "kxz.st_staff_points", ratio=True) if p == want]
    _part(b, "kxz_st_staff_points", want, options, lambda o: realise_fact(b, FACTS["st_staff_share"], o[0]))


@realiser("_kxz_rd_points", PARTS)
def _r_kxz_rd_points(b: Builder, value: Any, args: dict[str, Any]) -> None:
    rev = band_inputs(b, "kxz.rd_revenue_points", ratio=True)
    cost = band_inputs(b, "kxz.rd_cost_points", ratio=True)

    def apply(x: Any, y: Any) -> None:
        # the latter ratio adapts to the R&D expense the first one chose
        first, second = (("rd_intensity_last_year", x), ("rd_to_cost_last_year", y))
        if x.num == 0 and y.num != 0:
            first, second = second, first
        realise_fact(b, FACTS[first[0]], first[1])
        realise_fact(b, FACTS[second[0]], second[1])

    _best_of_two(b, "kxz_rd_points", Decimal(value), rev, cost, apply)


@realiser("_kxz_ip_points", PARTS)
def _r_kxz_ip_points(b: Builder, value: Any, args: dict[str, Any]) -> None:
    one = band_inputs(b, "kxz.ip_class_i_points", ratio=False)
    two = band_inputs(b, "kxz.ip_class_ii_points", ratio=False)

    def apply(x: Any, y: Any) -> None:
        b.set(("path", "ip.class_i"), x)
        b.set(("path", "ip.class_ii"), y)

    _best_of_two(b, "kxz_ip_points", Decimal(value), one, two, apply)


def _r_growth_series(b: Builder, series: str, rate: Any) -> None:
    """Three years of net assets (assets - liabilities) or of sales growing at ``rate`` (the 工作指引 formula)."""
    if series == "sales":
        _average_growth(b, *_attr(b, "operating_revenue"), rate, positive_base=True)
        return
    for y in _years(b, 3):
        if b.get(fy(y, "total_liabilities")) is None:
            b.set(fy(y, "total_liabilities"), 0)

    def get(y: int) -> Fraction | None:
        assets, debts = b.get(fy(y, "total_assets")), b.get(fy(y, "total_liabilities"))
        return None if assets is None or debts is None else assets - debts

    def put(y: int, v: Fraction) -> None:
        b.set(fy(y, "total_assets"), v + (b.get(fy(y, "total_liabilities")) or 0))

    _average_growth(b, get, put, rate, positive_base=True)


def _series_points(b: Builder, series: str) -> Decimal | None:
    """The growth points a series scores if its three years are all set already."""
    values = []
    for y in _years(b, 3):
        if series == "sales":
            v = b.get(fy(y, "operating_revenue"))
        else:
            assets, debts = b.get(fy(y, "total_assets")), b.get(fy(y, "total_liabilities"))
            v = None if assets is None or debts is None else assets - debts
        if v is None:
            return None
        values.append(int(v))
    rate = _facts._hnte_growth_rate(*values)
    return Decimal(0) if rate is None else b.points("hnte.growth_points", rate)


@realiser("_hnte_growth_points", PARTS)
def _r_hnte_growth_points(b: Builder, value: Any, args: dict[str, Any]) -> None:
    want = Decimal(value)
    rates: list[tuple[Any, Decimal]] = [(x, p) for x, p in band_inputs(b, "hnte.growth_points", ratio=True) if x.num > 0 or p == 0]
    fixed = {series: _series_points(b, series) for series in ("net", "sales")}
    choices: list[list[tuple[Any, Decimal]]] = []
    for series in ("net", "sales"):
        points = fixed[series]
        choices.append([(None, points)] if points is not None else rates)
    options = [(x, y) for (x, px), (y, py) in product(*choices) if px + py == want]
    options.sort(key=lambda o: (0 if o[0] is None else o[0].num, 0 if o[1] is None else o[1].num))

    def apply(o: tuple[Any, ...]) -> None:
        for series, rate in zip(("net", "sales"), o, strict=True):
            if rate is not None:
                _r_growth_series(b, series, rate)

    _part(b, "hnte_growth_points", want, [tuple(o) for o in options], apply)


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


@realiser("_hnte_innovation_score", SCORES)
def _r_hnte_innovation_score(b: Builder, value: Any, args: dict[str, Any]) -> None:
    want = Decimal(value)
    if want != int(want):
        raise Unrealisable("fractional score")
    parts = [("path", f"hnte_self_assessment.{p}") for p in ("ip_points", "transfer_points", "organisation_points")]
    caps = [(c, int(_cell_field(c)[2] or 0)) for c in parts]
    growth = b.current("hnte_growth_points")
    options = [growth] if growth is not None else sorted({Decimal(0)} | {x + y for x in _points_set(b, "hnte.growth_points") for y in _points_set(b, "hnte.growth_points")})
    for g in b.pick(options):

        def go(g: Decimal = g) -> None:
            if growth is None:
                realise_fact(b, FACTS["hnte_growth_points"], g)
            _split(b, caps, int(want - g))

        if b.attempt(go):
            return
    raise Unrealisable("innovation score out of reach")


def _points_set(b: Builder, table: str) -> set[Decimal]:
    param = b.params.get(table)
    if param is None or param.points is None:
        raise Unrealisable(f"no points table {table}")
    return {Decimal(0)} | {Decimal(band.points) for band in param.points}


@realiser("_kxz_score", SCORES)
def _r_kxz_score(b: Builder, value: Any, args: dict[str, Any]) -> None:
    want = Decimal(value)
    parts = {
        "kxz_st_staff_points": ("kxz.st_staff_points",),
        "kxz_rd_points": ("kxz.rd_revenue_points", "kxz.rd_cost_points"),
        "kxz_ip_points": ("kxz.ip_class_i_points", "kxz.ip_class_ii_points"),
    }
    choices: list[list[Decimal]] = []
    for name, tables in parts.items():
        got = b.current(name)
        choices.append([got] if got is not None else sorted(set().union(*(_points_set(b, t) for t in tables)), reverse=True))
    combos = [c for c in product(*choices) if sum(c) == want]
    for combo in b.pick(combos)[:20]:

        def go(combo: tuple[Decimal, ...] = combo) -> None:
            for (name, _t), pts in zip(parts.items(), combo, strict=True):
                if b.current(name) is None:
                    realise_fact(b, FACTS[name], pts)

        if b.attempt(go):
            return
    raise Unrealisable("score out of reach")


# --- Realising fact values ------------------------------------------------------------------------

COMPUTED = {spec.name for spec in _facts.COMPUTED}


def stage(name: str) -> int:
    """When a fact is realised: plain fields first, scores last (see the module's docstring)."""
    if name not in COMPUTED:
        return PLAIN
    factory, _args = closure(FACTS[name])
    return REALISERS.get(factory, (SCORES + 1, None))[0]


def realise_fact(b: Builder, spec: FactSpec, value: Any) -> None:
    """Give fact ``spec`` the value ``value`` in the data being built (raises :class:`Unrealisable`)."""
    name = spec.name
    if name not in COMPUTED:
        if spec.kind is FactKind.number:
            b.set(("path", name), Fraction(value))
            return
        if spec.kind is FactKind.set:
            value = sorted(value)
        b.put_path(name, value)
        return
    factory, args = closure(spec)
    if factory not in REALISERS:
        raise Unrealisable(f"no way known to set the computed fact {name}")
    REALISERS[factory][1](b, value, args)


def same(spec: FactSpec, got: Any, want: Any) -> bool:
    if spec.kind is FactKind.ratio:
        return isinstance(got, Ratio) and fraction(got) == fraction(want)
    if spec.kind is FactKind.number:
        return got is not None and Decimal(got) == Decimal(want)
    return got == want


def _ratio_terms(name: str) -> tuple[str, str] | None:
    """(numerator, denominator) field of a ratio fact, or None."""
    factory, args = closure(FACTS[name])
    if "num_attr" in args:
        return args["num_attr"], args["den_attr"]
    if "num_path" in args:
        return args["num_path"], args["den_path"]
    if factory == "_st_staff_share":
        return "st_staff", "staff_total"
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
