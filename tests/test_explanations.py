"""Why, why not, and what it would take: explanations, missing information, gaps, time."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility import Status, Verdict, evaluate, explain_support_json, load_profile, parse_profile
from eligibility._evaluate import Detail, _prepared_view, prepare, report_of, run
from eligibility._facts import FACTS
from eligibility._gaps import apply_gaps, leaf_gap
from eligibility._semantics import Op
from eligibility._questions import next_questions
from eligibility.report import GapKind

from conftest import AS_OF, EXAMPLES, RULES, make_profile
from strategies import CATALOGUE, valid_data

RD = "rd_institution_full_coverage"
BOARD = "tech_innovation_board_listing"
RETURNEE = "returnee_entrepreneurship"


def leaves(node):
    if node.kind == "compare":
        return [node]
    return [x for c in node.children for x in leaves(c)]


def failed_leaves(result):
    return [n for n in leaves(result.explanation) if n.status is Status.not_met]


def test_a_profile_failing_two_conditions_gets_both_named_with_values_and_gaps():
    p = make_profile(
        sector="industry",
        in_stats_register=False,
        financials=[{"year": 2025, "main_business_revenue": 15_000_000}],
        rd_institution={"level": "none"},
    )
    result = evaluate(p, as_of=AS_OF, catalogue=RULES).support(RD)
    assert result.verdict is Verdict.not_eligible
    [obtain] = result.gaps
    assert obtain.kind is GapKind.obtain and obtain.rule == "above_designated_size"
    fields = {g.field: g for g in obtain.gaps}
    assert fields["in_stats_register"].set_to is True
    assert fields["financials[2025].main_business_revenue"].increase_by == "5000000"
    named = {(n.fact, n.actual) for n in failed_leaves(result)}
    assert ("in_stats_register", False) in named
    assert ("main_business_revenue_last_year", 15_000_000) in named


def test_a_condition_shows_the_enterprise_value_and_the_required_value():
    p = make_profile(listing_status="none", in_tech_enterprise_pool=True, certifications={"knowledge_value_grade": "D"})
    result = evaluate(p, as_of=AS_OF, catalogue=RULES).support(BOARD)
    grade = next(n for n in leaves(result.explanation) if n.fact == "certifications.knowledge_value_grade")
    assert (grade.actual, grade.required, grade.status) == ("D", "C", Status.not_met)
    assert grade.gaps[0].set_to == "C"


def test_a_cap_that_cannot_be_changed_is_reported_unreachable():
    p = make_profile(founder={"is_returnee": False, "hukou_in_county": True})
    result = evaluate(p, as_of=AS_OF, catalogue=RULES).support(RETURNEE)
    assert result.gaps and not all(g.reachable for g in result.gaps)


@pytest.mark.parametrize("name", ["founder.is_returnee", "sector", "listing_status", "revenue_growth_2y"])
def test_a_fact_declared_fixed_gets_an_unreachable_gap_whatever_the_comparison(name):
    """Who the founder is, the sector, the listing, growth already past: no change is proposed."""
    spec = FACTS[name]
    assert spec.fixed
    required = True if spec.kind.value == "bool" else (spec.choices[0] if spec.choices else 1)
    gap = leaf_gap(spec, Op.eq, required, None, None, AS_OF)
    assert (gap.kind, gap.field) == (GapKind.unreachable, name)


def test_a_field_the_enterprise_can_change_is_not_fixed():
    """A plain figure or a certificate is something the enterprise can act on."""
    assert not any(FACTS[name].fixed for name in ("in_stats_register", "staff_total", "certifications.knowledge_value_grade"))


def test_a_passed_time_window_is_unreachable():
    p = make_profile(founder={"is_returnee": True, "hukou_in_county": True, "return_date": "2015-01-01"})
    [gap] = evaluate(p, as_of=AS_OF, catalogue=RULES).support(RETURNEE).gaps
    assert gap.kind is GapKind.unreachable


def test_an_expiring_certificate_gives_the_date_the_verdict_changes():
    p = make_profile(listing_status="none", certifications={"hnte_certified": True, "hnte_issue_date": "2024-03-01"})
    result = evaluate(p, as_of=AS_OF, catalogue=RULES).support(BOARD)
    assert result.verdict is Verdict.eligible
    assert result.changes_on == date(2027, 3, 1)
    assert result.changes_to is Verdict.needs_information


def test_a_closing_returnee_window_gives_its_date():
    """返乡5年内 includes the fifth anniversary (2027-06-30): the window is closed from the day after."""
    p = make_profile(founder={"is_returnee": True, "hukou_in_county": True, "return_date": "2022-06-30"})
    result = evaluate(p, as_of=AS_OF, catalogue=RULES).support(RETURNEE)
    assert (result.changes_on, result.changes_to) == (date(2027, 7, 1), Verdict.not_eligible)


def test_a_verdict_that_time_does_not_move_has_no_date():
    p = make_profile(founder={"is_returnee": False})
    assert evaluate(p, as_of=AS_OF, catalogue=RULES).support(RETURNEE).changes_on is None


def test_needs_information_names_only_the_fields_that_decide_it():
    p = make_profile(founder={"is_returnee": True, "hukou_in_county": True})
    result = evaluate(p, as_of=AS_OF, catalogue=RULES).support(RETURNEE)
    assert result.missing_fields == ["founder.return_date"]


def test_unknown_and_false_is_false():
    p = make_profile(founder={"is_returnee": True, "hukou_in_county": False})
    assert evaluate(p, as_of=AS_OF, catalogue=RULES).support(RETURNEE).verdict is Verdict.not_eligible


def test_unknown_or_true_is_true():
    p = make_profile(listing_status="none", certifications={"hnte_certified": True, "hnte_issue_date": "2025-01-01"})
    assert evaluate(p, as_of=AS_OF, catalogue=RULES).support(BOARD).verdict is Verdict.eligible


def test_next_questions_put_the_field_deciding_most_supports_first():
    qs = next_questions({"name": "甲", "listing_status": "none"}, as_of=AS_OF, catalogue=RULES)
    assert qs, "an empty profile has open questions"
    counts = [len(q.decides) for q in qs]
    assert counts == sorted(counts, reverse=True)
    assert all(q.field.label.zh for q in qs)


def test_each_next_question_is_a_missing_field_of_every_support_it_decides():
    p = {"name": "甲", "listing_status": "none", "sector": "industry"}
    report = evaluate(p, as_of=AS_OF, catalogue=RULES)
    for q in next_questions(p, as_of=AS_OF, catalogue=RULES):
        for sid in q.decides:
            s = report.support(sid)
            assert s.verdict is Verdict.needs_information and q.field.path in s.missing_fields


def test_a_decided_profile_has_no_next_questions_for_its_decided_supports():
    p = {"name": "甲", "founder": {"is_returnee": False}}
    decided = {s.id for s in evaluate(p, as_of=AS_OF, catalogue=RULES).supports if s.verdict is not Verdict.needs_information}
    assert "returnee_entrepreneurship" in decided
    asked = {sid for q in next_questions(p, as_of=AS_OF, catalogue=RULES) for sid in q.decides}
    assert not asked & decided


# --- The gap proposed, applied to the profile, makes the support eligible ------------

grades = st.sampled_from(["A", "B", "C", "D", "E", "not_rated"])
profiles = st.fixed_dictionaries(
    {"name": st.just("甲")},
    optional={
        "listing_status": st.sampled_from(["none", "neeq", "star"]),
        "in_tech_enterprise_pool": st.booleans(),
        "certifications": st.fixed_dictionaries(
            {"knowledge_value_grade": grades, "hnte_certified": st.booleans()},
            optional={"hnte_issue_date": st.dates(date(2018, 1, 1), date(2026, 11, 1)).map(str)},
        ),
        "sector": st.sampled_from(["industry", "retail", "wholesale", "services_group2", "agriculture"]),
        "in_stats_register": st.booleans(),
        "financials": st.lists(
            st.builds(lambda r, o: {"year": 2025, "main_business_revenue": r, "operating_revenue": o},
                      st.integers(0, 60_000_000), st.integers(0, 60_000_000)),
            min_size=1, max_size=1,
        ),
        "rd_institution": st.fixed_dictionaries({"level": st.sampled_from(["none", "enterprise", "provincial"])}),
        "founder": st.fixed_dictionaries(
            {"is_returnee": st.booleans(), "hukou_in_county": st.booleans()},
            optional={"return_date": st.dates(date(2015, 1, 1), date(2026, 11, 1)).map(str)},
        ),
    },
)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(profiles)
def test_applying_the_proposed_gaps_makes_the_support_eligible(data):
    report = evaluate(data, as_of=AS_OF, catalogue=RULES)
    for result in report.supports:
        if result.verdict is not Verdict.not_eligible:
            continue
        kinds = {g.kind for g in _all(result.gaps)}
        if kinds & {GapKind.unreachable, GapKind.wait, GapKind.other}:
            continue
        assert result.gaps, f"{result.id} is not eligible but proposes no gap"
        fixed = evaluate(apply_gaps(data, result.gaps), as_of=AS_OF, catalogue=RULES)
        assert fixed.support(result.id).verdict is not Verdict.not_eligible, (result.id, result.gaps)


def _all(gaps):
    out = []
    for g in gaps:
        out.append(g)
        out.extend(_all(g.gaps))
    return out


def _rules_with(tmp_path, name: str, old: str, new: str):
    import shutil

    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    f = target / name
    text = f.read_text(encoding="utf-8")
    assert old in text
    f.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def nodes(node):
    return [node, *(x for c in node.children for x in nodes(c))]


def test_a_parameter_without_a_value_on_the_date_shows_as_unavailable_and_not_met(tmp_path):
    rules = _rules_with(
        tmp_path,
        "parameters/talent.yaml",
        "      - from: 2021-01-01\n        value: 5\n        certainty: assumption",
        "      - from: 2027-01-01\n        value: 5\n        certainty: assumption",
    )
    result = evaluate(make_profile(), as_of=AS_OF, catalogue=rules).support(RETURNEE)
    unavailable = [n for n in nodes(result.explanation) if n.kind == "unavailable"]
    assert [n.parameter for n in unavailable] == ["returnee.programme_window_years"]
    assert unavailable[0].status is Status.not_met
    assert "returnee.programme_window_years" in unavailable[0].label.zh


def test_a_named_rule_not_in_force_shows_as_not_in_force_and_not_met(tmp_path):
    rules = _rules_with(tmp_path, "derived/hnte_valid.yaml", "effective: {from: 2016-01-01}", "effective: {from: 2016-01-01, to: 2025-12-31}")
    result = evaluate(make_profile(), as_of=AS_OF, catalogue=rules).support(BOARD)
    named = [n for n in nodes(result.explanation) if n.kind == "rule" and n.rule == "hnte_valid"]
    assert len(named) == 1 and named[0].status is Status.not_met
    assert [c.label.en for c in named[0].children] == ["not in force"]


def test_gaps_said_not_to_depend_on_the_value_are_the_same_for_any_value():
    """Explanations reuse one gap per comparison where `depends_on_value` says the value
    does not matter; for every such comparison in the catalogue, check that it does not."""
    from eligibility import load_catalogue
    from eligibility._evaluate import prepare
    from decimal import Decimal

    from eligibility._facts import FACTS, FactKind, Ratio
    from eligibility._gaps import depends_on_value, leaf_gap
    from eligibility._decision import leaves as comparisons

    def extremes(spec):
        if spec.kind is FactKind.bool:
            return True, False
        if spec.kind is FactKind.number:
            return Decimal(0), Decimal(10**12)
        if spec.kind is FactKind.ratio:
            return Ratio(Decimal(0), Decimal(1)), Ratio(Decimal(5), Decimal(1))
        if spec.kind is FactKind.set:
            return frozenset(), frozenset(spec.choices)
        return spec.choices[0], spec.choices[-1]

    prepared = prepare(load_catalogue(RULES), AS_OF)
    checked = 0
    for rid in prepared.view.rule_ids:
        for leaf in comparisons(prepared.static.decision.tree(rid)):
            spec = FACTS[leaf.fact]
            if depends_on_value(spec, leaf.op):
                continue
            low, high = extremes(spec)
            a = leaf_gap(spec, leaf.op, leaf.value, low, make_profile(), AS_OF)
            b = leaf_gap(spec, leaf.op, leaf.value, high, None, AS_OF)
            assert a == b, (rid, leaf.fact)
            checked += 1
    assert checked > 20


def test_a_number_compared_for_equality_gets_the_gap_shared_by_every_value():
    """``staff_total == 10``: one gap for every enterprise, made without a value (making it
    used to convert the absent value and stop the explanation with a TypeError)."""
    gap = leaf_gap(FACTS["staff_total"], Op.eq, 10, None, None, AS_OF)
    assert gap.kind is GapKind.set and gap.field == "staff_total" and gap.set_to == 10


def test_json_reports_list_each_objects_fields_in_the_models_order():
    """Reports are built without validation; their JSON still follows the models' field
    order everywhere, so reports diff cleanly from run to run."""
    import json

    from eligibility.report import ConditionResult, Gap, Report, SupportResult

    p = make_profile(sector="industry", in_stats_register=False, rd_institution={"level": "none"})
    data = json.loads(evaluate(p, as_of=AS_OF, catalogue=RULES).model_dump_json())

    def check(obj, model):
        assert list(obj) == list(model.model_fields)

    def walk(node):
        check(node, ConditionResult)
        for gap in node["gaps"]:
            check(gap, Gap)
        for child in node["children"]:
            walk(child)

    check(data, Report)
    for result in data["supports"] + data["derived"]:
        check(result, SupportResult)
        for gap in result["gaps"]:
            check(gap, Gap)
        walk(result["explanation"])


def test_one_support_explained_on_demand_equals_its_result_in_the_full_report():
    """A page shows the summary and explains a support when asked: explain_support gives
    exactly what the full report holds for it (explanation, gaps, change date, limits)."""
    from eligibility import explain_support

    for path in sorted(EXAMPLES.glob("*.json")):
        report = evaluate(load_profile(path), as_of=AS_OF, catalogue=RULES)
        for s in (*report.supports, *report.derived):
            alone = explain_support(load_profile(path), s.id, as_of=AS_OF, catalogue=RULES)
            assert alone.model_dump() == s.model_dump(), (path.name, s.id)


def test_explaining_a_rule_not_in_force_is_a_key_error():
    from eligibility import explain_support

    with pytest.raises(KeyError):
        explain_support({"name": "x"}, "no_such_support", as_of=AS_OF, catalogue=RULES)


def test_explaining_a_rule_not_in_force_as_json_is_a_key_error():
    with pytest.raises(KeyError):
        explain_support_json({"name": "x"}, "no_such_support", as_of=AS_OF, catalogue=RULES)


@given(st.lists(valid_data, min_size=2, max_size=4))
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_nodes_shared_between_enterprises_carry_nothing_from_one_to_the_next(datas):
    # Parts of explanations (and their models) are made once and shared by every report
    # with the same inputs: reports made one after another on one view must equal reports
    # made each on a view of its own, prepared afresh.
    shared = prepare(CATALOGUE, AS_OF)
    for data in datas:
        profile = parse_profile(data)
        afresh = _prepared_view(shared.view, shared.ruleset, {})
        made = report_of(shared, run(profile, shared, Detail.explained))
        alone = report_of(afresh, run(profile, afresh, Detail.explained))
        assert made == alone
        assert made.model_dump_json() == alone.model_dump_json()
