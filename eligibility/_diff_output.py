"""A comparison (:mod:`eligibility._diff`) as tables, a workbook and JSON."""

from __future__ import annotations

from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ._batch import VERDICT_CELL
from ._diff import NOT_IN_FORCE, ConditionChange, DiffResult
from ._render import t
from .report import Status, Verdict
from ._safe_text import for_spreadsheet
from ._text import Lang, Text, bi, display_width

_NOT_IN_FORCE = bi("未施行", "not in force")
_STATUS = {Status.met: bi("满足", "met"), Status.not_met: bi("不满足", "not met"), Status.unknown: bi("未知", "unknown")}


def verdict_text(code: str, lang: Lang = "zh") -> str:
    """A verdict code (or :data:`~eligibility._diff.NOT_IN_FORCE`) in words."""
    return _NOT_IN_FORCE(lang) if code == NOT_IN_FORCE else VERDICT_CELL[Verdict(code)](lang)


def _status(status: Status | None, lang: Lang) -> str:
    return "" if status is None else _STATUS[status](lang)


def _label(c: ConditionChange, lang: Lang) -> str:
    """The condition as B words it (A's where B has none); its values are in their own columns."""
    label: Text | None = c.label_b or c.label_a
    return label(lang) if label else ""


def transition_header(lang: Lang = "zh") -> list[str]:
    return [t("政策编号", "support id", lang), t("政策", "support", lang), t("原结果（A）", "from (A)", lang),
            t("新结果（B）", "to (B)", lang), t("企业数", "enterprises", lang)]


def transition_rows(result: DiffResult, lang: Lang = "zh") -> list[list[Any]]:
    """Per support, each move from one verdict to another and how many enterprises make it."""
    order = [*(v.value for v in (Verdict.eligible, Verdict.needs_information, Verdict.not_eligible)), NOT_IN_FORCE]
    out = []
    for sid, name in result.names.items():
        moves = sorted(((va, vb), n) for (va, vb), n in result.transitions[sid].items() if va != vb)
        moves.sort(key=lambda m: (order.index(m[0][0]), order.index(m[0][1])))
        out += [[sid, name(lang), verdict_text(va, lang), verdict_text(vb, lang), n] for (va, vb), n in moves]
    return out


def change_header(lang: Lang = "zh") -> list[str]:
    return [
        t("行号", "row", lang), t("企业名称", "name", lang), t("统一社会信用代码", "uscc", lang),
        t("政策", "support", lang), t("原结果（A）", "from (A)", lang), t("新结果（B）", "to (B)", lang),
        t("条件", "condition", lang), t("所属规则", "within", lang),
        t("条件结果（A）", "condition (A)", lang), t("条件结果（B）", "condition (B)", lang),
        t("参数", "parameter", lang), t("要求（A）", "required (A)", lang), t("要求（B）", "required (B)", lang),
        t("企业的值（A）", "enterprise's value (A)", lang), t("企业的值（B）", "enterprise's value (B)", lang),
    ]


def change_rows(result: DiffResult, lang: Lang = "zh") -> list[list[Any]]:
    """One row per changed condition of each changed support of each enterprise (a support
    with no comparison to show, e.g. not in force on one side, gets one row)."""
    out: list[list[Any]] = []
    for e in result.changed:
        for s in e.supports:
            head = [e.row, e.name, e.uscc or "", s.name(lang), verdict_text(s.verdict_a, lang), verdict_text(s.verdict_b, lang)]
            if not s.conditions:
                out.append([*head, *([""] * 9)])
            for c in s.conditions:
                parameter = c.parameter_b or c.parameter_a or ""
                if c.parameter_a and c.parameter_b and c.parameter_a != c.parameter_b:
                    parameter = f"{c.parameter_a} → {c.parameter_b}"
                out.append([
                    *head, _label(c, lang), " > ".join(c.path), _status(c.status_a, lang), _status(c.status_b, lang),
                    parameter, _shown(c.required_a), _shown(c.required_b), _shown(c.actual_a), _shown(c.actual_b),
                ])
    return out


def _shown(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(map(str, value))
    return value if isinstance(value, int | float | str) else str(value)


def record_rows(result: DiffResult, lang: Lang = "zh") -> list[list[Any]]:
    """What decided each side, side by side, and what was read."""
    labels = {
        "package_version": ("程序版本", "package version"),
        "catalogue": ("政策规则目录", "rule catalogue"),
        "catalogue_version": ("规则目录版本", "catalogue version"),
        "rules_fingerprint": ("规则指纹", "rules fingerprint"),
        "as_of": ("评估日期", "as of"),
    }
    a, b = dict(result.a.fields()), dict(result.b.fields())
    rows: list[list[Any]] = [["", "A", "B"]]
    rows += [[t(*labels[k], lang), a[k], b[k]] for k in labels]
    rows += [
        [t("输入文件", "input file", lang), result.source, ""],
        [t("企业数（行）", "enterprises (rows)", lang), result.rows, ""],
        [t("有错误的行", "rows with errors", lang), len(result.invalid), ""],
        [t("结果有变化的企业", "enterprises whose verdicts change", lang), len(result.changed), ""],
    ]
    return rows


def to_json(result: DiffResult) -> dict[str, Any]:
    """The comparison as JSON data (verdicts and statuses as codes)."""
    return {
        "a": result.a.model_dump(mode="json"),
        "b": result.b.model_dump(mode="json"),
        "input": {"file": result.source, "rows": result.rows, "invalid_rows": [r.number for r in result.invalid]},
        "supports": [
            {
                "id": sid,
                "name": name.zh,
                "moved": result.moved(sid),
                "transitions": [
                    {"from": va, "to": vb, "enterprises": n} for (va, vb), n in sorted(result.transitions[sid].items())
                ],
            }
            for sid, name in result.names.items()
        ],
        "enterprises": [
            {
                "row": e.row,
                "name": e.name,
                "uscc": e.uscc,
                "changes": [
                    {
                        "support": s.support,
                        "from": s.verdict_a,
                        "to": s.verdict_b,
                        "conditions": [
                            {
                                "within": list(c.path),
                                "condition": {"a": c.label_a.zh if c.label_a else None, "b": c.label_b.zh if c.label_b else None},
                                "fact": c.fact,
                                "op": c.op,
                                "status": {"a": c.status_a and c.status_a.value, "b": c.status_b and c.status_b.value},
                                "parameter": {"a": c.parameter_a, "b": c.parameter_b},
                                "required": {"a": c.required_a, "b": c.required_b},
                                "actual": {"a": c.actual_a, "b": c.actual_b},
                            }
                            for c in s.conditions
                        ],
                    }
                    for s in e.supports
                ],
            }
            for e in result.changed
        ],
    }


def write_xlsx(fh: BinaryIO, result: DiffResult, lang: Lang = "zh") -> None:
    """A workbook: the moves per support, the enterprises that change (a row per changed
    condition) and what decided each side."""
    book = Workbook()
    sheets = [
        (book.active, t("变化汇总", "Moves", lang), transition_header(lang), transition_rows(result, lang)),
        (book.create_sheet(), t("变化企业", "Enterprises", lang), change_header(lang), change_rows(result, lang)),
        (book.create_sheet(), t("依据", "Record", lang), None, record_rows(result, lang)),
    ]
    fill = PatternFill("solid", fgColor="DDEBF7")
    for ws, title, header, rows in sheets:
        ws.title = title
        table = ([header] if header else []) + rows
        for r, values in enumerate(table, start=1):
            for c, value in enumerate(values, start=1):
                cell = ws.cell(row=r, column=c, value=for_spreadsheet(value))
                if r == 1:
                    cell.font, cell.fill = Font(bold=True), fill
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for c in range(1, max((len(v) for v in table), default=0) + 1):
            widest = max((display_width(str(v[c - 1])) for v in table if len(v) >= c), default=8)
            ws.column_dimensions[get_column_letter(c)].width = max(8, min(widest + 2, 50))
        if header:
            ws.freeze_panes = "A2"
            ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(table)}"
    book.save(fh)
