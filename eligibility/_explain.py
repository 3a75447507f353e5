"""Explanations: each condition of a rule evaluated in Python, with values and reasons.

Explanations are compiled from the same resolved trees as the engine's ruleset, and
take what each part decides from :mod:`eligibility._decision` (the comparisons, the
three-valued combination, date conditions, tiers, parameters without a value, rules
not in force), so the verdict shown here is the verdict the engine reached: every
evaluation checks it, and the tests check it on random profiles. Compiled once per catalogue view into closures (comparisons with
their constants prepared, nodes built from prototypes), they walk no tree per profile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import combinations
from operator import itemgetter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ._decision import (
    Decision,
    DateLeaf,
    Every,
    Leaf,
    Negation,
    Ref,
    Resolved,
    Some,
    Unavailable,
    display,
    display_required,
    is_tiered,
    leaves,
)
from ._catalogue import CatalogueView
from ._facts import FACTS, FactKind, FactSpec, FactValue
from ._dates import AS_OF
from ._date_text import date_label, window_text
from ._gaps import date_gap, depends_on_value, leaf_gap
from .profile import EnterpriseProfile
from .report import Assumption, CitationOut, ConditionResult, Gap, Node, Status
from ._schema import Citation, Compare, Condition, DateCondition, ParameterValue, Rule, RuleRef, walk
from ._semantics import WORDS, Op, Truth
from ._labels import value_label
from ._text import Text, bi


def truth_of_status(status: Status) -> Truth:
    """met -> True, not met -> False, unknown -> None."""
    return None if status is Status.unknown else status is Status.met


_STATUS: dict[Truth, Status] = {True: Status.met, False: Status.not_met, None: Status.unknown}
_TRUTH: dict[Status, Truth] = {Status.met: True, Status.not_met: False, Status.unknown: None}
_ALL_OF = bi("同时满足以下全部条件", "all of the following")
_ANY_OF = bi("满足以下任一条件", "any of the following")
_NOT = bi("以下条件不成立", "the following does not hold")
NOT_IN_FORCE = bi("未生效", "not in force")
"""The node of a named rule not in force on the date."""


_NODE = Node({name: None if info.default_factory is not None else info.default for name, info in ConditionResult.model_fields.items()})
"""Every field of a :class:`Node` at its default. A node is made into a model only at the edge
(a report's explanation, :func:`eligibility.explain_support`) and never changed once made:
some are shared (a choice's result, a derived rule's tree)."""
class Split(Node):
    """A node with a node below it whose model is made apart, once for many trees (a derived
    rule's node, or a :class:`Shared` node), so that the edge makes those models once and the
    rest of a tree in one call."""

    __slots__ = ()


class Shared(Node):
    """A node made once and shared by every explanation whose inputs give it: a comparison
    of a choice, a yes/no or a set for one value, any comparison for the same missing
    fields, a group (or a derived rule's node) whose parts are all shared, a parameter
    without a value. About half of an explanation's nodes are the same from one enterprise
    to the next; made once, their models are made once too (see :mod:`eligibility._evaluate`).
    Never changed (a copy is a plain :class:`Node`)."""

    __slots__ = ()


def _share(table: dict[Any, Shared], key: Any, node: Node) -> Node:
    """``node`` as the shared node for ``key`` (the one made first, when threads race), or
    as it is once ``table`` is full."""
    if len(table) >= _MAX_SHARED:
        return node
    return table.setdefault(key, Shared(node))


_PLAIN = {Node}
_SHARED = {Shared}
_status = itemgetter("status")


def _combined(combine: Callable[[list[Truth]], Truth]) -> dict[frozenset[Status], Status]:
    """A group's status for each set of its parts' statuses, as ``combine`` (the group's
    three-valued and/or, which depends only on which values occur) gives it."""
    return {
        frozenset(statuses): _STATUS[combine([_TRUTH[s] for s in statuses])]
        for n in range(len(Status) + 1)
        for statuses in combinations(Status, n)
    }


_MAX_SHARED = 256
"""Shared nodes kept per part of a condition (enough for every choice, bounded for the rest)."""


def make_node(**values: Any) -> Node:
    """A node with ``values`` and the defaults of the other fields (its sequences empty
    tuples: a node is never changed, and an empty tuple is no object of its own to make,
    nor for the garbage collector to visit)."""
    data = _NODE.copy()
    data["missing_fields"] = data["children"] = data["gaps"] = ()
    data.update(values)
    return data


def _names_rules(tree: Resolved) -> bool:
    if isinstance(tree, Ref):
        return True
    if isinstance(tree, Every | Some):
        return any(_names_rules(item) for item in tree.items)
    return isinstance(tree, Negation) and _names_rules(tree.item)


@dataclass
class Explainer:
    """Evaluates rules of one catalogue view for one profile's facts."""

    view: CatalogueView
    facts: dict[str, FactValue]
    profile: EnterpriseProfile | None = None
    """Given, the explanation carries gaps (what it would take) for conditions not met."""
    static: ViewStatic | None = None
    """What does not depend on the profile, shared by every explanation on one view."""

    def __post_init__(self) -> None:
        self.results: dict[str, Node] = {}
        if self.static is None:
            self.static = ViewStatic(self.view)

    def citation(self, cit: Citation | None) -> CitationOut | None:
        assert self.static is not None
        return self.static.citation(cit)

    def explain_rule(self, rule: Rule) -> Node:
        """The evaluated condition tree of one rule, as plain data (derived rules it names
        must come first)."""
        assert self.static is not None
        result = self.static.explainer(rule.id)(self)
        self.results[rule.id] = result
        return result

    def _gaps(self, spec: FactSpec, leaf: Leaf, value: Any) -> list[Gap]:
        if self.profile is None or leaf.band_key:
            return []
        assert self.static is not None
        fixed = self.static.fixed_gap(leaf)
        if fixed is not None:
            return [fixed]
        return [leaf_gap(spec, leaf.op, leaf.value, value, self.profile, self.view.day)]

    def assumptions(self, rule: Rule) -> list[Assumption]:
        """Parameter values the rule (and the derived rules it names) rests on that are not official."""
        assert self.static is not None
        return self.static.assumptions(rule, self._collect_assumptions)

    def _collect_assumptions(
        self, cond: Condition | None, out: dict[str, Assumption], seen: set[str], rests_on: str | None = None
    ) -> None:
        if rests_on is not None:
            self._assumption(None, rests_on, out)
        for node in walk(cond) if cond is not None else ():
            if isinstance(node, RuleRef) and node.rule not in seen and node.rule in self.view.catalogue.rules:
                seen.add(node.rule)
                self._collect_assumptions(self.view.catalogue.rules[node.rule].conditions, out, seen)
            if isinstance(node, Compare):
                for pid in (node.param, *FACTS[node.fact].params):
                    if pid:
                        self._assumption(node, pid, out)
            elif isinstance(node, DateCondition):
                for pid in node.params():
                    self._assumption(node, pid, out)

    def _assumption(self, node: Compare | DateCondition | None, pid: str, out: dict[str, Assumption]) -> None:
        value = self.view.values.get(pid)
        if value is None or value.certainty.value == "official":
            return
        param = self.view.catalogue.parameters[pid]
        if value.points:
            shown = ", ".join(f"{'>' if b.exclusive else '≥'}{b.min.normalize():f}: {b.points.normalize():f}" for b in value.points)
        elif value.tiers:
            shown = ", ".join(f"≤{t.max}: {t.value}" if t.max is not None else f"others: {t.value}" for t in value.tiers)
        elif isinstance(node, DateCondition):
            shown = value.value.isoformat() if isinstance(value.value, date) else f"{Decimal(value.value).normalize():f}"
        elif node is None:
            shown = str(value.value).lower() if isinstance(value.value, bool) else str(value.value)
        else:
            shown = str(display_required(FACTS[node.fact], value.value))
        out[pid] = Assumption(
            parameter=pid,
            name=param.name,
            value=shown,
            certainty=value.certainty,
            note=value.note,
            statement=value.statement,
            citations=[c for c in (self.citation(x) for x in value.citations) if c is not None],
        )


def leaf_label(spec: FactSpec, op: Op, value: Any) -> Text:
    """``fact op value`` in words: 上年度主营业务收入不低于 2000万元."""
    req = display_required(spec, value)
    return bi(
        f"{spec.label.zh}{WORDS[op]['zh']} {value_label(req, 'zh', spec.enum, spec.unit)}",
        f"{spec.label.en} {WORDS[op]['en']} {value_label(req, 'en', spec.enum, spec.unit)}",
    )


def relevant_missing(result: Node, known: Mapping[int, list[str]] | None = None) -> list[str]:
    """The unknown fields that still decide an undecided condition, in order, once each.
    ``known``: those already worked out for other trees (a derived rule's, which appears
    under every rule naming it), by the tree's identity."""
    out: list[str] = []
    unknown = Status.unknown
    # Depth first, children in order; a loop, not a recursive closure (which would
    # leave a reference cycle for the collector after every call).
    stack = [result]
    while stack:
        node = stack.pop()
        if node["status"] is not unknown:
            continue
        kind = node["kind"]
        if kind == "compare":
            out.extend(node["missing_fields"])
        elif kind == "rule" and known is not None and id(node["children"][0]) in known:
            out.extend(known[id(node["children"][0])])
        else:
            stack.extend(reversed(node["children"]))
    return list(dict.fromkeys(out))


def _first_citation(value: ParameterValue | None) -> Citation | None:
    return value.citations[0] if value is not None and value.citations else None


def _money(v: Decimal) -> str:
    if v >= 100_000_000 and v % 10_000_000 == 0:
        return f"{(v / 100_000_000).normalize():f}亿"
    if v >= 10_000 and v % 1_000 == 0:
        return f"{(v / 10_000).normalize():f}万"
    return f"{v:f}"


def _band_text(key: FactSpec, lo: Decimal | None, hi: Decimal | None) -> Text:
    unit = key.unit or ""
    if lo is None and hi is not None:
        return bi(f"{key.label.zh}不超过{_money(hi)}{unit}档", f"band: {key.label.en} up to {hi}")
    if hi is None and lo is not None:
        return bi(f"{key.label.zh}超过{_money(lo)}{unit}档", f"band: {key.label.en} above {lo}")
    return bi(
        f"{key.label.zh}{_money(lo or Decimal(0))}–{_money(hi or Decimal(0))}{unit}档",
        f"band: {key.label.en} above {lo} up to {hi}",
    )


class ViewStatic:
    """The parts of explanations that depend only on the catalogue view: resolved
    trees, labels, citations, assumptions. Built once per view and reused."""

    def __init__(self, view: CatalogueView) -> None:
        self.view = view
        self.decision = Decision(view)
        """What the view's rules decide (trees, comparisons, deciders)."""
        self._leaves: dict[int, tuple[FactSpec, Text, Any, CitationOut | None]] = {}
        self._citations: dict[int, CitationOut | None] = {}
        self._assumptions: dict[str, list[Assumption]] = {}
        self._rule_citations: dict[str, list[CitationOut]] = {}
        self._explainers: dict[str, Explain] = {}
        self._fixed_gaps: dict[int, Gap | None] = {}

    def fixed_gap(self, leaf: Leaf) -> Gap | None:
        """For a comparison whose gap does not depend on the enterprise's value, the
        gap, worked out once (a frozen model, shared); None for the others."""
        key = id(leaf)
        if key not in self._fixed_gaps:
            spec = FACTS[leaf.fact]
            self._fixed_gaps[key] = (
                None if depends_on_value(spec, leaf.op) else leaf_gap(spec, leaf.op, leaf.value, None, None, self.view.day)
            )
        return self._fixed_gaps[key]

    def explainer(self, rule_id: str) -> Explain:
        """The compiled :func:`compile_explanation` of a rule's condition."""
        found = self._explainers.get(rule_id)
        if found is None:
            found = self._explainers[rule_id] = compile_explanation(self.decision.tree(rule_id), self)
        return found

    def citation(self, cit: Citation | None) -> CitationOut | None:
        if cit is None:
            return None
        key = id(cit)
        if key not in self._citations:
            src = self.view.catalogue.sources[cit.source]
            self._citations[key] = CitationOut(
                source=src.id, number=src.number, title=src.title, article=cit.article, url=src.url, certainty=src.certainty
            )
        return self._citations[key]

    def leaf(self, leaf: Leaf) -> tuple[FactSpec, Text, Any, CitationOut | None]:
        """(fact spec, label, required value for display, citation) of a comparison."""
        key = id(leaf)
        found = self._leaves.get(key)
        if found is None:
            spec = FACTS[leaf.fact]
            node = leaf.node
            label = node.label if node.label and not leaf.band_key else leaf_label(spec, leaf.op, leaf.value)
            found = (spec, label, display_required(spec, leaf.value), self.citation(node.cite or _first_citation(leaf.param_value)))
            self._leaves[key] = found
        return found

    def rule_citations(self, rule: Rule) -> list[CitationOut]:
        """A rule's citations, resolved against the sources (the same list for every report)."""
        found = self._rule_citations.get(rule.id)
        if found is None:
            found = self._rule_citations[rule.id] = [c for c in (self.citation(x) for x in rule.citations) if c is not None]
        return found

    def assumptions(self, rule: Rule, collect: Any) -> list[Assumption]:
        found = self._assumptions.get(rule.id)
        if found is None:
            out: dict[str, Assumption] = {}
            collect(rule.conditions, out, set())
            for pid in rule.rests_on:  # the plan's term, a stand-in list: no condition compares them
                collect(None, out, set(), pid)
            for limit in rule.limits:  # a cap told to the enterprise rests on its value too
                collect(Compare(fact=limit.fact, op=Op.le, param=limit.param), out, set())
            found = self._assumptions[rule.id] = [out[k] for k in sorted(out)]
        return found


Explain = Callable[[Explainer], Node]


def shown_label(tree: Resolved, static: ViewStatic) -> Text:
    """The label of ``tree``'s node in an explanation (a tiered comparison's when no band
    applies: a band's node names its own)."""
    if isinstance(tree, Leaf):
        return static.leaf(tree)[1]
    if isinstance(tree, DateLeaf):
        return tree.node.label or date_label(tree.test)
    if is_tiered(tree):
        first = next(x for x in leaves(tree) if not x.band_key)
        return first.node.label or leaf_label(FACTS[first.fact], first.op, first.value)
    if isinstance(tree, Every | Some):
        return (tree.node.label if tree.node is not None else None) or (_ALL_OF if isinstance(tree, Every) else _ANY_OF)
    if isinstance(tree, Negation):
        return tree.node.label or _NOT
    if isinstance(tree, Ref):
        return tree.node.label or static.view.catalogue.rules[tree.rule].name
    return bi(f"参数 {tree.param} 在评估日无有效值", f"parameter {tree.param} has no value in force")


def compile_explanation(tree: Resolved, static: ViewStatic) -> Explain:
    """A function building the evaluated condition tree of ``tree`` for an
    :class:`Explainer`'s facts. Each node's labels, citations and tests are prepared
    here, once per catalogue view: an explanation has some three hundred nodes, and
    the portal asks for one on every change of a form."""
    if isinstance(tree, Leaf):
        return _compile_leaf(tree, static)
    if isinstance(tree, DateLeaf):
        return _compile_date(tree, static)
    if isinstance(tree, Some) and is_tiered(tree):
        return _compile_tiered(tree, static)
    if isinstance(tree, Every | Some):
        parts = [compile_explanation(item, static) for item in tree.items]
        node = tree.node
        every = isinstance(tree, Every)
        proto = make_node(
            kind="all" if every else "any",
            status=Status.unknown,
            label=shown_label(tree, static),
            citation=static.citation(node.cite) if node is not None else None,
        )
        names_rules = _names_rules(tree)
        combined = _combined(tree.combine)
        shared: dict[tuple[int, ...], Shared] = {}

        def group(ex: Explainer) -> Node:
            children = [part(ex) for part in parts]
            status = combined[frozenset(map(_status, children))]
            kinds = set(map(type, children))
            every_shared = kinds == _SHARED
            if every_shared:
                key = tuple(map(id, children))  # shared nodes live as long as their tables
                found = shared.get(key)
                if found is not None:
                    return found
            # Split: a model below is made apart (see Split)
            data = Split(proto) if names_rules or kinds != _PLAIN else Node(proto)
            data["status"] = status
            data["children"] = children
            return _share(shared, key, data) if every_shared else data

        return group
    if isinstance(tree, Negation):
        inner, negate = compile_explanation(tree.item, static), tree.combine
        proto = make_node(
            kind="not", status=Status.unknown, label=shown_label(tree, static), citation=static.citation(tree.node.cite)
        )
        names_rules = _names_rules(tree)
        negations: dict[int, Shared] = {}

        def negation(ex: Explainer) -> Node:
            child = inner(ex)
            status = _STATUS[negate(_TRUTH[child["status"]])]
            if type(child) is Shared:
                found = negations.get(id(child))
                if found is not None:
                    return found
            data = Split(proto) if names_rules or type(child) is not Node else Node(proto)
            data["status"] = status
            data["children"] = (child,)
            return _share(negations, id(child), data) if type(child) is Shared else data

        return negation
    if isinstance(tree, Ref):
        return _compile_ref(tree, static)
    assert isinstance(tree, Unavailable)
    unavailable = Shared(
        make_node(
            kind="unavailable",
            status=_STATUS[tree.truth],
            label=shown_label(tree, static),
            fact=tree.fact,
            parameter=tree.param,
        )
    )
    return lambda ex: unavailable


def _compile_date(leaf: DateLeaf, static: ViewStatic) -> Explain:
    """A date condition: the enterprise's date, the dates it is compared with, and when
    not met, the day waiting meets it (or why it cannot)."""
    decide = static.decision.decider_of(leaf)
    test, node = leaf.test, leaf.node
    names = test.names
    cite = node.cite or next((_first_citation(v) for _p, v in leaf.params), None)
    proto = make_node(
        kind="compare",
        status=Status.unknown,
        label=shown_label(leaf, static),
        fact=test.subject.name,
        op=test.relation.value,
        parameter=leaf.params[0][0] if leaf.params else None,
        citation=static.citation(cite),
    )

    def date_condition(ex: Explainer) -> Node:
        truth, missing = decide(ex.facts, {})
        dates = {n: ex.facts[n].value for n in names}
        data = Node(proto)
        data["status"] = _STATUS[truth]
        subject = dates.get(test.subject.name or AS_OF)
        data["actual"] = subject.isoformat() if subject is not None else None
        data["required"] = window_text(test, dates, "zh") if truth is not None else None
        data["missing_fields"] = tuple(missing)
        if truth is False and ex.profile is not None:
            data["gaps"] = [date_gap(test, dates)]
        return data

    return date_condition


def _compile_ref(tree: Ref, static: ViewStatic) -> Explain:
    rule = tree.rule
    proto = make_node(
        kind="rule",
        status=Status.unknown,
        label=shown_label(tree, static),
        rule=rule,
        citation=static.citation(tree.node.cite),
    )
    not_in_force = Shared(make_node(kind="all", status=_STATUS[tree.absent], label=NOT_IN_FORCE))
    shared: dict[int, Shared] = {}

    def ref(ex: Explainer) -> Node:
        inner = ex.results.get(rule)
        if inner is None:  # not in force on this date
            inner = not_in_force
        if type(inner) is Shared:
            found = shared.get(id(inner))
            if found is not None:
                return found
        data = Node(proto)
        data["status"] = inner["status"]
        data["missing_fields"] = inner["missing_fields"]
        data["children"] = (inner,)
        if type(inner) is Shared:
            return _share(shared, id(inner), data)
        return data

    return ref


def _compile_tiered(tree: Some, static: ViewStatic) -> Explain:
    """A tiered parameter's bands, shown as one comparison with the band that applies."""
    decider = static.decision.decider_of(tree)
    values = [x for x in leaves(tree) if not x.band_key]
    first = values[0]
    spec = FACTS[first.fact]
    key = static.view.catalogue.parameters[first.param or ""].key or ""
    node = first.node
    proto = make_node(
        kind="compare",
        status=Status.unknown,
        label=shown_label(tree, static),
        fact=first.fact,
        op=first.op.value,
        required=sorted({display_required(spec, x.value) for x in values}),
        unit=spec.unit,
        parameter=first.param,
        citation=static.citation(node.cite or _first_citation(first.param_value)),
    )
    # The comparison a value must pass when no band applies: the strictest.
    strictest = max(values, key=lambda x: Decimal(x.value) if first.op in (Op.ge, Op.gt) else -Decimal(x.value))
    bands: list[tuple[list[Callable[[Any], bool]], Leaf, dict[str, Any]]] = []
    for item in tree.items:
        if isinstance(item, Every):
            tests = [static.decision.test(x) for x in item.items if isinstance(x, Leaf) and x.band_key]
            band_leaf = next(x for x in item.items if isinstance(x, Leaf) and not x.band_key)
            lo, hi = band_leaf.band or (None, None)
            shown = {
                "required": display_required(spec, band_leaf.value),
                "band": _band_text(FACTS[key], lo, hi),
                "label": node.label or leaf_label(spec, band_leaf.op, band_leaf.value),
            }
            bands.append((tests, band_leaf, shown))

    def tiered(ex: Explainer) -> Node:
        truth, missing = decider(ex.facts, {})
        key_value = ex.facts[key].value
        band: tuple[Leaf, dict[str, Any]] | None = None
        for tests, band_leaf, shown in bands:
            if not tests or (key_value is not None and all(test(key_value) for test in tests)):
                band = (band_leaf, shown)
        value = ex.facts[first.fact].value
        data = Node(proto)
        if band is not None:
            data.update(band[1])
        data["status"] = _STATUS[truth]
        data["actual"] = display(spec, value)
        data["missing_fields"] = tuple(missing)
        if truth is False:
            data["gaps"] = ex._gaps(spec, band[0] if band else strictest, value)
        return data

    return tiered


def _compile_leaf(leaf: Leaf, static: ViewStatic) -> Explain:
    spec, label, required, citation = static.leaf(leaf)
    check = static.decision.test(leaf)
    name = leaf.fact
    proto = make_node(
        kind="compare",
        status=Status.unknown,
        label=label,
        fact=name,
        op=leaf.op.value,
        required=required,
        unit=spec.unit,
        parameter=leaf.param,
        citation=citation,
    )
    # A comparison of a yes/no, a choice or a set has few possible results; each is
    # built once and shared (numbers, ratios and dates vary too much to be worth it), as
    # is the result of any comparison for the same missing fields.
    seen: dict[Any, Shared] | None = None
    if spec.kind not in (FactKind.number, FactKind.ratio) and spec.years_since is None:
        seen = {}
    unknown: dict[tuple[str, ...], Shared] = {}

    def compare(ex: Explainer) -> Node:
        value, missing = ex.facts[name]
        if value is None:
            found = unknown.get(missing)
            if found is not None:
                return found
            data = Node(proto)
            data["missing_fields"] = missing
            return _share(unknown, missing, data)
        if seen is not None and ex.profile is not None:
            found = seen.get(value)
            if found is not None:
                return found
        data = Node(proto)
        data["actual"] = display(spec, value)
        if check(value):
            data["status"] = Status.met
        else:
            data["status"] = Status.not_met
            data["gaps"] = ex._gaps(spec, leaf, value)
        if seen is not None and ex.profile is not None:
            return _share(seen, value, data)
        return data

    return compare
