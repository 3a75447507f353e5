"""Batch output a person can work with: widths, filter, colours, chart, and the run's record."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from eligibility import load_catalogue
from eligibility._batch import VERDICT_CELL, VERDICT_COLOURS
from eligibility._commands import app
from eligibility._record import record_of
from eligibility.report import Verdict

from conftest import AS_OF, EXAMPLES, RULES

runner = CliRunner()
EXAMPLE_CSV = EXAMPLES / "batch_enterprises.csv"


@pytest.fixture(scope="module")
def record():
    return record_of(load_catalogue(RULES), AS_OF)


def run(tmp_path, name):
    out = tmp_path / name
    result = runner.invoke(app, ["batch", str(EXAMPLE_CSV), "-o", str(out), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return load_workbook(run(tmp_path_factory.mktemp("xlsx"), "结果.xlsx"))


def test_every_results_column_has_a_width_fitting_its_wrapped_header(book):
    sheet = book["结果"]
    header = [c.value for c in sheet[1]]
    widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
    assert all(w >= 6 for w in widths) and len(widths) == len(header)
    assert widths[1] >= 30  # names
    assert sheet.row_dimensions[1].height > 15  # the header wraps and shows whole
    assert sheet[1][3].alignment.wrap_text


def test_the_results_have_a_filter_over_every_column_and_row(book):
    sheet = book["结果"]
    assert sheet.auto_filter.ref == f"A1:{sheet[1][-1].column_letter}5"  # a header and four enterprises


def test_each_verdict_has_its_colour_over_the_support_columns(book):
    sheet = book["结果"]
    rules = {}
    for cf in sheet.conditional_formatting:
        for rule in cf.rules:
            rules[rule.formula[0]] = (str(cf.sqref), rule.dxf.fill.fgColor.rgb[-6:], rule.dxf.font.color.rgb[-6:])
    for verdict, (fg, bg) in VERDICT_COLOURS.items():
        area, fill, font = rules[f'"{VERDICT_CELL[verdict].zh}"']
        assert area.startswith("D2:") and (fill, font) == (bg, fg)


def test_the_summary_has_a_chart_of_the_verdicts_per_support(book):
    sheet = book["汇总"]
    (chart,) = sheet._charts
    assert chart.grouping == "stacked" and len(chart.series) == 3
    n = next(i for i, row in enumerate(sheet.iter_rows(min_row=2, values_only=True)) if row[0] is None)  # the supports' rows
    assert [s.tx.strRef.f for s in chart.series] == ["'汇总'!C1", "'汇总'!D1", "'汇总'!E1"]  # the three verdicts
    assert chart.series[0].cat.numRef.f == f"'汇总'!$B$2:$B${n + 1}"  # the support names
    assert [s.val.numRef.f for s in chart.series][2] == f"'汇总'!$E$2:$E${n + 1}"


def test_the_summary_sheet_records_versions_fingerprint_date_and_input(book, record):
    rows = {r[0]: r[1] for r in book["汇总"].iter_rows(values_only=True) if r[0]}
    assert rows["程序版本"] == record.package_version
    assert rows["规则目录版本"] == record.catalogue_version
    assert rows["规则指纹"] == record.rules_fingerprint
    assert rows["评估日期"] == AS_OF.isoformat()
    assert rows["输入文件"] == "batch_enterprises.csv"
    assert rows["企业数（行）"] == 4


def test_the_csv_summary_records_the_run(tmp_path, record):
    run(tmp_path, "r.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "r.summary.csv").read_text(encoding="utf-8-sig"))))
    recorded = {r[0]: r[1] for r in rows if len(r) == 2}
    assert recorded["规则指纹"] == record.rules_fingerprint and recorded["输入文件"] == "batch_enterprises.csv"
    assert recorded["企业数（行）"] == "4" and recorded["评估日期"] == AS_OF.isoformat()


def test_the_json_summary_records_the_run(tmp_path, record):
    run(tmp_path, "r.jsonl")
    data = json.loads((tmp_path / "r.summary.json").read_text(encoding="utf-8"))
    assert data["record"] == record.model_dump(mode="json")
    assert data["input"] == {"file": "batch_enterprises.csv", "rows": 4}
