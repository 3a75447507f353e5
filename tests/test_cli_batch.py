"""``eligibility batch``: a zone office checks its enterprises at once."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from eligibility import evaluate
from eligibility._commands import app

from conftest import AS_OF, EXAMPLES

runner = CliRunner()
EXAMPLE_CSV = EXAMPLES / "batch_enterprises.csv"
DAY = AS_OF.isoformat()

HEADER = ["企业名称", "所属行业门类", "已纳入规模以上（限额以上）统计库", "2025年度主营业务收入", "研发机构最高级别", "返乡创业人员"]
GOOD = ["竹山县甲工业有限公司", "工业", "是", "3000万", "无", "否"]


def batch(*args):
    return runner.invoke(app, ["batch", *map(str, args), "--as-of", DAY])


def read_csv(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_the_example_csv_gives_one_row_per_enterprise_and_a_summary(tmp_path):
    """UTF-8 CSV with Chinese headers in, CSV out, with its summary beside it."""
    out = tmp_path / "r.csv"
    result = batch(EXAMPLE_CSV, "-o", out)
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    assert rows[0][:3] == ["行号", "企业名称", "统一社会信用代码"]
    assert "规上企业研发机构全覆盖" in rows[0] and rows[0][-1] == "错误"
    assert [r[0] for r in rows[1:]] == ["2", "3", "4", "5"]
    summary = read_csv(tmp_path / "r.summary.csv")
    assert summary[0][:2] == ["政策编号", "政策"] and {r[0] for r in summary[1:] if r} >= {"returnee_entrepreneurship"}
    assert "汇总" in result.output and "4 家企业" in result.output


def test_a_gbk_csv_is_read(tmp_path):
    """A CSV saved by Chinese spreadsheet software in GBK is read like UTF-8."""
    src = tmp_path / "gbk.csv"
    src.write_bytes(("\r\n".join(",".join(r) for r in (HEADER, GOOD)) + "\r\n").encode("gbk"))
    out = tmp_path / "r.jsonl"
    result = batch(src, "-o", out)
    assert result.exit_code == 0, result.output
    line = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert line["name"] == "竹山县甲工业有限公司"
    assert line["verdicts"]["rd_institution_full_coverage"] == "eligible"


def test_an_xlsx_with_typed_cells_is_read_and_xlsx_is_written(tmp_path):
    """XLSX in (dates, numbers and booleans as cells) and XLSX out, the summary on a second sheet."""
    src = tmp_path / "in.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["name", "sector", "in_stats_register", "financials.2025.main_business_revenue", "rd_institution.level", "registration_date", "staff_total"])
    ws.append(["竹山县乙公司", "industry", True, 30_000_000, "none", datetime(2019, 6, 18), 186.0])
    ws.append([None] * 7)
    ws.append(["=丙公司", "零售业", False, None, None, date(2020, 1, 2), 12])
    ws["A4"].data_type = "s"  # a name that looks like a formula
    wb.save(src)
    out = tmp_path / "r.xlsx"
    result = batch(src, "-o", out)
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    results, summary = book.worksheets
    rows = list(results.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [2, 4]  # the blank row 3 is skipped; numbers stay the user's
    assert rows[2][1] == "'=丙公司" and results.cell(row=3, column=2).data_type == "s"  # text, neutralised (OWASP)
    col = rows[0].index("规上企业研发机构全覆盖")
    assert rows[1][col] == "可以申报"
    assert summary.title == "汇总" and summary.cell(row=1, column=1).value == "政策编号"


def test_a_broken_row_is_reported_and_the_others_are_still_checked(tmp_path):
    """A bad row names its row number and column; the rest are evaluated; exit 1; output written."""
    src = tmp_path / "in.csv"
    bad = ["竹山县坏数据公司", "工厂", "也许", "-5", "", ""]
    src.write_text("\n".join(",".join(r) for r in (HEADER, GOOD, bad, GOOD)) + "\n", encoding="utf-8")
    out = tmp_path / "r.csv"
    result = batch(src, "-o", out)
    assert result.exit_code == 1
    assert "row 3: 所属行业门类" in result.output and "row 3: 已纳入规模以上（限额以上）统计库" in result.output
    assert "row 3: 2025年度主营业务收入: 不能小于 0" in result.output
    assert "Traceback" not in result.output
    rows = read_csv(out)
    assert [r[1] for r in rows[1:]] == ["竹山县甲工业有限公司", "竹山县坏数据公司", "竹山县甲工业有限公司"]
    assert rows[1][-1] == "" and "所属行业门类" in rows[2][-1] and rows[2][3] == ""
    assert rows[3][rows[0].index("规上企业研发机构全覆盖")] == "可以申报"


def test_results_are_the_same_as_checking_one_at_a_time(tmp_path):
    """Batch verdicts equal evaluate() on each profile alone."""
    profiles = [json.loads((EXAMPLES / "battery_materials.json").read_text(encoding="utf-8")), {"name": "乙", "founder": {"is_returnee": True}}]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in profiles) + "\n", encoding="utf-8")
    out = tmp_path / "r.jsonl"
    result = batch(src, "-o", out)
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    for profile, line in zip(profiles, lines):
        report = evaluate(profile, as_of=AS_OF)
        assert line["verdicts"] == {s.id: s.verdict.value for s in report.supports}
    summary = json.loads((tmp_path / "r.summary.json").read_text(encoding="utf-8"))
    assert summary["enterprises"] == 2 and summary["invalid_rows"] == []


def test_a_bad_json_line_is_reported_by_line(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"name": "甲"}\n{"name": \n{"name": "丙", "staff_total": "many"}\n', encoding="utf-8")
    result = batch(src, "-o", tmp_path / "r.jsonl")
    assert result.exit_code == 1
    assert "line 2: JSON 格式错误" in result.output and "line 3: staff_total" in result.output


def test_an_existing_output_is_not_overwritten_without_force(tmp_path):
    """Existing output (or its summary file) is refused, exit 2; --force overwrites."""
    out = tmp_path / "r.csv"
    out.write_text("keep", encoding="utf-8")
    result = batch(EXAMPLE_CSV, "-o", out)
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_text(encoding="utf-8") == "keep"
    out.unlink()
    (tmp_path / "r.summary.csv").write_text("keep", encoding="utf-8")
    assert batch(EXAMPLE_CSV, "-o", out).exit_code == 2 and not out.exists()
    result = batch(EXAMPLE_CSV, "-o", out, "--force")
    assert result.exit_code == 0 and read_csv(out)[0][0] == "行号"


def test_the_output_may_not_be_the_input(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(EXAMPLE_CSV.read_bytes())
    result = batch(src, "-o", src, "--force")
    assert result.exit_code == 2
    assert src.read_bytes() == EXAMPLE_CSV.read_bytes()


@pytest.mark.parametrize(
    ("name", "expected"),
    [("missing.csv", "文件不存在"), ("in.docx", "INPUT")],
)
def test_bad_inputs_give_one_clear_message(tmp_path, name, expected):
    result = batch(tmp_path / name, "-o", tmp_path / "r.csv")
    assert result.exit_code in (1, 2) and expected in result.output and "Traceback" not in result.output


def test_an_unknown_column_is_named_and_nothing_is_written(tmp_path):
    """Unknown header: exit 1 naming the column; no output file."""
    src = tmp_path / "in.csv"
    src.write_text("企业名称,员工人数\n甲,5\n", encoding="utf-8")
    out = tmp_path / "r.csv"
    result = batch(src, "-o", out)
    assert result.exit_code == 1 and "员工人数" in result.output and "column B" in result.output
    assert not out.exists()


def test_an_unsupported_output_type_is_a_usage_error(tmp_path):
    result = batch(EXAMPLE_CSV, "-o", tmp_path / "r.ods")
    assert result.exit_code == 2


def test_batch_in_english(tmp_path):
    out = tmp_path / "r.csv"
    result = runner.invoke(app, ["batch", str(EXAMPLE_CSV), "-o", str(out), "--as-of", DAY, "--lang", "en"])
    assert result.exit_code == 0, result.output
    header = read_csv(out)[0]
    assert header[:3] == ["row", "name", "uscc"] and "eligible" in read_csv(out)[1]


def test_a_file_that_is_not_really_xlsx_is_one_clear_error(tmp_path):
    src = tmp_path / "in.xlsx"
    src.write_text("企业名称\n甲\n", encoding="utf-8")
    result = batch(src, "-o", tmp_path / "r.csv")
    assert result.exit_code == 1 and "XLSX" in result.output and "Traceback" not in result.output


def test_a_batch_over_two_processes_writes_the_same_results(tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    src = str(EXAMPLES / "batch_enterprises.csv")
    a = runner.invoke(app, ["batch", src, "-o", str(one), "--as-of", "2026-11-25"])
    b = runner.invoke(app, ["batch", src, "-o", str(two), "--as-of", "2026-11-25", "--jobs", "2"])
    assert a.exit_code == b.exit_code
    assert one.read_text(encoding="utf-8") == two.read_text(encoding="utf-8")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_broken_csv_line_deep_in_the_file_is_one_clear_error_and_nothing_is_written(tmp_path, jobs):
    """Rows are read as they are checked; a line the CSV reader cannot parse, after good
    rows, still stops the run with one message and no output (over processes too)."""
    src = tmp_path / "in.csv"
    lines = [",".join(HEADER), ",".join(GOOD), ",".join(GOOD), "竹山县乙公司," + "x" * 200_000]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "r.csv"
    result = batch(src, "-o", out, "--jobs", jobs)
    assert result.exit_code == 1 and "invalid CSV" in result.output and "Traceback" not in result.output
    assert not out.exists() and not (tmp_path / "r.summary.csv").exists()


def test_a_full_disk_is_one_clear_error_and_the_old_results_stay(tmp_path):
    from unittest import mock

    out = tmp_path / "r.csv"
    out.write_text("old", encoding="utf-8")
    full = OSError(28, "No space left on device")
    with mock.patch("eligibility._batch._CsvWriter.row", side_effect=full):
        result = batch(EXAMPLE_CSV, "-o", out, "--force")
    assert result.exit_code == 1 and "无法写入" in result.output and "No space left" in result.output
    assert "Traceback" not in result.output
    assert out.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]


def test_a_control_character_in_a_name_is_written_to_xlsx_in_its_escaped_form(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "r.xlsx"
    src.write_text("企业名称,所属行业门类\n甲\x01公司,工业\n", encoding="utf-8")
    result = batch(src, "-o", out)
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).worksheets[0]
    assert sheet.cell(row=2, column=2).value == "甲_x0001_公司"
