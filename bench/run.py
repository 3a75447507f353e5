"""Benchmarks: latency, throughput, memory, cold start, and the baselines to compare with.

    python bench/run.py            # full run (about 15 minutes on 2 cores)
    python bench/run.py --quick    # smaller counts, a minute or so

Prints a table and writes bench/results/latest.json (and a dated copy), so runs can be
compared. Numbers, not pass/fail: the goals are printed beside them.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path
from collections.abc import Iterator
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]  # the checkout's package, installed or not

from profiles import columns_of, generate, to_cells  # noqa: E402

from eligibility import EnterpriseProfile, evaluate, load_catalogue  # noqa: E402
from eligibility._evaluate import evaluate_verdicts, explain_support, prepare  # noqa: E402
from eligibility._views import VIEWS, evaluate_view_json, explain_support_json, view_json  # noqa: E402

AS_OF = date(2026, 11, 25)


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def latency(n: int) -> dict[str, Any]:
    cat = load_catalogue()
    profiles = [EnterpriseProfile.model_validate(p) for p in generate(n, seed=1)]
    for p in profiles[:200]:
        evaluate(p, as_of=AS_OF, catalogue=cat)
    times = []
    for p in profiles:
        t = time.perf_counter_ns()
        evaluate(p, as_of=AS_OF, catalogue=cat)
        times.append((time.perf_counter_ns() - t) / 1e6)
    times.sort()
    return {
        "evaluations": n,
        "p50_ms": round(times[len(times) // 2], 3),
        "p99_ms": round(times[int(len(times) * 0.99)], 3),
        "mean_ms": round(statistics.fmean(times), 3),
        "rules_in_force": len(prepare(cat, AS_OF).view.rule_ids),
    }


def views(n: int) -> dict[str, Any]:
    """Each report view's size and serialisation cost beside the explained evaluation's,
    in µs per profile (the summary in Chinese; ``report`` and ``full`` are bilingual)."""
    cat = load_catalogue()
    profiles = [EnterpriseProfile.model_validate(p) for p in generate(n, seed=3)]
    t = time.perf_counter_ns()
    reports = [evaluate(p, as_of=AS_OF, catalogue=cat) for p in profiles]
    evaluate_us = (time.perf_counter_ns() - t) / 1e3 / n
    out: dict[str, Any] = {"profiles": n, "evaluate_us": round(evaluate_us, 1)}
    for view in VIEWS:
        t = time.perf_counter_ns()
        sizes = [len(view_json(r, view).encode("utf-8")) for r in reports]
        us = (time.perf_counter_ns() - t) / 1e3 / n
        out[view] = {
            "serialise_us": round(us, 1),
            "of_evaluation": round(us / evaluate_us, 3),
            "mean_kb": round(statistics.fmean(sizes) / 1000, 1),
            "max_kb": round(max(sizes) / 1000, 1),
        }
    return out


def _rows(results: Any) -> list[dict[str, str]]:
    """Each report's verdicts, taken as the reports stream in (as a portal would)."""
    return [r.verdicts() for r in results]


def throughput(n: int) -> dict[str, Any]:
    """The batch path (validation, facts, durable-rules, verdicts and missing fields; no
    explanations): ``evaluate_many`` on one process, then on one process per core."""
    from eligibility._batch import evaluate_many

    data = generate(n, seed=2)
    cat = load_catalogue()
    list(evaluate_many(data[:100], as_of=AS_OF, catalogue=cat))
    t = time.perf_counter()
    serial = _rows(evaluate_many(data, as_of=AS_OF, catalogue=cat))
    one_core = n / (time.perf_counter() - t)
    cores = os.cpu_count() or 1
    t = time.perf_counter()
    parallel = _rows(evaluate_many(data, as_of=AS_OF, catalogue=cat, processes=cores, chunk_size=1000))
    all_cores = n / (time.perf_counter() - t)
    t = time.perf_counter()
    for p in data[: n // 4]:
        evaluate_verdicts(p, as_of=AS_OF, catalogue=cat)
    verdicts_only = (n // 4) / (time.perf_counter() - t)
    # What `eligibility batch` runs: each row's outcome (verdicts, missing fields), no report.
    from eligibility._batch import Outcome, _evaluate_all

    t = time.perf_counter()
    rows = list(_evaluate_all(data, AS_OF, cat, "outcome", 1))
    rows_one = n / (time.perf_counter() - t)
    t = time.perf_counter()
    rows_all = list(_evaluate_all(data, AS_OF, cat, "outcome", cores, 1000))
    rows_all_rate = n / (time.perf_counter() - t)
    same_rows = rows == rows_all and rows[:200] == [Outcome.of(r) for r in evaluate_many(data[:200], as_of=AS_OF, catalogue=cat)]
    return {
        "profiles": n,
        "one_core_per_s": round(one_core),
        "all_cores_per_s": round(all_cores),
        "cores": cores,
        "verdicts_only_one_core_per_s": round(verdicts_only),
        "batch_rows_one_core_per_s": round(rows_one),
        "batch_rows_all_cores_per_s": round(rows_all_rate),
        "parallel_equals_serial": parallel == serial and same_rows,
    }


def in_child(step: str, n: int) -> dict[str, Any]:
    """Run one step in a fresh process: memory must not count the other steps'
    allocations, and durable.lang's host (the naive baseline) leaves background
    threads behind that may crash the process later."""
    out = subprocess.run([sys.executable, __file__, "--child", step, str(n)], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"failed": f"exit code {out.returncode}", "stderr": out.stderr[-500:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _rss_growth(total: int, chunk: Any) -> dict[str, Any]:
    """RSS after the first 1,000 and after ``total`` evaluations, ``chunk(done)``
    evaluating 1,000 more each time."""
    done = 0
    after_1k = None
    while done < total:
        chunk(done)
        done += 1000
        if after_1k is None:
            gc.collect()
            after_1k = rss_mb()
    gc.collect()
    end = rss_mb()
    return {"evaluations": total, "rss_after_1k_mb": round(after_1k, 1), "rss_after_all_mb": round(end, 1), "growth_mb": round(end - after_1k, 1)}


def memory(total: int) -> dict[str, Any]:
    """RSS after 1,000 and after ``total`` evaluations of verdicts, the same 1,000 profiles over and over."""
    cat = load_catalogue()
    profiles = [EnterpriseProfile.model_validate(p) for p in generate(1000, seed=3)]

    def chunk(done: int) -> None:
        for p in profiles:
            evaluate_verdicts(p, as_of=AS_OF, catalogue=cat)

    return _rss_growth(total, chunk)


def memory_explained(total: int) -> dict[str, Any]:
    """RSS after 1,000 and after ``total`` evaluations with explanations, each chunk of
    1,000 profiles freshly generated, so that nothing the evaluation keeps per value
    (prepared comparisons, explanation parts) can grow unbounded unnoticed."""
    cat = load_catalogue()

    def chunk(done: int) -> None:
        for p in generate(1000, seed=1000 + done):
            evaluate(p, as_of=AS_OF, catalogue=cat)

    return _rss_growth(total, chunk)


def batch_command(n: int) -> dict[str, Any]:
    """`eligibility batch` on ``n`` generated enterprises (JSON Lines in, CSV out), and on a
    tenth as many: wall time and peak resident memory of each run, which must not grow
    with the number of rows (each run is measured in a process of its own)."""
    import tempfile

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        with src.open("w", encoding="utf-8") as f:
            for start in range(0, n, 1000):
                for p in generate(min(1000, n - start), seed=6 + start):
                    f.write(json.dumps(p, ensure_ascii=False) + "\n")
        for rows, key in ((n // 10, "_tenth"), (n, "")):
            part = Path(tmp) / f"in{rows}.jsonl"
            with src.open(encoding="utf-8") as f, part.open("w", encoding="utf-8") as g:
                g.writelines(line for _, line in zip(range(rows), f))
            cmd = [*_command(), "batch", str(part), "-o", str(Path(tmp) / f"out{rows}.csv"), "--as-of", AS_OF.isoformat()]
            try:
                wall, peak, _ = _measured(cmd)
            except RuntimeError as exc:
                return {"failed": str(exc)}
            out[f"rows{key}"] = rows
            out[f"seconds{key}"] = round(wall, 1)
            out[f"rows_per_s{key}"] = round(rows / wall)
            out[f"peak_rss_mb{key}"] = round(peak, 1)
    out["peak_growth_mb"] = round(out["peak_rss_mb"] - out["peak_rss_mb_tenth"], 1)
    return out


def _median_run(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of ``runs`` runs of ``cmd``."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def _command() -> list[str]:
    """The installed `eligibility` command beside this Python, else `python -m eligibility`."""
    exe = shutil.which("eligibility", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "eligibility"]


def cold_start(runs: int) -> dict[str, Any]:
    """`eligibility check EXAMPLE` from a cold interpreter, against importing what it
    cannot do without (pydantic, yaml, the engine's C extension) and against `pass`; and
    the library's import alone (``from eligibility import evaluate``: ``import eligibility``
    itself loads nothing until a name is used).

    The checkout's modules are byte-compiled first, as ``pip install`` does (with
    PYTHONDONTWRITEBYTECODE set, every run would otherwise compile them again). The catalogue
    cache (eligibility/_catalogue_cache.py) lives in a fresh directory: the first run fills it
    (``check_first_s``), the measured runs use it, as every run after a user's first does.
    CPU times (user + system) are given beside wall times: on a loaded machine they still hold."""
    compileall.compile_dir(str(ROOT / "eligibility"), quiet=1)
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "ELIGIBILITY_CACHE_DIR": cache}
        cmd = [*_command(), "check", "examples/battery_materials.json", "--as-of", "2026-11-25"]
        first, first_cpu = _median_run(cmd, 1, env)
        check, check_cpu = _median_run(cmd, runs, env)
        library, library_cpu = _median_run([sys.executable, "-c", "from eligibility import evaluate"], runs, env)
    imports, imports_cpu = _median_run([sys.executable, "-c", "import pydantic, yaml, durable_rules_engine"], runs)
    bare, bare_cpu = _median_run([sys.executable, "-c", "pass"], runs)
    return {
        "runs": runs,
        "check_first_s": round(first, 3),
        "check_s": round(check, 3),
        "library_import_s": round(library, 3),
        "imports_s": round(imports, 3),
        "python_pass_s": round(bare, 3),
        "overhead_s": round(check - bare, 3),
        "check_per_imports": round(check / imports, 2),
        "check_cpu_s": round(check_cpu, 3),
        "library_import_cpu_s": round(library_cpu, 3),
        "imports_cpu_s": round(imports_cpu, 3),
        "check_per_imports_cpu": round(check_cpu / imports_cpu, 2),
        "library_import_per_imports_cpu": round(library_cpu / imports_cpu, 2),
    }


def naive_durable_rules(n: int) -> dict[str, Any]:
    """The baseline: durable.lang's host, a new session per profile, Python actions, no cleanup."""
    from durable.engine import MessageNotHandledException
    from durable.lang import get_host

    from eligibility._compiler import encode_facts, rule_attr
    from eligibility._facts import compute_facts

    cat = load_catalogue()
    prepared = prepare(cat, AS_OF)
    compiled = prepared.ruleset.compiled
    name = f"naive_{os.getpid()}"
    results: dict[str, dict[str, bool]] = {}

    def action(rule_name: str):
        def run(c):  # one argument: durable.lang treats two as asynchronous
            rid, _, suffix = rule_name.rpartition("|")
            results.setdefault(c.m.sid, {})[rid] = suffix == "T"

        return run

    definition = {rule: dict(body, run=action(rule)) for rule, body in compiled.definition.items()}
    host = get_host()
    host.set_rulesets({name: definition})
    profiles = [EnterpriseProfile.model_validate(p) for p in generate(n, seed=4)]
    t = time.perf_counter()
    failed_after = None
    done = 0
    for i, p in enumerate(profiles):
        message = encode_facts(compute_facts(p, AS_OF, compiled.facts, prepared.view.values), compiled.shifts)
        message["sid"] = str(i)
        try:
            for stratum in range(compiled.stratum_count):
                message["stratum"] = stratum
                try:
                    host.assert_fact(name, dict(message))
                except MessageNotHandledException:
                    pass
                for rid, met in results.get(str(i), {}).items():
                    message[rule_attr(rid)] = met
        except MemoryError:
            # Sessions are never cleaned up in the naive way; the engine's state table fills.
            failed_after = i
            break
        done += 1
    rate = done / (time.perf_counter() - t)
    return {"profiles": done, "per_s": round(rate), "engine_out_of_sessions_after": failed_after}


def plain_python(n: int) -> dict[str, Any]:
    """The limit: the same conditions decided in Python (the compiled deciders the
    explanations use), no engine; with and without computing the facts."""
    from eligibility._facts import compute_facts

    cat = load_catalogue()
    prepared = prepare(cat, AS_OF)
    deciders = [(rid, prepared.static.decision.decider(rid)) for rid in prepared.view.rule_ids]
    names = prepared.ruleset.compiled.facts
    profiles = [EnterpriseProfile.model_validate(p) for p in generate(n, seed=4)]
    gc.collect()
    gc.disable()  # as in batches
    try:
        t = time.perf_counter()
        all_facts = [compute_facts(p, AS_OF, names, prepared.view.values) for p in profiles]
        facts_s = time.perf_counter() - t
        t = time.perf_counter()
        for facts in all_facts:
            done: dict[str, Any] = {}
            for rid, decide in deciders:
                done[rid] = decide(facts, done)
        conditions_s = time.perf_counter() - t
    finally:
        gc.enable()
    return {
        "profiles": n,
        "per_s": round(n / (facts_s + conditions_s)),
        "conditions_only_us": round(conditions_s / n * 1e6, 1),
        "facts_us": round(facts_s / n * 1e6, 1),
    }


def stages(n: int) -> dict[str, Any]:
    """Where one profile's time goes on the batch path, in µs per profile, each stage
    timed over all profiles in turn; ``engine`` is durable-rules alone (the facts already
    encoded), so ``engine_ceiling_per_s`` is what no work around it could exceed.
    ``verdict_facts`` is what the verdicts alone take instead of ``facts`` + ``encode``
    (:func:`~eligibility._compiler.engine_facts`)."""
    from eligibility._compiler import encode_facts, engine_facts
    from eligibility._evaluate import Detail, report_of, run
    from eligibility._facts import compute_facts

    cat = load_catalogue()
    prepared = prepare(cat, AS_OF)
    ruleset, values = prepared.ruleset, prepared.view.values
    data = generate(n, seed=5)
    out: dict[str, Any] = {"profiles": n}

    def timed(name: str, work: Any, items: list[Any]) -> list[Any]:
        t = time.perf_counter()
        results = [work(x) for x in items]
        out[f"{name}_us"] = round((time.perf_counter() - t) / len(items) * 1e6, 1)
        return results

    gc.collect()
    gc.disable()  # so that no collection lands in one stage's time
    try:
        profiles = timed("validate", EnterpriseProfile.model_validate, data)
        facts = timed("facts", lambda p: compute_facts(p, AS_OF, ruleset.compiled.facts, values), profiles)
        encoded = timed("encode", lambda f: encode_facts(f, ruleset.compiled.shifts), facts)
        # the verdicts' path: the same engine attributes in one pass, without the missing inputs
        timed("verdict_facts", lambda p: engine_facts(p, ruleset.compiled, AS_OF, values), profiles)
        timed("engine", ruleset.run, encoded)
        evaluations = timed("facts_engine_decide", lambda p: run(p, prepared, Detail.missing), profiles)
        timed("assemble", lambda e: report_of(prepared, e), evaluations)
    finally:
        gc.enable()
    out["decide_us"] = round(out["facts_engine_decide_us"] - out["facts_us"] - out["encode_us"] - out["engine_us"], 1)
    out["engine_ceiling_per_s"] = round(1e6 / out["engine_us"])
    out["rules_in_force"] = len(prepared.view.rule_ids)
    out["engine_rules"] = len(ruleset.compiled.definition)
    out["strata"] = ruleset.compiled.stratum_count
    return out


def engine_variants(n: int) -> dict[str, Any]:
    """durable-rules fed other ways, on the same encoded facts, in µs per profile: as the
    library feeds it (``EngineRuleset.run``: per stratum one fact, its actions, and its
    retraction); with 100 profiles' facts posted in one ``assert_facts`` call per stratum;
    and with only the "met" half of the rules (the "not met" half would then have to be
    inferred outside the engine; the derived outcomes it needs are taken from the library's
    run). Each variant's outcomes are checked against the library's."""
    import durable_rules_engine as dre

    from eligibility._compiler import encode_facts, rule_attr
    from eligibility._engine import _json
    from eligibility._facts import compute_facts

    cat = load_catalogue()
    prepared = prepare(cat, AS_OF)
    ruleset = prepared.ruleset
    compiled = ruleset.compiled
    profiles = [EnterpriseProfile.model_validate(p) for p in generate(n, seed=7)]
    encoded = [encode_facts(compute_facts(p, AS_OF, compiled.facts, prepared.view.values), compiled.shifts) for p in profiles]
    expected = [ruleset.run(e) for e in encoded]

    def fact(stratum: int, written: dict[str, str], reads: frozenset[str], extra: str = "") -> str:
        parts = ",".join([text for key, text in written.items() if key in reads])
        return f'{{"sid":"0"{extra},"stratum":{stratum}{"," if parts else ""}{parts}}}'

    def actions(handle: int, state: str) -> Iterator[str]:
        result = dre.start_action_for_state(handle, state)
        payload = result[1] if result else None
        while payload:
            yield payload
            payload = dre.complete_and_start_action(handle, state)

    def batched(handle: int, batch: list[dict[str, Any]]) -> list[dict[str, bool]]:
        outcomes: list[dict[str, bool]] = [{} for _ in batch]
        written = [{k: f'"{k}":{_json(v)}' for k, v in facts.items()} for facts in batch]
        posted = []
        for stratum, reads in enumerate(compiled.reads):
            message = "[" + ",".join(fact(stratum, w, reads, f',"p":{i}') for i, w in enumerate(written)) + "]"
            posted.append(message)
            _, state = dre.assert_facts(handle, message)
            for payload in actions(handle, state):
                name = payload[2 : payload.index('"', 2)]
                at = payload.index('"p":') + 4
                i = int(payload[at : payload.index(",", at)])
                rid, met = name[:-2], name[-1] == "T"
                if rid not in outcomes[i]:
                    outcomes[i][rid] = met
                    written[i][rule_attr(rid)] = f'"{rule_attr(rid)}":{"true" if met else "false"}'
        for message in reversed(posted):
            dre.retract_facts(handle, message)
        return outcomes

    def met_only(handle: int, facts: dict[str, Any], known: dict[str, bool]) -> set[str]:
        written = {k: f'"{k}":{_json(v)}' for k, v in facts.items()}
        written.update({rule_attr(r): f'"{rule_attr(r)}":{"true" if v else "false"}' for r, v in known.items()})
        fired, posted = set(), []
        for stratum, reads in enumerate(compiled.reads):
            message = fact(stratum, written, reads)
            posted.append(message)
            code, state = dre.assert_fact(handle, message)
            if code == 0:
                fired.update(p[2 : p.index("|", 2)] for p in actions(handle, state))
        for message in reversed(posted):
            dre.retract_fact(handle, message)
        return fired

    out: dict[str, Any] = {"profiles": n}
    gc.collect()
    gc.disable()
    try:
        t = time.perf_counter()
        for e in encoded:
            ruleset.run(e)
        out["as_used_us"] = round((time.perf_counter() - t) / n * 1e6, 1)
        handle = dre.create_ruleset("bench_batched", json.dumps(compiled.definition))
        t = time.perf_counter()
        got = [o for i in range(0, n, 100) for o in batched(handle, encoded[i : i + 100])]
        out["hundred_per_call_us"] = round((time.perf_counter() - t) / n * 1e6, 1)
        out["hundred_per_call_same_outcomes"] = got == expected
        half = {k: v for k, v in compiled.definition.items() if k.endswith("|T")}
        handle = dre.create_ruleset("bench_met_only", json.dumps(half))
        t = time.perf_counter()
        fired = [met_only(handle, e, x) for e, x in zip(encoded, expected)]
        out["met_rules_only_us"] = round((time.perf_counter() - t) / n * 1e6, 1)
        out["met_rules_only_same_met"] = fired == [{r for r, v in x.items() if v} for x in expected]
        out["met_rules"] = len(half)
        out.update(_rule_costs(compiled, encoded[: max(1, n // 5)], expected))
    finally:
        gc.enable()
    return out


def _rule_costs(compiled: Any, encoded: list[dict[str, Any]], expected: list[dict[str, bool]]) -> dict[str, Any]:
    """Each engine rule alone in a ruleset, fed every profile's four facts (the derived
    outcomes taken from the library's run): µs per profile above a ruleset that matches
    nothing, and how often it fires. Which rules cost, and how much is repeated firing."""
    import durable_rules_engine as dre

    from eligibility._compiler import rule_attr
    from eligibility._engine import _json

    messages = []
    for facts, known in zip(encoded, expected):
        written = {k: f'"{k}":{_json(v)}' for k, v in facts.items()}
        written.update({rule_attr(r): f'"{rule_attr(r)}":{"true" if v else "false"}' for r, v in known.items()})
        messages.append([
            f'{{"sid":"0","stratum":{s},{",".join(t for k, t in written.items() if k in reads)}}}'
            for s, reads in enumerate(compiled.reads)
        ])

    def run(definition: dict[str, Any], name: str) -> tuple[float, float]:
        handle = dre.create_ruleset(name, json.dumps(definition))
        fires = 0
        t = time.perf_counter()
        for facts in messages:
            for text in facts:
                code, state = dre.assert_fact(handle, text)
                if code == 0:
                    result = dre.start_action_for_state(handle, state)
                    payload = result[1] if result else None
                    while payload:
                        fires += 1
                        payload = dre.complete_and_start_action(handle, state)
            for text in reversed(facts):
                dre.retract_fact(handle, text)
        return (time.perf_counter() - t) / len(messages) * 1e6, fires / len(messages)

    base, _ = run({"nothing|T": {"all": [{"m": {"stratum": -1}}]}}, "bench_nothing")
    costs = []
    for i, (rule, definition) in enumerate(compiled.definition.items()):
        us, fires = run({rule: definition}, f"bench_rule_{i}")
        costs.append((us - base, fires, rule))
    costs.sort(reverse=True)
    return {
        "no_rule_us": round(base, 1),
        "sum_of_rules_us": round(sum(c for c, _, _ in costs), 1),
        "fires_per_profile": round(sum(f for _, f, _ in costs), 1),
        "costliest_rules": [{"rule": r, "us": round(c, 1), "fires": round(f, 2)} for c, f, r in costs[:5]],
    }


def ratios(n: int, rounds: int = 5) -> dict[str, Any]:
    """The issue's per-profile measures, each divided by the engine stage (durable-rules
    alone on facts already encoded) measured in the same run on the same profiles, so the
    ratios hold on any machine. The measures take turns in ``rounds`` rounds over the
    profiles and each keeps its median round, so that load from other processes falls
    on all of them alike. Profiles come as dicts (as a portal's request body)."""
    from eligibility._compiler import encode_facts
    from eligibility._facts import compute_facts

    cat = load_catalogue()
    prepared = prepare(cat, AS_OF)
    ruleset = prepared.ruleset
    data = generate(n, seed=8)
    encoded = [
        encode_facts(compute_facts(EnterpriseProfile.model_validate(p), AS_OF, ruleset.compiled.facts, prepared.view.values))
        for p in data
    ]

    def engine(i: int) -> Any:
        return ruleset.run(encoded[i])

    def verdicts_only(i: int) -> Any:
        return evaluate_verdicts(data[i], as_of=AS_OF, catalogue=cat)

    def full_report_json(i: int) -> Any:
        return evaluate(data[i], as_of=AS_OF, catalogue=cat).model_dump_json()

    def full_report_json_direct(i: int) -> Any:  # the same JSON, no report's models made
        return evaluate_view_json(data[i], "full", as_of=AS_OF, catalogue=cat)

    def portal_request(i: int) -> Any:
        return evaluate_view_json(data[i], "summary", as_of=AS_OF, catalogue=cat)

    supports = prepared.supports

    def explanation_on_demand(i: int) -> Any:  # each profile asks about another support
        return explain_support(data[i], supports[i % len(supports)], as_of=AS_OF, catalogue=cat).model_dump_json()

    def explanation_on_demand_direct(i: int) -> Any:  # the same JSON, no result's models made
        return explain_support_json(data[i], supports[i % len(supports)], as_of=AS_OF, catalogue=cat)

    measures: dict[str, Any] = {
        "engine": engine,
        "verdicts_only": verdicts_only,
        "portal_request": portal_request,
        "explanation_on_demand": explanation_on_demand,
        "explanation_on_demand_direct": explanation_on_demand_direct,
        "full_report_json": full_report_json,
        "full_report_json_direct": full_report_json_direct,
    }
    for work in measures.values():  # warm: the catalogue view compiled, caches filled
        for i in range(min(50, n)):
            work(i)
    size = max(1, n // rounds)
    per_round: dict[str, list[float]] = {name: [] for name in measures}
    for r in range(rounds):
        items = range(r * size, min(n, (r + 1) * size))
        for name, work in measures.items():
            gc.collect()
            t = time.perf_counter()
            for i in items:
                work(i)
            per_round[name].append((time.perf_counter() - t) / len(items) * 1e6)
    us = {name: statistics.median(times) for name, times in per_round.items()}
    out: dict[str, Any] = {"profiles": n, "rounds": rounds}
    out.update({f"{name}_us": round(value, 1) for name, value in us.items()})
    out.update({f"{name}_x": round(value / us["engine"], 2) for name, value in us.items() if name != "engine"})
    out["sixteen_threads_equal_serial"] = _threads_equal_serial(data[:400], cat)
    return out


def _threads_equal_serial(data: list[dict[str, Any]], cat: Any) -> bool:
    """16 threads evaluating the same profiles give the serial reports."""
    from concurrent.futures import ThreadPoolExecutor

    def one(p: dict[str, Any]) -> str:
        return evaluate(p, as_of=AS_OF, catalogue=cat).model_dump_json()

    serial = [one(p) for p in data]
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(one, data)) == serial


def batch_files(n: int, repeats: int = 2) -> dict[str, Any]:
    """`eligibility batch` on the same ``n`` generated enterprises written as CSV and as JSON
    Lines: rows per second of each (one process), of the CSV with ``--jobs 2``, and the peak
    memory of that run on ``n`` and on a tenth as many rows; each run in a process of its
    own. The runs take turns ``repeats`` times and each keeps its fastest (the machine may be
    shared: the load average is recorded too). A 1,000,000-row CSV on 2 cores is
    extrapolated from the run on a tenth and the rate between it and the run on ``n`` (the
    run streams: its memory is measured flat)."""
    import csv as csvlib
    import tempfile

    from eligibility._fields import scalar_paths, yearly_fields

    out: dict[str, Any] = {"rows": n, "load_average_before": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory() as tmp:
        jsonl, csv_path, tenth = Path(tmp) / "in.jsonl", Path(tmp) / "in.csv", Path(tmp) / "tenth.csv"
        columns = columns_of(generate(200, seed=6), scalar_paths(), yearly_fields())
        with jsonl.open("w", encoding="utf-8") as f, csv_path.open("w", encoding="utf-8", newline="") as g:
            writer = csvlib.writer(g)
            writer.writerow(columns)
            for start in range(0, n, 1000):
                for p in generate(min(1000, n - start), seed=6 + start):
                    f.write(json.dumps(p, ensure_ascii=False) + "\n")
                    writer.writerow(to_cells(p, columns))
        with csv_path.open(encoding="utf-8") as f, tenth.open("w", encoding="utf-8") as g:
            g.writelines(line for _, line in zip(range(n // 10 + 1), f))
        runs = {"jsonl_jobs1": (jsonl, 1, n), "csv_jobs1": (csv_path, 1, n), "csv_jobs2": (csv_path, 2, n), "csv_jobs2_tenth": (tenth, 2, n // 10)}
        best: dict[str, tuple[float, float, float]] = {}
        for _ in range(repeats):
            for name, (src, jobs, rows) in runs.items():
                args = ["batch", str(src), "-o", str(Path(tmp) / f"{name}.csv"), "--as-of", AS_OF.isoformat(), "--jobs", str(jobs), "--force"]
                measured = _measured_batch(args)
                if name not in best or measured[0] < best[name][0]:
                    best[name] = measured
        for name, (wall, peak, cpu, own) in best.items():
            rows = runs[name][2]
            out[f"{name}_seconds"] = round(wall, 2)
            out[f"{name}_rows_per_s"] = round(rows / wall)
            out[f"{name}_cpu_s"] = round(cpu, 2)
            out[f"{name}_main_process_cpu_s"] = round(own, 2)
            out[f"{name}_peak_mb"] = round(peak, 1)
    out["load_average_after"] = round(os.getloadavg()[0], 2)
    wall = {name: best[name][0] for name in best}
    out["csv_per_jsonl"] = round(wall["jsonl_jobs1"] / wall["csv_jobs1"], 2)
    out["jobs2_per_jobs1"] = round(wall["csv_jobs1"] / wall["csv_jobs2"], 2)
    # On a shared machine the processes of one session share its CPU (autogroup scheduling),
    # so the wall time of --jobs 2 may show no gain; from CPU times, what two free cores
    # give: the main process's work, or half of all work, whichever is longer.
    _, _, cpu1, _ = best["csv_jobs1"]
    _, _, cpu2, own2 = best["csv_jobs2"]
    out["csv_per_jsonl_cpu"] = round(best["jsonl_jobs1"][2] / cpu1, 2)
    out["jobs2_per_jobs1_cpu"] = round(cpu1 / max(own2, cpu2 / 2), 2)
    _, _, cpu_t, own_t = best["csv_jobs2_tenth"]
    free = max(own2, cpu2 / 2) - max(own_t, cpu_t / 2)  # two free cores, start-up excluded
    out["million_rows_minutes_cpu"] = round((max(own_t, cpu_t / 2) + (1_000_000 - n // 10) * free / (n - n // 10)) / 60, 1)
    marginal = (wall["csv_jobs2"] - wall["csv_jobs2_tenth"]) / (n - n // 10)  # seconds per row, start-up excluded
    out["million_rows_minutes"] = round((wall["csv_jobs2_tenth"] + (1_000_000 - n // 10) * marginal) / 60, 1)
    out["peak_growth_mb"] = round(best["csv_jobs2"][1] - best["csv_jobs2_tenth"][1], 1)
    return out


def batch_xlsx(n: int) -> dict[str, Any]:
    """`eligibility batch` on ``n`` generated enterprises written as an XLSX workbook (typed
    cells: numbers, dates, 是/否, as an office saves them) and, as today's baseline, as CSV;
    and on a tenth as many as XLSX: wall time and peak resident memory of each run (each in
    a process of its own). A workbook above calamine's size bound is streamed, so the peak
    must stay within the CSV run's and not grow with the rows."""
    import tempfile
    from datetime import date as day_type

    from openpyxl import Workbook

    from eligibility._fields import scalar_paths, yearly_fields
    from eligibility._tabular import CALAMINE_XLSX_MAX_XML, _worksheets_xml_size

    def typed(cell: str) -> Any:
        if cell.isdigit() or cell.startswith("-") and cell[1:].isdigit():
            return int(cell)
        if len(cell) == 10 and cell[4] == "-" and cell[7] == "-":
            return day_type.fromisoformat(cell)
        try:
            return float(cell) if "." in cell else cell
        except ValueError:
            return cell

    out: dict[str, Any] = {"rows": n, "load_average_before": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory() as tmp:
        columns = columns_of(generate(200, seed=6), scalar_paths(), yearly_fields())
        files = {"xlsx": (Path(tmp) / "in.xlsx", n), "xlsx_tenth": (Path(tmp) / "tenth.xlsx", n // 10), "csv": (Path(tmp) / "in.csv", n)}
        for name, (path, rows) in files.items():
            if name == "csv":
                import csv as csvlib

                with path.open("w", encoding="utf-8", newline="") as f:
                    writer = csvlib.writer(f)
                    writer.writerow(columns)
                    for start in range(0, rows, 1000):
                        writer.writerows(to_cells(p, columns) for p in generate(min(1000, rows - start), seed=6 + start))
                continue
            book = Workbook(write_only=True)
            sheet = book.create_sheet()
            sheet.append(columns)
            for start in range(0, rows, 1000):
                for p in generate(min(1000, rows - start), seed=6 + start):
                    sheet.append([typed(c) if c else None for c in to_cells(p, columns)])
            book.save(path)
            out[f"{name}_sheet_xml_mb"] = round(_worksheets_xml_size(path) / 1e6, 1)
            out[f"{name}_reader"] = "calamine" if _worksheets_xml_size(path) <= CALAMINE_XLSX_MAX_XML else "openpyxl (streamed)"
        for name, (path, rows) in files.items():
            cmd = [*_command(), "batch", str(path), "-o", str(Path(tmp) / f"{name}.out.csv"), "--as-of", AS_OF.isoformat()]
            wall, peak, cpu = _measured(cmd)
            out[f"{name}_seconds"] = round(wall, 1)
            out[f"{name}_rows_per_s"] = round(rows / wall)
            out[f"{name}_peak_mb"] = round(peak, 1)
    out["peak_over_csv_mb"] = round(out["xlsx_peak_mb"] - out["csv_peak_mb"], 1)
    out["peak_growth_mb"] = round(out["xlsx_peak_mb"] - out["xlsx_tenth_peak_mb"], 1)
    out["load_average_after"] = round(os.getloadavg()[0], 2)
    return out


def _measured(cmd: list[str]) -> tuple[float, float, float]:
    """Wall time (s), peak resident memory (MB) of its largest process and CPU time (s) of
    all its processes, of a command run in a fresh parent whose RUSAGE_CHILDREN figures
    are that command's alone."""
    measure = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "code = subprocess.run(sys.argv[1:], capture_output=True).returncode; "
        "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(code, time.perf_counter() - t, u.ru_maxrss, u.ru_utime + u.ru_stime)"
    )
    done = subprocess.run([sys.executable, "-c", measure, *cmd], capture_output=True, text=True, check=True, cwd=ROOT)
    code, wall, peak_kb, cpu = done.stdout.split()[-4:]
    if code not in ("0", "1"):  # 1: some rows invalid, still a complete run
        raise RuntimeError(f"{' '.join(cmd)}: exit code {code}")
    return float(wall), int(peak_kb) / 1000, float(cpu)


def _measured_batch(args: list[str]) -> tuple[float, float, float, float]:
    """:func:`_measured` for ``eligibility ARGS``, and the CPU time of its first process
    alone (the rest is its workers')."""
    measure = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(done.returncode, time.perf_counter() - t, u.ru_maxrss, u.ru_utime + u.ru_stime, done.stdout.split()[-2])"
    )
    cmd = [sys.executable, str(HERE / "cpu_split.py"), *args]
    done = subprocess.run([sys.executable, "-c", measure, *cmd], capture_output=True, text=True, check=True, cwd=ROOT)
    code, wall, peak_kb, cpu, own_cpu = done.stdout.split()
    if code not in ("0", "1"):  # 1: some rows invalid, still a complete run
        raise RuntimeError(f"eligibility {' '.join(args)}: exit code {code}")
    return float(wall), int(peak_kb) / 1000, float(cpu), float(own_cpu)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "durable_rules": version("durable-rules"),
        "platform": platform.platform(),
    }


GOALS: list[tuple[str, str, str, float | bool]] = [
    # (section.field, what, comparison, goal): issue 17's table, each a ratio measured in one run.
    ("ratios.portal_request_x", "portal request (evaluate + summary JSON) / engine", "<=", 5),
    ("ratios.explanation_on_demand_x", "one support's explanation on demand / engine", "<=", 2),
    ("ratios.explanation_on_demand_direct_x", "  the same JSON without the result's models (explain_support_json)", "<=", 2),
    ("ratios.full_report_json_x", "full explained report + JSON / engine", "<=", 10),
    ("ratios.full_report_json_direct_x", "  the same JSON without the report's models (evaluate_view_json 'full')", "<=", 10),
    ("ratios.verdicts_only_x", "verdicts only (batch path) / engine", "<=", 2),
    ("batch_files.csv_per_jsonl", "batch: CSV rows/s / JSON Lines rows/s (1 process)", ">=", 0.8),
    ("batch_files.csv_per_jsonl_cpu", "  the same from CPU times", ">=", 0.8),
    ("batch_files.jobs2_per_jobs1", "batch: CSV --jobs 2 / --jobs 1 (wall time)", ">=", 1.7),
    ("batch_files.jobs2_per_jobs1_cpu", "  the same for two free cores, from CPU times", ">=", 1.7),
    ("batch_files.million_rows_minutes", "1,000,000-row CSV on 2 cores, minutes (extrapolated)", "<=", 10),
    ("batch_files.million_rows_minutes_cpu", "  the same for two free cores, from CPU times", "<=", 10),
    ("batch_files.peak_growth_mb", "batch peak memory, n rows minus n/10 rows, MB", "<=", 20),
    ("batch_xlsx.peak_over_csv_mb", "batch of a 100,000-row XLSX: peak memory over the same rows as CSV, MB", "<=", 20),
    ("batch_xlsx.peak_growth_mb", "  the same XLSX, peak memory minus that of a tenth as many rows, MB", "<=", 20),
    ("cold_start.check_per_imports", "cold `check EXAMPLE` / `import pydantic, yaml, durable_rules_engine`", "<=", 2),
    ("cold_start.check_per_imports_cpu", "  the same from CPU times", "<=", 2),
    ("memory.growth_mb", "memory growth over the memory step's evaluations, MB", "<=", 20),
    ("memory_explained.growth_mb", "the same with explanations, MB", "<=", 20),
    ("ratios.sixteen_threads_equal_serial", "16 threads = serial", "==", True),
]


def goal_table(results: dict[str, Any]) -> dict[str, Any]:
    """Each goal with its figure from ``results`` (None: not measured in this run)."""
    table: dict[str, Any] = {}
    for key, what, cmp, goal in GOALS:
        section, field = key.split(".")
        value = results.get(section, {}).get(field)
        if field not in results.get(section, {}):
            continue
        met = None if value is None else value == goal if cmp == "==" else value <= goal if cmp == "<=" else value >= goal
        table[key] = {"what": what, "goal": f"{cmp} {goal}", "value": value, "met": met}
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller counts")
    parser.add_argument("--child", nargs=2, metavar=("STEP", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--steps", help="comma-separated steps to run (default: all)")
    args = parser.parse_args()
    if args.child:
        step, n = args.child[0], int(args.child[1])
        print(json.dumps({"memory": memory, "memory_explained": memory_explained, "batch_command": batch_command, "naive": naive_durable_rules}[step](n)))
        return
    q = args.quick
    results: dict[str, Any] = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": q,
        "machine": machine(),
    }
    steps = [
        ("ratios", lambda: ratios(1000 if q else 5000)),
        ("batch_files", lambda: batch_files(4000 if q else 20_000)),
        ("batch_xlsx", lambda: batch_xlsx(10_000 if q else 100_000)),
        ("latency", lambda: latency(1000 if q else 5000)),
        ("views", lambda: views(300 if q else 2000)),
        ("throughput", lambda: throughput(10_000 if q else 100_000)),
        ("stages", lambda: stages(2000 if q else 10_000)),
        ("engine_variants", lambda: engine_variants(2000 if q else 10_000)),
        ("memory", lambda: in_child("memory", 50_000 if q else 1_000_000)),
        ("memory_explained", lambda: in_child("memory_explained", 10_000 if q else 100_000)),
        ("batch_command", lambda: in_child("batch_command", 2_000 if q else 50_000)),
        ("cold_start", lambda: cold_start(3 if q else 10)),
        ("baseline_naive_durable_rules", lambda: in_child("naive", 2000 if q else 10_000)),
        ("limit_plain_python", lambda: plain_python(5000 if q else 20_000)),
    ]
    if args.steps:
        wanted = set(args.steps.split(","))
        steps = [(n, f) for n, f in steps if n in wanted]
    for name, step in steps:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results[name] = step()
        print(f"  {name}: {json.dumps(results[name], ensure_ascii=False)}", flush=True)
    verdicts = goal_table(results)
    for key, row in verdicts.items():
        shown = "n/a" if row["value"] is None else row["value"]
        state = "not measurable yet" if row["met"] is None else "met" if row["met"] else "NOT met"
        print(f"{row['what']:72} {row['goal']:>8} {shown!s:>8}  {state}")
    results["goals"] = verdicts
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    if args.steps and (out / "latest.json").exists():
        # A partial run updates the steps it ran and keeps the others' latest figures.
        previous = json.loads((out / "latest.json").read_text(encoding="utf-8"))
        previous.update({k: v for k, v in results.items() if k != "goals"})
        previous.setdefault("partial_runs", []).append({"when": results["when"], "steps": args.steps})
        previous["goals"] = goal_table(previous)  # the goals of today's table, from the latest figures
        results = previous
    text = json.dumps(results, ensure_ascii=False, indent=2)
    (out / "latest.json").write_text(text + "\n", encoding="utf-8")
    stamp = results["when"][:19].replace(":", "")
    (out / f"{stamp}{'-quick' if q else ''}.json").write_text(text + "\n", encoding="utf-8")
    print(f"written {out / 'latest.json'}")


if __name__ == "__main__":
    main()
