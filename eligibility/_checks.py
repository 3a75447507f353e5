"""Static checks of a catalogue: what the loader refuses, and what lint warns about.

Errors make a catalogue unusable (an unknown fact, a wrong type, a cycle); the loader
refuses it. Warnings are doubts a rule author should look at; ``eligibility rules lint``
shows both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ._decision import value_problem
from ._catalogue import Catalogue, rule_refs
from .errors import Problem
from ._facts import FACTS, FactKind
from ._dates import AS_OF
from ._schema import Compare, DateCondition, DateRef, Limit, Parameter, ParamRef, Rule, RuleRef, walk

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    severity: Severity
    problem: Problem


def check_catalogue(cat: Catalogue) -> list[Finding]:
    """Every error and warning about ``cat``, sorted by file and line."""
    out: list[Finding] = []
    for rule in cat.rules.values():
        out += _check_rule(cat, rule)
    for param in cat.parameters.values():
        out += _check_parameter(cat, param)
    out += _check_cycles(cat)
    out += _check_score_tables(cat)
    return sorted(out, key=lambda f: (f.problem.location, f.problem.line or 0, f.problem.message))


def _at(cat: Catalogue, obj: Any, severity: Severity, message: str, key: str | None = None) -> Finding:
    """A finding at the line where ``obj`` (or its ``key``) was written."""
    loc = cat.locate(obj)
    line = loc.keys.get(key, loc.line) if loc and key else loc.line if loc else None
    return Finding(severity, Problem(message, loc.file if loc else "", line))


def _check_rule(cat: Catalogue, rule: Rule) -> list[Finding]:
    out: list[Finding] = []
    for cit in rule.citations:
        if cit.source not in cat.sources:
            out.append(_at(cat, rule, "error", f"引用了不存在的来源 (unknown source): {cit.source}"))
    for node in walk(rule.conditions):
        if node.cite is not None and node.cite.source not in cat.sources:
            out.append(_at(cat, node, "error", f"引用了不存在的来源 (unknown source): {node.cite.source}"))
        if isinstance(node, RuleRef):
            target = cat.rules.get(node.rule)
            if target is None:
                out.append(_at(cat, node, "error", f"引用了不存在的规则 (unknown rule): {node.rule}"))
            elif target.kind != "derived":
                out.append(_at(cat, node, "error", f"只能引用派生规则 (only derived rules can be referenced): {node.rule}"))
        elif isinstance(node, Compare):
            out += _check_compare(cat, node)
        elif isinstance(node, DateCondition):
            out += _check_date(cat, node)
    if rule.monotone is not None:
        out += _check_monotone(cat, rule)
    for limit in rule.limits:
        out += _check_limit(cat, limit)
    for pid in rule.rests_on:
        if pid not in cat.parameters:
            out.append(_at(cat, rule, "error", f"rests_on: 引用了不存在的参数 (unknown parameter): {pid}", "rests_on"))
    return out


def _check_limit(cat: Catalogue, limit: Limit) -> list[Finding]:
    """A limit names a plain-valued parameter and a number fact (the amount asked for)."""
    out: list[Finding] = []
    param = cat.parameters.get(limit.param)
    if param is None:
        out.append(_at(cat, limit, "error", f"limits: 引用了不存在的参数 (unknown parameter): {limit.param}", "param"))
    elif param.is_points_table or param.key is not None:
        out.append(_at(cat, limit, "error", f"limits: 参数 {limit.param} 应为单一数值 (a limit is one value, not tiers or points)", "param"))
    spec = FACTS.get(limit.fact)
    if spec is None:
        close = _close_names(limit.fact)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        out.append(_at(cat, limit, "error", f"limits: 未知字段 (unknown fact): {limit.fact}{hint}", "fact"))
    elif spec.kind is not FactKind.number:
        out.append(_at(cat, limit, "error", f"limits: {limit.fact} 不是数值 (the amount asked for must be a number)", "fact"))
    return out


def _check_monotone(cat: Catalogue, rule: Rule) -> list[Finding]:
    out: list[Finding] = []
    assert rule.monotone is not None
    for fact, _direction in rule.monotone.directions():
        spec = FACTS.get(fact)
        if spec is None:
            close = _close_names(fact)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            out.append(_at(cat, rule.monotone, "error", f"monotone: 未知字段 (unknown fact): {fact}{hint}"))
        elif spec.kind not in (FactKind.number, FactKind.ratio, FactKind.ordinal):
            out.append(
                _at(cat, rule.monotone, "error", f"monotone: {fact} 没有大小顺序 (has no order; only numbers, ratios and grades can be monotone)")
            )
    return out


def _check_compare(cat: Catalogue, node: Compare) -> list[Finding]:
    spec = FACTS.get(node.fact)
    if spec is None:
        close = _close_names(node.fact)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return [_at(cat, node, "error", f"未知字段 (unknown fact): {node.fact}{hint}", "fact")]
    if node.param is not None:
        param = cat.parameters.get(node.param)
        if param is None:
            return [_at(cat, node, "error", f"引用了不存在的参数 (unknown parameter): {node.param}", "param")]
        out: list[Finding] = []
        if param.is_points_table:
            return [_at(cat, node, "error", f"参数 {node.param} 是计分表，只能由得分字段读取 (a points table is read by a score fact, not compared)", "param")]
        if param.key is not None and FACTS.get(param.key) is None:
            out.append(_at(cat, param, "error", f"分档依据字段不存在 (unknown tier key fact): {param.key}"))
        for value in param.values:
            candidates = [t.value for t in value.tiers] if value.tiers else [value.value]
            for v in candidates:
                msg = value_problem(spec, node.op, v)
                if msg:
                    out.append(_at(cat, node, "error", f"参数 {node.param} 的值不适用于 {node.fact}: {msg}", "param"))
        return out
    msg = value_problem(spec, node.op, node.value)
    return [_at(cat, node, "error", f"{node.fact}: {msg}", "value")] if msg else []


def _check_date(cat: Catalogue, node: DateCondition) -> list[Finding]:
    """Names are dates, parameters exist and hold days (a date) or whole numbers (an amount)."""
    out: list[Finding] = []
    for name in node.names():
        spec = FACTS.get(name)
        if spec is None:
            close = _close_names(name)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            out.append(_at(cat, node, "error", f"未知日期字段 (unknown date): {name}{hint}", "date"))
        elif spec.kind is not FactKind.date:
            out.append(_at(cat, node, "error", f"{name} 不是日期 (is not a date; date conditions compare dates such as registration_date or {AS_OF})", "date"))
    holders: list[Any] = [*node.refs(), *([node.within] if node.within else [])]
    for holder in holders:
        if isinstance(holder, DateRef) and holder.param is not None:
            out += _check_date_param(cat, node, holder.param, "date")
        for _unit, amount in holder.offsets():
            if isinstance(amount, ParamRef):
                out += _check_date_param(cat, node, amount.param, "amount")
    return out


def _check_date_param(cat: Catalogue, node: DateCondition, pid: str, want: str) -> list[Finding]:
    param = cat.parameters.get(pid)
    if param is None:
        return [_at(cat, node, "error", f"引用了不存在的参数 (unknown parameter): {pid}", node.relation.value)]
    out: list[Finding] = []
    for value in param.values:
        v = value.value
        if want == "date" and not isinstance(v, dt.date):
            out.append(_at(cat, node, "error", f"参数 {pid} 的值应为日期 (must be a day, e.g. 2013-01-01; got {v!r})", node.relation.value))
        if want == "amount" and (isinstance(v, bool | dt.date) or not isinstance(v, Decimal) or v != v.to_integral_value() or v < 0):
            out.append(_at(cat, node, "error", f"参数 {pid} 的值应为非负整数 (must be a whole number of years, months or days; got {v!r})", node.relation.value))
    return out


def _check_parameter(cat: Catalogue, param: Parameter) -> list[Finding]:
    out: list[Finding] = []
    periods = sorted(param.values, key=lambda v: v.from_)
    for a, b in zip(periods, periods[1:], strict=False):
        if a.to is None or a.to >= b.from_:
            out.append(
                _at(cat, b, "error", f"参数 {param.id} 的有效期重叠 (overlapping effective periods from {a.from_} and {b.from_})")
            )
    for value in param.values:
        for cit in value.citations:
            if cit.source not in cat.sources:
                out.append(_at(cat, value, "error", f"引用了不存在的来源 (unknown source): {cit.source}"))
    return out


def _check_score_tables(cat: Catalogue) -> list[Finding]:
    """Every points table a score fact used by a rule reads must exist and be a points table."""
    out: list[Finding] = []
    used = {n.fact for rule in cat.rules.values() for n in walk(rule.conditions) if isinstance(n, Compare)}
    for name in sorted(used):
        spec = FACTS.get(name)
        for pid in spec.params if spec else ():
            param = cat.parameters.get(pid)
            if param is None:
                out.append(Finding("error", Problem(f"得分字段 {name} 需要计分表参数 {pid} (score fact {name} needs the points table {pid})", "parameters")))
            elif not param.is_points_table:
                out.append(_at(cat, param, "error", f"参数 {pid} 应为计分表 (points:) (parameter {pid} must be a points table, read by {name})"))
    return out


def _check_cycles(cat: Catalogue) -> list[Finding]:
    out: list[Finding] = []
    state: dict[str, int] = {}

    def visit(rid: str, path: list[str]) -> None:
        state[rid] = 1
        for dep in sorted(rule_refs(cat.rules[rid].conditions)):
            if dep not in cat.rules:
                continue
            if state.get(dep) == 1:
                cycle = path[path.index(dep):] + [dep] if dep in path else [rid, dep]
                out.append(_at(cat, cat.rules[rid], "error", f"派生规则循环引用 (cycle between derived rules): {' -> '.join(cycle)}"))
            elif dep not in state:
                visit(dep, path + [dep])
        state[rid] = 2

    for rid in sorted(cat.rules):
        if rid not in state:
            visit(rid, [rid])
    return out


def _close_names(name: str) -> list[str]:
    import difflib

    return difflib.get_close_matches(name, list(FACTS), n=2, cutoff=0.75)
