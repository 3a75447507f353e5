"""The bounds on everything the library reads, in one place.

Profiles (JSON/YAML files, standard input, a portal's request bodies), batch rows (CSV,
XLSX, JSON Lines cells), interview answers and rule files all pass through these checks
before anything else looks at them, so a hostile or broken input is refused quickly, in
bounded memory, with a message that says where it is and quotes at most a short prefix
of the bad value. ``docs/input-limits.md`` lists each limit and what happens at it.

The numbers are far above anything an enterprise or a rule author writes and far below
what would cost noticeable time or memory.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

import yaml

MAX_FILE_BYTES = 8 * 2**20
"""A profile or rule file, or standard input (8 MiB): read up to this and no further
(``check /dev/zero`` stops here)."""
MAX_TEXT = 32_767
"""Characters in one cell or string value (the most an Excel cell holds)."""
MAX_NUMBER_CHARS = 40
"""Characters in one written number (``1,234,567,890.12`` is 16)."""
MAX_EXPONENT = 30
"""A number's decimal exponent, either way: ``1e31`` and ``1e-31`` are refused before any
arithmetic (``1e1000000`` would otherwise cost seconds of CPU when made an integer)."""
MAX_DEPTH = 32
"""Nesting of objects and lists in a profile (a profile needs 3) or a rule file (a rule's
condition tree rarely needs 10)."""
MAX_RULE_DEPTH = 64
"""Nesting of a rule file's data (a condition tree nests two levels per all/any)."""
MAX_VALUES = 200_000
"""Values in one document, with YAML aliases counted as often as they are used."""
MAX_LINE_CHARS = 2**20
"""Characters in one JSON Lines line (one profile)."""
MAX_XLSX_UNCOMPRESSED = 512 * 2**20
"""The parts of an XLSX workbook together, uncompressed (512 MiB, about 1.5 million rows)."""
MAX_XLSX_RATIO = 200
"""How much one XLSX part larger than 1 MiB may expand (office software's parts expand
5 to 30 times; a one-cell "zip bomb" expands thousands of times)."""
QUOTE_CHARS = 40
"""The most of a bad value a message quotes."""
MIN_DAY = date(1900, 1, 1)
MAX_DAY = date(2199, 12, 31)
"""The evaluation dates accepted (dates are computed decades ahead of the day)."""


class LimitError(ValueError):
    """An input beyond one of the limits; the message says which, quoting a short prefix.

    ``line`` is the 1-based line of a YAML document where it is known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def quote(value: Any) -> str:
    """A bad value as a message shows it: its ``repr``, cut to a short prefix."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        digits = value.bit_length() * 0.30103
        if digits > QUOTE_CHARS:
            return f"<约 {int(digits)} 位的整数 (an integer of about {int(digits)} digits)>"
        return repr(value)
    if isinstance(value, str):
        if len(value) <= QUOTE_CHARS:
            return repr(value)
        return f"{value[:QUOTE_CHARS]!r}…（共 {len(value)} 字符 / {len(value)} characters）"
    if isinstance(value, float | Decimal):
        text = str(value)
        return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…"
    return f"<{type(value).__name__}>"


# --- Numbers ------------------------------------------------------------------------


def number(text: str) -> Decimal:
    """A written number (digits, sign, point, exponent) as a Decimal within the limits.

    :class:`LimitError` for a number too long or too large; :class:`InvalidOperation`
    (as ``Decimal``) for text that is no number."""
    if len(text) > MAX_NUMBER_CHARS:
        raise LimitError(f"数字过长 (a number of more than {MAX_NUMBER_CHARS} characters): {quote(text)}")
    value = Decimal(text)
    return bounded_decimal(value, text)


def bounded_decimal(value: Decimal, shown: Any = None) -> Decimal:
    """``value`` if finite and within :data:`MAX_EXPONENT`, else :class:`LimitError`."""
    if not value.is_finite():
        raise LimitError(f"不是有限的数字 (not a finite number): {quote(value if shown is None else shown)}")
    if value and abs(value.adjusted()) > MAX_EXPONENT:
        raise LimitError(f"数字超出范围 (a number beyond 10^±{MAX_EXPONENT}): {quote(value if shown is None else shown)}")
    return value


def _json_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise LimitError(f"数字过长 (a number of more than {MAX_NUMBER_CHARS} characters): {quote(text)}")
    return int(text)


def _json_float(text: str) -> float:
    return float(number(text))


def _json_constant(text: str) -> float:
    raise LimitError(f"不是有限的数字 (not a finite number): {text}")


# --- Documents ----------------------------------------------------------------------


def read_capped(stream: BinaryIO, limit: int = MAX_FILE_BYTES) -> bytes:
    """At most ``limit`` bytes of ``stream``; :class:`LimitError` if there are more."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise LimitError(f"文件过大 (larger than {limit // 2**20} MiB)")
    return data


def read_file_capped(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the file at ``path`` (no more than ``limit``; OSError as ``open`` raises it)."""
    with path.open("rb") as fh:
        return read_capped(fh, limit)


def load_json(text: str) -> Any:
    """JSON text as data within the limits.

    :class:`json.JSONDecodeError` for malformed text, :class:`LimitError` for text
    beyond a limit (numbers, nesting, strings, values)."""
    try:
        data = json.loads(text, parse_int=_json_int, parse_float=_json_float, parse_constant=_json_constant)
    except RecursionError:
        raise LimitError(f"嵌套过深 (nested more than {MAX_DEPTH} levels)") from None
    check_tree(data)
    return data


def check_tree(data: Any, max_depth: int = MAX_DEPTH) -> int:
    """Check parsed data against the limits; return the number of values in it.

    Shared objects (a YAML alias) are walked once and counted as often as they are used,
    so an "alias bomb" is measured in linear time and refused."""
    sizes: dict[int, int] = {}

    def size(node: Any, depth: int) -> int:
        if depth > max_depth:
            raise LimitError(f"嵌套过深 (nested more than {max_depth} levels)")
        if isinstance(node, dict | list):
            known = sizes.get(id(node))
            if known is not None:
                return known
            items: Iterator[Any] = iter(node.items()) if isinstance(node, dict) else iter(node)
            total = 1
            for item in items:
                if isinstance(node, dict):
                    key, item = item
                    _check_scalar(key)
                total += size(item, depth + 1)
                if total > MAX_VALUES:
                    raise LimitError(f"值过多 (more than {MAX_VALUES} values)")
            sizes[id(node)] = total
            return total
        _check_scalar(node)
        return 1

    return size(data, 1)


def _check_scalar(value: Any) -> None:
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise LimitError(f"文字过长 (a text of more than {MAX_TEXT} characters): {quote(value)}")
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int):
        if value.bit_length() > 128:
            raise LimitError(f"数字过长 (a number of more than {MAX_NUMBER_CHARS} characters): {quote(value)}")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise LimitError(f"不是有限的数字 (not a finite number): {value}")


def _bounded_int(loader: yaml.constructor.SafeConstructor, node: yaml.ScalarNode) -> int:
    if len(str(node.value)) > MAX_NUMBER_CHARS:
        raise LimitError(f"数字过长 (a number of more than {MAX_NUMBER_CHARS} characters): {quote(node.value)}",
                         node.start_mark.line + 1)
    return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)  # type: ignore[no-any-return]


def _bounded_float(loader: yaml.constructor.SafeConstructor, node: yaml.ScalarNode) -> float:
    value = yaml.constructor.SafeConstructor.construct_yaml_float(loader, node)
    if not math.isfinite(value) or len(str(node.value)) > MAX_NUMBER_CHARS:
        raise LimitError(f"数字超出范围 (a number out of range): {quote(node.value)}", node.start_mark.line + 1)
    return value  # type: ignore[no-any-return]


class ProfileLoader(yaml.SafeLoader):
    """The loader for profiles: numbers bounded before they are converted, and YAML aliases
    refused (a profile has no use for them, and a few hundred bytes of aliases can stand
    for billions of values)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise LimitError("企业画像中不允许 YAML 别名 (YAML aliases are not allowed in a profile)",
                             event.start_mark.line + 1)
        return super().compose_node(parent, index)


class RuleFileLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The loader for rule files (PyYAML's C safe loader when available): aliases allowed,
    they share a condition (their expanded size is bounded by :func:`check_tree`);
    numbers bounded."""


for _loader in (ProfileLoader, RuleFileLoader):
    _loader.add_constructor("tag:yaml.org,2002:int", _bounded_int)
    _loader.add_constructor("tag:yaml.org,2002:float", _bounded_float)


def load_yaml(text: str, loader: type[yaml.SafeLoader] = ProfileLoader) -> Any:
    """YAML text as data within the limits (:class:`yaml.YAMLError` for malformed text)."""
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise LimitError(f"嵌套过深 (nested more than {MAX_DEPTH} levels)") from None
    check_tree(data)
    return data


# --- Spreadsheets -------------------------------------------------------------------

_PROLOG_END = re.compile(rb"<[A-Za-z_]")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_PROLOG_BYTES = 64 * 1024


def check_xlsx(path: Path) -> None:
    """Refuse an XLSX workbook that would expand beyond the limits or declares a DTD.

    Checked on the archive before any spreadsheet reader opens it, so the bounds hold
    whichever reader follows. :class:`LimitError` naming the part; ``zipfile`` errors
    for a file that is no archive."""
    with zipfile.ZipFile(path) as archive:
        total = 0
        for info in archive.infolist():
            total += info.file_size
            if total > MAX_XLSX_UNCOMPRESSED:
                raise LimitError(f"工作簿解压后过大 (the workbook expands beyond {MAX_XLSX_UNCOMPRESSED // 2**20} MiB)")
            if info.file_size > 2**20 and info.file_size > MAX_XLSX_RATIO * max(info.compress_size, 1):
                raise LimitError(
                    f"{info.filename}: 压缩比异常 (expands {info.file_size // max(info.compress_size, 1)} times, "
                    f"more than {MAX_XLSX_RATIO})"
                )
        for info in archive.infolist():
            if info.filename.endswith((".xml", ".rels")):
                with archive.open(info) as part:
                    head = part.read(_PROLOG_BYTES)
                end = _PROLOG_END.search(head)
                prolog = head[: end.start()] if end else head
                if _DTD.search(prolog) or (end is None and len(head) == _PROLOG_BYTES):
                    raise LimitError(f"{info.filename}: 含有 DTD，拒绝读取 (declares a DTD; refused)")


def check_cell(value: Any) -> None:
    """Refuse a cell beyond :data:`MAX_TEXT` characters (:class:`LimitError`)."""
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise LimitError(f"单元格过长 (a cell of more than {MAX_TEXT} characters): {quote(value)}")


def check_day(day: date) -> date:
    """An evaluation date within :data:`MIN_DAY` .. :data:`MAX_DAY` (:class:`LimitError` otherwise)."""
    if not MIN_DAY <= day <= MAX_DAY:
        raise LimitError(f"评估日期应在 {MIN_DAY} 与 {MAX_DAY} 之间 (an evaluation date must lie between {MIN_DAY} and {MAX_DAY}): {day}")
    return day
