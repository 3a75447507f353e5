"""Policy eligibility checker for 竹山经济开发区 (竹政办发〔2022〕26号).

::

    from eligibility import EnterpriseProfile, evaluate

    report = evaluate(EnterpriseProfile(name="竹山某新材料有限公司", ...))
    for support in report.supports:
        print(support.name.zh, support.verdict)

The supports are declarative rule data (``rules/``), evaluated on the durable-rules
engine. Everything a program uses is importable from here (``__all__``); the public
modules are this package, :mod:`eligibility.profile` (the profile's models),
:mod:`eligibility.report` (the report's models), :mod:`eligibility.errors`,
:mod:`eligibility.service` (the web service, ``serve`` extra) and :mod:`eligibility.authoring`
(tools for rule authors). Modules named with a leading underscore are internal and may
change in any release. The command line (``eligibility``, ``cli`` extra) is a separate
layer this package never imports.
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # the names _LAZY gives on first use, for type checkers and editors
    from ._catalogue import Catalogue
    from .errors import CaseError, EligibilityError, EngineError, Problem, ProfileError, RuleError, WorkerError
    from ._evaluate import evaluate, evaluate_verdicts, explain_support
    from ._fields import FieldSpec, FieldType
    from ._gaps import apply_gaps
    from ._loader import default_rules_dir, load_catalogue
    from .profile import (
        Achievements,
        Capital,
        Certifications,
        Compliance,
        Cooperation,
        EnterpriseProfile,
        FiscalYear,
        Founder,
        HighTechDomain,
        HnteSelfAssessment,
        IndustryChain,
        IntellectualProperty,
        KnowledgeValueGrade,
        ListingStatus,
        Ownership,
        Park,
        ProvincialPlatform,
        RDInstitution,
        RDInstitutionLevel,
        Sector,
        SizeClass,
        StartupLoan,
        Talent,
        profile_json_schema,
    )
    from ._profile_io import load_profile, parse_profile, read_data
    from ._record import Record, record_of
    from ._schema import Basis, Category, Certainty
    from ._text import Lang, Text
    from .report import (
        Assumption,
        CitationOut,
        ConditionResult,
        Gap,
        GapKind,
        LimitResult,
        Report,
        Status,
        SupportResult,
        Verdict,
    )
    from ._batch import evaluate_many, evaluate_partition, partition_columns
    from ._form_schema import form_json_schema
    from ._interview import Interview
    from ._questions import Question, next_questions
    from ._tabular import Row, iter_rows, read_rows
    from ._views import CompactReport, SummaryReport, SupportEntry, SupportSummary, ViewName, evaluate_view, evaluate_view_json, explain_support_json, report_view, view_json

_LAZY: dict[str, str] = {
    **dict.fromkeys(["Catalogue"], "._catalogue"),
    **dict.fromkeys(["CaseError", "EligibilityError", "EngineError", "Problem", "ProfileError", "RuleError", "WorkerError"], ".errors"),
    **dict.fromkeys(["evaluate", "evaluate_verdicts", "explain_support"], "._evaluate"),
    **dict.fromkeys(["FieldSpec", "FieldType"], "._fields"),
    **dict.fromkeys(["apply_gaps"], "._gaps"),
    **dict.fromkeys(["default_rules_dir", "load_catalogue"], "._loader"),
    **dict.fromkeys(
        [
            "Achievements", "Capital", "Certifications", "Compliance", "Cooperation", "EnterpriseProfile", "FiscalYear",
            "Founder", "HighTechDomain", "HnteSelfAssessment", "IndustryChain", "IntellectualProperty",
            "KnowledgeValueGrade", "ListingStatus", "Ownership", "Park", "ProvincialPlatform", "RDInstitution",
            "RDInstitutionLevel", "Sector", "SizeClass", "StartupLoan", "Talent", "profile_json_schema",
        ],
        ".profile",
    ),
    **dict.fromkeys(["load_profile", "parse_profile", "read_data"], "._profile_io"),
    **dict.fromkeys(["Record", "record_of"], "._record"),
    **dict.fromkeys(["Basis", "Category", "Certainty"], "._schema"),
    **dict.fromkeys(["Lang", "Text"], "._text"),
    **dict.fromkeys(
        ["Assumption", "CitationOut", "ConditionResult", "Gap", "GapKind", "LimitResult", "Report", "Status", "SupportResult", "Verdict"],
        ".report",
    ),
    **dict.fromkeys(["evaluate_many", "evaluate_partition", "partition_columns"], "._batch"),
    **dict.fromkeys(["form_json_schema"], "._form_schema"),
    **dict.fromkeys(["Interview"], "._interview"),
    **dict.fromkeys(["Question", "next_questions"], "._questions"),
    **dict.fromkeys(["Row", "iter_rows", "read_rows"], "._tabular"),
    **dict.fromkeys(["CompactReport", "SummaryReport", "SupportEntry", "SupportSummary", "ViewName", "evaluate_view", "evaluate_view_json", "explain_support_json", "report_view", "view_json"], "._views"),
}
"""Every public name, loaded on first use (PEP 562) from the module that defines it. ``import
eligibility`` itself loads nothing else: the command line (``eligibility.__main__``) is imported
through this package, and it sets up its start-up (the garbage collector paused, see there)
before the library's modules and their ~100 Pydantic models and dataclasses are made."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "__version__",
    # evaluating
    "evaluate",
    "evaluate_verdicts",
    "evaluate_view",
    "evaluate_view_json",
    "explain_support",
    "explain_support_json",
    "evaluate_many",
    "evaluate_partition",
    "partition_columns",
    "apply_gaps",
    "next_questions",
    "Interview",
    # the rules
    "Catalogue",
    "default_rules_dir",
    "load_catalogue",
    "record_of",
    # reading profiles
    "load_profile",
    "parse_profile",
    "read_data",
    "read_rows",
    "iter_rows",
    "Row",
    "profile_json_schema",
    "form_json_schema",
    # the profile's models
    "EnterpriseProfile",
    "FiscalYear",
    "Achievements",
    "Capital",
    "Certifications",
    "Compliance",
    "Cooperation",
    "Founder",
    "HnteSelfAssessment",
    "IntellectualProperty",
    "RDInstitution",
    "StartupLoan",
    "Talent",
    "HighTechDomain",
    "IndustryChain",
    "KnowledgeValueGrade",
    "ListingStatus",
    "Ownership",
    "Park",
    "ProvincialPlatform",
    "RDInstitutionLevel",
    "Sector",
    "SizeClass",
    # the report's models and views
    "Report",
    "SupportResult",
    "ConditionResult",
    "Gap",
    "GapKind",
    "Assumption",
    "CitationOut",
    "LimitResult",
    "Record",
    "Status",
    "Verdict",
    "Category",
    "Certainty",
    "Basis",
    "Text",
    "Lang",
    "SummaryReport",
    "SupportSummary",
    "CompactReport",
    "SupportEntry",
    "ViewName",
    "report_view",
    "view_json",
    # questions
    "Question",
    "FieldSpec",
    "FieldType",
    # errors
    "EligibilityError",
    "ProfileError",
    "RuleError",
    "CaseError",
    "EngineError",
    "WorkerError",
    "Problem",
]
