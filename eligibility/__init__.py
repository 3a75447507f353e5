"""Policy eligibility checker for 竹山经济开发区 (竹政办发〔2022〕26号).

::

    from eligibility import EnterpriseProfile, evaluate

    report = evaluate(EnterpriseProfile(name="竹山某新材料有限公司", ...))
    for support in report.supports:
        print(support.name.zh, support.verdict)

The supports are declarative rule data (``rules/``), evaluated on the durable-rules
engine. The command line (``eligibility``) is a separate layer this package never
imports.
"""

from ._version import __version__
from ._batch import evaluate_many, evaluate_partition, partition_columns
from ._catalogue import Catalogue
from .errors import CaseError, EligibilityError, EngineError, Problem, ProfileError, RuleError
from ._evaluate import evaluate, evaluate_verdicts, explain_support
from ._form_schema import form_json_schema
from ._gaps import apply_gaps
from ._loader import default_rules_dir, load_catalogue
from .profile import EnterpriseProfile, FiscalYear, profile_json_schema
from ._profile_io import load_profile, parse_profile
from ._questions import Question, next_questions
from ._record import Record, record_of
from ._views import CompactReport, SummaryReport, ViewName, report_view, view_json
from .report import ConditionResult, Gap, GapKind, Report, Status, SupportResult, Verdict

__all__ = [
    "__version__",
    "CaseError",
    "Catalogue",
    "CompactReport",
    "ConditionResult",
    "EligibilityError",
    "EngineError",
    "EnterpriseProfile",
    "FiscalYear",
    "Gap",
    "GapKind",
    "Problem",
    "ProfileError",
    "Question",
    "Record",
    "Report",
    "RuleError",
    "Status",
    "SummaryReport",
    "SupportResult",
    "Verdict",
    "ViewName",
    "apply_gaps",
    "default_rules_dir",
    "evaluate",
    "evaluate_many",
    "evaluate_partition",
    "evaluate_verdicts",
    "explain_support",
    "form_json_schema",
    "load_catalogue",
    "load_profile",
    "next_questions",
    "parse_profile",
    "partition_columns",
    "profile_json_schema",
    "record_of",
    "report_view",
    "view_json",
]
