"""Views of a report sized for their use: ``summary`` for a result page (one language,
a few kilobytes), ``report`` (everything, each derived rule's explanation and each
assumption stored once and referred to by id) and ``full`` (the :class:`Report` as is).

::

    from eligibility import evaluate, report_view

    page = report_view(evaluate(profile), "summary", lang="zh")   # SummaryReport
    page.model_dump_json()
"""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from ._fields import field_label
from ._record import Record
from ._render import failed_conditions, gap_text
from .report import Assumption, ConditionResult, Gap, GapKind, Report, SupportResult, Verdict
from ._text import Lang

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
    supports = [_support_summary(s, lang) for s in report.supports]
    fields = dict.fromkeys(f for s in supports for f in s.missing_fields)
    return SummaryReport(
        record=report.record,
        enterprise=report.enterprise,
        uscc=report.uscc,
        lang=lang,
        counts={v: sum(s.verdict is v for s in report.supports) for v in Verdict},
        labels={f: field_label(f, lang) for f in fields},
        supports=supports,
    )


def _support_summary(s: SupportResult, lang: Lang) -> SupportSummary:
    reason = gap = None
    if s.verdict is Verdict.not_eligible:
        reasons = failed_conditions(s.explanation, lang) if s.explanation is not None else []
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


# Copies made without validation (the parts come from a report already built).
_make_entry = SupportEntry.maker()
_make_node = ConditionResult.maker()
_make_gap = Gap.maker()


def _entry(s: SupportResult) -> SupportEntry:
    data = dict(s.__dict__)
    data["assumptions"] = [a.parameter for a in s.assumptions]
    data["gaps"] = [_gap(g) for g in s.gaps]
    data["explanation"] = _node(s.explanation) if s.explanation is not None else None
    return _make_entry(data)


def _node(node: ConditionResult) -> ConditionResult:
    if node.kind != "rule" and not node.gaps and not node.children:
        return node  # a leaf without gaps is kept as it is
    data = dict(node.__dict__)
    data["children"] = [] if node.kind == "rule" else [_node(c) for c in node.children]
    data["gaps"] = [_gap(g) for g in node.gaps]
    return _make_node(data)


def _gap(gap: Gap) -> Gap:
    if gap.kind is GapKind.obtain and gap.gaps:
        return _make_gap({**gap.__dict__, "gaps": []})
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
    return report_view(report, view, lang).model_dump_json(indent=indent, exclude_defaults=view != "full")
