"""What a program may use: the package's ``__all__``, its public modules, and nothing else."""

from __future__ import annotations

import dataclasses
import enum
import inspect
import subprocess
import sys
import typing
from pathlib import Path

from pydantic import BaseModel

import eligibility

PACKAGE = Path(eligibility.__file__).parent

PUBLIC_MODULES = {"__init__", "__main__", "profile", "report", "errors", "service", "authoring"}
"""The modules without a leading underscore; every other module is internal."""


def test_only_the_public_modules_lack_a_leading_underscore():
    names = {p.stem for p in PACKAGE.glob("*.py")} | {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert {n for n in names if not n.startswith("_") or n in {"__init__", "__main__"}} == PUBLIC_MODULES


def test_every_exported_name_exists():
    assert [n for n in eligibility.__all__ if not hasattr(eligibility, n)] == []
    assert len(set(eligibility.__all__)) == len(eligibility.__all__)


def test_every_exported_class_and_function_has_its_own_docstring():
    undocumented = []
    for name in eligibility.__all__:
        obj = getattr(eligibility, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            doc = obj.__doc__
            inherited = inspect.isclass(obj) and any(doc == base.__doc__ for base in obj.__mro__[1:])
            if not doc or inherited:
                undocumented.append(name)
    assert undocumented == []


def _types_in(annotation: object) -> set[type]:
    found: set[type] = set()
    for arg in typing.get_args(annotation):
        found |= _types_in(arg)
    origin = typing.get_origin(annotation)
    if origin is None and isinstance(annotation, type):
        found.add(annotation)
    return found


def _reachable(roots: list[type]) -> set[type]:
    """The models, enums and dataclasses a program meets through the fields of ``roots``."""
    seen: set[type] = set()
    todo = list(roots)
    while todo:
        cls = todo.pop()
        if cls in seen or not cls.__module__.startswith("eligibility"):
            continue
        seen.add(cls)
        if issubclass(cls, BaseModel):
            annotations = [f.annotation for f in cls.model_fields.values()]
        elif dataclasses.is_dataclass(cls):
            annotations = list(typing.get_type_hints(cls).values())
        else:
            annotations = []
        for annotation in annotations:
            todo.extend(t for t in _types_in(annotation) if issubclass(t, (BaseModel, enum.Enum)) or dataclasses.is_dataclass(t))
    return seen


def test_every_type_a_program_reaches_is_exported():
    roots = [
        eligibility.Report,
        eligibility.SummaryReport,
        eligibility.CompactReport,
        eligibility.EnterpriseProfile,
        eligibility.Question,
        eligibility.Row,
        eligibility.Problem,
    ]
    exported = {getattr(eligibility, n) for n in eligibility.__all__}
    assert sorted(t.__name__ for t in _reachable(roots) - exported) == []


def test_importing_the_package_loads_none_of_its_modules_until_a_name_is_used():
    """The command line is reached through the package: its start-up must come first (see __main__)."""
    code = "import eligibility, sys; print(sorted(m for m in sys.modules if m.startswith('eligibility')))"
    result = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE.parent, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['eligibility', 'eligibility._version']"


def test_a_name_of_the_package_is_the_object_its_module_defines():
    from eligibility import _evaluate, profile

    assert eligibility.evaluate is _evaluate.evaluate and eligibility.EnterpriseProfile is profile.EnterpriseProfile


def test_the_authoring_tools_are_a_separate_subpackage_the_library_does_not_load():
    code = "import eligibility, sys; print(sorted(m for m in sys.modules if m.startswith('eligibility.authoring')))"
    result = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE.parent, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
