"""Realistic generated enterprise profiles for the benchmarks (seeded, reproducible).

Not Hypothesis: the benchmark needs 100,000 profiles in a few seconds, shaped like the
zone's enterprises (sizes, R&D shares, titles), with some fields left unknown.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from eligibility.profile import (
    HighTechDomain,
    IndustryChain,
    KnowledgeValueGrade,
    ListingStatus,
    Park,
    RDInstitutionLevel,
    Sector,
)


def generate(n: int, seed: int = 2026, as_of: date = date(2026, 11, 25), unknown: float = 0.1) -> list[dict[str, Any]]:
    """``n`` profile dicts; each optional field is left out with probability ``unknown``."""
    rnd = random.Random(seed)
    return [_one(rnd, i, as_of, unknown) for i in range(n)]


def _maybe(rnd: random.Random, p: float, d: dict[str, Any], key: str, value: Any) -> None:
    if rnd.random() >= p:
        d[key] = value


def _one(rnd: random.Random, i: int, as_of: date, unknown: float) -> dict[str, Any]:
    size = rnd.lognormvariate(17.0, 1.4)  # revenue in yuan, median about 2400万
    registered = as_of - timedelta(days=rnd.randint(100, 9000))
    staff = max(3, int(size / rnd.uniform(300_000, 1_500_000)))
    st = min(staff, int(staff * rnd.uniform(0.0, 0.4)))
    p: dict[str, Any] = {"name": f"竹山县测试企业{i:06d}有限公司"}
    _maybe(rnd, unknown, p, "registration_date", registered.isoformat())
    _maybe(rnd, unknown, p, "sector", rnd.choice([Sector.industry] * 6 + list(Sector)).value)
    _maybe(rnd, unknown, p, "high_tech_domain", rnd.choice(list(HighTechDomain)).value)
    _maybe(rnd, unknown, p, "park", rnd.choice(list(Park)).value)
    _maybe(rnd, unknown, p, "industry_chains", [rnd.choice(list(IndustryChain)).value])
    _maybe(rnd, unknown, p, "in_stats_register", size > 20_000_000 and rnd.random() < 0.9)
    _maybe(rnd, unknown, p, "in_tech_enterprise_pool", rnd.random() < 0.5)
    _maybe(rnd, unknown, p, "listing_status", rnd.choice([ListingStatus.none] * 9 + [ListingStatus.neeq]).value)
    _maybe(rnd, unknown, p, "staff_total", staff)
    _maybe(rnd, unknown, p, "st_staff", st)
    years = []
    revenue = size / (1.1**3)
    for year in range(as_of.year - 3, as_of.year):
        if year < registered.year:
            continue
        revenue *= rnd.uniform(0.9, 1.35)
        rd = revenue * rnd.uniform(0.0, 0.08)
        fy: dict[str, Any] = {"year": year}
        for key, value in (
            ("operating_revenue", int(revenue)),
            ("main_business_revenue", int(revenue * rnd.uniform(0.85, 1.0))),
            ("high_tech_revenue", int(revenue * rnd.uniform(0.0, 0.9))),
            ("rd_expense", int(rd)),
            ("rd_expense_domestic", int(rd * rnd.uniform(0.5, 1.0))),
            ("total_cost_expense", int(revenue * rnd.uniform(0.7, 1.0))),
            ("total_assets", int(revenue * rnd.uniform(0.8, 2.0))),
            ("total_liabilities", int(revenue * rnd.uniform(0.2, 0.9))),
            ("net_profit", int(revenue * rnd.uniform(-0.05, 0.15))),
            ("operating_cash_flow", int(revenue * rnd.uniform(-0.05, 0.2))),
        ):
            _maybe(rnd, unknown, fy, key, value)
        years.append(fy)
    p["financials"] = years
    ip: dict[str, Any] = {}
    _maybe(rnd, unknown, ip, "class_i", rnd.choice([0, 0, 0, 1, 2, 5]))
    _maybe(rnd, unknown, ip, "class_ii", rnd.randint(0, 20))
    p["ip"] = ip
    hnte = rnd.random() < 0.25
    certs: dict[str, Any] = {"hnte_certified": hnte}
    if hnte:
        certs["hnte_issue_date"] = (as_of - timedelta(days=rnd.randint(10, 1400))).isoformat()
    _maybe(rnd, unknown, certs, "knowledge_value_grade", rnd.choice(list(KnowledgeValueGrade)).value)
    p["certifications"] = certs
    rd_inst: dict[str, Any] = {}
    _maybe(rnd, unknown, rd_inst, "level", rnd.choice(list(RDInstitutionLevel)).value)
    p["rd_institution"] = rd_inst
    p["compliance"] = {"major_incident_last_year": rnd.random() < 0.02}
    founder: dict[str, Any] = {}
    returnee = rnd.random() < 0.2
    _maybe(rnd, unknown, founder, "is_returnee", returnee)
    _maybe(rnd, unknown, founder, "hukou_in_county", rnd.random() < 0.7)
    if returnee:
        _maybe(rnd, unknown, founder, "return_date", (as_of - timedelta(days=rnd.randint(30, 3000))).isoformat())
    p["founder"] = founder
    return p


def to_cells(profile: dict[str, Any], columns: list[str]) -> list[str]:
    """One profile dict as the cells of a spreadsheet row under ``columns`` (dotted paths,
    ``financials.2025.rd_expense`` for yearly figures), written the way an office writes
    them: 是/否, lists separated by 、, dates as YYYY-MM-DD, unknown as an empty cell."""
    years = {fy["year"]: fy for fy in profile.get("financials", [])}
    cells = []
    for column in columns:
        parts = column.split(".")
        if parts[0] == "financials":
            value = years.get(int(parts[1]), {}).get(parts[2])
        else:
            value = profile
            for part in parts:
                value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            cells.append("")
        elif isinstance(value, bool):
            cells.append("是" if value else "否")
        elif isinstance(value, list):
            cells.append("、".join(value) if value else "无")
        else:
            cells.append(str(value))
    return cells


def columns_of(profiles: list[dict[str, Any]], scalar: list[str], yearly: list[str]) -> list[str]:
    """The columns a table of ``profiles`` needs: the scalar fields any of them sets, then
    each year's figures."""
    used: list[str] = []
    for path in scalar:
        parts = path.split(".")
        for p in profiles:
            value: Any = p
            for part in parts:
                value = value.get(part) if isinstance(value, dict) else None
            if value is not None:
                used.append(path)
                break
    years = sorted({fy["year"] for p in profiles for fy in p.get("financials", [])})
    return used + [f"financials.{y}.{attr}" for y in years for attr in yearly]
