"""How the command ends: after a one-shot command (``check``, the ``rules`` listings, ``schema``)
the process ends at once, every byte of its output delivered; an error ends it as usual."""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.markup import escape
from typer.testing import CliRunner

import eligibility
from eligibility._commands import _SafeConsole, app

from conftest import EXAMPLES, ROOT

runner = CliRunner()
CHECK = ["check", str(EXAMPLES / "battery_materials.json"), "--as-of", "2026-11-25"]

# The console script's way in (eligibility.__main__.run), with an exit handler that leaves a mark:
# the interpreter's usual exit runs it, ending the process at once does not.
ENTRY = """
import atexit, sys
mark = sys.argv.pop(1)
atexit.register(lambda: open(mark, "w").close())
from eligibility.__main__ import run
sys.argv[0] = "eligibility"
run()
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)  # output kept in the streams' buffers, as a user's shell has it
    if Path(eligibility.__file__).resolve().parent.parent == ROOT:  # not installed: the checkout's package
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def _command(mark: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", ENTRY, str(mark), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env()
    )


@pytest.mark.parametrize(
    "args",
    [
        [*CHECK, "--format", "table"],
        [*CHECK, "--format", "text"],
        [*CHECK, "--format", "markdown"],
        [*CHECK, "--format", "json"],
        # a few hundred bytes: all of it still in the stream's buffer when the command returns
        ["check", "{bare}", "--only", "eligible", "--format", "text", "--as-of", "2026-11-25"],
    ],
    ids=["table", "text", "markdown", "json", "short text"],
)
def test_a_check_read_slowly_through_a_pipe_delivers_all_its_output(tmp_path, args):
    bare = tmp_path / "bare.json"
    bare.write_text('{"name": "甲"}', encoding="utf-8")
    args = [a.replace("{bare}", str(bare)) for a in args]
    expected = runner.invoke(app, args)
    assert expected.exit_code == 0, expected.output
    process = _command(tmp_path / "exit-handler-ran", *args)
    time.sleep(1)  # a long output (80 KB as a table) fills the pipe: the command waits for its reader
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    assert out == expected.stdout_bytes and err == b""


def test_after_a_one_shot_command_the_process_ends_at_once(tmp_path):
    mark = tmp_path / "exit-handler-ran"
    _, err = _command(mark, *CHECK, "--format", "json").communicate(timeout=120)
    assert not mark.exists(), err.decode()


def test_after_an_error_the_process_ends_as_usual_with_its_message(tmp_path):
    mark = tmp_path / "exit-handler-ran"
    process = _command(mark, "check", str(tmp_path / "missing.json"))
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1 and out == b""
    assert "文件不存在" in err.decode() and mark.exists()


def test_a_command_that_is_not_one_shot_ends_as_usual(tmp_path):
    mark = tmp_path / "exit-handler-ran"
    process = _command(mark, "rules", "lint")
    process.communicate(timeout=120)
    assert process.returncode == 0 and mark.exists()


def test_a_one_shot_command_leaves_the_garbage_collector_running():
    assert gc.isenabled()
    result = runner.invoke(app, [*CHECK, "--format", "json"])
    assert result.exit_code == 0 and gc.isenabled()


LINE = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(LINE, st.sampled_from(["", "bold green", "bold red"])), min_size=1, max_size=8))
def test_lines_printed_without_colours_are_what_rich_prints_for_them(lines):
    """The fast path (text written as it is) gives rich's bytes: brackets, markup, control
    characters, wide characters; backslashes and tabs go through rich itself."""
    fast, slow = io.StringIO(), io.StringIO()
    _SafeConsole(file=fast, soft_wrap=True, emoji=False, width=160).print_lines(lines)
    markup = "\n".join(f"[{style}]{escape(line)}[/]" if style else escape(line) for line, style in lines)
    _SafeConsole(file=slow, soft_wrap=True, emoji=False, width=160).print(markup)
    assert fast.getvalue() == slow.getvalue()
