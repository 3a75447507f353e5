"""No hidden engine limit: a catalogue larger than one durable-rules ruleset holds is split
by rules, a rule larger than one engine rule holds is split into helper rules, and both
decide as Python does; a ruleset durable-rules cannot hold is refused before it is loaded
(some make ``create_ruleset`` loop forever)."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import durable_rules_engine as _dre
import pytest
import yaml

from eligibility import evaluate, load_catalogue, load_profile
from eligibility._engine_limits import MAX_ENDING, MAX_FORWARD, MAX_SUCCESSORS, rule_problem, ruleset_problem
from eligibility._compiler import compile_view
from eligibility._engine import EngineRuleset
from eligibility.errors import EngineError
from eligibility._evaluate import engine_for, evaluate_verdicts, explain_support, prepare
from eligibility._facts import FACTS
from eligibility.authoring.lint import lint

from conftest import AS_OF, EXAMPLES, RULES, make_profile

GENERATED = 200


def _support(base: dict, rule_id: str, conditions: dict) -> dict:
    rule = {k: v for k, v in base.items() if k not in ("monotone", "rests_on", "basis")}
    rule["id"] = rule_id
    rule["basis"] = "plan"
    rule["rests_on"] = base.get("rests_on", [])
    rule["conditions"] = conditions
    return rule


def _generated_support(base: dict, i: int) -> dict:
    """Support ``gen_i``: staff_total >= i+1 or st_staff >= 500+i, and an industrial sector or
    st_staff >= i % 7 + 1. Each has thresholds of its own, so three comparisons per support
    follow the node all of them share: 200 supports make 600, beyond the 511 after which
    durable-rules' ``create_ruleset`` never returns."""
    return _support(
        base,
        f"gen_{i:03d}",
        {
            "all": [
                {"any": [{"fact": "staff_total", "op": ">=", "value": i + 1}, {"fact": "st_staff", "op": ">=", "value": 500 + i}]},
                {"any": [{"fact": "sector", "op": "==", "value": "industry"}, {"fact": "st_staff", "op": ">=", "value": i % 7 + 1}]},
            ]
        },
    )


def _some(*truths: bool | None) -> bool | None:
    return True if True in truths else (False if all(t is False for t in truths) else None)


def _every(*truths: bool | None) -> bool | None:
    return False if False in truths else (True if all(t is True for t in truths) else None)


def _known(value, test) -> bool | None:
    return None if value is None else test(value)


def _verdict(truth: bool | None) -> str:
    return {True: "eligible", False: "not_eligible", None: "needs_information"}[truth]


def python_decision(i: int, staff: float | None, sector: str | None, st_staff: float | None) -> str:
    """The verdict on ``gen_i`` decided directly from its definition (three-valued)."""
    first = _some(_known(staff, lambda v: v >= i + 1), _known(st_staff, lambda v: v >= 500 + i))
    second = _some(_known(sector, lambda v: v == "industry"), _known(st_staff, lambda v: v >= i % 7 + 1))
    return _verdict(_every(first, second))


@pytest.fixture(scope="module")
def big_catalogue(tmp_path_factory):
    root = tmp_path_factory.mktemp("big") / "rules"
    shutil.copytree(RULES, root)
    base = yaml.safe_load((RULES / "supports" / "returnee_entrepreneurship.yaml").read_text(encoding="utf-8"))
    for i in range(GENERATED):
        text = yaml.safe_dump(_generated_support(base, i), allow_unicode=True, sort_keys=False)
        (root / "supports" / f"gen_{i:03d}.yaml").write_text(text, encoding="utf-8")
    return load_catalogue(root)


PROFILES = [
    {"staff_total": 186, "sector": "industry"},
    {"staff_total": 186, "sector": "wholesale", "st_staff": 3},
    {"staff_total": 57, "st_staff": 5},
    {"staff_total": 0, "sector": "industry"},
    {"staff_total": 120},
    {"sector": "industry", "st_staff": 0},
    {},
]


@pytest.mark.parametrize("fields", PROFILES)
def test_two_hundred_generated_supports_decide_as_python_does(big_catalogue, fields):
    verdicts = evaluate_verdicts(make_profile(**fields), as_of=AS_OF, catalogue=big_catalogue)
    for i in range(GENERATED):
        expected = python_decision(i, fields.get("staff_total"), fields.get("sector"), fields.get("st_staff"))
        assert verdicts[f"gen_{i:03d}"].value == expected, i


def test_the_large_catalogue_is_split_over_several_engine_rulesets(big_catalogue):
    evaluate_verdicts(make_profile(staff_total=186, sector="industry"), as_of=AS_OF, catalogue=big_catalogue)
    assert engine_for(big_catalogue.at(AS_OF)).part_count > 1


def test_the_explained_reports_agree_with_the_engine_on_the_large_catalogue(big_catalogue):
    """``evaluate`` checks every engine verdict against the Python explanation (EngineError otherwise)."""
    for f in sorted(EXAMPLES.glob("*.json")):
        p = load_profile(f)
        assert evaluate(p, as_of=AS_OF, catalogue=big_catalogue).verdicts() == evaluate_verdicts(p, as_of=AS_OF, catalogue=big_catalogue)


def test_sixteen_threads_on_the_large_catalogue_give_the_serial_verdicts(big_catalogue, tmp_path):
    profiles = [make_profile(**fields) for fields in PROFILES]
    serial = [evaluate_verdicts(p, as_of=AS_OF, catalogue=big_catalogue) for p in profiles]
    with ThreadPoolExecutor(max_workers=16) as pool:
        parallel = list(pool.map(lambda p: evaluate_verdicts(p, as_of=AS_OF, catalogue=big_catalogue), profiles * 16))
    assert parallel == serial * 16


def test_the_bundled_catalogue_fits_one_engine_ruleset(catalogue):
    for f in sorted(EXAMPLES.glob("*.json")):
        evaluate_verdicts(load_profile(f), as_of=AS_OF, catalogue=catalogue)
    assert engine_for(catalogue.at(AS_OF)).part_count == 1


LARGE = 600
SECTORS = FACTS["sector"].choices
CHAINS = FACTS["industry_chains"].choices


def _nested(depth: int) -> dict:
    node: dict = {"fact": "staff_total", "op": ">=", "value": 1}
    for level in range(depth):
        other = {"fact": "st_staff", "op": ">=", "value": level + 1}
        node = {"all" if level % 2 else "any": [node, other]}
    return node


def nested_decision(depth: int, staff: float | None, st_staff: float | None) -> bool | None:
    truth = _known(staff, lambda v: v >= 1)
    for level in range(depth):
        other = _known(st_staff, lambda v, level=level: v >= level + 1)
        truth = (_every if level % 2 else _some)(truth, other)
    return truth


LARGE_RULES = {
    # one `all` of 600 comparisons on one fact: met from 600 staff on
    "large_all": (
        {"all": [{"fact": "staff_total", "op": ">=", "value": j + 1} for j in range(LARGE)]},
        lambda p: _every(*(_known(p.get("staff_total"), lambda v, j=j: v >= j + 1) for j in range(LARGE))),
    ),
    # one `any` of 600 comparisons: met by a multiple of 7 below 4200 staff
    "large_any": (
        {"any": [{"fact": "staff_total", "op": "==", "value": 7 * j} for j in range(LARGE)]},
        lambda p: _some(*(_known(p.get("staff_total"), lambda v, j=j: v == 7 * j) for j in range(LARGE))),
    ),
    # a negated `any` of 600: not a multiple of 3 below 1800 staff
    "large_not_any": (
        {"not": {"any": [{"fact": "staff_total", "op": "==", "value": 3 * j} for j in range(LARGE)]}},
        lambda p: _known(p.get("staff_total"), lambda v: v not in {3 * j for j in range(LARGE)}),
    ),
    # `in` lists as long as a fact's choices, on an enum and on a set
    "sector_not_in": (
        {"fact": "sector", "op": "not in", "value": list(SECTORS[:-1])},
        lambda p: _known(p.get("sector"), lambda v: v not in SECTORS[:-1]),
    ),
    "chains_in": (
        {"fact": "industry_chains", "op": "in", "value": list(CHAINS)},
        lambda p: _known(p.get("industry_chains"), lambda v: bool(set(v) & set(CHAINS))),
    ),
    # nested 18 groups deep (durable-rules holds 15)
    "deep": (_nested(18), lambda p: nested_decision(18, p.get("staff_total"), p.get("st_staff"))),
}


@pytest.fixture(scope="module")
def large_rules(tmp_path_factory):
    root = tmp_path_factory.mktemp("large") / "rules"
    shutil.copytree(RULES, root)
    base = yaml.safe_load((RULES / "supports" / "returnee_entrepreneurship.yaml").read_text(encoding="utf-8"))
    for rid, (conditions, _) in LARGE_RULES.items():
        text = yaml.safe_dump(_support(base, rid, conditions), allow_unicode=True, sort_keys=False)
        (root / "supports" / f"{rid}.yaml").write_text(text, encoding="utf-8")
    return root


LARGE_PROFILES = [
    {"staff_total": 599, "st_staff": 20, "sector": "other", "industry_chains": []},
    {"staff_total": 600, "st_staff": 3, "sector": "agriculture", "industry_chains": ["other"]},
    {"staff_total": 601, "st_staff": 18, "sector": "industry", "industry_chains": ["photovoltaic", "sanitary_ware"]},
    {"staff_total": 1797},
    {"staff_total": 1800, "st_staff": 0},
    {"staff_total": 4193},
    {"staff_total": 4200},
    {"staff_total": 0},
    {"st_staff": 5},
    {},
]


@pytest.mark.parametrize("fields", LARGE_PROFILES)
def test_rules_larger_than_one_engine_rule_decide_as_python_does(large_rules, fields):
    """``evaluate`` also checks each engine verdict against the explanation (EngineError otherwise)."""
    catalogue = load_catalogue(large_rules)
    report = evaluate(make_profile(**fields), as_of=AS_OF, catalogue=catalogue)
    for rid, (_, decide) in LARGE_RULES.items():
        expected = _verdict(decide(fields))
        assert report.support(rid).verdict.value == expected, rid


def test_a_large_rule_is_compiled_into_helper_rules_each_within_the_engine_limits(large_rules):
    compiled = compile_view(load_catalogue(large_rules).at(AS_OF))
    assert {h.split("-")[0] for h in compiled.helpers} == {"large_all", "large_any", "large_not_any", "deep"}
    for name, rule in compiled.definition.items():
        assert rule_problem(rule["all"][0]["m"]) is None, name
    assert ruleset_problem(compiled.definition) is None or engine_for(load_catalogue(large_rules).at(AS_OF)).part_count > 1



def test_a_large_rule_explained_alone_is_decided_with_its_own_helper_rules(large_rules):
    scope = prepare(load_catalogue(large_rules), AS_OF).scope("large_all")
    assert scope.ruleset.compiled.helpers
    assert {h.split("-")[0] for h in scope.ruleset.compiled.helpers} == {"large_all"}


@pytest.mark.parametrize("fields", LARGE_PROFILES)
def test_rules_larger_than_one_engine_rule_explained_alone_are_their_results_in_the_full_report(large_rules, fields):
    catalogue = load_catalogue(large_rules)
    profile = make_profile(**fields)
    report = evaluate(profile, as_of=AS_OF, catalogue=catalogue)
    for rid in LARGE_RULES:
        assert explain_support(profile, rid, as_of=AS_OF, catalogue=catalogue) == report.support(rid), rid


def test_lint_finds_nothing_the_engine_cannot_hold_in_rules_it_can_split(tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    base = yaml.safe_load((RULES / "supports" / "returnee_entrepreneurship.yaml").read_text(encoding="utf-8"))
    wide = {"all": [{"fact": "staff_total", "op": ">=", "value": j + 1} for j in range(LARGE)]}
    for rid, conditions in (("wide", wide), ("deep", _nested(18))):
        text = yaml.safe_dump(_support(base, rid, conditions), allow_unicode=True, sort_keys=False)
        (root / "supports" / f"{rid}.yaml").write_text(text, encoding="utf-8")
    assert compile_view(load_catalogue(root).at(AS_OF)).helpers
    assert [f for f in lint(root).errors if f.file in ("supports/wide.yaml", "supports/deep.yaml")] == []


def test_a_ruleset_durable_rules_would_hang_on_is_refused_before_it_is_loaded(catalogue):
    """512 distinct comparisons after one node make ``create_ruleset`` loop forever."""
    compiled = compile_view(catalogue.at(AS_OF))
    wide = {"$and": [{"stratum": 0}, {"$or": [{"$gte": {"staff_total": j}} for j in range(MAX_SUCCESSORS + 1)]}]}
    too_wide = replace(compiled, definition={"wide|T": {"all": [{"m": wide}]}}, strata={"wide": 0})
    with pytest.raises(EngineError, match="wide"):
        EngineRuleset(too_wide)


def _rule(expr: dict) -> dict:
    return {"all": [{"m": {"$and": [{"stratum": 0}, expr]}}]}


TABLES = {
    # n rules each with a comparison of its own after the node they share (the stratum's)
    "successors": (MAX_SUCCESSORS, lambda n: {f"r{i}": _rule({"$gte": {"a": i}}) for i in range(n)}),
    # n rules each an `any` whose first alternative (shared) ends at the rule's own joining node
    "forward": (MAX_FORWARD, lambda n: {f"r{i}": _rule({"$or": [{"a": 1}, {"b": i}]}) for i in range(n)}),
    # n rules ending at the same comparison
    "ending": (MAX_ENDING, lambda n: {f"r{i}": _rule({"a": 1}) for i in range(n)}),
}


@pytest.mark.parametrize("table", TABLES)
def test_a_ruleset_is_measured_as_durable_rules_builds_it(table):
    """At each measured limit the ruleset loads; one more is refused before loading (the
    engine would hang or refuse it: bench/engine_limits.py)."""
    limit, make = TABLES[table]
    assert ruleset_problem(make(limit)) is None
    handle = _dre.create_ruleset(f"probe_{table}", json.dumps(make(limit)))
    _dre.delete_ruleset(handle)
    assert ruleset_problem(make(limit + 1)) is not None
