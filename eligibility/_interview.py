"""An interview: ask only the questions that decide open supports, one at a time.

The state behind ``eligibility interview`` (and any other front end: a chat, a kiosk).
It holds the profile data answered so far, re-evaluates after each answer and says which
verdicts settled. Asking and printing are the caller's business; nothing here reads a
terminal.

::

    iv = Interview({"name": "竹山某公司"}, as_of=date(2026, 11, 25))
    while (q := iv.next_question()) is not None:
        settled = iv.answer(q.field.path, input(prompt_text(q.field)))   # CellError / ProfileError: ask again
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from ._catalogue import Catalogue
from .errors import ProfileError
from ._evaluate import evaluate
from ._loader import load_catalogue
from ._profile_io import parse_profile
from ._fields import FieldSpec, field_spec, set_field
from ._questions import Question, questions_from
from .report import Report, SupportResult, Verdict
from ._tabular import CellError, parse_value
from ._text import Lang, Text

SKIP = frozenset({"", "?", "？"})
"""Answers that leave a field unknown and move on."""
STOP = frozenset({"q", "quit", "exit", "结束", "退出"})
"""Answers that end the interview."""


class Interview:
    """Profile data being filled in by questions, and the report on it so far."""

    def __init__(
        self,
        data: dict[str, Any],
        *,
        as_of: date | None = None,
        catalogue: Catalogue | str | Path | None = None,
    ) -> None:
        self.data = dict(data)
        self.as_of = as_of or date.today()
        self.catalogue = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
        self.skipped: set[str] = set()
        self.answered: list[str] = []
        self.report: Report = evaluate(self.data, as_of=self.as_of, catalogue=self.catalogue)

    def questions(self) -> list[Question]:
        """The questions still worth asking, most decisive first (skipped fields left out)."""
        return [q for q in questions_from(self.report) if q.field.path not in self.skipped]

    def next_question(self) -> Question | None:
        """The next question, or None when no open support depends on an unasked field."""
        found = self.questions()
        return found[0] if found else None

    def skip(self, path: str) -> None:
        """Leave a field unknown and do not ask it again."""
        self.skipped.add(path)

    def answer(self, path: str, text: Any, spec: FieldSpec | None = None) -> list[SupportResult]:
        """Record an answer; returns the supports whose verdict it settled or changed.

        Raises :class:`CellError` (not the field's type) or :class:`ProfileError` (out of
        range, inconsistent with another answer, or ``path`` names no field); nothing is
        recorded then.
        """
        spec = spec or field_spec(path)
        value = parse_answer(spec, text)
        if value is None:
            raise CellError("请回答，或输入 ? 跳过 (answer, or ? to skip)")
        data = set_field(self.data, path, value)
        parse_profile(data)  # ProfileError names the field
        before = {s.id: s.verdict for s in self.report.supports}
        self.data = data
        self.answered.append(path)
        self.report = evaluate(self.data, as_of=self.as_of, catalogue=self.catalogue)
        return [s for s in self.report.supports if before.get(s.id) is not s.verdict]

    def settled(self) -> list[SupportResult]:
        """The supports whose verdict is known (eligible or not)."""
        return [s for s in self.report.supports if s.verdict is not Verdict.needs_information]


def parse_answer(spec: FieldSpec, text: Any) -> Any:
    """A typed answer as the field's JSON value; choices may also be given by number (1, 2 ...)."""
    if spec.type in ("enum", "enum_list") and isinstance(text, str):
        parts = [p for p in re.split(r"[\s;；、,，]+", text.strip()) if p]
        if parts and all(p.isdigit() for p in parts):
            picked = []
            for p in parts:
                n = int(p)
                if not 1 <= n <= len(spec.choices):
                    raise CellError(f"请输入 1 到 {len(spec.choices)} 之间的编号 (a number from 1 to {len(spec.choices)}); got {p}")
                picked.append(spec.choices[n - 1])
            if spec.type == "enum" and len(picked) != 1:
                raise CellError(f"只能选一项 (choose one); got {text!r}")
            return picked if spec.type == "enum_list" else picked[0]
    return parse_value(spec, text)


def answer_hint(spec: FieldSpec, lang: Lang = "zh") -> str:
    """What to type for a field: 是/否, a date, a number with its unit, or choice numbers."""
    zh = lang == "zh"
    if spec.type == "bool":
        return "是/否" if zh else "yes/no"
    if spec.type == "date":
        return "YYYY-MM-DD"
    if spec.type in ("int", "decimal"):
        if spec.unit == "元":
            return "单位：元，可写 2000万、1.5亿" if zh else "yuan; 2000万 and 1.5亿 work too"
        if spec.unit:
            return f"单位：{spec.unit}" if zh else f"unit: {spec.unit}"
        return "整数" if zh and spec.type == "int" else ("数字" if zh else "a number")
    if spec.type == "enum":
        return f"1-{len(spec.choices)}"
    if spec.type == "enum_list":
        return f"1-{len(spec.choices)}，可多选，用逗号分隔；无 = 都不是" if zh else f"1-{len(spec.choices)}, several separated by commas; 'none' for none"
    return ""


def choice_lines(spec: FieldSpec, lang: Lang = "zh") -> list[str]:
    """Numbered choices of an enum field: ``1) 工业 (industry)``."""
    labels: tuple[Text | None, ...] = spec.choice_labels or (None,) * len(spec.choices)
    out = []
    for i, (code, label) in enumerate(zip(spec.choices, labels), start=1):
        text = label(lang) if label is not None else code
        out.append(f"{i}) {text}" + (f" ({code})" if lang == "zh" else ""))
    return out


def check_answer_error(exc: Exception) -> list[str]:
    """The lines to show when an answer is refused."""
    if isinstance(exc, ProfileError):
        return [str(p) for p in exc.problems] or [exc.summary]
    return [str(exc)]
