"""`python bench/cpu_split.py ARGS`: run `eligibility ARGS` in this process, then print its
own CPU seconds and its worker processes' on the last line of standard output (for a
batch: the process that reads and writes, and the processes that parse and evaluate)."""

import resource
import runpy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.argv = ["eligibility", *sys.argv[1:]]
code: object = 0
try:
    runpy.run_module("eligibility", run_name="__main__")
except SystemExit as exc:
    code = exc.code
own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(own.ru_utime + own.ru_stime, workers.ru_utime + workers.ru_stime)
sys.exit(code)
