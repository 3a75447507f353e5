"""Hostile input is refused quickly with a located message quoting at most a short prefix;
a batch goes on with its other rows (``eligibility._input_limits``, docs/input-limits.md)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from eligibility import ProfileError, evaluate, load_catalogue
from eligibility._commands import app
from eligibility.errors import RuleError
from eligibility._interview import Interview
from eligibility._input_limits import MAX_TEXT, QUOTE_CHARS, LimitError, load_json, quote
from eligibility._profile_io import load_profile, read_data
from eligibility._tabular import CellError, read_rows

from conftest import AS_OF, EXAMPLES, RULES

runner = CliRunner()
DAY = AS_OF.isoformat()
HUGE_INT = "9" * 5000
MESSAGE_CAP = 600
"""No message about one bad value is longer than this (the value is quoted by a prefix)."""


def check(*args):
    return runner.invoke(app, ["check", *map(str, args), "--as-of", DAY])


def batch(*args):
    return runner.invoke(app, ["batch", *map(str, args), "--as-of", DAY])


def output_rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


# --- Profiles -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"name": "甲", "staff_total": 1e5000}', "1e5000"),
        ('{"name": "甲", "staff_total": 1e1000000}', "1e1000000"),
        ('{"name": "甲", "staff_total": ' + HUGE_INT + "}", "5000 characters"),
        ("name: 甲\nstaff_total: " + HUGE_INT + "\n", "line 2"),
        ("name: 甲\nstaff_total: 1.0e+5000\n", "line 2"),
        ('{"name": "甲", "staff_total": NaN}', "NaN"),
    ],
)
def test_a_profile_number_beyond_the_limits_is_one_located_message(tmp_path, text, expected):
    src = tmp_path / "p.json"
    src.write_text(text, encoding="utf-8")
    result = check(src)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert expected in result.output and "p.json" in result.output
    assert len(result.output) < MESSAGE_CAP


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000, "- " * 20_000 + "x"])
def test_deep_nesting_is_refused_without_a_traceback(tmp_path, text):
    src = tmp_path / "p.yaml"
    src.write_text(text, encoding="utf-8")
    result = check(src)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "nested" in result.output


def test_a_yaml_alias_in_a_profile_is_refused_at_its_line(tmp_path):
    lines = ["name: 甲", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]
    src = tmp_path / "bomb.yaml"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = check(src)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "alias" in result.output and "line 3" in result.output


def test_a_ten_megabyte_field_value_is_quoted_by_a_short_prefix(tmp_path):
    src = tmp_path / "p.json"
    src.write_text(json.dumps({"name": "甲" * 5_000_000}), encoding="utf-8")
    result = check(src)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.output) < MESSAGE_CAP


def test_a_name_longer_than_allowed_is_quoted_by_a_short_prefix(tmp_path):
    src = tmp_path / "p.json"
    src.write_text(json.dumps({"name": "甲" * 1000}), encoding="utf-8")
    result = check(src)
    assert result.exit_code == 1 and "name" in result.output and "1000 characters" in result.output
    assert len(result.output) < MESSAGE_CAP


def test_an_endless_file_is_refused_after_the_size_limit():
    result = check("/dev/zero")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "MiB" in result.output and "/dev/zero" in result.output


def test_an_endless_standard_input_is_refused_after_the_size_limit():
    result = runner.invoke(app, ["check", "-", "--as-of", DAY], input=b"{" + b" " * (9 * 2**20))
    assert result.exit_code == 1 and "MiB" in result.output and "stdin" in result.output


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_an_evaluation_date_outside_the_supported_range_is_a_usage_error(day):
    result = runner.invoke(app, ["check", str(EXAMPLES / "battery_materials.json"), "--as-of", day])
    assert result.exit_code == 2 and "Traceback" not in result.output and "2199-12-31" in result.output


def test_the_library_refuses_an_evaluation_date_outside_the_range_by_name():
    profile = load_profile(EXAMPLES / "battery_materials.json")
    with pytest.raises(LimitError, match="2199-12-31"):
        evaluate(profile, as_of=date(9999, 12, 31))


def test_read_data_is_the_one_place_a_portal_bounds_a_request_body():
    with pytest.raises(ProfileError, match="nested"):
        read_data("[" * 5000 + "]" * 5000, "request")
    with pytest.raises(LimitError):
        load_json('{"x": "' + "y" * (MAX_TEXT + 1) + '"}')


def test_quote_keeps_a_short_prefix_and_says_how_long_the_value_was():
    assert quote("a" * 10_000).startswith(repr("a" * QUOTE_CHARS))
    assert "10000" in quote("a" * 10_000)
    assert len(quote(10**5000)) < 100


# --- Interview answers ----------------------------------------------------------------


@pytest.mark.parametrize("answer", ["1e1000000", "1e5000", HUGE_INT, "x" * 1_000_000])
def test_an_interview_answer_beyond_the_limits_is_refused_and_asked_again(catalogue, answer):
    iv = Interview({"name": "甲"}, as_of=AS_OF, catalogue=catalogue)
    with pytest.raises(CellError) as refused:
        iv.answer("staff_total", answer)
    assert len(str(refused.value)) < MESSAGE_CAP
    assert "staff_total" not in iv.data


# --- Batch rows -------------------------------------------------------------------------


def test_bad_numbers_in_csv_rows_are_reported_and_the_other_rows_checked(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "r.csv"
    src.write_text(
        "企业名称,职工总数,2025年度研发费用\n"
        f"甲,1e5000,\n乙,{HUGE_INT},\n丙,,1e1000000\n丁,100,5万\n",
        encoding="utf-8",
    )
    result = batch(src, "-o", out)
    assert result.exit_code == 1 and "Traceback" not in result.output
    rows = output_rows(out)
    assert [r["企业名称"] for r in rows] == ["甲", "乙", "丙", "丁"]
    assert all(r["错误"] for r in rows[:3]) and not rows[3]["错误"]
    assert "1e5000" in rows[0]["错误"] and "1e1000000" in rows[2]["错误"]
    assert max(len(r["错误"]) for r in rows) < MESSAGE_CAP


def test_bad_numbers_and_nesting_in_json_lines_are_reported_by_line(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "r.csv"
    lines = [
        '{"name": "甲", "staff_total": 1e5000}',
        '{"name": "乙", "staff_total": ' + HUGE_INT + "}",
        "[" * 100_000,
        '{"name": "丁", "staff_total": "' + "x" * (2**20 + 10) + '"}',
        '{"name": "戊", "staff_total": 3}',
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = batch(src, "-o", out)
    assert result.exit_code == 1 and "Traceback" not in result.output
    rows = output_rows(out)
    assert [r["行号"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert all(r["错误"] for r in rows[:4]) and not rows[4]["错误"]
    assert "nested" in rows[2]["错误"] and "line of more than" in rows[3]["错误"]


def test_an_unterminated_csv_quote_is_reported_at_its_row(tmp_path):
    """The quote swallows the next enterprise's row into this one: never silently."""
    src = tmp_path / "in.csv"
    src.write_text('企业名称,职工总数\n甲,"12\n乙,30\n丙,40\n', encoding="utf-8")
    rows = read_rows(src)
    assert [r.number for r in rows] == [2]
    assert "unterminated quote" in rows[0].messages()[0] and not rows[0].ok


def test_a_cell_longer_than_excel_allows_is_a_row_problem(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(f"企业名称,备注\n甲,{'x' * (MAX_TEXT + 1)}\n乙,\n", encoding="utf-8")
    rows = read_rows(src)
    assert not rows[0].ok and "32767" in rows[0].messages()[0] and len(rows[0].messages()[0]) < MESSAGE_CAP
    assert rows[1].ok


# --- XLSX -------------------------------------------------------------------------------


def _workbook(path, rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)


def _rewrite(path, member, change):
    """Rewrite one part of an XLSX archive (as a hostile file would have it)."""
    with zipfile.ZipFile(path) as zin:
        parts = {i.filename: zin.read(i) for i in zin.infolist()}
    parts[member] = change(parts[member])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)


SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(params=["calamine", "openpyxl"])
def xlsx_reader(request, monkeypatch):
    """Each XLSX bound holds for both readers (openpyxl streams the sheets calamine would
    hold whole in memory)."""
    import eligibility._tabular as tabular

    if request.param == "openpyxl":
        monkeypatch.setattr(tabular, "CALAMINE_XLSX_MAX_XML", 0)
    return request.param


def test_an_xlsx_whose_dimension_says_a1_is_read_in_full(tmp_path, xlsx_reader):
    src = tmp_path / "in.xlsx"
    _workbook(src, [["企业名称", "职工总数"], ["甲", 10], ["乙", 20]])
    _rewrite(src, SHEET, lambda x: x.replace(b'<dimension ref="A1:B3" />', b'<dimension ref="A1" />'))
    assert b'<dimension ref="A1" />' in zipfile.ZipFile(src).read(SHEET)
    assert [r.name for r in read_rows(src)] == ["甲", "乙"]


def test_an_infinite_number_in_an_xlsx_cell_is_a_row_problem(tmp_path, xlsx_reader):
    src, out = tmp_path / "in.xlsx", tmp_path / "r.csv"
    _workbook(src, [["企业名称", "职工总数"], ["甲", 12345], ["乙", 20]])
    _rewrite(src, SHEET, lambda x: x.replace(b"<v>12345</v>", b"<v>1e5000</v>"))
    result = batch(src, "-o", out)
    assert result.exit_code == 1 and "Traceback" not in result.output
    rows = output_rows(out)
    assert rows[0]["错误"] and not rows[1]["错误"]


def test_an_xlsx_that_expands_a_thousandfold_is_refused_before_reading(tmp_path, xlsx_reader):
    src = tmp_path / "in.xlsx"
    _workbook(src, [["企业名称", "备注"], ["甲", "PLACEHOLDER"]])
    _rewrite(src, SHEET, lambda x: x.replace(b"PLACEHOLDER", b"A" * (50 * 2**20)))
    assert src.stat().st_size < 2**20
    with pytest.raises(ProfileError, match="expands"):
        read_rows(src)


def test_an_xlsx_declaring_a_dtd_is_refused(tmp_path, xlsx_reader):
    src, out = tmp_path / "in.xlsx", tmp_path / "r.csv"
    _workbook(src, [["企业名称"], ["甲"]])
    dtd = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE x [<!ENTITY e "lol">]>'
    _rewrite(src, SHEET, lambda x: dtd + x)
    result = batch(src, "-o", out)
    assert result.exit_code == 1 and "Traceback" not in result.output and "DTD" in result.output
    assert not out.exists()


def test_malformed_xml_in_an_xlsx_sheet_is_one_clear_error(tmp_path, xlsx_reader):
    src, out = tmp_path / "in.xlsx", tmp_path / "r.csv"
    _workbook(src, [["企业名称"], ["甲"]])
    _rewrite(src, SHEET, lambda x: x.replace(b"</sheetData>", b"<row><c></sheetData>"))
    result = batch(src, "-o", out)
    assert result.exit_code == 1 and "Traceback" not in result.output and "XLSX" in result.output


# --- Rule files -------------------------------------------------------------------------


def _rules_with(tmp_path, name, text):
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    (root / "supports" / name).write_text(text, encoding="utf-8")
    return root


def _alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]" for i in range(9)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_in_a_rule_file_is_reported_by_lint_with_its_file(tmp_path):
    root = _rules_with(tmp_path, "bomb.yaml", _alias_bomb())
    result = runner.invoke(app, ["rules", "lint", str(root)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "supports/bomb.yaml" in result.output and "values" in result.output


def test_an_alias_bomb_in_a_rule_file_stops_check_with_a_rule_error(tmp_path):
    root = _rules_with(tmp_path, "bomb.yaml", _alias_bomb())
    with pytest.raises(RuleError) as refused:
        load_catalogue(root)
    assert any(p.location == "supports/bomb.yaml" for p in refused.value.problems)


def test_aliases_with_duplicate_keys_are_reported_once_per_key(tmp_path):
    """The duplicate-key walk visits a node once however often aliases repeat it."""
    text = "x: &x {k: 1, k: 2}\n" + "\n".join(f"y{i}: *x" for i in range(30)) + "\n"
    root = _rules_with(tmp_path, "dupes.yaml", text)
    with pytest.raises(RuleError) as refused:
        load_catalogue(root)
    dupes = [p for p in refused.value.problems if "duplicate key" in p.message]
    assert [(p.location, p.line) for p in dupes] == [("supports/dupes.yaml", 1)]


def test_a_huge_number_in_a_rule_file_is_reported_at_its_line(tmp_path):
    root = _rules_with(tmp_path, "num.yaml", f"id: x\nvalue: {HUGE_INT}\n")
    with pytest.raises(RuleError) as refused:
        load_catalogue(root)
    found = [p for p in refused.value.problems if p.location == "supports/num.yaml"]
    assert found and found[0].line == 2 and len(found[0].message) < MESSAGE_CAP
