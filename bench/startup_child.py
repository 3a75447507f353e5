"""One run for bench/startup.py: a cold `eligibility check EXAMPLE`, its phases timed in place.

A flat script that imports only what the command imports, in the same order, with the garbage
collector as the command line sets it (``load_commands``); the command's own stages are timed
by wrapping them. It prints the phases' CPU milliseconds as JSON on standard error.
"""

import gc
import os
import sys
import time

marks: list[tuple[str, float]] = [("python itself, to the first line", time.process_time())]


def lap(what: str) -> None:
    marks.append((what, time.process_time()))


import durable_rules_engine  # noqa: E402, F401
import pydantic  # noqa: E402, F401
import yaml  # noqa: E402, F401

lap("baseline: import pydantic, yaml, durable_rules_engine")
gc.disable()  # as eligibility.__main__.load_commands does
from pydantic import BaseModel  # noqa: E402, F401

lap("Pydantic's model machinery (from pydantic import BaseModel)")
import eligibility._text  # noqa: E402, F401  the first model: schema generation, plugin loading

lap("the first model and its validator (eligibility._text)")
import eligibility._evaluate  # noqa: E402, F401
import eligibility._loader  # noqa: E402, F401
import eligibility._profile_io  # noqa: E402, F401
import eligibility._render  # noqa: E402, F401

lap("the library's other modules")
import typer  # noqa: E402, F401

lap("typer")
import rich.console  # noqa: E402, F401
import rich.markup  # noqa: E402, F401
import rich.table  # noqa: E402, F401

lap("rich")
from eligibility import _commands, _evaluate  # noqa: E402
from eligibility.__main__ import load_commands  # noqa: E402

main = load_commands()  # freezes what was made and collects again, as the command does
lap("the command line's module")


def timed(module: object, name: str, label: str) -> None:
    inner = getattr(module, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        lap("(between)")
        try:
            return inner(*args, **kwargs)
        finally:
            lap(label)

    setattr(module, name, wrapper)


timed(_commands, "load_catalogue", "catalogue from the cache")
timed(_commands, "_read_profile", "profile read and validated")
timed(_evaluate, "prepared_for", "view prepared: compiled, engine ruleset, prototypes")
timed(_evaluate, "run", "evaluation: durable-rules, explanations")
timed(_evaluate, "report_of", "report models")
timed(_commands, "_print_table", "table printed by rich")


def report() -> None:
    """The phases' CPU milliseconds as JSON on standard error."""
    import json  # after the run: the command imports it itself

    phases: dict[str, float] = {marks[0][0]: 1000 * marks[0][1]}
    for (_, before), (what, at) in zip(marks, marks[1:]):
        key = "typer's parsing and the check between its stages" if what == "(between)" else what
        phases[key] = phases.get(key, 0.0) + 1000 * (at - before)
    print(json.dumps(phases), file=sys.stderr)


end_now = _commands._end_now


def ending(code: int) -> None:
    """The command ends the process at once after `check` (``_commands.main``): report first."""
    lap("(between)")
    report()
    end_now(code)


_commands._end_now = ending
sys.argv = ["eligibility", *sys.argv[1:]]
sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
try:
    main()
except SystemExit:
    pass
lap("(between)")
report()
