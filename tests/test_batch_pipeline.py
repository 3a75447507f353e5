"""``eligibility batch`` in a pipeline and on a terminal: ``-`` for standard input and
output, and a progress bar that knows how many rows there are."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from rich.console import Console

from eligibility._commands import batch_progress
from eligibility._tabular import count_rows, read_rows

from conftest import AS_OF, EXAMPLES, ROOT

OFFICE = ROOT / "tests" / "data" / "office"


def profiles_jsonl() -> str:
    return "".join(json.dumps(json.loads(p.read_text(encoding="utf-8")), ensure_ascii=False) + "\n" for p in sorted(EXAMPLES.glob("*.json")))


def test_batch_reads_standard_input_and_writes_standard_output_as_json_lines():
    """`batch - -o -`: JSON Lines in, one JSON result per line out; the summary goes to standard error."""
    given = profiles_jsonl()
    done = subprocess.run(
        [sys.executable, "-m", "eligibility", "batch", "-", "-o", "-", "--as-of", AS_OF.isoformat()],
        input=given.encode("utf-8"), capture_output=True, cwd=ROOT, timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    results = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    names = [json.loads(line)["name"] for line in given.splitlines()]
    assert [r["name"] for r in results] == names and [r["row"] for r in results] == list(range(1, len(names) + 1))
    assert "标准输出" in done.stderr.decode("utf-8")


def test_a_bad_line_on_standard_input_is_reported_by_line_and_the_rest_written():
    given = profiles_jsonl().splitlines()
    given.insert(1, "{not json")
    done = subprocess.run(
        [sys.executable, "-m", "eligibility", "batch", "-", "-o", "-", "--as-of", AS_OF.isoformat()],
        input=("\n".join(given) + "\n").encode("utf-8"), capture_output=True, cwd=ROOT, timeout=120,
    )
    assert done.returncode == 1 and "line 2: " in done.stderr.decode("utf-8")
    results = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert [bool(r["errors"]) for r in results] == [False, True] + [False] * (len(given) - 2)


@pytest.mark.parametrize("suffix", ["csv", "txt", "xlsx", "xls", "ods"])
def test_rows_are_counted_before_they_are_read(suffix):
    path = OFFICE / f"enterprises.{suffix}"
    assert count_rows(path) == len(read_rows(path)) == 3


def test_a_large_xlsx_is_counted_from_its_xml(monkeypatch):
    from eligibility import _tabular as tabular

    monkeypatch.setattr(tabular, "CALAMINE_XLSX_MAX_XML", 0)
    assert count_rows(OFFICE / "enterprises.xlsx") == 3


def test_json_lines_are_counted_by_their_non_blank_lines(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(profiles_jsonl() + "\n\n", encoding="utf-8")
    assert count_rows(path) == len(list(EXAMPLES.glob("*.json")))


def test_the_progress_bar_shows_percentage_rows_and_time_left():
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    with batch_progress(console, 4) as progress:
        progress.advance(progress.tasks[0].id, 2)
        progress.refresh()
    shown = screen.getvalue()
    assert "50%" in shown and "2/4" in shown and "剩余" in shown


def test_without_a_count_the_progress_is_a_counter():
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    with batch_progress(console, None, zh=False) as progress:
        progress.advance(progress.tasks[0].id, 7)
        progress.refresh()
    shown = screen.getvalue()
    assert "checking 7" in shown and "%" not in shown
