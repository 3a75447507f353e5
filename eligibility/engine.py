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
import threading
import weakref
from typing import Any

import durable_rules_engine as _dre

from .compiler import Compiled, rule_attr
from .errors import EngineError

_names = itertools.count()
_SID = "0"
# Codes returned by durable_rules_engine.assert_fact.
_HANDLED, _NOT_HANDLED, _OBSERVED = 0, 1, 2


class EngineRuleset:
    """A compiled catalogue view loaded into durable-rules, safe to use from many threads."""

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        self._json = json.dumps(compiled.definition, ensure_ascii=False)
        self._all: list[int] = []
        self._idle: list[int] = []
        self._lock = threading.Lock()
        weakref.finalize(self, _delete_all, self._all)

    @property
    def handle_count(self) -> int:
        """How many engine rulesets this view holds (the most evaluations ever run at once)."""
        return len(self._all)

    def _checkout(self) -> int:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        name = f"eligibility_{self.compiled.key}_{next(_names)}"
        try:
            handle = _dre.create_ruleset(name, self._json)
        except Exception as exc:  # pragma: no cover - a compiler bug
            raise EngineError(f"durable-rules rejected the compiled ruleset: {exc}") from exc
        with self._lock:
            self._all.append(handle)
        return handle

    def _checkin(self, handle: int) -> None:
        with self._lock:
            self._idle.append(handle)

    def run(self, facts: dict[str, Any]) -> dict[str, bool]:
        """Evaluate one profile's encoded facts: rule id -> True (met) / False (not met).

        Rules whose outcome depends on unknown facts are absent from the result.
        """
        handle = self._checkout()
        try:
            return self._run(handle, facts)
        finally:
            self._checkin(handle)

    def _run(self, handle: int, facts: dict[str, Any]) -> dict[str, bool]:
        outcomes: dict[str, bool] = {}
        # Each attribute is written as JSON once; each stratum's fact takes its number and
        # the attributes its rules read, among them the outcomes of derived rules decided
        # in the strata below (rule ids and attribute names are [a-z0-9_]+, safe to write
        # as they are).
        written = {key: f'"{key}":{_json(value)}' for key, value in facts.items()}
        asserted: list[str] = []
        try:
            for stratum, reads in enumerate(self.compiled.reads):
                parts = ",".join([text for key, text in written.items() if key in reads])
                text = f'{{"sid":"{_SID}","stratum":{stratum}{"," if parts else ""}{parts}}}'
                asserted.append(text)
                for rid, met in _fire(handle, text):
                    # durable-rules expands an `or` into alternatives, and each one that
                    # matches fires: a rule can report its (same) outcome several times.
                    if rid not in outcomes:
                        outcomes[rid] = met
                        key = rule_attr(rid)
                        written[key] = f'"{key}":{"true" if met else "false"}'
        finally:
            for text in reversed(asserted):
                _dre.retract_fact(handle, text)
        return outcomes


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
    except Exception as exc:  # pragma: no cover - engine failure
        raise EngineError(f"durable-rules failed to assert a fact: {exc}") from exc
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
