"""``changes_on`` follows the verdict's own definition: checked day by day for ten years.

Run harder with ``HYPOTHESIS_PROFILE=thorough pytest tests/test_time.py``.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from eligibility import evaluate, parse_profile
from eligibility._compiler import encode_facts
from eligibility._dates import HORIZON_YEARS, shift
from eligibility._evaluate import prepare
from eligibility._facts import compute_facts
from eligibility._fields import set_field
from eligibility.report import Verdict
from eligibility._timeline import decide_on, facts_on, moving_rules
from eligibility.authoring.witness import date_values

from conftest import AS_OF
from strategies import CATALOGUE, valid_data

TODAY = date.today()
DATE_FIELDS = ("registration_date", "certifications.hnte_issue_date", "founder.return_date", "rd_institution.established_date")
LEAP_DAYS = [date(y, 2, 29) for y in range(2004, TODAY.year + 1) if calendar.isleap(y)]
AROUND_LEAP = [d + timedelta(days=k) for d in LEAP_DAYS for k in (-1, 1)]
MONTH_ENDS = [date(y, m, calendar.monthrange(y, m)[1]) for y in range(2010, TODAY.year + 1) for m in range(1, 13)]
EVALUATION_DAYS = [AS_OF, TODAY, date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1), date(2025, 2, 28), date(2023, 12, 31), date(2026, 1, 31)]
VERDICT = {True: Verdict.eligible, False: Verdict.not_eligible, None: Verdict.needs_information}


def _past(days: list[date]) -> list[date]:
    return [d for d in days if d <= TODAY]


@st.composite
def dated_profiles(draw: st.DrawFn) -> tuple[dict, date]:
    """A profile and an evaluation date, its dates drawn from leap days, month ends and
    each date rule's boundaries (the day before, of and after), or at random."""
    as_of = draw(st.one_of(st.sampled_from(EVALUATION_DAYS), st.dates(date(2016, 1, 1), TODAY)))
    boundaries = _past(date_values(CATALOGUE.at(as_of)))
    data = draw(valid_data)
    day = st.one_of(
        st.sampled_from(boundaries),
        st.sampled_from(_past(LEAP_DAYS + AROUND_LEAP)),
        st.sampled_from(_past(MONTH_ENDS)),
        st.dates(date(2000, 1, 1), TODAY),
    )
    for path in DATE_FIELDS:
        if draw(st.integers(0, 5)):
            data = set_field(data, path, draw(day))
    for path in ("certifications.hnte_certified", "founder.is_returnee", "founder.first_business"):
        if draw(st.booleans()):
            data = set_field(data, path, True)
    return data, as_of


def _daily(data: dict, as_of: date):
    """The report, and every time-moving rule's outcome on each day of the next ten years."""
    profile = parse_profile(data)
    report = evaluate(profile, as_of=as_of, catalogue=CATALOGUE)
    prepared = prepare(CATALOGUE, as_of)
    facts = compute_facts(profile, as_of, prepared.ruleset.compiled.facts, prepared.view.values)
    now = {r.id: {Verdict.eligible: True, Verdict.not_eligible: False}.get(r.verdict) for r in (*report.supports, *report.derived)}
    return profile, report, prepared, facts, now


@given(dated_profiles())
def test_a_verdict_holds_until_changes_on_and_differs_on_it(case):
    """For every rule that moves with time: constant on [as_of, changes_on), different on
    changes_on; no change in ten years when changes_on is empty."""
    data, as_of = case
    profile, report, prepared, facts, now = _daily(data, as_of)
    decision = prepared.static.decision
    rules = [rid for rid, _reads, _names in moving_rules(prepared.view, decision)]
    results = {r.id: r for r in (*report.supports, *report.derived)}
    horizon = shift(as_of, "years", HORIZON_YEARS)
    first: dict[str, tuple[date, bool | None]] = {}
    day = as_of + timedelta(days=1)
    while day <= horizon and len(first) < len(rules):
        for rid, truth in decide_on(prepared.view, facts, profile, day, decision, now).items():
            if rid not in first and truth != now[rid]:
                first[rid] = (day, truth)
        day += timedelta(days=1)
    for rid in rules:
        got = results[rid]
        expected = first.get(rid)
        assert (got.changes_on, got.changes_to) == ((expected[0], VERDICT[expected[1]]) if expected else (None, None)), (rid, as_of, data)


@given(dated_profiles())
def test_durable_rules_decides_the_verdict_on_changes_on_as_the_timeline_does(case):
    """On the day before changes_on and on it, the engine, fed the facts moved to that day,
    reaches the outcome the timeline reports."""
    data, as_of = case
    profile, report, prepared, facts, now = _daily(data, as_of)
    ruleset = prepared.ruleset
    for result in (*report.supports, *report.derived):
        if result.changes_on is None:
            continue
        for day, verdict in ((result.changes_on - timedelta(days=1), result.verdict), (result.changes_on, result.changes_to)):
            moved, _changed = facts_on(facts, profile, day)
            outcome = ruleset.run(encode_facts(moved, ruleset.compiled.shifts)).get(result.id)
            assert VERDICT[outcome] is verdict, (result.id, day, data)
