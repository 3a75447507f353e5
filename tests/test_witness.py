"""Witness machinery: realising fact values as profiles, and the searches behind find_witnesses."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from eligibility import load_catalogue
from eligibility.authoring import _realise as realise_module
from eligibility._facts import COMPUTED, FACTS, Ratio, compute_facts
from eligibility._formulas import SumOverYears
from eligibility.profile import EnterpriseProfile
from eligibility.authoring.witness import candidate_values, find_witnesses, realise, thresholds

from conftest import AS_OF, RULES
from strategies import CATALOGUE

VIEW = CATALOGUE.at(AS_OF)
PARAMS = VIEW.values
FOUND = thresholds(CATALOGUE)


def pct(text: str) -> Ratio:
    return Ratio(Decimal(text), Decimal(100))


def facts_of(profile, names):
    return {n: fv.value for n, fv in compute_facts(profile, AS_OF, names, PARAMS).items()}


PROFILE_FREE = {n for n, fv in compute_facts(EnterpriseProfile(name="-"), AS_OF, list(FACTS), PARAMS).items() if fv.value is not None}


@pytest.mark.parametrize("name", sorted(s.name for s in COMPUTED if s.name not in PROFILE_FREE))
def test_every_computed_fact_can_be_realised(name):
    """Each computed fact takes, on some profile, the values around the catalogue's thresholds."""
    values = candidate_values(FACTS[name], FOUND.get(name))
    realised = [v for v in values if realise({name: v}, AS_OF, params=PARAMS) is not None]
    assert realised, name
    # a value is only missed when no profile can have it (a negative figure, a score between bands)
    assert len(realised) >= len(values) - 2, (name, [v for v in values if v not in realised])


@pytest.mark.parametrize(
    "env",
    [
        # sums, a latest year and "positive each year" share the yearly net profit
        {"net_profit_positive_3y": True, "net_profit_sum_3y": Decimal(200_000_000), "net_profit_last_year": Decimal(100_000_000),
         "revenue_sum_3y": Decimal(1_500_000_000), "revenue_last_year": Decimal(600_000_000)},
        {"net_profit_positive_2y": False, "net_profit_sum_2y": Decimal(100_000_000), "net_profit_last_year": Decimal(100_000_001)},
        # growth factor, sums and ratio of sums share the yearly revenue
        {"revenue_growth_factor_3y": pct("156.25"), "revenue_last_year": Decimal(300_000_000), "revenue_sum_3y": Decimal(1_000_000_000),
         "rd_to_revenue_sum_3y": pct("5"), "rd_sum_3y": Decimal(50_000_000)},
        # average growth and a latest-year ratio
        {"revenue_growth_2y": pct("15"), "revenue_last_year": Decimal(130_000_000), "rd_intensity_last_year": pct("4")},
        {"total_profit_growth_2y": Ratio(Decimal(0), Decimal(0)), "revenue_growth_2y": pct("14.99")},
        # ratios over fields that other facts set
        {"rd_institution.rd_staff": Decimal(20), "university_rd_staff_share": pct("20")},
        {"staff_total": Decimal(300), "new_hire_share": pct("15"), "st_staff_share": pct("10")},
        {"rd_intensity_3y": pct("5"), "rd_domestic_share_3y": pct("60"), "high_tech_revenue_share_last_year": pct("60"), "revenue_last_year": Decimal(50_000_000)},
        # dates: months and years since registration, the founder's return before it
        {"months_since_registration": Decimal(40), "years_since_registration": Decimal(3), "years_from_return_to_registration": Decimal(4),
         "years_since_founder_return": Decimal(7)},
        # scores from points tables, with their parts
        {"kxz_score": Decimal(60), "kxz_st_staff_points": Decimal(4), "revenue_last_year": Decimal(200_000_000), "staff_total": Decimal(500)},
        {"hnte_innovation_score": Decimal(71), "rd_intensity_3y": pct("5"), "revenue_last_year": Decimal(50_000_000)},
        {"hnte_innovation_score": Decimal(95), "hnte_growth_points": Decimal(18)},
    ],
)
def test_facts_sharing_inputs_are_realised_together(env):
    """Facts read from the same figures are given their values together, exactly."""
    profile = realise(env, AS_OF, params=PARAMS)
    assert profile is not None
    got = facts_of(profile, list(env))
    for name, want in env.items():
        if isinstance(want, Ratio):
            assert got[name] is not None and (got[name].den == 0) == (want.den == 0), name
            if want.den:
                assert got[name].num * want.den == want.num * got[name].den, name
        else:
            assert got[name] == want, name


def test_unreachable_values_are_not_realised():
    """A score between bands, or staff points that no share gives, has no profile."""
    assert realise({"kxz_score": Decimal(61)}, AS_OF, params=PARAMS) is None
    assert realise({"kxz_st_staff_points": Decimal(1)}, AS_OF, params=PARAMS) is None
    assert realise({"hnte_innovation_score": Decimal(99)}, AS_OF, params=PARAMS) is None  # 30 + 30 + 20 + 18 at most


def test_realise_keeps_the_base_profile():
    """Values of ``base`` stay; the facts adapt to them."""
    base = {"name": "x", "financials": [{"year": AS_OF.year - 1, "operating_revenue": 80_000_000}]}
    profile = realise({"rd_intensity_last_year": pct("5")}, AS_OF, base=base, params=PARAMS)
    assert profile is not None
    assert profile.year(AS_OF.year - 1).rd_expense == 4_000_000


def test_witnesses_are_the_same_on_every_run():
    """The search is seeded: two runs give the same witness profiles."""
    a = find_witnesses(CATALOGUE, AS_OF, kinds=("derived",))
    b = find_witnesses(CATALOGUE, AS_OF, kinds=("derived",))
    assert {k: (w.met, w.unmet) for k, w in a.items()} == {k: (w.met, w.unmet) for k, w in b.items()}


@pytest.fixture
def sums_rule(tmp_path: Path) -> Path:
    """A rules directory with a derived rule on three-year sums only."""
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    text = (RULES / "derived" / "hnte_rd_intensity.yaml").read_text(encoding="utf-8")
    head = text[: text.index("conditions:")].replace("id: hnte_rd_intensity", "id: big_sums")
    conditions = (
        "conditions:\n  all:\n"
        "    - {fact: net_profit_sum_3y, op: '>=', value: 150000000}\n"
        "    - {fact: operating_cash_flow_sum_3y, op: '>=', value: 100000000}\n"
    )
    (target / "derived" / "big_sums.yaml").write_text(head + conditions, encoding="utf-8")
    return target


def test_a_fact_with_no_realiser_is_found_by_the_random_search(sums_rule, monkeypatch):
    """Without a realiser for sums, the seeded random search (inputs drawn near the thresholds) still finds witnesses."""
    cat = load_catalogue(sums_rule)
    monkeypatch.delitem(realise_module.REALISERS, SumOverYears)
    assert realise({"net_profit_sum_3y": Decimal(150_000_000)}, AS_OF, params=cat.at(AS_OF).values) is None
    w = find_witnesses(cat, AS_OF, kinds=("derived",))["big_sums"]
    assert w.complete, (w.met_problem, w.unmet_problem)
