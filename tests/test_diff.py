"""``eligibility diff``: which enterprises a rule change or a new date affects, and why."""

from __future__ import annotations

import copy
import json
import shutil

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from eligibility import load_catalogue
from eligibility._commands import app
from eligibility._diff import NOT_IN_FORCE, Side, diff_rows
from eligibility._tabular import read_rows

from conftest import AS_OF, EXAMPLES, RULES

runner = CliRunner()
THRESHOLD = "returnee.subsidy_min_jobs"  # 带动就业3人及以上 (a returnee's one-off subsidy)
SUPPORT = "returnee_startup_subsidy"


@pytest.fixture(scope="module")
def raised_rules(tmp_path_factory):
    """A copy of the bundled rules with one threshold raised: jobs created 3 -> 4 (data edited, as a rule author would)."""
    rules = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(RULES, rules)
    path = rules / "parameters" / "talent.yaml"
    text = path.read_text(encoding="utf-8")
    block = text.index(f"id: {THRESHOLD}")
    at = text.index("value: 3", block)
    path.write_text(text[:at] + "value: 4" + text[at + len("value: 3"):], encoding="utf-8")
    return rules


@pytest.fixture(scope="module")
def enterprises(tmp_path_factory):
    """The returnee example with 2 to 5 jobs created (the day before, at and after the threshold), and the other examples."""
    base = json.loads((EXAMPLES / "returnee_startup.json").read_text(encoding="utf-8"))
    lines = []
    for jobs in (2, 3, 4, 5):
        e = copy.deepcopy(base)
        e["name"], e["founder"]["jobs_created"] = f"带动就业{jobs}人企业", jobs
        lines.append(e)
    lines += [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json")) if p.name != "returnee_startup.json"]
    path = tmp_path_factory.mktemp("list") / "企业清单.jsonl"
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines), encoding="utf-8")
    return path


def compare(enterprises, rules_b, day_b=AS_OF):
    return diff_rows(read_rows(enterprises), Side(load_catalogue(RULES), AS_OF), Side(load_catalogue(rules_b), day_b))


def test_a_raised_threshold_changes_exactly_the_enterprises_at_it(enterprises, raised_rules):
    result = compare(enterprises, raised_rules)
    assert [(e.name, [s.support for s in e.supports]) for e in result.changed] == [("带动就业3人企业", [SUPPORT])]
    assert {sid for sid in result.names if result.moved(sid)} == {SUPPORT}
    moves = {k: n for k, n in result.transitions[SUPPORT].items() if k[0] != k[1]}
    assert moves == {("eligible", "not_eligible"): 1}


def test_the_change_names_the_condition_and_the_parameter_values_behind_it(enterprises, raised_rules):
    (change,) = compare(enterprises, raised_rules).changed[0].supports
    (condition,) = change.conditions
    assert (condition.fact, condition.parameter_a, condition.parameter_b) == ("founder.jobs_created", THRESHOLD, THRESHOLD)
    assert (condition.status_a.value, condition.status_b.value) == ("met", "not_met")
    assert (condition.required_a, condition.required_b, condition.actual_a) == (3, 4, 3)


def test_the_same_rules_on_the_same_day_change_nothing(enterprises):
    result = compare(enterprises, RULES)
    assert result.changed == [] and result.rows == 8
    assert all(result.moved(sid) == 0 for sid in result.names)


def test_a_support_missing_on_one_side_moves_every_enterprise_to_not_in_force(enterprises, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "supports" / f"{SUPPORT}.yaml").unlink()
    result = compare(enterprises, rules)
    assert sum(n for (va, vb), n in result.transitions[SUPPORT].items() if vb == NOT_IN_FORCE) == result.rows
    assert {s.support for e in result.changed for s in e.supports} == {SUPPORT}


def test_two_dates_compare_the_same_rules_over_time(enterprises):
    """Three years on, the returnee is no longer within the window after return: the returnee supports change."""
    result = compare(enterprises, RULES, day_b=AS_OF.replace(year=AS_OF.year + 3))
    assert result.a.as_of == AS_OF and result.b.as_of.year == AS_OF.year + 3
    changed = {e.name for e in result.changed}
    assert "带动就业3人企业" in changed
    assert all(s.conditions for e in result.changed for s in e.supports)


def test_the_command_writes_a_workbook_of_moves_enterprises_and_record(enterprises, raised_rules, tmp_path):
    out = tmp_path / "变化.xlsx"
    result = runner.invoke(app, ["diff", str(enterprises), "--rules-b", str(raised_rules), "--as-of", AS_OF.isoformat(), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "带动就业3人企业" in result.output and "1 家的结果有变化" in result.output
    book = load_workbook(out)
    moves, changed, record = (list(ws.iter_rows(values_only=True)) for ws in book.worksheets)
    assert [r[0] for r in moves[1:]] == [SUPPORT] and moves[1][2:] == ("可以申报", "暂不符合", 1)
    assert [(r[1], r[10], r[11], r[12]) for r in changed[1:]] == [("带动就业3人企业", THRESHOLD, 3, 4)]
    fingerprints = next(r for r in record if r[0] == "规则指纹")
    assert fingerprints[1] == load_catalogue(RULES).fingerprint and fingerprints[2] == load_catalogue(raised_rules).fingerprint


def test_the_command_writes_json(enterprises, raised_rules, tmp_path):
    out = tmp_path / "变化.json"
    result = runner.invoke(app, ["diff", str(enterprises), "--rules-b", str(raised_rules), "--as-of", AS_OF.isoformat(), "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["input"] == {"file": "企业清单.jsonl", "rows": 8, "invalid_rows": []}
    (enterprise,) = data["enterprises"]
    (change,) = enterprise["changes"]
    assert (change["support"], change["from"], change["to"]) == (SUPPORT, "eligible", "not_eligible")
    assert change["conditions"][0]["required"] == {"a": 3, "b": 4}


def test_an_existing_output_is_not_overwritten(enterprises, tmp_path):
    out = tmp_path / "变化.json"
    out.write_text("keep", encoding="utf-8")
    result = runner.invoke(app, ["diff", str(enterprises), "-o", str(out)])
    assert result.exit_code == 2 and out.read_text(encoding="utf-8") == "keep"
