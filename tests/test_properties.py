"""The catalogue proves itself: properties every rule must have, checked on the bundled rules.

Run harder with ``HYPOTHESIS_PROFILE=thorough pytest tests/test_properties.py``.
"""

from __future__ import annotations

from decimal import Decimal

import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eligibility import (
    ProfileError,
    Verdict,
    evaluate,
    evaluate_view,
    evaluate_view_json,
    explain_support,
    explain_support_json,
    load_catalogue,
    parse_profile,
    report_view,
    view_json,
)
from eligibility._compiler import encode_facts, engine_facts
from eligibility._evaluate import Detail, engine_for, prepared_for, run
from eligibility._explain import Explainer
from eligibility._facts import compute_facts
from eligibility._render import condition_line, first_failed, support_lines
from eligibility._questions import next_questions, questions_from
from eligibility._views import SummaryReport, summary_data, summary_json
from eligibility.report import Status, SupportResult
from eligibility.authoring.strategies import (
    check_catalogue_properties,
    check_deterministic,
    check_engine_agrees,
    check_monotone,
    check_refinement,
    find_witnesses,
    forget,
)
from eligibility.authoring.witness import fixed_facts

from conftest import AS_OF, RULES
from strategies import CATALOGUE, facts, seeds, valid_data

SUPPORTS = sorted(rid for rid, r in CATALOGUE.rules.items() if r.kind == "support")
WITNESSES = find_witnesses(CATALOGUE, AS_OF, kinds=("support", "derived"))


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


# --- Every support can be met and missed --------------------------------------------------


@pytest.mark.parametrize("rule_id", sorted(WITNESSES))
def test_every_rule_can_be_met_by_some_profile(rule_id):
    """A profile is found on which the rule's verdict is eligible."""
    w = WITNESSES[rule_id]
    assert w.met is not None, w.met_problem
    assert evaluate(w.met, as_of=AS_OF, catalogue=CATALOGUE).support(rule_id).verdict is Verdict.eligible


@pytest.mark.parametrize("rule_id", sorted(WITNESSES))
def test_every_rule_can_be_missed_by_some_profile(rule_id):
    """A profile is found on which the rule's verdict is not eligible."""
    w = WITNESSES[rule_id]
    assert w.unmet is not None, w.unmet_problem
    assert evaluate(w.unmet, as_of=AS_OF, catalogue=CATALOGUE).support(rule_id).verdict is Verdict.not_eligible


def test_every_support_in_force_has_witnesses():
    """Witnesses are sought for every support in force, none left out."""
    assert set(SUPPORTS) <= set(WITNESSES)


def test_a_contradiction_is_reported_as_unreachable(rules_copy):
    """A support whose conditions cannot all hold is reported unreachable, with no met witness."""
    f = rules_copy / "supports" / "returnee_entrepreneurship.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("  all:\n", "  all:\n    - {fact: founder.is_returnee, op: '==', value: false}\n", 1), encoding="utf-8")
    w = find_witnesses(load_catalogue(rules_copy), AS_OF)["returnee_entrepreneurship"]
    assert w.met is None and "unreachable" in (w.met_problem or "")


def test_a_tautology_is_reported_as_always_true(rules_copy):
    """A support that holds whatever the profile is reported as always true."""
    f = rules_copy / "supports" / "returnee_entrepreneurship.yaml"
    text = f.read_text(encoding="utf-8")
    head = text[: text.index("conditions:")]
    f.write_text(head + "conditions:\n  not: {fact: as_of_month, op: '>', value: 12}\n", encoding="utf-8")
    w = find_witnesses(load_catalogue(rules_copy), AS_OF)["returnee_entrepreneurship"]
    assert w.unmet is None and "always true" in (w.unmet_problem or "")


# --- durable-rules and the explanation agree ----------------------------------------------


@given(facts)
def test_durable_rules_agrees_with_the_explanation_on_any_facts(env):
    """For any fact values, known or not, the engine's verdict is the explanation's."""
    check_engine_agrees(CATALOGUE, AS_OF, env)


@given(valid_data)
def test_durable_rules_agrees_with_the_explanation_on_any_profile(data):
    """For any valid profile, EngineRuleset.run and the Explainer give the same statuses."""
    view = CATALOGUE.at(AS_OF)
    ruleset = engine_for(view)
    values = compute_facts(parse_profile(data), AS_OF, ruleset.compiled.facts, view.values)
    engine = ruleset.run(encode_facts(values, ruleset.compiled.shifts))
    explainer = Explainer(view, values)
    for rid in view.rule_ids:
        status = explainer.explain_rule(CATALOGUE.rules[rid])["status"]
        assert engine.get(rid) == (None if status is Status.unknown else status is Status.met), rid


@given(valid_data, st.dates(min_value=date(2010, 1, 1), max_value=AS_OF))
def test_the_verdicts_one_pass_gives_the_engine_the_facts_of_the_explained_path(data, day):
    """engine_facts (values alone, each written for the engine as it is computed) gives the
    attributes that the facts with their missing inputs give once encoded, on any profile and date."""
    view = CATALOGUE.at(day)
    compiled = engine_for(view).compiled
    profile = parse_profile(data)
    expected = encode_facts(compute_facts(profile, day, compiled.facts, view.values), compiled.shifts)
    assert engine_facts(profile, compiled, day, view.values) == expected


@given(valid_data, st.dates(min_value=date(2010, 1, 1), max_value=AS_OF))
def test_evaluation_on_any_date_never_disagrees_with_itself(data, day):
    """On any date (rules and parameter values in force change), evaluate() raises no EngineError."""
    evaluate(data, as_of=day, catalogue=CATALOGUE)


# --- Determinism and independence of order -------------------------------------------------


@given(valid_data, seeds)
def test_the_report_does_not_depend_on_field_or_rule_order(data, seed):
    """Same report twice, with the profile's fields shuffled, and with the rules in another order."""
    check_deterministic(CATALOGUE, AS_OF, data, seed)


def test_the_report_does_not_depend_on_the_order_of_rule_files(rules_copy):
    """Rule files renamed so they sort in reverse give the same reports."""
    from eligibility.authoring.strategies import _renamed_copy

    other = load_catalogue(_renamed_copy(rules_copy, rules_copy.parent / "renamed"))

    @given(valid_data, seeds)
    def check(data, seed):
        check_deterministic(CATALOGUE, AS_OF, data, seed, other)

    check()


# --- Monotonicity --------------------------------------------------------------------------


def test_the_bundled_catalogue_declares_monotone_facts():
    """Monotone facts are declared (the property below would otherwise check nothing)."""
    assert any(r.monotone for r in CATALOGUE.rules.values())


@given(facts)
def test_a_better_value_of_a_monotone_fact_never_loses_eligibility(env):
    """A better grade, more revenue, a younger certificate... never turns eligible into not eligible."""
    check_monotone(CATALOGUE, AS_OF, env)


def test_a_wrong_monotone_declaration_is_caught(rules_copy):
    """Declaring a fact monotone the wrong way (less revenue is better for 规上) fails the property."""
    f = rules_copy / "derived" / "above_designated_size.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("{increasing: [main_business_revenue_last_year, revenue_last_year]}", "{decreasing: [main_business_revenue_last_year]}"), encoding="utf-8")
    cat = load_catalogue(rules_copy)
    env = {"in_stats_register": True, "sector": "industry", "main_business_revenue_last_year": Decimal(20_000_000)}
    with pytest.raises(AssertionError, match="above_designated_size is declared monotone"):
        check_monotone(cat, AS_OF, env)


# --- Filling in unknowns ---------------------------------------------------------------------


@given(facts, st.data())
def test_filling_in_unknown_facts_never_changes_a_decided_verdict(full, data):
    """A verdict decided with some facts unknown stays when they become known."""
    fixed = fixed_facts(CATALOGUE.at(AS_OF))
    known = sorted(k for k, v in full.items() if v is not None and k not in fixed)
    hidden = data.draw(st.sets(st.sampled_from(known)) if known else st.just(set()))
    check_refinement(CATALOGUE, AS_OF, {k: None if k in hidden else v for k, v in full.items()}, full)


@given(valid_data, st.data())
def test_filling_in_unknown_profile_fields_never_changes_a_decided_verdict(full, data):
    """A profile with fields left out gets no decided verdict that the full profile contradicts."""
    keep = data.draw(st.functions(like=lambda path: True, returns=st.booleans(), pure=True))
    before = evaluate(forget(full, keep), as_of=AS_OF, catalogue=CATALOGUE).verdicts()
    after = evaluate(full, as_of=AS_OF, catalogue=CATALOGUE).verdicts()
    for rid, verdict in before.items():
        if verdict is not Verdict.needs_information:
            assert after[rid] is verdict, rid


# --- On any rules directory ---------------------------------------------------------------------


def test_check_catalogue_properties_passes_on_the_bundled_catalogue():
    """The public entry point finds every property holding on the bundled rules."""
    report = check_catalogue_properties(RULES, as_of=AS_OF, max_examples=10)
    assert report.ok, str(report)


def test_check_catalogue_properties_reports_a_wrong_monotone_declaration(rules_copy):
    """The public entry point reports a monotone declaration that does not hold."""
    f = rules_copy / "derived" / "above_designated_size.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("{increasing: [main_business_revenue_last_year, revenue_last_year]}", "{decreasing: [main_business_revenue_last_year]}"), encoding="utf-8")
    report = check_catalogue_properties(rules_copy, as_of=AS_OF, max_examples=10)
    assert {f.property for f in report.failures} == {"monotone"}
    assert "above_designated_size" in report.failures[0].message


def test_a_derived_rule_out_of_force_is_not_met_by_engine_and_explanation_alike(rules_copy):
    """A support naming a derived rule that has expired gets one verdict, not an EngineError."""
    f = rules_copy / "derived" / "hnte_valid.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("effective: {from: 2016-01-01}", "effective: {from: 2016-01-01, to: 2025-12-31}"), encoding="utf-8")
    cat = load_catalogue(rules_copy)

    @given(facts)
    def check(env):
        check_engine_agrees(cat, AS_OF, env)

    check()


@given(valid_data, st.sampled_from(["zh", "en"]))
def test_a_summary_made_without_the_full_report_is_the_full_reports_summary(data, lang):
    """evaluate_view_json (a portal's request: only the supports not met explained, as plain
    data) gives the summary of the full report, byte for byte."""
    full = view_json(evaluate(data, as_of=AS_OF, catalogue=CATALOGUE), "summary", lang)
    assert evaluate_view_json(data, "summary", lang, as_of=AS_OF, catalogue=CATALOGUE) == full


@given(valid_data)
def test_each_result_of_a_report_is_its_own_data_validated(data):
    """A support's result is its rule's validated result copied with what the evaluation
    found (model_copy, no validation): validating the result's data gives the same result,
    so what was copied in has the fields' types."""
    report = evaluate(data, as_of=AS_OF, catalogue=CATALOGUE)
    for result in report.supports + report.derived:
        assert SupportResult.model_validate(result.model_dump()) == result, result.id


@given(valid_data, st.dates(min_value=date(2018, 1, 1), max_value=AS_OF), st.text(min_size=1, max_size=40))
def test_the_full_reports_json_made_without_its_models_is_the_reports_json(data, day, name):
    """evaluate_view_json(..., "full") (orjson writing the evaluation's plain data, with the
    parts every report shares written once) gives the report's model_dump_json, byte for
    byte, on any profile, date and enterprise name (escapes, any script)."""
    try:
        profile = parse_profile({**data, "name": name})
    except ProfileError:  # a name the profile refuses (blank, control characters)
        profile = parse_profile(data)
    expected = evaluate(profile, as_of=day, catalogue=CATALOGUE).model_dump_json()
    assert evaluate_view_json(profile, "full", as_of=day, catalogue=CATALOGUE) == expected


@given(valid_data, st.dates(min_value=date(2018, 1, 1), max_value=AS_OF))
def test_one_rule_explained_on_demand_is_its_result_in_the_full_report(data, day):
    """explain_support (durable-rules deciding only that rule and the derived rules it
    names, on the facts they read) gives, for every support and derived rule in force,
    the full report's result: the same JSON, and the same text in Chinese and English."""
    full = evaluate(data, as_of=day, catalogue=CATALOGUE)
    for result in full.supports + full.derived:
        alone = explain_support(data, result.id, as_of=day, catalogue=CATALOGUE)
        assert alone.model_dump_json() == result.model_dump_json(), result.id
        for lang in ("zh", "en"):
            assert list(support_lines(alone, lang)) == list(support_lines(result, lang)), (result.id, lang)



@given(valid_data, st.dates(min_value=date(2018, 1, 1), max_value=AS_OF))
def test_one_rule_explained_on_demand_as_json_is_its_results_json(data, day):
    """explain_support_json (written from plain data, no models made) gives, for every rule in
    force, explain_support's result's JSON byte for byte."""
    for rid in CATALOGUE.at(day).rule_ids:
        shown = explain_support(data, rid, as_of=day, catalogue=CATALOGUE).model_dump_json()
        assert explain_support_json(data, rid, as_of=day, catalogue=CATALOGUE) == shown, rid

@given(valid_data, st.sampled_from(["zh", "en"]))
def test_a_summary_model_made_without_the_full_report_is_the_full_reports_summary(data, lang):
    """evaluate_view's summary (a model, made without the full report) equals the full report's."""
    full = report_view(evaluate(data, as_of=AS_OF, catalogue=CATALOGUE), "summary", lang)
    assert evaluate_view(data, "summary", lang, as_of=AS_OF, catalogue=CATALOGUE) == full


@given(valid_data, st.sampled_from(["zh", "en"]), st.sampled_from([None, 2]), st.text(min_size=1, max_size=40))
def test_a_summarys_json_from_plain_data_is_its_models_json(data, lang, indent, name):
    """A summary's JSON dumped from plain data (no model made) is byte for byte pydantic's JSON
    of its SummaryReport (fields at their default left out), compact or indented, whatever
    the enterprise's name (escapes, any script)."""
    try:
        profile = parse_profile({**data, "name": name})
    except ProfileError:  # a name the profile refuses (blank, control characters)
        profile = parse_profile(data)
    prepared = prepared_for(CATALOGUE, AS_OF)
    plain = summary_data(prepared, run(profile, prepared, Detail.summary), lang)
    expected = SummaryReport.model_validate(plain).model_dump_json(indent=indent, exclude_defaults=True)
    assert summary_json(plain, indent) == expected


@given(valid_data, st.dates(min_value=date(2018, 1, 1), max_value=AS_OF))
def test_the_first_reason_and_gap_found_without_the_explanation_are_the_full_reports(data, day):
    """A summary's reason and gap of a rule not met, found on the rule's resolved tree (no
    explanation made), are the full report's first condition not met and first gap, for
    every support and derived rule not met, on any profile and date."""
    profile = parse_profile(data)
    report = evaluate(profile, as_of=day, catalogue=CATALOGUE)
    prepared = prepared_for(CATALOGUE, day)
    facts = compute_facts(profile, day, prepared.ruleset.compiled.facts, prepared.view.values)
    walk = prepared.firsts.walk(facts, profile, {s.id: s.verdict is Verdict.eligible for s in report.supports + report.derived if s.verdict is not Verdict.needs_information})
    for s in report.supports + report.derived:
        if s.verdict is Verdict.not_eligible:
            assert s.explanation is not None
            reason, gap = walk.first(s.id)
            expected = first_failed(s.explanation)
            assert (reason is None) == (expected is None), s.id
            if reason is not None and expected is not None:
                for lang in ("zh", "en"):
                    assert condition_line(reason, lang, full=False) == condition_line(expected, lang, full=False), (s.id, lang)
            assert gap == (s.gaps[0] if s.gaps else None), s.id
            assert walk.truth(s.id) is False, s.id


@given(valid_data)
def test_next_questions_are_the_full_reports(data):
    """next_questions (from the verdicts and missing fields, no explanation) asks what the full
    report's questions ask, in the same order."""
    expected = questions_from(evaluate(data, as_of=AS_OF, catalogue=CATALOGUE))
    got = next_questions(data, as_of=AS_OF, catalogue=CATALOGUE)
    assert [(q.field.path, q.decides) for q in got] == [(q.field.path, q.decides) for q in expected]


@given(valid_data)
def test_a_batch_evaluation_gives_the_verdicts_and_missing_fields_of_a_full_one(data):
    """evaluate(explain=False), the batch path, agrees with the explained evaluation."""
    full = evaluate(data, as_of=AS_OF, catalogue=CATALOGUE)
    fast = evaluate(data, as_of=AS_OF, catalogue=CATALOGUE, explain=False)
    assert [(s.id, s.verdict, s.missing_fields) for s in fast.supports + fast.derived] == [
        (s.id, s.verdict, s.missing_fields) for s in full.supports + full.derived
    ]
