"""Certainty marks say how a value is known (audit 2026-11 §2.3): a value only a third party
states, or one borrowed from another policy, is flagged on every verdict that rests on it."""

from __future__ import annotations

from eligibility import evaluate

from conftest import AS_OF, RULES


def _marks(support: str) -> dict[str, str]:
    report = evaluate({"name": "测试企业"}, as_of=AS_OF, catalogue=RULES)
    return {a.parameter: a.certainty.value for a in report.support(support).assumptions}


def test_the_hnte_three_year_validity_is_flagged_as_a_third_party_copy():
    assert _marks("hnte_valid")["hnte.validity_years"] == "third_party"


def test_the_returnee_subsidy_window_is_a_third_party_copy():
    marks = _marks("returnee_startup_subsidy")
    assert marks["returnee.window_years"] == "third_party"
    assert "returnee.programme_window_years" not in marks


def test_the_zone_returnee_programme_window_is_an_assumption():
    marks = _marks("returnee_entrepreneurship")
    assert marks["returnee.programme_window_years"] == "assumption"
    assert "returnee.window_years" not in marks


def test_the_2023_loan_cap_says_its_start_date_is_unverified():
    report = evaluate({"name": "测试企业"}, as_of=AS_OF, catalogue=RULES)
    (cap,) = [a for a in report.support("guaranteed_loan_individual").assumptions if a.parameter == "loan.individual_cap"]
    assert "2023-10-01未核实" in (cap.note or "")
    assert cap.citations[0].title == "财政部关于印发《普惠金融发展专项资金管理办法》的通知"
