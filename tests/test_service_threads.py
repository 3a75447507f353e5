"""The service's own server holds engine rulesets for the evaluations running at once, not for
every worker thread it ever started (anyio retires idle worker threads and starts new ones)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

import anyio._backends._asyncio as anyio_asyncio
import httpx
import uvicorn

from eligibility import _evaluate
from eligibility._engine import EngineRuleset
from eligibility.service import create_app

from conftest import AS_OF, EXAMPLES
from service_process import free_port

CLIENTS = 4
BURSTS = 12


def test_engine_rulesets_stay_bounded_while_the_servers_worker_threads_come_and_go(monkeypatch):
    # A fresh prepared-view cache, so the pool counted is this server's alone.
    monkeypatch.setattr(_evaluate, "_prepared", OrderedDict())
    monkeypatch.setattr(_evaluate, "_by_key", {})
    monkeypatch.setattr(_evaluate, "_last", None)
    # anyio retires a worker thread after 10 s idle; 50 ms makes the same happen between bursts.
    monkeypatch.setattr(anyio_asyncio.WorkerThread, "MAX_IDLE_TIME", 0.05)
    threads: set[threading.Thread] = set()
    run = EngineRuleset.run

    def counted_run(self, facts):
        threads.add(threading.current_thread())  # the object: a new thread may reuse an ended one's ident
        time.sleep(0.02)  # a slower evaluation, so a burst's requests overlap in the worker threads
        return run(self, facts)

    monkeypatch.setattr(EngineRuleset, "run", counted_run)

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        body = (EXAMPLES / "battery_materials.json").read_bytes()
        url = f"http://127.0.0.1:{port}/evaluate?as_of={AS_OF.isoformat()}"
        with httpx.Client(timeout=60) as client, ThreadPoolExecutor(CLIENTS) as pool:
            first = client.post(url, content=body)
            assert first.status_code == 200
            for _ in range(BURSTS):
                answers = list(pool.map(lambda _: client.post(url, content=body), range(CLIENTS)))
                assert [a.text for a in answers] == [first.text] * CLIENTS
                time.sleep(0.2)  # every worker thread idles out
    finally:
        server.should_exit = True
        serving.join(timeout=30)

    assert len(threads) > 2 * CLIENTS, f"worker threads did not come and go ({len(threads)} seen)"
    held = [p.ruleset.handle_count for p in _evaluate._by_key.values()]
    assert held and max(held) <= CLIENTS, f"{held} engine ruleset sets held for {len(threads)} threads"
