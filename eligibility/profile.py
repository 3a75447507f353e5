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
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from .uscc import uscc_problem

MAX_AMOUNT = 10**13
"""Upper bound on any single amount (10万亿 yuan): keeps engine arithmetic exact in int64."""


def _not_future(value: date) -> date:
    if value > date.today():
        raise ValueError(f"日期 {value.isoformat()} 晚于今天 (date is in the future)")
    return value


PastDate = Annotated[date, AfterValidator(_not_future)]
Yuan = Annotated[int, Field(ge=0, le=MAX_AMOUNT, json_schema_extra={"unit": "元"})]
SignedYuan = Annotated[int, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, json_schema_extra={"unit": "元"})]
Persons = Annotated[
    Decimal, Field(ge=0, le=10_000_000, decimal_places=2, json_schema_extra={"unit": "人"})
]
Count = Annotated[int, Field(ge=0, le=1_000_000, json_schema_extra={"unit": "项"})]


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
    private = "private"
    state_owned = "state_owned"
    mixed = "mixed"
    foreign = "foreign"


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
    operating_cash_flow: SignedYuan | None = Field(
        None, title="经营活动现金流量净额", description="单位：元，可为负"
    )

    @field_validator("year")
    @classmethod
    def _year_not_future(cls, value: int) -> int:
        if value > date.today().year:
            raise ValueError(f"年度 {value} 晚于今年 (year is in the future)")
        return value

    @field_validator("high_tech_revenue")
    @classmethod
    def _ht_within_revenue(cls, value: int | None, info: ValidationInfo) -> int | None:
        total = info.data.get("operating_revenue")
        if value is not None and total is not None and value > total:
            raise ValueError(
                f"高新技术产品收入 {value} 元超过营业收入 {total} 元 "
                "(high-tech revenue exceeds operating revenue)"
            )
        return value

    @field_validator("rd_expense_domestic")
    @classmethod
    def _domestic_within_rd(cls, value: int | None, info: ValidationInfo) -> int | None:
        total = info.data.get("rd_expense")
        if value is not None and total is not None and value > total:
            raise ValueError(
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


class Compliance(_Model):
    """Incidents and lists that bar most supports."""

    major_incident_last_year: bool | None = Field(
        None, title="近一年发生重大安全、重大质量事故或严重环境违法行为"
    )
    on_dishonesty_list: bool | None = Field(
        None, title="列入经营异常名录或严重违法失信名单"
    )


class Founder(_Model):
    """The founder or main person in charge (for talent and returnee supports)."""

    is_returnee: bool | None = Field(
        None, title="返乡创业人员", description="户籍在竹山、曾在外务工经商后返乡创业"
    )
    return_date: PastDate | None = Field(None, title="返乡日期")
    hukou_in_county: bool | None = Field(None, title="户籍在竹山县")
    first_business: bool | None = Field(None, title="首次在本地创业")
    high_level_talent: bool | None = Field(
        None, title="高层次人才", description="如国家、省级人才计划入选者，博士或正高级职称"
    )
    scarce_skilled_talent: bool | None = Field(
        None, title="紧缺技能人才", description="高级技师、技师等紧缺技能人才"
    )


# --- The profile --------------------------------------------------------------------


class EnterpriseProfile(_Model):
    """An enterprise, as it describes itself to the checker.

    Every field except ``name`` may be left unknown (``None``).
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
    ownership: Ownership | None = Field(None, title="所有制类型")
    sector: Sector | None = Field(None, title="所属行业门类", description="按统计口径归类，用于规上/限上判断")
    high_tech_domain: HighTechDomain | None = Field(
        None, title="核心技术所属高新技术领域", description="《国家重点支持的高新技术领域》八大领域之一，或 none"
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
    listing_status: ListingStatus | None = Field(None, title="上市挂牌状态")
    staff_total: Persons | None = Field(None, title="职工总数", description="上一年度月平均人数的年平均，单位：人")
    st_staff: Persons | None = Field(
        None, title="科技人员数", description="直接从事研发和相关技术创新活动的人员，单位：人，不超过职工总数"
    )
    financials: list[FiscalYear] = Field(
        default_factory=list, title="近年财务数据", description="每个会计年度一行；缺少的年度视为未知"
    )
    ip: IntellectualProperty = Field(default_factory=IntellectualProperty, title="知识产权")
    certifications: Certifications = Field(default_factory=Certifications, title="资质与评价")
    rd_institution: RDInstitution = Field(default_factory=RDInstitution, title="研发机构")
    compliance: Compliance = Field(default_factory=Compliance, title="合规情况")
    founder: Founder = Field(default_factory=Founder, title="创始人（主要负责人）")

    @field_validator("uscc")
    @classmethod
    def _valid_uscc(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().upper()
        problem = uscc_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("st_staff")
    @classmethod
    def _st_within_total(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        total = info.data.get("staff_total")
        if value is not None and total is not None and value > total:
            raise ValueError(
                f"科技人员数 {value} 超过职工总数 {total} (S&T staff exceeds total staff)"
            )
        return value

    @field_validator("financials")
    @classmethod
    def _unique_years(cls, value: list[FiscalYear]) -> list[FiscalYear]:
        years = [fy.year for fy in value]
        dupes = sorted({y for y in years if years.count(y) > 1})
        if dupes:
            raise ValueError(f"年度重复：{dupes} (duplicate fiscal years)")
        return sorted(value, key=lambda fy: fy.year)

    def year(self, year: int) -> FiscalYear | None:
        """The figures of one fiscal year, or None if not given."""
        for fy in self.financials:
            if fy.year == year:
                return fy
        return None


def profile_json_schema() -> dict[str, Any]:
    """The profile's JSON Schema (draft 2020-12), with Chinese titles, for a portal's form."""
    return EnterpriseProfile.model_json_schema()
