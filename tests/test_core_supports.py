"""The three supports the programme names first, evaluated through durable-rules."""

from __future__ import annotations

from datetime import date

import pytest

from eligibility import Verdict, evaluate

from conftest import AS_OF, RULES, make_profile, verdict

BOARD = "tech_innovation_board_listing"
RD = "rd_institution_full_coverage"
RETURNEE = "returnee_entrepreneurship"


def tech_enterprise(grade: str | None, **extra):
    certs = {"hnte_certified": False}
    if grade is not None:
        certs["knowledge_value_grade"] = grade
    return make_profile(listing_status="none", in_tech_enterprise_pool=True, certifications=certs, **extra)


# --- 科技创新板挂牌 -----------------------------------------------------------------


@pytest.mark.parametrize("grade", ["A", "B", "C"])
def test_board_listing_is_open_to_grade_c_and_above(grade):
    assert verdict(tech_enterprise(grade), BOARD) == "eligible"


@pytest.mark.parametrize("grade", ["D", "E", "not_rated"])
def test_board_listing_is_closed_below_grade_c(grade):
    assert verdict(tech_enterprise(grade), BOARD) == "not_eligible"


def test_a_valid_hnte_qualifies_for_the_board_whatever_its_grade():
    p = make_profile(
        listing_status="none",
        certifications={"hnte_certified": True, "hnte_issue_date": "2024-12-01", "knowledge_value_grade": "E"},
    )
    assert verdict(p, BOARD) == "eligible"


def test_an_hnte_certificate_expires_three_years_after_issue():
    p = make_profile(
        listing_status="none",
        in_tech_enterprise_pool=False,
        certifications={"hnte_certified": True, "hnte_issue_date": "2023-11-25"},
    )
    assert verdict(p, BOARD, as_of=date(2026, 11, 24)) == "eligible"
    assert verdict(p, BOARD, as_of=date(2026, 11, 25)) == "not_eligible"


def test_an_unknown_grade_needs_information_naming_the_grade():
    report = evaluate(tech_enterprise(None), as_of=AS_OF, catalogue=RULES)
    result = report.support(BOARD)
    assert result.verdict is Verdict.needs_information
    assert "certifications.knowledge_value_grade" in result.missing_fields


def test_an_enterprise_already_listed_is_not_targeted_even_with_grade_a():
    p = make_profile(listing_status="star", in_tech_enterprise_pool=True, certifications={"knowledge_value_grade": "A"})
    assert verdict(p, BOARD) == "not_eligible"


def test_the_board_verdict_rests_on_a_non_official_parameter_and_says_so():
    result = evaluate(tech_enterprise("B"), as_of=AS_OF, catalogue=RULES).support(BOARD)
    assert [a.parameter for a in result.assumptions] == ["hnte.validity_years", "kv.board_min_grade", "plan.term_end"]


def test_before_the_2025_scheme_a_grade_is_not_applicable_and_says_why():
    result = evaluate(tech_enterprise("B"), as_of=date(2024, 6, 1), catalogue=RULES).support(BOARD)
    assert result.verdict.value == "not_eligible"
    assert not [a for a in result.assumptions if a.parameter == "kv.board_min_grade"]
    refs = [n for n in _nodes(result.explanation) if n.rule == "kv_grade_c_or_above"]
    assert refs and refs[0].status.value == "not_met"


def _nodes(node):
    return [node, *(x for c in node.children for x in _nodes(c))]


# --- 规上企业研发机构全覆盖 -----------------------------------------------------------


def industrial(main_revenue: int, level: str | None = "none", registered: bool = True):
    return make_profile(
        sector="industry",
        in_stats_register=registered,
        financials=[{"year": 2025, "main_business_revenue": main_revenue}],
        rd_institution={} if level is None else {"level": level},
    )


def test_an_above_size_industrial_enterprise_without_rd_institution_is_targeted():
    assert verdict(industrial(20_000_000), RD) == "eligible"


def test_just_below_the_above_size_threshold_is_not_targeted():
    assert verdict(industrial(19_999_999), RD) == "not_eligible"


def test_an_enterprise_not_in_the_statistics_register_is_not_above_size():
    assert verdict(industrial(50_000_000, registered=False), RD) == "not_eligible"


def test_an_enterprise_with_an_rd_institution_is_already_covered():
    assert verdict(industrial(50_000_000, level="enterprise"), RD) == "not_eligible"


def test_an_unknown_rd_institution_needs_information_naming_it():
    result = evaluate(industrial(50_000_000, level=None), as_of=AS_OF, catalogue=RULES).support(RD)
    assert result.verdict is Verdict.needs_information
    assert result.missing_fields == ["rd_institution.level"]


def test_a_below_size_enterprise_is_decided_even_if_rd_institution_is_unknown():
    assert verdict(industrial(1_000_000, level=None), RD) == "not_eligible"


def test_missing_last_year_figures_name_the_year():
    p = make_profile(sector="industry", in_stats_register=True, rd_institution={"level": "none"})
    result = evaluate(p, as_of=AS_OF, catalogue=RULES).support(RD)
    assert result.missing_fields == ["financials[2025].main_business_revenue"]


# --- 人才返乡创新创业 -----------------------------------------------------------------


def returnee(return_date: str | None, hukou: bool = True):
    founder = {"is_returnee": True, "hukou_in_county": hukou}
    if return_date:
        founder["return_date"] = return_date
    return make_profile(founder=founder)


def test_a_returnee_within_five_years_is_eligible():
    assert verdict(returnee("2021-11-26"), RETURNEE) == "eligible"


def test_on_the_fifth_anniversary_of_returning_the_window_is_still_open():
    """返乡5年内: 以内 includes the number (民法典 第一千二百五十九条)."""
    assert verdict(returnee("2021-11-25"), RETURNEE) == "eligible"


def test_the_day_after_the_fifth_anniversary_the_window_has_closed():
    assert verdict(returnee("2021-11-24"), RETURNEE) == "not_eligible"


def test_a_returnee_registered_elsewhere_is_not_eligible():
    assert verdict(returnee("2024-01-01", hukou=False), RETURNEE) == "not_eligible"


def test_not_a_returnee_is_decided_without_the_return_date():
    p = make_profile(founder={"is_returnee": False})
    assert verdict(p, RETURNEE) == "not_eligible"


def test_a_returnee_without_return_date_needs_it():
    result = evaluate(returnee(None), as_of=AS_OF, catalogue=RULES).support(RETURNEE)
    assert result.verdict is Verdict.needs_information
    assert result.missing_fields == ["founder.return_date"]
