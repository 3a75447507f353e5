"""Beyond one process: any concurrent.futures executor, and the public per-partition function."""

from __future__ import annotations

import csv
import json
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

import pytest

from eligibility import evaluate, evaluate_many, evaluate_partition, partition_columns
from eligibility._catalogue import Catalogue
from eligibility.errors import ProfileError

from conftest import AS_OF, EXAMPLES, RULES


def _profiles() -> list[dict]:
    """The bundled examples, each also with a few fields changed, and two invalid profiles."""
    base = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]
    out = []
    for i, p in enumerate(base * 4):
        p = dict(p, name=f"{p['name']}{i}")
        if i % 3 == 1:
            p["staff_total"] = 10 + 40 * i
        if i % 4 == 2:
            p.pop("registration_date", None)
        out.append(p)
    out[5] = {"name": "坏数据", "staff_total": -3}
    out[11] = {"staff_total": 5}  # no name
    return out


@pytest.fixture(scope="module")
def spawned():
    """Workers started afresh (spawn): nothing is inherited, each loads and prepares its own."""
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        yield pool


def _same(got, expected) -> bool:
    if isinstance(expected, ProfileError):
        return isinstance(got, ProfileError) and got.problems == expected.problems
    return got.model_dump() == expected.model_dump()


def test_evaluate_many_through_a_process_pool_executor_equals_one_at_a_time(spawned):
    profiles = _profiles()
    expected = []
    for p in profiles:
        try:
            expected.append(evaluate(p, as_of=AS_OF, catalogue=RULES, explain=False))
        except ProfileError as exc:
            expected.append(exc)
    got = list(evaluate_many(profiles, as_of=AS_OF, catalogue=RULES, executor=spawned, chunk_size=3))
    assert len(got) == len(expected)
    assert all(_same(g, e) for g, e in zip(got, expected))


def test_explained_reports_through_an_executor_equal_one_at_a_time(spawned):
    profiles = [p for p in _profiles() if p.get("name") and p.get("staff_total", 0) >= 0][:6]
    expected = [evaluate(p, as_of=AS_OF, catalogue=RULES) for p in profiles]
    got = list(evaluate_many(profiles, as_of=AS_OF, catalogue=RULES, executor=spawned, chunk_size=2, explain=True))
    assert [g.model_dump() for g in got] == [e.model_dump() for e in expected]


def test_partitions_run_in_a_process_pool_give_each_record_its_own_verdicts(spawned):
    profiles = _profiles()
    parts = [profiles[i : i + 5] for i in range(0, len(profiles), 5)]
    rows = [r for part in spawned.map(_partition, parts) for r in part]
    assert len(rows) == len(profiles)
    for part in parts:
        assert [r["index"] for r in _partition(part)] == list(range(len(part)))
    for p, row in zip(profiles, rows):
        assert list(row) == partition_columns(as_of=AS_OF, catalogue=RULES)
        try:
            report = evaluate(p, as_of=AS_OF, catalogue=RULES)
        except ProfileError as exc:
            assert row["errors"] == "; ".join(str(x) for x in exc.problems)
            assert row["eligible"] is None and all(row[s.id] is None for s in evaluate(profiles[0], as_of=AS_OF, catalogue=RULES).supports)
            continue
        assert row["errors"] == ""
        assert {s.id: s.verdict.value for s in report.supports} == {s.id: row[s.id] for s in report.supports}
        assert row["needs_information"] == sum(s.verdict.value == "needs_information" for s in report.supports)
        assert row["rules_fingerprint"] == report.record.rules_fingerprint
        assert row["as_of"] == "2026-11-25"


def _partition(records):
    return evaluate_partition(records, as_of=AS_OF, catalogue=str(RULES))


def test_a_partition_of_spreadsheet_rows_gives_the_verdicts_of_the_same_profiles(tmp_path):
    """flat=True: records are rows keyed by the batch's column names; empty and NaN cells are unknown."""
    src = EXAMPLES / "batch_enterprises.csv"
    with src.open(encoding="utf-8-sig", newline="") as f:
        records = list(csv.DictReader(f))
    records[0] = {**records[0], "备注": float("nan")}
    rows = evaluate_partition(records, as_of=AS_OF, flat=True)
    from eligibility._tabular import read_rows

    for table_row, row in zip(read_rows(src), rows):
        if table_row.profile is None:
            assert row["errors"]
            continue
        report = evaluate(table_row.profile, as_of=AS_OF)
        assert {s.id: s.verdict.value for s in report.supports} == {s.id: row[s.id] for s in report.supports}


def test_an_executor_needs_a_catalogue_loaded_from_a_directory(catalogue):
    made = Catalogue(catalogue.info, catalogue.rules, catalogue.parameters, catalogue.sources, catalogue.where, "x")
    with ProcessPoolExecutor(1) as pool, pytest.raises(ValueError, match="directory"):
        next(evaluate_many([{"name": "x"}], as_of=AS_OF, catalogue=made, executor=pool))
