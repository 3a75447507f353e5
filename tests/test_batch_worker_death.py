"""``eligibility batch --jobs 2`` when a worker process dies, or its parent does (real processes).

A killed worker (kill -9, the out-of-memory killer) is replaced and its rows checked again:
the output equals ``--jobs 1``. Rows that kill every worker that checks them stop the run
with a message naming them, exit 1, and the user's files as they were. ``kill -9`` of the
batch leaves no worker behind. Slow (a 20,000-row run): ``pytest -m "not slow"`` leaves
these out while developing; the README's test command runs them.
"""

from __future__ import annotations

import csv
import errno
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eligibility._commands import app

from conftest import AS_OF, EXAMPLES, ROOT, running

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists() or "fork" not in mp.get_all_start_methods(), reason="Linux processes"),
]

DYING_ROW_NAME = "每次都让进程终止的企业"

# The test's own way to make a row kill the process that checks it (as running out of memory
# on it would): the command started with this row check patched; the product has no such hook.
KILLING_COMMAND = f"""
import os, signal, sys
from eligibility import _batch
from eligibility._commands import main

checked = _batch._evaluate_row

def evaluate_row(row, prepared):
    if row.name == {DYING_ROW_NAME!r}:
        os.kill(os.getpid(), signal.SIGKILL)
    return checked(row, prepared)

_batch._evaluate_row = evaluate_row
sys.argv[0] = "eligibility"
main()
"""


def _write_input(path: Path, rows: int, dying_row: int | None = None) -> None:
    """``rows`` enterprises from the example list, each named apart (so a row out of place
    shows); the one on spreadsheet row ``dying_row`` named :data:`DYING_ROW_NAME`."""
    with (EXAMPLES / "batch_enterprises.csv").open(encoding="utf-8-sig", newline="") as fh:
        header, *examples = list(csv.reader(fh))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i in range(rows):
            cells = list(examples[i % len(examples)])
            cells[1] = DYING_ROW_NAME if i + 2 == dying_row else f"{cells[1]}{i}"
            writer.writerow(cells)


def _batch(src: Path, out: Path, *args: str, code: str | None = None) -> subprocess.Popen:
    """The batch in a process group of its own (as a terminal runs a command)."""
    command = ["-c", code] if code else ["-m", "eligibility"]
    return subprocess.Popen(
        [sys.executable, *command, "batch", str(src), "-o", str(out), "--as-of", AS_OF.isoformat(), *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, ValueError):
            continue
        if int(ppid) == pid and state != "Z":
            found.append(int(stat.parent.name))
    return found


def _workers_busy(proc: subprocess.Popen, out: Path, deadline: float) -> list[int]:
    """The batch's two workers, once rows are being written (the run is well under way)."""
    while time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        if len(workers) == 2 and any(_size(p) > 100_000 for p in out.parent.glob(f".{out.name}.*.part")):
            return workers
        time.sleep(0.05)
    raise AssertionError("the run ended, or never started writing, before its worker could be killed")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # renamed into place meanwhile
        return 0


def _ended(proc: subprocess.Popen, timeout: float) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        for pid in _children(proc.pid):
            os.kill(pid, signal.SIGKILL)
        raise AssertionError(f"the run hung: not done after {timeout} s") from None
    return proc.returncode, err.decode("utf-8")


def test_a_worker_killed_mid_run_is_replaced_and_the_output_equals_one_process(tmp_path):
    """20,000 rows with --jobs 2, one worker killed with SIGKILL while rows are being written:
    the run completes (its rows checked again in a new worker), and its files are the same
    bytes as --jobs 1 gives."""
    src = tmp_path / "in.csv"
    _write_input(src, 20_000)
    one, two = tmp_path / "one" / "r.csv", tmp_path / "two" / "r.csv"
    one.parent.mkdir()
    two.parent.mkdir()
    reference = _batch(src, one, "--jobs", "1")
    parallel = _batch(src, two, "--jobs", "2")
    start = time.monotonic()
    victim, survivor = _workers_busy(parallel, two, start + 300)
    os.kill(victim, signal.SIGKILL)
    code, err = _ended(parallel, 600)
    assert code == 0 and "Traceback" not in err, err
    assert _ended(reference, 600)[0] == 0
    assert two.read_bytes() == one.read_bytes()
    assert two.with_suffix(".summary.csv").read_bytes() == one.with_suffix(".summary.csv").read_bytes()
    assert sorted(p.name for p in two.parent.iterdir()) == ["r.csv", "r.summary.csv"]


def test_rows_that_kill_every_worker_stop_the_run_with_a_message_naming_them(tmp_path):
    """Spreadsheet row 300 kills each process that checks it: its chunk (rows 258-513, 256 to
    a chunk) is tried in a second worker, then the run stops: exit 1, the rows and the signal
    named, no traceback, the earlier results file as it was (even with --force), nothing
    half-written left."""
    src = tmp_path / "in.csv"
    _write_input(src, 2_000, dying_row=300)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "r.csv"
    out.write_bytes(b"the user's earlier results\n")
    code, err = _ended(_batch(src, out, "--jobs", "2", "--force", code=KILLING_COMMAND), 300)
    assert code == 1, err
    assert "Traceback" not in err
    assert "a worker process died twice while checking rows 258–513" in err
    assert "第 258–513 行" in err
    assert "killed by signal SIGKILL" in err
    assert "结果文件未写入，原有文件保持不变" in err
    assert sorted(p.name for p in out_dir.iterdir()) == ["r.csv"]
    assert out.read_bytes() == b"the user's earlier results\n"


def test_kill_9_of_the_batch_leaves_no_worker_behind(tmp_path):
    src = tmp_path / "in.csv"
    _write_input(src, 20_000)
    out = tmp_path / "r.csv"
    proc = _batch(src, out, "--jobs", "2")
    workers = _workers_busy(proc, out, time.monotonic() + 300)
    proc.kill()
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 5
    while any(map(running, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in workers if running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []


def test_ctrl_c_stops_the_batch_and_its_workers_quietly(tmp_path):
    """Ctrl-C at a terminal sends SIGINT to the batch and its workers at once: the batch stops
    (exit 130) with no traceback from any process, no file written and no worker left."""
    src = tmp_path / "in.csv"
    _write_input(src, 20_000)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "r.csv"
    proc = _batch(src, out, "--jobs", "2")
    workers = _workers_busy(proc, out, time.monotonic() + 300)
    os.killpg(proc.pid, signal.SIGINT)
    code, err = _ended(proc, 60)
    assert code == 128 + signal.SIGINT, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert list(out_dir.iterdir()) == []
    deadline = time.monotonic() + 5
    while any(map(running, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(running, workers))


def test_a_batch_whose_workers_cannot_be_started_stops_with_the_reason_and_writes_nothing(tmp_path, monkeypatch):
    """``fork`` fails as it does out of memory: exit 1, the reason and the way out (--jobs 1)
    told, not "cannot write the output"; the earlier results file as it was."""
    src = tmp_path / "in.csv"
    _write_input(src, 600)
    out = tmp_path / "r.csv"
    out.write_bytes(b"the user's earlier results\n")

    def fork() -> int:
        raise OSError(errno.ENOMEM, os.strerror(errno.ENOMEM))

    monkeypatch.setattr(os, "fork", fork)
    result = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "--jobs", "2", "--force", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 1, result.output
    assert "cannot start a worker process" in result.output and "--jobs 1" in result.output
    assert "Cannot allocate memory" in result.output
    assert "cannot write" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "r.csv"]
    assert out.read_bytes() == b"the user's earlier results\n"
