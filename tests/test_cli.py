"""The command line, driven through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eligibility._commands import app

from conftest import EXAMPLES, ROOT

runner = CliRunner()
EXAMPLE = str(EXAMPLES / "battery_materials.json")


def test_check_prints_the_report_in_chinese_by_default():
    result = runner.invoke(app, ["check", EXAMPLE, "--as-of", "2026-11-25"])
    assert result.exit_code == 0, result.output
    assert "可以申报" in result.output and "规上企业研发机构全覆盖" in result.output


def test_check_in_english():
    result = runner.invoke(app, ["check", EXAMPLE, "--lang", "en", "--format", "text", "--as-of", "2026-11-25"])
    assert result.exit_code == 0, result.output
    assert "an R&D institution in every above-size enterprise" in result.output


def test_check_json_is_a_report():
    result = runner.invoke(app, ["check", EXAMPLE, "--format", "json", "--as-of", "2026-11-25"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {s["id"] for s in data["supports"]} >= {"tech_innovation_board_listing", "returnee_entrepreneurship"}


def test_check_markdown_has_a_summary_table():
    result = runner.invoke(app, ["check", EXAMPLE, "--format", "markdown", "--as-of", "2026-11-25"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# 政策匹配报告") and "| 政策 | 结论 | 受理部门 | 性质 |" in result.stdout


def test_check_reads_standard_input():
    data = (EXAMPLES / "battery_materials.json").read_text(encoding="utf-8")
    result = runner.invoke(app, ["check", "-", "--format", "json", "--as-of", "2026-11-25"], input=data)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["enterprise"] == "竹山县锂能新材料有限公司"


def test_a_missing_profile_file_exits_1_with_one_clear_line():
    result = runner.invoke(app, ["check", "no-such-file.json"])
    assert result.exit_code == 1
    assert "文件不存在" in result.output and "Traceback" not in result.output


def test_an_invalid_profile_names_the_field_and_exits_1(tmp_path):
    f = tmp_path / "p.json"
    f.write_text(json.dumps({"name": "甲", "staff_total": 5, "st_staff": 9}), encoding="utf-8")
    result = runner.invoke(app, ["check", str(f)])
    assert result.exit_code == 1
    assert "st_staff" in result.output and "Traceback" not in result.output


def test_a_bad_date_option_is_a_usage_error():
    result = runner.invoke(app, ["check", EXAMPLE, "--as-of", "25/11/2026"])
    assert result.exit_code == 2


def test_rules_list_shows_ids_and_sources():
    result = runner.invoke(app, ["rules", "list"])
    assert result.exit_code == 0
    assert "tech_innovation_board_listing" in result.output and "竹政办发" in result.output


def test_rules_show_in_english():
    result = runner.invoke(app, ["rules", "show", "returnee_entrepreneurship", "--lang", "en"])
    assert result.exit_code == 0
    assert "Conditions" in result.output and "within five years of returning" in result.output
    assert "within 5 years from founder.return_date (closing day included)" in result.output


def test_rules_show_an_unknown_id_exits_1():
    result = runner.invoke(app, ["rules", "show", "nope"])
    assert result.exit_code == 1


def test_schema_is_json_with_chinese_titles():
    result = runner.invoke(app, ["schema"])
    assert json.loads(result.stdout)["properties"]["name"]["title"] == "企业名称"


def test_the_installed_command_finds_its_bundled_rules_from_any_directory(tmp_path):
    import os
    import subprocess
    import sys

    import eligibility

    env = dict(os.environ)
    if Path(eligibility.__file__).resolve().parent.parent == ROOT:
        # Not installed: run the checkout's package, still from another directory.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    result = subprocess.run(
        [sys.executable, "-m", "eligibility", "check", EXAMPLE, "--format", "json", "--as-of", "2026-11-25"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["supports"]


# --- user mistakes: one clear line, never a traceback ----------------------------------


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ('{"name": "甲", ', "line 1"),
        ('{"name": "甲", "staf_total": 5}', "staf_total"),
        ('{"name": "甲", "staff_total": "many"}', "staff_total"),
        ('{"name": "甲", "registration_date": "2019-02-30"}', "registration_date"),
        ('{"name": "甲", "sector": "factory"}', "sector"),
        ("name: 甲\nfounder: {is_returnee: maybe}\n", "founder.is_returnee"),
    ],
    ids=["bad JSON", "unknown field", "wrong type", "bad date", "bad enum", "YAML wrong type"],
)
def test_a_mistake_in_the_profile_names_it_and_exits_1(tmp_path, content, named):
    f = tmp_path / "p.json"
    f.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["check", str(f)])
    assert result.exit_code == 1
    assert named in result.output and "Traceback" not in result.output


def test_only_shows_one_verdict():
    result = runner.invoke(app, ["check", EXAMPLE, "--only", "not_eligible", "--format", "json", "--as-of", "2026-11-25"])
    assert result.exit_code == 0
    assert {s["verdict"] for s in json.loads(result.stdout)["supports"]} == {"not_eligible"}


def test_another_rules_directory_that_does_not_exist_exits_1(tmp_path):
    result = runner.invoke(app, ["check", EXAMPLE, "--rules", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "规则目录不存在" in result.output


def test_an_unknown_language_is_a_usage_error():
    assert runner.invoke(app, ["check", EXAMPLE, "--lang", "fr"]).exit_code == 2


def test_the_table_in_english_gives_reasons_in_english():
    result = runner.invoke(app, ["check", EXAMPLE, "--lang", "en", "--as-of", "2026-11-25"])
    assert result.exit_code == 0
    assert "the founder returned home to start up" in result.output


@pytest.mark.parametrize("command", [["check"], ["interview"], ["batch"], ["rules", "list"], ["rules", "show"], ["schema"]])
def test_every_command_has_help_with_an_example(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example: eligibility " + command[0] in result.output


GAP_PROFILE = {
    "name": "差距测试企业",
    "sector": "industry",
    "in_stats_register": False,
    "financials": [{"year": 2025, "main_business_revenue": 15_000_000}],
    "rd_institution": {"level": "none"},
    "listing_status": "none",
    "certifications": {"hnte_certified": True, "hnte_issue_date": "2024-03-01", "knowledge_value_grade": "D"},
}


def test_gaps_and_a_coming_change_are_shown_in_every_format(tmp_path):
    """What it would take and the date a verdict changes appear in Markdown, text and the table."""
    f = tmp_path / "p.json"
    f.write_text(json.dumps(GAP_PROFILE, ensure_ascii=False), encoding="utf-8")
    args = ["check", str(f), "--as-of", "2026-11-25"]
    md = runner.invoke(app, [*args, "--format", "markdown"]).stdout
    assert "上年度主营业务收入需增加 500万元" in md and "2027-03-01" in md
    text_en = runner.invoke(app, [*args, "--format", "text", "--lang", "en"]).stdout
    assert "What it would take" in text_en and "From 2027-03-01" in text_en
    table = runner.invoke(app, args).output
    assert "500万元" in table and "2027-03-01" in table


def test_the_markdown_report_ends_with_a_note_for_the_reader():
    result = runner.invoke(app, ["check", EXAMPLE, "--format", "markdown", "--as-of", "2026-11-25"])
    assert "以受理部门审核为准" in result.stdout and "- - " not in result.stdout
