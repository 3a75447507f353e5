"""Where a cold `eligibility check EXAMPLE` spends its CPU time, phase by phase.

    python bench/startup.py [RUNS]     # default 9 runs; medians, in CPU milliseconds

Each run is a fresh interpreter running ``bench/startup_child.py``: it imports what the command
imports, in the same order and with the garbage collector as the command line sets it, then runs
the command itself (``check examples/battery_materials.json --as-of 2026-11-25``, output
discarded) with its stages timed in place. The catalogue cache lives in a fresh directory that
the first run fills, as every run after a user's first finds it. The total is the process's CPU
time as the operating system counts it (``getrusage``), so it includes the interpreter's start
and exit; ``bench/run.py``'s ``cold_start`` step gives the same total beside the baseline.
"""

from __future__ import annotations

import compileall
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["check", "examples/battery_materials.json", "--as-of", "2026-11-25"]
CHILD = ROOT / "bench" / "startup_child.py"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    compileall.compile_dir(str(ROOT / "eligibility"), quiet=1)
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "ELIGIBILITY_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "eligibility", *ARGS], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run(
                [sys.executable, str(CHILD), *ARGS], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, check=True
            )
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            phases = json.loads(done.stderr.strip().splitlines()[-1])
            total = 1000 * (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            phases["interpreter exit"] = total - sum(phases.values())
            phases["total (getrusage)"] = total
            rows.append(phases)
    print(f"CPU ms, median of {runs} runs of a cold `eligibility {' '.join(ARGS)}`")
    for key in rows[0]:
        print(f"{statistics.median(r[key] for r in rows):8.1f}  {key}")


if __name__ == "__main__":
    main()
