"""The record of what decided a result: package and catalogue versions, the rules'
content fingerprint and the date of evaluation.

Every report carries one (``Report.record``); batch outputs, their summaries and the
service's responses carry the same, made by :func:`record_of`, so a verdict can be
traced to the code and the rule data that gave it.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from ._version import __version__
from ._catalogue import Catalogue

PACKAGE = "zhushan-eligibility"


class Record(BaseModel):
    """What decided a result, for audit: the same four facts give the same verdicts."""

    model_config = ConfigDict(frozen=True, title="判定依据记录")

    package: str = Field(description="the package that evaluated (its distribution name)")
    package_version: str = Field(description="the package's version")
    catalogue: str = Field(description="the rule catalogue's name")
    catalogue_version: str = Field(description="the catalogue's version, as written in its catalogue.yaml")
    rules_fingerprint: str = Field(
        description="SHA-256 (first 16 hex digits) of every rule file's path and content: changes with any edit"
    )
    as_of: date = Field(description="the date of evaluation: the rules and parameter values in force on it were applied")

    def fields(self) -> list[tuple[str, str]]:
        """(name, value) pairs in a fixed order, for a table's rows or a file's header."""
        return [(name, str(value)) for name, value in self]


def record_of(catalogue: Catalogue, as_of: date) -> Record:
    """The record of evaluating against ``catalogue`` on ``as_of``."""
    return Record(
        package=PACKAGE,
        package_version=__version__,
        catalogue=catalogue.info.name.zh,
        catalogue_version=catalogue.info.version,
        rules_fingerprint=catalogue.fingerprint,
        as_of=as_of,
    )
