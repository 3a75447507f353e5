"""The durable-rules adapter: the only module that talks to the engine.

durable-rules 2.0.28 (last released 2020) is used through its C extension
``durable_rules_engine`` directly rather than through ``durable.lang.Host``: the Host
starts background dispatch threads that may run another caller's actions, keeps a
process-global registry of ruleset names, and turns "no rule matched" into an
exception. Here, instead:

* each compiled catalogue view keeps a **pool** of ruleset handles: an evaluation
  checks one out and puts it back, so no two threads use a handle at once and the
  number of handles is the most evaluations ever run at the same time, not the
  number of threads that ever called (a portal's worker threads come and go; a
  handle per thread would keep ~3 MB per thread ever seen). The handles are freed
  when the compiled ruleset is garbage-collected;
* one evaluation asserts one fact per stratum in one session, reads the rules that
  fired from the engine's action queue, and retracts its facts again, so nothing
  leaks between profiles and the session is reused. (``delete_state`` is not used:
  after two facts that matched no rule it crashes the process in 2.0.28.)
* "no rule matched" is a normal outcome (code 1), not an error.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import durable_rules_engine as _dre

from ._engine_limits import MAX_PROPERTIES, ruleset_problem
from ._compiler import Compiled, rule_attr
from .errors import EngineError

_names = itertools.count()
_SID = "0"
# Codes returned by durable_rules_engine.assert_fact.
_HANDLED, _NOT_HANDLED, _OBSERVED = 0, 1, 2


LIMIT_CODES = frozenset({106, 107, 108, 113, 302, 303, 304})
"""durable-rules error codes that mean "too much in one ruleset or one fact" (rule, exists,
beta and expression lists; properties per message; the alpha stack of 64 nodes matching at
once; message frames): the ruleset is split in two and the evaluation done again."""
_CODE = re.compile(r"error code: (\d+)")


class _Overflow(Exception):
    """A part of the ruleset met one of durable-rules' fixed limits."""

    def __init__(self, part: int, code: int) -> None:
        super().__init__(part, code)
        self.part, self.code = part, code


@dataclass(frozen=True)
class _Part:
    """Some of a view's rules, loaded into durable-rules as one ruleset."""

    rules: tuple[str, ...]
    definition: str
    reads: dict[int, frozenset[str]]
    """Stratum -> the attributes its rules in this part read (strata without rules here are absent)."""
    problem: str | None
    """What would exceed one of durable-rules' tables if loaded (measured before loading:
    some of them make ``create_ruleset`` loop forever rather than refuse)."""


class EngineRuleset:
    """A compiled catalogue view loaded into durable-rules, safe to use from many threads.

    The view starts as one engine ruleset. durable-rules has fixed limits
    (:mod:`eligibility._engine_limits`): the per-node tables are measured before a ruleset
    is loaded (a full one makes ``create_ruleset`` loop forever), and the limits met only
    while matching a fact (64 nodes matching at once, properties per fact) are answered
    with an error code. Either way the part is halved by its rules until each part fits
    (rules are independent within a stratum, so the verdicts are the same). The compiler
    keeps every rule small enough to fit alone; one that did not would be an
    :class:`EngineError` naming it, never a hang (``rules lint`` reports it beforehand)."""

    def __init__(self, compiled: Compiled, parts: Sequence[_Part] | None = None) -> None:
        """``parts``: the view's parts as measured before (a copy's, see :meth:`__reduce__`)."""
        self.compiled = compiled
        self._parts: list[_Part] = list(parts) if parts is not None else self._fitting(list(compiled.strata))
        self._generation = 0
        self._all: list[int] = []
        self._idle: list[tuple[int, list[int]]] = []
        self._lock = threading.Lock()
        weakref.finalize(self, _delete_all, self._all)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as the compiled view and its parts, measured to fit durable-rules' tables
        (the on-disk cache keeps them, :mod:`eligibility._catalogue_cache`): a copy makes
        engine handles of its own when first used."""
        with self._lock:
            return (EngineRuleset, (self.compiled, tuple(self._parts)))

    def _part(self, rules: list[str]) -> _Part:
        definition = {name: rule for rid in rules for name, rule in self.compiled.rule_definitions(rid)}
        reads: dict[int, set[str]] = {}
        for rid in rules:
            reads.setdefault(self.compiled.strata[rid], set()).update(self.compiled.rule_reads(rid))
        problem = ruleset_problem(definition)
        widest = max((len(r) for r in reads.values()), default=0)
        if problem is None and widest > MAX_PROPERTIES:
            problem = f"{widest} properties in one fact, at most {MAX_PROPERTIES}"
        return _Part(tuple(rules), json.dumps(definition, ensure_ascii=False), {k: frozenset(v) for k, v in reads.items()}, problem)

    def _fitting(self, rules: list[str]) -> list[_Part]:
        """``rules`` as parts that durable-rules' tables hold, halved as often as needed."""
        part = self._part(rules)
        if part.problem is None:
            return [part]
        if len(rules) == 1:
            raise EngineError(_alone(rules[0], part.problem))
        half = len(rules) // 2
        return self._fitting(rules[:half]) + self._fitting(rules[half:])

    @property
    def part_count(self) -> int:
        """How many engine rulesets one evaluation uses (1 unless the view outgrew one)."""
        return len(self._parts)

    @property
    def handle_count(self) -> int:
        """How many sets of engine rulesets this view holds (the most evaluations ever run at once)."""
        with self._lock:
            return len(self._all) // max(len(self._parts), 1)

    def _checkout(self) -> tuple[int, list[_Part], list[int]]:
        with self._lock:
            generation, parts = self._generation, list(self._parts)
            while self._idle:
                gen, idle = self._idle.pop()
                if gen == generation:
                    return generation, parts, idle
                self._drop(idle)
        handles: list[int] = []
        for i, part in enumerate(parts):
            name = f"eligibility_{self.compiled.key}_{next(_names)}"
            try:
                handles.append(_dre.create_ruleset(name, part.definition))
            except Exception as exc:
                _delete_all(handles)
                code = _code(exc)
                if code in LIMIT_CODES:
                    raise _Overflow(i, code) from None
                raise EngineError(f"durable-rules rejected the compiled ruleset: {exc}") from exc
        with self._lock:
            self._all.extend(handles)
        return generation, parts, handles

    def _checkin(self, generation: int, handles: list[int]) -> None:
        with self._lock:
            if generation == self._generation:
                self._idle.append((generation, handles))
            else:
                self._drop(handles)

    def _drop(self, handles: list[int]) -> None:
        """Delete engine rulesets no evaluation uses (the lock is held)."""
        for handle in handles:
            if handle in self._all:
                self._all.remove(handle)
        _delete_all(handles)

    def _split(self, generation: int, part: int, code: int) -> None:
        with self._lock:
            if generation != self._generation:
                return  # another thread split it already
            rules = self._parts[part].rules
            if len(rules) == 1:
                raise EngineError(_alone(rules[0], f"error {code}"))
            half = len(rules) // 2
            self._parts[part : part + 1] = self._fitting(list(rules[:half])) + self._fitting(list(rules[half:]))
            self._generation += 1
            stale, self._idle = self._idle, []
            for _, handles in stale:
                self._drop(handles)

    def run(self, facts: dict[str, Any]) -> dict[str, bool]:
        """Evaluate one profile's encoded facts: rule id -> True (met) / False (not met).

        Rules whose outcome depends on unknown facts are absent from the result.
        """
        while True:
            try:
                generation, parts, handles = self._checkout()
            except _Overflow as exc:
                self._split(self._generation, exc.part, exc.code)
                continue
            try:
                outcomes = self._run(parts, handles, facts)
            except _Overflow as exc:
                with self._lock:
                    self._drop(handles)  # its state after a failed assert is not to be trusted
                self._split(generation, exc.part, exc.code)
                continue
            except BaseException:
                with self._lock:
                    self._drop(handles)
                raise
            self._checkin(generation, handles)
            return outcomes

    def _run(self, parts: list[_Part], handles: list[int], facts: dict[str, Any]) -> dict[str, bool]:
        outcomes: dict[str, bool] = {}
        # Each attribute is written as JSON once; each stratum's fact takes its number and
        # the attributes its rules read, among them the outcomes of derived rules decided
        # in the strata below (rule ids and attribute names are [a-z0-9_]+, safe to write
        # as they are).
        written = {key: f'"{key}":{_json(value)}' for key, value in facts.items()}
        asserted: list[tuple[int, str]] = []
        failed = False
        try:
            for stratum in range(self.compiled.stratum_count):
                for index, (part, handle) in enumerate(zip(parts, handles)):
                    reads = part.reads.get(stratum)
                    if reads is None:
                        continue
                    fields = ",".join([text for key, text in written.items() if key in reads])
                    text = f'{{"sid":"{_SID}","stratum":{stratum}{"," if fields else ""}{fields}}}'
                    try:
                        fired = _fire(handle, text)
                    except _Overflow as exc:
                        failed = True
                        raise _Overflow(index, exc.code) from None
                    asserted.append((handle, text))
                    for rid, met in fired:
                        # durable-rules expands an `or` into alternatives, and each one that
                        # matches fires: a rule can report its (same) outcome several times.
                        if rid not in outcomes:
                            outcomes[rid] = met
                            key = rule_attr(rid)
                            written[key] = f'"{key}":{"true" if met else "false"}'
        finally:
            if not failed:
                for handle, text in reversed(asserted):
                    _dre.retract_fact(handle, text)
        if self.compiled.helpers:
            return {rid: met for rid, met in outcomes.items() if rid not in self.compiled.helpers}
        return outcomes


def _alone(rule: str, problem: str) -> str:
    rid = rule.split("-")[0]  # a helper's rule
    return f"规则 {rid} 超出 durable-rules 的限制 (rule {rid} exceeds a durable-rules limit even alone: {problem})"


def _code(exc: BaseException) -> int | None:
    m = _CODE.search(str(exc))
    return int(m.group(1)) if m else None


def _json(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _fire(handle: int, message: str) -> list[tuple[str, bool]]:
    try:
        code, state = _dre.assert_fact(handle, message)
    except Exception as exc:
        limit = _code(exc)
        if limit in LIMIT_CODES:
            raise _Overflow(-1, limit) from None
        raise EngineError(f"durable-rules failed to assert a fact: {exc}") from exc  # pragma: no cover
    if code == _NOT_HANDLED:
        return []
    if code == _OBSERVED:  # pragma: no cover - the session is cleared after each run
        raise EngineError("durable-rules saw the same fact twice in one session")
    fired: list[tuple[str, bool]] = []
    result = _dre.start_action_for_state(handle, state)
    payload = result[1] if result else None
    while payload:
        # The payload is {"<rule>": <the matched fact>}; only the rule's name is needed,
        # and rule names are [a-z0-9_]+|T or |F, so no JSON decoding of the fact.
        name = payload[2 : payload.index('"', 2)]
        fired.append((name[:-2], name[-1] == "T"))
        payload = _dre.complete_and_start_action(handle, state)
    return fired


def _delete_all(handles: list[int]) -> None:
    for handle in handles:
        try:
            _dre.delete_ruleset(handle)
        except Exception:  # pragma: no cover - interpreter shutdown
            pass
