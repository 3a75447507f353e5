"""The input template for ``eligibility batch --template``: an XLSX workbook a zone office
fills in, one enterprise per row.

Made from the profile model, so it cannot drift from what ``batch`` reads: one column per
field (Chinese title with its unit; money in 万元, as offices count it), a dropdown for
each choice and 是/否 field, number and date validation, a frozen header, and a sheet of
instructions listing every column with its meaning. The filled file is read back by
:mod:`eligibility._tabular` like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ._fields import FieldSpec, column_name, field_spec, scalar_paths, yearly_fields, yearly_path
from ._tabular import resolve_column
from ._render import t
from ._text import Lang, display_width
from ._units import split_header_unit

MONEY_UNIT = {"元": "万元", "美元": "万美元"}
"""The unit a template gives money columns: offices count in 万元."""

_ROWS = 1_048_576  # validation covers the whole column below the header
_YUAN_NOTE = re.compile(r"[，,；;]?\s*单位[:：]\s*(?:元|美元)")


@dataclass(frozen=True)
class TemplateColumn:
    """One column of the template: its header and the field it fills."""

    header: str
    spec: FieldSpec
    unit: str | None
    """The unit its numbers are in (the header's), None for other kinds of field."""
    scale: int = 1


def template_columns(years: tuple[int, ...], lang: Lang = "zh") -> list[TemplateColumn]:
    """The template's columns: every single-valued profile field (name and USCC first),
    then the yearly figures for each of ``years``."""
    paths = scalar_paths()
    paths = ["name", "uscc", *(p for p in paths if p not in ("name", "uscc"))]
    paths += [yearly_path(y, f) for y in years for f in yearly_fields()]
    return [_column(field_spec(p), lang) for p in paths]


def _column(spec: FieldSpec, lang: Lang) -> TemplateColumn:
    if lang == "en":  # dotted names, in the field's own unit
        return TemplateColumn(column_name(spec.path), spec, spec.unit)
    title, _ = split_header_unit(spec.label.zh)
    unit = MONEY_UNIT.get(spec.unit or "", spec.unit)
    header = f"{title}（{unit}）" if unit else spec.label.zh
    column = resolve_column(header)  # the reader's own reading of the header: they cannot differ
    return TemplateColumn(header, spec, unit, column.scale)


def default_years(today: date) -> tuple[int, ...]:
    """The three fiscal years before ``today``'s, the period the supports look back over."""
    return (today.year - 3, today.year - 2, today.year - 1)


def write_template(fh: BinaryIO | str | Path, years: tuple[int, ...], lang: Lang = "zh") -> list[TemplateColumn]:
    """Write the template workbook; returns its columns, in order."""
    columns = template_columns(years, lang)
    book = Workbook()
    sheet = book.active
    sheet.title = t("企业清单", "Enterprises", lang)
    choices = book.create_sheet(t("选项", "Choices", lang))
    guide = book.create_sheet(t("填写说明", "Instructions", lang))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        cell = sheet.cell(row=1, column=i, value=col.header)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.comment = Comment(_meaning(col, lang), "eligibility", width=320, height=160)
        sheet.column_dimensions[letter].width = max(12, min(36, display_width(col.header) + 2))
        _validate(sheet, choices, i, col, lang)
    sheet.row_dimensions[1].height = 48
    sheet.freeze_panes = "B2"  # the header row, and the names beside every row
    choices.sheet_state = "hidden"
    _write_guide(guide, columns, lang)
    book.save(fh)
    return columns


def _validate(sheet: Any, choices: Any, index: int, col: TemplateColumn, lang: Lang) -> None:
    letter = get_column_letter(index)
    spec = col.spec
    area = f"{letter}2:{letter}{_ROWS}"
    dv: DataValidation | None = None
    if spec.type == "bool":
        dv = DataValidation(type="list", formula1=t('"是,否"', '"yes,no"', lang))
    elif spec.type in ("enum", "enum_list"):
        labels = [label(lang) for label in spec.choice_labels] or list(spec.choices)
        for row, label in enumerate(labels, start=1):
            choices.cell(row=row, column=index, value=label)
        ref = f"{quote_sheetname(choices.title)}!${letter}$1:${letter}${len(labels)}"
        dv = DataValidation(type="list", formula1=ref)
    elif spec.type in ("int", "decimal"):
        lo, hi = (None if b is None else b / col.scale for b in (spec.minimum, spec.maximum))
        whole = spec.type == "int" and col.scale == 1
        dv = DataValidation(type="whole" if whole else "decimal")
        if lo is not None and hi is not None:
            dv.operator, dv.formula1, dv.formula2 = "between", _num(lo), _num(hi)
        elif lo is not None:
            dv.operator, dv.formula1 = "greaterThanOrEqual", _num(lo)
    elif spec.type == "date":
        dv = DataValidation(type="date", operator="between", formula1="DATE(1949,10,1)", formula2="DATE(2100,12,31)")
    elif spec.path == "uscc":
        dv = DataValidation(type="textLength", operator="equal", formula1="18")
    if dv is None:
        return
    # A value outside the rule is refused as it is typed; but several choices, separated
    # by 、, may be typed in a list field: there the dropdown suggests, it does not refuse.
    dv.showErrorMessage = spec.type != "enum_list"
    dv.error = _expected(col, lang)
    dv.errorTitle = t("取值无效", "Invalid value", lang)
    dv.prompt = _meaning(col, lang)[:250]
    dv.promptTitle = col.header[:32]
    dv.showInputMessage = True
    dv.allow_blank = True  # an empty cell is unknown
    dv.add(area)
    sheet.add_data_validation(dv)


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _expected(col: TemplateColumn, lang: Lang) -> str:
    spec = col.spec
    if spec.type == "bool":
        return t("请选择 是 或 否", "Choose yes or no", lang)
    if spec.type in ("enum", "enum_list"):
        return t("请从下拉列表中选择", "Choose from the list", lang)
    if spec.type == "date":
        return t("请填写日期，如 2019-06-18", "Enter a date such as 2019-06-18", lang)
    if spec.path == "uscc":
        return t("统一社会信用代码为 18 位", "A unified social credit code has 18 characters", lang)
    unit = f"（{col.unit}）" if col.unit else ""
    whole = "整数" if spec.type == "int" and col.scale == 1 else "数字"
    return t(f"请填写{whole}{unit}", f"Enter a number{' in ' + col.unit if col.unit else ''}", lang)


def _meaning(col: TemplateColumn, lang: Lang) -> str:
    spec = col.spec
    text = spec.description or ""
    if col.scale != 1:
        text = _YUAN_NOTE.sub("", text)
    if lang == "en":
        return f"{spec.label.en}. {text}".strip()
    return f"{spec.label.zh}：{text}" if text else spec.label.zh


def _kind(col: TemplateColumn, lang: Lang) -> str:
    spec = col.spec
    if spec.type == "bool":
        return t("是/否", "yes/no", lang)
    if spec.type == "enum":
        return t("单选：", "one of: ", lang) + "、".join(label(lang) for label in spec.choice_labels)
    if spec.type == "enum_list":
        return t("可多选，以“、”分隔：", "any of, separated by 、: ", lang) + "、".join(label(lang) for label in spec.choice_labels)
    if spec.type == "date":
        return t("日期", "date", lang)
    if spec.type in ("int", "decimal"):
        whole = spec.type == "int" and col.scale == 1
        return t("整数" if whole else "数字", "whole number" if whole else "number", lang)
    return t("文本", "text", lang)


def _write_guide(ws: Any, columns: list[TemplateColumn], lang: Lang) -> None:
    lines = [
        t("填写说明", "How to fill in this template", lang),
        t("每行一家企业；只有“企业名称”必填。空白表示未知（不是 0，也不是“否”），相关政策会显示为“需补充信息”。",
          "One enterprise per row; only the name is required. A blank cell is unknown (not zero, not no).", lang),
        t("金额列以万元为单位；也可在单元格中写明数量级，如 460万、1.5亿、1千万，按所写为准。",
          "Amounts are in the header's unit; a cell may name its own magnitude instead (460万, 1.5亿).", lang),
        t("填好后运行：eligibility batch 本文件.xlsx -o 结果.xlsx", "Then run: eligibility batch THIS.xlsx -o results.xlsx", lang),
    ]
    for row, line in enumerate(lines, start=1):
        ws.cell(row=row, column=1, value=line).font = Font(bold=row == 1, size=14 if row == 1 else 11)
    head = [t("列", "Column", lang), t("表头", "Header", lang), t("字段", "Field", lang),
            t("填写方式", "What to enter", lang), t("单位", "Unit", lang), t("含义", "Meaning", lang)]
    start = len(lines) + 2
    for i, value in enumerate(head, start=1):
        cell = ws.cell(row=start, column=i, value=value)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for n, col in enumerate(columns, start=1):
        values = [get_column_letter(n), col.header, col.spec.path, _kind(col, lang), col.unit or "", _meaning(col, lang)]
        for i, value in enumerate(values, start=1):
            ws.cell(row=start + n, column=i, value=value).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEF", (6, 36, 34, 40, 8, 70)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{start + 1}"
