"""``eligibility rules test CASES --rules DIR``: YAML cases run against a rules directory, through the real command."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from eligibility._commands import app

from conftest import RULES

runner = CliRunner()

HEAD = """\
as_of: 2026-11-25
base:
  registration_date: 2026-05-25
  founder: {is_returnee: true, hukou_in_county: true, return_date: 2023-03-01, first_business: true, jobs_created: 3, other_outstanding_loans: false}
cases:
"""
PASSING = """\
  - name: subsidy at every bound
    expect: {returnee_startup_subsidy: eligible}
  - name: two jobs are not enough
    profile: {founder: {jobs_created: 2}}
    expect: {returnee_startup_subsidy: not_eligible}
"""


def write(tmp_path: Path, text: str, name: str = "cases.yaml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + text, encoding="utf-8")
    return path


def run(*args: str):
    return runner.invoke(app, ["rules", "test", *args, "--rules", str(RULES)])


def test_a_passing_case_file_exits_zero_and_counts_its_cases(tmp_path):
    """Every case met: exit 0 and a count of the cases run."""
    result = run(str(write(tmp_path, PASSING)))
    assert result.exit_code == 0, result.output
    assert "2 个用例，2 个通过，0 个失败" in result.output


def test_a_directory_runs_every_case_file_in_it(tmp_path):
    """A directory: the cases of all its YAML files."""
    write(tmp_path, PASSING, "a.yaml")
    write(tmp_path, PASSING, "b.yml")
    result = run(str(tmp_path), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "4 case(s), 4 passed, 0 failed" in result.output


def test_a_failing_case_is_reported_with_file_line_name_expected_and_got(tmp_path):
    """A verdict not met: exit 1 and, in Chinese, where the case is, its name, the support, expected and got."""
    path = write(tmp_path, PASSING + "  - name: three jobs wrongly expected to fail\n    expect: {returnee_startup_subsidy: not_eligible}\n")
    result = run(str(path))
    assert result.exit_code == 1
    assert f"{path}:11: 用例「three jobs wrongly expected to fail」 returnee_startup_subsidy 结论：期望 not_eligible，实际 eligible" in result.output
    assert "3 个用例，2 个通过，1 个失败" in result.output


def test_a_failing_case_in_english(tmp_path):
    """--lang en: the same report in English."""
    path = write(tmp_path, "  - name: wrong\n    expect: {returnee_startup_subsidy: not_eligible}\n")
    result = run(str(path), "--lang", "en")
    assert result.exit_code == 1
    assert f'{path}:6: case "wrong" returnee_startup_subsidy verdict: expected not_eligible, got eligible' in result.output


def test_pinned_missing_fields_that_differ_fail(tmp_path):
    """``missing`` is compared with the fields a "needs information" verdict names."""
    path = write(tmp_path, "  - name: unknown jobs\n    profile: {founder: {jobs_created: null}}\n"
                 "    expect: {returnee_startup_subsidy: needs_information}\n    missing: {returnee_startup_subsidy: [founder.is_returnee]}\n")
    result = run(str(path), "--lang", "en")
    assert result.exit_code == 1
    assert "missing fields: expected ['founder.is_returnee'], got ['founder.jobs_created']" in result.output


def test_a_misspelled_rule_id_expected_not_in_force_is_an_error_with_its_line(tmp_path):
    """An unknown rule id is an error at its line, not a rule 'not in force' that passes."""
    path = write(tmp_path, PASSING + "  - name: typo\n    expect:\n      returnee_startup_subsidyy: not_in_force\n")
    result = run(str(path))
    assert result.exit_code == 1
    assert f"{path}:13: 用例「typo」 (case 'typo'): 未知的规则编号 (unknown rule id) 'returnee_startup_subsidyy'" in result.output
    assert "did you mean 'returnee_startup_subsidy'" in result.output


def test_a_misspelled_profile_field_is_an_error_with_its_line_and_path(tmp_path):
    """An unknown profile field in a case is an error at its line, with its path."""
    path = write(tmp_path, PASSING + "  - name: typo\n    profile:\n      founder:\n        jobs_createdd: 5\n"
                 "    expect: {returnee_startup_subsidy: eligible}\n")
    result = run(str(path))
    assert result.exit_code == 1
    assert f"{path}:14: 用例「typo」 (case 'typo'): 画像字段 (profile field) founder.jobs_createdd:" in result.output
    assert "did you mean 'jobs_created'?" in result.output


def test_a_misspelled_field_in_the_base_is_located_in_the_base(tmp_path):
    """A field of the base profile is located where the base gives it."""
    path = tmp_path / "cases.yaml"
    path.write_text(HEAD.replace("  registration_date:", "  registration_dat:") + PASSING, encoding="utf-8")
    result = run(str(path))
    assert result.exit_code == 1
    assert f"{path}:3: 用例「subsidy at every bound」 (case 'subsidy at every bound'): 画像字段 (profile field) registration_dat:" in result.output


def test_an_unknown_key_in_a_case_is_an_error(tmp_path):
    """A misspelled case key (``expcet``) is an error, not an ignored line."""
    path = write(tmp_path, "  - name: typo\n    expect: {returnee_startup_subsidy: eligible}\n    mising: {returnee_startup_subsidy: []}\n")
    result = run(str(path))
    assert result.exit_code == 1
    assert f"{path}:8: 未知的键 (unknown key) 'mising'" in result.output


def test_an_unknown_verdict_is_an_error(tmp_path):
    """A verdict that is not one of the four is an error at its line."""
    path = write(tmp_path, "  - name: typo\n    expect: {returnee_startup_subsidy: eligable}\n")
    result = run(str(path))
    assert result.exit_code == 1
    assert f"{path}:7: 用例「typo」 (case 'typo'): returnee_startup_subsidy: 未知的结论 (unknown verdict) 'eligable'" in result.output


def test_a_bad_yaml_file_is_an_error_with_its_line_and_no_traceback(tmp_path):
    """Malformed YAML: exit 1, the file and line, no traceback."""
    path = write(tmp_path, "  - name: broken\n    expect: {returnee_startup_subsidy: eligible\n")
    result = run(str(path))
    assert result.exit_code == 1
    assert f"{path}:8: YAML 语法错误 (YAML syntax error)" in result.output
    assert "Traceback" not in result.output


def test_the_bundled_cases_pass_through_the_command():
    """tests/cases/ against rules/: the suite pytest runs, run by the command."""
    result = run(str(Path(__file__).parent / "cases"), "--as-of", "2026-11-25")
    assert result.exit_code == 0, result.output
    assert "0 个失败" in result.output
