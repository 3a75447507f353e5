"""When a verdict changes by time alone: an anniversary of registration, of a
certificate, of returning home.

Only the enterprise's own dates move; the parameters stay those in force on the
date of evaluation (a later change of policy is a new catalogue, not a flip).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from .catalogue import CatalogueView, rule_refs
from .facts import FACTS, FactValue, lookup, whole_years
from .profile import EnterpriseProfile
from .resolve import Leaf, leaves, resolve
from .semantics import Op, Truth

if TYPE_CHECKING:
    from .explain import ViewStatic

HORIZON_YEARS = 10


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def candidate_dates(view: CatalogueView, profile: EnterpriseProfile, static: ViewStatic | None = None) -> list[date]:
    """The future days on which a time-dependent comparison of the catalogue flips."""
    days: set[date] = set()
    horizon = add_years(view.day, HORIZON_YEARS)
    for leaf in _time_leaves(view, static):
        flip = FACTS[leaf.fact].years_since
        assert flip is not None
        base = lookup(profile, flip.path)
        if base is None:
            continue
        years = int(leaf.value) + (1 if leaf.op in (Op.gt, Op.le) else 0)
        day = add_years(base, years)
        if view.day < day <= horizon:
            days.add(day)
    return sorted(days)


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


def time_flips(
    view: CatalogueView,
    facts: dict[str, FactValue],
    profile: EnterpriseProfile,
    now: dict[str, Truth],
    static: ViewStatic | None = None,
) -> dict[str, tuple[date, Truth]]:
    """Rule id -> (the first day its outcome changes by time alone, the outcome then)."""
    from .explain import Decided, ViewStatic

    static = static or ViewStatic(view)
    moving = _moving_rules(view, static)
    flips: dict[str, tuple[date, Truth]] = {}
    dated = [(name, base) for name in facts if (base := _flip_base(name, profile)) is not None]
    for day in candidate_dates(view, profile, static):
        moved = dict(facts)
        changed: set[str] = set()
        for name, base in dated:
            value = whole_years(base, day)
            if value != facts[name].value:
                moved[name] = FactValue(value)
                changed.add(name)
        # Only rules that read a fact that moved by that day, or name such a rule, can change.
        done: dict[str, Decided] = {rid: (now.get(rid), ()) for rid in view.rule_ids}
        redone: set[str] = set()
        for rid, reads, names in moving:
            if reads.isdisjoint(changed) and names.isdisjoint(redone):
                continue
            redone.add(rid)
            done[rid] = static.decider(rid)(moved, done)
            truth = done[rid][0]
            if rid not in flips and truth != now.get(rid):
                flips[rid] = (day, truth)
    return flips


def _flip_base(fact: str, profile: EnterpriseProfile) -> date | None:
    """The date a fact counts whole years from, when it moves with time and the profile gives it."""
    flip = FACTS[fact].years_since
    return lookup(profile, flip.path) if flip else None


def _moving_rules(view: CatalogueView, static: ViewStatic) -> list[tuple[str, frozenset[str], frozenset[str]]]:
    """The rules (in catalogue order) whose outcome can move with time, each with the
    moving facts it reads and the moving rules it names."""
    if static.moving_rules is None:
        time_facts = {leaf.fact for leaf in _time_leaves(view, static)}
        moving: list[tuple[str, frozenset[str], frozenset[str]]] = []
        for rid in view.rule_ids:
            reads = frozenset(leaf.fact for leaf in leaves(static.tree(rid))) & time_facts
            names = frozenset(rule_refs(view.catalogue.rules[rid].conditions) & {m[0] for m in moving})
            if reads or names:
                moving.append((rid, reads, names))
        static.moving_rules = moving
    return static.moving_rules
