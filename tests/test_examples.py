"""Each bundled example's verdict on every support, pinned on 2026-11-25 (last closed year 2025).

The expected verdicts were worked out by hand from the rule sources; the comments give the
deciding figures, so a reader can check a report against them.
"""

from __future__ import annotations

import pytest

from eligibility import evaluate, load_profile

from conftest import AS_OF, EXAMPLES, RULES

E, N, I = "eligible", "not_eligible", "needs_information"

# Re-checked by hand against the 2026-11 policy audit (catalogue 2026.11.1): the 科小 numbers are of 2026
# (current on 2026-11-25); high-tech shares are over 总收入 (figures below); grades apply (after 2025-03-25);
# the loan amounts asked for are within the caps (25万 ≤ 30万, 150万 ≤ 400万); the returnee founder is in a
# loan target group (a returning migrant worker); no example holds a provincial platform. On 2026-11-25 the
# plan's term has ended: the plan-only supports keep their verdicts, marked as resting on an assumption.
EXPECTED: dict[str, dict[str, str]] = {
    # 投融资服务平台 (assumed users: a tech enterprise or an SME in one of the parks): every example
    # is in a park and an industrial SME (< 1000 staff or < 4亿), so every one is eligible.
    # 锂能新材料: 规上 industry (main revenue 1.401亿 ≥ 2000万, registered), no R&D institution.
    # Not a valid HNTE (certificate never held); grade B in the tech pool → board and loan.
    # HNTE recognition fails on S&T staff 21/186 = 11.3% ≥ 10% but high-tech share 97.7/146.0 (总收入) = 67%,
    # R&D 3y 11.45/363.4 = 3.15% < 4% (last sales 1.436亿 in the 4% band) → not met.
    # 科小: sales 1.436亿 ≤ 2亿 and assets 1.76亿 ≤ 2亿, but the 2022 accounting condition and
    # compliance items are not given → needs information.
    "battery_materials": {
        "exchange_listing": N, "sme_listing_service": E, "tech_innovation_board_listing": E,
        "guaranteed_loan_enterprise": I, "guaranteed_loan_individual": I, "knowledge_value_credit_loan": E,
        "startup_tech_support": N, "tech_credit_enhancement": E, "rd_institution_full_coverage": E,
        "enterprise_university_innovation_center": I, "provincial_engineering_research_center": N,
        "provincial_enterprise_tech_center": N, "hnte_recognition": N, "kxz_evaluation": I,
        "new_species_cultivation": I, "returnee_entrepreneurship": N, "returnee_startup_subsidy": N,
        "talent_introduction": I, "industry_university_cooperation": E, "st_awards": I,
        "state_coinvestment_rd": E, "park_placement": E,
        "investment_financing_platform": E,
    },
    # 归雁电机配件: returned 2024-08-15, registered 2025-03-10 (within 5 years), 20 months in
    # operation ≥ 6, 7 jobs ≥ 3 → 5000元 subsidy. Individual loan 25万 ≤ 30万; enterprise loan
    # 150万 ≤ 400万 with 3 of 9 staff new hires (33% ≥ 10%). Not 规上 (not registered), not a tech
    # enterprise. 科小 score: staff 1/9 = 11% → 4, R&D 0 → 0, one Class II → 6: 10 < 60.
    "returnee_startup": {
        "exchange_listing": N, "sme_listing_service": E, "tech_innovation_board_listing": N,
        "guaranteed_loan_enterprise": E, "guaranteed_loan_individual": E, "knowledge_value_credit_loan": N,
        "startup_tech_support": N, "tech_credit_enhancement": N, "rd_institution_full_coverage": N,
        "enterprise_university_innovation_center": N, "provincial_engineering_research_center": N,
        "provincial_enterprise_tech_center": N, "hnte_recognition": N, "kxz_evaluation": N,
        "new_species_cultivation": N, "returnee_entrepreneurship": E, "returnee_startup_subsidy": E,
        "talent_introduction": E, "industry_university_cooperation": N, "st_awards": N,
        "state_coinvestment_rd": N, "park_placement": E,
        "investment_financing_platform": E,
    },
    # 华磁电机: HNTE certificate 2025-10-28 (valid, age 1 < 2: no renewal yet), grade B → board,
    # loan, awards. Gazelle: 11 years, sales 1.83亿 < 5亿, total-profit growth
    # ½(12.0/10.1 + 14.2/12.0) − 1 = 18.6% ≥ 15%, R&D 7.9/183 = 4.3% ≥ 4%. 科小: assets 2.19亿 > 2亿.
    # Listing: market value 9亿 below every board's minimum; 3y net profit 3100万 < 2亿.
    # Platforms: 31 full-time R&D staff < 50; equipment 960万 < 2000万; university staff 6/46 = 13% < 20%.
    # Medium industrial (412 staff ≥ 300, revenue ≥ 2000万): no small-enterprise loan.
    "hnte_grade_b": {
        "exchange_listing": N, "sme_listing_service": E, "tech_innovation_board_listing": E,
        "guaranteed_loan_enterprise": N, "guaranteed_loan_individual": I, "knowledge_value_credit_loan": E,
        "startup_tech_support": N, "tech_credit_enhancement": E, "rd_institution_full_coverage": N,
        "enterprise_university_innovation_center": N, "provincial_engineering_research_center": N,
        "provincial_enterprise_tech_center": N, "hnte_recognition": N, "kxz_evaluation": N,
        "new_species_cultivation": E, "returnee_entrepreneurship": N, "returnee_startup_subsidy": N,
        "talent_introduction": E, "industry_university_cooperation": E, "st_awards": E,
        "state_coinvestment_rd": E, "park_placement": E,
        "investment_financing_platform": E,
    },
    # 秦巴山珍食品: 规上 (main revenue 3540万), no R&D institution → full coverage; agricultural
    # processing fits Dengping (not a target chain). 科小: staff 4/86 = 4.7% scores 0 → fails.
    # Quoted on the regional equity market only, so the SME listing platform still applies.
    # Enterprise loan: small industrial, but new hires and the amount are not given.
    "agricultural_processor": {
        "exchange_listing": N, "sme_listing_service": E, "tech_innovation_board_listing": N,
        "guaranteed_loan_enterprise": I, "guaranteed_loan_individual": N, "knowledge_value_credit_loan": N,
        "startup_tech_support": N, "tech_credit_enhancement": N, "rd_institution_full_coverage": E,
        "enterprise_university_innovation_center": N, "provincial_engineering_research_center": N,
        "provincial_enterprise_tech_center": N, "hnte_recognition": N, "kxz_evaluation": N,
        "new_species_cultivation": N, "returnee_entrepreneurship": N, "returnee_startup_subsidy": N,
        "talent_introduction": N, "industry_university_cooperation": E, "st_awards": N,
        "state_coinvestment_rd": E, "park_placement": E,
        "investment_financing_platform": E,
    },
    # 通济智联电子: HNTE criteria all met (staff 27/128 = 21%; R&D 3y 535/10110万 = 5.29% in the 5%
    # band, last sales 4120万; high-tech 31.3/41.8 总收入 = 75%); score 24 + 22 + 15 + growth (net assets
    # 26.3% → 7, sales 24.7% → 5) = 73 > 70. 科小: 12 + 40 + 30 = 82. Gazelle: sales growth 24.7%,
    # R&D 5.3%. High-tech 31.3/41.8 (总收入) = 75%. Joint centre: 4 years, 22 R&D staff, 5/22 = 22.7% university, 120万 planned.
    "electronics_maker": {
        "exchange_listing": N, "sme_listing_service": E, "tech_innovation_board_listing": E,
        "guaranteed_loan_enterprise": I, "guaranteed_loan_individual": I, "knowledge_value_credit_loan": E,
        "startup_tech_support": N, "tech_credit_enhancement": E, "rd_institution_full_coverage": N,
        "enterprise_university_innovation_center": E, "provincial_engineering_research_center": N,
        "provincial_enterprise_tech_center": N, "hnte_recognition": E, "kxz_evaluation": E,
        "new_species_cultivation": E, "returnee_entrepreneurship": N, "returnee_startup_subsidy": N,
        "talent_introduction": E, "industry_university_cooperation": E, "st_awards": N,
        "state_coinvestment_rd": E, "park_placement": E,
        "investment_financing_platform": E,
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_verdicts_are_pinned(name: str):
    """Every support's verdict for one bundled example, as derived by hand."""
    report = evaluate(load_profile(EXAMPLES / f"{name}.json"), as_of=AS_OF, catalogue=RULES)
    assert {s.id: s.verdict.value for s in report.supports} == EXPECTED[name]


def test_every_example_is_pinned():
    """A new example file needs its expected verdicts here."""
    assert sorted(p.stem for p in EXAMPLES.glob("*.json")) == sorted(EXPECTED)
