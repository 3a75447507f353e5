"""Shared fixtures: a fixed evaluation date and a profile builder."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from eligibility import EnterpriseProfile, evaluate, load_catalogue
from eligibility.authoring.strategies import load_hypothesis_profile

_CACHE = tempfile.TemporaryDirectory(prefix="eligibility-cache-")
os.environ.setdefault("ELIGIBILITY_CACHE_DIR", _CACHE.name)  # this run's catalogue cache, not the user's; subprocesses inherit it

load_hypothesis_profile()  # "ci" unless HYPOTHESIS_PROFILE says otherwise (e.g. thorough)

AS_OF = date(2026, 11, 25)
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
RULES = ROOT / "rules"


def running(pid: int) -> bool:
    """The process exists and has not ended (an ended one not yet reaped is a zombie, ``Z``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def make_profile(**fields: Any) -> EnterpriseProfile:
    """A profile with only a name and the given fields (everything else unknown)."""
    data: dict[str, Any] = {"name": "测试企业"}
    data.update(fields)
    return EnterpriseProfile.model_validate(data)


def verdict(profile: EnterpriseProfile, support_id: str, as_of: date = AS_OF) -> str:
    """The verdict on one support (or derived rule), as a string."""
    return evaluate(profile, as_of=as_of, catalogue=RULES).support(support_id).verdict.value


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(RULES)


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path_factory, monkeypatch):
    """Each test keeps interview recovery files in a folder of its own, not the user's."""
    monkeypatch.setenv("ELIGIBILITY_STATE_DIR", str(tmp_path_factory.mktemp("state")))


@pytest.fixture
def returnee_rules(tmp_path):
    """A copy of the rules with one support: returnee_entrepreneurship."""
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    for f in (root / "supports").glob("*.yaml"):
        if f.stem != "returnee_entrepreneurship":
            f.unlink()
    return str(root)
