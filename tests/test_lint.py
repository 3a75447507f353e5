"""`eligibility rules lint` finds broken rules and names the file and line of each."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eligibility._commands import app
from eligibility.authoring.lint import lint

from conftest import RULES

runner = CliRunner()
RETURNEE = "supports/returnee_entrepreneurship.yaml"
SIZE = "derived/above_designated_size.yaml"


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def edit(root: Path, name: str, old: str, new: str) -> Path:
    f = root / name
    text = f.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    f.write_text(text.replace(old, new, 1), encoding="utf-8")
    return f


def line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def found(root: Path, severity: str, needle: str) -> list[tuple[str, int | None]]:
    return [(f.file, f.line) for f in lint(root).findings if f.severity == severity and needle in f.message]


def test_the_bundled_catalogue_has_no_errors_or_warnings():
    """The bundled rules lint clean (notes on assumptions allowed)."""
    report = lint(RULES)
    assert report.ok and not report.warnings, [str(f) for f in report.findings]


def test_a_typo_in_a_field_name_is_an_error_at_its_line(rules_copy):
    """A misspelt fact is an error naming the file, the line and the likely field."""
    f = edit(rules_copy, RETURNEE, "fact: founder.hukou_in_county", "fact: founder.hukou_in_conty")
    assert found(rules_copy, "error", "founder.hukou_in_conty") == [(RETURNEE, line_of(f, "hukou_in_conty"))]


def test_a_contradiction_is_a_warning_at_its_line(rules_copy):
    """x > 5 and x < 3 in one `all` is reported at the second comparison's line."""
    f = rules_copy / RETURNEE
    f.write_text(
        f.read_text(encoding="utf-8")
        + "    - {fact: years_since_founder_return, op: '<', value: 5}\n    - {fact: years_since_founder_return, op: '>', value: 7}\n",
        encoding="utf-8",
    )
    assert found(rules_copy, "warning", "contradictory") == [(RETURNEE, line_of(f, "op: '>', value: 7"))]


def test_a_contradiction_with_a_parameter_names_the_date(rules_copy):
    """A constant that contradicts a parameter's value is found with the parameter resolved."""
    edit(rules_copy, "derived/hnte_quantitative.yaml", "  all:\n", "  all:\n    - {fact: st_staff_share, op: '<', value: '5%'}\n")
    [message] = [f.message for f in lint(rules_copy).warnings if "contradictory" in f.message]
    assert "hnte.min_st_staff_share" in message and " on 20" in message


def test_two_different_equalities_on_one_fact_are_a_contradiction(rules_copy):
    """x == a and x == b can never both hold."""
    edit(rules_copy, "supports/tech_innovation_board_listing.yaml", "  all:\n", "  all:\n    - {fact: listing_status, op: '==', value: neeq}\n")
    assert found(rules_copy, "warning", "contradictory")


def test_a_cycle_between_derived_rules_is_an_error_with_its_file(rules_copy):
    """A derived rule naming itself is an error in that rule's file."""
    edit(rules_copy, "derived/hnte_valid.yaml", "  all:\n", "  all:\n    - rule: hnte_valid\n")
    assert [file for file, _line in found(rules_copy, "error", "cycle")] == ["derived/hnte_valid.yaml"]


def test_a_missing_parameter_is_an_error_at_its_line(rules_copy):
    """A reference to a parameter that does not exist names the `param:` line."""
    f = edit(rules_copy, RETURNEE, "param: returnee.programme_window_years", "param: returnee.programme_window_yeers")
    assert found(rules_copy, "error", "returnee.programme_window_yeers") == [(RETURNEE, line_of(f, "window_yeers"))]


def test_a_missing_rule_is_an_error(rules_copy):
    """A reference to a derived rule that does not exist is an error."""
    edit(rules_copy, "supports/rd_institution_full_coverage.yaml", "rule: above_designated_size", "rule: above_size")
    assert found(rules_copy, "error", "above_size")


def test_a_duplicate_rule_id_is_an_error(rules_copy):
    """Two files with one id: an error naming both."""
    shutil.copy(rules_copy / RETURNEE, rules_copy / "supports" / "zz_copy.yaml")
    assert found(rules_copy, "error", "duplicate rule id") == [("supports/zz_copy.yaml", 1)]


def test_a_comparison_of_the_wrong_type_is_an_error(rules_copy):
    """A yes/no fact compared with a number is an error."""
    edit(rules_copy, RETURNEE, "value: true", "value: 3")
    assert found(rules_copy, "error", "founder.is_returnee")


def test_overlapping_parameter_periods_are_an_error(rules_copy):
    """Two values of one parameter in force on the same day are an error at the second value."""
    f = edit(rules_copy, "parameters/plan.yaml", "to: 2025-12-31", "to: 2026-06-30")
    assert found(rules_copy, "error", "overlapping") == [("parameters/plan.yaml", line_of(f, "from: 2026-01-01"))]


def test_a_parameter_without_a_citation_is_an_error(rules_copy):
    """Every parameter value must cite its source."""
    edit(rules_copy, "parameters/hnte.yaml", "        citations: [{source: gkfh_2016_32, article: 第十四条 通过认定的高新技术企业，其资格自颁发证书之日起有效期为三年}]\n", "        citations: []\n")
    assert found(rules_copy, "error", "citations")


def test_a_parameter_without_an_effective_date_is_an_error(rules_copy):
    """Every parameter value must say from when it applies."""
    edit(rules_copy, "parameters/hnte.yaml", "      - from: 2016-01-01\n        value: 3", "      - value: 3")
    assert found(rules_copy, "error", "from")


def test_an_unused_parameter_is_a_warning(rules_copy):
    """A parameter no rule names is a warning at its line."""
    f = rules_copy / "parameters" / "extra.yaml"
    f.write_text(
        "parameters:\n  - id: extra.unused\n    name: {zh: 未用, en: unused}\n    values:\n"
        "      - {from: 2020-01-01, value: 1, certainty: official, citations: [{source: gkfh_2016_32, article: x}]}\n",
        encoding="utf-8",
    )
    assert found(rules_copy, "warning", "extra.unused") == [("parameters/extra.yaml", 2)]


def test_an_assumed_parameter_value_is_a_note(rules_copy):
    """A value whose certainty is an assumption is reported as a note, not a warning."""
    assert found(rules_copy, "info", "plan.term_end 自 2026-01-01 起的值是假设")


def test_a_comparison_against_the_declared_monotone_direction_is_a_warning(rules_copy):
    """Declaring a fact increasing while the rule caps it from above is flagged."""
    edit(rules_copy, SIZE, "{increasing: [main_business_revenue_last_year, revenue_last_year]}", "{decreasing: [main_business_revenue_last_year, revenue_last_year]}")
    assert found(rules_copy, "warning", "monotone decreasing")


def test_an_unknown_monotone_fact_is_an_error(rules_copy):
    """A monotone declaration naming no fact is an error at the `monotone:` line."""
    f = edit(rules_copy, SIZE, "{increasing: [main_business_revenue_last_year, revenue_last_year]}", "{increasing: [main_business_revenue_last_yaer]}")
    assert found(rules_copy, "error", "main_business_revenue_last_yaer") == [(SIZE, line_of(f, "monotone:"))]


def test_a_derived_rule_out_of_force_is_a_warning(rules_copy):
    """A support naming a derived rule that expires while the support is in force is flagged."""
    edit(rules_copy, "derived/hnte_valid.yaml", "effective: {from: 2016-01-01}", "effective: {from: 2016-01-01, to: 2025-12-31}")
    assert found(rules_copy, "warning", "hnte_valid 在 2026-01-01 未生效")


def test_a_yaml_error_is_reported_without_raising(rules_copy):
    """Lint reports load errors as findings rather than raising."""
    edit(rules_copy, RETURNEE, "kind: support", "kind: [support")
    assert [f for f in lint(rules_copy).errors if f.file == RETURNEE and "YAML" in f.message]


def test_a_missing_directory_is_one_error(tmp_path):
    """Linting a directory that does not exist gives one error."""
    assert len(lint(tmp_path / "none").errors) == 1


def test_the_command_prints_file_line_severity_message_and_exits_1_on_errors(rules_copy):
    """`rules lint DIR` prints `file:line: severity: message` and exits 1 when there is an error."""
    f = edit(rules_copy, RETURNEE, "fact: founder.hukou_in_county", "fact: founder.hukou_in_conty")
    result = runner.invoke(app, ["rules", "lint", str(rules_copy)])
    assert result.exit_code == 1
    assert f"{RETURNEE}:{line_of(f, 'hukou_in_conty')}: error: " in result.stdout


def test_the_command_exits_0_on_warnings_only(rules_copy):
    """Warnings alone do not fail the command."""
    edit(rules_copy, RETURNEE, "  all:\n", "  all:\n    - {fact: years_since_founder_return, op: '<', value: 5}\n    - {fact: years_since_founder_return, op: '>=', value: 6}\n")
    result = runner.invoke(app, ["rules", "lint", str(rules_copy)])
    assert result.exit_code == 0 and ": warning: " in result.stdout


def test_the_command_lints_the_bundled_rules_by_default():
    """Without a directory the bundled catalogue is linted, and passes."""
    assert runner.invoke(app, ["rules", "lint"]).exit_code == 0


def test_a_list_parameter_compared_with_one_value_is_an_error(rules_copy):
    """A parameter whose value is a list cannot be compared with >= (found by fuzzing: it crashed)."""
    edit(rules_copy, "parameters/hnte.yaml", "        value: 3\n", "        value: []\n")
    assert found(rules_copy, "error", "hnte.validity_years")


def test_a_plan_only_support_without_the_plans_term_is_a_warning(rules_copy):
    """A support that exists only because of a plan with a term must end with it or rest on a value changing after it."""
    edit(rules_copy, "supports/st_awards.yaml", "rests_on: [plan.term_end]\n", "")
    assert found(rules_copy, "warning", "st_awards 只依据行动方案 zhushan_2022_26") == [("supports/st_awards.yaml", 1)]


def test_a_plan_only_support_ending_with_the_term_needs_no_mark(rules_copy):
    edit(rules_copy, "supports/st_awards.yaml", "rests_on: [plan.term_end]\n", "")
    edit(rules_copy, "supports/st_awards.yaml", "effective: {from: 2022-01-01}", "effective: {from: 2022-01-01, to: 2025-12-31}")
    assert not found(rules_copy, "warning", "st_awards 只依据行动方案")


def test_a_related_policy_citing_the_plan_first_is_a_warning(rules_copy):
    f = rules_copy / "supports/returnee_startup_subsidy.yaml"
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    (plan,) = [i for i, x in enumerate(lines) if "source: zhushan_2022_26" in x]
    (own,) = [i for i, x in enumerate(lines) if "source: ers_2021_36" in x]
    lines[plan], lines[own] = lines[own], lines[plan]
    f.write_text("".join(lines), encoding="utf-8")
    assert found(rules_copy, "warning", "首先引用行动方案") == [("supports/returnee_startup_subsidy.yaml", 1)]


def test_an_official_mark_on_a_third_party_copy_is_a_warning(rules_copy):
    """'official' needs an official text that states the value at a named article or page."""
    f = edit(
        rules_copy, "parameters/talent.yaml",
        "        value: 6\n        certainty: third_party",
        "        value: 6\n        certainty: official",
    )
    assert found(rules_copy, "warning", "标为 official") == [("parameters/talent.yaml", line_of(f, "value: 6") - 1)]


def test_an_official_mark_citing_no_article_is_a_warning(rules_copy):
    f = edit(
        rules_copy, "parameters/above_designated_size.yaml",
        "[{source: nbs_size_standard, article: 规模以上工业：年主营业务收入2000万元及以上}]",
        "[{source: nbs_size_standard}]",
    )
    assert found(rules_copy, "warning", "标为 official") == [("parameters/above_designated_size.yaml", line_of(f, "source: nbs_size_standard}]") - 3)]


def test_an_unknown_parameter_in_rests_on_is_an_error_at_its_line(rules_copy):
    f = edit(rules_copy, "supports/st_awards.yaml", "rests_on: [plan.term_end]", "rests_on: [plan.term_ned]")
    assert found(rules_copy, "error", "plan.term_ned") == [("supports/st_awards.yaml", line_of(f, "plan.term_ned"))]
