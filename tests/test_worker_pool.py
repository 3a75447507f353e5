"""The batch's worker processes (eligibility._worker_pool): results in order, a killed worker
replaced and its task run again, a task that kills every worker stops the run, no worker left."""

from __future__ import annotations

import errno
import multiprocessing as mp
import os
import random
import signal
import time
from pathlib import Path

import pytest

from conftest import running

from eligibility._worker_pool import WorkerDied, WorkerStartFailed, _Pool, imap

pytestmark = pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="the pool forks its workers")


def _no_workers_left() -> bool:
    return mp.active_children() == []  # reaps what has ended


def _slow_square(n: int) -> int:
    time.sleep(random.random() / 100)
    return n * n


def test_results_come_in_task_order_whatever_each_task_takes():
    """Tasks of uneven length over three workers: the results come in the order of the tasks."""
    assert list(imap(_slow_square, range(60), 3)) == [n * n for n in range(60)]
    assert _no_workers_left()


def test_an_exception_raised_by_the_function_is_raised_to_the_caller_and_the_workers_end():
    def fails_on_seven(n: int) -> int:
        if n == 7:
            raise ValueError(f"bad task {n}")
        return n

    with pytest.raises(ValueError, match="bad task 7"):
        list(imap(fails_on_seven, range(20), 2))
    assert _no_workers_left()


def test_a_task_whose_worker_is_killed_is_run_again_in_a_fresh_worker(tmp_path):
    """The first worker to run task 5 kills itself (as kill -9 or the out-of-memory killer
    would): task 5 is run again by a new process and every result comes, in order."""
    died = tmp_path / "died"

    def dies_the_first_time_on_five(n: int) -> tuple[int, int]:
        if n == 5 and not died.exists():
            died.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return n, os.getpid()

    results = list(imap(dies_the_first_time_on_five, range(12), 2))
    assert [n for n, _ in results] == list(range(12))
    killed = int(died.read_text())
    assert results[5][1] != killed
    assert _no_workers_left()


def test_a_task_that_kills_every_worker_it_runs_in_stops_the_run_after_one_retry(tmp_path):
    """Task 5 kills each process that runs it: it is tried twice, then :class:`WorkerDied`
    names the task and how the process ended; no worker is left behind."""
    attempts = tmp_path / "attempts"

    def always_dies_on_five(n: int) -> int:
        if n == 5:
            with attempts.open("a") as fh:
                fh.write(f"{os.getpid()}\n")
            os.kill(os.getpid(), signal.SIGKILL)
        return n

    with pytest.raises(WorkerDied) as caught:
        list(imap(always_dies_on_five, range(12), 2))
    assert (caught.value.index, caught.value.task, caught.value.exitcode) == (5, 5, -signal.SIGKILL)
    assert caught.value.how == "killed by signal SIGKILL"
    pids = attempts.read_text().split()
    assert len(pids) == 2 and len(set(pids)) == 2
    assert _no_workers_left()


def test_a_worker_that_exits_is_reported_with_its_exit_code(tmp_path):
    def exits_on_three(n: int) -> int:
        if n == 3:
            os._exit(3)
        return n

    with pytest.raises(WorkerDied) as caught:
        list(imap(exits_on_three, range(6), 2))
    assert caught.value.how == "exited with code 3"


def test_stopping_early_ends_every_worker():
    results = imap(_slow_square, range(10_000), 2)
    assert next(results) == 0
    results.close()
    assert _no_workers_left()


def test_the_input_is_taken_only_a_few_tasks_per_worker_ahead():
    taken = 0

    def tasks():
        nonlocal taken
        for n in range(100_000):
            taken += 1
            yield n

    results = imap(_slow_square, tasks(), 2, ahead=2)
    assert next(results) == 0
    assert taken <= 2 * (2 + 1)  # each worker's tasks and one answered ahead of the others
    results.close()


def test_a_worker_ends_when_its_pipe_closes_even_in_the_middle_of_a_task():
    """What happens when the parent dies (its end of every pipe closes): the worker does not
    wait for its task to end."""
    pool = _Pool(lambda n: time.sleep(n), 1, 2, 1)
    [worker] = pool.workers
    pool.tasks[0] = 600
    pool._send(0, 0)
    time.sleep(0.2)  # the task has started
    start = time.monotonic()
    worker.conn.close()
    worker.process.join(10)
    assert worker.process.exitcode == 0 and time.monotonic() - start < 10
    worker.process.close()


def test_a_worker_is_killed_by_the_kernel_when_its_parent_dies(tmp_path):
    """PR_SET_PDEATHSIG, the second guard: a worker whose pipe stays open (here: a grandchild
    holds the parent's end) still dies with its parent."""
    if not Path("/proc/self/status").exists():
        pytest.skip("Linux only")
    pids = tmp_path / "pids"
    reader, writer = os.pipe()
    middle = os.fork()
    if middle == 0:  # the parent of the pool: starts it, hands its pipe to a process that outlives it, dies
        try:
            os.close(reader)
            pool = _Pool(lambda n: time.sleep(n), 1, 2, 1)
            [worker] = pool.workers
            holder = os.fork()
            if holder == 0:  # keeps the parent's end of the worker's pipe open for a while
                time.sleep(5)
                os._exit(0)
            pids.write_text(f"{worker.process.pid} {holder}")
            os.write(writer, b"x")
        finally:
            os._exit(0)
    os.close(writer)
    os.read(reader, 1)
    os.close(reader)
    os.waitpid(middle, 0)
    worker_pid, holder = map(int, pids.read_text().split())
    deadline = time.monotonic() + 3
    while running(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(worker_pid)
    assert running(holder)  # the pipe was still open: the kernel ended the worker
    os.kill(holder, signal.SIGKILL)


def _fork_fails_after(monkeypatch, successes: int) -> None:
    """``fork`` works ``successes`` times, then fails as it does out of memory (ENOMEM)."""
    real, left = os.fork, [successes]

    def fork() -> int:
        if left[0] == 0:
            raise OSError(errno.ENOMEM, os.strerror(errno.ENOMEM))
        left[0] -= 1
        return real()

    monkeypatch.setattr(os, "fork", fork)


def test_a_worker_that_cannot_be_started_stops_the_run_with_the_system_reason(monkeypatch):
    _fork_fails_after(monkeypatch, 0)
    with pytest.raises(WorkerStartFailed, match="cannot start a worker process: Cannot allocate memory"):
        list(imap(_slow_square, range(10), 2))


def test_workers_started_before_one_could_not_be_are_ended(monkeypatch):
    """The second of three workers cannot be forked: the first does not outlive the failure."""
    _fork_fails_after(monkeypatch, 1)
    with pytest.raises(WorkerStartFailed):
        list(imap(_slow_square, range(10), 3))
    assert _no_workers_left()
