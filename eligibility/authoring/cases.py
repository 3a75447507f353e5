"""Example cases written as YAML, for rule authors: read, check, run (``eligibility rules test``).

A case file holds an optional ``base`` profile, an optional default ``as_of`` and a list of
``cases``; each case gives a ``name``, the ``profile`` fields that differ from the base
(merged into it, nested mappings key by key, anything else replaced), optionally its own
``as_of``, and ``expect``: rule id -> ``eligible`` / ``not_eligible`` / ``needs_information``,
or ``not_in_force`` for a rule not in force on that date. ``missing`` (rule id -> fields) pins
the fields a "needs information" verdict names; ``limits`` (rule id -> ``maximum``, ``capped``)
pins the one cap a support tells and whether the amount asked for is above it::

    as_of: 2026-11-25
    base: {registration_date: 2018-03-01, staff_total: 100}
    cases:
      - name: S&T staff just below 10%
        profile: {st_staff: 9.99}
        expect: {hnte_quantitative: not_eligible}

Reading a file checks it against the catalogue: an unknown key, rule id or verdict, or a
profile the model refuses (an unknown field, a wrong type) is a :class:`CaseError` problem
with the file and line, never a case that passes by accident.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from .._catalogue import Catalogue
from ..errors import CaseError, Problem
from .._evaluate import evaluate
from .._input_limits import LimitError, RuleFileLoader, check_tree, read_file_capped
from ..profile import EnterpriseProfile
from .._profile_io import problems_of
from .._text import Lang

__all__ = ["Case", "CaseError", "CaseFailure", "CaseRun", "Cases", "read_cases", "run_case", "run_cases"]

NOT_IN_FORCE = "not_in_force"
VERDICTS = ("eligible", "not_eligible", "needs_information", NOT_IN_FORCE)
DEFAULT_NAME = "测试企业"
"""The enterprise's name when neither the base nor the case gives one."""

_FILE_KEYS = ("as_of", "base", "cases")
_CASE_KEYS = ("name", "profile", "as_of", "expect", "missing", "limits")
_LIMIT_KEYS = ("maximum", "capped")


@dataclass(frozen=True)
class Case:
    """One case, read and checked: where it is, the full profile, the date and what is expected."""

    file: str
    line: int
    name: str
    profile: dict[str, Any]
    as_of: dt.date
    expect: dict[str, str]
    missing: dict[str, list[str]] = field(default_factory=dict)
    limits: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{Path(self.file).stem}: {self.name}"


@dataclass(frozen=True)
class CaseFailure:
    """One expectation of a case that the evaluation did not meet."""

    case: Case
    rule_id: str
    what: Literal["verdict", "missing", "limits"]
    expected: Any
    got: Any

    def describe(self, lang: Lang = "zh") -> str:
        c = self.case
        if lang == "zh":
            what = {"verdict": "结论", "missing": "缺少的字段", "limits": "上限"}[self.what]
            return f"{c.file}:{c.line}: 用例「{c.name}」 {self.rule_id} {what}：期望 {self.expected}，实际 {self.got}"
        what = {"verdict": "verdict", "missing": "missing fields", "limits": "limit"}[self.what]
        return f'{c.file}:{c.line}: case "{c.name}" {self.rule_id} {what}: expected {self.expected}, got {self.got}'


@dataclass
class Cases:
    """The cases read from files, and the problems found in them (each with file and line)."""

    cases: list[Case] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def check(self) -> list[Case]:
        """The cases; :class:`CaseError` listing every problem if there is one."""
        if self.problems:
            n = len(self.problems)
            raise CaseError(f"用例文件有 {n} 处错误 (the case files have {n} error(s))", self.problems)
        return self.cases


@dataclass
class CaseRun:
    """The outcome of running cases: how many ran and every expectation not met."""

    total: int
    failures: list[CaseFailure]

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self, lang: Lang = "zh") -> str:
        failed = len({(f.case.file, f.case.line) for f in self.failures})
        if lang == "zh":
            return f"{self.total} 个用例，{self.total - failed} 个通过，{failed} 个失败"
        return f"{self.total} case(s), {self.total - failed} passed, {failed} failed"


# --- Reading --------------------------------------------------------------------------------


def case_files(path: str | Path) -> list[Path]:
    """``path`` itself if it is a file, else the ``*.yaml``/``*.yml`` files under it, sorted."""
    p = Path(path)
    if p.is_dir():
        return sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file())
    return [p]


def read_cases(path: str | Path, catalogue: Catalogue, *, as_of: dt.date | None = None) -> Cases:
    """Every case in the file or directory ``path``, checked against ``catalogue``.

    ``as_of`` is the date of a case whose file and case give none (default: today).
    Problems are collected, not raised: see :meth:`Cases.check`.
    """
    out = Cases()
    files = case_files(path)
    if not files:
        out.problems.append(Problem("没有用例文件 (no *.yaml case files)", str(path)))
    for file in files:
        _read_file(file, catalogue, as_of or dt.date.today(), out)
    return out


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if k.value == key), None)
    return None


def _key_line(node: yaml.Node | None, key: str) -> int:
    if isinstance(node, yaml.MappingNode):
        for k, _v in node.value:
            if k.value == key:
                return _line(k)
    return _line(node)


def _parse(file: Path, name: str, problems: list[Problem]) -> tuple[Any, yaml.Node | None] | None:
    try:
        text = read_file_capped(file).decode("utf-8-sig")
    except OSError as exc:
        problems.append(Problem(f"无法读取 (cannot read): {exc.strerror or exc}", name))
        return None
    except UnicodeDecodeError as exc:
        problems.append(Problem(f"文件不是 UTF-8 编码 (not UTF-8 text): byte {exc.start}", name, 1))
        return None
    except LimitError as exc:
        problems.append(Problem(str(exc), name, 1))
        return None
    loader = RuleFileLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        check_tree(data)
    except LimitError as exc:
        problems.append(Problem(str(exc), name, exc.line or 1))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.append(Problem(f"YAML 语法错误 (YAML syntax error): {getattr(exc, 'problem', exc)}", name, line))
        return None
    finally:
        loader.dispose()
    return data, node


def _unknown_keys(data: dict[str, Any], node: yaml.Node | None, allowed: tuple[str, ...], name: str, where: str) -> list[Problem]:
    return [
        Problem(f"{where}未知的键 (unknown key) {key!r}; expected one of {', '.join(allowed)}", name, _key_line(node, str(key)))
        for key in data
        if key not in allowed
    ]


def _date(value: Any, default: dt.date, name: str, line: int, problems: list[Problem]) -> dt.date:
    if value is None:
        return default
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    problems.append(Problem(f"as_of 应为日期 YYYY-MM-DD (must be a date), got {value!r}", name, line))
    return default


def _read_file(file: Path, catalogue: Catalogue, default_day: dt.date, out: Cases) -> None:
    name = str(file)
    parsed = _parse(file, name, out.problems)
    if parsed is None:
        return
    data, root = parsed
    if not isinstance(data, dict):
        out.problems.append(Problem("用例文件应为映射 (a case file must hold a mapping with 'cases')", name, _line(root)))
        return
    out.problems += _unknown_keys(data, root, _FILE_KEYS, name, "")
    base = data.get("base") or {}
    if not isinstance(base, dict):
        out.problems.append(Problem("base 应为映射 (must be a mapping of profile fields)", name, _key_line(root, "base")))
        base = {}
    day = _date(data.get("as_of"), default_day, name, _key_line(root, "as_of"), out.problems)
    cases, cases_node = data.get("cases"), _child(root, "cases")
    if not isinstance(cases, list) or not cases:
        out.problems.append(Problem("cases 应为非空列表 (must be a non-empty list of cases)", name, _key_line(root, "cases")))
        return
    for i, raw in enumerate(cases):
        node = cases_node.value[i] if isinstance(cases_node, yaml.SequenceNode) else None
        case = _read_case(raw, node, _child(root, "base"), base, day, catalogue, name, out.problems)
        if case is not None:
            out.cases.append(case)


def _read_case(
    raw: Any,
    node: yaml.Node | None,
    base_node: yaml.Node | None,
    base: dict[str, Any],
    day: dt.date,
    catalogue: Catalogue,
    name: str,
    problems: list[Problem],
) -> Case | None:
    line = _line(node)
    if not isinstance(raw, dict):
        problems.append(Problem("用例应为映射 (a case must be a mapping)", name, line))
        return None
    found: list[Problem] = _unknown_keys(raw, node, _CASE_KEYS, name, "")
    title = raw.get("name")
    if not isinstance(title, str) or not title:
        found.append(Problem("用例缺少 name (a case needs a name)", name, line))
        title = f"#{line}"
    label = f"用例「{title}」 (case {title!r}): "
    expect = raw.get("expect")
    if not isinstance(expect, dict) or not expect:
        found.append(Problem(f"{label}expect 应为非空映射 (expect must map rule ids to verdicts)", name, _key_line(node, "expect")))
        expect = {}
    for section in ("expect", "missing", "limits"):
        table, table_node = raw.get(section) or {}, _child(node, section)
        if not isinstance(table, dict):
            found.append(Problem(f"{label}{section} 应为映射 (must be a mapping by rule id)", name, _key_line(node, section)))
            continue
        for rid, value in table.items():
            at = _key_line(table_node, str(rid))
            if rid not in catalogue.rules:
                found.append(Problem(f"{label}未知的规则编号 (unknown rule id) {rid!r}{_close(str(rid), catalogue)}", name, at))
            elif section == "expect" and value not in VERDICTS:
                found.append(Problem(f"{label}{rid}: 未知的结论 (unknown verdict) {value!r}; expected one of {', '.join(VERDICTS)}", name, at))
            elif section == "missing" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                found.append(Problem(f"{label}{rid}: missing 应为字段路径列表 (must be a list of field paths)", name, at))
            elif section == "limits" and not (isinstance(value, dict) and set(value) == set(_LIMIT_KEYS)):
                found.append(Problem(f"{label}{rid}: limits 应给出 (must give) {' and '.join(_LIMIT_KEYS)}", name, at))
    profile_part = raw.get("profile") or {}
    if not isinstance(profile_part, dict):
        found.append(Problem(f"{label}profile 应为映射 (must be a mapping of profile fields)", name, _key_line(node, "profile")))
        profile_part = {}
    profile = merged({"name": DEFAULT_NAME, **base}, profile_part)
    try:
        EnterpriseProfile.model_validate(profile)
    except ValidationError as exc:
        layers = [_child(node, "profile"), base_node]
        for err, problem in zip(exc.errors(), problems_of(exc, profile), strict=True):
            at = _profile_line(tuple(err["loc"]), layers, _key_line(node, "profile"))
            found.append(Problem(f"{label}画像字段 (profile field) {problem}", name, at))
    case_day = _date(raw.get("as_of"), day, name, _key_line(node, "as_of"), found)
    problems += found
    if found:
        return None
    return Case(name, line, title, profile, case_day, dict(expect), dict(raw.get("missing") or {}), dict(raw.get("limits") or {}))


def _close(rid: str, catalogue: Catalogue) -> str:
    close = difflib.get_close_matches(rid, list(catalogue.rules), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` laid over it; nested mappings merge, everything else replaces."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def _profile_line(loc: tuple[Any, ...], layers: list[yaml.Node | None], fallback: int) -> int:
    """The line of a profile field in a case, its profile laid over the base as :func:`merged` does."""
    line = fallback
    nodes = [n for n in layers if n is not None]
    for part in loc:
        nxt: list[yaml.Node] = []
        for n in nodes:
            if isinstance(part, int):
                if isinstance(n, yaml.SequenceNode):  # the first list wins whole
                    if part < len(n.value):
                        nxt.append(n.value[part])
                    break
            elif (child := _child(n, str(part))) is not None:
                nxt.append(child)
                if not isinstance(child, yaml.MappingNode):
                    break  # a value that replaces what lies under it
        if not nxt:
            break
        nodes = nxt
        line = _line(nodes[0])
    return line


# --- Running --------------------------------------------------------------------------------


def run_case(case: Case, catalogue: Catalogue) -> list[CaseFailure]:
    """Every expectation of ``case`` that evaluating its profile on its date does not meet."""
    report = evaluate(case.profile, as_of=case.as_of, catalogue=catalogue)
    verdicts = {k: v.value for k, v in report.verdicts().items()}
    failures = [
        CaseFailure(case, rid, "verdict", want, verdicts.get(rid, NOT_IN_FORCE))
        for rid, want in case.expect.items()
        if verdicts.get(rid, NOT_IN_FORCE) != want
    ]
    for rid, fields in case.missing.items():
        got = report.support(rid).missing_fields if rid in verdicts else NOT_IN_FORCE
        if got != fields:
            failures.append(CaseFailure(case, rid, "missing", fields, got))
    for rid, pinned in case.limits.items():
        limits = report.support(rid).limits if rid in verdicts else []
        got_limit: Any = [{"maximum": lim.maximum, "capped": lim.capped} for lim in limits]
        got_limit = got_limit[0] if len(got_limit) == 1 else got_limit
        if got_limit != pinned:
            failures.append(CaseFailure(case, rid, "limits", pinned, got_limit))
    return failures


def run_cases(cases: list[Case], catalogue: Catalogue) -> CaseRun:
    """Run every case; the failures in file order."""
    return CaseRun(len(cases), [f for case in cases for f in run_case(case, catalogue)])
