"""Lint a rules directory: every problem the loader refuses, and doubts worth a look, with file and line.

Severities:

* ``error`` — the catalogue cannot be used (YAML or schema errors, unknown facts, wrong
  types, duplicate ids, unknown parameters or rules, cycles, overlapping periods);
* ``warning`` — probably a mistake: contradictory conditions in an ``all`` (``x > 5`` and
  ``x < 3``, also with parameters resolved on each date), a rule that can never be met
  or never missed, a parameter without a value while a rule using it is in force, a
  derived rule not in force while a rule naming it is, a comparison against a
  declared monotone direction, an unused parameter; a whole-year (or whole-month) age
  compared with a parameter whose citation speaks of days or of a calendar date (the
  text wants a date condition); a date window that can never open;
* ``info`` — worth knowing: parameter values that are assumptions, derived rules no
  support uses.

``lint`` never raises for bad rule data: load errors are findings too.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .._catalogue import Catalogue, rule_refs
from .._decision import DateLeaf, resolve_date, truth_of, value_problem
from .._checks import check_catalogue
from .._compiler import rule_limit_problems
from .._facts import FACTS
from .._loader import build_catalogue, default_rules_dir
from .._dates import AS_OF, Relation
from .._date_text import date_words
from .._schema import All, AnyOf, Basis, Compare, Condition, DateCondition, Not, ParameterValue, Rule, RuleRef, walk
from .._semantics import Op
from .witness import candidate_values, fact_assignments

Severity = Literal["error", "warning", "info"]
_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class LintFinding:
    """One finding: severity, file (relative to the rules directory), line, message."""

    severity: Severity
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.severity}: {self.message}"


@dataclass
class LintReport:
    """Every finding about one rules directory, sorted by file and line."""

    root: Path
    findings: list[LintFinding] = field(default_factory=list)

    @property
    def errors(self) -> list[LintFinding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[LintFinding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        """No errors (warnings and infos allowed)."""
        return not self.errors


def lint(path: str | Path | None = None) -> LintReport:
    """Lint the rules directory ``path`` (the bundled catalogue by default)."""
    root = Path(path) if path is not None else default_rules_dir()
    report = LintReport(root)
    if not root.is_dir():
        report.findings.append(LintFinding("error", str(root), None, "规则目录不存在 (rules directory not found)"))
        return report
    cat, problems = build_catalogue(root)
    out = [LintFinding("error", p.location, p.line, p.message) for p in problems]
    if cat is not None:
        checked = check_catalogue(cat)
        out += [LintFinding(f.severity, f.problem.location, f.problem.line, f.problem.message) for f in checked]
        if not problems and not any(f.severity == "error" for f in checked):
            out += _doubts(cat)
    report.findings = sorted(set(out), key=lambda f: (f.file, f.line or 0, _RANK[f.severity], f.message))
    return report


# --- Doubts (on a catalogue without errors) --------------------------------------------------


def _doubts(cat: Catalogue) -> list[LintFinding]:
    out: list[LintFinding] = []
    for rule in cat.rules.values():
        out += _contradictions(cat, rule)
        out += _reachability(cat, rule)
        out += _periods(cat, rule)
        out += _monotone_directions(cat, rule)
        out += _ages_for_dates(cat, rule)
        out += _windows(cat, rule)
        out += _plan_term(cat, rule)
        out += _engine_limits(cat, rule)
    out += _parameters(cat)
    used = {ref for r in cat.rules.values() for ref in rule_refs(r.conditions)}
    for rid, rule in sorted(cat.rules.items()):
        if rule.kind == "derived" and rid not in used:
            out.append(_at(cat, rule, "info", f"派生规则未被使用 (derived rule {rid} is used by no rule)"))
    return out


def _engine_limits(cat: Catalogue, rule: Rule) -> list[LintFinding]:
    """A rule durable-rules cannot hold on some date (the engine splits a large catalogue,
    not a rule nested too deeply)."""
    problems: dict[str, None] = {}
    for day in _dates(cat, rule):
        view = cat.at(day)
        if rule.id in view.rule_ids:
            problems.update(dict.fromkeys(rule_limit_problems(view, rule.id)))
    return [_at(cat, rule, "error", p) for p in problems]


def _at(cat: Catalogue, obj: Any, severity: Severity, message: str) -> LintFinding:
    loc = cat.locate(obj)
    return LintFinding(severity, loc.file if loc else "", loc.line if loc else None, message)


def _params_of(node: Any) -> list[str]:
    """The parameters a comparison or a date condition reads."""
    if isinstance(node, Compare):
        return [node.param] if node.param else []
    if isinstance(node, DateCondition):
        return node.params()
    return []


def _dates(cat: Catalogue, rule: Rule) -> list[dt.date]:
    """The dates on which what a rule reads can change, within its effective period."""
    days = {rule.effective.from_}
    for node in walk(rule.conditions):
        for pid in _params_of(node):
            for v in cat.parameters[pid].values if pid in cat.parameters else ():
                days.add(v.from_)
                if v.to is not None:
                    days.add(v.to + dt.timedelta(days=1))
        if isinstance(node, RuleRef) and node.rule in cat.rules:
            eff = cat.rules[node.rule].effective
            days.add(eff.from_)
            if eff.to is not None:
                days.add(eff.to + dt.timedelta(days=1))
    return sorted(d for d in days if rule.effective.covers(d))


def _conjuncts(node: All) -> list[Compare]:
    out: list[Compare] = []
    for child in node.all:
        if isinstance(child, Compare):
            out.append(child)
        elif isinstance(child, All):
            out += _conjuncts(child)
    return out


def _value_on(cat: Catalogue, node: Compare, day: dt.date) -> tuple[bool, Any]:
    if node.param is None:
        return True, node.value
    pv = cat.parameters[node.param].value_on(day)
    if pv is None or pv.tiers is not None:
        return False, None
    return True, pv.value


def _describe(node: Compare, value: Any) -> str:
    shown = node.param + f" (= {value})" if node.param else repr(value) if not isinstance(value, list) else str(value)
    return f"{node.fact} {node.op.value} {shown}"


def _contradictions(cat: Catalogue, rule: Rule) -> list[LintFinding]:
    out: list[LintFinding] = []
    for node in walk(rule.conditions):
        if not isinstance(node, All):
            continue
        by_fact: dict[str, list[Compare]] = {}
        for c in _conjuncts(node):
            by_fact.setdefault(c.fact, []).append(c)
        for fact, group in by_fact.items():
            if len(group) < 2:
                continue
            spec = FACTS[fact]
            for day in _dates(cat, rule):
                resolved = [(c, *_value_on(cat, c, day)) for c in group]
                known = [(c, v) for c, ok, v in resolved if ok]
                if len(known) < 2:
                    continue
                values: set[Any] = set()
                for _c, v in known:
                    values.update(v if isinstance(v, list) else [v])
                feasible = any(
                    all(truth_of(spec, c.op, cand, v) is True for c, v in known)
                    for cand in candidate_values(spec, values)
                )
                if not feasible:
                    last = known[-1][0]
                    lines = [str(cat.locate(c).line) for c, _v in known if cat.locate(c)]  # type: ignore[union-attr]
                    when = "" if all(c.param is None for c, _v in known) else f" on {day}"
                    out.append(
                        _at(cat, last, "warning",
                            f"条件互相矛盾 (contradictory conditions in {rule.id}): "
                            f"{' and '.join(_describe(c, v) for c, v in known)} can never all hold{when} (lines {', '.join(lines)})")
                    )
                    break
    return out


def _reachability(cat: Catalogue, rule: Rule) -> list[LintFinding]:
    out: list[LintFinding] = []
    for day in _dates(cat, rule):
        view = cat.at(day)
        if rule.id not in view.rule_ids:
            continue
        for target, what in ((True, "met (unreachable)"), (False, "missed (always true)")):
            if next(fact_assignments(cat, view, rule.id, target, limit=1), None) is None:
                out.append(_at(cat, rule, "warning", f"规则 {rule.id} 在 {day} 永远不能被{'满足' if target else '否定'} (can never be {what} on {day})"))
        if out:
            break
    return out


def _periods(cat: Catalogue, rule: Rule) -> list[LintFinding]:
    out: list[LintFinding] = []
    seen: set[str] = set()
    for day in _dates(cat, rule):
        view = cat.at(day)
        for node in walk(rule.conditions):
            for pid in _params_of(node):
                if pid not in view.values and pid not in seen:
                    seen.add(pid)
                    out.append(_at(cat, node, "warning", f"参数 {pid} 在 {day} 没有有效值，而规则 {rule.id} 已生效 (no value in force on {day}: never met then)"))
            if isinstance(node, RuleRef) and node.rule in cat.rules and node.rule not in view.rule_ids and node.rule not in seen:
                seen.add(node.rule)
                # A derived rule that starts later records criteria only encoded from then on
                # (a note); one that has ended while its user goes on is likely an oversight.
                later = cat.rules[node.rule].effective.from_ > day
                out.append(_at(cat, node, "info" if later else "warning", f"派生规则 {node.rule} 在 {day} 未生效，而规则 {rule.id} 已生效 (not in force on {day}: not met then)"))
    return out


def _monotone_directions(cat: Catalogue, rule: Rule) -> list[LintFinding]:
    if rule.monotone is None:
        return []
    declared = dict(rule.monotone.directions())
    out: list[LintFinding] = []

    def visit(cond: Condition, sign: int) -> None:
        if isinstance(cond, Not):
            visit(cond.not_, -sign)
        elif isinstance(cond, All | AnyOf):
            for c in cond.all if isinstance(cond, All) else cond.any:
                visit(c, sign)
        elif isinstance(cond, Compare) and cond.fact in declared:
            wants = {Op.ge: 1, Op.gt: 1, Op.le: -1, Op.lt: -1}.get(cond.op)
            if wants is not None and wants * sign != declared[cond.fact]:
                way = "increasing" if declared[cond.fact] > 0 else "decreasing"
                out.append(_at(cat, cond, "warning", f"{rule.id} declares {cond.fact} monotone {way}, but this comparison ({cond.fact} {cond.op.value}) favours the other direction"))

    visit(rule.conditions, 1)
    return out


_DAYS_OR_CALENDAR = re.compile(
    r"日历天|\d+\s*个?[天日](?![期])|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}-\d{2}-\d{2}|calendar day|\d+\s*days"
)
"""Wording that counts in days (365个日历天数) or names a calendar date (2013年1月1日)."""


def _ages_for_dates(cat: Catalogue, rule: Rule) -> list[LintFinding]:
    """A whole-year (or whole-month) age compared with a parameter whose citation counts
    days or names a calendar date: whole units cannot say what the text says."""
    out: list[LintFinding] = []
    for node in walk(rule.conditions):
        if not isinstance(node, Compare) or node.param not in cat.parameters:
            continue
        spec = FACTS.get(node.fact)
        if spec is None or spec.years_since is None:
            continue
        for value in cat.parameters[node.param].values:
            words = " ".join(filter(None, [value.note, *(f"{c.article or ''} {c.note or ''}" for c in value.citations)]))
            found = _DAYS_OR_CALENDAR.search(words)
            if found:
                out.append(_at(cat, node, "warning", (
                    f"{node.fact}（整{'月' if spec.years_since.unit == 'months' else '年'}数）与参数 {node.param} 比较，但其依据以日数或日期表述（“{found.group(0)}”）：请改用日期条件 "
                    f"(a whole-{spec.years_since.unit} age compared with {node.param}, whose citation counts days or names a date: use a date condition)"
                )))
                break
    return out


def _windows(cat: Catalogue, rule: Rule) -> list[LintFinding]:
    """A date window that can never open: empty (zero length, closing day excluded), or
    a fixed window outside the rule's effective period, or a window of a date of the
    profile that opens after the evaluation date (such a date is "not yet")."""
    out: list[LintFinding] = []
    for node in walk(rule.conditions):
        if not isinstance(node, DateCondition):
            continue
        for day in _dates(cat, rule):
            leaf = resolve_date(node, cat.at(day))
            if not isinstance(leaf, DateLeaf):
                continue
            test = leaf.test
            reason = None
            if test.relation is Relation.within and test.end is not None:
                if test.end.amount == 0 and not test.end_included:
                    reason = "长度为零且不含到期日 (zero length, closing day excluded)"
                elif test.subject.name == AS_OF and (a := test.anchor.constant()) and (e := test.end.constant()):
                    last = e if test.end_included else e - dt.timedelta(days=1)
                    if last < rule.effective.from_ or (rule.effective.to is not None and a > rule.effective.to):
                        reason = f"窗口 {a} – {last} 不在规则有效期内 (the window lies outside the rule's effective period)"
                elif test.subject.name != AS_OF and test.anchor.name == AS_OF and test.anchor.amount > 0:
                    reason = "窗口开启于评估日之后，而档案日期不晚于评估日 (opens after the evaluation date; a date of the profile is never after it)"
            if reason:
                out.append(_at(cat, node, "warning", f"日期窗口永远不会开启 (a date window that can never open): {date_words(test, 'zh')}: {reason}"))
                break
    return out


def _parameters(cat: Catalogue) -> list[LintFinding]:
    out: list[LintFinding] = []
    used = {pid for r in cat.rules.values() for n in walk(r.conditions) for pid in _params_of(n)}
    used |= {pid for name in cat.facts_used() for pid in FACTS[name].params}  # points tables read by scores
    used |= {lim.param for r in cat.rules.values() for lim in r.limits}  # caps told in the report
    used |= {pid for r in cat.rules.values() for pid in r.rests_on}  # values a support rests on
    for pid, param in sorted(cat.parameters.items()):
        if pid not in used:
            out.append(_at(cat, param, "warning", f"参数未被使用 (parameter {pid} is used by no rule)"))
        for value in param.values:
            if value.certainty.value == "assumption":
                out.append(_at(cat, value, "info", f"参数 {pid} 自 {value.from_} 起的值是假设 (the value from {value.from_} is an assumption awaiting an official source)"))
            for cit in value.citations:
                if not cit.article:
                    out.append(_at(cat, value, "info", f"参数 {pid} 的引用没有条款 (a citation of {pid} names no article)"))
            out += _official_mark(cat, pid, value)
    return out


def _official_mark(cat: Catalogue, pid: str, value: ParameterValue) -> list[LintFinding]:
    """An ``official`` value must be stated by an official text it cites, at a named article
    or page: a truncated page, a third-party copy or a bare document number is not that."""
    if value.certainty.value != "official":
        return []
    stated = [
        c for c in value.citations
        if c.article and c.source in cat.sources and cat.sources[c.source].certainty.value == "official"
    ]
    if stated:
        return []
    return [
        _at(
            cat, value, "warning",
            f"参数 {pid} 自 {value.from_} 起标为 official，但所引来源没有一处是读过的官方文本中写明该值的条款或页面 "
            f"(marked official, but no citation names an article or page of an official text that states the value)",
        )
    ]


def _plan_term(cat: Catalogue, rule: Rule) -> list[LintFinding]:
    """A support resting on a plan with a term: a plan support that exists only because of the
    plan must end with the term or rest on a value that changes the day after it; a related
    policy cites its own text first, not the plan."""
    if rule.kind != "support" or rule.basis is None:
        return []
    plans = [cat.sources[c.source] for c in rule.citations if c.source in cat.sources and cat.sources[c.source].period]
    out: list[LintFinding] = []
    if rule.basis is not Basis.plan:
        first = cat.sources.get(rule.citations[0].source)
        if first is not None and first.period is not None:
            out.append(_at(cat, rule, "warning", f"{rule.id} 是相关政策（{rule.basis.value}），却首先引用行动方案 {first.id} (a related policy cites the plan first; cite its own text first)"))
        return out
    others = [
        c for c in rule.citations
        if c.source in cat.sources and cat.sources[c.source].period is None and cat.sources[c.source].certainty.value != "assumption"
    ]
    if others:  # carried by a programme with texts of its own: the plan's term does not end it
        return out
    for plan in plans:
        end = plan.period.to if plan.period else None
        if end is None or (rule.effective.to is not None and rule.effective.to <= end):
            continue
        after = end + dt.timedelta(days=1)
        marked = any(v.from_ == after for pid in rule.rests_on if pid in cat.parameters for v in cat.parameters[pid].values)
        if not marked:
            out.append(
                _at(
                    cat, rule, "warning",
                    f"{rule.id} 只依据行动方案 {plan.id}（方案期至 {end}），却没有截止日期，也没有依据一个自 {after} 起变化的参数 "
                    f"(a plan support with no end date and nothing in rests_on that changes after the plan's term)",
                )
            )
    return out


__all__ = ["LintFinding", "LintReport", "lint", "value_problem"]
