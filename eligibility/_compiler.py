"""Compilation of a catalogue view into a durable-rules ruleset, and of facts into the
message posted to it.

Each rule becomes two durable-rules rules: ``ID|T`` fires when the condition is
definitely met and ``ID|F`` when it is definitely not met; when neither fires, the
outcome depends on facts the profile left unknown (absent attributes match nothing
in durable-rules). Negation is pushed down to the comparisons, so three-valued logic
needs no support from the engine:

* T(all) = all T, F(all) = any F;  T(any) = any T, F(any) = all F;  T(not x) = F(x).

Numbers cross into the C engine as JSON, so everything is posted as integers:
amounts as they are, staff counts in hundredths, ordinal grades as ranks, and a ratio
``a/b >= t`` as ``a*10000 >= b*(t in basis points)``, exact at the boundary. How each
kind of fact and each comparison of it is written is in the kinds table
(:data:`eligibility._decision.KINDS`), beside how Python compares it.

Dates cross as day numbers (``date.toordinal()``); a date moved by years or months (an
anniversary, see :mod:`eligibility._dates`) is worked out when the facts are encoded and
posted as an attribute of its own (``registration_date__months_60``), so the engine
compares day numbers only. The evaluation date is the attribute ``as_of``: one
compiled ruleset serves every day with the same rules and values in force.

Derived rules chain forward in strata: a rule at stratum *k* uses only derived rules
below *k*; the fact for stratum *k* carries their outcomes as ``rule__ID``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from collections.abc import Sequence

from ._decision import KINDS, DateLeaf, Encoder, Every, Leaf, Negation, Ref, Resolved, Some, Unavailable, date_leaves, resolve
from ._catalogue import CatalogueView
from .errors import EngineError
from ._facts import FACTS, FactValue
from ._dates import AS_OF, DateTest, Term, shift

NEVER: dict[str, Any] = {"$lt": {"stratum": 0}}
ALWAYS: dict[str, Any] = {"$gte": {"stratum": 0}}


def attr(name: str) -> str:
    """The engine attribute of a fact (durable-rules reads dots as nesting)."""
    return name.replace(".", "__")


def rule_attr(rule_id: str) -> str:
    return f"rule__{rule_id}"


# --- Facts -> message -----------------------------------------------------------------


def encode_facts(values: dict[str, FactValue], shifts: Sequence[Term] = ()) -> dict[str, Any]:
    """The known facts as engine attributes; unknown facts are left out. ``shifts``: the
    moved dates the rules compare with (:attr:`Compiled.shifts`), as day numbers."""
    return encode_values({name: fv.value for name, fv in values.items()}, shifts)


def encode_values(values: dict[str, Any], shifts: Sequence[Term] = ()) -> dict[str, Any]:
    """:func:`encode_facts` of the facts' values alone (None: unknown)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is not None:
            encoder = _ENCODERS.get(name) or _encoder(name)
            encoder(value, out)
    for term in shifts:
        base = values.get(term.name or "")
        if base is not None:
            out[term.key] = shift(base, term.unit or "days", term.amount).toordinal()
    return out


_ENCODERS: dict[str, Encoder] = {}


def _encoder(name: str) -> Encoder:
    """How one fact's known value is written as engine attributes (made once per fact)."""
    spec = FACTS[name]
    encode = _ENCODERS[name] = KINDS[spec.kind].encoder(spec, attr(name))
    return encode


# --- Conditions -> durable-rules expressions -------------------------------------------


def _met(leaf: Leaf) -> dict[str, Any]:
    """Expression true exactly when ``leaf`` is known and holds."""
    spec = FACTS[leaf.fact]
    return KINDS[spec.kind].met(spec, attr(leaf.fact), leaf.op, leaf.value)


def _unmet(leaf: Leaf) -> dict[str, Any]:
    """Expression true exactly when ``leaf`` is known and does not hold."""
    spec = FACTS[leaf.fact]
    return KINDS[spec.kind].unmet(spec, attr(leaf.fact), leaf.op, leaf.value)


_ORDER = {(False, False): "$lte", (False, True): "$lt", (True, False): "$gte", (True, True): "$gt"}
"""(flipped, strict) -> the operator of ``left <= right`` (``<`` when strict), sides swapped when flipped."""


def _always_there(term: Term) -> bool:
    """The evaluation date (moved or not) is in every message; a date of the profile may not be."""
    return term.name == AS_OF


def _date_compare(left: Term, right: Term, strict: bool, negate: bool) -> tuple[dict[str, Any], str | None]:
    """``left <= right`` (``<`` if strict) on day numbers, or its negation; and the
    attribute it reads through ``$m`` when that one may be absent (None otherwise).

    durable-rules holds a comparison with an absent attribute false, but one reading an
    absent attribute through ``$m`` true: so the evaluation date, always there, is the
    one read through ``$m`` whenever it takes part, and otherwise the caller guards it."""
    if negate:  # not (l <= r) is r < l; not (l < r) is r <= l
        left, right, strict = right, left, not strict
    flipped = left.name is None or (_always_there(left) and right.name is not None and not _always_there(right))
    key, other = (right, left) if flipped else (left, right)
    assert key.name is not None, "a date condition compares at least one named date"
    op = _ORDER[(flipped, strict)]
    if other.name is None:
        const = other.constant()
        assert const is not None
        return {op: {key.key: const.toordinal()}}, None
    return {op: {key.key: {"$m": other.key}}}, (None if _always_there(other) else other.key)


def _date_expressions(test: DateTest) -> tuple[dict[str, Any], dict[str, Any]]:
    """(met, unmet) of a date condition: every comparison it is made of holds / a date of
    the profile is after the evaluation date ("not yet"), or a comparison fails."""
    parts = test.comparisons()
    checks = len(test.profile_dates)  # the "not yet" comparisons come first
    met: list[dict[str, Any]] = []
    guards: list[dict[str, Any]] = []
    for left, right, strict in parts:
        expr, guard = _date_compare(left, right, strict, False)
        met.append(expr)
        if guard is not None:
            guards.append({"$gte": {guard: 0}})
    failing = [_date_compare(left, right, strict, True)[0] for left, right, strict in parts]
    not_yet, core = failing[:checks], failing[checks:]
    core_fails: dict[str, Any] = core[0] if len(core) == 1 else {"$or": core}
    if guards:
        core_fails = {"$and": [*guards, core_fails]}
    unmet = not_yet + [core_fails]
    return {"$and": met + guards}, (unmet[0] if len(unmet) == 1 else {"$or": unmet})


def truth_expressions(tree: Resolved) -> tuple[dict[str, Any], dict[str, Any]]:
    """(met, unmet) durable-rules expressions for a resolved condition."""
    if isinstance(tree, Leaf):
        return _met(tree), _unmet(tree)
    if isinstance(tree, DateLeaf):
        return _date_expressions(tree.test)
    if isinstance(tree, Ref):
        if not tree.in_force:  # as the explanation has it: a rule not in force is not met
            return NEVER, ALWAYS
        return {rule_attr(tree.rule): True}, {rule_attr(tree.rule): False}
    if isinstance(tree, Unavailable):
        return NEVER, ALWAYS
    if isinstance(tree, Negation):
        met, unmet = truth_expressions(tree.item)
        return unmet, met
    pairs = [truth_expressions(item) for item in tree.items]
    mets = [p[0] for p in pairs]
    unmets = [p[1] for p in pairs]
    if isinstance(tree, Every):
        return {"$and": mets}, {"$or": unmets}
    assert isinstance(tree, Some)
    return {"$or": mets}, {"$and": unmets}


MAX_GROUPS = 15
"""durable-rules holds at most 15 ``$and``/``$or`` groups in one rule's expression."""


def group_count(expr: Any) -> int:
    """The ``$and``/``$or`` groups in a durable-rules expression (its size as the engine counts it)."""
    if isinstance(expr, dict):
        return sum((k in ("$and", "$or")) + group_count(v) for k, v in expr.items())
    if isinstance(expr, list):
        return sum(group_count(v) for v in expr)
    return 0


def limit_problem(rule_id: str, expr: Any, day: date) -> str | None:
    """What keeps one engine rule's expression from durable-rules, or None.

    The engine holds a catalogue of any size (:class:`~eligibility._engine.EngineRuleset`
    splits it into rulesets that fit); what cannot be split is one rule nested deeper
    than durable-rules allows."""
    groups = group_count(expr)
    if groups > MAX_GROUPS:
        return (
            f"规则 {rule_id} 嵌套过深 (rule {rule_id} is nested too deeply for durable-rules: {groups} all/any groups "
            f"on {day}, at most {MAX_GROUPS}); split it into derived rules"
        )
    return None


def rule_limit_problems(view: CatalogueView, rule_id: str) -> list[str]:
    """:func:`limit_problem` for both engine rules of one rule in ``view`` (for lint)."""
    met, unmet = truth_expressions(resolve(view.catalogue.rules[rule_id].conditions, view))
    stratum = view.catalogue.stratum(rule_id)
    found = (limit_problem(rule_id, {"$and": [{"stratum": stratum}, e]}, view.day) for e in (met, unmet))
    return list(dict.fromkeys(p for p in found if p))


@dataclass(frozen=True)
class Compiled:
    """A durable-rules ruleset definition for one catalogue view."""

    key: str
    definition: dict[str, Any]
    strata: dict[str, int]
    """Rule id -> stratum."""
    facts: list[str]
    """The facts the rules read."""
    reads: tuple[frozenset[str], ...] = ()
    """Per stratum, the engine attributes its rules read (each stratum's fact carries
    only those: the engine's cost grows with the size of the facts it matches)."""
    shifts: tuple[Term, ...] = ()
    """The moved dates the rules compare with, each posted as an attribute of its own."""

    @property
    def stratum_count(self) -> int:
        return 1 + max(self.strata.values(), default=-1)

    def rule_definitions(self, rule_id: str) -> list[tuple[str, Any]]:
        """The engine rules (``ID|T``, ``ID|F``) of one rule, by name."""
        return [(name, self.definition[name]) for name in (f"{rule_id}|T", f"{rule_id}|F") if name in self.definition]

    def rule_reads(self, rule_id: str) -> set[str]:
        """The fact attributes one rule's engine rules read (its stratum's number aside)."""
        out: set[str] = set()
        for _, rule in self.rule_definitions(rule_id):
            out |= attributes(rule) - {"stratum"}
        return out


def compile_view(view: CatalogueView) -> Compiled:
    """Compile the rules in force in ``view`` into one durable-rules ruleset."""
    cat = view.catalogue
    definition: dict[str, Any] = {}
    strata: dict[str, int] = {}
    reads: dict[int, set[str]] = {}
    shifts: dict[str, Term] = {}
    for rid in view.rule_ids:
        stratum = cat.stratum(rid)
        strata[rid] = stratum
        tree = resolve(cat.rules[rid].conditions, view)
        for leaf in date_leaves(tree):
            shifts.update((t.key, t) for t in leaf.test.terms if t.name is not None and t.shifted)
        met, unmet = truth_expressions(tree)
        for suffix, expr in (("T", met), ("F", unmet)):
            m = {"$and": [{"stratum": stratum}, expr]}
            problem = limit_problem(rid, m, view.day)
            if problem:
                raise EngineError(problem)
            definition[f"{rid}|{suffix}"] = {"all": [{"m": m}]}
            reads.setdefault(stratum, set()).update(attributes(expr))
    stratum_reads = tuple(frozenset(reads.get(s, ())) for s in range(1 + max(strata.values(), default=-1)))
    return Compiled(view.key, definition, strata, cat.facts_used(), stratum_reads, tuple(shifts[k] for k in sorted(shifts)))


def attributes(expr: Any) -> set[str]:
    """The fact attributes a durable-rules expression reads."""
    out: set[str] = set()
    if isinstance(expr, dict):
        for key, value in expr.items():
            if key == "$m":
                out.add(value)
            elif not key.startswith("$"):
                out.add(key)
            out |= attributes(value)
    elif isinstance(expr, list):
        for value in expr:
            out |= attributes(value)
    return out
