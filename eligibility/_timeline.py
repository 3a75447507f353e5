"""When a verdict changes by time alone: an anniversary of registration, of a
certificate, of returning home; a window closing; a cut-off passing.

Only time moves: the evaluation date in date conditions and the ages counted from
the enterprise's dates (:func:`facts_on`); the parameters stay those in force on the
date of evaluation (a later change of policy is a new catalogue, not a flip), and so
do the yearly figures. The rules are decided again with the deciders the engine's
verdict is checked against, so ``changes_on`` follows the verdict's own definition.
"""

from __future__ import annotations

import math
from datetime import date
from collections.abc import Collection
from typing import TYPE_CHECKING

from ._catalogue import CatalogueView, rule_refs
from ._dates import AS_OF, HORIZON_YEARS, change_days, shift, whole_units
from ._facts import FACTS, FactValue, lookup
from .profile import EnterpriseProfile
from ._resolve import DateLeaf, Leaf, date_leaves, leaves, resolve
from ._semantics import Op, Truth

if TYPE_CHECKING:
    from ._explain import ViewStatic

def candidate_dates(
    view: CatalogueView, profile: EnterpriseProfile, static: ViewStatic | None = None, facts: dict[str, FactValue] | None = None
) -> list[date]:
    """The future days (within ten years) on which a time-dependent condition of the
    catalogue may change: an age reaching a threshold, a date condition's comparison
    changing as the evaluation date moves (:func:`eligibility._dates.change_days`)."""
    days: set[date] = set()
    horizon = shift(view.day, "years", HORIZON_YEARS)
    for leaf in _time_leaves(view, static):
        flip = FACTS[leaf.fact].years_since
        assert flip is not None
        base = lookup(profile, flip.path)
        if base is None:
            continue
        for value in leaf.value if isinstance(leaf.value, list) else [leaf.value]:
            whole = int(value)
            for n in {whole, whole + 1, math.ceil(value)}:
                day = shift(base, flip.unit, n)
                if view.day < day <= horizon:
                    days.add(day)
    if facts is not None:
        for dleaf in _date_leaves(view, static):
            dates = {n: facts[n].value for n in dleaf.test.names}
            days |= change_days(dleaf.test, dates, horizon)
    return sorted(d for d in days if view.day < d <= horizon)


def _time_leaves(view: CatalogueView, static: ViewStatic | None) -> list[Leaf]:
    """The comparisons of facts that move with time, found once per view."""
    if static is not None and static.time_leaves is not None:
        return static.time_leaves
    found = [
        leaf
        for rid in view.rule_ids
        for leaf in leaves(static.tree(rid) if static else resolve(view.catalogue.rules[rid].conditions, view))
        if FACTS[leaf.fact].years_since is not None
    ]
    if static is not None:
        static.time_leaves = found
    return found


def _date_leaves(view: CatalogueView, static: ViewStatic | None) -> list[DateLeaf]:
    """The date conditions of the view (each moves with the evaluation date), found once per view."""
    if static is not None and static.date_leaves is not None:
        return static.date_leaves
    found = [
        leaf
        for rid in view.rule_ids
        for leaf in date_leaves(static.tree(rid) if static else resolve(view.catalogue.rules[rid].conditions, view))
    ]
    if static is not None:
        static.date_leaves = found
    return found


_AGES = [(spec.name, spec.years_since) for spec in FACTS.values() if spec.years_since is not None]
"""The facts counting whole years or months from a date of the profile."""


def facts_on(facts: dict[str, FactValue], profile: EnterpriseProfile, day: date) -> tuple[dict[str, FactValue], set[str]]:
    """The facts with time moved to ``day``: the evaluation date, and every age counted
    from a date of the profile (the rest, yearly figures included, stay as they were on
    the date of evaluation). Also the names of the facts that changed."""
    moved = dict(facts)
    changed: set[str] = set()
    if AS_OF in facts:
        moved[AS_OF] = FactValue(day)
        changed.add(AS_OF)
    for name, flip in _AGES:
        if name not in facts:
            continue
        base = lookup(profile, flip.path)
        if base is None:
            continue
        value = whole_units(base, day, flip.unit)
        if value != facts[name].value:
            moved[name] = FactValue(value)
            changed.add(name)
    return moved, changed


def time_flips(
    view: CatalogueView,
    facts: dict[str, FactValue],
    profile: EnterpriseProfile,
    now: dict[str, Truth],
    static: ViewStatic | None = None,
    only: Collection[str] | None = None,
) -> dict[str, tuple[date, Truth]]:
    """Rule id -> (the first day its outcome changes by time alone, the outcome then).

    "By time alone": the rules decided again by :func:`decide_on` (the deciders the
    engine's verdict is checked against) on the candidate days; between two candidate
    days no comparison changes, so neither does an outcome. ``only``: the rules wanted,
    each with the derived rules it names (no other is decided again)."""
    from ._explain import ViewStatic

    static = static or ViewStatic(view)
    flips: dict[str, tuple[date, Truth]] = {}
    for day in candidate_dates(view, profile, static, facts):
        for rid, truth in decide_on(view, facts, profile, day, static, now, only).items():
            if rid not in flips and truth != now.get(rid):
                flips[rid] = (day, truth)
    return flips


def decide_on(
    view: CatalogueView,
    facts: dict[str, FactValue],
    profile: EnterpriseProfile,
    day: date,
    static: ViewStatic,
    now: dict[str, Truth],
    only: Collection[str] | None = None,
) -> dict[str, Truth]:
    """The outcome on ``day``, by time alone, of every rule that can move with time
    (:func:`moving_rules`), or of those in ``only``; ``now``: every rule's outcome on the
    date of evaluation."""
    from ._explain import Decided

    moved, changed = facts_on(facts, profile, day)
    # Only a rule with an age that moved by that day, a date condition that turned, or
    # naming a rule that turned, can turn: the others keep their outcome.
    done: dict[str, Decided] = {rid: (now.get(rid), ()) for rid in view.rule_ids}
    redone: dict[str, Truth] = {}
    turned: set[str] = set()
    for rid, reads, names in moving_rules(view, static):
        if only is not None and rid not in only:
            continue
        if reads.isdisjoint(changed - {AS_OF}) and names.isdisjoint(turned) and not _turned(static, rid, facts, moved):
            continue
        done[rid] = static.decider(rid)(moved, done)
        redone[rid] = done[rid][0]
        if redone[rid] != now.get(rid):
            turned.add(rid)
    return redone


def _turned(static: ViewStatic, rule_id: str, facts: dict[str, FactValue], moved: dict[str, FactValue]) -> bool:
    """Whether one of the rule's own date conditions has another outcome on the moved facts."""
    leaves_of = static.rule_date_leaves
    found = leaves_of.get(rule_id)
    if found is None:
        found = leaves_of[rule_id] = date_leaves(static.tree(rule_id))
    for leaf in found:
        test = leaf.test
        if test.truth({n: moved[n].value for n in test.names}) != test.truth({n: facts[n].value for n in test.names}):
            return True
    return False


def moving_rules(view: CatalogueView, static: ViewStatic) -> list[tuple[str, frozenset[str], frozenset[str]]]:
    """The rules (in catalogue order) whose outcome can move with time, each with the
    moving facts it reads and the moving rules it names."""
    return _moving_rules(view, static)


def _moving_rules(view: CatalogueView, static: ViewStatic) -> list[tuple[str, frozenset[str], frozenset[str]]]:
    """The rules (in catalogue order) whose outcome can move with time, each with the
    moving facts it reads and the moving rules it names."""
    if static.moving_rules is None:
        time_facts = {leaf.fact for leaf in _time_leaves(view, static)} | {AS_OF}
        moving: list[tuple[str, frozenset[str], frozenset[str]]] = []
        for rid in view.rule_ids:
            tree = static.tree(rid)
            reads = frozenset(leaf.fact for leaf in leaves(tree)) & time_facts
            if date_leaves(tree):
                reads |= {AS_OF}
            names = frozenset(rule_refs(view.catalogue.rules[rid].conditions) & {m[0] for m in moving})
            if reads or names:
                moving.append((rid, reads, names))
        static.moving_rules = moving
    return static.moving_rules
