"""Facts: the named values rule conditions compare, built from a profile on a date.

Two kinds of fact exist, and rules refer to both by name:

* **profile facts**, one per scalar field of :class:`EnterpriseProfile`, named by its
  dotted path (``certifications.knowledge_value_grade``); derived from the model, so
  a new profile field is a new fact with no code here;
* **computed facts** (:data:`COMPUTED`): each a declarative formula of
  :mod:`eligibility._formulas` (the last fiscal year's figure, a sum or ratio over a
  window of years, whole years since a date, a points score, …) with its definition and
  the clause that defines it. ``eligibility rules facts`` lists them.

Every formula is compiled once, when this module is imported; computing facts for a
profile runs the compiled functions. A fact is unknown (``None``) when an input it needs
is unknown; the profile fields it was missing are recorded, so the report can name
exactly what to fill in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum, StrEnum
from functools import lru_cache
from operator import attrgetter
from typing import Any, NamedTuple

from ._formulas import (
    AverageGrowth,
    BestPoints,
    Compiled,
    Elapsed,
    EvaluationDate,
    EvaluationMonth,
    FactContext,
    Field,
    FieldRatio,
    Formula,
    GrowthFactor,
    GrowthPoints,
    LastYear,
    Lever,
    Points,
    PositiveEachYear,
    Ratio,
    RatioOverYears,
    SumOverYears,
    Total,
    YearsBetween,
    YearsSinceYear,
    YearStart,
    lookup,
    whole_years,
)
from ._dates import AS_OF
from ._fields import profile_fields, scalar_paths
from .profile import EnterpriseProfile, KnowledgeValueGrade, RDInstitutionLevel
from ._schema import Citation, ParameterValue
from ._text import Text, bi


class FactKind(StrEnum):
    number = "number"
    ratio = "ratio"
    bool = "bool"
    enum = "enum"
    ordinal = "ordinal"
    set = "set"
    date = "date"
    """A day (compared only by date conditions; the engine sees day numbers)."""



@dataclass(frozen=True)
class FactSpec:
    """What a fact is: its name, kind, label and the formula it is computed by."""

    name: str
    kind: FactKind
    label: Text
    formula: Formula
    unit: str | None = None
    choices: tuple[str, ...] = ()
    """Allowed values (enum, set), or ranks in ascending order (ordinal)."""
    decimals: int = 0
    """Decimal places the value may carry (staff counts: 2)."""
    enum: type[Enum] | None = None
    """The profile enum behind an enum, ordinal or set fact (for its value labels)."""
    definition: Text | None = None
    """What the fact means, in words (computed facts)."""
    cite: Citation | None = None
    """The clause that defines it (computed facts; None for the date of evaluation itself)."""
    params: tuple[str, ...] = ()
    """The points-table parameters the fact reads, its parts' included (filled in by the registry)."""
    fixed: bool = False
    """The enterprise cannot change it by acting (who its founder is, its sector, growth already
    past): a condition on it that fails has no gap to close (a profile field's comes from its
    declaration, ``json_schema_extra={"fixed": True}``)."""

    @property
    def computed(self) -> bool:
        """A computed fact (not a profile field as it is)."""
        return not isinstance(self.formula, Field)

    @property
    def years_since(self) -> Elapsed | None:
        """How the fact moves with time alone: whole ``unit`` since the date at ``path``."""
        return self.formula if isinstance(self.formula, Elapsed) else None


class FactValue(NamedTuple):
    """A fact's value for one profile and date, with the inputs it lacked.

    (A named tuple: some eighty are made per evaluation.)"""

    value: Any
    missing: tuple[str, ...] = ()


# --- Profile facts, derived from the model ---------------------------------------------

ORDINALS: dict[type[Enum], tuple[str, ...]] = {
    # Ascending. A grade that was never given ranks below every grade.
    KnowledgeValueGrade: ("not_rated", "E", "D", "C", "B", "A"),
    RDInstitutionLevel: ("none", "enterprise", "county", "municipal", "provincial", "national"),
}


def _profile_facts() -> Iterator[FactSpec]:
    fields = profile_fields()
    for path in scalar_paths():
        f = fields[path]
        label = bi(f.title or path, path)
        kind, enum = f.kind, f.enum
        if kind == "bool":
            yield FactSpec(path, FactKind.bool, label, Field(path), fixed=f.fixed)
        elif kind == "date":
            yield FactSpec(path, FactKind.date, label, Field(path), fixed=f.fixed)
        elif kind == "enum" and enum is not None:
            if enum in ORDINALS:
                yield FactSpec(path, FactKind.ordinal, label, Field(path, "enum"), choices=ORDINALS[enum], enum=enum, fixed=f.fixed)
            else:
                yield FactSpec(path, FactKind.enum, label, Field(path, "enum"), choices=tuple(m.value for m in enum), enum=enum, fixed=f.fixed)
        elif kind == "enum_list" and enum is not None:
            yield FactSpec(path, FactKind.set, label, Field(path, "set"), choices=tuple(m.value for m in enum), enum=enum, fixed=f.fixed)
        elif kind == "int":
            yield FactSpec(path, FactKind.number, label, Field(path), unit=f.shape.unit, fixed=f.fixed)
        elif kind == "decimal":
            yield FactSpec(path, FactKind.number, label, Field(path), unit=f.shape.unit, decimals=2, fixed=f.fixed)


# --- Computed facts: the registry -------------------------------------------------------


def _cite(source: str, article: str) -> Citation:
    return Citation(source=source, article=article)



_RD = Lever(("rd_expense", "rd_expense_domestic"), False, bi("研发费用", "R&D expense"))

_DECLARED: tuple[FactSpec, ...] = (
    FactSpec(
        AS_OF,
        FactKind.date,
        bi("评估日期", "evaluation date"),
        EvaluationDate(),
        definition=bi("按哪一天有效的政策和数据评估（默认今天，可用 --as-of 指定）", "the day the criteria and figures are taken on (today unless --as-of says otherwise)"),
    ),
    FactSpec(
        "kxz_registration_year_start",
        FactKind.date,
        bi("科小入库登记年度首日", "1 January of the 科小 registration year"),
        YearStart("certifications.kxz_registration_year"),
        definition=bi("科技型中小企业入库登记编号所属年度的1月1日（编号有效期由此起算）", "1 January of the year of the tech-SME registration number (its validity runs from it)"),
        cite=_cite("kxz_validity_sichuan_2019", "入库登记编号至次年3月31日有效"),
    ),
    FactSpec(
        "years_since_registration",
        FactKind.number,
        bi("成立年限（整年）", "whole years since registration"),
        Elapsed("registration_date"),
        unit="年",
        definition=bi("自注册成立之日至评估日的整年数（周年日当天满一年）", "whole years from the registration date to the evaluation date (a year is complete on its anniversary)"),
        cite=_cite("gkfh_2016_32", "第十一条（一）企业申请认定时须注册成立一年以上"),
    ),
    FactSpec(
        "hnte_certificate_age",
        FactKind.number,
        bi("高企证书已满年数", "whole years since the HNTE certificate was issued"),
        Elapsed("certifications.hnte_issue_date"),
        unit="年",
        definition=bi("自高新技术企业证书颁发之日至评估日的整年数", "whole years from the issue of the HNTE certificate to the evaluation date"),
        cite=_cite("gkfh_2016_32", "第十四条 有效期为三年"),
    ),
    FactSpec(
        "years_since_founder_return",
        FactKind.number,
        bi("返乡已满年数", "whole years since the founder returned home"),
        Elapsed("founder.return_date"),
        unit="年",
        definition=bi("自创业者返乡之日至评估日的整年数", "whole years from the founder's return home to the evaluation date"),
        cite=_cite("ers_2021_36", "各类返乡创业人员5年内在本地首次创业办理注册登记"),
    ),
    FactSpec(
        "kxz_registration_age",
        FactKind.number,
        bi("科小入库编号距今年数", "years since the 科小 registration year"),
        YearsSinceYear("certifications.kxz_registration_year"),
        unit="年",
        definition=bi("评估日所在年度减去入库登记编号所属年度", "the year of the evaluation date less the year of the registration number"),
        cite=_cite("kxz_validity_torch_2019", "入库编号当年有效，每年重新填报"),
    ),
    FactSpec(
        "as_of_month",
        FactKind.number,
        bi("评估日期所在月份", "month of the evaluation date"),
        EvaluationMonth(),
        unit="月",
        definition=bi("评估日期所在的月份（1–12）", "the month (1–12) of the evaluation date"),
    ),
    FactSpec(
        "revenue_last_year",
        FactKind.number,
        bi("上年度营业收入", "operating revenue, last fiscal year"),
        LastYear("operating_revenue"),
        unit="元",
        definition=bi("评估日前最近一个已结束会计年度的营业收入（销售收入）", "operating (sales) revenue of the last fiscal year closed before the evaluation date"),
        cite=_cite("gkfh_2016_32", "第十一条（五）最近一年销售收入"),
    ),
    FactSpec(
        "main_business_revenue_last_year",
        FactKind.number,
        bi("上年度主营业务收入", "main-business revenue, last fiscal year"),
        LastYear("main_business_revenue"),
        unit="元",
        definition=bi("最近一个已结束会计年度的主营业务收入", "main-business revenue of the last closed fiscal year"),
        cite=_cite("nbs_size_standard", "规模以上工业：年主营业务收入2000万元及以上"),
    ),
    FactSpec(
        "total_assets_last_year",
        FactKind.number,
        bi("上年末资产总额", "total assets, end of last fiscal year"),
        LastYear("total_assets"),
        unit="元",
        definition=bi("最近一个已结束会计年度末的资产总额", "total assets at the end of the last closed fiscal year"),
        cite=_cite("gkfz_2017_115", "第六条（二）资产总额不超过2亿元"),
    ),
    FactSpec(
        "rd_expense_last_year",
        FactKind.number,
        bi("上年度研发费用", "R&D expense, last fiscal year"),
        LastYear("rd_expense"),
        unit="元",
        definition=bi("最近一个已结束会计年度的研发费用（加计扣除口径）", "R&D expense (super-deduction basis) of the last closed fiscal year"),
        cite=_cite("hubei_etc_2017_353", "年度研究与试验发展经费支出额不低于500万元（条款编号待核对）"),
    ),
    FactSpec(
        "net_profit_last_year",
        FactKind.number,
        bi("上年度净利润", "net profit, last fiscal year"),
        LastYear("net_profit"),
        unit="元",
        definition=bi("最近一个已结束会计年度的净利润（扣除非经常性损益前后孰低）", "net profit of the last closed fiscal year (the lower of before and after non-recurring items)"),
        cite=_cite("exchange_main_board_2024", "3.1.2（条款号凭记忆，待核对）"),
    ),
    FactSpec(
        "rd_intensity_3y",
        FactKind.ratio,
        bi("近三年研发费用占销售收入比例", "R&D expense / sales revenue, last three years"),
        RatioOverYears("rd_expense", "operating_revenue", 3, from_registration=True, lever=replace(_RD, noun=bi("近三年研发费用", "R&D expense over three years"))),
        definition=bi(
            "最近三个会计年度研发费用总额占同期销售收入总额的比例；成立不足三年的按实际经营年度计算（当年成立的无可计年度，不满足）",
            "R&D expense over the last three fiscal years / sales revenue over the same years; from the registration year if younger (none for one registered this year: not met)",
        ),
        cite=_cite("gkfh_2016_32", "第十一条（五）"),
    ),
    FactSpec(
        "rd_domestic_share_3y",
        FactKind.ratio,
        bi("近三年境内研发费用占比", "domestic share of R&D expense, last three years"),
        RatioOverYears(
            "rd_expense_domestic", "rd_expense", 3, from_registration=True, lever=Lever(("rd_expense_domestic", "rd_expense"), True, bi("境内研发费用", "domestic R&D expense"))
        ),
        definition=bi("同一期间在中国境内发生的研发费用占研发费用总额的比例", "R&D expense incurred in China / total R&D expense, over the same years"),
        cite=_cite("gkfh_2016_32", "第十一条（五）在中国境内发生的研究开发费用总额占全部研究开发费用总额的比例不低于60%"),
    ),
    FactSpec(
        "rd_intensity_last_year",
        FactKind.ratio,
        bi("上年度研发费用占销售收入比例", "R&D expense / sales revenue, last fiscal year"),
        RatioOverYears("rd_expense", "operating_revenue", lever=replace(_RD, noun=bi("上年度研发费用", "last year's R&D expense"))),
        definition=bi("最近一个已结束会计年度研发费用占当年销售收入的比例", "R&D expense / sales revenue of the last closed fiscal year"),
        cite=_cite("hubei_new_species", "瞪羚企业认定条件（第三方乱码页面，条款编号不详）"),
    ),
    FactSpec(
        "rd_to_cost_last_year",
        FactKind.ratio,
        bi("上年度研发费用占成本费用总额比例", "R&D expense / total cost and expense, last fiscal year"),
        RatioOverYears(
            "rd_expense",
            "total_cost_expense",
            lever=Lever(("rd_expense", "rd_expense_domestic", "total_cost_expense"), True, bi("上年度研发费用", "last year's R&D expense")),
        ),
        definition=bi("最近一个已结束会计年度研发费用占成本费用总额的比例（科小研发投入指标第二种算法）", "R&D expense / total cost and expense of the last closed fiscal year (the 科小 R&D indicator, second method)"),
        cite=_cite("gkfz_2017_115", "第七条 2. 研发投入指标 第二种算法"),
    ),
    FactSpec(
        "high_tech_revenue_share_last_year",
        FactKind.ratio,
        bi("上年度高新技术产品（服务）收入占同期总收入比例", "high-tech revenue / total income, last fiscal year"),
        RatioOverYears(
            "high_tech_revenue", "total_income", lever=Lever(("high_tech_revenue",), False, bi("上年度高新技术产品（服务）收入", "last year's high-tech revenue"))
        ),
        definition=bi("最近一年高新技术产品（服务）收入占同期总收入（收入总额减不征税收入）的比例", "high-tech product (service) revenue / total income (less non-taxable income), last fiscal year"),
        cite=_cite("gkfh_2016_32", "第十一条（六）近一年高新技术产品（服务）收入占企业同期总收入的比例不低于60%"),
    ),
    FactSpec(
        "st_staff_share",
        FactKind.ratio,
        bi("科技人员占职工总数比例", "S&T staff / total staff"),
        FieldRatio("st_staff", "staff_total", lever=Lever(("st_staff",), False, bi("科技人员", "S&T staff"), unit="人", kept=bi("职工总数不变", "same total staff"))),
        definition=bi("从事研发和相关技术创新活动的科技人员占企业当年职工总数的比例", "staff in R&D and related technical work / total staff of the year"),
        cite=_cite("gkfh_2016_32", "第十一条（四）科技人员占企业当年职工总数的比例不低于10%"),
    ),
    FactSpec(
        "revenue_growth_2y",
        FactKind.ratio,
        bi("近两年营业收入平均增长率", "average revenue growth, last two years"),
        AverageGrowth("operating_revenue"),
        fixed=True,  # growth over years already closed; no single change to propose
        definition=bi("最近三个会计年度营业收入的两年平均增长率 ½(第二年/第一年 + 第三年/第二年) − 1；基数为零时不可计", "average growth of revenue over the last two years, ½(y2/y1 + y3/y2) − 1; undefined on a zero base"),
        cite=_cite("hubei_new_species", "瞪羚企业认定条件（第三方乱码页面，条款编号不详）"),
    ),
    FactSpec(
        "total_profit_growth_2y",
        FactKind.ratio,
        bi("近两年利润总额平均增长率", "average total-profit growth, last two years"),
        AverageGrowth("total_profit", positive_base=True),
        definition=bi("利润总额的两年平均增长率（算法同营业收入）；基数为零或亏损时不可计", "average growth of total profit over two years (as for revenue); undefined on a zero or loss base"),
        cite=_cite("hubei_new_species", "瞪羚企业认定条件（第三方乱码页面，条款编号不详）"),
    ),
    FactSpec(
        "months_since_registration",
        FactKind.number,
        bi("成立已满月数", "whole months since registration"),
        Elapsed("registration_date", "months"),
        unit="月",
        definition=bi("自注册成立之日至评估日的整月数（月中同日满一月，无同日的取月末）", "whole months from the registration date to the evaluation date (a month is complete on the same day, or the month's last day)"),
        cite=_cite("cs_2019_13", "设立时间不超过5年（60个月）"),
    ),
    FactSpec(
        "years_from_return_to_registration",
        FactKind.number,
        bi("返乡至企业注册的整年数", "whole years from the founder's return to registration"),
        YearsBetween("founder.return_date", "registration_date"),
        unit="年",
        definition=bi("自创业者返乡之日至企业注册成立之日的整年数", "whole years from the founder's return home to the registration of the enterprise"),
        cite=_cite("ers_2021_36", "各类返乡创业人员5年内在本地首次创业办理注册登记"),
    ),
    FactSpec(
        "rd_institution_age",
        FactKind.number,
        bi("研发机构已运行年数", "whole years the R&D institution has been running"),
        Elapsed("rd_institution.established_date"),
        unit="年",
        definition=bi("自研发机构建立之日至评估日的整年数", "whole years from the establishment of the R&D institution to the evaluation date"),
        cite=_cite("hubei_etc_2017_353", "企业技术中心已运行一年以上（条款编号待核对）"),
    ),
    FactSpec(
        "net_profit_sum_3y",
        FactKind.number,
        bi("最近三年净利润累计", "net profit, sum of the last three years"),
        SumOverYears("net_profit", 3),
        unit="元",
        definition=bi("最近三个会计年度净利润之和（三年均须已知）", "net profit summed over the last three fiscal years (all three known)"),
        cite=_cite("exchange_main_board_2024", "3.1.2（条款号凭记忆，待核对）"),
    ),
    FactSpec(
        "net_profit_sum_2y",
        FactKind.number,
        bi("最近两年净利润累计", "net profit, sum of the last two years"),
        SumOverYears("net_profit", 2),
        unit="元",
        definition=bi("最近两个会计年度净利润之和", "net profit summed over the last two fiscal years"),
        cite=_cite("szse_chinext_2024", "2.1.2（条款号待核对）"),
    ),
    FactSpec(
        "net_profit_positive_3y",
        FactKind.bool,
        bi("最近三年净利润均为正", "net profit positive in each of the last three years"),
        PositiveEachYear("net_profit", 3),
        definition=bi("最近三个会计年度净利润是否每年均为正", "whether net profit was above zero in each of the last three fiscal years"),
        cite=_cite("exchange_main_board_2024", "3.1.2（条款号凭记忆，待核对）"),
    ),
    FactSpec(
        "net_profit_positive_2y",
        FactKind.bool,
        bi("最近两年净利润均为正", "net profit positive in each of the last two years"),
        PositiveEachYear("net_profit", 2),
        definition=bi("最近两个会计年度净利润是否每年均为正", "whether net profit was above zero in each of the last two fiscal years"),
        cite=_cite("szse_chinext_2024", "2.1.2（条款号待核对）"),
    ),
    FactSpec(
        "operating_cash_flow_sum_3y",
        FactKind.number,
        bi("最近三年经营活动现金流量净额累计", "operating cash flow, sum of the last three years"),
        SumOverYears("operating_cash_flow", 3),
        unit="元",
        definition=bi("最近三个会计年度经营活动产生的现金流量净额之和", "net operating cash flow summed over the last three fiscal years"),
        cite=_cite("exchange_main_board_2024", "3.1.2（条款号凭记忆，待核对）"),
    ),
    FactSpec(
        "revenue_sum_3y",
        FactKind.number,
        bi("最近三年营业收入累计", "operating revenue, sum of the last three years"),
        SumOverYears("operating_revenue", 3),
        unit="元",
        definition=bi("最近三个会计年度营业收入之和", "operating revenue summed over the last three fiscal years"),
        cite=_cite("exchange_main_board_2024", "3.1.2（条款号凭记忆，待核对）"),
    ),
    FactSpec(
        "rd_sum_3y",
        FactKind.number,
        bi("最近三年研发投入累计", "R&D expense, sum of the last three years"),
        SumOverYears("rd_expense", 3),
        unit="元",
        definition=bi("最近三个会计年度研发投入之和", "R&D expense summed over the last three fiscal years"),
        cite=_cite("csrc_star_attributes", "第一条"),
    ),
    FactSpec(
        "rd_to_revenue_sum_3y",
        FactKind.ratio,
        bi("最近三年累计研发投入占累计营业收入比例", "R&D / revenue, sums of the last three years"),
        RatioOverYears("rd_expense", "operating_revenue", 3),
        definition=bi("最近三个会计年度研发投入之和占营业收入之和的比例（不按成立年度截取）", "R&D expense over the last three fiscal years / revenue over the same years (not cut to the registration year)"),
        cite=_cite("csrc_star_attributes", "第一条"),
    ),
    FactSpec(
        "revenue_growth_factor_3y",
        FactKind.ratio,
        bi("最近一年营业收入为最近第三年的倍数", "latest revenue / revenue two years earlier"),
        GrowthFactor("operating_revenue"),
        definition=bi("最近一年营业收入除以最近第三年营业收入（三年复合增长率 g 即倍数 (1+g)²）", "latest revenue / revenue two years earlier (a three-year compound growth g is a factor of (1+g)²)"),
        cite=_cite("csrc_star_attributes", "第一条"),
    ),
    FactSpec(
        "new_hire_share",
        FactKind.ratio,
        bi("新招用符合条件人员占在职职工比例", "eligible new hires / current staff"),
        FieldRatio("startup_loan.new_target_group_hires", "staff_total"),
        definition=bi("新招用符合创业担保贷款条件人员数占现有在职职工人数的比例", "new hires of the loan's target groups / current staff"),
        cite=_cite("cj_2023_75", "申请前12个月内新招用符合条件人员占现有在职职工人数10%（超过100人的企业5%）"),
    ),
    FactSpec(
        "university_rd_staff_share",
        FactKind.ratio,
        bi("高校、院所研发人员占研发人员比例", "university staff / R&D staff of the institution"),
        FieldRatio("rd_institution.university_rd_staff", "rd_institution.rd_staff"),
        definition=bi("联合创新中心研发人员中来自高校、科研院所的人员所占比例", "staff from universities and institutes / R&D staff of the joint innovation centre"),
        cite=_cite("hubei_jic_notice", "研发人员不少于20人，其中高校院所人员占比不低于20%"),
    ),
    FactSpec(
        "kxz_st_staff_points",
        FactKind.number,
        bi("科小评价：科技人员指标得分", "科小 score: S&T staff points"),
        Points("kxz.st_staff_points", "st_staff_share"),
        unit="分",
        definition=bi("科技人员占职工总数比例按科技人员指标分档表所得分数", "the points of the S&T staff share in the S&T staff table"),
        cite=_cite("gkfz_2017_115", "第七条 1. 科技人员指标（满分20分）"),
    ),
    FactSpec(
        "kxz_rd_points",
        FactKind.number,
        bi("科小评价：研发投入指标得分（两种算法取高）", "科小 score: R&D points (the better of two ratios)"),
        BestPoints((("kxz.rd_revenue_points", "rd_intensity_last_year"), ("kxz.rd_cost_points", "rd_to_cost_last_year"))),
        unit="分",
        definition=bi(
            "研发费用占销售收入比例、占成本费用总额比例分别按两张分档表计分，取高者；一项未知而已知者未达满分时未知",
            "the better of the points of R&D / sales and of R&D / total cost in their tables; unknown while one is unknown and the other below the top",
        ),
        cite=_cite("gkfz_2017_115", "第七条 2. 研发投入指标（满分50分，两种算法取高）"),
    ),
    FactSpec(
        "kxz_ip_points",
        FactKind.number,
        bi("科小评价：科技成果指标得分", "科小 score: IP points"),
        BestPoints((("kxz.ip_class_i_points", "ip.class_i"), ("kxz.ip_class_ii_points", "ip.class_ii"))),
        unit="分",
        definition=bi("Ⅰ类、Ⅱ类知识产权数分别计分，取高者", "the better of the points of Class I and of Class II IP counts"),
        cite=_cite("gkfz_2017_115", "第七条 3. 科技成果指标（满分30分）"),
    ),
    FactSpec(
        "kxz_score",
        FactKind.number,
        bi("科小评价综合得分", "科小 evaluation score"),
        Total(("kxz_st_staff_points", "kxz_rd_points", "kxz_ip_points")),
        unit="分",
        definition=bi("科技人员、研发投入、科技成果三项指标得分之和", "S&T staff points + R&D points + IP points"),
        cite=_cite("gkfz_2017_115", "第六条（五）、第七条"),
    ),
    FactSpec(
        "hnte_growth_points",
        FactKind.number,
        bi("高企创新能力：企业成长性得分（按财务数据估算）", "HNTE score: growth points (from the figures)"),
        GrowthPoints("hnte.growth_points", (("total_assets", "total_liabilities"), ("operating_revenue", None))),
        unit="分",
        definition=bi(
            "净资产（资产总额−负债总额）增长率与销售收入增长率分别按成长性分档表计分之和；增长率 ½(第二年/第一年 + 第三年/第二年) − 1，第一年为零时取第三年/第二年 − 1，第二年为零或基数为负计0分",
            "points of net-asset growth (assets − liabilities) plus points of sales growth in the growth table; growth ½(y2/y1 + y3/y2) − 1, y3/y2 − 1 if year one is 0, 0 points if year two is 0 or a base negative",
        ),
        cite=_cite("gkfh_2016_195", "四、（四）企业成长性"),
    ),
    FactSpec(
        "hnte_innovation_score",
        FactKind.number,
        bi("高企创新能力评价总分（自评＋成长性）", "HNTE innovation-capability score (self-assessed parts + growth)"),
        Total(("hnte_self_assessment.ip_points", "hnte_self_assessment.transfer_points", "hnte_self_assessment.organisation_points", "hnte_growth_points")),
        unit="分",
        definition=bi("知识产权、科技成果转化能力、研究开发组织管理水平三项自评分与企业成长性得分之和", "self-assessed IP, transfer and organisation points + growth points"),
        cite=_cite("gkfh_2016_195", "四、企业创新能力评价"),
    ),
)

PROFILE_FACTS: tuple[FactSpec, ...] = tuple(_profile_facts())
"""The facts that are profile fields, as they are."""


def _with_tables(declared: tuple[FactSpec, ...], known: Mapping[str, FactSpec]) -> tuple[FactSpec, ...]:
    """The computed facts with the points tables each reads, through its parts too."""
    by_name = {**known, **{s.name: s for s in declared}}

    def tables(name: str) -> tuple[str, ...]:
        formula = by_name[name].formula
        found = list(formula.tables())
        for part in formula.facts():
            found += [t for t in tables(part) if t not in found]
        return tuple(found)

    return tuple(replace(spec, params=tables(spec.name)) for spec in declared)


COMPUTED: tuple[FactSpec, ...] = _with_tables(_DECLARED, {s.name: s for s in PROFILE_FACTS})
"""The computed facts: the registry of formulas, each with its definition and clause."""

FACTS: dict[str, FactSpec] = {spec.name: spec for spec in (*PROFILE_FACTS, *COMPUTED)}
"""Every fact a rule may name."""


def _compile_all(facts: Mapping[str, FactSpec]) -> dict[str, Compiled]:
    """Every fact's formula compiled once (a formula reading other facts gets theirs)."""
    compiled: dict[str, Compiled] = {}

    def resolve(name: str) -> Compiled:
        found = compiled.get(name)
        if found is None:
            found = compiled[name] = facts[name].formula.compile(resolve)
        return found

    for name in facts:
        resolve(name)
    return compiled


COMPILED: dict[str, Compiled] = _compile_all(FACTS)
"""Each fact's compiled formula: its value for a :class:`FactContext`."""
_SHARED = frozenset(part for spec in COMPUTED for part in spec.formula.facts())
"""Facts other formulas read (computed once per context, then shared)."""


# --- Computing facts for a profile ---------------------------------------------------------


def _enum_value(value: Any) -> Any:
    return value._value_  # (the member's value; ``.value`` is a slower descriptor)


def _enum_values(value: Any) -> Any:
    return frozenset([v._value_ for v in value])


_CONVERT: dict[str, Callable[[Any], Any]] = {"enum": _enum_value, "set": _enum_values}
"""A profile field's conversion (:attr:`Field.convert`), for reading many fields in one call."""


class FactPlan(NamedTuple):
    """How to compute some facts (:func:`fact_plan`)."""

    getter: Callable[[Any], Any] | None
    """Reads every profile field among the names in one call."""
    fields: tuple[str, ...]
    converts: tuple[tuple[int, str, Callable[[Any], Any]], ...]
    """(position, name, conversion) of the fields read as something else (an enum as its value)."""
    computed: tuple[tuple[str, Compiled, bool], ...]
    """The other facts: name, compiled formula, read by other formulas too (then shared)."""


@lru_cache(maxsize=64)
def fact_plan(names: tuple[str, ...]) -> FactPlan:
    """How to compute ``names``, worked out once: one getter for all the profile fields
    among them (one call per profile; no sub-model on the way can be None), with the
    conversions some need; then the other facts' compiled formulas."""
    fields = [n for n in names if isinstance(FACTS[n].formula, Field)]
    if len(fields) < 2:
        fields = []
    converts = []
    for i, name in enumerate(fields):
        convert = _CONVERT.get(FACTS[name].formula.convert)  # type: ignore[attr-defined]
        if convert is not None:
            converts.append((i, name, convert))
    rest = set(fields)
    computed = tuple((n, COMPILED[n], n in _SHARED) for n in names if n not in rest)
    return FactPlan(attrgetter(*fields) if fields else None, tuple(fields), tuple(converts), computed)


def compute_facts(
    profile: EnterpriseProfile,
    as_of: date,
    names: list[str],
    params: Mapping[str, ParameterValue],
) -> dict[str, FactValue]:
    """The named facts for ``profile`` on ``as_of``; ``params``: the parameter values in
    force then (scores read their points tables from them)."""
    out: dict[str, FactValue] = {}
    ctx = FactContext(profile, as_of, params=params)  # one context: profile lookups are cached
    fields, computed = _profile_fields(ctx, names)
    for name, value in fields.items():
        out[name] = FactValue(value, () if value is not None else (name,))
    missing = ctx.missing
    for name, run, shared in computed:
        value = ctx.shared(name, run) if shared else run(ctx)
        out[name] = FactValue(value, tuple(dict.fromkeys(missing)) if value is None else ())
        missing.clear()
    return {name: out[name] for name in names}


def _profile_fields(ctx: FactContext, names: list[str]) -> tuple[dict[str, Any], tuple[tuple[str, Compiled, bool], ...]]:
    """The profile fields among ``names`` as a dict of fact values, read in one call
    (the raw values kept in ``ctx`` for the computed facts), and the other facts' formulas."""
    plan = fact_plan(tuple(names))
    if plan.getter is None:
        return {}, plan.computed
    values = plan.getter(ctx.profile)
    raw = ctx._values = dict(zip(plan.fields, values))
    out = dict(raw)
    for i, name, convert in plan.converts:
        value = values[i]
        if value is not None:
            out[name] = convert(value)
    return out, plan.computed
