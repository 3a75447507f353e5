"""Property testing for profiles and rule catalogues (needs ``hypothesis``: ``pip install ".[test]"``).

A portal team, or a rule author, can property-test any rules directory::

    from datetime import date
    from hypothesis import given
    from eligibility import load_catalogue
    from eligibility.authoring.strategies import check_catalogue_properties, profiles

    report = check_catalogue_properties("my_rules", as_of=date(2026, 11, 25))
    assert report.ok, report

    cat = load_catalogue("my_rules")

    @given(profiles(as_of=date(2026, 11, 25), catalogue=cat))
    def test_my_property(profile): ...

Strategies (built by walking :class:`EnterpriseProfile`'s fields, so a new field is
generated with no change here):

* :func:`profile_data` / :func:`profiles` — valid profiles; with ``catalogue``, biased
  toward values at, just below and just above every threshold the catalogue uses;
* :func:`profile_data_with_unknown_field` — a valid profile plus one field the model
  does not have, and where it was put;
* :func:`malformed_profile_data` — anything JSON-like, or a profile with a field of
  the wrong type;
* :func:`fact_values` — values of the facts a catalogue reads (unknowns included), to
  drive the engine and the explanation directly.

Properties (each raises :class:`PropertyViolation` with the rule and the values):
:func:`check_engine_agrees`, :func:`check_deterministic`, :func:`check_monotone`,
:func:`check_refinement`; :func:`check_catalogue_properties` runs them all, with
:func:`find_witnesses`, on a rules directory.

Settings profiles: ``ci`` (derandomised, modest example counts, no deadline) and
``thorough`` (many more examples), registered by :func:`register_hypothesis_profiles`
and chosen with the ``HYPOTHESIS_PROFILE`` environment variable by
:func:`load_hypothesis_profile`.
"""

from __future__ import annotations

import copy
import os
import random
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from .._catalogue import Catalogue
from .._compiler import encode_facts
from .._evaluate import engine_for, evaluate
from .._explain import Explainer
from .._facts import FACTS, FactKind, FactValue, Ratio, compute_facts
from .._fields import Shape, fields_of
from .._loader import default_rules_dir, load_catalogue
from ..profile import EnterpriseProfile
from ..report import Status
from .._uscc import CHARSET, check_character
from .witness import (
    Witnesses,
    candidate_values,
    date_values,
    facts_env,
    find_witnesses,
    fixed_facts,
    thresholds,
)
from .witness import _realise_one as _realise_fact  # noqa: PLC2701 - same package
from .witness import _Unrealisable  # noqa: PLC2701

__all__ = [
    "PropertyFailure",
    "PropertyReport",
    "PropertyViolation",
    "Witnesses",
    "check_catalogue_properties",
    "check_deterministic",
    "check_engine_agrees",
    "check_monotone",
    "check_refinement",
    "fact_values",
    "find_witnesses",
    "load_hypothesis_profile",
    "malformed_profile_data",
    "model_data",
    "profile_data",
    "profile_data_with_unknown_field",
    "profiles",
    "register_hypothesis_profiles",
    "valid_usccs",
    "verdicts_from_facts",
]

# --- Settings profiles --------------------------------------------------------------------


def register_hypothesis_profiles() -> None:
    """Register the ``ci`` and ``thorough`` Hypothesis settings profiles."""
    common: dict[str, Any] = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much]}
    settings.register_profile("ci", max_examples=40, derandomize=True, database=None, print_blob=True, **common)
    settings.register_profile("thorough", max_examples=1500, **common)


def load_hypothesis_profile(default: str = "ci") -> str:
    """Load the profile named by ``HYPOTHESIS_PROFILE`` (``ci`` by default); return its name."""
    register_hypothesis_profiles()
    name = os.environ.get("HYPOTHESIS_PROFILE", default)
    settings.load_profile(name)
    return name


# --- Profiles, derived from the model ---------------------------------------------------


def _bound(constraints: tuple[Any, ...], name: str) -> Any:
    for c in constraints:
        if getattr(c, name, None) is not None:
            return getattr(c, name)
    return None


def valid_usccs() -> st.SearchStrategy[str]:
    """Unified social credit codes with a correct GB 32100 check character."""
    return st.text(alphabet=CHARSET, min_size=17, max_size=17).map(lambda s: s + check_character(s))


def _latest(as_of: date) -> date:
    return min(as_of, date.today())


def _field_strategy(shape: Shape, as_of: date, years: int) -> st.SearchStrategy[Any]:
    annotation, meta, item = shape.type, shape.constraints, shape.item
    if shape.model is not None and item is None:
        return model_data(shape.model, as_of=as_of, years=years)
    if item is not None:
        rows = item.model
        if rows is not None and any(f.name == "year" for f in fields_of(rows)):
            last = as_of.year - 1
            span = list(range(last - years + 1, min(last, date.today().year) + 1))
            return st.lists(st.sampled_from(span), unique=True, max_size=len(span)).flatmap(
                lambda ys: st.tuples(*(model_data(rows, as_of=as_of, years=years, fixed={"year": y}) for y in sorted(ys))).map(list)
            )
        return st.lists(_field_strategy(item, as_of, years), unique=item.enum is not None, max_size=4)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from([m.value for m in annotation])
    if annotation is bool:
        return st.booleans()
    if annotation is date:
        return st.dates(min_value=date(1980, 1, 1), max_value=_latest(as_of))
    lo, hi = _bound(meta, "ge"), _bound(meta, "le")
    if annotation is int:
        lo = -(10**6) if lo is None else lo
        hi = max(lo, _latest(as_of).year) if hi is None and lo >= 1900 else (10**9 if hi is None else hi)
        small = st.integers(max(lo, -1000), min(hi, 10**8)) if lo <= 10**8 else st.integers(lo, hi)
        return st.one_of(small, st.integers(lo, hi))
    if annotation is Decimal:
        places = _bound(meta, "decimal_places")
        lo = Decimal(-(10**6) if lo is None else lo)
        hi = Decimal(10**7 if hi is None else hi)
        return st.decimals(min_value=lo, max_value=min(hi, lo + 10_000), places=places, allow_nan=False, allow_infinity=False)
    if annotation is str:
        return st.text(min_size=_bound(meta, "min_length") or 0, max_size=min(_bound(meta, "max_length") or 40, 40))
    return st.nothing()


OVERRIDES: dict[str, Callable[[], st.SearchStrategy[Any]]] = {"uscc": valid_usccs}
"""Fields whose validator the model walk cannot infer, and the strategy used for them."""


def model_data(
    model: type[BaseModel], *, as_of: date, years: int = 4, fixed: dict[str, Any] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """Data for ``model`` (a dict, before validation), walking its fields.

    Types, ``ge``/``le`` bounds, decimal places, enums and nested models come from the
    model; an optional field is sometimes left out and sometimes ``None`` (both mean
    unknown); dates are not after ``as_of`` (nor today); yearly rows cover the ``years``
    fiscal years before ``as_of``'s year. Cross-field rules (S&T staff within total
    staff...) are not guaranteed here: :func:`profile_data` repairs them.
    """
    fixed = fixed or {}
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for f in fields_of(model):
        name = f.name
        if name in fixed:
            required[name] = st.just(fixed[name])
            continue
        strategy = OVERRIDES[name]() if name in OVERRIDES else _field_strategy(f.shape, as_of, years)
        if f.shape.optional:
            strategy = st.one_of(st.none(), strategy, strategy)
        (required if f.required else optional)[name] = strategy
    return st.fixed_dictionaries(required, optional=optional)


def _delete_at(data: Any, loc: tuple[Any, ...]) -> bool:
    node = data
    for part in loc[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    if loc and isinstance(node, dict) and loc[-1] in node and loc[-1] not in ("name", "year"):
        del node[loc[-1]]
        return True
    return False


def repair(data: dict[str, Any], model: type[BaseModel] = EnterpriseProfile) -> dict[str, Any] | None:
    """``data`` with every field a validator refuses left out (unknown), or None if that is not enough."""
    data = copy.deepcopy(data)
    for _ in range(8):
        try:
            model.model_validate(data)
            return data
        except ValidationError as exc:
            if not any(_delete_at(data, tuple(e["loc"])) for e in exc.errors()):
                return None
    return None


def _merge(top: Any, base: Any) -> Any:
    """``top`` over ``base``: mappings merged key by key, yearly rows by year."""
    if isinstance(top, dict) and isinstance(base, dict):
        out = dict(base)
        for k, v in top.items():
            out[k] = _merge(v, base[k]) if k in base else v
        return out
    if isinstance(top, list) and isinstance(base, list) and all(isinstance(r, dict) and "year" in r for r in top + base):
        rows = {r["year"]: r for r in base}
        for r in top:
            rows[r["year"]] = _merge(r, rows.get(r["year"], {}))
        return [rows[y] for y in sorted(rows)]
    return top


def _threshold_table(catalogue: Catalogue, as_of: date) -> list[tuple[str, Any]]:
    found = thresholds(catalogue)
    days = [d for d in date_values(catalogue.at(as_of)) if d <= _latest(as_of)]
    table = []
    for name in catalogue.facts_used():
        spec = FACTS.get(name)
        if spec is not None:
            table += [(name, v) for v in (days if spec.kind is FactKind.date else candidate_values(spec, found.get(name)))]
    return table


def profile_data(
    *, as_of: date, catalogue: Catalogue | None = None, name: str | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid profile data (dicts that :func:`eligibility.parse_profile` accepts).

    With ``catalogue``, some facts the catalogue reads are set to values at, just
    below or just above its thresholds (ratios exactly, by choosing numerator and
    denominator), and the rest of the profile is random.
    """
    base = model_data(EnterpriseProfile, as_of=as_of)
    if name is not None:
        base = base.map(lambda d: {**d, "name": name})
    if catalogue is None:
        return base.map(repair).filter(lambda d: d is not None)  # type: ignore[return-value]
    table = _threshold_table(catalogue, as_of)
    params = catalogue.at(as_of).values
    fixed = set(fixed_facts(catalogue.at(as_of)))
    table = [(f, v) for f, v in table if f not in fixed]

    def biased(base_data: dict[str, Any], picks: list[tuple[str, Any]]) -> dict[str, Any] | None:
        patch: dict[str, Any] = {"name": base_data["name"]}
        for fact, value in picks:
            trial = copy.deepcopy(patch)
            try:
                _realise_fact(trial, FACTS[fact], value, as_of, params)
            except (_Unrealisable, ArithmeticError, ValueError):
                continue
            patch = trial
        return repair(_merge(patch, base_data))

    picks = st.lists(st.sampled_from(table), max_size=8) if table else st.just([])
    return st.builds(biased, base, picks).filter(lambda d: d is not None)  # type: ignore[return-value]


def profiles(*, as_of: date, catalogue: Catalogue | None = None) -> st.SearchStrategy[EnterpriseProfile]:
    """Valid :class:`EnterpriseProfile` objects (see :func:`profile_data`)."""
    return profile_data(as_of=as_of, catalogue=catalogue).map(EnterpriseProfile.model_validate)


def _model_slots(data: dict[str, Any], model: type[BaseModel], path: str = "") -> list[tuple[dict[str, Any], type[BaseModel], str]]:
    """Every mapping in ``data`` that a model validates, with that model and its field path."""
    out = [(data, model, path)]
    for f in fields_of(model):
        name, sub = f.name, f"{path}.{f.name}" if path else f.name
        value = data.get(name)
        if f.model is not None and f.item is None:
            data.setdefault(name, {}) if value is None else None
            out += _model_slots(data[name], f.model, sub)
        elif f.model is not None and isinstance(value, list):
            for row in value:
                out += _model_slots(row, f.model, f"{sub}[{row.get('year')}]")
    return out


def profile_data_with_unknown_field(*, as_of: date) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    """A valid profile with one field the model does not have, and that field's path."""
    names = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)

    @st.composite
    def build(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
        data = copy.deepcopy(draw(profile_data(as_of=as_of)))
        slots = _model_slots(data, EnterpriseProfile)
        mapping, model, path = draw(st.sampled_from(slots))
        key = draw(names.filter(lambda k: k not in model.model_fields))
        mapping[key] = draw(st.one_of(st.none(), st.integers(), st.text(max_size=5)))
        return data, f"{path}.{key}" if path else key

    return build()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10) | st.decimals(allow_nan=True),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def malformed_profile_data(*, as_of: date) -> st.SearchStrategy[Any]:
    """Anything JSON-like, or a valid profile with one value replaced by a random one."""

    @st.composite
    def mutated(draw: st.DrawFn) -> Any:
        data = copy.deepcopy(draw(profile_data(as_of=as_of)))
        slots = _model_slots(data, EnterpriseProfile)
        mapping, model, _path = draw(st.sampled_from(slots))
        key = draw(st.sampled_from(sorted(model.model_fields)))
        mapping[key] = draw(_json)
        return data

    return st.one_of(_json, st.dictionaries(st.sampled_from(sorted(EnterpriseProfile.model_fields)), _json), mutated())


# --- Facts -----------------------------------------------------------------------------


def _random_fact(name: str) -> st.SearchStrategy[Any]:
    spec = FACTS[name]
    kind = spec.kind
    if kind is FactKind.bool:
        return st.booleans()
    if kind in (FactKind.enum, FactKind.ordinal):
        return st.sampled_from(spec.choices)
    if kind is FactKind.set:
        return st.frozensets(st.sampled_from(spec.choices))
    if kind is FactKind.date:
        return st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))
    if kind is FactKind.ratio:
        ints = st.one_of(st.integers(0, 1000), st.integers(0, 10**13))
        return st.builds(lambda n, d, neg: Ratio(Decimal(-n if neg else n), Decimal(d)), ints, ints, st.booleans())
    if spec.decimals:
        return st.decimals(min_value=0, max_value=10**7, places=spec.decimals, allow_nan=False, allow_infinity=False)
    return st.one_of(st.integers(-5, 100), st.integers(-(10**13), 10**13)).map(Decimal)


def fact_values(catalogue: Catalogue, as_of: date) -> st.SearchStrategy[dict[str, Any]]:
    """Values of every fact the catalogue reads on ``as_of`` (None = unknown).

    Values at and around the catalogue's thresholds are favoured; facts that need no
    profile input (``as_of_month``) take their value on ``as_of``.
    """
    found = thresholds(catalogue)
    view = catalogue.at(as_of)
    fixed = fixed_facts(view)
    days = date_values(view)
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for name in catalogue.facts_used():
        if name in fixed:
            parts[name] = st.just(fixed[name])
            continue
        near = st.sampled_from(days if FACTS[name].kind is FactKind.date else candidate_values(FACTS[name], found.get(name)))
        parts[name] = st.one_of(st.none(), near, near, _random_fact(name))
    return st.fixed_dictionaries(parts)


# --- Properties --------------------------------------------------------------------------


class PropertyViolation(AssertionError):
    """A catalogue property does not hold; the message names the rule and the values."""


Outcome = bool | None


def verdicts_from_facts(catalogue: Catalogue, as_of: date, facts: dict[str, FactValue]) -> tuple[dict[str, Outcome], dict[str, Outcome]]:
    """(durable-rules outcome, explanation outcome) of every rule in force, for fact values.

    True met, False not met, None undecided (needs information).
    """
    view = catalogue.at(as_of)
    ruleset = engine_for(view)
    engine = ruleset.run(encode_facts(facts, ruleset.compiled.shifts))
    explainer = Explainer(view, facts)
    explained: dict[str, Outcome] = {}
    for rid in view.rule_ids:
        status = explainer.explain_rule(catalogue.rules[rid])["status"]
        explained[rid] = None if status is Status.unknown else status is Status.met
    return {rid: engine.get(rid) for rid in view.rule_ids}, explained


def check_engine_agrees(catalogue: Catalogue, as_of: date, env: dict[str, Any]) -> dict[str, Outcome]:
    """The durable-rules verdict equals the explanation's, for every rule; returns the verdicts."""
    # Facts known without a profile (the evaluation date) take their value on ``as_of``.
    facts = facts_env({**fixed_facts(catalogue.at(as_of)), **env}, catalogue.facts_used())
    engine, explained = verdicts_from_facts(catalogue, as_of, facts)
    for rid, outcome in engine.items():
        if outcome != explained[rid]:
            raise PropertyViolation(
                f"{rid}: durable-rules says {outcome}, the explanation says {explained[rid]} for facts {_show(env)}"
            )
    return engine


def _show(env: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(env.items()) if v is not None)


def _shuffled(data: Any, rng: random.Random) -> Any:
    if isinstance(data, dict):
        items = list(data.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(data, list):
        rows = [_shuffled(v, rng) for v in data]
        if all(isinstance(r, dict) and "year" in r for r in rows):
            rng.shuffle(rows)
        return rows
    return data


def reordered(catalogue: Catalogue, seed: int) -> Catalogue:
    """The same catalogue with its rules, parameters and sources in another order (compiled anew)."""
    rng = random.Random(seed)

    def mix(d: dict[str, Any]) -> dict[str, Any]:
        items = list(d.items())
        rng.shuffle(items)
        return dict(items)

    return Catalogue(
        catalogue.info,
        mix(catalogue.rules),
        mix(catalogue.parameters),
        mix(catalogue.sources),
        catalogue.where,
        f"{catalogue.fingerprint}~{seed}",
    )


def check_deterministic(catalogue: Catalogue, as_of: date, data: dict[str, Any], seed: int, *others: Catalogue) -> None:
    """The same report every time, whatever the order of the profile's fields and of the rules.

    ``others`` are the same catalogue loaded otherwise (rule files in another order).
    """
    first = evaluate(data, as_of=as_of, catalogue=catalogue)
    again = evaluate(copy.deepcopy(data), as_of=as_of, catalogue=catalogue)
    if again != first:
        raise PropertyViolation("the same profile gave two different reports")
    shuffled = evaluate(_shuffled(data, random.Random(seed)), as_of=as_of, catalogue=catalogue)
    if shuffled != first:
        raise PropertyViolation(f"reordering the profile's fields changed the report: {_diff(first, shuffled)}")
    for other in (reordered(catalogue, seed), *others):
        got = evaluate(data, as_of=as_of, catalogue=other)
        # A reordered copy is fingerprinted apart (so it is compiled anew): its record differs by design.
        if got.model_copy(update={"record": first.record}) != first:
            raise PropertyViolation(f"reordering the rules changed the report: {_diff(first, got)}")


def _diff(a: Any, b: Any) -> str:
    va, vb = a.verdicts(), b.verdicts()
    changed = [f"{k}: {va.get(k)} -> {vb.get(k)}" for k in sorted(set(va) | set(vb)) if va.get(k) != vb.get(k)]
    return "; ".join(changed) or "(same verdicts, different explanations)"


def better_values(name: str, current: Any, direction: int) -> list[Any]:
    """Values of fact ``name`` better than ``current`` in ``direction`` (+1 higher, -1 lower)."""
    spec = FACTS[name]
    if current is None:
        return []
    if spec.kind is FactKind.ordinal:
        rank = spec.choices.index(current)
        return [c for i, c in enumerate(spec.choices) if (i - rank) * direction > 0]
    found = thresholds_cache.get(name, set())
    if spec.kind is FactKind.ratio:
        if current.den == 0:
            return []
        value = current.num / current.den
        steps = [Decimal("0.0001"), Decimal("0.01"), Decimal(1)] + [abs(Decimal(t) - value) for t in found if t is not None]
        return [Ratio((value + direction * s) * 10**8, Decimal(10**8)) for s in steps if s > 0]
    step = Decimal(1).scaleb(-spec.decimals)
    value = Decimal(current)
    steps = [step, step * 100] + [abs(Decimal(t) - value) for t in found if t is not None]
    return [value + direction * s for s in steps if s > 0]


thresholds_cache: dict[str, set[Any]] = {}


def check_monotone(catalogue: Catalogue, as_of: date, env: dict[str, Any]) -> int:
    """No declared-monotone rule goes from met to not met when one of its facts gets better.

    Returns the number of (rule, fact, better value) cases checked.
    """
    thresholds_cache.update(thresholds(catalogue))
    before = check_engine_agrees(catalogue, as_of, env)
    checked = 0
    for rid, outcome in before.items():
        mono = catalogue.rules[rid].monotone
        if outcome is not True or mono is None:
            continue
        for fact, direction in mono.directions():
            for better in better_values(fact, env.get(fact), direction):
                after = check_engine_agrees(catalogue, as_of, {**env, fact: better})
                checked += 1
                if after[rid] is not True:
                    raise PropertyViolation(
                        f"{rid} is declared monotone in {fact} ({'increasing' if direction > 0 else 'decreasing'}), "
                        f"but {fact} {env.get(fact)} -> {better} turns it from met to {after[rid]} (facts {_show(env)})"
                    )
    return checked


def check_refinement(catalogue: Catalogue, as_of: date, partial: dict[str, Any], full: dict[str, Any]) -> None:
    """Filling in unknown facts never changes a decided verdict.

    ``full`` must agree with ``partial`` on every fact ``partial`` knows.
    """
    before = check_engine_agrees(catalogue, as_of, partial)
    after = check_engine_agrees(catalogue, as_of, full)
    for rid, outcome in before.items():
        if outcome is not None and after[rid] != outcome:
            filled = {k: v for k, v in full.items() if partial.get(k) is None and v is not None}
            raise PropertyViolation(f"{rid} was {outcome}, filling in {_show(filled)} made it {after[rid]}")


def forget(data: dict[str, Any], keep: Callable[[str], bool]) -> dict[str, Any]:
    """Profile data with the fields ``keep(path)`` rejects left out (unknown); ``name`` is kept."""

    def walk(node: Any, path: str) -> Any:
        if isinstance(node, dict):
            return {
                k: walk(v, f"{path}.{k}" if path else k)
                for k, v in node.items()
                if k in ("name", "year") or keep(f"{path}.{k}" if path else k)
            }
        if isinstance(node, list) and all(isinstance(r, dict) and "year" in r for r in node):
            return [walk(r, f"{path}[{r['year']}]") for r in node if keep(f"{path}[{r['year']}]")]
        return node

    return walk(data, "")


# --- The catalogue checks itself ------------------------------------------------------------


@dataclass(frozen=True)
class PropertyFailure:
    """One property that does not hold, with the rule concerned (if one) and why."""

    property: str
    rule_id: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.property}{f' [{self.rule_id}]' if self.rule_id else ''}: {self.message}"


@dataclass
class PropertyReport:
    """The outcome of :func:`check_catalogue_properties`."""

    as_of: date
    witnesses: dict[str, Witnesses] = field(default_factory=dict)
    failures: list[PropertyFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def __str__(self) -> str:
        if self.ok:
            return f"all properties hold on {self.as_of} ({len(self.witnesses)} supports)"
        return "\n".join([f"{len(self.failures)} propert(ies) fail on {self.as_of}:"] + [f"  - {f}" for f in self.failures])


def _renamed_copy(root: Path, target: Path) -> Path:
    """A copy of a rules directory whose rule files sort in the reverse order."""
    shutil.copytree(root, target)
    for sub in ("derived", "supports"):
        files = sorted((target / sub).glob("*.yaml"))
        for i, f in enumerate(files):
            f.rename(f.with_name(f"{len(files) - i:04d}_{f.name}"))
    return target


def check_catalogue_properties(
    path: str | Path | None = None, *, as_of: date | None = None, max_examples: int | None = None
) -> PropertyReport:
    """Check every catalogue property on the rules directory ``path`` (the bundled one by default).

    * each support can be met and missed (witness profiles, checked by evaluation);
    * durable-rules and the explanation agree, on fact values and on profiles;
    * reports do not depend on the order of the profile's fields, of the rule files or of the rules;
    * declared monotonicity holds;
    * filling in unknown facts or profile fields never changes a decided verdict.

    Raises :class:`RuleError` if the directory does not load. ``max_examples``
    defaults to the current Hypothesis settings profile's.
    """
    day = as_of or date.today()
    root = Path(path) if path is not None else None
    cat = load_catalogue(root)
    report = PropertyReport(day)
    report.witnesses = find_witnesses(cat, day)
    for rid, w in report.witnesses.items():
        if w.met is None:
            report.failures.append(PropertyFailure("can be met", rid, w.met_problem or "no witness"))
        if w.unmet is None:
            report.failures.append(PropertyFailure("can be missed", rid, w.unmet_problem or "no witness"))

    names = cat.facts_used()
    for rid, w in report.witnesses.items():  # monotonicity from each met witness, deterministically
        if w.met is None or cat.rules[rid].monotone is None:
            continue
        env = {n: fv.value for n, fv in compute_facts(w.met, day, names, cat.at(day).values).items()}
        try:
            check_monotone(cat, day, env)
        except PropertyViolation as exc:
            report.failures.append(PropertyFailure("monotone", rid, str(exc)))

    tmp = tempfile.mkdtemp(prefix="eligibility-props-")
    try:
        others = [load_catalogue(_renamed_copy(root or Path(_default_dir()), Path(tmp) / "rules"))]
        run = settings(
            settings(), max_examples=max_examples or settings().max_examples, database=None, deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        facts = fact_values(cat, day)
        profs = profile_data(as_of=day, catalogue=cat)

        @run
        @given(facts)
        def engine_agrees(env: dict[str, Any]) -> None:
            check_engine_agrees(cat, day, env)

        @run
        @given(profs)
        def engine_agrees_on_profiles(data: dict[str, Any]) -> None:
            evaluate(data, as_of=day, catalogue=cat)  # raises EngineError on disagreement

        @run
        @given(profs, st.integers(0, 2**32))
        def deterministic(data: dict[str, Any], seed: int) -> None:
            check_deterministic(cat, day, data, seed, *others)

        @run
        @given(facts)
        def monotone(env: dict[str, Any]) -> None:
            check_monotone(cat, day, env)

        @run
        @given(facts, st.data())
        def refinement(full: dict[str, Any], data: st.DataObject) -> None:
            fixed = fixed_facts(cat.at(day))
            known = [k for k, v in full.items() if v is not None and k not in fixed]
            hidden = data.draw(st.sets(st.sampled_from(known)) if known else st.just(set()))
            check_refinement(cat, day, {k: (None if k in hidden else v) for k, v in full.items()}, full)

        @run
        @given(profs, st.data())
        def refinement_on_profiles(full: dict[str, Any], data: st.DataObject) -> None:
            keep = data.draw(st.functions(like=lambda path: True, returns=st.booleans(), pure=True))
            partial = forget(full, keep)
            before = evaluate(partial, as_of=day, catalogue=cat).verdicts()
            after = evaluate(full, as_of=day, catalogue=cat).verdicts()
            for rid, v in before.items():
                if v.value != "needs_information" and after[rid] != v:
                    raise PropertyViolation(f"{rid} was {v.value}; filling in fields made it {after[rid].value}")

        for prop in (engine_agrees, engine_agrees_on_profiles, deterministic, monotone, refinement, refinement_on_profiles):
            try:
                prop()
            except Exception as exc:  # noqa: BLE001 - every failure is reported
                notes = "\n".join(getattr(exc, "__notes__", []))
                report.failures.append(PropertyFailure(prop.__name__, None, f"{type(exc).__name__}: {exc}\n{notes}".strip()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report


def _default_dir() -> Path:
    return default_rules_dir()
