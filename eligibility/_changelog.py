"""What the rules change between two dates, read from the dated data itself (``eligibility
rules changes``): a changelog that cannot drift from the rules.

A parameter changes on a day when the value in force that day differs from the day
before's (a new period begins, or one ends); a rule changes when it comes into force or
leaves it. Each change carries the citations of the values on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ._catalogue import Catalogue
from ._labels import value_label
from ._schema import Citation, ParameterValue
from ._text import Lang, Text, bi


@dataclass(frozen=True)
class ParameterChange:
    """A parameter whose value in force changes on ``on``."""

    parameter: str
    name: Text
    unit: str | None
    on: date
    """The first day of the new state."""
    before: ParameterValue | None
    """In force the day before (None: the parameter had no value then)."""
    after: ParameterValue | None
    """In force from ``on`` (None: it has none from then)."""

    @property
    def value_changed(self) -> bool:
        """False when only the certainty, citations or notes change, not the value."""
        return _content(self.before) != _content(self.after)


@dataclass(frozen=True)
class RuleChange:
    """A support or derived rule that comes into force, or leaves it, on ``on``."""

    rule: str
    name: Text
    kind: str
    on: date
    in_force: bool
    """True: in force from ``on``; False: no longer in force from ``on``."""


def _content(value: ParameterValue | None) -> Any:
    return None if value is None else (value.value, value.tiers, value.points)


def changes_between(catalogue: Catalogue, start: date, end: date) -> tuple[list[ParameterChange], list[RuleChange]]:
    """Every parameter and rule change on a day after ``start`` up to and including ``end``,
    by date then id: what someone checking on ``end`` sees differently from ``start``."""
    params: list[ParameterChange] = []
    for pid, param in catalogue.parameters.items():
        for day in _boundaries([(v.from_, v.to) for v in param.values], start, end):
            before, after = param.value_on(day - timedelta(days=1)), param.value_on(day)
            if before is not after:
                params.append(ParameterChange(pid, param.name, param.unit, day, before, after))
    rules: list[RuleChange] = []
    for rid, rule in catalogue.rules.items():
        period = rule.effective
        for day in _boundaries([(period.from_, period.to)], start, end):
            rules.append(RuleChange(rid, rule.name, rule.kind, day, period.covers(day)))
    params.sort(key=lambda c: (c.on, c.parameter))
    rules.sort(key=lambda c: (c.on, c.rule))
    return params, rules


def _boundaries(periods: list[tuple[date, date | None]], start: date, end: date) -> list[date]:
    """The days in (start, end] on which a period begins, or the day after one ends."""
    days = {p for p, _ in periods} | {q + timedelta(days=1) for _, q in periods if q is not None}
    return sorted(d for d in days if start < d <= end)


def value_text(change: ParameterChange, value: ParameterValue | None, lang: Lang = "zh") -> str:
    """A parameter value as a reader sees it (``2000万元``, ``C``; a tiered or points table summarised)."""
    if value is None:
        return "（无）" if lang == "zh" else "(none)"
    if value.tiers:
        bands = [f"≤{t.max}: {value_label(t.value, lang, unit=change.unit)}" if t.max is not None else value_label(t.value, lang, unit=change.unit) for t in value.tiers]
        return "; ".join(bands)
    if value.points:
        return f"积分表（{len(value.points)} 档）" if lang == "zh" else f"points table ({len(value.points)} bands)"
    return value_label(value.value, lang, unit=change.unit)


def citation_text(catalogue: Catalogue, citations: list[Citation]) -> str:
    """Citations as ``文号《标题》条款``, separated by ``；``."""
    out = []
    for c in citations:
        source = catalogue.sources.get(c.source)
        name = (f"{source.number}《{source.title}》" if source.number else f"《{source.title}》") if source else c.source
        out.append(f"{name}{c.article or ''}")
    return "；".join(out)


CERTAINTY_TEXT = {
    "official": bi("官方原文", "official"),
    "third_party": bi("第三方转载", "third party"),
    "assumption": bi("假设", "assumption"),
}


def to_json(catalogue: Catalogue, start: date, end: date, params: list[ParameterChange], rules: list[RuleChange]) -> dict[str, Any]:
    """The changes as JSON data."""

    def side(change: ParameterChange, value: ParameterValue | None) -> dict[str, Any] | None:
        if value is None:
            return None
        return {
            "value": value_text(change, value, "zh"),
            "raw": value.model_dump(mode="json", by_alias=True, include={"value", "tiers", "points"}, exclude_none=True),
            "period": {"from": value.from_.isoformat(), "to": value.to.isoformat() if value.to else None},
            "certainty": value.certainty.value,
            "citations": [
                {"source": c.source, "document": citation_text(catalogue, [c]), "article": c.article}
                for c in value.citations
            ],
        }

    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "catalogue": {"name": catalogue.info.name.zh, "version": catalogue.info.version, "fingerprint": catalogue.fingerprint},
        "parameters": [
            {
                "parameter": c.parameter,
                "name": c.name.zh,
                "on": c.on.isoformat(),
                "value_changed": c.value_changed,
                "before": side(c, c.before),
                "after": side(c, c.after),
            }
            for c in params
        ],
        "rules": [{"rule": r.rule, "name": r.name.zh, "kind": r.kind, "on": r.on.isoformat(), "in_force": r.in_force} for r in rules],
    }
