"""Evaluation on durable-rules is stateless, thread-safe and never leaks engine errors."""

from __future__ import annotations

import gc
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from eligibility import evaluate, load_catalogue, load_profile
from eligibility._compiler import compile_view, encode_facts
from eligibility._engine import EngineRuleset
from eligibility._evaluate import engine_for, evaluate_verdicts, explain_support, prepare
from eligibility._facts import compute_facts

from conftest import AS_OF, EXAMPLES, RULES, make_profile


def test_a_profile_that_matches_no_rule_gets_a_report_not_an_exception():
    report = evaluate(make_profile(), as_of=AS_OF, catalogue=RULES)
    assert {s.verdict.value for s in report.supports} == {"needs_information"}


def test_the_engine_reports_met_and_unmet_rules(catalogue):
    view = catalogue.at(AS_OF)
    ruleset = EngineRuleset(compile_view(view))
    p = make_profile(founder={"is_returnee": False})
    out = ruleset.run(encode_facts(compute_facts(p, AS_OF, ruleset.compiled.facts, view.values), ruleset.compiled.shifts))
    assert out["returnee_entrepreneurship"] is False
    assert "tech_innovation_board_listing" not in out


def test_one_evaluation_leaves_nothing_behind_for_the_next(catalogue):
    eligible = make_profile(founder={"is_returnee": True, "hukou_in_county": True, "return_date": "2025-01-01"})
    empty = make_profile()
    first = evaluate(eligible, as_of=AS_OF, catalogue=catalogue)
    second = evaluate(empty, as_of=AS_OF, catalogue=catalogue)
    assert first.support("returnee_entrepreneurship").verdict.value == "eligible"
    assert second.support("returnee_entrepreneurship").verdict.value == "needs_information"


def test_the_same_profile_twice_gives_the_same_report(catalogue):
    p = load_profile(EXAMPLES / "battery_materials.json")
    assert evaluate(p, as_of=AS_OF, catalogue=catalogue) == evaluate(p, as_of=AS_OF, catalogue=catalogue)


def test_eight_threads_give_the_serial_reports(catalogue):
    profiles = [load_profile(f) for f in sorted(EXAMPLES.glob("*.json"))] + [
        make_profile(founder={"is_returnee": True, "hukou_in_county": True, "return_date": f"20{y}-03-01"})
        for y in range(18, 26)
    ]
    serial = [evaluate(p, as_of=AS_OF, catalogue=catalogue) for p in profiles]
    work = profiles * 8
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda p: evaluate(p, as_of=AS_OF, catalogue=catalogue), work))
    assert parallel == serial * 8


def test_different_dates_use_different_compiled_rulesets(catalogue):
    """Before 2025-03-25 Hubei had no knowledge-value grades: a grade C opens the board only after."""
    p = make_profile(listing_status="none", in_tech_enterprise_pool=True, certifications={"knowledge_value_grade": "C", "hnte_certified": False})
    before = evaluate(p, as_of=date(2025, 3, 24), catalogue=catalogue).support("tech_innovation_board_listing")
    after = evaluate(p, as_of=date(2025, 3, 25), catalogue=catalogue).support("tech_innovation_board_listing")
    assert (before.verdict.value, after.verdict.value) == ("not_eligible", "eligible")
    assert engine_for(catalogue.at(date(2025, 3, 24))) is not engine_for(catalogue.at(date(2025, 3, 25)))


def test_sixteen_threads_give_the_serial_verdicts(catalogue):
    profiles = [load_profile(f) for f in sorted(EXAMPLES.glob("*.json"))] + [
        make_profile(listing_status="none", in_tech_enterprise_pool=True, certifications={"knowledge_value_grade": g})
        for g in "ABCDE"
    ]
    serial = [evaluate_verdicts(p, as_of=AS_OF, catalogue=catalogue) for p in profiles]
    with ThreadPoolExecutor(max_workers=16) as pool:
        parallel = list(pool.map(lambda p: evaluate_verdicts(p, as_of=AS_OF, catalogue=catalogue), profiles * 16))
    assert parallel == serial * 16


def test_sixteen_threads_on_a_cold_catalogue_give_the_serial_reports(catalogue, tmp_path):
    """Sixteen threads start together on a catalogue nothing has evaluated yet, so they
    race to prepare its rulesets and compiled explanations; the reports equal serial ones."""
    shutil.copytree(RULES, tmp_path / "rules")
    cold = load_catalogue(tmp_path / "rules")
    profiles = [load_profile(f) for f in sorted(EXAMPLES.glob("*.json"))] + [
        make_profile(founder={"is_returnee": True, "hukou_in_county": True, "return_date": f"20{y}-03-01"})
        for y in range(18, 26)
    ]
    serial = [evaluate(p, as_of=AS_OF, catalogue=catalogue) for p in profiles]
    start = threading.Barrier(16)

    def run(offset: int) -> list:
        start.wait()
        order = profiles[offset % len(profiles) :] + profiles[: offset % len(profiles)]
        reports = {id(p): evaluate(p, as_of=AS_OF, catalogue=cold) for p in order}
        return [reports[id(p)] for p in profiles]

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(run, range(16)))
    assert results == [serial] * 16


def test_the_fast_verdicts_equal_the_full_reports_verdicts(catalogue):
    for f in sorted(EXAMPLES.glob("*.json")):
        p = load_profile(f)
        assert evaluate_verdicts(p, as_of=AS_OF, catalogue=catalogue) == evaluate(p, as_of=AS_OF, catalogue=catalogue).verdicts()


def test_evaluations_leave_no_reference_cycles_for_the_collector(catalogue):
    """Everything an evaluation allocates is freed by reference counting, so a portal
    evaluating on every form change does not feed the cyclic garbage collector."""
    profiles = [load_profile(f) for f in sorted(EXAMPLES.glob("*.json"))] + [make_profile()]
    for p in profiles:  # warm: what is prepared once per catalogue view stays
        evaluate(p, as_of=AS_OF, catalogue=catalogue)
    gc.collect()
    gc.disable()
    try:
        for p in profiles:
            evaluate(p, as_of=AS_OF, catalogue=catalogue)
            evaluate(p, as_of=AS_OF, catalogue=catalogue, explain=False)
            evaluate_verdicts(p, as_of=AS_OF, catalogue=catalogue)
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable == 0


def test_engine_memory_does_not_grow_with_the_number_of_threads_that_ever_evaluated(catalogue):
    """A portal's worker threads come and go: 2,000 short-lived threads (four alive at a
    time) leave at most four engine rulesets behind, not one per thread (~3 MB each)."""
    view = catalogue.at(AS_OF)
    ruleset = EngineRuleset(compile_view(view))
    facts = encode_facts(compute_facts(load_profile(EXAMPLES / "battery_materials.json"), AS_OF, ruleset.compiled.facts, view.values))
    expected = ruleset.run(facts)
    results: list = []

    def one() -> None:
        results.append(ruleset.run(facts))

    for _ in range(500):
        threads = [threading.Thread(target=one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == [expected] * 2000
    assert ruleset.handle_count <= 4


def _fresh_copy(tmp_path):
    """A copy of the bundled rules with a fingerprint of its own (nothing compiled for it yet)."""
    shutil.copytree(RULES, tmp_path / "rules")
    info = tmp_path / "rules" / "catalogue.yaml"
    info.write_text(info.read_text(encoding="utf-8") + "\n# a copy\n", encoding="utf-8")
    return load_catalogue(tmp_path / "rules")


def test_one_rule_explained_alone_is_decided_by_a_ruleset_of_it_and_the_derived_rules_it_names(tmp_path):
    """explain_support asks durable-rules about that rule and the derived rules it names
    only (their own ruleset, compiled once per rule, reading only their facts); the whole
    catalogue's ruleset is never run."""
    fresh = _fresh_copy(tmp_path)
    prepared = prepare(fresh, AS_OF)
    p = load_profile(EXAMPLES / "battery_materials.json")
    for rid in prepared.view.rule_ids:
        explain_support(p, rid, as_of=AS_OF, catalogue=fresh)
        scope = prepared.scope(rid)
        assert scope.rule_ids == tuple(prepared.dependencies([rid]))
        assert set(scope.ruleset.compiled.strata) - scope.ruleset.compiled.helpers == set(scope.rule_ids)
        assert scope.ruleset.compiled.facts == fresh.facts_used(scope.rule_ids)
        assert scope.ruleset.handle_count == 1
    assert prepared.ruleset.handle_count == 0


def test_sixteen_threads_explaining_rules_on_demand_give_the_serial_results(catalogue, tmp_path):
    """Sixteen threads start together explaining every rule for several enterprises on a
    catalogue nothing has evaluated yet, so they race to compile each rule's ruleset; the
    results equal serial ones, and no rule keeps more engine handles than threads ran at once."""
    fresh = _fresh_copy(tmp_path)
    profiles = [load_profile(f) for f in sorted(EXAMPLES.glob("*.json"))]
    rules = prepare(catalogue, AS_OF).view.rule_ids
    asked = [(p, rid) for p in profiles for rid in rules]
    serial = [explain_support(p, rid, as_of=AS_OF, catalogue=catalogue).model_dump_json() for p, rid in asked]
    start = threading.Barrier(16)

    def run(offset: int) -> list[str]:
        start.wait()
        order = list(range(offset * 7 % len(asked), len(asked))) + list(range(offset * 7 % len(asked)))
        done = {i: explain_support(*asked[i], as_of=AS_OF, catalogue=fresh).model_dump_json() for i in order}
        return [done[i] for i in range(len(asked))]

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(run, range(16)))
    assert results == [serial] * 16
    prepared = prepare(fresh, AS_OF)
    assert all(1 <= prepared.scope(rid).ruleset.handle_count <= 16 for rid in rules)


def test_explanations_on_demand_leave_no_reference_cycles_for_the_collector(catalogue):
    """Explaining one rule when asked allocates nothing the cyclic garbage collector must free."""
    profiles = [load_profile(f) for f in sorted(EXAMPLES.glob("*.json"))] + [make_profile()]
    rules = prepare(catalogue, AS_OF).view.rule_ids
    for p in profiles:  # warm: each rule's ruleset and compiled explanation stay
        for rid in rules:
            explain_support(p, rid, as_of=AS_OF, catalogue=catalogue)
    gc.collect()
    gc.disable()
    try:
        for p in profiles:
            for rid in rules:
                explain_support(p, rid, as_of=AS_OF, catalogue=catalogue).model_dump_json()
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable == 0
