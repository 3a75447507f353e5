"""Every reader, fed hostile bytes: never a traceback, never a hang, never unbounded memory.

Each reader gets size-capped input (a few KB) built from the pieces that broke readers
before (numbers such as ``1e5000``, deep nesting, YAML aliases and tags, quotes left open,
DTDs, control characters), mixed at random. The only outcomes allowed are a result or the
library's own error (:class:`ProfileError` / :class:`RuleError`) with a message. Each example
has a generous deadline and a memory cap: a hang or a blow-up fails, a slow machine does not.
Runs in the ``ci`` Hypothesis profile by default (``HYPOTHESIS_PROFILE=thorough`` for more).
"""

from __future__ import annotations

import io
import shutil
import tracemalloc
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from eligibility import ProfileError, RuleError, load_catalogue
from eligibility._profile_io import load_profile, parse_profile, read_data
from eligibility._tabular import read_rows

from conftest import RULES

MAX_BYTES = 4096
MEMORY_CAP = 64 * 2**20
"""The most an example may allocate (its input is a few KB)."""
DEADLINE = timedelta(seconds=10)
"""Far above what an example takes (milliseconds): only a hang or a blow-up reaches it."""

PIECES = [
    "1e5000", "1e1000000", "-1e-400", "9" * 60, "NaN", "Infinity", "0x1F", "1_000", "2000万", "1.5亿", "1千万",
    "\"", "'", ",", ";", "\t", "\n", "\r", "\r\n", "\x00", "\x1b[2J", "\u202e", "\ufeff", "=HYPERLINK(1)", "@", "+",
    "{", "}", "[", "]", ":", "&a ", "*a", "<<: *a", "!!python/object:os.system", "!!binary", "---", "...", "? ",
    "- ", "#", "|", ">", "%YAML 1.1", "<!DOCTYPE x [<!ENTITY e \"lol\">]>", "&e;", "<![CDATA[", "]]>",
    "name", "企业名称", "职工总数", "2025年度研发费用", "staff_total", "financials", "是", "否", "true", "null", "~",
    "2019-06-18", "9999-12-31", "0000-00-00", "工业", "B级", "甲公司",
]
_text = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=80).map("".join).filter(
    lambda t: len(t.encode("utf-8", "surrogatepass")) <= MAX_BYTES
)
_nested = st.integers(1, 400).flatmap(lambda n: st.sampled_from(["[" * n, "{\"a\":" * n, "- " * n, "[" * n + "]" * n]))
_templated = st.tuples(
    st.sampled_from(['{"name": "甲", "staff_total": %s}', "name: 甲\nstaff_total: %s\n", "企业名称,职工总数\n甲,%s", '{"name": %s}']),
    _text,
).map(lambda t: t[0].replace("%s", t[1]))
hostile_text = _text | _templated | st.tuples(_text, _nested, _text).map("".join)


def _bounded(call):
    """Run ``call`` under the memory cap; only the library's own errors may come out."""
    tracemalloc.start()
    try:
        try:
            call()
        except (ProfileError, RuleError) as exc:
            assert str(exc).strip()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_CAP, f"peak {peak // 2**20} MiB"


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@settings(deadline=DEADLINE)
@given(hostile_text, st.sampled_from([".json", ".yaml"]))
def test_profile_files(tmp_path_factory, text, suffix):
    path = tmp_path_factory.mktemp("p") / f"p{suffix}"
    path.write_bytes(_encode(text))
    _bounded(lambda: load_profile(path))


@settings(deadline=DEADLINE)
@given(hostile_text)
def test_profile_text_as_a_portal_passes_it(text):
    _bounded(lambda: parse_profile(read_data(text, "request"), "request"))


@settings(deadline=DEADLINE)
@given(st.lists(hostile_text, min_size=1, max_size=6))
def test_csv_files(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("c") / "in.csv"
    path.write_bytes(_encode("企业名称,职工总数,2025年度研发费用,备注\n" + "\n".join(lines)))
    _bounded(lambda: read_rows(path))


@settings(deadline=DEADLINE)
@given(st.lists(hostile_text, min_size=1, max_size=6))
def test_json_lines_files(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("j") / "in.jsonl"
    path.write_bytes(_encode("\n".join(lines)))
    _bounded(lambda: read_rows(path))


def _workbook_bytes() -> bytes:
    wb = Workbook()
    wb.active.append(["企业名称", "职工总数", "备注"])
    wb.active.append(["甲", 10, "PLACEHOLDER"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


WORKBOOK = _workbook_bytes()
SHEET = "xl/worksheets/sheet1.xml"


@settings(deadline=DEADLINE)
@given(hostile_text, st.sampled_from(["PLACEHOLDER", "<v>10</v>", '<dimension ref="A1:C2" />', "<sheetData>", "<worksheet "]))
def test_xlsx_files(tmp_path_factory, text, spot):
    """A workbook made by openpyxl with hostile text put into its sheet's XML."""
    path = tmp_path_factory.mktemp("x") / "in.xlsx"
    with zipfile.ZipFile(io.BytesIO(WORKBOOK)) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == SHEET:
                data = data.replace(spot.encode(), _encode(text), 1)
            zout.writestr(info, data)
    _bounded(lambda: read_rows(path))


@settings(deadline=DEADLINE)
@given(st.binary(max_size=MAX_BYTES))
def test_xlsx_files_of_random_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("b") / "in.xlsx"
    path.write_bytes(b"PK\x03\x04" + data)
    _bounded(lambda: read_rows(path))


@pytest.fixture(scope="module")
def rules_copy(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(RULES, target)
    return target


@settings(deadline=DEADLINE)
@given(hostile_text)
def test_rule_files(rules_copy, text):
    """A rule file replaced by hostile text: the catalogue loads or a RuleError names the file."""
    path = rules_copy / "supports" / "zz_fuzzed.yaml"
    path.write_bytes(_encode(text))
    try:
        _bounded(lambda: load_catalogue(rules_copy))
    finally:
        path.unlink()
