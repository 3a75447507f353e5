"""Where the checker runs: the Python versions it declares, ``python cli.py`` from a
checkout, and CI that cleans up after itself."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

from packaging.specifiers import SpecifierSet

from conftest import ROOT


def test_installation_refuses_python_versions_where_durable_rules_cannot_run():
    """durable-rules 2.0.28 calls PyEval_CallObject, removed in Python 3.13."""
    spec = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"])
    assert "3.11.7" in spec and "3.12.1" in spec
    assert "3.13.0" not in spec and "3.10.13" not in spec


def test_cli_py_names_a_missing_dependency_instead_of_a_traceback():
    code = (
        "import sys, runpy; sys.modules['durable_rules_engine'] = None; "
        "sys.argv = ['cli.py', '--help']; runpy.run_path('cli.py', run_name='__main__')"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert "durable_rules_engine" in result.stderr and 'pip install ".[cli]"' in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_py_runs_the_command_from_the_checkout():
    result = subprocess.run([sys.executable, "cli.py", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and "check" in result.stdout


def test_ci_run_removes_its_virtual_environment_even_when_it_fails(tmp_path):
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in ("chromium", "chromedriver"):  # present, so .ci/run installs nothing
        (tools / name).write_text("#!/bin/sh\n", encoding="utf-8")
        (tools / name).chmod(0o755)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHON": "false", "PATH": f"{tools}:{os.environ['PATH']}"}  # the venv fails at once
    result = subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert list(scratch.iterdir()) == []


WITHOUT_CLI_EXTRA = "import sys\nfor name in ('typer', 'click', 'rich', 'openpyxl'):\n    sys.modules[name] = None\n"
"""Run first in a subprocess: the cli extra's modules cannot be imported, as on a machine without it."""


def test_the_library_evaluates_a_profile_without_the_cli_extra():
    code = WITHOUT_CLI_EXTRA + (
        "import eligibility\n"
        "from datetime import date\n"
        "report = eligibility.evaluate(eligibility.load_profile('examples/battery_materials.json'), as_of=date(2026, 11, 25))\n"
        "print(len(report.supports), sorted({s.verdict.value for s in report.supports}))\n"
        "print(sorted(m for m in ('typer', 'click', 'rich', 'openpyxl') if sys.modules.get(m) is not None))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    count, imported = result.stdout.splitlines()
    assert int(count.split()[0]) > 0
    assert imported == "[]"


def test_the_command_without_the_cli_extra_says_which_extra_to_install():
    code = WITHOUT_CLI_EXTRA + (
        "import runpy\n"
        "sys.argv = ['eligibility', 'check', 'examples/battery_materials.json']\n"
        "runpy.run_module('eligibility', run_name='__main__')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert 'pip install "zhushan-eligibility[cli]"' in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_the_command_line_collects_garbage_again_once_started():
    """Start-up pauses the cyclic collector and freezes what it made; a long batch must still collect."""
    code = (
        "import gc\n"
        "from eligibility.__main__ import load_commands\n"
        "load_commands()\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 10000)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
