"""Next questions: which unknown fields decide the most still-open supports.

An interview (the CLI) or a portal's dynamic form asks only these, in order, and
re-evaluates after each answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ._catalogue import Catalogue
from ._evaluate import evaluate
from ._fields import FieldSpec, field_spec
from .profile import EnterpriseProfile
from .report import Report, Verdict


@dataclass(frozen=True)
class Question:
    """An unknown field and the open supports whose verdict it helps decide."""

    field: FieldSpec
    decides: tuple[str, ...] = ()


def questions_from(report: Report) -> list[Question]:
    """The unknown fields of a report, those deciding the most open supports first."""
    counts: dict[str, list[str]] = {}
    for s in report.supports:
        if s.verdict is Verdict.needs_information:
            for f in s.missing_fields:
                counts.setdefault(f, []).append(s.id)
    order = {f: i for i, f in enumerate(counts)}
    ranked = sorted(counts, key=lambda f: (-len(counts[f]), order[f]))
    return [Question(field_spec(f), tuple(counts[f])) for f in ranked]


def next_questions(
    profile: EnterpriseProfile | dict[str, Any],
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
    limit: int | None = None,
) -> list[Question]:
    """The unknown fields that would decide the most still-open supports, in order.

    A field is counted for every support that is "needs information" and names it
    among the fields that decide it; ties keep the catalogue's order. The verdicts and
    missing fields are those of the full report, without its explanations.
    """
    report = evaluate(profile, as_of=as_of, catalogue=catalogue, explain=False)
    found = questions_from(report)
    return found if limit is None else found[:limit]
