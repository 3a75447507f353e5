"""The package ships ``py.typed``: its annotations are checked, and they reach a program that uses it."""

from __future__ import annotations

import os
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parent.parent


def mypy(*args: str) -> tuple[str, int]:
    out, err, code = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", os.devnull, *args])
    return out + err, code


def test_the_package_type_checks():
    report, code = mypy()
    assert code == 0, report


def test_a_program_using_the_library_gets_its_types(tmp_path):
    program = tmp_path / "portal.py"
    program.write_text(
        "from eligibility import Verdict, evaluate\n"
        "report = evaluate({'name': '竹山某公司'})\n"
        "ok: list[str] = [s.id for s in report.supports if s.verdict is Verdict.eligible]\n"
        "wrong: int = report.supports\n",
        encoding="utf-8",
    )
    report, code = mypy(str(program))
    assert code == 1
    assert f"{program.name}:4: error: Incompatible types in assignment" in report
    assert report.count("error:") == 1, report
