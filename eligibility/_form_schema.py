"""The profile's JSON Schema for form generators (react-jsonschema-form, AJV, a portal's
own), beside the strict one (:func:`eligibility.profile_json_schema`).

What it changes, and why:

* no ``null`` branches: leaving a field out means unknown, so a form shows one input per
  field, not an "option 1 / option 2" selector;
* every choice has its label (``oneOf`` of ``const`` / ``title``): a dropdown shows
  城北绿色低碳产业园, not ``chengbei``;
* units as ``x-unit`` (an ``x-`` keyword, which validators leave alone), and every
  ``$defs`` entry titled in Chinese;
* the checks the library makes that JSON Schema can say: bounds, the USCC's length and
  characters (GB 32100), no fiscal year after this one (the schema is made on the day);
  the others (check digit, one figure not above another, dates not in the future,
  fiscal years given once, at most two decimals) are listed in ``x-checks``.
"""

from __future__ import annotations

import copy
from datetime import date
from enum import Enum
from typing import Any

from . import profile as p
from ._fields import profile_fields
from ._labels import VALUE_LABELS
from ._uscc import CHARSET

DEF_TITLES: dict[str, str] = {
    "Achievements": "科技奖励与标准",
    "Capital": "资本市场与估值",
    "Certifications": "资质与评价",
    "Compliance": "合规情况",
    "Cooperation": "产学研合作",
    "FiscalYear": "会计年度财务数据",
    "Founder": "创始人（主要负责人）",
    "HighTechDomain": "高新技术领域",
    "HnteSelfAssessment": "高企创新能力自评",
    "IndustryChain": "产业链",
    "IntellectualProperty": "知识产权",
    "KnowledgeValueGrade": "知识价值信用评价等级",
    "ListingStatus": "上市挂牌状态",
    "Ownership": "所有制类型",
    "Park": "园区",
    "ProvincialPlatform": "省级以上创新平台",
    "RDInstitution": "研发机构",
    "RDInstitutionLevel": "研发机构级别",
    "Sector": "行业门类",
    "SizeClass": "企业规模",
    "StartupLoan": "创业担保贷款",
    "Talent": "人才引进",
}
"""The Chinese title of each ``$defs`` entry (the strict schema's are class names)."""

ENUMS: dict[str, type[Enum]] = {e.__name__: e for e in VALUE_LABELS}

_USCC_CHARS = "".join(sorted(set(CHARSET + CHARSET.lower())))
USCC_PATTERN = f"^[{_USCC_CHARS}]{{18}}$"
"""18 characters of GB 32100's set (the library upper-cases them; the check digit is in x-checks)."""

CHECKS: list[dict[str, str]] = [
    {"code": "uscc_check_digit", "zh": "统一社会信用代码第18位校验码须正确（GB 32100-2015）", "en": "the USCC's 18th character is its check digit"},
    {"code": "not_future", "zh": "任何日期不得晚于今天", "en": "no date may be after today"},
    {"code": "st_staff_within_staff", "zh": "科技人员数不得超过职工总数", "en": "S&T staff may not exceed total staff"},
    {"code": "within_rd_staff", "zh": "研发机构专职研发人员数、来自合作高校的研发人员数不得超过研发人员数", "en": "full-time and university R&D staff may not exceed the institution's R&D staff"},
    {"code": "high_tech_within_revenue", "zh": "高新技术产品（服务）收入不得超过营业收入", "en": "high-tech revenue may not exceed operating revenue"},
    {"code": "domestic_within_rd", "zh": "境内研发费用不得超过研发费用", "en": "domestic R&D expense may not exceed R&D expense"},
    {"code": "unique_years", "zh": "每个会计年度只填一行", "en": "each fiscal year is given once"},
    {"code": "high_tech_within_total_income", "zh": "高新技术产品（服务）收入不得超过总收入", "en": "high-tech revenue may not exceed total income"},
    {"code": "decimal_max_places", "zh": "人数、面积至多两位小数", "en": "staff counts and areas have at most two decimals"},
]
"""What the library checks that this schema cannot say, by the ``code`` of the problem it
reports; a form should check them itself or show the service's 422 problems by the fields."""


def form_json_schema(today: date | None = None) -> dict[str, Any]:
    """The profile's form schema (draft 2020-12), made on ``today`` (default: today)."""
    schema = copy.deepcopy(p.EnterpriseProfile.model_json_schema())
    day = today or date.today()
    defs: dict[str, Any] = schema["$defs"]
    for name, sub in defs.items():
        sub.pop("description", None)  # class docstrings, in English; the title says it
        sub["title"] = DEF_TITLES.get(name, name)  # a new part without a title here: its class name (a test catches it)
        if name in ENUMS:
            labels = VALUE_LABELS[ENUMS[name]]
            sub["oneOf"] = [{"const": v, "title": labels[v].zh, "x-title-en": labels[v].en} for v in sub.pop("enum")]
    defs["FiscalYear"]["properties"]["year"]["maximum"] = day.year
    _no_nulls(schema)
    _english_titles(schema["properties"], "", defs)
    schema["properties"]["uscc"]["pattern"] = USCC_PATTERN
    schema["properties"]["uscc"]["minLength"] = schema["properties"]["uscc"]["maxLength"] = 18
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["x-checks"] = CHECKS
    return schema


def _no_nulls(node: Any) -> None:
    """Drop ``null`` branches and ``default: null``, take numbers for decimals, rename ``unit``."""
    if isinstance(node, list):
        for item in node:
            _no_nulls(item)
        return
    if not isinstance(node, dict):
        return
    while "anyOf" in node:
        kept = [b for b in node["anyOf"] if b != {"type": "null"}]
        if len(kept) > 1 and any(b.get("type") == "number" for b in kept):  # a decimal: a number or its string
            kept = [b for b in kept if b.get("type") == "number"]
        if len(kept) > 1:
            node["anyOf"] = kept
            break
        del node["anyOf"]
        for key, value in kept[0].items():
            node.setdefault(key, value)
    if "default" in node and node["default"] is None:
        del node["default"]
    if "unit" in node:
        node["x-unit"] = node.pop("unit")
    if "fixed" in node:
        node["x-fixed"] = node.pop("fixed")
    for key, value in list(node.items()):
        if key not in ("const", "default", "x-checks"):
            _no_nulls(value)


def _english_titles(properties: dict[str, Any], prefix: str, defs: dict[str, Any]) -> None:
    """Each property's English label as ``x-title-en``, through the nested models."""
    fields = profile_fields()
    for name, sub in properties.items():
        path = prefix + name
        sub["x-title-en"] = fields[path].title_en
        ref = sub.get("$ref") or sub.get("items", {}).get("$ref")
        if ref:
            target = defs[ref.rsplit("/", 1)[1]]
            if "properties" in target:
                _english_titles(target["properties"], "financials." if name == "financials" else f"{path}.", defs)
