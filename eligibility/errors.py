"""The errors this library raises.

::

    EligibilityError              base of everything raised on purpose
    ├── ProfileError              an enterprise profile is invalid (one Problem per field)
    ├── RuleError                 the rule catalogue is invalid (one Problem per file/line)
    ├── CaseError                 a YAML case file is invalid (one Problem per file/line)
    ├── EngineError               durable-rules failed in a way that is not the user's doing
    └── WorkerError               a batch's worker process died on the same rows twice (killed, out of memory)

Each error carries structured ``problems`` so a portal can show them next to the
offending form field or rule line; ``str(error)`` is a short human-readable list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and where it is."""

    message: str
    location: str = ""
    """Field path (``financials[2].rd_expense``), or rule file path."""
    line: int | None = None
    """1-based line in the file, when the input is a file."""
    code: str = ""
    """The kind of problem, stable across versions: pydantic's error type
    (``greater_than_equal``, ``extra_forbidden`` ...) or the profile's own check
    (``st_staff_within_staff``, ``not_future`` ...); empty when not classified."""

    def __str__(self) -> str:
        where = self.location
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        return f"{where}: {self.message}" if where else self.message


class EligibilityError(Exception):
    """Base class of the errors this library raises on purpose."""

    def __init__(self, summary: str, problems: list[Problem] | None = None) -> None:
        self.summary = summary
        self.problems: list[Problem] = list(problems or [])
        super().__init__(self.__str__())

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep the problems when an error crosses a process boundary (batches).
        return (type(self), (self.summary, self.problems))

    def __str__(self) -> str:
        if not self.problems:
            return self.summary
        lines = [self.summary] + [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class ProfileError(EligibilityError):
    """An enterprise profile failed validation; ``problems`` name each field."""


class RuleError(EligibilityError):
    """A rule file or the catalogue failed validation; ``problems`` name file and line."""


class CaseError(EligibilityError):
    """A YAML case file (``eligibility rules test``) failed validation; ``problems`` name file and line."""


class EngineError(EligibilityError):
    """The durable-rules engine failed unexpectedly (a bug, not a user mistake)."""


class WorkerError(EligibilityError):
    """A worker process of a batch died each time it checked the same rows (killed, out of
    memory), or none could be started: the run stopped. ``problems`` name the rows and how
    the process ended, or why it could not start."""
