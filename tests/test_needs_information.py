"""A "needs information" verdict always names what to fill in."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from eligibility import Verdict, evaluate

from conftest import AS_OF
from eligibility._fields import set_field

from strategies import CATALOGUE, unbiased_data, valid_data
from test_time import dated_profiles


def _check(report) -> None:
    for result in (*report.supports, *report.derived):
        if result.verdict is Verdict.needs_information:
            assert result.missing_fields, (result.id, report.as_of)


@given(valid_data)
def test_needs_information_names_at_least_one_missing_field(data):
    """Every support and derived rule left undecided names a field, explained or not."""
    for explain in (True, False):
        _check(evaluate(data, as_of=AS_OF, catalogue=CATALOGUE, explain=explain))


@given(unbiased_data)
def test_needs_information_names_a_field_on_uniformly_random_profiles(data):
    _check(evaluate(data, as_of=AS_OF, catalogue=CATALOGUE))


@given(dated_profiles())
def test_needs_information_names_a_field_on_any_evaluation_date(case):
    """Registered in the evaluation year, dates after the evaluation date, leap days: still named."""
    data, as_of = case
    for explain in (True, False):
        _check(evaluate(data, as_of=as_of, catalogue=CATALOGUE, explain=explain))


@given(valid_data, st.dates(date(AS_OF.year, 1, 1), AS_OF))
def test_needs_information_names_a_field_for_an_enterprise_registered_this_year(data, registered):
    """No closed fiscal year yet: the three-year R&D intensity is over zero (not met), not unknown with nothing to name."""
    for explain in (True, False):
        _check(evaluate(set_field(data, "registration_date", registered), as_of=AS_OF, catalogue=CATALOGUE, explain=explain))
