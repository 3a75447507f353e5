"""The command line, driven through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from eligibility.commands import app

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
    assert result.stdout.startswith("# 政策匹配报告") and "| 政策 | 结论 | 受理部门 |" in result.stdout


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
    assert "Conditions" in result.output and "returned less than five years ago" in result.output


def test_rules_show_an_unknown_id_exits_1():
    result = runner.invoke(app, ["rules", "show", "nope"])
    assert result.exit_code == 1


def test_schema_is_json_with_chinese_titles():
    result = runner.invoke(app, ["schema"])
    assert json.loads(result.stdout)["properties"]["name"]["title"] == "企业名称"


def test_the_installed_command_finds_its_bundled_rules_from_any_directory(tmp_path):
    import subprocess
    import sys

    import os

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
