"""Each kind of fact is decided alike by durable-rules and by Python (:data:`eligibility._decision.KINDS`),
on the value (unit, day) before, at and after each threshold, and when unknown.

Every case is a derived rule of its own added to a copy of the bundled rules; the engine's
outcome and the Python decision's (:func:`eligibility.authoring.strategies.verdicts_from_facts`, the
cross-check every evaluation makes) must both be the one the operator's wording gives.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from eligibility import load_catalogue
from eligibility._decision import KINDS, closest_fraction, ratio_terms
from eligibility._dates import shift
from eligibility._facts import FACTS, Ratio
from eligibility.authoring.strategies import verdicts_from_facts
from eligibility.authoring.witness import facts_env, fixed_facts

from conftest import AS_OF, RULES

OP_NAMES = {">=": "ge", ">": "gt", "<=": "le", "<": "lt", "==": "eq", "!=": "ne", "in": "in", "not in": "not_in"}
BEFORE_AT_AFTER = {
    ">=": (False, True, True),
    ">": (False, False, True),
    "<=": (True, True, False),
    "<": (True, False, False),
    "==": (False, True, False),
    "!=": (True, False, True),
    "on_or_after": (False, True, True),
    "after": (False, False, True),
    "on_or_before": (True, True, False),
    "before": (True, False, False),
}
"""What each operator decides on the value before, at and after its threshold."""


def _around(fact: str, op: str, threshold: Any, before: Any, at: Any, after: Any) -> tuple[str, dict, list[tuple[Any, bool]]]:
    """``fact op threshold``, tried on the fact's values ``before``, ``at`` and ``after`` it."""
    cond = {"fact": fact, "op": op, "value": threshold}
    return fact, cond, list(zip((before, at, after), BEFORE_AT_AFTER[op], strict=True))


def _ratio(num: int, den: int) -> Ratio:
    return Ratio(Decimal(num), Decimal(den))


CASES: dict[str, tuple[str, dict, list[tuple[Any, bool]]]] = {
    **{f"number_{OP_NAMES[op]}": _around("staff_total", op, 10.5, Decimal("10.49"), Decimal("10.5"), Decimal("10.51")) for op in (">=", ">", "<=", "<", "==", "!=")},
    **{f"whole_number_{OP_NAMES[op]}": _around("ip.class_i", op, 5, 4, 5, 6) for op in (">=", ">", "<=", "<", "==", "!=")},
    **{f"ratio_{OP_NAMES[op]}": _around("rd_intensity_3y", op, 0.03, _ratio(299, 10_000), _ratio(6, 200), _ratio(301, 10_000)) for op in (">=", ">", "<=", "<")},
    **{f"grade_{OP_NAMES[op]}": _around("certifications.knowledge_value_grade", op, "D", "E", "D", "C") for op in (">=", ">", "<=", "<", "==", "!=")},
    "flag_eq": ("in_stats_register", {"fact": "in_stats_register", "op": "==", "value": True}, [(False, False), (True, True)]),
    "flag_ne": ("in_stats_register", {"fact": "in_stats_register", "op": "!=", "value": True}, [(False, True), (True, False)]),
    "choice_eq": ("sector", {"fact": "sector", "op": "==", "value": "industry"}, [("industry", True), ("retail", False)]),
    "choice_ne": ("sector", {"fact": "sector", "op": "!=", "value": "industry"}, [("industry", False), ("retail", True)]),
    "choice_in": ("sector", {"fact": "sector", "op": "in", "value": ["industry", "construction"]}, [("construction", True), ("retail", False)]),
    "choice_not_in": ("sector", {"fact": "sector", "op": "not in", "value": ["industry", "construction"]}, [("construction", False), ("retail", True)]),
    "grade_in": ("certifications.knowledge_value_grade", {"fact": "certifications.knowledge_value_grade", "op": "in", "value": ["A", "C"]}, [("C", True), ("B", False)]),
    "grade_not_in": ("certifications.knowledge_value_grade", {"fact": "certifications.knowledge_value_grade", "op": "not in", "value": ["A", "C"]}, [("C", False), ("B", True)]),
}
for _op, _holds in (("in", True), ("not in", False)):
    CASES[f"members_{OP_NAMES[_op]}"] = (
        "industry_chains",
        {"fact": "industry_chains", "op": _op, "value": ["photovoltaic", "sanitary_ware"]},
        [
            (frozenset(), not _holds),
            (frozenset({"photovoltaic"}), _holds),
            (frozenset({"new_energy_battery"}), not _holds),
            (frozenset({"new_energy_battery", "sanitary_ware"}), _holds),
        ],
    )
_DAY = date(2020, 1, 1)
for _relation in ("on_or_after", "after", "on_or_before", "before"):
    CASES[f"date_{_relation}"] = (
        "registration_date",
        {"date": "registration_date", _relation: {"day": _DAY}},
        list(zip((_DAY - timedelta(days=1), _DAY, _DAY + timedelta(days=1)), BEFORE_AT_AFTER[_relation], strict=True)),
    )
_OPENED = shift(AS_OF, "years", -5)  # returned on this day: the fifth anniversary is the evaluation date
for _end, _at in (("included", True), ("excluded", False)):
    CASES[f"date_within_end_{_end}"] = (
        "founder.return_date",
        {"date": "as_of", "within": {"from": "founder.return_date", "years": 5, "end": _end}},
        [(_OPENED - timedelta(days=1), False), (_OPENED, _at), (_OPENED + timedelta(days=1), True), (AS_OF, True), (AS_OF + timedelta(days=1), False)],
    )


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    root = tmp_path_factory.mktemp("kinds") / "rules"
    shutil.copytree(RULES, root)
    base = yaml.safe_load((RULES / "derived" / "hnte_valid.yaml").read_text(encoding="utf-8"))
    for name, (_fact, cond, _values) in CASES.items():
        rule = {**base, "id": f"case_{name}", "conditions": cond}
        text = yaml.safe_dump(rule, allow_unicode=True, sort_keys=False)
        (root / "derived" / f"case_{name}.yaml").write_text(text, encoding="utf-8")
    return load_catalogue(root)


def _decisions(catalogue, rule: str, fact: str, value: Any) -> tuple[bool | None, bool | None]:
    view = catalogue.at(AS_OF)
    facts = facts_env({**fixed_facts(view), fact: value}, catalogue.facts_used())
    engine, python = verdicts_from_facts(catalogue, AS_OF, facts)
    return engine[rule], python[rule]


def test_the_cases_cover_every_kind_of_fact():
    """Each kind in the table is exercised by at least one case (dates through date conditions)."""
    assert {FACTS[fact].kind for fact, _c, _v in CASES.values()} == set(KINDS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_engine_and_python_decide_each_kind_alike_before_at_and_after_its_threshold(catalogue, name):
    """durable-rules and the Python decision both give the operator's outcome on each boundary value."""
    fact, _cond, values = CASES[name]
    for value, expected in values:
        assert _decisions(catalogue, f"case_{name}", fact, value) == (expected, expected), (name, value)


@pytest.mark.parametrize("name", sorted(CASES))
def test_engine_and_python_leave_a_comparison_of_an_unknown_fact_undecided(catalogue, name):
    """A comparison of an unknown fact needs information, in the engine and in Python."""
    fact, _cond, _values = CASES[name]
    assert _decisions(catalogue, f"case_{name}", fact, None) == (None, None)


@pytest.mark.parametrize("op", ["ge", "gt", "le", "lt"])
def test_a_ratio_over_zero_meets_no_comparison_in_the_engine_or_in_python(catalogue, op):
    """A ratio with a zero denominator is undefined: not met, whatever the comparison."""
    assert _decisions(catalogue, f"case_ratio_{op}", "rd_intensity_3y", _ratio(0, 0)) == (False, False)


@given(st.integers(-(10**30), 10**30), st.integers(1, 10**30), st.sampled_from([1, 2, 7, 1000, 10**9]))
def test_the_closest_fraction_is_the_standard_librarys(num, den, max_den):
    """closest_fraction gives Fraction.limit_denominator's answer, the nearer candidate on a tie included."""
    f = Fraction(num, den)
    expected = f.limit_denominator(max_den)
    assert closest_fraction(f.numerator, f.denominator, max_den) == (expected.numerator, expected.denominator)


@given(st.integers(1, 10**12), st.integers(1, 10**12), st.integers(0, 10**12))
def test_a_growth_rate_of_large_amounts_goes_to_the_engine_within_a_billionth(v0, v1, v2):
    """A ratio too large for the engine's int64 arithmetic is posted as the closest fraction
    with a denominator up to 10**9 (Fraction.limit_denominator); a smaller one exactly."""
    r = Ratio(Decimal(v1 * v1 + v2 * v0 - 2 * v0 * v1), Decimal(2 * v0 * v1))
    exact = Fraction(int(r.num), int(r.den))
    num, den = ratio_terms(r)
    if abs(exact.numerator) <= 9 * 10**14 and exact.denominator <= 9 * 10**14:
        assert (num, den) == (exact.numerator, exact.denominator)
    else:
        closest = exact.limit_denominator(10**9)
        assert (num, den) == (closest.numerator, closest.denominator)
