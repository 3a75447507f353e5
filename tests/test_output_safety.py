"""What the enterprise wrote stays data in whatever opens the output: spreadsheets run no
formula, Markdown renders no markup, terminals obey no escape code, narrow terminals read."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from eligibility import evaluate
from eligibility._commands import _SafeConsole, _print_table, app
from eligibility._render import to_markdown
from eligibility._safe_text import for_markdown, for_spreadsheet, for_terminal

from conftest import AS_OF, EXAMPLES, make_profile

runner = CliRunner()
DAY = AS_OF.isoformat()
FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "＝1+1"]


def _batch_csv(tmp_path, names):
    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["企业名称", "所属行业门类"])
        for name in names:
            w.writerow([name, "工业"])
    return src


def test_csv_results_neutralise_cells_that_would_start_a_formula(tmp_path):
    src, out = _batch_csv(tmp_path, FORMULAS), tmp_path / "r.csv"
    result = runner.invoke(app, ["batch", str(src), "-o", str(out), "--as-of", DAY])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))[1:]
    assert [r[1] for r in rows] == ["'" + n.strip() for n in FORMULAS]


def test_xlsx_results_hold_such_names_as_neutralised_text_never_formulas(tmp_path):
    src, out = _batch_csv(tmp_path, FORMULAS), tmp_path / "r.xlsx"
    result = runner.invoke(app, ["batch", str(src), "-o", str(out), "--as-of", DAY])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).worksheets[0]
    cells = [sheet.cell(row=i, column=2) for i in range(2, 2 + len(FORMULAS))]
    assert [c.value for c in cells] == ["'" + n.strip() for n in FORMULAS]
    assert {c.data_type for c in cells} == {"s"}


def test_an_input_file_named_like_a_formula_is_neutralised_in_the_summary(tmp_path):
    src = _batch_csv(tmp_path, ["甲"])
    evil = tmp_path / "=HYPERLINK(1).csv"
    src.rename(evil)
    out = tmp_path / "r.csv"
    result = runner.invoke(app, ["batch", str(evil), "-o", str(out), "--as-of", DAY])
    assert result.exit_code == 0, result.output
    summary = (tmp_path / "r.summary.csv").read_text(encoding="utf-8-sig")
    assert ",=HYPERLINK" not in summary and "\n=HYPERLINK" not in summary


def test_for_spreadsheet_leaves_numbers_and_plain_text_alone():
    assert for_spreadsheet(-5) == -5
    assert for_spreadsheet("竹山县甲公司") == "竹山县甲公司"


def test_markdown_escapes_what_the_enterprise_wrote():
    name = "甲公司\n# 伪造标题\n<img src=x onerror=alert(1)> [点此](http://evil)"
    report = evaluate(make_profile(name=name), as_of=AS_OF)
    md = to_markdown(report)
    assert "<img" not in md and "&lt;img" in md
    assert "\n# 伪造标题" not in md
    assert "](http://evil)" not in md
    assert md.splitlines()[0].startswith("# 政策匹配报告：甲公司")


def test_for_markdown_keeps_the_text_readable():
    assert for_markdown("竹山县甲公司") == "竹山县甲公司"
    assert for_markdown("a*b*") == r"a\*b\*"


@pytest.mark.parametrize("fmt", ["table", "text"])
def test_terminal_output_carries_no_control_characters_from_a_name(tmp_path, fmt):
    src = tmp_path / "p.json"
    src.write_text(json.dumps({"name": "甲\x1b[2J\x1b]8;;http://evil\x07公司\u202e"}), encoding="utf-8")
    result = runner.invoke(app, ["check", str(src), "--as-of", DAY, "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "甲" in result.output
    assert not any(ch in result.output for ch in "\x1b\x07\u202e")


def test_the_table_shows_a_name_as_written_not_as_emoji_codes(tmp_path):
    src = tmp_path / "p.json"
    src.write_text(json.dumps({"name": "火箭:rocket:科技"}), encoding="utf-8")
    result = runner.invoke(app, ["check", str(src), "--as-of", DAY])
    assert result.exit_code == 0, result.output
    assert "火箭:rocket:科技" in result.output


def test_batch_error_lines_carry_no_control_characters(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "r.csv"
    src.write_text("企业名称,职工总数\n甲,\x1b[2Jabc\n", encoding="utf-8")
    result = runner.invoke(app, ["batch", str(src), "-o", str(out), "--as-of", DAY])
    assert result.exit_code == 1 and "\x1b" not in result.output


def test_for_terminal_keeps_tabs_and_new_lines():
    assert for_terminal("a\tb\nc\x1b\x9b") == "a\tb\nc??"


def _table_at(width: int, monkeypatch) -> str:
    import eligibility._commands as commands

    buffer = io.StringIO()

    class Fixed:
        out = _SafeConsole(file=buffer, width=width, soft_wrap=True)

    monkeypatch.setattr(commands, "_c", Fixed())
    report = evaluate(commands.load_profile(EXAMPLES / "battery_materials.json"), as_of=AS_OF)
    _print_table(report, "zh", None)
    return buffer.getvalue()


def test_a_narrow_terminal_gets_a_list_with_every_support_whole(monkeypatch):
    text = _table_at(60, monkeypatch)
    report = evaluate(make_profile(), as_of=AS_OF)
    assert "┃" not in text and "│" not in text
    for s in report.supports:
        assert s.name("zh") in text


def test_a_wide_terminal_gets_the_table(monkeypatch):
    assert "┃" in _table_at(140, monkeypatch)
