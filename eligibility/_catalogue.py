"""A loaded, validated rule catalogue, and its view on one date."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from ._dates import AS_OF
from ._schema import (
    All,
    AnyOf,
    CatalogueInfo,
    Compare,
    Condition,
    DateCondition,
    Not,
    Parameter,
    ParameterValue,
    Rule,
    RuleRef,
    Source,
    walk,
)


@dataclass(frozen=True)
class Located:
    """Where something was written: file (relative to the rules directory) and line."""

    file: str
    line: int | None = None
    keys: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    """Line of each key of a mapping (to point at ``param:`` rather than the node)."""


@dataclass
class Catalogue:
    """Every rule, parameter and source of one rules directory, validated."""

    info: CatalogueInfo
    rules: dict[str, Rule]
    parameters: dict[str, Parameter]
    sources: dict[str, Source]
    where: dict[int, Located] = field(default_factory=dict, repr=False)
    """id() of a rule, parameter, source or condition node -> where it was written."""
    fingerprint: str = ""
    source: Path | None = None
    """The rules directory it was loaded from (worker processes of other executors load it
    from there; None for a catalogue made otherwise)."""

    def locate(self, obj: Any) -> Located | None:
        return self.where.get(id(obj))

    @cached_property
    def order(self) -> list[str]:
        """Rule ids, each derived rule before the rules that use it, then by id."""
        done: list[str] = []
        seen: set[str] = set()

        def visit(rid: str) -> None:
            if rid in seen:
                return
            seen.add(rid)
            for dep in sorted(rule_refs(self.rules[rid].conditions)):
                if dep in self.rules:
                    visit(dep)
            done.append(rid)

        for rid in sorted(self.rules):
            visit(rid)
        return done

    def stratum(self, rule_id: str) -> int:
        """1 + the longest chain of derived rules below ``rule_id`` (0 if it uses none)."""
        return self._strata[rule_id]

    @cached_property
    def _strata(self) -> dict[str, int]:
        strata: dict[str, int] = {}
        for rid in self.order:
            deps = rule_refs(self.rules[rid].conditions)
            strata[rid] = 1 + max((strata[d] for d in deps), default=-1)
        return strata

    def facts_used(self, rule_ids: Collection[str] | None = None) -> list[str]:
        """Every fact a condition or a tiered parameter's key names, sorted (of the rules
        ``rule_ids`` only, when given)."""
        names: set[str] = set()
        for rule in self.rules.values() if rule_ids is None else (self.rules[rid] for rid in rule_ids):
            for node in walk(rule.conditions):
                if isinstance(node, Compare):
                    names.add(node.fact)
                    if node.param and self.parameters[node.param].key:
                        names.add(self.parameters[node.param].key)  # type: ignore[arg-type]
                elif isinstance(node, DateCondition):
                    names.update(node.names())
                    names.add(AS_OF)
        return sorted(names)

    def at(self, day: date) -> CatalogueView:
        """The rules in force on ``day`` with the parameter values in force then."""
        values: dict[str, ParameterValue] = {}
        for pid, param in self.parameters.items():
            v = param.value_on(day)
            if v is not None:
                values[pid] = v
        rules = [rid for rid in self.order if self.rules[rid].effective.covers(day)]
        return CatalogueView(self, day, rules, values)


@dataclass(frozen=True)
class CatalogueView:
    """A catalogue on one date: the rules in force and the parameter values that apply."""

    catalogue: Catalogue
    day: date
    rule_ids: list[str]
    values: dict[str, ParameterValue]

    @property
    def key(self) -> str:
        """Identifies what a compiled ruleset depends on: the rules and values in force."""
        payload = {
            "catalogue": self.catalogue.fingerprint,
            "rules": self.rule_ids,
            "values": {pid: id_of_value(v) for pid, v in sorted(self.values.items())},
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def id_of_value(value: ParameterValue) -> str:
    return f"{value.from_.isoformat()}"


def rule_refs(cond: Condition) -> set[str]:
    """The derived rules a condition names."""
    return {n.rule for n in walk(cond) if isinstance(n, RuleRef)}
