"""Date conditions: anniversaries, windows, "not yet", and every consumer agreeing on them."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from eligibility import evaluate, load_catalogue
from eligibility._commands import app
from eligibility import _dates
from eligibility._dates import AS_OF, DateTest, Relation, Term, change_days, day_number_mover, shift, today, whole_units
from eligibility.errors import RuleError
from eligibility.authoring.lint import lint
from eligibility.report import GapKind, Verdict

from conftest import RULES

RUNNER = CliRunner()
HNTE = {"name": "高企", "certifications": {"hnte_certified": True, "hnte_issue_date": "2024-02-29"}}
RETURNEE = {
    "name": "x",
    "registration_date": "2018-05-10",
    "founder": {"is_returnee": True, "return_date": "2023-03-01", "first_business": True, "jobs_created": 4},
}


def verdict(data: dict, rule: str, on: date) -> Verdict:
    return evaluate(data, as_of=on, catalogue=RULES).support(rule).verdict


# --- The anniversary convention (民法典 第二百零二条) -------------------------------------


def test_the_anniversary_of_29_february_in_a_common_year_is_28_february():
    """A period in years ending in a month without the day ends on the month's last day."""
    assert shift(date(2024, 2, 29), "years", 3) == date(2027, 2, 28)
    assert shift(date(2024, 2, 29), "years", 4) == date(2028, 2, 29)


def test_a_month_after_31_january_is_the_last_day_of_february():
    assert shift(date(2023, 1, 31), "months", 1) == date(2023, 2, 28)
    assert shift(date(2024, 1, 31), "months", 1) == date(2024, 2, 29)
    assert shift(date(2021, 8, 31), "months", 60) == date(2026, 8, 31)


def test_days_are_added_as_days_across_a_leap_day():
    assert shift(date(2023, 3, 1), "days", 365) == date(2024, 2, 29)


def test_whole_years_count_the_anniversary_on_its_day_by_the_same_convention():
    """The age facts and the date conditions agree on 29 February."""
    assert whole_units(date(2024, 2, 29), date(2027, 2, 27), "years") == 2
    assert whole_units(date(2024, 2, 29), date(2027, 2, 28), "years") == 3
    assert whole_units(date(2025, 3, 1), date(2024, 3, 1), "years") == -1


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    st.sampled_from(["years", "months", "days"]),
)
def test_whole_units_are_the_most_units_that_fit_before_or_on_the_day(since, on, unit):
    """whole_units(since, on) is the largest n with since moved n units on or before ``on``
    (the definition; the function works it out with one move)."""
    n = whole_units(since, on, unit)
    assert shift(since, unit, n) <= on < shift(since, unit, n + 1)


@given(st.dates(), st.sampled_from(["years", "months", "days"]), st.integers(-1200, 1200))
def test_a_moved_date_goes_to_the_engine_as_the_day_number_of_the_date_moved(day, unit, amount):
    """The engine's moved dates are :func:`shift`'s, as day numbers; past the calendar's
    ends the same error."""
    try:
        expected: object = shift(day, unit, amount).toordinal()
    except (OverflowError, ValueError) as exc:
        expected = type(exc)
    try:
        got: object = day_number_mover(unit, amount)(day)
    except (OverflowError, ValueError) as exc:
        got = type(exc)
    assert got == expected


def test_today_is_the_local_date_and_a_day_gone_by_is_not_kept(monkeypatch):
    """today() is date.today(); the day it keeps is given only while the clock is within it."""
    assert today() == date.today()
    monkeypatch.setattr(_dates, "_today", (0.0, 86_400.0, date(1970, 1, 1)))
    assert today() == date.today()


def test_a_date_29_february_to_the_same_day_is_exact():
    """Exact anniversaries on leap days and month ends count in full, before and after them."""
    assert whole_units(date(2024, 2, 29), date(2028, 2, 29), "years") == 4
    assert whole_units(date(2024, 2, 29), date(2028, 2, 28), "years") == 3
    assert whole_units(date(2024, 1, 31), date(2024, 2, 29), "months") == 1
    assert whole_units(date(2024, 1, 31), date(2024, 2, 28), "months") == 0
    assert whole_units(date(2024, 3, 31), date(2024, 2, 29), "months") == -1


# --- Windows ------------------------------------------------------------------------------


def _window(included: bool) -> DateTest:
    return DateTest(Term(AS_OF), Relation.within, Term("d"), Term("d", unit="years", amount=3), included)


@pytest.mark.parametrize(
    ("on", "included", "expected"),
    [
        (date(2024, 2, 28), False, False),  # before the window opens: negative time is never within
        (date(2024, 2, 29), False, True),
        (date(2027, 2, 27), False, True),
        (date(2027, 2, 28), False, False),  # closing day excluded
        (date(2027, 2, 28), True, True),  # closing day included
        (date(2027, 3, 1), True, False),
    ],
)
def test_a_window_opens_on_its_day_and_closes_as_worded(on, included, expected):
    assert _window(included).truth({AS_OF: on, "d": date(2024, 2, 29)}) is expected


def test_a_profile_date_after_the_evaluation_date_is_not_yet_for_any_relation():
    for relation in Relation:
        end = Term("e", unit="years", amount=5) if relation is Relation.within else None
        test = DateTest(Term("d"), relation, Term("e"), end, True)
        assert test.truth({AS_OF: date(2024, 1, 1), "d": date(2024, 1, 2), "e": date(2020, 1, 1)}) is False


def test_an_unknown_date_is_unknown_unless_another_is_not_yet():
    test = DateTest(Term("d"), Relation.on_or_after, Term("e"))
    assert test.truth({AS_OF: date(2024, 1, 1), "d": None, "e": date(2020, 1, 1)}) is None
    assert test.truth({AS_OF: date(2024, 1, 1), "d": None, "e": date(2024, 6, 1)}) is False


def test_the_change_days_of_a_window_are_its_opening_and_its_closing_day():
    days = change_days(_window(False), {AS_OF: date(2024, 1, 1), "d": date(2024, 2, 29)}, date(2034, 1, 1))
    assert days == {date(2024, 2, 29), date(2027, 2, 28)}


# --- The rules: engine, explanation, gaps and changes_on agree ------------------------------


def test_a_certificate_issued_on_29_february_expires_on_28_february_three_years_on():
    """有效期为三年 from 2024-02-29: valid on 2027-02-27, not on 2027-02-28 (its third anniversary)."""
    assert verdict(HNTE, "hnte_valid", date(2027, 2, 27)) is Verdict.eligible
    assert verdict(HNTE, "hnte_valid", date(2027, 2, 28)) is Verdict.not_eligible


def test_changes_on_is_the_day_the_verdict_changes_for_a_29_february_certificate():
    result = evaluate(HNTE, as_of=date(2026, 11, 25), catalogue=RULES).support("hnte_valid")
    assert (result.changes_on, result.changes_to) == (date(2027, 2, 28), Verdict.not_eligible)


def test_a_certificate_issued_after_the_evaluation_date_is_not_valid_yet():
    """With --as-of in the past, a later certificate does not count."""
    assert verdict(HNTE, "hnte_valid", date(2024, 2, 28)) is Verdict.not_eligible
    assert verdict(HNTE, "hnte_valid", date(2024, 2, 29)) is Verdict.eligible


def test_the_not_yet_certificate_will_be_valid_from_its_issue_day():
    result = evaluate(HNTE, as_of=date(2024, 1, 10), catalogue=RULES).support("hnte_valid")
    assert (result.changes_on, result.changes_to) == (date(2024, 2, 29), Verdict.eligible)


def test_a_business_registered_before_the_founder_returned_gets_no_returnee_subsidy():
    """The issue's probe: registered 2018, returned 2023: not "within five years after returning"."""
    result = evaluate(RETURNEE, as_of=date(2026, 11, 1), catalogue=RULES).support("returnee_startup_subsidy")
    assert result.verdict is Verdict.not_eligible
    assert [g.kind for g in result.gaps] == [GapKind.unreachable]


def test_an_unknown_return_date_is_named_as_missing():
    data = {**RETURNEE, "founder": {**RETURNEE["founder"], "return_date": None}}
    result = evaluate(data, as_of=date(2026, 11, 1), catalogue=RULES).support("returnee_startup_subsidy")
    assert result.verdict is Verdict.needs_information
    assert result.missing_fields == ["founder.return_date"]


def test_waiting_for_six_months_in_operation_is_a_wait_gap_on_the_day():
    data = {**RETURNEE, "registration_date": "2026-06-30", "founder": {**RETURNEE["founder"], "return_date": "2026-01-05"}}
    result = evaluate(data, as_of=date(2026, 11, 1), catalogue=RULES).support("returnee_startup_subsidy")
    assert result.verdict is Verdict.not_eligible
    assert [(g.kind, g.on) for g in result.gaps] == [(GapKind.wait, date(2026, 12, 30))]
    assert result.changes_on == date(2026, 12, 30)


def test_the_explanation_shows_the_window_of_the_enterprise():
    result = evaluate(HNTE, as_of=date(2026, 11, 25), catalogue=RULES).support("hnte_valid")
    assert result.explanation is not None
    node = result.explanation.children[1]
    assert (node.actual, node.required) == ("2026-11-25", "2024-02-29 – 2027-02-28（不含到期日）")


# --- Rule files ----------------------------------------------------------------------------


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def _edit(root: Path, name: str, old: str, new: str) -> None:
    f = root / name
    text = f.read_text(encoding="utf-8")
    assert old in text
    f.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_window_without_its_end_wording_is_refused_with_file_and_line(rules_copy):
    _edit(rules_copy, "derived/hnte_valid.yaml", ", end: excluded}", "}")
    with pytest.raises(RuleError) as err:
        load_catalogue(rules_copy)
    assert any(p.location == "derived/hnte_valid.yaml" and p.line and "end" in p.message for p in err.value.problems)


def test_a_date_condition_on_a_field_that_is_not_a_date_is_an_error(rules_copy):
    _edit(rules_copy, "derived/hnte_valid.yaml", "from: certifications.hnte_issue_date", "from: staff_total")
    assert any("staff_total" in f.message and f.file == "derived/hnte_valid.yaml" for f in lint(rules_copy).errors)


def test_an_amount_parameter_that_is_not_a_whole_number_is_an_error(rules_copy):
    _edit(rules_copy, "parameters/hnte.yaml", "        value: 3\n", "        value: 2.5\n")
    assert any("hnte.validity_years" in f.message for f in lint(rules_copy).errors)


def test_a_whole_year_age_against_a_citation_in_days_is_a_warning(rules_copy):
    _edit(rules_copy, "derived/hnte_valid.yaml", "    - date: as_of\n", "    - {fact: years_since_registration, op: \">=\", param: hnte.validity_years}\n    - date: as_of\n")
    _edit(rules_copy, "parameters/hnte.yaml", "有效期为三年}", "有效期为三年（1095个日历天数）}")
    warnings = [f for f in lint(rules_copy).warnings if "years_since_registration" in f.message]
    assert warnings and warnings[0].file == "derived/hnte_valid.yaml"


def test_a_window_that_can_never_open_is_a_warning(rules_copy):
    _edit(rules_copy, "derived/hnte_valid.yaml", "years: {param: hnte.validity_years}", "days: 0")
    assert any("never open" in f.message for f in lint(rules_copy).warnings)


# --- rules show ------------------------------------------------------------------------------


def test_rules_show_prints_a_date_condition_in_the_sources_words_in_chinese():
    result = RUNNER.invoke(app, ["rules", "show", "hnte_valid"])
    assert result.exit_code == 0
    assert "自高新技术企业证书发证日期起3年内（不含到期日）" in result.output


def test_rules_show_prints_a_calendar_cut_off_in_english():
    result = RUNNER.invoke(app, ["rules", "show", "unicorn_tier", "--lang", "en"])
    assert result.exit_code == 0
    assert "registration_date on or after 2013-01-01" in result.output
    assert "registration_date on or before 2018-12-31" in result.output
