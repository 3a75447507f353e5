"""The report: verdicts and their reasons, as data (Pydantic models, JSON-serialisable)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from operator import attrgetter
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from ._record import Record
from ._schema import Basis, Category, Certainty
from ._text import Text


class Verdict(StrEnum):
    """What the enterprise may do about a support: apply, tell more, or not (yet)."""

    eligible = "eligible"
    not_eligible = "not_eligible"
    needs_information = "needs_information"


class Status(StrEnum):
    """A condition's status: met, not met, or unknown (depends on missing information)."""

    met = "met"
    not_met = "not_met"
    unknown = "unknown"


_VALUE = PlainSerializer(attrgetter("_value_"), when_used="json")
"""An enum member in JSON: its value, read in C. (pydantic reads ``.value``, a Python-level
property in Python 3.11, at 0.4 µs a member: a twentieth of one support's JSON, which has
some fifty of them. The JSON and its schema are the same.)"""


class _Out(BaseModel):
    """A part of a report. Built one way: validated from plain data (an evaluation's parts
    are plain data until a report, a view or one support's result is asked for)."""

    # Descriptions in the JSON Schema (the service's OpenAPI) are given with Field(description=...), not as
    # attribute docstrings: Pydantic reads those from the source file when the class is made, at every start
    # of every command (about 10 ms), though only the service's schema shows them.
    model_config = ConfigDict(frozen=True, defer_build=True)


class CitationOut(_Out):
    """A source a verdict or value rests on: the document, its article, and how sure the text is."""

    source: str
    number: str | None = None
    title: str
    article: str | None = None
    url: str | None = None
    certainty: Annotated[Certainty, _VALUE]


class Assumption(_Out):
    """A parameter value a verdict rests on, and how sure it is."""

    parameter: str
    name: Text
    value: str
    certainty: Annotated[Certainty, _VALUE]
    note: str | None = None
    citations: list[CitationOut] = Field(default_factory=list)
    statement: Text | None = Field(None, description="What the report must say about it (方案期已于2025年底结束…), shown with its mark.")


class LimitResult(_Out):
    """The most a support gives (a loan's cap) and, when known, what the enterprise asks for.

    Not a condition: asking for more than ``maximum`` leaves the verdict as it is; the
    amount granted is capped at ``maximum``.
    """

    parameter: str
    label: Text
    maximum: Any = Field(description="The bound in force on the date of evaluation (display form: 300000).")
    unit: str | None = None
    requested: Any = Field(None, description="The amount asked for (display form), None when not given.")
    capped: bool | None = Field(
        None, description="True when the amount asked for is above ``maximum`` (it will be capped); None when not given."
    )


class GapKind(StrEnum):
    """The kind of change a gap proposes."""

    increase = "increase"
    """Add ``increase_by`` to ``field`` (and to each of ``also``)."""
    set = "set"
    """Set ``field`` to ``set_to`` (obtain a title, a grade, register...)."""
    obtain = "obtain"
    """Meet the derived rule ``rule`` first; its own gaps are in ``gaps``."""
    wait = "wait"
    """Time alone settles it, on ``on``."""
    unreachable = "unreachable"
    """No change the enterprise can make meets it (a cap exceeded, a date passed)."""
    other = "other"
    """A change the checker cannot put in numbers (see ``change``)."""


class Gap(_Out):
    """What would have to change for a condition to be met (see :mod:`eligibility._gaps`)."""

    kind: Annotated[GapKind, _VALUE]
    change: Text = Field(description="The change in words: 近三年研发费用需增加 120万元.")
    field: str | None = Field(None, description="The profile field to change, e.g. ``financials[2025].rd_expense``.")
    increase_by: str | None = Field(
        None, description="For ``increase``: the amount to add (a decimal string, in the field's unit)."
    )
    also: list[str] = Field(default_factory=list, description="For ``increase``: other fields that grow by the same amount.")
    set_to: Any = Field(None, description="For ``set``: the value to set.")
    on: date | None = Field(None, description="For ``wait``: the date from which the condition is met.")
    rule: str | None = Field(None, description="For ``obtain``: the derived rule to meet first.")
    gaps: list[Gap] = Field(default_factory=list, description="For ``obtain``: that rule's own gaps.")

    @property
    def reachable(self) -> bool:
        """Whether the enterprise can close this gap (by a change or by waiting)."""
        if self.kind is GapKind.unreachable:
            return False
        return all(g.reachable for g in self.gaps)


class ConditionResult(_Out):
    """One node of a rule's condition, evaluated."""

    kind: Literal["all", "any", "not", "rule", "compare", "unavailable"]
    status: Annotated[Status, _VALUE]
    label: Text
    fact: str | None = None
    op: str | None = None
    required: Any = Field(None, description='The value compared with (display form: "4%", "C", 20000000).')
    actual: Any = Field(None, description="The enterprise's value (display form), None when unknown.")
    unit: str | None = None
    missing_fields: list[str] = Field(default_factory=list)
    parameter: str | None = None
    band: Text | None = None
    citation: CitationOut | None = None
    rule: str | None = None
    children: list[ConditionResult] = Field(default_factory=list)
    gaps: list[Gap] = Field(default_factory=list)


class Node(dict[str, Any]):
    """A :class:`ConditionResult` as plain data, before the edge makes it one (the fields as
    keys: ``children`` are nodes, ``gaps`` :class:`Gap` models), read by the same attributes,
    so that a reason or a gap is worked out alike from either."""

    __slots__ = ()

    def copy(self) -> Node:
        return Node(self)

    @property
    def kind(self) -> str:
        return self["kind"]  # type: ignore[no-any-return]

    @property
    def status(self) -> Status:
        return self["status"]  # type: ignore[no-any-return]

    @property
    def label(self) -> Text:
        return self["label"]  # type: ignore[no-any-return]

    @property
    def fact(self) -> str | None:
        return self["fact"]  # type: ignore[no-any-return]

    @property
    def actual(self) -> Any:
        return self["actual"]

    @property
    def unit(self) -> str | None:
        return self["unit"]  # type: ignore[no-any-return]

    @property
    def band(self) -> Text | None:
        return self["band"]  # type: ignore[no-any-return]

    @property
    def citation(self) -> CitationOut | None:
        return self["citation"]  # type: ignore[no-any-return]

    @property
    def rule(self) -> str | None:
        return self["rule"]  # type: ignore[no-any-return]

    @property
    def children(self) -> list[Node]:
        return self["children"]  # type: ignore[no-any-return]

    @property
    def gaps(self) -> list[Gap]:
        return self["gaps"]  # type: ignore[no-any-return]


class SupportResult(_Out):
    """The verdict on one support (or derived classification), with its reasons."""

    id: str
    kind: Literal["support", "derived"]
    category: Annotated[Category, _VALUE]
    name: Text
    verdict: Annotated[Verdict, _VALUE]
    basis: Annotated[Basis, _VALUE] | None = Field(
        None, description="A support of the plan, or a related provincial or national policy it does not promise (None for derived rules)."
    )
    summary: Text | None = None
    benefit: Text | None = None
    materials: list[Text] = Field(default_factory=list)
    department: Text | None = None
    citations: list[CitationOut] = Field(default_factory=list)
    missing_fields: list[str] = Field(
        default_factory=list, description="profile fields whose values decide a 'needs information' verdict"
    )
    assumptions: list[Assumption] = Field(
        default_factory=list, description="parameter values used that are not read in an official text"
    )
    gaps: list[Gap] = Field(default_factory=list)
    limits: list[LimitResult] = Field(
        default_factory=list, description="the most the support gives, and whether the amount asked for is above it"
    )
    changes_on: date | None = Field(None, description="date on which the verdict changes by time alone")
    changes_to: Annotated[Verdict, _VALUE] | None = Field(None, description="the verdict from changes_on")
    explanation: ConditionResult | None = Field(
        None, description="The evaluated conditions (None when evaluated with ``explain=False``)."
    )
    note: Text | None = None


class Report(_Out):
    """The result of checking one enterprise against the catalogue on one date."""

    enterprise: str
    uscc: str | None = None
    record: Record = Field(description="What decided it: package and catalogue versions, rules fingerprint, date of evaluation.")
    supports: list[SupportResult] = Field(description="Every support in force, ordered by category then id.")
    derived: list[SupportResult] = Field(description="Derived classifications (规上, 高企 criteria...), ordered by id.")

    @property
    def as_of(self) -> date:
        """The date of evaluation."""
        return self.record.as_of

    @property
    def catalogue(self) -> str:
        """The catalogue's name."""
        return self.record.catalogue

    @property
    def catalogue_version(self) -> str:
        return self.record.catalogue_version

    def by_verdict(self, verdict: Verdict) -> list[SupportResult]:
        """The supports with one verdict, in report order."""
        return [s for s in self.supports if s.verdict is verdict]

    def support(self, support_id: str) -> SupportResult:
        """One support's result, by id (KeyError if absent)."""
        for s in (*self.supports, *self.derived):
            if s.id == support_id:
                return s
        raise KeyError(support_id)

    def verdicts(self) -> dict[str, Verdict]:
        """Support and derived rule id -> verdict."""
        return {s.id: s.verdict for s in (*self.supports, *self.derived)}
