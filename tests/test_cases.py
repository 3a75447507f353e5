"""Example cases written as data: every ``tests/cases/*.yaml`` file, one test per case.

A case file holds an optional ``base`` profile, an optional default ``as_of`` and a list of
``cases``; each case gives a ``name``, the ``profile`` fields that differ from the base
(merged into it, nested mappings key by key), optionally its own ``as_of``, and ``expect``:
rule id -> ``eligible`` / ``not_eligible`` / ``needs_information`` (or ``not_in_force`` for a rule
not in force on that date). ``missing`` (rule id ->
fields) pins the fields a "needs information" verdict names; ``limits`` (rule id -> ``maximum``,
``capped``) pins the cap a support tells and whether the amount asked for is above it. A policy
expert can add a case without writing Python.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from eligibility import evaluate

from conftest import AS_OF, RULES

CASES = Path(__file__).parent / "cases"


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` laid over it; nested mappings merge, everything else replaces."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def _load() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        base = data.get("base", {})
        for case in data["cases"]:
            params.append(
                pytest.param(
                    merged({"name": "测试企业", **base}, case.get("profile", {})),
                    case.get("as_of", data.get("as_of", AS_OF)),
                    case["expect"],
                    case.get("missing", {}),
                    case.get("limits", {}),
                    id=f"{path.stem}: {case['name']}",
                )
            )
    return params


@pytest.mark.parametrize(("profile", "as_of", "expect", "missing", "limits"), _load())
def test_case(
    profile: dict[str, Any],
    as_of: dt.date,
    expect: dict[str, str],
    missing: dict[str, list[str]],
    limits: dict[str, dict[str, Any]],
):
    report = evaluate(profile, as_of=as_of, catalogue=RULES)
    verdicts = {k: v.value for k, v in report.verdicts().items()}
    got = {rid: verdicts.get(rid, "not_in_force") for rid in expect}
    assert got == expect
    for rid, fields in missing.items():
        assert report.support(rid).missing_fields == fields
    for rid, pinned in limits.items():
        (limit,) = report.support(rid).limits
        assert {"maximum": limit.maximum, "capped": limit.capped} == pinned
