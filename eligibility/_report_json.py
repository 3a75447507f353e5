"""The full report's JSON straight from an evaluation's plain data, for a caller that only
sends it (a portal, the service): byte for byte ``report_of(prepared, evaluation).model_dump_json()``
without making the report's models.

orjson writes the plain data: an explanation's nodes (dicts of the report's fields, in its
order), their statuses and the verdicts (string enums, written as their values, which is
what the report writes) in C. What the report holds as models is written as pydantic writes
it (``model_dump_json``) and kept as a fragment of JSON: the parts that are the same in
every report (a rule's name, texts and citations, a condition's label, the record) once
for as long as the view lives; a gap, made for one enterprise, once per report. A value of
a type orjson does not write as pydantic does is written by pydantic.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import orjson
from pydantic import BaseModel, TypeAdapter

from ._evaluate import VERDICT, Evaluation, Prepared, report_of, support_of
from ._gaps import gaps_of
from .report import Gap, LimitResult

_ANY: TypeAdapter[Any] = TypeAdapter(Any)
_MAX_KEPT = 20_000
"""Fragments kept per view (the parts of every report, some 1,500)."""
_MAX_VIEWS = 64


class _Kept:
    """The fragments one view's reports share, by the identity of what they were made of
    (which is kept with them, so that the identity stays its own), and each rule's fields
    with their unchanging values as fragments."""

    def __init__(self, prepared: Prepared) -> None:
        self.fragments: dict[int, tuple[object, orjson.Fragment]] = {}
        self.lock = threading.Lock()
        self.prototypes = {rid: {k: _fragment(v) for k, v in proto.items()} for rid, proto in prepared.prototypes.items()}
        self.dump: dict[type, Callable[[Any], bytes]] = {Gap: TypeAdapter(Gap).dump_json, LimitResult: TypeAdapter(LimitResult).dump_json}
        """How a model made for one enterprise is written (as pydantic writes it, as bytes)."""

    def keep(self, obj: object, fragment: orjson.Fragment) -> orjson.Fragment:
        if len(self.fragments) < _MAX_KEPT:
            with self.lock:
                return self.fragments.setdefault(id(obj), (obj, fragment))[1]
        return fragment


def _fragment(value: Any) -> Any:
    """An unchanging value of a rule's result: a model (or a list of them) as pydantic writes it."""
    if isinstance(value, BaseModel):
        return orjson.Fragment(value.model_dump_json())
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        return orjson.Fragment("[" + ",".join(item.model_dump_json() for item in value) + "]")
    return value


_views: dict[int, tuple[Prepared, _Kept]] = {}
_views_lock = threading.Lock()


def _kept(prepared: Prepared) -> _Kept:
    found = _views.get(id(prepared))
    if found is None or found[0] is not prepared:
        with _views_lock:
            found = _views.get(id(prepared))
            if found is None or found[0] is not prepared:
                if len(_views) >= _MAX_VIEWS:  # as many views as evaluation keeps prepared
                    _views.clear()
                found = _views[id(prepared)] = (prepared, _Kept(prepared))
    return found[1]


def _writer(kept: _Kept) -> Callable[[Any], Any]:
    """orjson's ``default`` for one report: how each object orjson does not write itself is
    written (a closure, called back some thousand times a report)."""
    get = kept.fragments.get
    dump = kept.dump
    made: dict[int, orjson.Fragment] = {}
    """What was made for this enterprise, written once (a gap appears under its condition and its rule)."""

    def default(obj: Any) -> Any:
        found = get(id(obj))
        if found is not None:
            return found[1]
        writes = dump.get(type(obj))
        if writes is not None:  # a gap or a cap, made for this enterprise
            fragment = made.get(id(obj))
            if fragment is None:
                fragment = made[id(obj)] = orjson.Fragment(writes(obj))
            return fragment
        if isinstance(obj, BaseModel):  # a label, a citation: the same in every report
            return kept.keep(obj, orjson.Fragment(obj.model_dump_json()))
        return orjson.Fragment(_ANY.dump_json(obj))

    return default


def report_json(prepared: Prepared, evaluation: Evaluation) -> str:
    """``report_of(prepared, evaluation).model_dump_json()``, made from the plain data."""
    kept = _kept(prepared)
    name = _namer(prepared)
    seen: dict[int, list[Gap]] = {}
    report = {
        "enterprise": evaluation.enterprise,
        "uscc": evaluation.uscc,
        "record": prepared.record,
        "supports": [_support(kept, rid, evaluation, name, seen) for rid in prepared.supports],
        "derived": [_support(kept, rid, evaluation, name, seen) for rid in prepared.derived],
    }
    try:
        return orjson.dumps(report, default=_writer(kept)).decode()
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits: pydantic writes it
        return report_of(prepared, evaluation).model_dump_json()


def support_json(prepared: Prepared, evaluation: Evaluation, rule_id: str) -> str:
    """``support_of(prepared, evaluation, rule_id).model_dump_json()`` (one rule's result, as
    :func:`eligibility.explain_support` gives it), made from the plain data."""
    kept = _kept(prepared)
    support = _support(kept, rule_id, evaluation, _namer(prepared), {})
    try:
        return orjson.dumps(support, default=_writer(kept)).decode()
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits: pydantic writes it
        return support_of(prepared, evaluation, rule_id).model_dump_json()


def _namer(prepared: Prepared) -> Callable[[str], Any]:
    """A rule's name by its id (for the gaps naming a derived rule to meet first)."""
    rules = prepared.view.catalogue.rules
    return lambda rule_id: rules[rule_id].name


def _support(kept: _Kept, rid: str, evaluation: Evaluation, name: Callable[[str], Any], seen: dict[int, list[Gap]]) -> dict[str, Any]:
    """One rule's result as :class:`~eligibility.report.SupportResult`'s fields, in its
    order (the edge's ``_support``, without validation)."""
    met = evaluation.outcomes.get(rid)
    data = kept.prototypes[rid].copy()
    data["verdict"] = VERDICT[met]
    data["missing_fields"] = evaluation.missing.get(rid, ()) if met is None else ()
    tree = evaluation.explanations.get(rid)
    if tree is not None:
        data["explanation"] = tree
        data["gaps"] = gaps_of(tree, name, seen) if met is False else ()
    flip = evaluation.flips.get(rid)
    if flip is not None:
        data["changes_on"], data["changes_to"] = flip[0], VERDICT[flip[1]]
    if rid in evaluation.limits:
        data["limits"] = evaluation.limits[rid]
    return data
