"""The package's import structure: no circle, imports follow the flow of data, none inside functions.

The flow (README, "How it works"): profile -> fields/facts -> decision/engine -> explanation -> report ->
presentation (the command line, batch, service and the authoring tools at the top). Each module of
``eligibility/`` has a layer in ``LAYERS``; a module may import its own layer or an earlier one, never a
later one. Imports inside functions hide the structure (and once hid a circle), so only the command line
(``_commands``) makes them, to start fast. Imports of third-party modules are not counted: the optional
dependencies of the ``cli`` extra (openpyxl) are imported where they are used, so the library runs
without them.

Today's departures are listed, each with its reason, in ``KNOWN_EXCEPTIONS``; whoever fixes one removes
it from the list (a listed exception that no longer occurs fails ``test_known_exceptions_are_still_real``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "eligibility"

FOUNDATION, PROFILE, FACTS, DECISION, EXPLANATION, REPORT, PRESENTATION = range(7)
LAYER_NAMES = ["foundation", "profile and data models", "fields/facts", "decision/engine", "explanation", "report", "presentation"]

LAYERS: dict[str, int] = {
    # Knows nothing of profiles or rules: errors, dates, text, safe files, limits on what is read, worker processes.
    "_version": FOUNDATION,
    "errors": FOUNDATION,
    "_semantics": FOUNDATION,
    "_uscc": FOUNDATION,
    "_units": FOUNDATION,
    "_input_limits": FOUNDATION,
    "_safe_files": FOUNDATION,
    "_safe_text": FOUNDATION,
    "_text": FOUNDATION,
    "_dates": FOUNDATION,
    "_worker_pool": FOUNDATION,
    # The data models every later layer reads: the profile and its field catalogue (paths, specs, labels),
    # the rules, the report's models.
    "profile": PROFILE,
    "_labels": PROFILE,
    "_fields": PROFILE,
    "_profile_io": PROFILE,
    "_schema": PROFILE,
    "_catalogue": PROFILE,
    "_record": PROFILE,
    "report": PROFILE,
    # The profile's fields and the facts computed from them; loading and checking rules against them.
    "_formulas": FACTS,
    "_facts": FACTS,
    "_date_text": FACTS,
    "_tabular": FACTS,
    "_form_schema": FACTS,
    # What the rules decide: resolution on a date and the Python decision with the kinds table,
    # checking and loading rules (a rule value is checked against its kind in that table),
    # compilation, the durable-rules engine.
    "_decision": DECISION,
    "_checks": DECISION,
    "_loader": DECISION,
    "_catalogue_cache": DECISION,
    "_compiler": DECISION,
    "_engine": DECISION,
    "_engine_limits": DECISION,
    # Why: conditions with values, gaps, time, the bounds of what a support gives.
    "_explain": EXPLANATION,
    "_gaps": EXPLANATION,
    "_timeline": EXPLANATION,
    "_limits": EXPLANATION,
    "_reasons": EXPLANATION,
    # The report: evaluation assembled, its views and texts, questions, rule changes.
    "_evaluate": REPORT,
    "_views": REPORT,
    "_report_json": REPORT,
    "_render": REPORT,
    "_questions": REPORT,
    "_diff": REPORT,
    "_changelog": REPORT,
    "_rule_text": REPORT,
    # Front ends: the package's face, command line, batch, service, interview, authoring tools.
    "eligibility": PRESENTATION,
    "__main__": PRESENTATION,
    "_commands": PRESENTATION,
    "_batch": PRESENTATION,
    "service": PRESENTATION,
    "_template": PRESENTATION,
    "_diff_output": PRESENTATION,
    "_interview": PRESENTATION,
    "_recovery": PRESENTATION,
    "authoring": PRESENTATION,
    "authoring.lint": PRESENTATION,
    "authoring.witness": PRESENTATION,
    "authoring._realise": PRESENTATION,
    "authoring.strategies": PRESENTATION,
    "authoring.cases": PRESENTATION,
}

LAZY_IMPORTS_ALLOWED = {"_commands", "__main__"}
"""The command line imports each command's modules when that command runs, to start fast; its entry
point imports the command line inside a function, to tell a missing ``cli`` extra in one line."""

AGAINST_FLOW, IN_FUNCTION = "imports a later layer", "imports inside a function"


@dataclass(frozen=True)
class Exception_:
    importer: str
    imported: str
    kind: str
    reason: str


KNOWN_EXCEPTIONS: list[Exception_] = []


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or "eligibility"


MODULES = {module_name(f): f for f in sorted(PACKAGE.rglob("*.py"))}


def _targets(importer: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The package's modules an import statement loads (``eligibility`` for the package itself)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif node.level == 0:
        names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
    else:
        here = [] if importer == "eligibility" else importer.split(".")
        if not is_package:
            here = here[:-1]
        base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
        base_name = ".".join(["eligibility", *base, *([node.module] if node.module else [])])
        if node.module is None:  # from . import name: a submodule, or else a name of the package itself
            names = [f"{base_name}.{a.name}" if _short(f"{base_name}.{a.name}") in MODULES else base_name for a in node.names]
        else:
            names = [base_name] + [f"{base_name}.{a.name}" for a in node.names]
    names = [n for n in names if n == "eligibility" or n.startswith("eligibility.")]  # not third-party ones
    return {_short(n) for n in names if _short(n) in MODULES}


def _short(name: str) -> str:
    """``eligibility._facts`` -> ``_facts``; the package itself is ``eligibility``; others unchanged."""
    return name.removeprefix("eligibility.") if name.startswith("eligibility.") else name


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    in_function: bool
    line: int


def edges() -> list[Edge]:
    found = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
        inner = {id(x) for fn in functions for x in ast.walk(fn) if x is not fn}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _targets(name, path.name == "__init__.py", node) - {name}:
                    found.append(Edge(name, target, id(node) in inner, node.lineno))
    return found


def _is_known(importer: str, imported: str, kind: str) -> bool:
    return any(e.importer == importer and e.imported == imported and e.kind == kind for e in KNOWN_EXCEPTIONS)


def _where(edge: Edge) -> str:
    return f"eligibility/{MODULES[edge.importer].relative_to(PACKAGE)}:{edge.line}: {edge.importer} imports {edge.imported}"


def test_every_module_has_a_layer():
    missing = sorted(set(MODULES) - set(LAYERS))
    assert not missing, (
        f"modules without a layer: {missing}. Place each in LAYERS in tests/test_layers.py, in the flow "
        f"{' -> '.join(LAYER_NAMES)}, so its imports can be checked"
    )


def test_the_layers_table_names_only_modules_that_exist():
    assert sorted(set(LAYERS) - set(MODULES)) == []


def test_no_import_circle():
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for e in edges():
        if e.imported == "eligibility":  # a submodule reading its package's face is checked by the layers
            continue
        if _is_known(e.importer, e.imported, AGAINST_FLOW) or _is_known(e.importer, e.imported, IN_FUNCTION):
            continue
        graph[e.importer].add(e.imported)
    # Tarjan's strongly connected components
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert circles == []


def test_no_module_imports_a_later_layer():
    later = [
        f"{_where(e)} ({LAYER_NAMES[LAYERS[e.importer]]} imports {LAYER_NAMES[LAYERS[e.imported]]})"
        for e in edges()
        if e.importer in LAYERS and e.imported in LAYERS and LAYERS[e.imported] > LAYERS[e.importer]
        and not _is_known(e.importer, e.imported, AGAINST_FLOW)
    ]
    assert later == []


def test_no_import_inside_a_function_except_the_command_lines():
    inside = [
        _where(e)
        for e in edges()
        if e.in_function and e.importer not in LAZY_IMPORTS_ALLOWED and not _is_known(e.importer, e.imported, IN_FUNCTION)
    ]
    assert inside == []


def test_known_exceptions_are_still_real():
    """A fixed exception must leave the list, so the list stays the truth about the structure."""
    found = edges()
    stale = []
    for x in KNOWN_EXCEPTIONS:
        if x.kind == IN_FUNCTION:
            real = any(e.importer == x.importer and e.imported == x.imported and e.in_function for e in found)
        else:
            real = any(
                e.importer == x.importer and e.imported == x.imported and LAYERS.get(e.imported, -1) > LAYERS.get(e.importer, 99)
                for e in found
            )
        if not real:
            stale.append(f"{x.importer} -> {x.imported}: {x.kind} no longer happens; remove it from KNOWN_EXCEPTIONS")
    assert stale == []
