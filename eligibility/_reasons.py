"""What a summary shows of a support not met, found without its explanation: the first
condition not met (its reason) and the first change that would meet it (its gap).

A summary reads one reason and one gap per support not met, the first of what the full
explanation's tree gives (:func:`eligibility._render.first_failed_condition`,
:func:`eligibility._gaps.gaps_of`). Here they are found on the resolved tree itself,
compiled once per catalogue view (:class:`Firsts`): an all-of is read up to its first part
not met, a named rule is taken from durable-rules' outcome, and only the comparisons read
are explained (by the explanation's own compiled comparisons, so a reason's words and a
gap are the full report's). Every gap of a part is worked out only where the first gap
needs them: an any-of's options (the cheapest is its gap) and a derived rule to meet
first (its gaps are nested in the gap). The property tests check that a summary equals
the full report's, on any profile and date.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from ._decision import Decided, DateLeaf, Every, Leaf, Negation, Ref, Resolved, Some, Unavailable, is_tiered
from ._explain import NOT_IN_FORCE, Explain, Explainer, Shared, ViewStatic, compile_explanation, make_node, shown_label
from ._facts import FactValue
from ._gaps import cost, first_meet
from .profile import EnterpriseProfile
from .report import Gap, GapKind, Node, Status
from ._semantics import Truth
from ._text import Text, bi


class _Walk:
    """One profile's walk: the facts, the outcomes durable-rules gave (as the deciders take
    them), the explainer of the comparisons read, and the gap of meeting each derived rule
    first, worked out once for every support naming it."""

    __slots__ = ("facts", "done", "explainer", "obtained", "nodes", "unmet", "entered")

    def __init__(self, facts: Mapping[str, FactValue], done: Mapping[str, Decided], explainer: Explainer) -> None:
        self.facts = facts
        self.done = done
        self.explainer = explainer
        self.obtained: dict[str, list[Gap]] = {}
        self.nodes: dict[int, Node | None] = {}
        """Each comparison read, by its part's identity: its node when not met, else None."""
        self.unmet: dict[int, bool] = {}
        """Each part decided, by its identity: whether it is not met."""
        self.entered: dict[str, None] = {}
        """The derived rules whose trees were read (for a reason or a gap), in that order."""


_UNSEEN: Any = object()


class _Part:
    """A part of a resolved tree: its truth, and, when it is not met, its first reason, its
    first gap and all its gaps (as :func:`~eligibility._gaps.gaps_of` gives them)."""

    __slots__ = ("truth",)

    def __init__(self, truth: Callable[[Mapping[str, FactValue], Mapping[str, Decided]], Decided]) -> None:
        self.truth = truth

    def is_unmet(self, walk: _Walk) -> bool:
        """Whether it is not met (decided once per walk)."""
        key = id(self)
        found = walk.unmet.get(key)
        if found is None:
            found = walk.unmet[key] = self.truth(walk.facts, walk.done)[0] is False
        return found

    def reason(self, walk: _Walk) -> Node | None:
        """The first condition not met (the node :func:`first_failed_condition` words), or None."""
        raise NotImplementedError

    def kids_reason(self, walk: _Walk) -> Node | None:
        """The first reason among its node's children (its own when it has none): what a
        rule naming it, not met, gives."""
        return self.reason(walk)

    def gaps(self, walk: _Walk) -> list[Gap]:
        """Every gap (none when not 'not met')."""
        raise NotImplementedError

    def first_gap(self, walk: _Walk) -> Gap | None:
        gaps = self.gaps(walk)
        return gaps[0] if gaps else None

    def cheaper(self, walk: _Walk, bound: float) -> tuple[list[Gap], float] | None:
        """Every gap and their :func:`~eligibility._gaps.cost` when it is below ``bound``
        (None when not: an any-of's option that cannot be the cheapest is not worked out
        further than needed to know)."""
        gaps = self.gaps(walk)
        spent = cost(gaps)
        return (gaps, spent) if spent < bound else None


class _Compared(_Part):
    """A comparison, a date condition, a tiered comparison or a parameter without a value:
    when not met, its node as the explanation makes it."""

    __slots__ = ("explain",)

    def __init__(self, truth: Any, explain: Explain) -> None:
        super().__init__(truth)
        self.explain = explain

    def node(self, walk: _Walk) -> Node | None:
        """Its node when not met (made once per walk: a reason's node is often its gap's), or None."""
        key = id(self)
        found = walk.nodes.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = walk.nodes[key] = self.explain(walk.explainer) if self.is_unmet(walk) else None
        return found

    def reason(self, walk: _Walk) -> Node | None:
        return self.node(walk)

    def gaps(self, walk: _Walk) -> list[Gap]:
        node = self.node(walk)
        return [] if node is None else list(node["gaps"])


class _AllOf(_Part):
    __slots__ = ("items",)

    def __init__(self, truth: Any, items: list[_Part]) -> None:
        super().__init__(truth)
        self.items = items

    def is_unmet(self, walk: _Walk) -> bool:
        # Kleene: one part not met makes it not met (its parts' truths are kept in the walk)
        key = id(self)
        found = walk.unmet.get(key)
        if found is None:
            found = False
            for item in self.items:
                if item.is_unmet(walk):
                    found = True
                    break
            walk.unmet[key] = found
        return found

    def reason(self, walk: _Walk) -> Node | None:
        # A part not met makes the all-of not met: the first one with a reason gives it.
        for item in self.items:
            found = item.reason(walk)
            if found is not None:
                return found
        return None

    kids_reason = reason

    def gaps(self, walk: _Walk) -> list[Gap]:
        return [g for item in self.items for g in item.gaps(walk)]

    def first_gap(self, walk: _Walk) -> Gap | None:
        for item in self.items:
            found = item.first_gap(walk)
            if found is not None:
                return found
        return None

    def cheaper(self, walk: _Walk, bound: float) -> tuple[list[Gap], float] | None:
        out: list[Gap] = []
        spent = 0.0
        for item in self.items:
            found = item.cheaper(walk, bound - spent)
            if found is None:
                return None
            out += found[0]
            spent += found[1]
        return out, spent


class _AnyOf(_Part):
    __slots__ = ("items", "node")

    def __init__(self, truth: Any, items: list[_Part], label: Text) -> None:
        super().__init__(truth)
        self.items = items
        self.node = Shared(make_node(kind="any", status=Status.not_met, label=label))

    def is_unmet(self, walk: _Walk) -> bool:
        # Kleene: not met when every part is not met
        key = id(self)
        found = walk.unmet.get(key)
        if found is None:
            found = True
            for item in self.items:
                if not item.is_unmet(walk):
                    found = False
                    break
            walk.unmet[key] = found
        return found

    def reason(self, walk: _Walk) -> Node | None:
        return self.node if self.is_unmet(walk) else None

    def kids_reason(self, walk: _Walk) -> Node | None:
        for item in self.items:
            found = item.reason(walk)
            if found is not None:
                return found
        return None

    def gaps(self, walk: _Walk) -> list[Gap]:
        if not self.is_unmet(walk):
            return []
        # The first cheapest option's (as min over the options with gaps gives it); after the
        # first option with gaps, an option is worked out only while it may be cheaper.
        best: list[Gap] = []
        least = math.inf
        for item in self.items:
            if not best:
                best = item.gaps(walk)
                least = cost(best)
                continue
            found = item.cheaper(walk, least)
            if found is not None and found[0]:
                best, least = found
        return best


class _Not(_Part):
    __slots__ = ("item", "node", "inner", "gap")

    def __init__(self, truth: Any, item: _Part, label: Text, inner: Explain | None, inner_label: Text) -> None:
        super().__init__(truth)
        self.item = item
        self.node = Shared(make_node(kind="not", status=Status.not_met, label=label))
        self.inner = inner
        """A tiered comparison's explanation (its label names the band that applies)."""
        self.gap = _no_longer(inner_label)

    def reason(self, walk: _Walk) -> Node | None:
        return self.node if self.is_unmet(walk) else None

    def kids_reason(self, walk: _Walk) -> Node | None:
        return self.item.reason(walk)

    def gaps(self, walk: _Walk) -> list[Gap]:
        if not self.is_unmet(walk):
            return []
        return [self.gap if self.inner is None else _no_longer(self.inner(walk.explainer)["label"])]


def _no_longer(label: Text) -> Gap:
    return Gap(kind=GapKind.other, change=bi(f"需不再满足：{label.zh}", f"must no longer hold: {label.en}"))


_NOT_IN_FORCE_NODE = Shared(make_node(kind="all", status=Status.not_met, label=NOT_IN_FORCE))


class _Named(_Part):
    """A derived rule named: durable-rules' outcome; not met, what that rule's tree gives."""

    __slots__ = ("rule", "in_force", "change", "firsts")

    def __init__(self, truth: Any, tree: Ref, name: Text, firsts: Firsts) -> None:
        super().__init__(truth)
        self.rule = tree.rule
        self.in_force = tree.in_force
        self.change = first_meet(name.zh, name.en)
        self.firsts = firsts

    def is_unmet(self, walk: _Walk) -> bool:
        return self.truth(walk.facts, walk.done)[0] is False  # durable-rules' outcome

    def enter(self, walk: _Walk) -> _Part:
        """The named rule's tree, read for a reason or a gap (so noted in the walk)."""
        walk.entered[self.rule] = None
        return self.firsts.part(self.rule)

    def reason(self, walk: _Walk) -> Node | None:
        if not self.is_unmet(walk):
            return None
        if not self.in_force:
            return _NOT_IN_FORCE_NODE
        return self.enter(walk).kids_reason(walk)

    def kids_reason(self, walk: _Walk) -> Node | None:
        if not self.in_force:
            return _NOT_IN_FORCE_NODE
        return self.enter(walk).reason(walk)

    def gaps(self, walk: _Walk) -> list[Gap]:
        if not self.is_unmet(walk):
            return []
        found = walk.obtained.get(self.rule)
        if found is None:  # the same for every rule naming it
            inner = self.enter(walk).gaps(walk) if self.in_force else []
            found = walk.obtained[self.rule] = [Gap(kind=GapKind.obtain, rule=self.rule, gaps=inner, change=self.change)]
        return list(found)


class _Unavailable(_Part):
    """A comparison whose parameter has no value on the date: never met, never reachable."""

    __slots__ = ("explain", "gap")

    def __init__(self, truth: Any, explain: Explain, label: Text) -> None:
        super().__init__(truth)
        self.explain = explain
        self.gap = Gap(kind=GapKind.unreachable, change=label)

    def is_unmet(self, walk: _Walk) -> bool:
        return True

    def reason(self, walk: _Walk) -> Node | None:
        return self.explain(walk.explainer)

    def gaps(self, walk: _Walk) -> list[Gap]:
        return [self.gap]


class Firsts:
    """Each rule's tree of one catalogue view compiled to find its first reason and gap
    (:meth:`walk`), once."""

    def __init__(self, static: ViewStatic) -> None:
        self.static = static
        self._parts: dict[str, _Part] = {}

    def part(self, rule_id: str) -> _Part:
        found = self._parts.get(rule_id)
        if found is None:
            found = self._parts[rule_id] = self._compile(self.static.decision.tree(rule_id))
        return found

    def walk(self, facts: dict[str, FactValue], profile: EnterpriseProfile, outcomes: Mapping[str, bool]) -> Walk:
        """The walk of one profile's facts, with the outcomes durable-rules gave."""
        return Walk(self, facts, profile, outcomes)

    def _compile(self, tree: Resolved) -> _Part:
        static = self.static
        truth = static.decision.decider_of(tree)
        if isinstance(tree, Unavailable):
            return _Unavailable(truth, compile_explanation(tree, static), shown_label(tree, static))
        if isinstance(tree, Leaf | DateLeaf) or is_tiered(tree):
            return _Compared(truth, compile_explanation(tree, static))
        if isinstance(tree, Every):
            return _AllOf(truth, [self._compile(item) for item in tree.items])
        if isinstance(tree, Some):
            return _AnyOf(truth, [self._compile(item) for item in tree.items], shown_label(tree, static))
        if isinstance(tree, Negation):
            item = tree.item
            inner = compile_explanation(item, static) if is_tiered(item) else None
            return _Not(truth, self._compile(item), shown_label(tree, static), inner, shown_label(item, static))
        assert isinstance(tree, Ref)
        return _Named(truth, tree, static.view.catalogue.rules[tree.rule].name, self)


class Walk(_Walk):
    """One profile's walk over :class:`Firsts`."""

    __slots__ = ("parts",)

    def __init__(self, parts: Firsts, facts: dict[str, FactValue], profile: EnterpriseProfile, outcomes: Mapping[str, bool]) -> None:
        static = parts.static
        super().__init__(facts, {rid: (outcomes.get(rid), ()) for rid in static.view.rule_ids}, Explainer(static.view, facts, profile, static))
        self.parts = parts

    def truth(self, rule_id: str) -> Truth:
        """A rule's truth by the Python deciders, the rules it names as durable-rules decided them."""
        return self.parts.part(rule_id).truth(self.facts, self.done)[0]

    def is_unmet(self, rule_id: str) -> bool:
        """Whether the Python deciders find a rule not met (:meth:`truth` is False), from the
        truths of its parts decided so far in this walk."""
        return self.parts.part(rule_id).is_unmet(self)

    def first(self, rule_id: str) -> tuple[Node | None, Gap | None]:
        """A rule not met: its first reason (the node :func:`~eligibility._render.condition_line`
        words) and its first gap."""
        part = self.parts.part(rule_id)
        return part.reason(self), part.first_gap(self)
