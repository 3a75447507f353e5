"""The enterprise profile: what an enterprise tells the checker about itself.

Conventions (they matter for the verdicts):

* A field left out, or given as ``null``, is **unknown**. Unknown is not zero and
  not false: a support that depends on it is reported as "needs information".
* Money is CNY **yuan**, as integers. Amounts are never negative, except profit and
  cash flow, which can be.
* Staff counts are annual averages (persons, up to two decimals).
* Yearly figures are per fiscal (calendar) year, in ``financials``.
* No date may lie in the future.

Titles and descriptions are in Chinese so that the JSON Schema
(:func:`profile_json_schema`) can drive a portal's form directly.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Annotated, Any

from pydantic_core import PydanticCustomError
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from ._dates import today
from ._uscc import CHARSET as USCC_CHARSET
from ._uscc import uscc_problem

MAX_AMOUNT = 10**13
"""Upper bound on any single amount (10万亿 yuan): keeps engine arithmetic exact in int64."""


def refusal(code: str, message: str) -> PydanticCustomError:
    """A validator's refusal with a stable ``code`` (a :class:`Problem`'s, the service's 422)
    and its message in Chinese and English."""
    return PydanticCustomError(code, message.replace("{", "{{").replace("}", "}}"))


def _not_future(value: date) -> date:
    if value > today():
        raise refusal("not_future", f"日期 {value.isoformat()} 晚于今天 (date is in the future)")
    return value


PastDate = Annotated[date, AfterValidator(_not_future)]
Yuan = Annotated[int, Field(ge=0, le=MAX_AMOUNT, json_schema_extra={"unit": "元"})]
SignedYuan = Annotated[int, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, json_schema_extra={"unit": "元"})]
Persons = Annotated[
    Decimal, Field(ge=0, le=10_000_000, decimal_places=2, json_schema_extra={"unit": "人"})
]
Count = Annotated[int, Field(ge=0, le=1_000_000, json_schema_extra={"unit": "项"})]
Headcount = Annotated[int, Field(ge=0, le=10_000_000, json_schema_extra={"unit": "人"})]
SquareMetres = Annotated[
    Decimal, Field(ge=0, le=100_000_000, decimal_places=2, json_schema_extra={"unit": "平方米"})
]
Years = Annotated[int, Field(ge=0, le=100, json_schema_extra={"unit": "年"})]
Points = Annotated[int, Field(ge=0, json_schema_extra={"unit": "分"})]
USD = Annotated[int, Field(ge=0, le=MAX_AMOUNT, json_schema_extra={"unit": "美元"})]
# Marks a field the enterprise cannot change by acting (who its founder is, its sector, its
# listing): a condition on it that fails is reported as not reachable, with no change proposed.
FIXED: dict[str, Any] = {"fixed": True}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


# --- Enumerations -------------------------------------------------------------------


class Sector(StrEnum):
    """国民经济行业大类 (grouped as the 规上/限上 statistics group them)."""

    industry = "industry"
    construction = "construction"
    wholesale = "wholesale"
    retail = "retail"
    accommodation_catering = "accommodation_catering"
    real_estate_development = "real_estate_development"
    services_group1 = "services_group1"
    services_group2 = "services_group2"
    services_group3 = "services_group3"
    agriculture = "agriculture"
    other = "other"


class Park(StrEnum):
    """竹山经济开发区"一区六园" (the zone's six parks), or outside them."""

    chengbei = "chengbei"
    yuling = "yuling"
    dengping = "dengping"
    tongjigou = "tongjigou"
    baofeng = "baofeng"
    yishui = "yishui"
    outside = "outside"


class IndustryChain(StrEnum):
    """The zone's target industry chains (竹政办发〔2022〕26号)."""

    new_energy_battery = "new_energy_battery"
    photovoltaic = "photovoltaic"
    electrolytic_hydrogen = "electrolytic_hydrogen"
    electric_vehicle = "electric_vehicle"
    enamelled_wire_motor_appliance = "enamelled_wire_motor_appliance"
    automotive_electronics = "automotive_electronics"
    smart_terminal = "smart_terminal"
    agricultural_processing = "agricultural_processing"
    sanitary_ware = "sanitary_ware"
    other = "other"


class HighTechDomain(StrEnum):
    """《国家重点支持的高新技术领域》 (8 domains), or none of them."""

    electronic_information = "electronic_information"
    biology_medicine = "biology_medicine"
    aerospace = "aerospace"
    new_materials = "new_materials"
    high_tech_services = "high_tech_services"
    new_energy_energy_saving = "new_energy_energy_saving"
    resources_environment = "resources_environment"
    advanced_manufacturing = "advanced_manufacturing"
    none = "none"


class KnowledgeValueGrade(StrEnum):
    """湖北省知识价值信用评价等级: A best, E lowest; ``not_rated`` if never rated."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    not_rated = "not_rated"


class RDInstitutionLevel(StrEnum):
    """Highest level of the enterprise's R&D institution (研发机构)."""

    none = "none"
    enterprise = "enterprise"
    county = "county"
    municipal = "municipal"
    provincial = "provincial"
    national = "national"


class ProvincialPlatform(StrEnum):
    """A provincial (or higher) innovation platform the enterprise already holds, by type."""

    enterprise_tech_center = "enterprise_tech_center"
    engineering_research_center = "engineering_research_center"
    joint_innovation_center = "joint_innovation_center"
    engineering_tech_research_center = "engineering_tech_research_center"
    key_laboratory = "key_laboratory"
    other = "other"


class ListingStatus(StrEnum):
    """Where the enterprise's shares are listed or quoted."""

    none = "none"
    regional_equity = "regional_equity"
    neeq = "neeq"
    main_board = "main_board"
    chinext = "chinext"
    star = "star"
    bse = "bse"


class Ownership(StrEnum):
    """Who owns the enterprise (some supports are for private enterprises only)."""

    private = "private"
    state_owned = "state_owned"
    mixed = "mixed"
    foreign = "foreign"


class SizeClass(StrEnum):
    """Size class by 工信部联企业〔2011〕300号 (large, medium, small, micro)."""

    large = "large"
    medium = "medium"
    small = "small"
    micro = "micro"


# --- Parts of the profile -----------------------------------------------------------


class FiscalYear(_Model):
    """One fiscal year's figures (yuan)."""

    year: int = Field(ge=1980, title="年度", description="会计年度（公历年）")
    operating_revenue: Yuan | None = Field(
        None, title="营业收入（销售收入）", description="全年营业收入，即高企、科小所称销售收入，单位：元"
    )
    main_business_revenue: Yuan | None = Field(
        None, title="主营业务收入", description="规上工业等统计口径使用，单位：元"
    )
    high_tech_revenue: Yuan | None = Field(
        None, title="高新技术产品（服务）收入", description="单位：元，不超过营业收入"
    )
    total_income: Yuan | None = Field(
        None,
        title="总收入（收入总额减去不征税收入）",
        description="高企认定所称总收入：企业所得税法的收入总额减去不征税收入，单位：元",
    )
    rd_expense: Yuan | None = Field(
        None, title="研发费用", description="按研发费用加计扣除口径归集，单位：元"
    )
    rd_expense_domestic: Yuan | None = Field(
        None, title="境内研发费用", description="在中国境内发生的研发费用，单位：元，不超过研发费用"
    )
    total_cost_expense: Yuan | None = Field(
        None, title="成本费用总额", description="科小评价研发投入第二种算法的分母，单位：元"
    )
    total_assets: Yuan | None = Field(None, title="资产总额", description="年末资产总额，单位：元")
    total_liabilities: Yuan | None = Field(None, title="负债总额", description="年末负债总额，单位：元")
    net_profit: SignedYuan | None = Field(
        None, title="净利润", description="扣除非经常性损益前后孰低，单位：元，可为负"
    )
    total_profit: SignedYuan | None = Field(
        None, title="利润总额", description="瞪羚企业利润增长率使用，单位：元，可为负"
    )
    operating_cash_flow: SignedYuan | None = Field(
        None, title="经营活动现金流量净额", description="单位：元，可为负"
    )

    @field_validator("year")
    @classmethod
    def _year_not_future(cls, value: int) -> int:
        if value > today().year:
            raise refusal("not_future", f"年度 {value} 晚于今年 (year is in the future)")
        return value

    @field_validator("high_tech_revenue")
    @classmethod
    def _ht_within_revenue(cls, value: int | None, info: ValidationInfo) -> int | None:
        total = info.data.get("operating_revenue")
        if value is not None and total is not None and value > total:
            raise refusal(
                "high_tech_within_revenue",
                f"高新技术产品收入 {value} 元超过营业收入 {total} 元 "
                "(high-tech revenue exceeds operating revenue)"
            )
        return value

    @field_validator("total_income")
    @classmethod
    def _ht_within_total_income(cls, value: int | None, info: ValidationInfo) -> int | None:
        part = info.data.get("high_tech_revenue")
        if value is not None and part is not None and part > value:
            raise refusal(
                "high_tech_within_total_income",
                f"高新技术产品收入 {part} 元超过总收入 {value} 元 "
                "(high-tech revenue exceeds total income)"
            )
        return value

    @field_validator("rd_expense_domestic")
    @classmethod
    def _domestic_within_rd(cls, value: int | None, info: ValidationInfo) -> int | None:
        total = info.data.get("rd_expense")
        if value is not None and total is not None and value > total:
            raise refusal(
                "domestic_within_rd",
                f"境内研发费用 {value} 元超过研发费用 {total} 元 "
                "(domestic R&D expense exceeds total R&D expense)"
            )
        return value


class IntellectualProperty(_Model):
    """Valid intellectual property owned (not licensed), by the classes of the 高企/科小 rules."""

    class_i: Count | None = Field(
        None,
        title="Ⅰ类知识产权数量",
        description="发明专利（含国防专利）、植物新品种、国家级农作物品种、国家新药、国家一级中药保护品种、集成电路布图设计专有权",
    )
    class_ii: Count | None = Field(
        None,
        title="Ⅱ类知识产权数量",
        description="实用新型专利、外观设计专利、软件著作权等（不含商标）",
    )
    supports_main_products: bool | None = Field(
        None, title="知识产权对主要产品（服务）起核心支持作用"
    )
    invention_patents_main_business: Count | None = Field(
        None,
        title="应用于主营业务并能够产业化的发明专利数",
        description="科创板科创属性评价使用（含国防专利），单位：项",
    )


class Achievements(_Model):
    """Awards and standards (科小 direct-qualification paths)."""

    national_st_award_top3_5y: bool | None = Field(
        None, title="近五年获国家级科技奖励且在获奖单位中排名前三"
    )
    led_standard_5y: bool | None = Field(
        None, title="近五年主导制定过国际标准、国家标准或行业标准"
    )


class HnteSelfAssessment(_Model):
    """The enterprise's own estimate of the expert-scored parts of the 高企 innovation-capability score.

    企业成长性（20分）由财务数据计算，不在此填写。
    """

    ip_points: Points | None = Field(
        None, le=30, title="知识产权得分（自评）", description="满分30分：技术先进程度、核心支持作用、数量、获得方式及标准制定加分"
    )
    transfer_points: Points | None = Field(
        None, le=30, title="科技成果转化能力得分（自评）", description="满分30分：近三年年均科技成果转化数"
    )
    organisation_points: Points | None = Field(
        None, le=20, title="研究开发组织管理水平得分（自评）", description="满分20分"
    )


class Certifications(_Model):
    """Titles and ratings the enterprise holds."""

    hnte_certified: bool | None = Field(None, title="持有高新技术企业证书")
    hnte_issue_date: PastDate | None = Field(None, title="高新技术企业证书发证日期")
    kxz_registered: bool | None = Field(None, title="已入库科技型中小企业")
    kxz_registration_year: int | None = Field(
        None, ge=2017, title="科技型中小企业入库年度", description="取得入库登记编号的年度"
    )
    knowledge_value_grade: KnowledgeValueGrade | None = Field(
        None, title="知识价值信用评价等级", description="湖北省知识价值信用评价：A 最高，E 最低；未评价填 not_rated"
    )


class RDInstitution(_Model):
    """The enterprise's R&D institution (研发机构), if any."""

    level: RDInstitutionLevel | None = Field(
        None, title="研发机构最高级别", description="无 / 企业自建 / 县级 / 市级 / 省级 / 国家级"
    )
    with_university: bool | None = Field(None, title="与高校或科研院所共建")
    established_date: PastDate | None = Field(None, title="研发机构成立（运行）日期")
    rd_staff: Persons | None = Field(None, title="研发机构研发人员数", description="单位：人")
    fulltime_rd_staff: Persons | None = Field(
        None, title="研发机构专职研发人员数", description="单位：人，不超过研发人员数"
    )
    university_rd_staff: Persons | None = Field(
        None, title="来自合作高校、科研院所的研发人员数", description="单位：人，不超过研发人员数"
    )
    equipment_value: Yuan | None = Field(None, title="研发仪器设备原值", description="单位：元")
    provincial_platforms: list[ProvincialPlatform] | None = Field(
        None,
        title="已获认定的省级以上创新平台",
        description="可多选：省企业技术中心、省工程研究中心、省企校联合创新中心等；空列表表示尚无",
    )
    floor_area: SquareMetres | None = Field(None, title="研发场所面积", description="单位：平方米")

    @field_validator("fulltime_rd_staff", "university_rd_staff")
    @classmethod
    def _within_rd_staff(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        total = info.data.get("rd_staff")
        if value is not None and total is not None and value > total:
            raise refusal("within_rd_staff", f"{value} 人超过研发人员数 {total} 人 (exceeds the institution's R&D staff)")
        return value


class Cooperation(_Model):
    """Cooperation with universities and research institutes (产学研合作)."""

    university_cooperation_years: Years | None = Field(
        None, title="与高校、科研院所合作年限", description="已持续合作的整年数，单位：年"
    )
    long_term_agreement: bool | None = Field(None, title="与高校、科研院所签有长期合作协议")
    joint_centre_funding_3y: Yuan | None = Field(
        None, title="联合创新中心组建后三年内企业研发经费投入（计划）", description="单位：元"
    )


class Capital(_Model):
    """Capital-market figures (listing standards, unicorn tiers)."""

    expected_market_cap: Yuan | None = Field(
        None, title="预计市值", description="拟上市时的预计市值（保荐机构估计），单位：元"
    )
    post_money_valuation_usd: USD | None = Field(
        None, title="最近一轮投后估值（美元）", description="单位：美元；以美元计价的融资轮次填写"
    )
    post_money_valuation_cny: Yuan | None = Field(
        None, title="最近一轮投后估值（人民币）", description="单位：元；以人民币计价的融资轮次填写"
    )
    institutional_investment: bool | None = Field(
        None, title="已获得专业投资机构的股权投资"
    )


class StartupLoan(_Model):
    """A guaranteed start-up loan (创业担保贷款) the founder or the enterprise wants."""

    individual_amount: Yuan | None = Field(None, title="个人创业担保贷款申请金额", description="单位：元")
    enterprise_amount: Yuan | None = Field(None, title="小微企业创业担保贷款申请金额", description="单位：元")
    new_target_group_hires: Headcount | None = Field(
        None,
        title="当年新招用符合条件人员数",
        description="近12个月新招用的创业担保贷款扶持群体人员（签订1年以上劳动合同），单位：人",
    )


class Talent(_Model):
    """Talent the enterprise has introduced or is introducing."""

    high_level_hired: Headcount | None = Field(
        None, title="已引进或拟引进的高层次人才数", description="单位：人"
    )
    scarce_skilled_hired: Headcount | None = Field(
        None, title="已引进或拟引进的紧缺技能人才数", description="单位：人"
    )


class Compliance(_Model):
    """Incidents and lists that bar most supports."""

    major_incident_last_year: bool | None = Field(
        None, title="近一年发生重大安全、重大质量事故或严重环境违法行为"
    )
    on_dishonesty_list: bool | None = Field(
        None, title="列入经营异常名录或严重违法失信名单"
    )
    incident_prior_or_current_year: bool | None = Field(
        None, title="上一年度及当年内发生重大安全、重大质量事故、严重环境违法或科研严重失信行为"
    )
    prohibited_products: bool | None = Field(
        None, title="产品或服务属于国家规定的禁止、限制和淘汰类"
    )
    customs_tax_violation_3y: bool | None = Field(None, title="近三年有海关、税务违法行为")
    wage_arrears: bool | None = Field(None, title="拖欠职工工资或欠缴社会保险费")


class Founder(_Model):
    """The founder or main person in charge (for talent and returnee supports)."""

    is_returnee: bool | None = Field(
        None, title="返乡创业人员", description="户籍在竹山、曾在外务工经商后返乡创业", json_schema_extra=FIXED
    )
    return_date: PastDate | None = Field(None, title="返乡日期")
    hukou_in_county: bool | None = Field(None, title="户籍在竹山县", json_schema_extra=FIXED)
    first_business: bool | None = Field(None, title="首次在本地创业", json_schema_extra=FIXED)
    high_level_talent: bool | None = Field(
        None, title="高层次人才", description="如国家、省级人才计划入选者，博士或正高级职称"
    )
    scarce_skilled_talent: bool | None = Field(
        None, title="紧缺技能人才", description="高级技师、技师等紧缺技能人才"
    )
    jobs_created: Headcount | None = Field(
        None, title="创办企业带动就业人数", description="含创业者本人以外的就业人数，单位：人"
    )
    in_loan_target_group: bool | None = Field(
        None,
        title="属于创业担保贷款扶持群体",
        description="城镇登记失业人员、就业困难人员、退役军人、高校毕业生、返乡创业农民工、农村自主创业农民等",
    )
    other_outstanding_loans: bool | None = Field(
        None,
        title="本人及配偶有其他未结清贷款",
        description="助学、扶贫、住房、购车贷款及5万元以下个人消费贷款除外",
    )


# --- The profile --------------------------------------------------------------------


class EnterpriseProfile(_Model):
    """An enterprise, as it describes itself to the checker.

    Every field except ``name`` may be left unknown (``None``). A part left out is one
    empty instance shared by every profile (``cache``: parts are frozen, and most profiles
    leave some out).
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="企业画像",
        json_schema_extra={"description": "企业自查政策资格所需的信息；未填写的字段视为未知"},
    )

    name: str = Field(min_length=1, max_length=200, title="企业名称")
    uscc: str | None = Field(None, title="统一社会信用代码", description="18位，GB 32100-2015，含校验码")
    registration_date: PastDate | None = Field(None, title="成立（注册）日期")
    ownership: Ownership | None = Field(None, title="所有制类型", json_schema_extra=FIXED)
    size_class: SizeClass | None = Field(
        None, title="企业规模（自评）", description="按工信部联企业〔2011〕300号划分：大型 / 中型 / 小型 / 微型"
    )
    tax_on_actual_accounts: bool | None = Field(
        None, title="会计核算健全、实行查账征收并能准确归集研发费用"
    )
    sector: Sector | None = Field(
        None, title="所属行业门类", description="按统计口径归类，用于规上/限上判断", json_schema_extra=FIXED
    )
    high_tech_domain: HighTechDomain | None = Field(
        None,
        title="核心技术所属高新技术领域",
        description="《国家重点支持的高新技术领域》八大领域之一，或 none",
        json_schema_extra=FIXED,
    )
    park: Park | None = Field(None, title="所在园区", description="竹山经济开发区一区六园之一，或园区外")
    industry_chains: list[IndustryChain] | None = Field(
        None, title="所属产业链", description="可多选；空列表表示不属于任何目标产业链"
    )
    in_stats_register: bool | None = Field(
        None, title="已纳入规模以上（限额以上）统计库"
    )
    in_tech_enterprise_pool: bool | None = Field(
        None, title="已列入湖北省科技型企业库", description="属于五类科技产业、由省科技厅平台收录"
    )
    listing_status: ListingStatus | None = Field(None, title="上市挂牌状态", json_schema_extra=FIXED)
    staff_total: Persons | None = Field(None, title="职工总数", description="上一年度月平均人数的年平均，单位：人")
    st_staff: Persons | None = Field(
        None, title="科技人员数", description="直接从事研发和相关技术创新活动的人员，单位：人，不超过职工总数"
    )
    financials: list[FiscalYear] = Field(
        default_factory=list, title="近年财务数据", description="每个会计年度一行；缺少的年度视为未知"
    )
    ip: IntellectualProperty = Field(default_factory=cache(IntellectualProperty), title="知识产权")
    certifications: Certifications = Field(default_factory=cache(Certifications), title="资质与评价")
    rd_institution: RDInstitution = Field(default_factory=cache(RDInstitution), title="研发机构")
    compliance: Compliance = Field(default_factory=cache(Compliance), title="合规情况")
    founder: Founder = Field(default_factory=cache(Founder), title="创始人（主要负责人）")
    achievements: Achievements = Field(default_factory=cache(Achievements), title="科技奖励与标准")
    hnte_self_assessment: HnteSelfAssessment = Field(
        default_factory=cache(HnteSelfAssessment), title="高企创新能力自评"
    )
    cooperation: Cooperation = Field(default_factory=cache(Cooperation), title="产学研合作")
    capital: Capital = Field(default_factory=cache(Capital), title="资本市场与估值")
    startup_loan: StartupLoan = Field(default_factory=cache(StartupLoan), title="创业担保贷款")
    talent: Talent = Field(default_factory=cache(Talent), title="人才引进")

    @field_validator("uscc")
    @classmethod
    def _valid_uscc(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().upper()
        problem = uscc_problem(value)
        if problem:
            raise refusal("uscc_check_digit" if len(value) == 18 and set(value) <= set(USCC_CHARSET) else "uscc_format", problem)
        return value

    @field_validator("st_staff")
    @classmethod
    def _st_within_total(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        total = info.data.get("staff_total")
        if value is not None and total is not None and value > total:
            raise refusal(
                "st_staff_within_staff",
                f"科技人员数 {value} 超过职工总数 {total} (S&T staff exceeds total staff)"
            )
        return value

    @field_validator("financials")
    @classmethod
    def _unique_years(cls, value: list[FiscalYear]) -> list[FiscalYear]:
        years = [fy.year for fy in value]
        if len(set(years)) < len(years):
            dupes = sorted({y for y in years if years.count(y) > 1})
            raise refusal("unique_years", f"年度重复：{dupes} (duplicate fiscal years)")
        return value if years == sorted(years) else sorted(value, key=lambda fy: fy.year)  # (most come in order)

    def year(self, year: int) -> FiscalYear | None:
        """The figures of one fiscal year, or None if not given."""
        for fy in self.financials:
            if fy.year == year:
                return fy
        return None


def profile_json_schema() -> dict[str, Any]:
    """The profile's JSON Schema (draft 2020-12), with Chinese titles, for a portal's form."""
    return EnterpriseProfile.model_json_schema()
