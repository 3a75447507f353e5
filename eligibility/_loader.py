"""Load a rules directory: YAML files, validated against :mod:`eligibility._schema`.

YAML is read with PyYAML's safe loader only (its C version when available): no tag
can construct a Python object, so
a rule file is data and never code. Every error names the file and the line. Files are
read within :mod:`eligibility._input_limits` (size, numbers, nesting, aliases counted as
expanded), and the node tree is walked once however often aliases repeat a part of it.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ._catalogue import Catalogue, Located
from ._catalogue_cache import load_with_cache
from ._checks import check_catalogue
from .errors import Problem, RuleError
from ._input_limits import MAX_RULE_DEPTH, LimitError, RuleFileLoader, check_tree, read_file_capped
from ._schema import (
    All,
    AnyOf,
    CatalogueInfo,
    Condition,
    Not,
    ParameterFile,
    Rule,
    SourceFile,
)

RULE_DIRS = ("derived", "supports")


def default_rules_dir() -> Path:
    """The bundled catalogue: inside the installed package, or ``rules/`` of a checkout."""
    bundled = Path(str(resources.files("eligibility"))) / "_rules"
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parent.parent / "rules"


@lru_cache(maxsize=8)
def _load_cached(path: Path, stamp: str) -> Catalogue:
    return load_with_cache(path, _load)  # across processes: :mod:`eligibility._catalogue_cache`


_default: Catalogue | None = None


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate the catalogue in ``path`` (the bundled one by default).

    Raises :class:`RuleError` listing every problem found, each with file and line.
    The bundled catalogue is loaded once per process; a directory given by path is
    loaded again only when one of its files changed (by name, size or time).
    """
    global _default
    if path is None and _default is not None:
        return _default
    root = Path(path) if path is not None else default_rules_dir()
    if not root.is_dir():
        raise RuleError(f"规则目录不存在 (rules directory not found): {root}")
    stamp = "|".join(
        f"{f.relative_to(root).as_posix()}:{st.st_size}:{st.st_mtime_ns}"
        for f in sorted(root.rglob("*.yaml"))
        for st in (f.stat(),)
    )
    catalogue = _load_cached(root.resolve(), stamp)
    if path is None:
        _default = catalogue
    return catalogue


class _File:
    """One YAML file: its data, its node tree (for line numbers) and its name."""

    def __init__(self, root: Path, path: Path) -> None:
        self.name = path.relative_to(root).as_posix()
        self.unreadable: str | None = None
        try:
            self.text = read_file_capped(path).decode("utf-8")
        except UnicodeDecodeError as exc:
            self.text = ""
            self.unreadable = f"文件不是 UTF-8 编码 (not UTF-8 text): byte {exc.start}"
        except LimitError as exc:
            self.text = ""
            self.unreadable = str(exc)
        self.node: yaml.Node | None = None
        self.data: Any = None

    def parse(self, problems: list[Problem]) -> bool:
        if self.unreadable:
            problems.append(Problem(self.unreadable, self.name, 1))
            return False
        try:
            loader = RuleFileLoader(self.text)
            try:
                self.node = loader.get_single_node()  # kept for line numbers
                self.data = loader.construct_document(self.node) if self.node is not None else None
            finally:
                loader.dispose()
            check_tree(self.data, MAX_RULE_DEPTH)
        except LimitError as exc:
            problems.append(Problem(str(exc), self.name, exc.line or 1))
            return False
        except RecursionError:
            problems.append(Problem(f"嵌套过深 (nested more than {MAX_RULE_DEPTH} levels)", self.name, 1))
            return False
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            problems.append(Problem(f"YAML 语法错误 (YAML syntax error): {getattr(exc, 'problem', exc)}", self.name, line))
            return False
        dupes = _duplicate_keys(self.node)
        for key, line in dupes:
            problems.append(Problem(f"键重复 (duplicate key): {key}", self.name, line))
        if not isinstance(self.data, dict):
            problems.append(Problem("文件内容应为映射 (the file must hold a mapping)", self.name, 1))
            return False
        return not dupes

    def line(self, loc: tuple[Any, ...]) -> int | None:
        """The line of the deepest node on a pydantic error location."""
        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for i, part in enumerate(loc):
            if isinstance(node, yaml.MappingNode):
                nxt = next((v for k, v in node.value if k.value == part), None)
                if nxt is None or isinstance(nxt, yaml.ScalarNode) and i + 1 < len(loc):
                    continue  # a union tag, not a key: stay on this node
                node = nxt
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    break
                node = node.value[part]
            else:
                continue
            line = node.start_mark.line + 1
        return line

    def validate(self, model: type[BaseModel], problems: list[Problem]) -> Any:
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err["loc"])
                parts = [str(p) for i, p in enumerate(loc) if i == 0 or p != loc[i - 1]]
                shown = ".".join(parts)
                problems.append(Problem(f"{shown}: {err['msg']}" if shown else err["msg"], self.name, self.line(loc)))
            return None


def _duplicate_keys(root: yaml.Node | None) -> list[tuple[str, int]]:
    """Keys repeated in a mapping, each node visited once (an alias repeats a node, not its
    walk: an alias bomb is walked in linear time)."""
    out: list[tuple[str, int]] = []
    visited: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None or id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for k, v in node.value:
                if k.value in seen:
                    out.append((str(k.value), k.start_mark.line + 1))
                seen.add(k.value)
                stack.append(v)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(out, key=lambda d: d[1])


def _record_conditions(file: _File, node: yaml.Node | None, cond: Condition, where: dict[int, Located]) -> None:
    """Remember the line of every condition node, walking YAML and model together."""
    line = node.start_mark.line + 1 if node is not None else None
    if not isinstance(node, yaml.MappingNode):
        where[id(cond)] = Located(file.name, line)
        return
    children = {k.value: v for k, v in node.value}
    keys = {str(k.value): k.start_mark.line + 1 for k, _v in node.value}
    where[id(cond)] = Located(file.name, line, keys)
    if isinstance(cond, All | AnyOf):
        items = cond.all if isinstance(cond, All) else cond.any
        seq = children.get("all" if isinstance(cond, All) else "any")
        for i, child in enumerate(items):
            sub = seq.value[i] if isinstance(seq, yaml.SequenceNode) and i < len(seq.value) else None
            _record_conditions(file, sub, child, where)
    elif isinstance(cond, Not):
        _record_conditions(file, children.get("not"), cond.not_, where)


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if k.value == key), None)
    return None


def _load(root: Path) -> Catalogue:
    catalogue, problems = build_catalogue(root)
    if problems or catalogue is None:
        raise RuleError(f"规则数据有 {len(problems)} 处错误 (rule data has {len(problems)} error(s))", problems)
    errors = [p for p in check_catalogue(catalogue) if p.severity == "error"]
    if errors:
        raise RuleError(
            f"规则数据有 {len(errors)} 处错误 (rule data has {len(errors)} error(s))",
            [p.problem for p in errors],
        )
    return catalogue


def build_catalogue(root: Path) -> tuple[Catalogue | None, list[Problem]]:
    """Read every file of ``root`` without raising: the catalogue of what could be read, and the problems.

    The catalogue is None when ``catalogue.yaml`` is missing or invalid. The static
    checks (:func:`check_catalogue`) are not run here. Used by the loader and by lint.
    """
    problems: list[Problem] = []
    where: dict[int, Located] = {}

    info = None
    info_file = root / "catalogue.yaml"
    if not info_file.is_file():
        problems.append(Problem("缺少 catalogue.yaml (missing catalogue.yaml)", "catalogue.yaml"))
    else:
        f = _File(root, info_file)
        if f.parse(problems):
            info = f.validate(CatalogueInfo, problems)

    sources: dict[str, Any] = {}
    src_file = root / "sources.yaml"
    if not src_file.is_file():
        problems.append(Problem("缺少 sources.yaml (missing sources.yaml)", "sources.yaml"))
    else:
        f = _File(root, src_file)
        if f.parse(problems) and (model := f.validate(SourceFile, problems)):
            seq = _child(f.node, "sources")
            for i, src in enumerate(model.sources):
                line = seq.value[i].start_mark.line + 1 if isinstance(seq, yaml.SequenceNode) else None
                if src.id in sources:
                    problems.append(Problem(f"来源编号重复 (duplicate source id): {src.id}", f.name, line))
                sources[src.id] = src
                where[id(src)] = Located(f.name, line)

    parameters: dict[str, Any] = {}
    for path in sorted((root / "parameters").glob("*.yaml")):
        f = _File(root, path)
        if not f.parse(problems) or not (model := f.validate(ParameterFile, problems)):
            continue
        seq = _child(f.node, "parameters")
        for i, param in enumerate(model.parameters):
            pnode = seq.value[i] if isinstance(seq, yaml.SequenceNode) else None
            line = pnode.start_mark.line + 1 if pnode is not None else None
            if param.id in parameters:
                other = where[id(parameters[param.id])]
                problems.append(
                    Problem(f"参数编号重复 (duplicate parameter id): {param.id}, also in {other.file}:{other.line}", f.name, line)
                )
            parameters[param.id] = param
            where[id(param)] = Located(f.name, line)
            vseq = _child(pnode, "values")
            for j, value in enumerate(param.values):
                vline = vseq.value[j].start_mark.line + 1 if isinstance(vseq, yaml.SequenceNode) else line
                where[id(value)] = Located(f.name, vline)

    rules: dict[str, Rule] = {}
    for sub in RULE_DIRS:
        for path in sorted((root / sub).glob("*.yaml")):
            f = _File(root, path)
            if not f.parse(problems) or not (rule := f.validate(Rule, problems)):
                continue
            expected_kind = "support" if sub == "supports" else "derived"
            if rule.kind != expected_kind:
                problems.append(
                    Problem(f"kind: {sub}/ 下的规则应为 {expected_kind} (rules in {sub}/ must have kind {expected_kind})", f.name, f.line(("kind",)))
                )
            if rule.id in rules:
                other = where[id(rules[rule.id])]
                problems.append(Problem(f"规则编号重复 (duplicate rule id): {rule.id}, also in {other.file}", f.name, f.line(("id",))))
                continue
            rules[rule.id] = rule
            where[id(rule)] = Located(f.name, 1, {"rests_on": f.line(("rests_on",)) or 1})
            if rule.monotone is not None:
                where[id(rule.monotone)] = Located(f.name, f.line(("monotone",)))
            _record_conditions(f, _child(f.node, "conditions"), rule.conditions, where)
            for i, cit in enumerate(rule.citations):
                where[id(cit)] = Located(f.name, f.line(("citations", i)))
            for i, limit in enumerate(rule.limits):
                where[id(limit)] = Located(f.name, f.line(("limits", i)), {k: f.line(("limits", i, k)) or 0 for k in ("param", "fact")})

    if info is None:
        return None, problems

    stamp = hashlib.sha256()
    for path in sorted(root.rglob("*.yaml")):
        stamp.update(path.relative_to(root).as_posix().encode() + path.read_bytes())
    return Catalogue(info, rules, parameters, sources, where, stamp.hexdigest()[:16], root), problems
