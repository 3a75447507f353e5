"""`python bench/engine_limits.py`: measure durable-rules' fixed limits by experiment.

Each probe builds a ruleset of a given size in a subprocess of its own, with a time limit
(durable-rules 2.0.28 loops forever in some of them instead of refusing), and prints the
largest size that worked and what happened just above it. The figures are recorded in
docs/input-limits.md; the constants the compiler and the adapter keep to are in
eligibility/_engine_limits.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

TIMEOUT = 10.0

_CHILD = r"""
import json, sys
import durable_rules_engine as dre
definition, message = json.loads(sys.stdin.read())
try:
    handle = dre.create_ruleset("probe", json.dumps(definition))
except Exception as exc:
    print("create:", exc); sys.exit(0)
try:
    code, state = dre.assert_fact(handle, json.dumps(message))
except Exception as exc:
    print("assert:", exc); sys.exit(0)
print("ok", code)
"""


def run(definition: dict, message: dict) -> str:
    """What durable-rules does with ``definition`` and ``message``: "ok ..", an error, or "hangs"."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD], input=json.dumps([definition, message]), capture_output=True, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return "hangs (no answer in %.0f s)" % TIMEOUT
    return (done.stdout.strip() or done.stderr.strip().splitlines()[-1]) if done.returncode == 0 else f"crashes ({done.returncode})"


def largest(make: Callable[[int], tuple[dict, dict]], low: int, high: int) -> tuple[int, str]:
    """The largest n in [low, high) for which ``make(n)`` works, by bisection, and what n+1 does."""
    assert run(*make(low)).startswith("ok"), run(*make(low))
    if run(*make(high)).startswith("ok"):
        return high, "ok"
    while high - low > 1:
        mid = (low + high) // 2
        if run(*make(mid)).startswith("ok"):
            low = mid
        else:
            high = mid
    return low, run(*make(high))


def rule(expr: dict) -> dict:
    return {"all": [{"m": {"$and": [{"stratum": 0}, expr]}}]}


def successors(n: int) -> tuple[dict, dict]:
    """n rules, each one comparison of its own under the node all of them share (stratum 0)."""
    return {f"r{i}": rule({"$gte": {"a": i}}) for i in range(n)}, {"sid": "0", "stratum": 0, "a": -1}


def forward(n: int) -> tuple[dict, dict]:
    """n rules, each an `any` whose first alternative (shared) links to the rule's own forward node."""
    return {f"r{i}": rule({"$or": [{"a": 1}, {"b": i}]}) for i in range(n)}, {"sid": "0", "stratum": 0, "a": 0}


def beta(n: int) -> tuple[dict, dict]:
    """n rules ending at the same comparison."""
    return {f"r{i}": rule({"a": 1}) for i in range(n)}, {"sid": "0", "stratum": 0, "a": 0}


def sequence(n: int) -> tuple[dict, dict]:
    """One rule: 14 nested groups (the outer `and` with the stratum is a 15th) and n comparisons read through $m."""
    items = [{"$gte": {f"a{i}": {"$m": "b"}}} for i in range(n)]
    node: dict = {"$and": [{"c": 1}, *items]}
    for level in range(13):
        node = {"$or" if level % 2 else "$and": [node, {"c": level + 2}]}
    return {"r": rule(node)}, {"sid": "0", "stratum": 0, "c": 1, "b": 0}


def groups(n: int) -> tuple[dict, dict]:
    """One rule nested n groups deep (the outer `and` with the stratum counted)."""
    node: dict = {"c": 0}
    for level in range(n - 1):
        node = {"$or" if level % 2 else "$and": [node, {"c": level + 1}]}
    return {"r": rule(node)}, {"sid": "0", "stratum": 0, "c": 0}


def stack(n: int) -> tuple[dict, dict]:
    """One rule: an `any` of n comparisons that all hold."""
    return {"r": rule({"$or": [{"$gte": {"a": i}} for i in range(n)]})}, {"sid": "0", "stratum": 0, "a": 10**6}


def properties(n: int) -> tuple[dict, dict]:
    """A fact of n properties besides sid and stratum."""
    return {"r": rule({"a0": 0})}, {"sid": "0", "stratum": 0, **{f"a{i}": 0 for i in range(n)}}


def rules(n: int) -> tuple[dict, dict]:
    """n rules, no more than 64 comparisons after any one node."""
    return {f"r{i}": rule({"$and": [{f"x{i // 64}": 1}, {"y": i % 64}]}) for i in range(n)}, {"sid": "0", "stratum": 0, "x0": 1, "y": 0}


PROBES = {
    "distinct comparisons under one alpha node": (successors, 16, 1024),
    "`any` forward nodes linked from one alpha node": (forward, 16, 1024),
    "rules ending at one alpha node": (beta, 16, 1024),
    "all/any groups in one rule": (groups, 2, 40),
    "$m comparisons in one rule with 15 groups": (sequence, 0, 32),
    "alternatives of one `any` holding at once": (stack, 2, 256),
    "properties of one fact (besides sid, stratum)": (properties, 2, 1024),
    "rules in one ruleset": (rules, 16, 8192),
}


def main() -> None:
    for name, (make, low, high) in PROBES.items():
        n, above = largest(make, low, high)
        print(f"{name}: at most {n}; {n + 1}: {above}", flush=True)


if __name__ == "__main__":
    main()
