"""durable-rules' fixed limits, and the measures of compiled rules against them.

durable-rules 2.0.28 builds each ruleset into a network of "alpha" nodes (one per
comparison, shared between rules that begin alike) with fixed-size tables. The figures
below were measured with ``bench/engine_limits.py`` (each probe in a subprocess of its
own, with a time limit) and agree with the C source (``rules.h``, ``events.c``); the table
in docs/input-limits.md says what happens at each. Some are refused with an error code,
which the adapter answers by splitting the ruleset; but a node given its 512th distinct
successor makes ``create_ruleset`` loop forever, so every ruleset is measured here
*before* it is handed to the engine.

The compiler keeps each rule's engine rules within :data:`RULE_NODES` and
:data:`MAX_GROUPS` by moving parts of a large condition into chained helper rules
(:func:`eligibility._compiler.compile_view`); the adapter keeps each ruleset within the
per-node tables (:func:`ruleset_problem`) by splitting it by rules.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

# --- What durable-rules holds (measured) ------------------------------------------------

MAX_GROUPS = 15
"""``$and``/``$or`` groups in one rule's expression (16: error 113 from ``create_ruleset``)."""
MAX_SUCCESSORS = 511
"""Distinct comparisons following one alpha node (512: ``create_ruleset`` never returns)."""
MAX_FORWARD = 128
"""``$or`` groups whose alternatives end at one alpha node (129: error 107)."""
MAX_ENDING = 256
"""Rules whose expressions end at one alpha node (257: error 108)."""
MAX_PENDING = 64
"""Alpha nodes matching one fact at once (65: error 303 from ``assert_fact``)."""
MAX_PROPERTIES = 251
"""Properties of one fact besides ``sid`` and ``stratum`` (252: error 302 from ``assert_fact``)."""
MAX_RULES = 4096
"""Engine rules in one ruleset (4097: error 106)."""

# --- What the compiler keeps to --------------------------------------------------------

RULE_NODES = 32
"""Alpha nodes of one engine rule (each comparison, each ``$or``'s joining node, its
stratum). A rule's two engine rules (met, not met) share their stratum's node, so alone
they make at most 63 nodes: fewer than :data:`MAX_PENDING` can match at once, and far
from every per-node table."""
GROUP_ITEMS = 8
"""Items of one ``all``/``any`` in one engine rule: a longer group is compiled as a chain of
helper rules of at most this many items each (an ``in`` list likewise)."""


def _is_group(key: str) -> bool:
    return key in ("$and", "$or")


def group_count(expr: Any) -> int:
    """The ``$and``/``$or`` groups in a durable-rules expression (its nesting as the engine counts it)."""
    if isinstance(expr, dict):
        return sum(_is_group(k) + group_count(v) for k, v in expr.items())
    if isinstance(expr, list):
        return sum(group_count(v) for v in expr)
    return 0


def node_count(expr: dict[str, Any]) -> int:
    """The alpha nodes a durable-rules expression makes (comparisons and ``$or`` joins)."""
    ((key, value),) = expr.items()
    if key == "$and":
        return sum(node_count(item) for item in value)
    if key == "$or":
        return 1 + sum(node_count(item) for item in value)
    return 1


def rule_problem(expr: dict[str, Any]) -> str | None:
    """What keeps one engine rule's expression (its stratum included) beyond what the compiler
    keeps to, in English, or None."""
    groups, nodes = group_count(expr), node_count(expr)
    if groups > MAX_GROUPS:
        return f"{groups} all/any groups, at most {MAX_GROUPS}"
    if nodes > RULE_NODES:
        return f"{nodes} comparisons, at most {RULE_NODES}"
    return None


def ruleset_problem(definition: dict[str, Any]) -> str | None:
    """What in a ruleset definition (engine rule name -> ``{"all": [{"m": expr}]}``) would
    exceed one of durable-rules' per-node tables, in English, or None.

    The alpha network is built as durable-rules builds it: the items of an ``$and`` each
    follow the one before; the alternatives of an ``$or`` each follow the node before the
    group and end at a new joining node; equal comparisons following the same node are one
    node. Counts are per node."""
    successors: dict[int, dict[str, int]] = {}
    forward: Counter[int] = Counter()
    ending: Counter[int] = Counter()
    size = [1]  # node 0: the root

    def new() -> int:
        size[0] += 1
        return size[0] - 1

    def build(expr: dict[str, Any], parent: int) -> int:
        ((key, value),) = expr.items()
        if key == "$and":
            for item in value:
                parent = build(item, parent)
            return parent
        if key == "$or":
            join = new()
            for item in value:
                forward[build(item, parent)] += 1
            return join
        children = successors.setdefault(parent, {})
        text = json.dumps(expr, sort_keys=True)
        if text not in children:
            children[text] = new()
        return children[text]

    if len(definition) > MAX_RULES:
        return f"{len(definition)} rules, at most {MAX_RULES}"
    for rule in definition.values():
        ending[build(rule["all"][0]["m"], 0)] += 1
    widest = max((len(c) for c in successors.values()), default=0)
    if widest > MAX_SUCCESSORS:
        return f"{widest} distinct comparisons after one node, at most {MAX_SUCCESSORS}"
    if forward and max(forward.values()) > MAX_FORWARD:
        return f"{max(forward.values())} any-groups ending at one node, at most {MAX_FORWARD}"
    if ending and max(ending.values()) > MAX_ENDING:
        return f"{max(ending.values())} rules ending at one node, at most {MAX_ENDING}"
    return None
