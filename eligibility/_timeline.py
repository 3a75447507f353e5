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

from ._decision import Decided, Decision
from ._catalogue import CatalogueView
from ._dates import AS_OF, HORIZON_YEARS, DateTest, change_days, shift, whole_units
from ._facts import FACTS, FactValue, lookup
from .profile import EnterpriseProfile
from ._semantics import Truth

def candidate_dates(
    view: CatalogueView,
    profile: EnterpriseProfile,
    decision: Decision | None = None,
    facts: dict[str, FactValue] | None = None,
    only: Collection[str] | None = None,
) -> list[date]:
    """The future days (within ten years) on which a time-dependent condition of the
    catalogue (of the rules ``only``, when given) may change: an age reaching a threshold,
    a date condition's comparison changing as the evaluation date moves
    (:func:`eligibility._dates.change_days`)."""
    decision = decision or Decision(view)
    days = _age_days(view, profile, decision, only)
    if facts is not None:
        for _test, on in _date_changes(view, decision, facts, only).values():
            days |= on
    return sorted(days)


def _age_days(view: CatalogueView, profile: EnterpriseProfile, decision: Decision, only: Collection[str] | None) -> set[date]:
    """The days (within ten years) on which an age a rule compares reaches a threshold."""
    days: set[date] = set()
    horizon = shift(view.day, "years", HORIZON_YEARS)
    for leaf in decision.time_leaves(only):
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
    return days


def _date_changes(
    view: CatalogueView, decision: Decision, facts: dict[str, FactValue], only: Collection[str] | None
) -> dict[int, tuple[DateTest, set[date]]]:
    """Each date condition of the rules, by its identity (each once) -> it, and the days
    (within ten years) on which it may change as the evaluation date moves."""
    horizon = shift(view.day, "years", HORIZON_YEARS)
    out: dict[int, tuple[DateTest, set[date]]] = {}
    for leaf in decision.date_leaves(only):
        test = leaf.test
        if id(test) not in out:
            out[id(test)] = (test, {d for d in change_days(test, {n: facts[n].value for n in test.names}, horizon) if view.day < d})
    return out


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
    decision: Decision | None = None,
    only: Collection[str] | None = None,
) -> dict[str, tuple[date, Truth]]:
    """Rule id -> (the first day its outcome changes by time alone, the outcome then).

    "By time alone": the rules decided again by :func:`decide_on` (the deciders the
    engine's verdict is checked against) on the candidate days; between two candidate
    days no comparison changes, so neither does an outcome. ``only``: the rules wanted,
    each with the derived rules it names (no other is decided again, and only their
    conditions give candidate days; ``facts`` need hold only the facts they read)."""
    decision = decision or Decision(view)
    changes = _date_changes(view, decision, facts, only)
    days = _age_days(view, profile, decision, only).union(*(on for _test, on in changes.values()))
    flips: dict[str, tuple[date, Truth]] = {}
    for day in sorted(days):
        # a date condition can have turned by ``day`` only if it changes on or before it
        turning = [test for test, on in changes.values() if on and min(on) <= day]
        for rid, truth in decide_on(view, facts, profile, day, decision, now, only, turning).items():
            if rid not in flips and truth != now.get(rid):
                flips[rid] = (day, truth)
    return flips


def decide_on(
    view: CatalogueView,
    facts: dict[str, FactValue],
    profile: EnterpriseProfile,
    day: date,
    decision: Decision,
    now: dict[str, Truth],
    only: Collection[str] | None = None,
    turning: Collection[DateTest] | None = None,
) -> dict[str, Truth]:
    """The outcome on ``day``, by time alone, of the rules that can move with time
    (:func:`moving_rules`; of those in ``only``) and may have turned; ``now``: every rule's
    outcome on the date of evaluation. ``turning``: the date conditions that may have
    another outcome on ``day`` (default: every one)."""
    moved, changed = facts_on(facts, profile, day)
    aged = changed - {AS_OF}
    if turning is None:
        turning = list({id(leaf.test): leaf.test for leaf in decision.date_leaves(only)}.values())
    flipped = {
        id(test) for test in turning if test.truth({n: moved[n].value for n in test.names}) != test.truth({n: facts[n].value for n in test.names})
    }
    if not flipped and not aged:  # nothing a rule reads has moved
        return {}
    # Only a rule with an age that moved by that day, a date condition that turned, or
    # naming a rule that turned, can turn: the others keep their outcome.
    done: dict[str, Decided] = {rid: (now.get(rid), ()) for rid in view.rule_ids}
    redone: dict[str, Truth] = {}
    turned: set[str] = set()
    for rid, reads, names in moving_rules(view, decision):
        if only is not None and rid not in only:
            continue
        if reads.isdisjoint(aged) and names.isdisjoint(turned) and not any(id(leaf.test) in flipped for leaf in decision.rule_date_leaves(rid)):
            continue
        done[rid] = decision.decider(rid)(moved, done)
        redone[rid] = done[rid][0]
        if redone[rid] != now.get(rid):
            turned.add(rid)
    return redone


def moving_rules(view: CatalogueView, decision: Decision) -> list[tuple[str, frozenset[str], frozenset[str]]]:
    """The rules (in catalogue order) whose outcome can move with time, each with the
    moving facts it reads and the moving rules it names."""
    return decision.moving_rules()
