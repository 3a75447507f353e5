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

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

import orjson
from pydantic import BaseModel, ConfigDict, Field

from ._catalogue import Catalogue
from ._evaluate import VERDICT, Detail, Evaluation, Prepared, as_profile, evaluate, explained_alone, prepared_for, run
from ._fields import field_label
from ._record import Record
from ._semantics import Truth
from ._render import condition_line, first_failed, gap_text
from ._report_json import report_json, support_json
from ._explain import Shared
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
    rows = []
    for s in report.supports:
        unmet = s.verdict is Verdict.not_eligible
        reason = first_failed(s.explanation) if unmet and s.explanation is not None else None
        rows.append(
            _support_row(
                s.id,
                s.name(lang),
                s.verdict.value,
                s.department(lang) if s.department is not None else None,
                s.missing_fields,
                condition_line(reason, lang, full=False) if reason is not None else None,
                gap_text(s.gaps[0], lang) if unmet and s.gaps else None,
                s.changes_on,
                s.changes_to.value if s.changes_to is not None else None,
                bool(s.assumptions),
            )
        )
    return SummaryReport.model_validate(_summary_data(report.record.model_dump(mode="json"), report.enterprise, report.uscc, rows, lang))


def summary_of(prepared: Prepared, evaluation: Evaluation, lang: Lang = "zh") -> SummaryReport:
    """The summary view of an evaluation at :attr:`Detail.summary` (or more): the same as
    ``summarise(report_of(prepared, evaluation), lang)``, made from plain data, only the
    supports not met explained."""
    return SummaryReport.model_validate(summary_data(prepared, evaluation, lang))


def summary_data(prepared: Prepared, evaluation: Evaluation, lang: Lang = "zh") -> dict[str, Any]:
    """:func:`summary_of` as plain data: what its model validates from, and what its JSON
    (fields at their default left out) is dumped from, without building a model. Reads the
    evaluation's parts at :attr:`Detail.summary`: verdicts, missing fields, each support not
    met's first reason and gap, the time changes."""
    record, heads = _heads(prepared, lang)
    outcomes, missing, firsts, flips = evaluation.outcomes, evaluation.missing, evaluation.firsts, evaluation.flips
    rows = []
    for rid, name, department, assumed in heads:
        met = outcomes.get(rid)
        reason, gap = firsts.get(rid, _NO_FIRSTS) if met is False else _NO_FIRSTS
        flip = flips.get(rid)
        rows.append(
            _support_row(
                rid,
                name,
                _VERDICT_VALUE[met],
                department,
                missing.get(rid, ()) if met is None else (),
                _reason_text(reason, lang) if reason is not None else None,
                gap_text(gap, lang) if gap is not None else None,
                flip[0] if flip is not None else None,
                _VERDICT_VALUE[flip[1]] if flip is not None else None,
                assumed,
            )
        )
    return _summary_data(dict(record), evaluation.enterprise, evaluation.uscc, rows, lang)


_VERDICT_VALUE: dict[Truth, str] = {truth: verdict.value for truth, verdict in VERDICT.items()}
_VERDICT_VALUES = tuple(v.value for v in Verdict)
_NO_FIRSTS: tuple[None, None] = (None, None)
_HEADS: dict[tuple[int, Lang], tuple[Prepared, dict[str, Any], list[tuple[str, str, str | None, bool]]]] = {}
_MAX_HEADS = 128


def _heads(prepared: Prepared, lang: Lang) -> tuple[dict[str, Any], list[tuple[str, str, str | None, bool]]]:
    """A view's record as JSON data, and what each support's summary row starts with in
    ``lang`` (id, name, department, whether it rests on an assumption), in report order:
    the same for every summary, worked out once."""
    key = (id(prepared), lang)
    found = _HEADS.get(key)
    if found is None or found[0] is not prepared:  # kept with its view: an id is reused once its object is gone
        if len(_HEADS) >= _MAX_HEADS:
            _HEADS.clear()
        heads = [
            (rid, s["name"](lang), s["department"](lang) if s["department"] is not None else None, bool(s["assumptions"]))
            for rid in prepared.supports
            for s in (prepared.prototypes[rid],)
        ]
        found = _HEADS[key] = (prepared, prepared.record.model_dump(mode="json"), heads)
    return found[1], found[2]


def _reason_text(node: Node, lang: Lang) -> str:
    """A reason in words; a shared node's (a choice's comparison, a yes/no, a group's label:
    the same for many enterprises) worded once."""
    if type(node) is not Shared:
        return condition_line(node, lang, full=False)
    key = (id(node), lang)
    found = _REASONS.get(key)
    if found is None or found[0] is not node:  # kept with its node: an id is reused once its object is gone
        if len(_REASONS) >= _MAX_REASONS:
            _REASONS.clear()
        found = _REASONS[key] = (node, condition_line(node, lang, full=False))
    return found[1]


_REASONS: dict[tuple[int, Lang], tuple[Node, str]] = {}
_MAX_REASONS = 20_000


def _summary_data(record: dict[str, Any], enterprise: str, uscc: str | None, rows: list[dict[str, Any]], lang: Lang) -> dict[str, Any]:
    """A :class:`SummaryReport` as JSON data, in its fields' order, those at their default left out."""
    data: dict[str, Any] = {"record": record, "enterprise": enterprise}
    if uscc is not None:
        data["uscc"] = uscc
    data["lang"] = lang
    verdicts = [row["verdict"] for row in rows]
    data["counts"] = {v: verdicts.count(v) for v in _VERDICT_VALUES}
    fields = dict.fromkeys(f for row in rows for f in row.get("missing_fields", ()))
    data["labels"] = {f: field_label(f, lang) for f in fields}
    data["supports"] = rows
    return data


def _support_row(
    rid: str,
    name: str,
    verdict: str,
    department: str | None,
    missing: Sequence[str],
    reason: str | None,
    gap: str | None,
    changes_on: date | None,
    changes_to: str | None,
    assumed: bool,
) -> dict[str, Any]:
    """A :class:`SupportSummary` as JSON data, its texts in one language (fields at their
    default left out): ``reason`` and ``gap``, a support not met's first condition not met
    and first gap, in words."""
    row: dict[str, Any] = {"id": rid, "name": name, "verdict": verdict}
    if department is not None:
        row["department"] = department
    if missing:
        row["missing_fields"] = list(missing)
    if reason is not None:
        row["reason"] = reason
    if gap is not None:
        row["gap"] = gap
    if changes_on is not None:
        row["changes_on"] = changes_on.isoformat()
    if changes_to is not None:
        row["changes_to"] = changes_to
    if assumed:
        row["assumed"] = True
    return row


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
    """The JSON of :func:`evaluate_view`, as :func:`view_json` gives it (a summary's from
    plain data, no model made; the full report's written straight from the evaluation's plain
    data, no report's models made)."""
    if view == "summary":
        prepared = prepared_for(catalogue, as_of)
        return summary_json(summary_data(prepared, run(as_profile(profile), prepared, Detail.summary), lang), indent)
    if view == "full" and indent is None:
        prepared = prepared_for(catalogue, as_of)
        return report_json(prepared, run(as_profile(profile), prepared, Detail.explained))
    return _json(evaluate_view(profile, view, lang, as_of=as_of, catalogue=catalogue), indent)


def summary_json(data: dict[str, Any], indent: int | None = None) -> str:
    """The JSON of a summary's plain data (:func:`summary_data`): byte for byte the
    :class:`SummaryReport`'s ``model_dump_json(indent=indent, exclude_defaults=True)``
    (UTF-8 text unescaped, no spaces, as pydantic writes it; compact by orjson, which writes
    it so, several times faster than ``json``)."""
    if indent is None:
        try:
            return orjson.dumps(data).decode()
        except orjson.JSONEncodeError:  # text orjson refuses (a lone surrogate): as json writes it
            return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(data, ensure_ascii=False, indent=indent)


def explain_support_json(
    profile: EnterpriseProfile | dict[str, Any],
    rule_id: str,
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
) -> str:
    """``explain_support(profile, rule_id, ...).model_dump_json()``, written straight from
    the evaluation's plain data (no result's models made): for a page that asks for one
    support's explanation as JSON. ``KeyError`` if no rule ``rule_id`` is in force on ``as_of``."""
    prepared, evaluation = explained_alone(profile, rule_id, as_of, catalogue)
    return support_json(prepared, evaluation, rule_id)


def _json(shown: SummaryReport | CompactReport | Report, indent: int | None) -> str:
    return shown.model_dump_json(indent=indent, exclude_defaults=not isinstance(shown, Report))
