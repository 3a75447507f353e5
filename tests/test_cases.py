"""Example cases written as data: every ``tests/cases/*.yaml`` file, one test per case.

The cases are read and run by :mod:`eligibility.authoring.cases`, the runner behind
``eligibility rules test`` (its docstring describes the format), so pytest and rule authors
share one definition of what a case means. A policy expert can add a case without writing Python.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eligibility import load_catalogue
from eligibility.authoring.cases import Case, read_cases, run_case

from conftest import AS_OF, RULES

CASES = Path(__file__).parent / "cases"
CATALOGUE = load_catalogue(RULES)
SUITE = read_cases(CASES, CATALOGUE, as_of=AS_OF)


def test_every_case_file_is_valid():
    """No unknown key, rule id, verdict or profile field in any case file."""
    assert not SUITE.problems, "\n".join(map(str, SUITE.problems))


@pytest.mark.parametrize("case", SUITE.cases, ids=lambda c: c.id)
def test_case(case: Case):
    failures = run_case(case, CATALOGUE)
    assert not failures, "\n".join(f.describe("en") for f in failures)
