"""Views of a report sized for their use: ``summary`` for a result page (one language,
a few kilobytes), ``report`` (everything, each derived rule's explanation and each
assumption stored once and referred to by id) and ``full`` (the :class:`Report` as is).

::

    from eligibility import evaluate, evaluate_view, report_view

    page = report_view(evaluate(profile), "summary", lang="zh")   # SummaryReport
    page = evaluate_view(profile, "summary", lang="zh")           # the same, without the full report
    page.model_dump_json()
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from ._catalogue import Catalogue
from ._evaluate import Detail, Evaluation, Prepared, as_profile, evaluate, prepared_for, run, supports_of
from ._fields import field_label
from ._record import Record
from ._render import failed_conditions, gap_text
from .report import Assumption, ConditionResult, Gap, GapKind, Node, Report, SupportResult, Verdict
from ._text import Lang
from .profile import EnterpriseProfile

ViewName = Literal["summary", "report", "full"]
VIEWS: tuple[ViewName, ...] = get_args(ViewName)


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- summary ----------------------------------------------------------------------------


class SupportSummary(_View):
    """One support's verdict, as a result page shows it."""

    id: str = Field(description="the support's id (see /rules/{id})")
    name: str = Field(description="the support's name")
    verdict: Verdict
    department: str | None = Field(None, description="the department that handles the application")
    missing_fields: list[str] = Field(
        default_factory=list, description="for 'needs information': the profile fields that decide it (labels in `labels`)"
    )
    reason: str | None = Field(None, description="for 'not eligible': the first condition not met, with the enterprise's value")
    gap: str | None = Field(None, description="for 'not eligible': the first change that would meet it")
    changes_on: date | None = Field(None, description="the date on which the verdict changes by time alone")
    changes_to: Verdict | None = Field(None, description="the verdict from changes_on")
    assumed: bool = Field(False, description="the verdict rests on a parameter value no official text gives")


class SummaryReport(_View):
    """What a result page needs: verdicts, names, missing fields, the first reason and gap,
    the department and the date a verdict changes, in one language. Fields at their default
    value are left out of its JSON."""

    record: Record
    enterprise: str
    uscc: str | None = None
    lang: Lang
    counts: dict[Verdict, int] = Field(description="how many supports have each verdict")
    labels: dict[str, str] = Field(description="each missing field's path -> its label in `lang`")
    supports: list[SupportSummary] = Field(description="every support in force, in report order")


def summarise(report: Report, lang: Lang = "zh") -> SummaryReport:
    """The summary view of ``report`` in one language."""
    return _summary(report.record, report.enterprise, report.uscc, report.supports, [s.explanation for s in report.supports], lang)


def summary_of(prepared: Prepared, evaluation: Evaluation, lang: Lang = "zh") -> SummaryReport:
    """The summary view of an evaluation at :attr:`Detail.summary` (or more): the same as
    ``summarise(report_of(prepared, evaluation), lang)``, made from the supports' results
    alone, only those not met explained."""
    results = supports_of(prepared, evaluation)
    trees: list[ConditionResult | Node | None] = [evaluation.explanations.get(s.id) for s in results]
    return _summary(prepared.record, evaluation.enterprise, evaluation.uscc, results, trees, lang)


def _summary(
    record: Record,
    enterprise: str,
    uscc: str | None,
    results: list[SupportResult],
    trees: list[ConditionResult | Node | None],
    lang: Lang,
) -> SummaryReport:
    supports = [_support_summary(s, tree, lang) for s, tree in zip(results, trees)]
    fields = dict.fromkeys(f for s in supports for f in s.missing_fields)
    return SummaryReport(
        record=record,
        enterprise=enterprise,
        uscc=uscc,
        lang=lang,
        counts={v: sum(s.verdict is v for s in results) for v in Verdict},
        labels={f: field_label(f, lang) for f in fields},
        supports=supports,
    )


def _support_summary(s: SupportResult, explanation: ConditionResult | Node | None, lang: Lang) -> SupportSummary:
    """``s`` summarised; ``explanation``: its explanation, a model or plain data."""
    reason = gap = None
    if s.verdict is Verdict.not_eligible:
        reasons = failed_conditions(explanation, lang) if explanation is not None else []
        reason = reasons[0] if reasons else None
        gap = gap_text(s.gaps[0], lang) if s.gaps else None
    return SupportSummary(
        id=s.id,
        name=s.name(lang),
        verdict=s.verdict,
        department=s.department(lang) if s.department else None,
        missing_fields=list(s.missing_fields),
        reason=reason,
        gap=gap,
        changes_on=s.changes_on,
        changes_to=s.changes_to,
        assumed=bool(s.assumptions),
    )


# --- report ----------------------------------------------------------------------------


class SupportEntry(SupportResult):
    """A support's (or derived rule's) result without repetition: ``assumptions`` are ids of
    the report's ``assumptions``; a ``rule`` node of the explanation has no children (the
    derived rule's own explanation is in the report's ``derived``), nor has an ``obtain`` gap
    (that rule's gaps are in its ``derived`` entry)."""

    assumptions: list[str] = Field(  # type: ignore[assignment]
        default_factory=list, description="ids of the report's `assumptions` the verdict rests on"
    )


class CompactReport(_View):
    """The whole report, each derived rule's explanation and each assumption stored once.
    Fields at their default value are left out of its JSON."""

    record: Record
    enterprise: str
    uscc: str | None = None
    supports: list[SupportEntry]
    derived: list[SupportEntry] = Field(description="derived classifications, each with its explanation, by id")
    assumptions: dict[str, Assumption] = Field(description="parameter id -> the value used and how sure it is")


def compact(report: Report) -> CompactReport:
    """The report view of ``report``: nothing said twice."""
    assumptions: dict[str, Assumption] = {}
    for s in (*report.supports, *report.derived):
        for a in s.assumptions:
            assumptions.setdefault(a.parameter, a)
    return CompactReport(
        record=report.record,
        enterprise=report.enterprise,
        uscc=report.uscc,
        supports=[_entry(s) for s in report.supports],
        derived=[_entry(s) for s in report.derived],
        assumptions=assumptions,
    )


def _entry(s: SupportResult) -> SupportEntry:
    data = dict(s)
    data["assumptions"] = [a.parameter for a in s.assumptions]
    data["gaps"] = [_gap(g) for g in s.gaps]
    data["explanation"] = _node(s.explanation) if s.explanation is not None else None
    return SupportEntry.model_validate(data)


def _node(node: ConditionResult) -> ConditionResult:
    if node.kind != "rule" and not node.gaps and not node.children:
        return node  # a leaf without gaps is kept as it is
    children = [] if node.kind == "rule" else [_node(c) for c in node.children]
    return node.model_copy(update={"children": children, "gaps": [_gap(g) for g in node.gaps]})


def _gap(gap: Gap) -> Gap:
    if gap.kind is GapKind.obtain and gap.gaps:
        return gap.model_copy(update={"gaps": []})
    return gap


# --- choice -----------------------------------------------------------------------------


def report_view(report: Report, view: ViewName = "full", lang: Lang = "zh") -> SummaryReport | CompactReport | Report:
    """``report`` as the view names: ``summary`` (in ``lang``), ``report`` or ``full``."""
    if view == "summary":
        return summarise(report, lang)
    if view == "report":
        return compact(report)
    if view == "full":
        return report
    raise ValueError(f"unknown view {view!r}: one of {', '.join(VIEWS)}")


def view_json(report: Report, view: ViewName = "full", lang: Lang = "zh", indent: int | None = None) -> str:
    """The JSON of a view; ``summary`` and ``report`` leave out fields at their default
    (null, empty, false), as their schemas say."""
    return _json(report_view(report, view, lang), indent)


def evaluate_view(
    profile: EnterpriseProfile | dict[str, Any],
    view: ViewName = "summary",
    lang: Lang = "zh",
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
) -> SummaryReport | CompactReport | Report:
    """``report_view(evaluate(profile, ...), view, lang)``, for a portal: a summary is made
    without the full report (only the supports not met are explained)."""
    if view == "summary":
        prepared = prepared_for(catalogue, as_of)
        return summary_of(prepared, run(as_profile(profile), prepared, Detail.summary), lang)
    return report_view(evaluate(profile, as_of=as_of, catalogue=catalogue), view, lang)


def evaluate_view_json(
    profile: EnterpriseProfile | dict[str, Any],
    view: ViewName = "summary",
    lang: Lang = "zh",
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
    indent: int | None = None,
) -> str:
    """The JSON of :func:`evaluate_view`, as :func:`view_json` gives it."""
    return _json(evaluate_view(profile, view, lang, as_of=as_of, catalogue=catalogue), indent)


def _json(shown: SummaryReport | CompactReport | Report, indent: int | None) -> str:
    return shown.model_dump_json(indent=indent, exclude_defaults=not isinstance(shown, Report))
