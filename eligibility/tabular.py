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
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel

from .errors import Problem, ProfileError
from .profile import EnterpriseProfile, FiscalYear
from .profile_io import parse_profile
from .questions import FieldSpec, field_spec, set_field
from .text import Text

INPUT_FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}
"""File suffix -> format, for input and output alike."""

IGNORED_COLUMNS = frozenset({"序号", "行号", "编号", "备注", "说明", "row", "no", "#", "note", "notes", "remark", "remarks"})
"""Column headers skipped on input (row numbers and free-text notes offices add)."""

_TRUE = {"是", "true", "t", "yes", "y", "1", "有", "√", "✓", "对"}
_FALSE = {"否", "false", "f", "no", "n", "0", "无", "×", "✗", "错", "不是"}
_NONE_LIST = {"无", "none", "[]", "（无）", "(无)"}
_LIST_SEP = re.compile(r"\s*[;；、,，]\s*")
_YEAR_COL = re.compile(r"^financials(?:\.(\d{4})\.|\[(\d{4})\]\.)(\w+)$")
_YEAR_COL_ZH = re.compile(r"^(\d{4})\s*年度?\s*(.+)$")
_UNIT_SUFFIX = re.compile(r"^(.+?)\s*\((元|人|项)\)$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MONEY = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s*(万|亿)?\s*元?$")


def _norm(text: str) -> str:
    """Header or cell text compared loosely: NFKC (full-width to half-width), trimmed, lower case."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def scalar_paths(model: type[BaseModel] = EnterpriseProfile, prefix: str = "") -> list[str]:
    """The profile's single-valued fields as dotted paths (``founder.is_returnee``), in model order.

    ``financials`` is not among them: its fields are columns per year (``financials.2025.rd_expense``).
    """
    out: list[str] = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += scalar_paths(ann, f"{prefix}{name}.")
        elif not (model is EnterpriseProfile and name == "financials"):
            out.append(prefix + name)
    return out


def yearly_fields() -> list[str]:
    """The figures a fiscal year carries (``rd_expense`` ...), without ``year``."""
    return [n for n in FiscalYear.model_fields if n != "year"]


def column_name(path: str) -> str:
    """The column for a profile field path: ``financials[2025].rd_expense`` -> ``financials.2025.rd_expense``."""
    m = _YEAR_COL.match(path)
    return f"financials.{m.group(1) or m.group(2)}.{m.group(3)}" if m else path


def _field_path(column: str) -> str:
    """The profile field path of a canonical column name (``financials[2025].rd_expense``)."""
    m = _YEAR_COL.match(column)
    return f"financials[{m.group(1) or m.group(2)}].{m.group(3)}" if m else column


@lru_cache(maxsize=1)
def _titles() -> tuple[dict[str, str], dict[str, str]]:
    scalar: dict[str, str | None] = {}
    for path in scalar_paths():
        title = _title_of(path)
        if title:
            key = _norm(title)
            scalar[key] = None if key in scalar else path  # an ambiguous title is no column name
    yearly: dict[str, str | None] = {}
    for name in yearly_fields():
        title = FiscalYear.model_fields[name].title
        if title:
            key = _norm(title)
            yearly[key] = None if key in yearly else name
    return {k: v for k, v in scalar.items() if v}, {k: v for k, v in yearly.items() if v}


def _title_of(path: str) -> str | None:
    model: type[BaseModel] = EnterpriseProfile
    title = None
    for part in path.split("."):
        info = model.model_fields[part]
        title = info.title
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
    return title


def resolve_header(header: str) -> str | None:
    """The canonical column (``financials.2025.rd_expense``) a header names, or None if none.

    Accepts dotted paths, ``financials[2025].x``, Chinese titles (``职工总数``, ``职工总数（人）``)
    and ``2025年度研发费用``.
    """
    text = unicodedata.normalize("NFKC", header).strip()
    if not text:
        return None
    paths = scalar_paths()
    if text in paths:
        return text
    m = _YEAR_COL.match(text)
    if m and m.group(3) in yearly_fields():
        return column_name(text)
    scalar, yearly = _titles()
    key = text.lower()
    candidates: list[tuple[str, str | None]] = [(key, None)]
    unit = _UNIT_SUFFIX.match(key)
    if unit:
        candidates.append((unit.group(1), unit.group(2)))
    for candidate, given_unit in candidates:
        if candidate in scalar:
            path = scalar[candidate]
            if given_unit is None or field_spec(path).unit == given_unit:
                return path
        y = _YEAR_COL_ZH.match(candidate)
        if y and _norm(y.group(2)) in yearly:
            year, attr = y.group(1), yearly[_norm(y.group(2))]
            if given_unit is None or field_spec(f"financials[{year}].{attr}").unit == given_unit:
                return f"financials.{year}.{attr}"
    return None


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
    raise CellError(f"取值应为以下之一 (expected one of)：{options}; got {raw!r}")


def _number(raw: Any, spec: FieldSpec) -> Decimal:
    if isinstance(raw, bool):
        raise CellError(f"应为数字 (expected a number); got {raw!r}")
    if isinstance(raw, int | Decimal):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(str(raw))
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "").replace(" ", "")
    m = _MONEY.match(text) if spec.unit == "元" else None
    if m:
        value = Decimal(m.group(1)) * {None: 1, "万": 10_000, "亿": 100_000_000}[m.group(2)]
        return value
    if spec.unit and text.endswith(spec.unit):
        text = text[: -len(spec.unit)]
    try:
        return Decimal(text)
    except InvalidOperation:
        unit = "（可写 2000万、1.5亿）" if spec.unit == "元" else ""
        raise CellError(f"应为数字{unit} (expected a number); got {raw!r}") from None


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def parse_value(spec: FieldSpec, raw: Any) -> Any:
    """A cell or a typed answer as the JSON value of the field ``spec`` describes.

    ``None`` or blank text is None (unknown). Raises :class:`CellError` when the text
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
        raise CellError(f"应为 是 或 否 (expected yes or no); got {raw!r}")
    if spec.type in ("int", "decimal"):
        value = _number(raw, spec)
        if spec.type == "int":
            if value != value.to_integral_value():
                unit = "（单位：元）" if spec.unit == "元" else ""
                raise CellError(f"应为整数{unit} (expected a whole number); got {raw!r}")
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
            raise CellError(f"应为日期 YYYY-MM-DD (expected a date); got {raw!r}") from None
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
                if _LIST_SEP.search(label.zh):  # a label with a separator in it: 漆包线、电机及生活电器
                    text = text.replace(label.zh, code)
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
    """A table's header: for each cell position, the column it fills (None: ignored)."""

    headers: tuple[str, ...]
    columns: tuple[str | None, ...]

    @classmethod
    def from_headers(cls, headers: Iterable[Any], source: str = "") -> Columns:
        """Resolve a header row; :class:`ProfileError` listing every unknown or repeated column."""
        heads = tuple("" if h is None else str(h).strip() for h in headers)
        columns: list[str | None] = []
        problems: list[Problem] = []
        seen: dict[str, str] = {}
        for i, head in enumerate(heads):
            letter = _column_letter(i)
            if not head or _norm(head) in IGNORED_COLUMNS:
                columns.append(None)
                continue
            col = resolve_header(head)
            if col is None:
                problems.append(Problem(f"不是画像中的字段 (not a profile field): {head!r}", f"column {letter}"))
            elif col in seen:
                problems.append(Problem(f"与 {seen[col]!r} 是同一字段 (repeats a column): {head!r}", f"column {letter}"))
            else:
                seen[col] = head
            columns.append(col)
        if "name" not in seen and not problems:
            problems.append(Problem("缺少企业名称列 (no 'name' / '企业名称' column)", "row 1"))
        if problems:
            where = f" in {source}" if source else ""
            raise ProfileError(f"表头有 {len(problems)} 处错误 (the header row has {len(problems)} error(s)){where}", problems)
        return cls(heads, tuple(columns))

    def header_of(self, column: str) -> str:
        """The header as the user wrote it for a canonical column."""
        for head, col in zip(self.headers, self.columns):
            if col == column:
                return head
        return column

    def row(self, number: int, cells: Iterable[Any]) -> Row:
        """Convert one row's cells into a validated profile, or the problems found."""
        cells = list(cells)
        row = Row(number)
        data: dict[str, Any] = {}
        for i, raw in enumerate(cells):
            col = self.columns[i] if i < len(self.columns) else None
            if col is None:
                if i >= len(self.columns) or not self.headers[i]:
                    if raw is not None and str(raw).strip():
                        row.problems.append(Problem(f"此列没有表头 (cell in a column without a header): {raw!r}", f"column {_column_letter(i)}"))
                continue
            if col == "name" and raw is not None:
                row.name = str(raw).strip() or None
            elif col == "uscc" and raw is not None:
                row.uscc = str(raw).strip() or None
            path = _field_path(col)
            try:
                value = parse_value(field_spec(path), raw)
            except CellError as exc:
                row.problems.append(Problem(str(exc), self.headers[i]))
                continue
            if value is not None:
                data = set_field(data, path, value)
        try:
            profile = parse_profile(data)
        except ProfileError as exc:
            row.problems += [Problem(p.message, self._header_for_path(p.location)) for p in exc.problems] or [Problem(exc.summary)]
        else:
            row.profile = None if row.problems else profile
        return row

    def _header_for_path(self, location: str) -> str:
        col = column_name(location)
        return self.header_of(col) if col in self.columns else col


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _blank(cells: list[Any]) -> bool:
    return all(c is None or isinstance(c, str) and not c.strip() for c in cells)


def decode_text(data: bytes, source: str = "") -> str:
    """Text of a file from Chinese software: UTF-8 (BOM or not), else GB18030 (a superset of GBK)."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ProfileError(f"无法识别文件编码，应为 UTF-8 或 GBK (not UTF-8 or GBK/GB18030 text): {source}")


ENCODINGS = ("utf-8-sig", "gb18030")
"""The encodings tried, in order: UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""


def rows_from_cells(table: Iterable[list[Any]], source: str = "") -> Iterator[Row]:
    """Rows from a table of cells whose first row is the header; blank rows are skipped.

    The header is read and checked now (:class:`ProfileError`); the rows are parsed as
    they are taken, so a large table need not be held parsed all at once."""
    it = iter(table)
    header = next(it, None)
    if header is None or _blank(list(header)):
        raise ProfileError(f"表格为空或第一行不是表头 (empty table, or no header in row 1): {source}")
    columns = Columns.from_headers(header, source)
    return (columns.row(n, cells) for n, cells in enumerate(it, start=2) if not _blank(list(cells)))


def read_csv(data: bytes | str, source: str = "") -> list[Row]:
    """Rows of a CSV file (UTF-8 or GBK/GB18030; comma-separated, or tab-separated if the header has tabs)."""
    text = decode_text(data, source) if isinstance(data, bytes) else data
    return list(_csv_rows(io.StringIO(text, newline=""), source))


def _csv_rows(lines: TextIO, source: str) -> Iterator[Row]:
    """The rows of CSV text read from ``lines`` (a text stream opened with ``newline=""``)."""
    first = lines.readline()
    lines.seek(0)
    dialect = "excel-tab" if "\t" in first and "," not in first else "excel"

    def invalid(exc: csv.Error) -> ProfileError:
        return ProfileError(f"CSV 格式错误 (invalid CSV) in {source}: {exc}")

    try:
        rows = rows_from_cells(csv.reader(lines, dialect), source)
    except csv.Error as exc:
        raise invalid(exc) from None

    def checked() -> Iterator[Row]:
        try:
            yield from rows
        except csv.Error as exc:
            raise invalid(exc) from None

    return checked()


def read_xlsx(path: str | Path) -> list[Row]:
    """Rows of the first worksheet of an XLSX workbook (cached formula values are read)."""
    return list(_xlsx_rows(path))


def _xlsx_rows(path: str | Path) -> Iterator[Row]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ProfileError(f"无法读取 XLSX 文件 (not a readable XLSX workbook): {path}: {exc}") from None
    except Exception as exc:  # zipfile.BadZipFile and friends
        raise ProfileError(f"无法读取 XLSX 文件 (not a readable XLSX workbook): {path}: {exc}") from None
    try:
        sheet = wb.worksheets[0]
        rows = rows_from_cells((list(r) for r in sheet.iter_rows(values_only=True)), str(path))
    except BaseException:
        wb.close()
        raise

    def closing() -> Iterator[Row]:
        try:
            yield from rows
        finally:
            wb.close()

    return closing()


def read_jsonl(data: bytes | str, source: str = "") -> list[Row]:
    """Rows of a JSON Lines file: one profile object (as ``eligibility check`` reads) per line."""
    text = decode_text(data, source) if isinstance(data, bytes) else data
    return list(_jsonl_rows(io.StringIO(text, newline="")))


def _jsonl_rows(lines: Iterable[str]) -> Iterator[Row]:
    # Lines end at \n, \r or \r\n only: a U+2028 inside a JSON string is not a line break.
    return (_jsonl_row(number, line) for number, line in enumerate(lines, start=1) if line.strip())


def _jsonl_row(number: int, line: str) -> Row:
    row = Row(number, unit="line")
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        row.problems.append(Problem(f"JSON 格式错误 (invalid JSON), column {exc.colno}: {exc.msg}"))
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
    """``csv``, ``xlsx`` or ``jsonl`` by the file's suffix, None if none of them."""
    return INPUT_FORMATS.get(Path(path).suffix.lower())


def read_rows(path: str | Path) -> list[Row]:
    """Every enterprise in a CSV, XLSX or JSON Lines file (by suffix), bad rows included.

    :class:`ProfileError` if the file cannot be read at all (missing, unknown columns ...).
    """
    return list(iter_rows(path))


def iter_rows(path: str | Path) -> Iterator[Row]:
    """:func:`read_rows` one row at a time: the file is opened and its header checked
    now (:class:`ProfileError`), each row parsed when it is taken (a malformed CSV
    line deep in the file raises :class:`ProfileError` then)."""
    p = Path(path)
    fmt = table_format(p)
    if fmt is None:
        raise ProfileError(f"不支持的文件类型，应为 .csv、.xlsx 或 .jsonl (unsupported file type): {p}")
    if not p.exists():
        raise ProfileError(f"文件不存在 (file not found): {p}")
    if p.is_dir():
        raise ProfileError(f"这是一个目录，不是文件 (is a directory): {p}")
    if fmt == "xlsx":
        return _xlsx_rows(p)
    encoding = file_encoding(p)
    try:
        stream = p.open(encoding=encoding, newline="")
    except OSError as exc:
        raise ProfileError(f"无法读取文件 (cannot read): {p}: {exc.strerror}") from None
    try:
        rows = _csv_rows(stream, str(p)) if fmt == "csv" else _jsonl_rows(stream)
    except BaseException:
        stream.close()
        raise

    def closing() -> Iterator[Row]:
        with stream:
            yield from rows

    return closing()


def file_encoding(path: Path) -> str:
    """The encoding :func:`decode_text` would find for the file, found by decoding it in
    pieces and keeping nothing (a province's file need not fit in memory twice)."""
    for encoding in ENCODINGS:
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
    raise ProfileError(f"无法识别文件编码，应为 UTF-8 或 GBK (not UTF-8 or GBK/GB18030 text): {path}")
