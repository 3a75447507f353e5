"""A zone office's own spreadsheets: units in headers, office file formats, "did you mean".

The files under ``tests/data/office`` were saved by LibreOffice Calc from ``enterprises.csv``
(``make.sh`` there regenerates them), as an office's software saves them.
"""

from __future__ import annotations

import csv
import io
import pickle
import shutil
from decimal import Decimal
from unittest import mock

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from eligibility import _tabular as tabular
from eligibility._commands import app
from eligibility.errors import ProfileError
from eligibility._profile_io import parse_profile
from eligibility._fields import field_spec
from eligibility._tabular import CellError, Columns, HeaderError, parse_value, read_csv, read_rows, resolve_column
from eligibility._units import parse_quantity

from conftest import AS_OF, ROOT

OFFICE = ROOT / "tests" / "data" / "office"


def profiles(path):
    rows = read_rows(path)
    assert all(r.ok for r in rows), [m for r in rows for m in r.messages()]
    return [r.profile.model_dump(mode="json") for r in rows]


@pytest.mark.parametrize("suffix", ["xlsx", "xls", "ods", "txt"])
def test_an_office_saved_copy_reads_as_its_csv(suffix):
    """XLSX, XLS, ODS and the UTF-16 tab-separated 「Unicode 文本」 give the CSV's profiles."""
    assert profiles(OFFICE / f"enterprises.{suffix}") == profiles(OFFICE / "enterprises.csv")


def test_the_unicode_text_export_is_utf16_and_tab_separated():
    """The fixture is what the export writes: a UTF-16 BOM and tabs (so the test means something)."""
    data = (OFFICE / "enterprises.txt").read_bytes()
    assert data[:2] == b"\xff\xfe" and "\t" in data.decode("utf-16")


def test_units_in_headers_scale_their_columns():
    """万元, 千元, 万美元 multiply; 平方米, 年, 分, 人, 件 are the field's own unit."""
    (first, *_) = read_rows(OFFICE / "enterprises.xlsx")
    p = first.profile
    fy2025 = next(fy for fy in p.financials if fy.year == 2025)
    assert fy2025.rd_expense == 4_600_000  # 460 in （万元）
    assert fy2025.operating_revenue == 52_000_000  # 52000 in （千元）
    assert p.capital.post_money_valuation_usd == 12_000_000  # 1200 in （万美元）
    assert p.rd_institution.floor_area == Decimal("850.5")
    assert p.cooperation.university_cooperation_years == 6
    assert p.hnte_self_assessment.ip_points == 24
    assert p.ip.class_i == 3


def test_a_cell_naming_its_own_magnitude_is_taken_as_written():
    """1千万 and 3百万 in a column without a unit; 1.5亿 in a （万元） column is 1.5亿, not 1.5亿万."""
    rows = read_rows(OFFICE / "enterprises.csv")
    revenue_2024 = [next(fy.operating_revenue for fy in r.profile.financials if fy.year == 2024) for r in rows]
    assert revenue_2024 == [10_000_000, 3_000_000, 120_000_000]
    assert next(fy.rd_expense for fy in rows[2].profile.financials if fy.year == 2025) == 150_000_000


@pytest.mark.parametrize(
    ("header", "scale"),
    [
        ("2025年度研发费用（元）", 1),
        ("2025年度研发费用（千元）", 1_000),
        ("2025年度研发费用（万元）", 10_000),
        ("2025年度研发费用(亿元)", 100_000_000),
        ("研发仪器设备原值（单位：万元）", 10_000),
        ("研发场所面积（㎡）", 1),
        ("最近一轮投后估值（美元）", 1),
        ("最近一轮投后估值（万美元）", 10_000),
    ],
)
def test_a_header_unit_gives_its_factor(header, scale):
    assert resolve_column(header).scale == scale


@pytest.mark.parametrize(("header", "unit"), [("职工总数（元）", "元"), ("2025年度研发费用（平方米）", "平方米"), ("企业名称（万元）", "万元")])
def test_a_unit_that_does_not_fit_the_field_is_refused_naming_the_units_that_do(header, unit):
    with pytest.raises(HeaderError, match=f"单位“{unit}”与该字段不符"):
        resolve_column(header)


@pytest.mark.parametrize(
    ("text", "scale", "value"),
    [
        ("460", 10_000, 4_600_000),
        ("0.0001", 10_000, 1),
        ("1千万", 1, 10_000_000),
        ("3百万", 1, 3_000_000),
        ("1.2千万", 1, 12_000_000),
        ("5千", 1, 5_000),
        ("460万元", 1_000, 4_600_000),
        ("460元", 10_000, 460),
        ("1,234,500", 1, 1_234_500),
    ],
)
def test_money_cells_with_magnitudes_and_scales(text, scale, value):
    assert parse_quantity(text, "元", scale) == value


def test_a_scaled_amount_that_is_not_whole_yuan_is_refused():
    """0.00001 万元 is 0.1 yuan: money fields are whole yuan."""
    with pytest.raises(CellError, match="应为整数"):
        parse_value(field_spec("financials[2025].rd_expense"), "0.00001", 10_000)


def test_a_unit_of_another_field_in_a_cell_is_refused():
    with pytest.raises(CellError, match="应为数字"):
        parse_value(field_spec("financials[2025].rd_expense"), "500美元")


def test_an_unknown_header_suggests_the_closest_columns():
    with pytest.raises(ProfileError) as exc:
        Columns.from_headers(["企业名称", "2025年度研发经费（万元）", "职工人数"])
    messages = [str(p) for p in exc.value.problems]
    assert messages[0].startswith("column B: ") and "'2025年度研发费用'" in messages[0]
    assert messages[1].startswith("column C: ") and "'职工总数'" in messages[1]


def test_an_unknown_profile_field_suggests_the_closest_fields():
    with pytest.raises(ProfileError) as exc:
        parse_profile({"name": "甲", "founder": {"is_retunee": True}, "financials": [{"year": 2025, "rd_expence": 1}]})
    messages = sorted(str(p) for p in exc.value.problems)
    assert "did you mean 'rd_expense'" in messages[0] and "did you mean 'is_returnee'" in messages[1]


def test_a_column_is_resolved_once_not_per_cell():
    """Rows are read from the resolved columns alone, which survive pickling (for worker processes)."""
    columns = pickle.loads(pickle.dumps(Columns.from_headers(["企业名称", "2025年度研发费用（万元）"])))
    with mock.patch.object(tabular, "field_spec", side_effect=AssertionError("resolved again")):
        rows = [columns.row(n, ["甲", "460"]) for n in (2, 3)]
    assert [r.profile.financials[0].rd_expense for r in rows] == [4_600_000, 4_600_000]


def test_a_bad_cell_in_a_unit_column_names_the_header_as_written():
    (row,) = read_csv("企业名称,2025年度研发费用（万元）\n甲,很多\n")
    assert row.messages() == ["row 2: 2025年度研发费用（万元）: 应为数字（可写 2000万、1千万、1.5亿） (expected a number); got '很多'"]


def test_a_sheet_starting_below_and_right_of_a1_keeps_the_users_row_and_column(tmp_path):
    """A leading empty column is no header; the rows keep their numbers."""
    wb = Workbook()
    ws = wb.active
    ws["B1"], ws["C1"] = "企业名称", "职工总数"
    ws["B2"], ws["C2"] = "甲", "很多"
    ws["B4"], ws["C4"] = "乙", 5
    wb.save(tmp_path / "t.xlsx")
    bad, good = read_rows(tmp_path / "t.xlsx")
    assert bad.messages() == ["row 2: 职工总数: 应为数字 (expected a number); got '很多'"]
    assert good.number == 4 and good.ok


def test_a_large_xlsx_is_streamed_with_the_same_rows(monkeypatch):
    """Above the size calamine may hold in memory, openpyxl streams the sheet: same profiles."""
    monkeypatch.setattr(tabular, "CALAMINE_XLSX_MAX_XML", 0)
    with mock.patch.object(tabular, "CalamineWorkbook", side_effect=AssertionError("loaded whole")):
        assert profiles(OFFICE / "enterprises.xlsx") == profiles(OFFICE / "enterprises.csv")


def test_an_et_file_in_the_xls_format_is_read_by_its_content(tmp_path):
    """WPS 表格's .et, where saved in the XLS (BIFF) format, is read as the XLS it is."""
    shutil.copy(OFFICE / "enterprises.xls", tmp_path / "清单.et")
    assert profiles(tmp_path / "清单.et") == profiles(OFFICE / "enterprises.csv")


@pytest.mark.parametrize("suffix", ["xls", "ods", "et"])
def test_a_file_that_is_not_really_a_workbook_is_one_clear_error(tmp_path, suffix):
    bad = tmp_path / f"清单.{suffix}"
    bad.write_text("企业名称\n甲\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["batch", str(bad), "-o", str(tmp_path / "r.csv"), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 1 and "无法读取" in result.output and "Traceback" not in result.output


def test_batch_reads_an_ods_file(tmp_path):
    out = tmp_path / "r.csv"
    result = CliRunner().invoke(app, ["batch", str(OFFICE / "enterprises.ods"), "-o", str(out), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [(r[0], r[1]) for r in rows[1:]] == [("2", "竹山县甲材料有限公司"), ("3", "竹山县乙科技有限公司"), ("4", "竹山县丙电器有限公司")]
