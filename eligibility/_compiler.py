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
below *k*; the fact for stratum *k* carries their outcomes as ``rule__ID``. A condition
larger or deeper than one durable-rules rule holds (:mod:`eligibility._engine_limits`) is
split the same way: parts of it become helper rules (``ID-1``, ``ID-2`` ...) in lower
strata, and the rule reads their outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from operator import attrgetter
from typing import Any, NamedTuple
from collections.abc import Callable, Mapping, Sequence

from ._engine_limits import GROUP_ITEMS, group_count, node_count, rule_problem
from ._decision import KINDS, DateLeaf, Encoder, Every, Kind, Leaf, Negation, Number, Ref, Resolved, Some, Unavailable, date_leaves, resolve
from ._catalogue import CatalogueView
from .errors import EngineError
from ._facts import FACTS, FactValue, fact_plan
from ._fields import profile_fields
from ._formulas import ValueContext
from ._dates import AS_OF, DateTest, Term, day_number_mover, shift
from .profile import EnterpriseProfile
from ._schema import ParameterValue

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


def engine_facts(profile: EnterpriseProfile, compiled: Compiled, day: date, params: Mapping[str, ParameterValue]) -> dict[str, Any]:
    """``encode_facts(compute_facts(profile, day, compiled.facts, params), compiled.shifts)``
    in one pass, for the verdicts alone: each fact's value computed (no unknown input
    recorded, :class:`~eligibility._formulas.ValueContext`) and written as engine
    attributes at once."""
    plan = compiled.encoding
    ctx = ValueContext(profile, day, params=params)
    out: dict[str, Any] = {}
    if plan.getter is not None:
        values = plan.getter(profile)
        ctx._values = {path: values[i] for path, i in plan.read}
        if plan.others:
            ctx._values.update(zip(plan.others, plan.others_getter(profile)))
        for value, key, encode in zip(values, plan.keys, plan.field_encoders):
            if value is not None:
                if encode is None:
                    out[key] = value
                else:
                    encode(value, out)
    kept: dict[str, Any] = {}
    for name, run, shared, encode, keep in plan.computed:
        value = ctx.shared(name, run) if shared else run(ctx)
        if value is not None:
            encode(value, out)
            if keep:
                kept[name] = value
    for name, computed, key, move in plan.shifts:
        base = (kept if computed else ctx._values).get(name)
        if base is not None:
            out[key] = move(base)
    return out


class _Encoding(NamedTuple):
    """How :func:`engine_facts` computes and writes some facts, worked out once."""

    getter: Callable[[Any], Any] | None
    """Reads every profile field among the facts in one call (:class:`~eligibility._facts.FactPlan`)."""
    read: tuple[tuple[str, int], ...]
    """The profile fields the other facts' formulas read, and their places among the fields."""
    keys: tuple[str, ...]
    """Per profile field: its engine attribute."""
    field_encoders: tuple[Encoder | None, ...]
    """Per profile field: how its known value, as the profile holds it, is written as engine
    attributes (None: as it is, under its attribute)."""
    computed: tuple[tuple[str, Callable[[Any], Any], bool, Encoder, bool], ...]
    """The other facts: name, compiled formula, shared, encoder, kept (a moved date's base)."""
    shifts: tuple[tuple[str, bool, str, Callable[[date], int]], ...]
    """Each moved date: its fact, whether computed, its attribute, and its day number from the fact's."""
    others: tuple[str, ...]
    """The other profile fields the formulas read, directly or through the facts they read
    (the parts of a score, a ratio's terms): read in one call too (with :attr:`getter`)."""
    others_getter: Callable[[Any], tuple[Any, ...]]


@lru_cache(maxsize=64)
def _encoding(names: tuple[str, ...], shifts: tuple[Term, ...]) -> _Encoding:
    plan = fact_plan(names)
    encoders: list[Encoder | None] = [None if _as_it_is(name) else _ENCODERS.get(name) or _encoder(name) for name in plan.fields]
    for i, name, convert in plan.converts:
        encoders[i] = _converted(convert, _ENCODERS.get(name) or _encoder(name))
    computed_names = {name for name, _run, _shared in plan.computed}
    moved = tuple((t.name or "", t.name in computed_names, t.key, day_number_mover(t.unit or "days", t.amount)) for t in shifts)
    # kept in the context: the fields the formulas read, directly or through the facts they read, and the moved dates' bases
    formulas_read = _paths_read(computed_names)
    read = formulas_read | {name for name, *_ in moved}
    bases = {name for name, computed, *_ in moved if computed}
    computed = tuple(
        (name, run, shared, _ENCODERS.get(name) or _encoder(name), name in bases) for name, run, shared in plan.computed
    )
    places = tuple((path, i) for i, path in enumerate(plan.fields) if path in read)
    others = tuple(sorted(formulas_read - set(plan.fields))) if plan.getter is not None else ()
    getter = attrgetter(*others) if len(others) != 1 else _one(attrgetter(*others))
    return _Encoding(plan.getter, places, tuple(attr(name) for name in plan.fields), tuple(encoders), computed, moved, others, getter)


def _one(getter: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, ...]]:
    return lambda profile: (getter(profile),)


def _paths_read(names: set[str]) -> set[str]:
    """The profile fields the formulas of ``names`` read, directly or through the facts they read."""
    paths = profile_fields()
    out: set[str] = set()
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            formula = FACTS[name].formula
            out.update(path for path in formula.reads() if path in paths)
            todo.extend(formula.facts())
    return out


def _as_it_is(name: str) -> bool:
    """Whether a profile field's value is written for the engine as the profile holds it,
    without a call: a yes/no (its kind keeps the base encoder), or a whole number the profile
    holds as an ``int`` (the number encoder writes an int with no decimals as it is)."""
    spec = FACTS[name]
    kind = KINDS[spec.kind]
    if type(kind).encoder is Kind.encoder:
        return True
    path = getattr(spec.formula, "path", None)
    return type(kind) is Number and spec.decimals == 0 and path is not None and profile_fields()[path].shape.type is int


def _converted(convert: Callable[[Any], Any], encode: Encoder) -> Encoder:
    def run(value: Any, out: dict[str, Any]) -> None:
        encode(convert(value), out)

    return run


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


def truth_expressions(tree: Resolved | Part) -> tuple[dict[str, Any], dict[str, Any]]:
    """(met, unmet) durable-rules expressions for a resolved condition."""
    if isinstance(tree, Part):
        return {rule_attr(tree.rule): True}, {rule_attr(tree.rule): False}
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


# --- Conditions too large for one engine rule -------------------------------------------


@dataclass(frozen=True)
class Part:
    """A helper rule holding part of a condition too large for one engine rule.

    Only the compiled ruleset has helpers: the explanation reads each rule whole. A helper
    decides its part three-valued like any derived rule (met, not met, or neither), and the
    rule reads its outcome, so ``all``/``any`` chained through helpers decide exactly as
    the whole condition would (both are associative in three-valued logic)."""

    rule: str


def _chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
    return [items[i : i + GROUP_ITEMS] for i in range(0, len(items), GROUP_ITEMS)]


def _wrapped(expr: dict[str, Any]) -> dict[str, Any]:
    """An engine rule's expression: its stratum, then the condition (the stratum's number does not count)."""
    return {"$and": [{"stratum": 0}, expr]}


def _problem(tree: Resolved | Part) -> str | None:
    """What keeps the condition ``tree`` from one pair of engine rules, or None."""
    for expr in truth_expressions(tree):
        problem = rule_problem(_wrapped(expr))
        if problem:
            return problem
    return None


def _weight(tree: Resolved | Part) -> int:
    return max(node_count(e) + group_count(e) for e in truth_expressions(tree))


class _Bounder:
    """Splits one rule's resolved condition into engine rules of bounded size and nesting.

    A long ``all``/``any`` becomes a chain of helper rules of at most
    :data:`~eligibility._engine_limits.GROUP_ITEMS` items each; a group still too large
    or too deep for one engine rule moves its heaviest items into helpers until it fits.
    A single comparison always fits (an ``in`` list has at most the 11 choices of a fact)."""

    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id
        self.helpers: list[tuple[str, Resolved | Part]] = []
        """(helper id, its condition), each after the helpers it reads."""

    def _helper(self, tree: Resolved | Part) -> Part:
        # Rule ids are [a-z0-9_]+, so a helper's id can never be a rule's.
        helper = f"{self.rule_id}-{len(self.helpers) + 1}"
        self.helpers.append((helper, tree))
        return Part(helper)

    def bound(self, tree: Resolved) -> Resolved | Part:
        if isinstance(tree, Negation):
            return Negation(self.bound(tree.item), tree.node)  # type: ignore[arg-type]
        if not isinstance(tree, Every | Some):
            return tree
        return self._fit(type(tree), [self.bound(item) for item in tree.items], tree.node)

    def _fit(self, group: type[Every] | type[Some], items: list[Any], node: Any) -> Every | Some:
        while len(items) > GROUP_ITEMS:
            items = [self._helper(self._fit(group, list(c), None)) if len(c) > 1 else c[0] for c in _chunks(items)]
        tree = group(tuple(items), node)
        while _problem(tree):
            heaviest = max(range(len(items)), key=lambda i: _weight(items[i]))
            if isinstance(items[heaviest], Part):  # pragma: no cover - GROUP_ITEMS helpers always fit
                raise EngineError(f"rule {self.rule_id}: a group of {len(items)} helper rules does not fit one engine rule")
            items[heaviest] = self._helper(items[heaviest])
            tree = group(tuple(items), node)
        return tree


def _reads_rules(tree: Resolved | Part) -> set[str]:
    """The rules and helpers whose outcomes a condition reads in the engine."""
    if isinstance(tree, Part) or (isinstance(tree, Ref) and tree.in_force):
        return {tree.rule}
    if isinstance(tree, Every | Some):
        return {r for item in tree.items for r in _reads_rules(item)}
    if isinstance(tree, Negation):
        return _reads_rules(tree.item)
    return set()


def engine_rules(tree: Resolved, rule_id: str) -> list[tuple[str, Resolved | Part]]:
    """The engine rules (rule or helper id, condition) that decide ``rule_id``'s resolved
    condition ``tree``: helpers first, each before those reading it, then the rule itself."""
    bounder = _Bounder(rule_id)
    top = bounder.bound(tree)
    return [*bounder.helpers, (rule_id, top)]


def limit_problem(rule_id: str, tree: Resolved | Part, day: date) -> str | None:
    """What keeps one engine rule's condition from durable-rules, or None. The compiler
    splits every condition into engine rules that fit, so this is a guard: a rule it
    reports could not be split."""
    problem = _problem(tree)
    if problem:
        return (
            f"规则 {rule_id} 超出 durable-rules 的限制 (rule {rule_id} does not fit durable-rules on {day}: {problem}, "
            "even split into helper rules)"
        )
    return None


def rule_limit_problems(view: CatalogueView, rule_id: str) -> list[str]:
    """:func:`limit_problem` for the engine rules of one rule in ``view`` (for lint)."""
    tree = resolve(view.catalogue.rules[rule_id].conditions, view)
    found = (limit_problem(rule_id, part, view.day) for _, part in engine_rules(tree, rule_id))
    return list(dict.fromkeys(p for p in found if p))


@dataclass(frozen=True)
class Compiled:
    """A durable-rules ruleset definition for one catalogue view."""

    key: str
    definition: dict[str, Any]
    strata: dict[str, int]
    """Rule or helper id -> stratum (one more than the highest stratum of what it reads)."""
    facts: list[str]
    """The facts the rules read."""
    reads: tuple[frozenset[str], ...] = ()
    """Per stratum, the engine attributes its rules read (each stratum's fact carries
    only those: the engine's cost grows with the size of the facts it matches)."""
    shifts: tuple[Term, ...] = ()
    """The moved dates the rules compare with, each posted as an attribute of its own."""
    helpers: frozenset[str] = frozenset()
    """The helper rules holding parts of conditions too large for one engine rule (among
    ``strata``; their outcomes are the engine's own business)."""

    @cached_property
    def encoding(self) -> _Encoding:
        """How :func:`engine_facts` computes and writes the facts the rules read, worked out
        once (asked for with every profile: looking it up by the facts' names would hash them)."""
        return _encoding(tuple(self.facts), self.shifts)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without :attr:`encoding` (functions made for this process; worked out again
        when first asked for): the on-disk cache keeps compiled views."""
        state = dict(self.__dict__)
        state.pop("encoding", None)
        return state

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


def compile_view(view: CatalogueView, only: Sequence[str] | None = None) -> Compiled:
    """Compile the rules in force in ``view`` into one durable-rules ruleset (``only``
    those, in catalogue order, when given: each with every derived rule it names, and
    the facts they read).

    A condition too large or too deep for one engine rule is split into helper rules
    (:func:`engine_rules`); each engine rule's stratum is one more than the highest of the
    rules and helpers it reads."""
    cat = view.catalogue
    definition: dict[str, Any] = {}
    strata: dict[str, int] = {}
    reads: dict[int, set[str]] = {}
    shifts: dict[str, Term] = {}
    helpers: list[str] = []
    for rid in view.rule_ids if only is None else only:
        tree = resolve(cat.rules[rid].conditions, view)
        for leaf in date_leaves(tree):
            shifts.update((t.key, t) for t in leaf.test.terms if t.name is not None and t.shifted)
        parts = engine_rules(tree, rid)
        helpers.extend(name for name, _ in parts[:-1])
        for name, part in parts:
            problem = limit_problem(rid, part, view.day)
            if problem:
                raise EngineError(problem)
            stratum = strata[name] = 1 + max((strata[r] for r in _reads_rules(part)), default=-1)
            for suffix, expr in zip("TF", truth_expressions(part)):
                definition[f"{name}|{suffix}"] = {"all": [{"m": {"$and": [{"stratum": stratum}, expr]}}]}
                reads.setdefault(stratum, set()).update(attributes(expr))
    stratum_reads = tuple(frozenset(reads.get(s, ())) for s in range(1 + max(strata.values(), default=-1)))
    return Compiled(
        view.key,
        definition,
        strata,
        cat.facts_used(only),
        stratum_reads,
        tuple(shifts[k] for k in sorted(shifts)),
        frozenset(helpers),
    )


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
