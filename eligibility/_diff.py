"""What changes for whom when the rules change: one list of enterprises checked under two
rule catalogues and/or on two dates (``eligibility diff``), as OpenFisca's users compare a
reform with its baseline.

For each support: how many enterprises move from each verdict to each other. For each
enterprise whose verdict changes: the supports that change, and in each the conditions
whose outcome changed, with the parameter values (what is required) and the enterprise's
value on each side.

Every enterprise is first checked without explanations on both sides; only those whose
verdicts differ are explained, so a list is compared at batch speed. The changed
enterprises are kept (a rule change moves some of a list, not a province).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ._catalogue import Catalogue
from ._evaluate import evaluate, prepare
from .profile import EnterpriseProfile
from ._record import Record, record_of
from .report import ConditionResult, Report, Status
from ._tabular import Row
from ._text import Text

NOT_IN_FORCE = "not_in_force"
"""The "verdict" on a side where the support is not in force (added, removed or expired)."""


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a catalogue on a date."""

    catalogue: Catalogue
    as_of: date

    @property
    def record(self) -> Record:
        return record_of(self.catalogue, self.as_of)


@dataclass(frozen=True)
class ConditionChange:
    """A condition whose outcome differs between the two sides."""

    path: tuple[str, ...]
    """The derived rules it sits in, outermost first (empty: the support's own conditions)."""
    label_a: Text | None
    label_b: Text | None
    """The condition in words on each side (None: not there on that side)."""
    status_a: Status | None
    status_b: Status | None
    fact: str | None = None
    op: str | None = None
    parameter_a: str | None = None
    parameter_b: str | None = None
    required_a: Any = None
    required_b: Any = None
    """The value compared with on each side (the parameter's value in force)."""
    actual_a: Any = None
    actual_b: Any = None
    """The enterprise's value on each side (a computed fact can differ by date)."""


@dataclass(frozen=True)
class SupportChange:
    """One support whose verdict differs for one enterprise."""

    support: str
    name: Text
    verdict_a: str
    verdict_b: str
    """Verdict codes (``eligible`` ...) or :data:`NOT_IN_FORCE`."""
    conditions: tuple[ConditionChange, ...]


@dataclass(frozen=True)
class EnterpriseChange:
    """An enterprise whose verdict on at least one support differs between the sides."""

    row: int
    name: str
    uscc: str | None
    supports: tuple[SupportChange, ...]


@dataclass
class DiffResult:
    """The comparison of one list under two sides."""

    a: Record
    b: Record
    source: str = ""
    rows: int = 0
    invalid: list[Row] = field(default_factory=list)
    """The rows that could not be read (their problems in ``row.problems``)."""
    names: dict[str, Text] = field(default_factory=dict)
    """Support id -> name, every support in force on either side, in report order (A's, then B's new ones)."""
    transitions: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)
    """Support id -> (verdict on A, verdict on B) -> number of enterprises (unchanged ones too)."""
    changed: list[EnterpriseChange] = field(default_factory=list)

    def moved(self, support: str) -> int:
        """How many enterprises the support's verdict changes for."""
        return sum(n for (va, vb), n in self.transitions.get(support, Counter()).items() if va != vb)


def diff_rows(rows: Iterable[Row], a: Side, b: Side, source: str = "") -> DiffResult:
    """Check every row on both sides and compare (see the module's docstring)."""
    result = DiffResult(a.record, b.record, source)
    supports_a, supports_b = prepare(a.catalogue, a.as_of).supports, prepare(b.catalogue, b.as_of).supports
    for sid in (*supports_a, *(s for s in supports_b if s not in supports_a)):
        rule = (a.catalogue.rules.get(sid) if sid in supports_a else None) or b.catalogue.rules[sid]
        result.names[sid] = rule.name
        result.transitions[sid] = Counter()
    for row in rows:
        result.rows += 1
        if row.profile is None:
            result.invalid.append(row)
            continue
        change = _compare(row, row.profile, a, b, result)
        if change is not None:
            result.changed.append(change)
    return result


def _verdicts(report: Report) -> dict[str, str]:
    return {s.id: s.verdict.value for s in report.supports}


def _compare(row: Row, profile: EnterpriseProfile, a: Side, b: Side, result: DiffResult) -> EnterpriseChange | None:
    va = _verdicts(evaluate(profile, as_of=a.as_of, catalogue=a.catalogue, explain=False))
    vb = _verdicts(evaluate(profile, as_of=b.as_of, catalogue=b.catalogue, explain=False))
    for sid, counts in result.transitions.items():
        counts[(va.get(sid, NOT_IN_FORCE), vb.get(sid, NOT_IN_FORCE))] += 1
    moved = [sid for sid in result.names if va.get(sid, NOT_IN_FORCE) != vb.get(sid, NOT_IN_FORCE)]
    if not moved:
        return None
    ra = evaluate(profile, as_of=a.as_of, catalogue=a.catalogue)
    rb = evaluate(profile, as_of=b.as_of, catalogue=b.catalogue)
    by_a, by_b = {s.id: s for s in ra.supports}, {s.id: s for s in rb.supports}
    changes = []
    for sid in moved:
        sa, sb = by_a.get(sid), by_b.get(sid)
        conditions = tuple(
            _condition_changes(sa.explanation if sa else None, sb.explanation if sb else None)
        )
        changes.append(SupportChange(sid, result.names[sid], va.get(sid, NOT_IN_FORCE), vb.get(sid, NOT_IN_FORCE), conditions))
    return EnterpriseChange(row.number, ra.enterprise, ra.uscc, tuple(changes))


def _leaves(node: ConditionResult | None, path: tuple[str, ...] = (), at: tuple[int, ...] = ()) -> Iterator[tuple[tuple[Any, ...], tuple[str, ...], ConditionResult]]:
    """Each comparison in a condition tree, keyed by where it sits (its position among its
    parents and what it compares), with the derived rules above it."""
    if node is None:
        return
    if node.kind in ("compare", "unavailable"):
        yield (at, node.fact, node.op), path, node
        return
    inner = (*path, node.rule) if node.kind == "rule" and node.rule else path
    for i, child in enumerate(node.children):
        yield from _leaves(child, inner, (*at, i))


def _condition_changes(a: ConditionResult | None, b: ConditionResult | None) -> Iterator[ConditionChange]:
    """The comparisons whose status differs between two trees of one support (paired by
    position and what they compare; one present on one side only counts as changed)."""
    left = {key: (path, node) for key, path, node in _leaves(a)}
    right = {key: (path, node) for key, path, node in _leaves(b)}
    for key in (*left, *(k for k in right if k not in left)):
        pa, na = left.get(key, ((), None))
        pb, nb = right.get(key, ((), None))
        if na is not None and nb is not None and na.status is nb.status:
            continue
        either = na or nb
        assert either is not None  # each key comes from one side at least
        yield ConditionChange(
            path=pa if na is not None else pb,
            label_a=na.label if na else None,
            label_b=nb.label if nb else None,
            status_a=na.status if na else None,
            status_b=nb.status if nb else None,
            fact=either.fact,
            op=either.op,
            parameter_a=na.parameter if na else None,
            parameter_b=nb.parameter if nb else None,
            required_a=na.required if na else None,
            required_b=nb.required if nb else None,
            actual_a=na.actual if na else None,
            actual_b=nb.actual if nb else None,
        )
