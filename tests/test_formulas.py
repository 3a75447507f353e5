"""Computed facts as formulas: each kind computed on the day / unit before, at and after its
boundaries, realised back into a profile (realise(compute) gives the same value), and
listed by ``eligibility rules facts``."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from eligibility._commands import app
from eligibility._facts import COMPILED, COMPUTED, FACTS, FactContext, Ratio, compute_facts
from eligibility._formulas import (
    KINDS,
    AverageGrowth,
    BestPoints,
    Elapsed,
    EvaluationDate,
    EvaluationMonth,
    Field,
    FieldRatio,
    GrowthFactor,
    GrowthPoints,
    LastYear,
    Points,
    PositiveEachYear,
    RatioOverYears,
    SumOverYears,
    Total,
    YearsBetween,
    YearsSinceYear,
    YearStart,
)
from eligibility.authoring._realise import REALISERS, same
from eligibility.authoring.witness import realise

from conftest import AS_OF, RULES, make_profile
from strategies import CATALOGUE

PARAMS = CATALOGUE.at(AS_OF).values
LAST = AS_OF.year - 1
runner = CliRunner()


def run(formula: Any, profile: Any, as_of: date = AS_OF) -> tuple[Any, list[str]]:
    """The value ``formula`` gives for ``profile`` on ``as_of``, and the unknown inputs it read."""
    ctx = FactContext(profile, as_of, params=PARAMS)
    value = formula.compile(COMPILED.__getitem__)(ctx)
    return value, list(dict.fromkeys(ctx.missing))


def years(attr: str, values: dict[int, int | None]) -> list[dict[str, Any]]:
    return [{"year": y, attr: v} for y, v in values.items()]


def pct(text: str) -> Ratio:
    return Ratio(Decimal(text), Decimal(100))


def equal_ratio(a: Ratio, b: Ratio) -> bool:
    return a.num * b.den == b.num * a.den and (a.den == 0) == (b.den == 0)


def round_trip(name: str, profile: Any) -> None:
    """The fact's value on ``profile``, realised as a new profile, is the value there too."""
    want = compute_facts(profile, AS_OF, [name], PARAMS)[name].value
    assert want is not None, name
    made = realise({name: want}, AS_OF, params=PARAMS)
    assert made is not None, (name, want)
    got = compute_facts(made, AS_OF, [name], PARAMS)[name].value
    assert same(FACTS[name], got, want), (name, got, want)


def fact_with(kind: type) -> list[str]:
    return [s.name for s in COMPUTED if type(s.formula) is kind]


# --- The registry ----------------------------------------------------------------------------


def test_every_computed_fact_has_a_definition_in_both_languages():
    for spec in COMPUTED:
        assert spec.definition is not None and spec.definition.zh and spec.definition.en, spec.name


def test_every_clause_cited_by_a_fact_is_a_source_of_the_bundled_catalogue():
    sources = {s["id"] for s in yaml.safe_load((RULES / "sources.yaml").read_text(encoding="utf-8"))["sources"]}
    cited = [s for s in COMPUTED if s.cite is not None]
    assert len(cited) >= len(COMPUTED) - 2  # only the evaluation date and its month cite nothing
    for spec in cited:
        assert spec.cite.source in sources and spec.cite.article, spec.name


def test_every_kind_of_formula_but_the_date_of_evaluation_has_a_realiser():
    """The date of evaluation is fixed by the caller: nothing in a profile sets it."""
    assert set(KINDS) - set(REALISERS) == {EvaluationDate, EvaluationMonth}


def test_a_score_reads_the_points_tables_of_its_parts():
    assert FACTS["kxz_score"].params == (
        "kxz.st_staff_points", "kxz.rd_revenue_points", "kxz.rd_cost_points", "kxz.ip_class_i_points", "kxz.ip_class_ii_points",
    )
    assert FACTS["hnte_innovation_score"].params == ("hnte.growth_points",)


def test_no_module_looks_inside_a_compiled_function():
    """Realising, gaps and listing read the formulas' data, never a closure's cells."""
    package = Path(__file__).resolve().parent.parent / "eligibility"
    pattern = re.compile(r"__closure__|cell_contents|co_freevars|__code__|__qualname__")
    offenders = [str(p) for p in package.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_a_formula_reads_at_most_three_fiscal_years():
    with pytest.raises(ValueError, match="1 to 3"):
        SumOverYears("net_profit", 4)


# --- Each kind, on its boundaries ----------------------------------------------------------------


def test_a_field_gives_an_enum_as_its_value_and_a_list_as_a_set():
    p = make_profile(sector="industry", industry_chains=["new_energy_battery"])
    assert run(Field("sector", "enum"), p) == ("industry", [])
    assert run(Field("industry_chains", "set"), p) == (frozenset({"new_energy_battery"}), [])
    assert run(Field("staff_total"), p) == (None, ["staff_total"])


def test_the_month_of_evaluation_runs_from_1_to_12():
    p = make_profile()
    assert run(EvaluationMonth(), p, date(2026, 1, 1))[0] == 1
    assert run(EvaluationMonth(), p, date(2026, 12, 31))[0] == 12
    assert run(EvaluationDate(), p)[0] == AS_OF


def test_a_year_start_is_the_first_of_january():
    assert run(YearStart("certifications.kxz_registration_year"), make_profile(certifications={"kxz_registration_year": 2025})) == (date(2025, 1, 1), [])
    round_trip("kxz_registration_year_start", make_profile(certifications={"kxz_registration_year": 2024}))


@pytest.mark.parametrize(
    ("registered", "whole"),
    [("2023-11-26", 2), ("2023-11-25", 3), ("2023-11-24", 3)],
)
def test_whole_years_count_the_anniversary_on_its_day(registered, whole):
    assert run(Elapsed("registration_date"), make_profile(registration_date=registered)) == (whole, [])


def test_whole_years_from_29_february_complete_on_28_february():
    p = make_profile(registration_date="2024-02-29")
    assert run(Elapsed("registration_date"), p, date(2025, 2, 27))[0] == 0
    assert run(Elapsed("registration_date"), p, date(2025, 2, 28))[0] == 1


@pytest.mark.parametrize(
    ("registered", "whole"),
    [("2026-08-26", 2), ("2026-08-25", 3), ("2026-08-24", 3)],
)
def test_whole_months_count_the_same_day_of_the_month(registered, whole):
    assert run(Elapsed("registration_date", "months"), make_profile(registration_date=registered))[0] == whole


def test_whole_months_from_a_31st_complete_on_the_last_day_of_a_shorter_month():
    p = make_profile(registration_date="2026-01-31")
    assert run(Elapsed("registration_date", "months"), p, date(2026, 2, 27))[0] == 0
    assert run(Elapsed("registration_date", "months"), p, date(2026, 2, 28))[0] == 1


@pytest.mark.parametrize("name", fact_with(Elapsed))
def test_an_elapsed_time_is_realised_as_a_date(name):
    formula = FACTS[name].formula
    data: dict[str, Any] = {}
    node = data
    *parents, last = formula.path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = "2021-11-26"
    round_trip(name, make_profile(**data))


def test_years_since_a_year_is_the_difference_of_the_years():
    formula = YearsSinceYear("certifications.kxz_registration_year")
    assert run(formula, make_profile(certifications={"kxz_registration_year": AS_OF.year}))[0] == 0
    assert run(formula, make_profile(certifications={"kxz_registration_year": AS_OF.year - 1}))[0] == 1
    round_trip("kxz_registration_age", make_profile(certifications={"kxz_registration_year": 2023}))


@pytest.mark.parametrize(("registered", "whole"), [("2024-06-17", 3), ("2024-06-18", 4), ("2024-06-19", 4)])
def test_years_between_two_dates_count_the_anniversary(registered, whole):
    p = make_profile(founder={"return_date": "2020-06-18"}, registration_date=registered)
    assert run(YearsBetween("founder.return_date", "registration_date"), p) == (whole, [])


def test_years_between_two_dates_are_realised_together():
    round_trip("years_from_return_to_registration", make_profile(founder={"return_date": "2019-03-01"}, registration_date="2023-02-28"))


def test_years_between_an_unknown_date_is_unknown():
    assert run(YearsBetween("founder.return_date", "registration_date"), make_profile()) == (None, ["founder.return_date", "registration_date"])


def test_the_last_year_is_the_year_before_the_date_of_evaluation():
    p = make_profile(financials=years("rd_expense", {2024: 1, 2025: 2}))
    assert run(LastYear("rd_expense"), p, date(2026, 1, 1))[0] == 2
    assert run(LastYear("rd_expense"), p, date(2025, 12, 31))[0] == 1
    assert run(LastYear("rd_expense"), p, date(2027, 1, 1)) == (None, ["financials[2026].rd_expense"])


@pytest.mark.parametrize("name", fact_with(LastYear))
def test_a_last_year_figure_is_realised(name):
    round_trip(name, make_profile(financials=years(FACTS[name].formula.attr, {LAST: 12_345_678})))


def test_a_sum_over_years_needs_every_year():
    formula = SumOverYears("net_profit", 3)
    assert run(formula, make_profile(financials=years("net_profit", {LAST - 2: 1, LAST - 1: -2, LAST: 3}))) == (Decimal(2), [])
    assert run(formula, make_profile(financials=years("net_profit", {LAST - 2: 1, LAST: 3}))) == (None, [f"financials[{LAST - 1}].net_profit"])
    # a year before the window is not read
    assert run(SumOverYears("net_profit", 2), make_profile(financials=years("net_profit", {LAST - 1: 5, LAST: 3}))) == (Decimal(8), [])


@pytest.mark.parametrize("name", fact_with(SumOverYears))
def test_a_sum_over_years_is_realised(name):
    formula = FACTS[name].formula
    round_trip(name, make_profile(financials=years(formula.attr, {LAST - k: 10_000_000 + k for k in range(formula.years)})))


@pytest.mark.parametrize(("profits", "positive"), [((1, 1, 1), True), ((1, 0, 1), False), ((1, 1, -1), False)])
def test_positive_each_year_means_above_zero(profits, positive):
    p = make_profile(financials=years("net_profit", dict(zip((LAST - 2, LAST - 1, LAST), profits, strict=True))))
    assert run(PositiveEachYear("net_profit", 3), p)[0] is positive


@pytest.mark.parametrize("name", fact_with(PositiveEachYear))
@pytest.mark.parametrize("profit", [1, 0])
def test_positive_each_year_is_realised(name, profit):
    formula = FACTS[name].formula
    round_trip(name, make_profile(financials=years(formula.attr, {LAST - k: profit for k in range(formula.years)})))


def test_a_ratio_from_registration_counts_only_the_years_since_the_registration_year():
    formula = RatioOverYears("rd_expense", "operating_revenue", 3, from_registration=True)
    rows = [{"year": LAST - 1, "rd_expense": 100, "operating_revenue": 100}, {"year": LAST, "rd_expense": 5, "operating_revenue": 100}]
    assert run(formula, make_profile(registration_date=f"{LAST}-03-01", financials=rows))[0] == Ratio(Decimal(5), Decimal(100))
    assert run(formula, make_profile(registration_date=f"{LAST - 1}-12-31", financials=rows))[0] == Ratio(Decimal(105), Decimal(200))


def test_a_ratio_from_registration_in_the_year_of_evaluation_is_over_zero():
    formula = RatioOverYears("rd_expense", "operating_revenue", 3, from_registration=True)
    value, _missing = run(formula, make_profile(registration_date=f"{AS_OF.year}-01-01"))
    assert value.den == 0


def test_a_ratio_from_registration_needs_the_registration_date():
    formula = RatioOverYears("rd_expense", "operating_revenue", 3, from_registration=True)
    assert run(formula, make_profile()) == (None, ["registration_date"])


def test_a_ratio_of_sums_does_not_cut_to_the_registration_year():
    rows = [{"year": LAST - k, "rd_expense": 1, "operating_revenue": 10} for k in range(2)]
    value, missing = run(FACTS["rd_to_revenue_sum_3y"].formula, make_profile(registration_date=f"{LAST - 1}-01-01", financials=rows))
    assert value is None
    assert missing == [f"financials[{LAST - 2}].rd_expense", f"financials[{LAST - 2}].operating_revenue"]


@pytest.mark.parametrize("name", fact_with(RatioOverYears))
def test_a_ratio_of_yearly_figures_is_realised(name):
    formula = FACTS[name].formula
    rows = [{"year": LAST - k, formula.num: 3_000_000 + k, formula.den: 50_000_000 + k} for k in range(formula.years)]
    round_trip(name, make_profile(registration_date="2015-01-01", financials=rows))


def test_a_ratio_of_fields_keeps_its_terms_exact():
    p = make_profile(staff_total=300, st_staff=30)
    assert run(FieldRatio("st_staff", "staff_total"), p) == (Ratio(Decimal(30), Decimal(300)), [])
    assert run(FieldRatio("st_staff", "staff_total"), make_profile(staff_total=300)) == (None, ["st_staff"])


@pytest.mark.parametrize("name", fact_with(FieldRatio))
def test_a_ratio_of_fields_is_realised(name):
    formula = FACTS[name].formula
    data: dict[str, Any] = {}
    for path, value in ((formula.num, 7), (formula.den, 40)):
        node = data
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    round_trip(name, make_profile(**data))


def test_a_growth_factor_reads_the_first_and_last_years_only():
    p = make_profile(financials=years("operating_revenue", {LAST - 2: 100, LAST: 225}))
    assert run(GrowthFactor("operating_revenue"), p) == (Ratio(Decimal(225), Decimal(100)), [])
    round_trip("revenue_growth_factor_3y", p)


def test_average_growth_is_the_mean_of_two_yearly_growths():
    p = make_profile(financials=years("operating_revenue", {LAST - 2: 100, LAST - 1: 110, LAST: 121}))
    value, _missing = run(AverageGrowth("operating_revenue"), p)
    assert equal_ratio(value, pct("10"))


@pytest.mark.parametrize(("base", "undefined"), [(0, True), (1, False)])
def test_average_growth_on_a_zero_base_is_over_zero(base, undefined):
    p = make_profile(financials=years("operating_revenue", {LAST - 2: base, LAST - 1: 10, LAST: 12}))
    assert (run(AverageGrowth("operating_revenue"), p)[0].den == 0) is undefined


@pytest.mark.parametrize(("base", "undefined"), [(-1, True), (0, True), (1, False)])
def test_average_growth_of_profit_on_a_loss_is_over_zero(base, undefined):
    p = make_profile(financials=years("total_profit", {LAST - 2: base, LAST - 1: 10, LAST: 12}))
    assert (run(AverageGrowth("total_profit", positive_base=True), p)[0].den == 0) is undefined


@pytest.mark.parametrize("name", fact_with(AverageGrowth))
def test_average_growth_is_realised(name):
    attr = FACTS[name].formula.attr
    round_trip(name, make_profile(financials=years(attr, {LAST - 2: 100_000_000, LAST - 1: 110_000_000, LAST: 130_000_000})))


@pytest.mark.parametrize(("st", "points"), [(2999, 16), (3000, 20), (3001, 20), (999, 0), (1000, 4)])
def test_staff_points_change_at_each_band_from_the_source(st, points):
    """第七条 1.：30%（含）以上20分，25%–30% 16分 … 10%以下0分 (shares in basis points of 10,000 staff)."""
    p = make_profile(staff_total=10_000, st_staff=st)
    assert run(Points("kxz.st_staff_points", "st_staff_share"), p)[0] == points


@pytest.mark.parametrize("st", [1000, 3000])
def test_points_are_realised(st):
    round_trip("kxz_st_staff_points", make_profile(staff_total=10_000, st_staff=st))


def _rd_rows(rd: int, revenue: int | None, cost: int | None) -> list[dict[str, Any]]:
    return [{"year": LAST, "rd_expense": rd, "operating_revenue": revenue, "total_cost_expense": cost}]


def test_the_better_of_two_scores_is_known_once_one_reaches_the_top():
    """6%（含）以上 50分 on R&D / sales: the second method cannot beat it, so it need not be known."""
    best = FACTS["kxz_rd_points"].formula
    assert run(best, make_profile(financials=_rd_rows(6, 100, None)))[0] == 50
    value, missing = run(best, make_profile(financials=_rd_rows(5, 100, None)))
    assert value is None and missing == [f"financials[{LAST}].total_cost_expense"]
    assert run(best, make_profile(financials=_rd_rows(5, 100, 15)))[0] == 50  # 33% of cost: 30%（含）以上 50分
    assert run(best, make_profile(financials=_rd_rows(5, 100, 20)))[0] == 40  # 25% of cost and 5% of sales: 40 each
    assert run(best, make_profile(financials=_rd_rows(5, 100, 10_000)))[0] == 40


@pytest.mark.parametrize("name", fact_with(BestPoints))
def test_the_better_of_two_scores_is_realised(name):
    profile = make_profile(financials=_rd_rows(5, 100, 1_000), ip={"class_i": 0, "class_ii": 3})
    round_trip(name, profile)


def _growth(assets: tuple[int, int, int], sales: tuple[int, int, int]) -> Any:
    rows = [
        {"year": y, "total_assets": a, "total_liabilities": 0, "operating_revenue": s}
        for y, a, s in zip((LAST - 2, LAST - 1, LAST), assets, sales, strict=True)
    ]
    return make_profile(financials=rows)


@pytest.mark.parametrize(("last_assets", "points"), [(728, 7), (729, 9), (730, 9)])
def test_growth_points_change_at_35_percent(last_assets, points):
    """≥35% 9分, ≥25% 7分 (the low end of each band); 400 → 540 → 729 grows 35% a year exactly."""
    formula = GrowthPoints("hnte.growth_points", (("total_assets", "total_liabilities"), ("operating_revenue", None)))
    assert run(formula, _growth((400, 540, last_assets), (100, 100, 100)))[0] == points  # flat sales: 0分


@pytest.mark.parametrize(("last", "points"), [(100, 0), (101, 2)])
def test_growth_points_score_above_zero_growth_in_each_series(last, points):
    """> 0 1分, ≤ 0 0分, for net assets and for sales, added."""
    assert run(FACTS["hnte_growth_points"].formula, _growth((100, 100, last), (100, 100, last)))[0] == points


def test_growth_points_of_a_series_whose_second_year_is_zero_score_nothing():
    formula = FACTS["hnte_growth_points"].formula
    assert run(formula, _growth((100, 0, 500), (100, 100, 100)))[0] == 0


def test_growth_points_are_realised():
    round_trip("hnte_growth_points", _growth((100_000_000, 130_000_000, 169_000_000), (100_000_000, 120_000_000, 150_000_000)))


def test_a_total_is_unknown_while_a_part_is_unknown():
    total = Total(("hnte_self_assessment.ip_points", "hnte_growth_points"))
    value, missing = run(total, make_profile(hnte_self_assessment={"ip_points": 20}))
    assert value is None
    assert missing == [f"financials[{y}].{a}" for a in ("total_assets", "total_liabilities", "operating_revenue") for y in (LAST - 2, LAST - 1, LAST)]
    assert run(Total(("hnte_self_assessment.ip_points",)), make_profile(hnte_self_assessment={"ip_points": 20}))[0] == 20


@pytest.mark.parametrize("name", fact_with(Total))
def test_a_total_is_realised(name):
    profile = _growth((100_000_000, 130_000_000, 169_000_000), (100_000_000, 120_000_000, 150_000_000))
    data = profile.model_dump(mode="json", exclude_none=True)
    data.update(
        staff_total=100, st_staff=30, ip={"class_i": 1, "class_ii": 0},
        hnte_self_assessment={"ip_points": 20, "transfer_points": 20, "organisation_points": 15},
    )
    data["financials"] = [dict(row, rd_expense=row["operating_revenue"] // 20, total_cost_expense=row["operating_revenue"]) for row in data["financials"]]
    round_trip(name, make_profile(**{k: v for k, v in data.items() if k != "name"}))


# --- eligibility rules facts ------------------------------------------------------------------


def test_rules_facts_lists_every_computed_fact_in_chinese_by_default():
    result = runner.invoke(app, ["rules", "facts"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "计算事实" in result.output and "依据" in result.output
    for spec in COMPUTED:
        assert spec.name in result.output
    assert "国科发火〔2016〕32号" in result.output


def test_rules_facts_in_english():
    result = runner.invoke(app, ["rules", "facts", "--lang", "en"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Computed facts" in result.output and "Definition" in result.output
    assert "evaluation date" in result.output and "registration" in result.output


def test_rules_facts_as_json_gives_each_formula_as_data():
    result = runner.invoke(app, ["rules", "facts", "--format", "json"])
    assert result.exit_code == 0, result.output
    facts = {f["name"]: f for f in json.loads(result.output)["facts"]}
    assert set(facts) == {s.name for s in COMPUTED}
    rd = facts["rd_intensity_3y"]
    assert rd["formula"]["kind"] == "ratio_over_years"
    assert (rd["formula"]["num"], rd["formula"]["den"], rd["formula"]["years"], rd["formula"]["from_registration"]) == (
        "rd_expense", "operating_revenue", 3, True,
    )
    assert rd["reference"]["source"] == "gkfh_2016_32" and "高新技术企业认定管理办法" in rd["reference"]["text"]
    assert facts["kxz_score"]["tables"] == list(FACTS["kxz_score"].params)


def test_rules_facts_refuses_an_unknown_format():
    result = runner.invoke(app, ["rules", "facts", "--format", "xml"])
    assert result.exit_code == 2
    assert "table" in result.output
