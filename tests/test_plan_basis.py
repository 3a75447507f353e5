"""Plan supports and related policies told apart, and the plan's term (audit 2026-11 §4.3, §4.5, §4.10).

竹政办发〔2022〕26号 is a three-year plan to the end of 2025: a support that exists only because of it
rests on it until 2025-12-31 and, from 2026-01-01, is still shown but marked as an assumption."""

from __future__ import annotations

from datetime import date

import pytest

from eligibility import evaluate
from eligibility._render import to_markdown, to_text

from conftest import AS_OF, RULES

ENDED_ZH = "方案期已于2025年底结束，未找到后续文件；延续执行为假设，请向受理部门确认"
ENDED_EN = "The plan's term ended at the end of 2025 and no later document was found; that the support continues is an assumption, please confirm with the handling department"
ABOVE_SIZE = {
    "name": "测试企业",
    "registration_date": "2020-01-05",
    "sector": "industry",
    "in_stats_register": True,
    "financials": [{"year": 2024, "main_business_revenue": 30000000}, {"year": 2025, "main_business_revenue": 30000000}],
    "rd_institution": {"level": "none"},
}


def _term(day: date, support: str = "rd_institution_full_coverage"):
    result = evaluate(ABOVE_SIZE, as_of=day, catalogue=RULES).support(support)
    return result, [a for a in result.assumptions if a.parameter == "plan.term_end"]


def test_on_the_last_day_of_the_plans_term_the_support_rests_on_the_plan_without_the_ended_mark():
    result, (term,) = _term(date(2025, 12, 31))
    assert result.verdict.value == "eligible"
    assert term.certainty.value == "third_party" and term.statement is None


def test_on_the_day_after_the_term_the_support_is_still_shown_marked_as_an_assumption():
    result, (term,) = _term(date(2026, 1, 1))
    assert result.verdict.value == "eligible"
    assert term.certainty.value == "assumption"
    assert (term.statement.zh, term.statement.en) == (ENDED_ZH, ENDED_EN)


def test_the_ended_term_is_said_in_the_chinese_and_the_english_report():
    report = evaluate(ABOVE_SIZE, as_of=date(2026, 1, 1), catalogue=RULES)
    assert f"⚠ {ENDED_ZH}（假设，待官方确认" in to_text(report)
    assert f"! {ENDED_EN} (assumption awaiting confirmation" in to_markdown(report, "en")


def test_within_the_term_no_report_says_the_term_ended():
    report = evaluate(ABOVE_SIZE, as_of=date(2025, 12, 31), catalogue=RULES)
    assert ENDED_ZH not in to_text(report) and ENDED_EN not in to_text(report, "en")


def test_a_plan_support_carried_by_a_national_programme_does_not_rest_on_the_plans_term():
    _result, terms = _term(date(2026, 1, 1), "kxz_evaluation")
    assert terms == []


@pytest.mark.parametrize(
    ("support", "basis"),
    [("returnee_startup_subsidy", "provincial"), ("guaranteed_loan_individual", "national"), ("guaranteed_loan_enterprise", "national")],
)
def test_a_related_policy_is_not_a_plan_support_and_cites_its_own_text_first(support, basis):
    result = evaluate({"name": "测试企业"}, as_of=AS_OF, catalogue=RULES).support(support)
    assert result.basis.value == basis
    assert result.citations[0].source != "zhushan_2022_26"
    assert result.citations[-1].source == "zhushan_2022_26"


def test_every_support_says_whether_it_is_the_plans_or_a_related_policy():
    report = evaluate({"name": "测试企业"}, as_of=AS_OF, catalogue=RULES)
    assert all(s.basis is not None for s in report.supports)
    assert all(s.basis is None for s in report.derived)


def test_reports_mark_related_policies_in_chinese_and_english():
    report = evaluate({"name": "测试企业"}, as_of=AS_OF, catalogue=RULES)
    assert "[returnee_startup_subsidy]  〔相关省级政策，非行动方案承诺〕" in to_text(report)
    assert "[guaranteed_loan_individual]  〔a related national policy, not promised by the plan〕" in to_text(report, "en")
    assert "| 人才返乡创新创业支持 | 需补充信息 | 竹山县人力资源和社会保障局 | 行动方案支持 |" in to_markdown(report)


def test_the_returnee_subsidy_after_its_action_plan_is_an_assumption_said_as_such():
    def mark(day: date):
        result = evaluate({"name": "测试企业"}, as_of=day, catalogue=RULES).support("returnee_startup_subsidy")
        return next(a for a in result.assumptions if a.parameter == "returnee.subsidy_in_force")

    assert (mark(date(2023, 12, 31)).certainty.value, mark(date(2023, 12, 31)).statement) == ("third_party", None)
    late = mark(date(2024, 1, 1))
    assert late.certainty.value == "assumption" and "仍在发放为假设" in late.statement.zh


def test_the_unicorn_library_standing_in_for_new_species_is_said_as_an_assumption():
    result = evaluate({"name": "测试企业"}, as_of=AS_OF, catalogue=RULES).support("new_species_cultivation")
    (stand_in,) = [a for a in result.assumptions if a.parameter == "new_species.unicorn_library_stands_in"]
    assert stand_in.certainty.value == "assumption" and "经信厅独角兽企业培育发展库" in stand_in.statement.zh
    unicorn = [a for a in result.assumptions if a.parameter.startswith("unicorn.")]
    assert unicorn and all(a.certainty.value == "third_party" for a in unicorn)


def test_rules_show_says_the_basis_and_what_a_support_rests_on_on_the_day():
    from eligibility import load_catalogue
    from eligibility._rule_text import rule_lines

    cat = load_catalogue(RULES)
    after = list(rule_lines(cat, cat.rules["st_awards"], "zh", date(2026, 1, 1)))
    assert "性质：行动方案支持" in after
    assert any(line.startswith("前提：") and ENDED_ZH in line for line in after)
    within = list(rule_lines(cat, cat.rules["st_awards"], "en", date(2025, 12, 31)))
    assert "Basis: a support of the plan" in within
    assert not any(ENDED_EN in line for line in within)
