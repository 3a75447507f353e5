"""``eligibility batch --template``: the workbook a zone office fills in, and reads back."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from eligibility._commands import app
from eligibility.profile import EnterpriseProfile
from eligibility._tabular import read_rows
from eligibility._template import TemplateColumn, template_columns

from conftest import AS_OF, EXAMPLES

runner = CliRunner()
YEARS = (2023, 2024, 2025)


def make_template(tmp_path, *args):
    path = tmp_path / "企业清单.xlsx"
    result = runner.invoke(app, ["batch", "--template", str(path), "--as-of", AS_OF.isoformat(), *args])
    assert result.exit_code == 0, result.output
    return path


def cell_for(column: TemplateColumn, value, lang="zh"):
    """What a person picks or types in the template for a profile value."""
    spec = column.spec
    labels = {code: label(lang) for code, label in zip(spec.choices, spec.choice_labels)}
    if spec.type == "bool":
        return {True: "是", False: "否"}[value] if lang == "zh" else {True: "yes", False: "no"}[value]
    if spec.type == "enum":
        return labels[value]
    if spec.type == "enum_list":
        return "、".join(labels[v] for v in value) or "无"
    if spec.type == "date":
        return date.fromisoformat(value)
    if spec.type in ("int", "decimal"):
        return float(Decimal(str(value)) / column.scale)
    return value


def field_value(data, path):
    m = re.match(r"^financials\[(\d+)\]\.(\w+)$", path)
    if m:
        year = next((fy for fy in data.get("financials", []) if fy["year"] == int(m.group(1))), {})
        return year.get(m.group(2))
    node = data
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_template_filled_with_a_profile_reads_back_as_that_profile(tmp_path, lang):
    """Each example enterprise typed into the template the way a person would comes back unchanged."""
    path = make_template(tmp_path, "--lang", lang)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    columns = template_columns(YEARS, lang)
    assert headers == [c.header for c in columns]
    examples = sorted(EXAMPLES.glob("*.json"))
    expected = []
    for row, example in enumerate(examples, start=2):
        data = EnterpriseProfile.model_validate(json.loads(example.read_text(encoding="utf-8"))).model_dump(mode="json")
        data["financials"] = [fy for fy in data["financials"] if fy["year"] in YEARS]
        expected.append(EnterpriseProfile.model_validate(data))
        for i, column in enumerate(columns, start=1):
            value = field_value(data, column.spec.path)
            if value is not None:
                sheet.cell(row=row, column=i, value=cell_for(column, value, lang))
    book.save(path)
    rows = read_rows(path)
    assert [m for r in rows for m in r.messages()] == []
    assert [r.profile for r in rows] == expected
    result = runner.invoke(app, ["batch", str(path), "-o", str(tmp_path / "结果.xlsx"), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output


def test_the_template_scales_money_in_wan_yuan():
    columns = {c.spec.path: c for c in template_columns(YEARS)}
    assert columns["financials[2025].rd_expense"].header == "2025年度研发费用（万元）"
    assert columns["financials[2025].rd_expense"].scale == 10_000
    assert columns["capital.post_money_valuation_usd"].header == "最近一轮投后估值（万美元）"
    assert columns["rd_institution.floor_area"].header == "研发场所面积（平方米）"


def _validations(sheet):
    out = {}
    for dv in sheet.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[re.sub(r"\d", "", rng.coord.split(":")[0])] = dv
    return out


def test_choices_and_yes_no_are_dropdowns_of_their_labels(tmp_path):
    book = load_workbook(make_template(tmp_path))
    sheet, choices = book.worksheets[0], book["选项"]
    validations = _validations(sheet)
    for i, column in enumerate(template_columns(YEARS), start=1):
        letter = sheet.cell(row=1, column=i).column_letter
        spec = column.spec
        if spec.type == "bool":
            assert validations[letter].type == "list" and validations[letter].formula1 == '"是,否"'
        elif spec.type in ("enum", "enum_list"):
            dv = validations[letter]
            assert dv.type == "list"
            listed = [c.value for c in choices[letter][: len(spec.choices)]]
            assert listed == [label.zh for label in spec.choice_labels]
            assert dv.showErrorMessage is (spec.type == "enum")  # several, separated by 、, may be typed


def test_numbers_and_dates_are_validated_within_the_fields_bounds(tmp_path):
    book = load_workbook(make_template(tmp_path))
    sheet = book.worksheets[0]
    validations = _validations(sheet)
    by_path = {c.spec.path: (sheet.cell(row=1, column=i).column_letter, c) for i, c in enumerate(template_columns(YEARS), start=1)}
    letter, _ = by_path["staff_total"]
    assert (validations[letter].type, validations[letter].formula1, validations[letter].formula2) == ("decimal", "0", "10000000")
    letter, _ = by_path["ip.class_i"]
    assert validations[letter].type == "whole"
    letter, _ = by_path["financials[2025].net_profit"]  # may be negative; in 万元
    assert (validations[letter].type, validations[letter].formula1) == ("decimal", "-1000000000")
    letter, _ = by_path["registration_date"]
    assert validations[letter].type == "date"
    letter, _ = by_path["uscc"]
    assert (validations[letter].type, validations[letter].formula1) == ("textLength", "18")


def test_the_header_is_frozen_and_the_instructions_list_every_column(tmp_path):
    book = load_workbook(make_template(tmp_path))
    sheet, guide = book.worksheets[0], book["填写说明"]
    assert sheet.freeze_panes == "B2"
    listed = [row[1] for row in guide.iter_rows(values_only=True) if row[0] and re.fullmatch(r"[A-Z]+", str(row[0]))]
    assert listed == [c.value for c in sheet[1]]
    assert book["选项"].sheet_state == "hidden"


def test_an_existing_template_is_not_overwritten_without_force(tmp_path):
    path = tmp_path / "企业清单.xlsx"
    path.write_bytes(b"the office's own list")
    result = runner.invoke(app, ["batch", "--template", str(path)])
    assert result.exit_code == 2 and "--force" in result.output
    assert path.read_bytes() == b"the office's own list"


def test_the_template_must_be_xlsx(tmp_path):
    result = runner.invoke(app, ["batch", "--template", str(tmp_path / "t.csv")])
    assert result.exit_code == 2 and ".xlsx" in result.output
