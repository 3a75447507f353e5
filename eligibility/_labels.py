"""Human labels for profile fields and enum values, in Chinese and English, and values
as a reader sees them.

A field's Chinese label is the profile model's own title; its English one is in
:data:`FIELD_EN`; :func:`eligibility._fields.field_label` puts them together for a path.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

from .profile import (
    HighTechDomain,
    IndustryChain,
    KnowledgeValueGrade,
    ListingStatus,
    Ownership,
    Park,
    ProvincialPlatform,
    RDInstitutionLevel,
    Sector,
    SizeClass,
)
from ._text import Lang, Text, bi

VALUE_LABELS: dict[type[Enum], dict[str, Text]] = {
    Sector: {
        "industry": bi("工业", "industry"),
        "construction": bi("建筑业", "construction"),
        "wholesale": bi("批发业", "wholesale"),
        "retail": bi("零售业", "retail"),
        "accommodation_catering": bi("住宿和餐饮业", "accommodation and catering"),
        "real_estate_development": bi("房地产开发经营", "real-estate development"),
        "services_group1": bi("交通运输、仓储邮政、信息技术服务、水利环境、卫生", "services group 1 (transport, IT, utilities, health)"),
        "services_group2": bi("租赁和商务服务、科学研究和技术服务、教育、物业等", "services group 2 (business, R&D, education, property)"),
        "services_group3": bi("居民服务、文化体育娱乐、社会工作", "services group 3 (residents, culture, social work)"),
        "agriculture": bi("农林牧渔业", "agriculture"),
        "other": bi("其他", "other"),
    },
    Park: {
        "chengbei": bi("城北绿色低碳产业园", "Chengbei green low-carbon park"),
        "yuling": bi("鱼岭产城融合园", "Yuling industry-city park"),
        "dengping": bi("邓坪农产品加工园", "Dengping agricultural processing park"),
        "tongjigou": bi("通济沟电子产业园", "Tongjigou electronics park"),
        "baofeng": bi("宝丰卫浴汽配产业园", "Baofeng sanitary ware and auto parts park"),
        "yishui": bi("溢水特色产品加工物流园", "Yishui specialty processing and logistics park"),
        "outside": bi("园区外", "outside the parks"),
    },
    IndustryChain: {
        "new_energy_battery": bi("新能源电池", "new-energy batteries"),
        "photovoltaic": bi("光伏", "photovoltaics"),
        "electrolytic_hydrogen": bi("电解氢", "electrolytic hydrogen"),
        "electric_vehicle": bi("电动车整车及配套", "electric vehicles and parts"),
        "enamelled_wire_motor_appliance": bi("漆包线、电机及生活电器", "enamelled wire, motors and appliances"),
        "automotive_electronics": bi("汽车电子、电控及底盘", "automotive electronics, controls and chassis"),
        "smart_terminal": bi("智能终端", "smart terminals"),
        "agricultural_processing": bi("农产品加工", "agricultural processing"),
        "sanitary_ware": bi("卫浴", "sanitary ware"),
        "other": bi("其他", "other"),
    },
    HighTechDomain: {
        "electronic_information": bi("电子信息", "electronic information"),
        "biology_medicine": bi("生物与新医药", "biology and new medicine"),
        "aerospace": bi("航空航天", "aerospace"),
        "new_materials": bi("新材料", "new materials"),
        "high_tech_services": bi("高技术服务", "high-tech services"),
        "new_energy_energy_saving": bi("新能源与节能", "new energy and energy saving"),
        "resources_environment": bi("资源与环境", "resources and environment"),
        "advanced_manufacturing": bi("先进制造与自动化", "advanced manufacturing and automation"),
        "none": bi("不属于上述领域", "none of these"),
    },
    KnowledgeValueGrade: {
        **{g: bi(f"{g}级", g) for g in "ABCDE"},
        "not_rated": bi("未评价", "not rated"),
    },
    RDInstitutionLevel: {
        "none": bi("无研发机构", "none"),
        "enterprise": bi("企业自建", "enterprise-level"),
        "county": bi("县级", "county-level"),
        "municipal": bi("市级", "municipal"),
        "provincial": bi("省级", "provincial"),
        "national": bi("国家级", "national"),
    },
    ProvincialPlatform: {
        "enterprise_tech_center": bi("省企业技术中心", "provincial enterprise technology centre"),
        "engineering_research_center": bi("省工程研究中心", "provincial engineering research centre"),
        "joint_innovation_center": bi("省企校联合创新中心", "provincial enterprise–university joint innovation centre"),
        "engineering_tech_research_center": bi("省工程技术研究中心", "provincial engineering technology research centre"),
        "key_laboratory": bi("省重点实验室", "provincial key laboratory"),
        "other": bi("其他省级以上创新平台", "another provincial or national platform"),
    },
    ListingStatus: {
        "none": bi("未挂牌上市", "not listed"),
        "regional_equity": bi("区域性股权市场挂牌", "regional equity market"),
        "neeq": bi("新三板挂牌", "NEEQ"),
        "main_board": bi("沪深主板上市", "main board"),
        "chinext": bi("创业板上市", "ChiNext"),
        "star": bi("科创板上市", "STAR market"),
        "bse": bi("北交所上市", "Beijing Stock Exchange"),
    },
    Ownership: {
        "private": bi("民营", "private"),
        "state_owned": bi("国有", "state-owned"),
        "mixed": bi("混合所有制", "mixed"),
        "foreign": bi("外资", "foreign"),
    },
    SizeClass: {
        "large": bi("大型企业", "large"),
        "medium": bi("中型企业", "medium"),
        "small": bi("小型企业", "small"),
        "micro": bi("微型企业", "micro"),
    },
}

FIELD_EN: dict[str, str] = {
    "name": "enterprise name",
    "uscc": "unified social credit code",
    "registration_date": "date of registration",
    "ownership": "ownership",
    "size_class": "size class (self-assessed)",
    "tax_on_actual_accounts": "sound accounts, taxed on actual accounts, R&D expense collected accurately",
    "sector": "sector",
    "high_tech_domain": "high-tech domain of the core technology",
    "park": "park",
    "industry_chains": "industry chains",
    "in_stats_register": "in the above-designated-size statistics register",
    "in_tech_enterprise_pool": "in the Hubei tech-enterprise pool",
    "listing_status": "listing status",
    "staff_total": "total staff",
    "st_staff": "S&T staff",
    "financials": "yearly figures",
    "ip": "intellectual property",
    "ip.class_i": "class I intellectual property items",
    "ip.class_ii": "class II intellectual property items",
    "ip.supports_main_products": "IP plays a core role in the main products or services",
    "ip.invention_patents_main_business": "invention patents applied in the main business",
    "certifications": "certifications and ratings",
    "certifications.hnte_certified": "holds a high-tech enterprise (HNTE) certificate",
    "certifications.hnte_issue_date": "HNTE certificate issue date",
    "certifications.kxz_registered": "registered as a tech-based SME",
    "certifications.kxz_registration_year": "year of registration as a tech-based SME",
    "certifications.knowledge_value_grade": "knowledge-value credit grade",
    "rd_institution": "R&D institution",
    "rd_institution.level": "highest level of the R&D institution",
    "rd_institution.with_university": "R&D institution built with a university or institute",
    "rd_institution.established_date": "date the R&D institution started operating",
    "rd_institution.rd_staff": "R&D institution's R&D staff",
    "rd_institution.fulltime_rd_staff": "R&D institution's full-time R&D staff",
    "rd_institution.university_rd_staff": "R&D staff from partner universities and institutes",
    "rd_institution.equipment_value": "original value of R&D equipment",
    "rd_institution.provincial_platforms": "provincial or higher innovation platforms held",
    "rd_institution.floor_area": "R&D floor area",
    "compliance": "compliance",
    "compliance.major_incident_last_year": "major safety, quality or environmental incident in the last year",
    "compliance.on_dishonesty_list": "on the abnormal-operations or serious-dishonesty list",
    "compliance.incident_prior_or_current_year": "major incident or serious research dishonesty in the prior or current year",
    "compliance.prohibited_products": "products or services prohibited, restricted or to be phased out",
    "compliance.customs_tax_violation_3y": "customs or tax violation in the last three years",
    "compliance.wage_arrears": "wage or social-insurance arrears",
    "founder": "founder (main person in charge)",
    "founder.is_returnee": "founder is a returnee entrepreneur",
    "founder.return_date": "founder's date of return",
    "founder.hukou_in_county": "founder's household registration in Zhushan",
    "founder.first_business": "founder's first business here",
    "founder.high_level_talent": "founder is high-level talent",
    "founder.scarce_skilled_talent": "founder is scarce skilled talent",
    "founder.jobs_created": "jobs created by the founder's business",
    "founder.in_loan_target_group": "founder in a guaranteed-loan target group",
    "founder.other_outstanding_loans": "founder or spouse has other outstanding loans",
    "achievements": "awards and standards",
    "achievements.national_st_award_top3_5y": "national S&T award in the last five years, among the first three units",
    "achievements.led_standard_5y": "led an international, national or industry standard in the last five years",
    "hnte_self_assessment": "HNTE innovation score (self-assessed)",
    "hnte_self_assessment.ip_points": "intellectual property points (self-assessed)",
    "hnte_self_assessment.transfer_points": "technology transfer points (self-assessed)",
    "hnte_self_assessment.organisation_points": "R&D organisation points (self-assessed)",
    "cooperation": "university cooperation",
    "cooperation.university_cooperation_years": "years of cooperation with universities or institutes",
    "cooperation.long_term_agreement": "long-term cooperation agreement with a university or institute",
    "cooperation.joint_centre_funding_3y": "R&D funding planned for a joint centre's first three years",
    "capital": "capital market and valuation",
    "capital.expected_market_cap": "expected market capitalisation",
    "capital.post_money_valuation_usd": "latest post-money valuation (USD)",
    "capital.post_money_valuation_cny": "latest post-money valuation (CNY)",
    "capital.institutional_investment": "equity investment from professional investors",
    "startup_loan": "guaranteed start-up loan",
    "startup_loan.individual_amount": "individual guaranteed loan asked for",
    "startup_loan.enterprise_amount": "small-enterprise guaranteed loan asked for",
    "startup_loan.new_target_group_hires": "new hires from the loan's target groups this year",
    "talent": "talent introduction",
    "talent.high_level_hired": "high-level talent introduced",
    "talent.scarce_skilled_hired": "scarce skilled talent introduced",
    "financials.year": "year",
    "financials.operating_revenue": "operating revenue",
    "financials.main_business_revenue": "main business revenue",
    "financials.high_tech_revenue": "high-tech product (service) revenue",
    "financials.total_income": "total income (less non-taxable income)",
    "financials.rd_expense": "R&D expense",
    "financials.rd_expense_domestic": "domestic R&D expense",
    "financials.total_cost_expense": "total costs and expenses",
    "financials.total_assets": "total assets",
    "financials.total_liabilities": "total liabilities",
    "financials.net_profit": "net profit",
    "financials.total_profit": "total profit",
    "financials.operating_cash_flow": "net operating cash flow",
}
"""English labels of the profile's fields, by dotted path (a fiscal year's figures under
``financials.``); the Chinese ones are the model's own titles."""

UNIT_EN: dict[str, str] = {
    "元": "yuan", "美元": "USD", "人": "persons", "项": "items", "年": "years", "月": "months",
    "分": "points", "平方米": "m²",
}
"""English for the units profile fields and facts carry."""


def money(amount: Any, lang: Lang = "zh") -> str:
    """Yuan as a reader says them: 20000000 -> 2000万元 (exact; never rounded)."""
    v = Decimal(str(amount))
    if lang == "en":
        return f"{v:,f} yuan"
    for unit, size in (("亿", 100_000_000), ("万", 10_000)):
        if abs(v) >= size:
            q = (v / size).normalize()
            if q == q.quantize(Decimal("0.0001")):
                return f"{q:f}{unit}元"
    return f"{v:f}元"


def value_label(value: Any, lang: Lang = "zh", enum: type[Enum] | None = None, unit: str | None = None) -> str:
    """A value as a reader sees it: enum codes become labels, booleans 是/否, yuan 万/亿元."""
    if value is None:
        return "未填写" if lang == "zh" else "not given"
    if isinstance(value, bool):
        return ("yes" if value else "no") if lang == "en" else ("是" if value else "否")
    if isinstance(value, list):
        sep = "、" if lang == "zh" else ", "
        return sep.join(value_label(v, lang, enum, unit) for v in value)
    if isinstance(value, Enum):
        enum, value = type(value), value.value
    if isinstance(value, str) and enum is not None and value in VALUE_LABELS.get(enum, {}):
        return VALUE_LABELS[enum][value](lang)
    if unit == "元" and isinstance(value, int | Decimal) or unit == "元" and _is_number(value):
        return money(value, lang)
    if unit and lang == "en":
        unit = UNIT_EN.get(unit, unit)
    return f"{value}{unit or ''}" if unit and lang == "zh" else f"{value}{(' ' + unit) if unit else ''}"


def _is_number(value: Any) -> bool:
    try:
        Decimal(str(value))
    except ArithmeticError:
        return False
    return not isinstance(value, bool)
