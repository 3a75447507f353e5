"""A cap (a loan's 最高额度) is told to the enterprise, never a condition of the support."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from eligibility import RuleError, evaluate, load_catalogue
from eligibility._render import to_markdown, to_text

from conftest import RULES

FOUNDER = {"name": "测试企业", "registration_date": "2025-01-05", "founder": {"in_loan_target_group": True, "other_outstanding_loans": False}}
DAY = date(2026, 11, 25)


def _asking(amount: int | None) -> dict:
    return {**FOUNDER, "startup_loan": {"individual_amount": amount}}


def test_a_request_above_the_cap_is_told_it_will_be_capped_in_chinese():
    text = to_text(evaluate(_asking(450000), as_of=DAY, catalogue=RULES))
    assert "个人创业担保贷款额度：最高 30万元（申请金额 45万元 超过上限，将按上限 30万元 核定）" in text


def test_a_request_above_the_cap_is_told_it_will_be_capped_in_english():
    text = to_markdown(evaluate(_asking(450000), as_of=DAY, catalogue=RULES), "en")
    assert "individual guaranteed loan: at most 300,000 yuan (the 450,000 yuan asked for is above it and will be capped at 300,000 yuan)" in text


def test_a_request_within_the_cap_is_told_only_the_cap():
    text = to_text(evaluate(_asking(300000), as_of=DAY, catalogue=RULES))
    assert "个人创业担保贷款额度：最高 30万元\n" in text


def test_the_cap_is_in_the_json_report_with_the_amount_asked_for():
    limit = evaluate(_asking(450000), as_of=DAY, catalogue=RULES).model_dump(mode="json")["supports"]
    (loan,) = [s for s in limit if s["id"] == "guaranteed_loan_individual"]
    assert loan["limits"][0] | {"label": None} == {
        "parameter": "loan.individual_cap", "label": None, "maximum": 300000, "unit": "元", "requested": 450000, "capped": True
    }


def test_the_cap_is_told_without_explanations_too_but_not_the_request():
    report = evaluate(_asking(450000), as_of=DAY, catalogue=RULES, explain=False)
    (limit,) = report.support("guaranteed_loan_individual").limits
    assert (limit.maximum, limit.requested, limit.capped) == (300000, None, None)


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("param: loan.individual_cap", "param: loan.individual_cop", "unknown parameter"),
        ("param: loan.individual_cap", "param: loan.min_new_hire_share", "not tiers"),
        ("fact: startup_loan.individual_amount", "fact: startup_loan.individual_amont", "did you mean startup_loan.individual_amount"),
        ("fact: startup_loan.individual_amount", "fact: founder.is_returnee", "must be a number"),
    ],
)
def test_a_wrong_limit_names_its_file_and_line(rules_copy, old, new, said):
    f = rules_copy / "supports" / "guaranteed_loan_individual.yaml"
    text = f.read_text(encoding="utf-8")
    assert old in text
    f.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_catalogue(rules_copy)
    [problem] = exc.value.problems
    line = next(i for i, x in enumerate(f.read_text(encoding="utf-8").splitlines(), 1) if new in x)
    assert problem.location == "supports/guaranteed_loan_individual.yaml" and problem.line == line
    assert said in problem.message
