"""What a date condition means: the one definition the engine compiler, the explanation,
gaps, ``changes_on``, witnesses and lint all use.

**Anniversaries.** A date moved N years or months later falls on the same day of the
month; when that month has no such day (29 February in a common year, 31 January plus
one month), it falls on the month's last day. This is the rule of 《中华人民共和国民法典》
第二百零二条 ("按照年、月计算期间的，到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的
最后一日"): it is how Chinese law counts periods in years and months, and it keeps a
window of N years from 29 February within N years (28 February, never 1 March).
Days are added as days.

**Windows.** "within N years of D" opens on D and closes on D moved N years later; the
closing day is in the window or not as the source words it (以内、不超过 include it;
"有效期为三年" counted from the day of issue ends the day before). A date before the
opening day is never within: negative time is not "within five years".

**Not yet.** The evaluation date is the present. A date of the profile after it (a
certificate not yet issued, a return after the evaluation date) makes every date
condition reading it not met, whatever it compares.

Three-valued like every condition: unknown (``None``) while a date it reads is unknown
and no profile date it reads is already "not yet".
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Literal

from ._semantics import Truth

AS_OF = "as_of"
"""The name of the evaluation date in date conditions."""
HORIZON_YEARS = 10
"""How far ahead changes by time alone are looked for."""

Unit = Literal["years", "months", "days"]
UNITS: tuple[Unit, ...] = ("years", "months", "days")


_today: tuple[float, float, date] = (0.0, 0.0, date.min)
"""The local day last read from the clock, and the timestamps of its first and next midnights."""


def today() -> date:
    """``date.today()``, read from the C library once per local day: the profile's checks
    that no date lies in the future ask for it for every dated field and fiscal year, and
    each asking costs about a microsecond (the time zone looked up again), several
    percent of validating a profile. The clock itself is read on every call: the day
    changes at local midnight, and a clock set back is followed."""
    global _today
    now = time.time()
    start, end, day = _today
    if start <= now < end:
        return day
    day = date.today()
    midnight = datetime.combine(day, datetime.min.time())
    _today = (midnight.timestamp(), (midnight + timedelta(days=1)).timestamp(), day)
    return day


def shift(day: date, unit: Unit, amount: int) -> date:
    """``day`` moved ``amount`` units (later; earlier if negative), by the anniversary rule above."""
    if unit == "days":
        return day + timedelta(days=amount)
    months = amount * 12 if unit == "years" else amount
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if day.day <= 28:  # every month has the day
        return date(year, month + 1, day.day)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def day_number_mover(unit: Unit, amount: int) -> Callable[[date], int]:
    """``lambda day: shift(day, unit, amount).toordinal()``, made once for a moved date the
    engine compares with (its day number is posted for every profile): :func:`shift`'s
    steps with the unit and amount already looked at."""
    if unit == "days":

        def days(day: date) -> int:
            moved = day.toordinal() + amount
            return moved if 0 < moved <= _LAST_DAY else shift(day, unit, amount).toordinal()  # (raises)

        return days
    months = amount * 12 if unit == "years" else amount

    def by_months(day: date) -> int:
        if day.day <= 28:  # every month has the day
            year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
            return date(year, month + 1, day.day).toordinal()
        return shift(day, unit, amount).toordinal()

    return by_months


_LAST_DAY = date.max.toordinal()


def whole_units(since: date, on: date, unit: Unit) -> int:
    """How many whole years / months / days from ``since`` to ``on``: the largest n with
    ``shift(since, n) <= on`` (negative when ``on`` is before ``since``)."""
    if unit == "days":
        return (on - since).days
    if unit == "years":
        n = on.year - since.year
    else:
        n = (on.year - since.year) * 12 + on.month - since.month
    # ``since`` moved n units falls in the year (month) of ``on``: n + 1 units fall after
    # ``on`` and n - 1 before it, so n is the answer unless it falls after ``on``.
    return n if shift(since, unit, n) <= on else n - 1


class Relation(StrEnum):
    """How a date condition relates its date to the other."""

    on_or_after = "on_or_after"
    after = "after"
    on_or_before = "on_or_before"
    before = "before"
    within = "within"


@dataclass(frozen=True)
class Term:
    """A date in a condition: a fixed ``day``, or the date named ``name`` (the evaluation
    date or a date of the profile), moved ``amount`` ``unit`` later."""

    name: str | None = None
    day: date | None = None
    unit: Unit | None = None
    amount: int = 0

    @property
    def shifted(self) -> bool:
        return self.unit is not None and self.amount != 0

    @property
    def key(self) -> str:
        """The engine attribute holding this date as a day number (names only)."""
        assert self.name is not None
        base = self.name.replace(".", "__")
        return f"{base}__{self.unit}_{self.amount}" if self.shifted else base

    def of(self, dates: Mapping[str, date | None]) -> date | None:
        """Its value for the named dates ``dates`` (None if the date it names is unknown)."""
        if self.name is None:
            assert self.day is not None
            base: date | None = self.day
        else:
            base = dates.get(self.name)
        if base is None or not self.shifted:
            return base
        assert self.unit is not None
        return shift(base, self.unit, self.amount)

    def constant(self) -> date | None:
        """Its value when it names no date (a fixed day, possibly moved)."""
        return self.of({}) if self.name is None else None


@dataclass(frozen=True)
class DateTest:
    """``subject relation anchor`` (or ``subject within [anchor, end]``), resolved: the
    terms' parameters replaced by the values in force."""

    subject: Term
    relation: Relation
    anchor: Term
    end: Term | None = None
    """For ``within``: the closing day."""
    end_included: bool = False

    @cached_property
    def terms(self) -> tuple[Term, ...]:
        return (self.subject, self.anchor) + ((self.end,) if self.end is not None else ())

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Every named date it reads, once each; always the evaluation date ("not yet" is
        decided against it)."""
        return tuple(dict.fromkeys([AS_OF, *(t.name for t in self.terms if t.name is not None)]))

    @cached_property
    def profile_dates(self) -> tuple[str, ...]:
        """The dates of the profile it reads (each is "not yet" when after the evaluation date)."""
        return tuple(n for n in self.names if n != AS_OF)

    def holds(self, dates: Mapping[str, date | None]) -> bool:
        """The comparison itself, every date known."""
        s, a = self.subject.of(dates), self.anchor.of(dates)
        assert s is not None and a is not None
        if self.relation is Relation.on_or_after:
            return s >= a
        if self.relation is Relation.after:
            return s > a
        if self.relation is Relation.on_or_before:
            return s <= a
        if self.relation is Relation.before:
            return s < a
        assert self.end is not None
        e = self.end.of(dates)
        assert e is not None
        return a <= s and (s <= e if self.end_included else s < e)

    def truth(self, dates: Mapping[str, date | None]) -> Truth:
        """Met, not met, or unknown, for the named dates (``dates[AS_OF]``: the evaluation date)."""
        today = dates[AS_OF]
        assert today is not None
        unknown = False
        for name in self.profile_dates:
            value = dates.get(name)
            if value is None:
                unknown = True
            elif value > today:
                return False  # not yet
        if unknown:
            return None
        return self.holds(dates)

    @cached_property
    def _moving(self) -> tuple[tuple[Term, Term, bool], ...]:
        """For :func:`change_days`, each comparison with one side moving with the evaluation
        date: the fixed side, the moving side, and whether the comparison changes the day
        after the mover reaches the fixed date (else on it). With the mover on the left of
        ``left <= right`` (strict: ``<``) the comparison stops holding once the mover passes
        the fixed date; on the right it starts holding once the mover reaches it (passes it,
        strict)."""
        out = []
        for left, right, strict in self._comparisons:
            on_left, on_right = left.name == AS_OF, right.name == AS_OF
            if on_left != on_right:  # not both fixed, nor both moving together
                out.append((right, left, not strict) if on_left else (left, right, strict))
        return tuple(out)

    def comparisons(self) -> list[tuple[Term, Term, bool]]:
        """Every comparison the test is made of, as (left, right, strict): left <= right
        (left < right if strict). The "not yet" checks come first."""
        return list(self._comparisons)

    @cached_property
    def _comparisons(self) -> tuple[tuple[Term, Term, bool], ...]:
        out = [(Term(name), Term(AS_OF), False) for name in self.profile_dates]
        s, a = self.subject, self.anchor
        if self.relation is Relation.on_or_after:
            out.append((a, s, False))
        elif self.relation is Relation.after:
            out.append((a, s, True))
        elif self.relation is Relation.on_or_before:
            out.append((s, a, False))
        elif self.relation is Relation.before:
            out.append((s, a, True))
        else:
            assert self.end is not None
            out += [(a, s, False), (s, self.end, not self.end_included)]
        return tuple(out)


_DAY = timedelta(days=1)


def first_day_reaching(term: Term, target: date, since: date) -> date | None:
    """The first day ``d`` after ``since`` on which ``term`` with the evaluation date at
    ``d`` is on or after ``target`` (``term`` names the evaluation date); None if
    it already is on ``since``. Terms move forward with the evaluation date, never back."""
    assert term.name == AS_OF
    if not term.shifted:  # the evaluation date itself
        return None if since >= target else target
    unit, amount = term.unit or "days", term.amount
    if shift(since, unit, amount) >= target:
        return None
    d = max(shift(target, unit, -amount), since + _DAY)
    while d > since + _DAY and shift(d - _DAY, unit, amount) >= target:
        d -= _DAY
    while shift(d, unit, amount) < target:
        d += _DAY
    return d


def change_days(test: DateTest, dates: Mapping[str, date | None], horizon: date) -> set[date]:
    """The days after the evaluation date (up to ``horizon``) on which ``test`` may change
    when only the evaluation date moves: where one of its comparisons changes."""
    today = dates[AS_OF]
    assert today is not None
    out: set[date] = set()
    for fixed, mover, later in test._moving:
        value = fixed.of(dates)
        if value is None:
            continue
        day = first_day_reaching(mover, value + _DAY if later else value, today)
        if day is not None and day <= horizon:
            out.add(day)
    return out


WINDOW_END: dict[bool, dict[str, str]] = {
    True: {"zh": "含到期日", "en": "closing day included"},
    False: {"zh": "不含到期日", "en": "closing day excluded"},
}
UNIT_WORDS: dict[Unit, dict[str, str]] = {
    "years": {"zh": "年", "en": "years"},
    "months": {"zh": "个月", "en": "months"},
    "days": {"zh": "日", "en": "days"},
}
RELATION_WORDS: dict[Relation, dict[str, str]] = {
    Relation.on_or_after: {"zh": "不早于", "en": "on or after"},
    Relation.after: {"zh": "晚于", "en": "after"},
    Relation.on_or_before: {"zh": "不晚于", "en": "on or before"},
    Relation.before: {"zh": "早于", "en": "before"},
    Relation.within: {"zh": "在期间内", "en": "within"},
}
