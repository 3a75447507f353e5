"""Profiles from spreadsheet rows: CSV, XLSX and JSON Lines, one enterprise per row.

Used by ``eligibility batch`` and by a portal that accepts uploads. The conventions:

* **Columns** are profile fields by their dotted path (``certifications.knowledge_value_grade``)
  or their Chinese title (``知识价值信用评价等级``, the profile model's titles; a trailing unit
  such as ``（元）`` may follow). Yearly figures are ``financials.2025.rd_expense`` or
  ``2025年度研发费用`` (``financials[2025].rd_expense`` also works). Columns named in
  :data:`IGNORED_COLUMNS` (``序号``, ``备注`` ...) are skipped; any other unknown column is
  an error for the whole file.
* **An empty cell is unknown** (not zero, not false).
* **Cells**: booleans 是/否, true/false, 1/0, Y/N; enums by code (``industry``) or label
  (``工业``); lists (``industry_chains``) separated by ``;`` ``；`` ``、`` or ``,``, ``无`` for
  none; yuan as integers, ``1,234,500`` or ``2000万`` / ``1.5亿``; dates ``2019-06-18``,
  ``2019/6/18`` or ``2019年6月18日``.
* **Row numbers** are those the user sees: the header is row 1 (a JSON Lines file: the line).
* **Text files** are read as UTF-8 (with or without BOM), else GB18030 (which covers GBK),
  the encodings Chinese spreadsheet software writes.

A row that cannot be read is returned with its problems (:class:`Row`); the others are
still usable. Problems with the file itself raise :class:`ProfileError`.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import itertools
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from python_calamine import CalamineWorkbook

from .errors import Problem, ProfileError
from ._fields import FieldSpec, column_name, field_spec, find_path, parse_path, profile_fields, scalar_paths, yearly_fields
from ._input_limits import MAX_EXPONENT, MAX_LINE_CHARS, MAX_NUMBER_CHARS, LimitError, bounded_decimal, check_cell, check_xlsx, load_json, quote
from .profile import EnterpriseProfile
from ._profile_io import parse_profile
from ._text import Text
from ._units import HEADER_UNITS, header_scale, parse_quantity, split_header_unit

OUTPUT_FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}
"""File suffix -> format of the tables ``eligibility batch`` writes."""

INPUT_FORMATS = {
    **OUTPUT_FORMATS,
    ".txt": "csv",  # Excel's 「Unicode 文本」 and WPS's text export: UTF-16, tab-separated
    ".tsv": "csv",
    ".xlsm": "xlsx",
    ".xls": "sheet",
    ".xlsb": "sheet",
    ".ods": "sheet",
    ".et": "sheet",  # WPS 表格: read by content, as the XLS it is stored like
}
"""File suffix -> format of the tables read: text (``csv``), ``xlsx``, other workbooks
(``sheet``, read by python-calamine) and ``jsonl``."""

CALAMINE_XLSX_MAX_XML = 32 * 2**20
"""An XLSX whose worksheets' XML is larger than this (about 30,000 rows of 30 columns) is
streamed with openpyxl instead of loaded by python-calamine: calamine reads ten times as
fast but holds the whole sheet (about twice its XML) in memory."""

IGNORED_COLUMNS = frozenset({"序号", "行号", "编号", "备注", "说明", "row", "no", "#", "note", "notes", "remark", "remarks"})
"""Column headers skipped on input (row numbers and free-text notes offices add)."""

_TRUE = {"是", "true", "t", "yes", "y", "1", "有", "√", "✓", "对"}
_FALSE = {"否", "false", "f", "no", "n", "0", "无", "×", "✗", "错", "不是"}
_NONE_LIST = {"无", "none", "[]", "（无）", "(无)"}
_LIST_SEP = re.compile(r"\s*[;；、,，]\s*")
_YEAR_COL_ZH = re.compile(r"^(\d{4})\s*年度?\s*(.+)$")
_TRAILING_PARENS = re.compile(r"\s*[(（][^()（）]*[)）]$")
_LINE_BREAK = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _norm(text: str) -> str:
    """Header or cell text compared loosely: NFKC (full-width to half-width), trimmed, lower case."""
    return unicodedata.normalize("NFKC", text).strip().lower()


@lru_cache(maxsize=1)
def _titles() -> tuple[dict[str, str], dict[str, str]]:
    """Normalised title -> scalar path, and -> yearly field name. A title that ends in
    parentheses (its unit, ``最近一轮投后估值（美元）``, or a gloss, ``营业收入（销售收入）``)
    is also known without them."""
    scalar: dict[str, str | None] = {}
    yearly: dict[str, str | None] = {}
    fields = profile_fields()
    titled = [(scalar, path, fields[path].title) for path in scalar_paths()]
    titled += [(yearly, name, fields[f"financials.{name}"].title) for name in yearly_fields()]
    for table, target, title in titled:
        if not title:
            continue
        bare = _TRAILING_PARENS.sub("", title)
        for key in {_norm(title), _norm(bare)}:
            table[key] = None if key in table and table[key] != target else target  # an ambiguous title is no column name
    return {k: v for k, v in scalar.items() if v}, {k: v for k, v in yearly.items() if v}


@dataclass(frozen=True)
class Column:
    """A header cell resolved once for its whole column: the field it fills and how its
    cells are read. Plain data (picklable), so rows can be parsed in worker processes."""

    header: str
    """The header as the user wrote it."""
    name: str
    """The canonical column (``financials.2025.rd_expense``)."""
    spec: FieldSpec
    """The field's type, unit and choices (its ``path`` is ``financials[2025].rd_expense``)."""
    scale: int = 1
    """What the header's unit multiplies a number by (``（万元）``: 10000)."""
    target: tuple[Any, ...] = field(init=False, repr=False, compare=False)
    """Where a value goes in the profile's data: the dotted path's parts, or (year, figure)
    for a fiscal year's figure (worked out once, not per cell)."""

    def __post_init__(self) -> None:
        found = parse_path(self.name)
        target = (found.year, found.name) if found.year is not None else tuple(found.key.split("."))
        object.__setattr__(self, "target", target)


class HeaderError(ValueError):
    """A header that names no profile field (the message says why, with suggestions)."""


def resolve_column(header: str) -> Column:
    """The column a header names, with its unit's scale; :class:`HeaderError` if none.

    Accepts dotted paths, ``financials[2025].x``, Chinese titles (``职工总数``,
    ``职工总数（人）``), ``2025年度研发费用`` and a unit that fits the field
    (``2025年度研发费用（万元）``, ``研发场所面积（平方米）``)."""
    text = unicodedata.normalize("NFKC", header).strip()
    name = _column_of(text)
    if name is not None:
        return Column(header, name, field_spec(parse_path(name).path))
    bare, unit = split_header_unit(text)
    name = _column_of(bare) if unit else None
    for field_unit, units in HEADER_UNITS.items() if unit and name is None else ():
        if unit in units:  # a title holding its unit: 最近一轮投后估值（美元） for （万美元）
            name = name or _column_of(f"{bare}({field_unit})")
    if name is None or unit is None:
        raise HeaderError(f"不是画像中的字段 (not a profile field): {quote(header)}{_did_you_mean(bare if unit else text)}")
    spec = field_spec(parse_path(name).path)
    scale = header_scale(spec.unit, unit)
    if scale is None:
        fits = "、".join(HEADER_UNITS.get(spec.unit or "", {})) or "无单位 (none)"
        raise HeaderError(f"单位“{unit}”与该字段不符，可用单位 (the unit does not fit the field; units): {fits}; got {quote(header)}")
    return Column(header, name, spec, scale)


def resolve_header(header: str) -> str | None:
    """The canonical column (``financials.2025.rd_expense``) a header names, or None if none."""
    try:
        return resolve_column(header).name
    except HeaderError:
        return None


def _column_of(text: str) -> str | None:
    """The canonical column of a header without a unit, or None."""
    if not text:
        return None
    found = find_path(text)  # a dotted path, financials[2025].x or financials.2025.x
    if found is not None:
        return found.column
    scalar, yearly = _titles()
    key = _norm(text)
    if key in scalar:
        return scalar[key]
    y = _YEAR_COL_ZH.match(key)
    if y and _norm(y.group(2)) in yearly:
        return f"financials.{y.group(1)}.{yearly[_norm(y.group(2))]}"
    return None


def _did_you_mean(text: str) -> str:
    """`` — 是否为 '2025年度研发费用'？ (did you mean ...?)`` for the closest known headers, or ``""``."""
    key = _norm(text)
    y = _YEAR_COL_ZH.match(key)
    scalar, yearly = _titles()
    fields = profile_fields()
    if y:
        names = {f"{y.group(1)}年度{fields[f'financials.{n}'].title}": f"{y.group(1)}年度{k}" for k, n in yearly.items()}
    else:
        names = {fields[p].title or p: k for k, p in scalar.items()} | {p: p for p in scalar_paths()}
        names |= {f"financials.YYYY.{n}": f"financials.yyyy.{n}" for n in yearly_fields()}
    keys = {v: k for k, v in names.items()}
    close = difflib.get_close_matches(key, list(keys), n=3, cutoff=0.5)
    if not close:
        return ""
    listed = "、".join(repr(keys[c]) for c in close)
    return f"；是否为 {listed}？ (did you mean {listed}?)"


# --- Cells --------------------------------------------------------------------------


class CellError(ValueError):
    """A cell that cannot be read as its field's type (the message says what is expected)."""


def _labels(spec: FieldSpec) -> tuple[Text | None, ...]:
    return spec.choice_labels or (None,) * len(spec.choices)


def _choice(spec: FieldSpec, raw: str) -> str:
    key = _norm(raw)
    if key in _NONE_LIST and "none" in spec.choices:
        return "none"
    for code, label in zip(spec.choices, _labels(spec)):
        names = {_norm(code)}
        if label is not None:
            names |= {_norm(label.zh), _norm(label.en)}
        if key in names:
            return code
    options = "；".join(
        f"{label.zh}（{code}）" if label is not None and label.zh != code else code
        for code, label in zip(spec.choices, _labels(spec))
    )
    raise CellError(f"取值应为以下之一 (expected one of)：{options}; got {quote(raw)}")


def _number(raw: Any, spec: FieldSpec, scale: int = 1) -> Decimal:
    if isinstance(raw, bool):
        raise CellError(f"应为数字 (expected a number); got {quote(raw)}")
    try:
        if isinstance(raw, int):
            _check_int(raw)
            return bounded_decimal(Decimal(raw) * scale)
        if isinstance(raw, Decimal):
            return bounded_decimal(bounded_decimal(raw) * scale)
        if isinstance(raw, float):
            return bounded_decimal(bounded_decimal(Decimal(str(raw))) * scale, raw)
        if len(str(raw)) > 4 * MAX_NUMBER_CHARS:  # too long to be a number, however written
            raise LimitError(f"数字过长 (a number of more than {MAX_NUMBER_CHARS} characters): {quote(raw)}")
        value = parse_quantity(str(raw), spec.unit, scale)
    except LimitError as exc:
        raise CellError(str(exc)) from None
    if value is None:
        unit = "（可写 2000万、1千万、1.5亿）" if spec.unit in ("元", "美元") else ""
        raise CellError(f"应为数字{unit} (expected a number); got {quote(raw)}")
    try:
        return bounded_decimal(value, raw)
    except LimitError as exc:
        raise CellError(str(exc)) from None


def _check_int(value: int) -> None:
    if value.bit_length() > 128:
        raise LimitError(f"数字超出范围 (a number beyond 10^±{MAX_EXPONENT}): {quote(value)}")


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def parse_value(spec: FieldSpec, raw: Any, scale: int = 1) -> Any:
    """A cell or a typed answer as the JSON value of the field ``spec`` describes.

    ``None`` or blank text is None (unknown). A number is multiplied by ``scale`` (the
    column header's unit, ``（万元）``) unless the cell names its own (``460万``). Raises :class:`CellError` when the text
    cannot be the field's type; ranges and cross-field rules are left to the profile's
    validation, which names the field.
    """
    if raw is None or isinstance(raw, str) and not raw.strip():
        return None
    if spec.type == "bool":
        if isinstance(raw, bool):
            return raw
        key = _norm(str(raw))
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise CellError(f"应为 是 或 否 (expected yes or no); got {quote(raw)}")
    if spec.type in ("int", "decimal"):
        value = _number(raw, spec, scale)
        if spec.type == "int":
            if value != value.to_integral_value():
                unit = f"（单位：{spec.unit}）" if spec.unit in ("元", "美元") else ""
                raise CellError(f"应为整数{unit} (expected a whole number); got {quote(raw)}")
            return int(value)
        return _json_number(value)
    if spec.type == "date":
        if isinstance(raw, datetime):
            return raw.date().isoformat()
        if isinstance(raw, date):
            return raw.isoformat()
        m = _DATE.match(unicodedata.normalize("NFKC", str(raw)).strip())
        try:
            if m is None:
                raise ValueError
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            raise CellError(f"应为日期 YYYY-MM-DD (expected a date); got {quote(raw)}") from None
    if spec.type == "enum":
        return _choice(spec, str(raw))
    if spec.type == "enum_list":
        if isinstance(raw, list):
            items = [str(x) for x in raw]
        else:
            text = str(raw).strip()
            if _norm(text) in _NONE_LIST and _norm(text) not in {_norm(c) for c in spec.choices}:
                return []
            for code, label in zip(spec.choices, spec.choice_labels):
                for name in (label.zh, label.en):
                    if _LIST_SEP.search(name):  # a label with a separator in it: 漆包线、电机及生活电器
                        text = text.replace(name, code)
            items = [x for x in _LIST_SEP.split(text) if x]
        return [_choice(spec, x) for x in items]
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


# --- Rows ---------------------------------------------------------------------------


@dataclass
class Row:
    """One enterprise read from a table: its profile, or the problems that stop it."""

    number: int
    """The row (line) number as the user sees it; the header is row 1."""
    profile: EnterpriseProfile | None = None
    problems: list[Problem] = field(default_factory=list)
    name: str | None = None
    """The name cell as written, for reports on rows that could not be read."""
    uscc: str | None = None
    unit: str = "row"
    """How the number counts: ``row`` (a table, header = row 1) or ``line`` (JSON Lines)."""

    @property
    def ok(self) -> bool:
        return self.profile is not None

    @property
    def where(self) -> str:
        """``row 7`` (or ``line 7``)."""
        return f"{self.unit} {self.number}"

    def messages(self) -> list[str]:
        """Each problem as one line naming the row and the column: ``row 7: 2025年度研发费用: 不能小于 0 ...``."""
        return [f"{self.where}: {p}" for p in self.problems]


@dataclass(frozen=True)
class Columns:
    """A table's header, resolved once: for each cell position, the :class:`Column` it
    fills (None: ignored). Plain data, so it can be sent to worker processes that call
    :meth:`row`."""

    headers: tuple[str, ...]
    resolved: tuple[Column | None, ...]

    @property
    def columns(self) -> tuple[str | None, ...]:
        """The canonical column of each cell position (None: ignored)."""
        return tuple(c.name if c else None for c in self.resolved)

    @classmethod
    def from_headers(cls, headers: Iterable[Any], source: str = "") -> Columns:
        """Resolve a header row; :class:`ProfileError` listing every unknown or repeated column."""
        heads = tuple("" if h is None else str(h).strip() for h in headers)
        resolved: list[Column | None] = []
        problems: list[Problem] = []
        seen: dict[str, str] = {}
        for i, head in enumerate(heads):
            letter = _column_letter(i)
            if not head or _norm(head) in IGNORED_COLUMNS:
                resolved.append(None)
                continue
            try:
                col = resolve_column(head)
            except HeaderError as exc:
                problems.append(Problem(str(exc), f"column {letter}"))
                resolved.append(None)
                continue
            if col.name in seen:
                problems.append(Problem(f"与 {seen[col.name]!r} 是同一字段 (repeats a column): {quote(head)}", f"column {letter}"))
            else:
                seen[col.name] = head
            resolved.append(col)
        if "name" not in seen and not problems:
            problems.append(Problem("缺少企业名称列 (no 'name' / '企业名称' column)", "row 1"))
        if problems:
            where = f" in {source}" if source else ""
            raise ProfileError(f"表头有 {len(problems)} 处错误 (the header row has {len(problems)} error(s)){where}", problems)
        return cls(heads, tuple(resolved))

    def header_of(self, column: str) -> str:
        """The header as the user wrote it for a canonical column."""
        for col in self.resolved:
            if col is not None and col.name == column:
                return col.header
        return column

    def row(self, number: int, cells: Iterable[Any]) -> Row:
        """Convert one row's cells into a validated profile, or the problems found.

        Each value is written straight into the profile's data where its column says
        (nothing looked up or copied per cell)."""
        row = Row(number)
        data: dict[str, Any] = {}
        years: dict[int, dict[str, Any]] = {}
        width = len(self.resolved)
        for i, raw in enumerate(cells):
            if raw is None or type(raw) is str and not raw.strip() or raw != raw:
                continue  # an empty cell is unknown (NaN: an empty cell as pandas reads it)
            col = self.resolved[i] if i < width else None
            try:
                check_cell(raw)
            except LimitError as exc:
                row.problems.append(Problem(str(exc), col.header if col else f"column {_column_letter(i)}"))
                continue
            if col is not None and isinstance(raw, str) and _LINE_BREAK.search(raw.strip()):
                # No profile field holds a line break; in CSV one is mostly a quote left
                # open, which swallows the next enterprises' rows into this one.
                row.problems.append(Problem(
                    f"单元格内有换行，CSV 中多为引号未闭合 (a line break inside a cell; in CSV, an unterminated quote?): {quote(raw)}",
                    col.header,
                ))
                continue
            if col is None:
                if i >= width or not self.headers[i]:
                    row.problems.append(Problem(f"此列没有表头 (cell in a column without a header): {quote(raw)}", f"column {_column_letter(i)}"))
                continue
            if col.name == "name":
                row.name = str(raw).strip() or None
            elif col.name == "uscc":
                row.uscc = str(raw).strip() or None
            try:
                value = parse_value(col.spec, raw, col.scale)
            except CellError as exc:
                row.problems.append(Problem(str(exc), col.header))
                continue
            if value is None:
                continue
            target = col.target
            if type(target[0]) is int:  # a fiscal year's figure
                years.setdefault(target[0], {"year": target[0]})[target[1]] = value
                continue
            node = data
            for part in target[:-1]:
                node = node.setdefault(part, {})
            node[target[-1]] = value
        if years:
            data["financials"] = list(years.values())
        try:
            profile = parse_profile(data)
        except ProfileError as exc:
            row.problems += [Problem(p.message, self._header_for_path(p.location)) for p in exc.problems] or [Problem(exc.summary)]
        else:
            row.profile = None if row.problems else profile
        return row

    def parse(self, raw: tuple[int, list[Any]]) -> Row:
        """:meth:`row` of a (row number, cells) pair as a :class:`Table` hands them out."""
        return self.row(*raw)

    def _header_for_path(self, location: str) -> str:
        col = column_name(location)
        return self.header_of(col)


@dataclass(frozen=True)
class Table:
    """An input file opened for reading: its rows as read (cells or a line, not parsed yet)
    and the function that parses one into a :class:`Row`. Iterating it gives the rows
    parsed; ``eligibility batch`` hands the raw rows to its worker processes to parse there."""

    raw: Iterator[tuple[int, Any]]
    """(row number, the row's cells or line), in input order."""
    parse: Callable[[tuple[int, Any]], Row]
    unit: str = "row"
    """How the row numbers count, as :attr:`Row.unit` (``line`` in JSON Lines)."""

    def __iter__(self) -> Iterator[Row]:
        return map(self.parse, self.raw)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _blank(cells: Iterable[Any]) -> bool:
    return all(c is None or isinstance(c, str) and not c.strip() for c in cells)


def decode_text(data: bytes, source: str = "") -> str:
    """Text of a file from Chinese software: UTF-16 with its BOM (Excel's 「Unicode 文本」),
    UTF-8 (BOM or not), else GB18030 (a superset of GBK)."""
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ProfileError(f"UTF-16 文本有误 (invalid UTF-16 text): {source}") from None
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ProfileError(f"无法识别文件编码，应为 UTF-8 或 GBK (not UTF-8 or GBK/GB18030 text): {source}")


ENCODINGS = ("utf-8-sig", "gb18030")
"""The encodings tried, in order, for text without a UTF-16 BOM: UTF-8 (with or without
BOM), else GB18030 (a superset of GBK)."""

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def rows_from_cells(table: Iterable[list[Any]], source: str = "") -> Iterator[Row]:
    """Rows from a table of cells whose first row is the header; blank rows are skipped.

    The header is read and checked now (:class:`ProfileError`); the rows are parsed as
    they are taken, so a large table need not be held parsed all at once."""
    return iter(table_of_cells(table, source))


def table_of_cells(table: Iterable[list[Any]], source: str = "") -> Table:
    """:func:`rows_from_cells` as a :class:`Table`: the header read and checked now, each
    row's cells handed out as read."""
    it = iter(table)
    header = next(it, None)
    if header is None or _blank(list(header)):
        raise ProfileError(f"表格为空或第一行不是表头 (empty table, or no header in row 1): {source}")
    columns = Columns.from_headers(header, source)
    return Table(((n, cells) for n, cells in enumerate(it, start=2) if not _blank(cells)), columns.parse)


def read_csv(data: bytes | str, source: str = "") -> list[Row]:
    """Rows of a CSV file (UTF-8 or GBK/GB18030; comma-separated, or tab-separated if the header has tabs)."""
    text = decode_text(data, source) if isinstance(data, bytes) else data
    return list(_csv_table(io.StringIO(text, newline=""), source))


def _csv_table(lines: TextIO, source: str) -> Table:
    """The rows of CSV text read from ``lines`` (a text stream opened with ``newline=""``)."""
    dialect = _dialect(lines.readline())
    lines.seek(0)

    reader = csv.reader(lines, dialect)

    def invalid(exc: csv.Error) -> ProfileError:
        return ProfileError(f"CSV 格式错误 (invalid CSV) in {source}, line {reader.line_num}: {exc}")

    try:
        table = table_of_cells(reader, source)
    except csv.Error as exc:
        raise invalid(exc) from None

    def checked() -> Iterator[tuple[int, Any]]:
        try:
            yield from table.raw
        except csv.Error as exc:
            raise invalid(exc) from None

    return Table(checked(), table.parse)


def _dialect(first_line: str) -> str:
    """Tab-separated for text exports (「Unicode 文本」, 「文本文件（制表符分隔）」); else commas."""
    return "excel-tab" if first_line.count("\t") > first_line.count(",") else "excel"


def _workbook_table(path: Path, fmt: str) -> Table:
    """Rows of the first worksheet of a workbook (XLSX, XLS, XLSB, ODS, ET).

    A zip-based workbook is checked first (:func:`~eligibility._input_limits.check_xlsx`:
    its expansion and DTDs), whichever reader then opens it."""
    if zipfile.is_zipfile(path):
        try:
            check_xlsx(path)
        except LimitError as exc:
            raise ProfileError(f"拒绝读取工作簿 (workbook refused): {path}: {exc}") from None
        except (OSError, zipfile.BadZipFile, ValueError) as exc:
            raise _unreadable(path, fmt, exc) from None
    if fmt == "xlsx" and _worksheets_xml_size(path) > CALAMINE_XLSX_MAX_XML:
        return _openpyxl_table(path)
    return _calamine_table(path, fmt)


def _unreadable(path: Path, fmt: str, exc: object) -> ProfileError:
    kind = {"xlsx": "XLSX"}.get(fmt, path.suffix.lstrip(".").upper() or "spreadsheet")
    return ProfileError(f"无法读取 {kind} 文件 (not a readable {kind} workbook): {path}: {exc}")


def _worksheets_xml_size(path: Path) -> int:
    """The uncompressed size of an XLSX's worksheets, from its zip directory (0 if none is found:
    the reader then says what is wrong with the file)."""
    try:
        with zipfile.ZipFile(path) as z:
            return sum(i.file_size for i in z.infolist() if i.filename.startswith("xl/worksheets/"))
    except (OSError, zipfile.BadZipFile, ValueError):
        return 0


def _calamine_table(path: Path, fmt: str) -> Table:
    """The first sheet through python-calamine. Its cells come as int, float, str, bool,
    date or datetime; an empty cell as ``""``. Its rows start at the first cell holding
    data, so the rows and columns before it are put back (row numbers stay the user's)."""
    try:
        if fmt == "sheet" and path.suffix.lower() not in (".xls", ".xlsb", ".ods"):
            with path.open("rb") as fh:  # by content: calamine knows formats by suffix only
                book = CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
        else:
            book = CalamineWorkbook.from_path(path)
        with book:
            sheet = book.get_sheet_by_index(0)
            top, left = sheet.start or (0, 0)
            cells = sheet.iter_rows()
    except OSError as exc:
        raise ProfileError(f"无法读取文件 (cannot read): {path}: {exc.strerror}") from None
    except Exception as exc:  # calamine's errors (CalamineError, ZipError, XmlError ...) and its panics
        raise _unreadable(path, fmt, exc) from None
    padding = [None] * left
    table = itertools.chain(([] for _ in range(top)), ([*padding, *r] for r in cells))
    return table_of_cells(table, str(path))


def _openpyxl_table(path: Path) -> Table:
    try:  # an optional dependency (the cli and serve extras): the library reads profiles without it
        from openpyxl import load_workbook
    except ModuleNotFoundError:
        raise ProfileError(
            f"{path}: 读取超过 {CALAMINE_XLSX_MAX_XML // 2**20} MB 表格数据的 XLSX 需要 openpyxl "
            f"(an XLSX this large is streamed by openpyxl): pip install \"zhushan-eligibility[cli]\""
        ) from None

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, ValueError and friends
        raise _unreadable(path, "xlsx", exc) from None
    try:
        sheet = wb.worksheets[0]
        # Read-only mode believes the sheet's <dimension>; one saying A1 would hide every row.
        sheet.reset_dimensions()
        table = table_of_cells((list(r) for r in sheet.iter_rows(values_only=True)), str(path))
    except ProfileError:
        wb.close()
        raise
    except Exception as exc:  # malformed XML in the sheet
        wb.close()
        raise _unreadable(path, "xlsx", quote(str(exc))) from None
    except BaseException:
        wb.close()
        raise

    def closing() -> Iterator[tuple[int, Any]]:
        try:
            yield from table.raw
        except ProfileError:
            raise
        except Exception as exc:  # malformed XML further down the sheet
            raise _unreadable(path, "xlsx", quote(str(exc))) from None
        finally:
            wb.close()

    return Table(closing(), table.parse)


def read_jsonl(data: bytes | str, source: str = "") -> list[Row]:
    """Rows of a JSON Lines file: one profile object (as ``eligibility check`` reads) per line."""
    text = decode_text(data, source) if isinstance(data, bytes) else data
    return list(_jsonl_table(io.StringIO(text, newline="")))


def jsonl_table(stream: TextIO) -> Table:
    """JSON Lines read from an open text stream (standard input), a line at a time: one
    profile object per line, as ``eligibility check`` reads. Open the stream with
    ``newline=""``."""
    return _jsonl_table(stream)


def _jsonl_table(lines: TextIO) -> Table:
    return Table(_jsonl_lines(lines), _jsonl_row, unit="line")


def _jsonl_lines(lines: TextIO) -> Iterator[tuple[int, str | None]]:
    """(line number, line) of each line that is not blank; None for a line too long to read."""
    # Lines end at \n, \r or \r\n only: a U+2028 inside a JSON string is not a line break.
    # A line is read up to MAX_LINE_CHARS; the rest of a longer one is skipped in pieces.
    number = 0
    while line := lines.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            while (rest := lines.readline(MAX_LINE_CHARS)) and not rest.endswith(("\n", "\r")):
                pass
            yield number, None
        elif line.strip():
            yield number, line


def _jsonl_row(raw: tuple[int, str | None]) -> Row:
    number, line = raw
    row = Row(number, unit="line")
    if line is None:
        row.problems.append(Problem(f"行过长 (a line of more than {MAX_LINE_CHARS} characters)"))
        return row
    try:
        obj = load_json(line)
    except json.JSONDecodeError as exc:
        row.problems.append(Problem(f"JSON 格式错误 (invalid JSON), column {exc.colno}: {exc.msg}"))
        return row
    except LimitError as exc:
        row.problems.append(Problem(str(exc)))
        return row
    if isinstance(obj, dict):
        row.name = obj.get("name") if isinstance(obj.get("name"), str) else None
        row.uscc = obj.get("uscc") if isinstance(obj.get("uscc"), str) else None
    try:
        row.profile = parse_profile(obj)
    except ProfileError as exc:
        row.problems = list(exc.problems) or [Problem(exc.summary)]
    return row


def table_format(path: str | Path) -> str | None:
    """The format of a table to read (:data:`INPUT_FORMATS`) by the file's suffix, None if none."""
    return INPUT_FORMATS.get(Path(path).suffix.lower())


def output_format(path: str | Path) -> str | None:
    """``csv``, ``xlsx`` or ``jsonl``: the format of a results file by its suffix, None if none."""
    return OUTPUT_FORMATS.get(Path(path).suffix.lower())


def read_rows(path: str | Path) -> list[Row]:
    """Every enterprise in a CSV, XLSX or JSON Lines file (by suffix), bad rows included.

    :class:`ProfileError` if the file cannot be read at all (missing, unknown columns ...).
    """
    return list(iter_rows(path))


def iter_rows(path: str | Path) -> Iterator[Row]:
    """:func:`read_rows` one row at a time: the file is opened and its header checked
    now (:class:`ProfileError`), each row parsed when it is taken (a malformed CSV
    line deep in the file raises :class:`ProfileError` then)."""
    return iter(open_table(path))


def open_table(path: str | Path) -> Table:
    """:func:`iter_rows` as a :class:`Table`: the file opened and its header checked now,
    each row read when it is taken and parsed by ``Table.parse`` wherever that is called
    (``eligibility batch`` parses rows in its worker processes)."""
    p = Path(path)
    fmt = table_format(p)
    if fmt is None:
        kinds = "、".join(INPUT_FORMATS)
        raise ProfileError(f"不支持的文件类型，应为 {kinds} (unsupported file type): {p}")
    if not p.exists():
        raise ProfileError(f"文件不存在 (file not found): {p}")
    if p.is_dir():
        raise ProfileError(f"这是一个目录，不是文件 (is a directory): {p}")
    if fmt in ("xlsx", "sheet"):
        return _workbook_table(p, fmt)
    encoding = file_encoding(p)
    try:
        stream = p.open(encoding=encoding, newline="")
    except OSError as exc:
        raise ProfileError(f"无法读取文件 (cannot read): {p}: {exc.strerror}") from None
    try:
        table = _csv_table(stream, str(p)) if fmt == "csv" else _jsonl_table(stream)
    except BaseException:
        stream.close()
        raise

    def closing() -> Iterator[tuple[int, Any]]:
        with stream:
            yield from table.raw

    return Table(closing(), table.parse, table.unit)


def count_rows(path: str | Path) -> int | None:
    """How many rows a table holds below its header, found before it is read (for a true
    progress bar): text records and JSON lines are counted in a pass that parses nothing;
    a workbook's first sheet is measured by calamine, or its rows counted in its XML when
    too large for calamine to hold. Blank rows may be counted. None if it cannot be told
    (the reader then says what is wrong with the file)."""
    p = Path(path)
    fmt = table_format(p)
    try:
        if fmt == "csv":
            with p.open(encoding=file_encoding(p), newline="") as fh:
                dialect = _dialect(fh.readline())
                fh.seek(0)
                return max(0, sum(1 for record in csv.reader(fh, dialect) if not _blank(record)) - 1)
        if fmt == "jsonl":
            with p.open("rb") as fh:
                return sum(1 for line in fh if line.strip())
        if fmt == "xlsx" and _worksheets_xml_size(p) > CALAMINE_XLSX_MAX_XML:
            return _xml_rows(p)
        if fmt in ("xlsx", "sheet") and p.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
            with CalamineWorkbook.from_path(p) as book:
                sheet = book.get_sheet_by_index(0)
                return max(0, (sheet.start or (0, 0))[0] + sheet.height - 1)
    except Exception:  # noqa: BLE001 - a count is a courtesy: the reader reports what is wrong
        return None
    return None


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")


def _xml_rows(path: Path) -> int | None:
    """The rows below the header of an XLSX's first worksheet, by counting its ``<row>``
    elements as the XML is decompressed in pieces (nothing is parsed or kept)."""
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        if not names:
            return None
        rows, tail = 0, b""
        with archive.open(min(names, key=lambda n: int(re.sub(r"\D", "", n)))) as part:
            while data := part.read(1 << 20):
                buf = tail + data
                cut = max(0, len(buf) - 16)  # a tag cut across two pieces is counted in the next
                rows += sum(1 for m in _ROW_TAG.finditer(buf) if m.start() < cut)
                tail = buf[cut:]
        rows += len(_ROW_TAG.findall(tail))
    return max(0, rows - 1)


def file_encoding(path: Path) -> str:
    """The encoding :func:`decode_text` would find for the file, found by decoding it in
    pieces and keeping nothing (a province's file need not fit in memory twice)."""
    try:
        with path.open("rb") as fh:
            start = fh.read(2)
    except OSError as exc:
        raise ProfileError(f"无法读取文件 (cannot read): {path}: {exc.strerror}") from None
    candidates = ("utf-16",) if start in _UTF16_BOMS else ENCODINGS
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
        except OSError as exc:
            raise ProfileError(f"无法读取文件 (cannot read): {path}: {exc.strerror}") from None
    raise ProfileError(f"无法识别文件编码，应为 UTF-8、UTF-16 或 GBK (not UTF-8, UTF-16 or GBK/GB18030 text): {path}")
