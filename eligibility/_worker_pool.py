"""Worker processes for ``batch --jobs N`` that survive a worker's death and die with their parent.

:func:`imap` runs a function over tasks in forked worker processes and hands out the results
in task order, like ``multiprocessing.Pool.imap``, but:

* **A worker killed mid-run does not hang the run.** ``multiprocessing.Pool`` replaces a
  killed worker, but the task it held never returns; ``ProcessPoolExecutor`` notices the
  death, then deadlocks while shutting down (CPython 3.11). Both share one task queue whose
  read lock a worker killed while reading keeps for good. Here each worker has a pipe of its
  own: nothing is shared between workers, so nothing a dead worker held blocks the others.
  A death is seen at once (the worker's pipe reaches end of file, its sentinel is ready:
  :func:`multiprocessing.connection.wait` on both); the tasks it held are sent to a fresh
  worker, and a task that was being run when a worker died ``retries`` + 1 times stops the
  run (:class:`WorkerDied`: which task, and the exit code or signal).
* **No worker outlives its parent.** A thread in each worker reads its pipe and ends the
  process when the pipe closes, which happens when the parent ends in any way (``kill -9``
  included: the kernel closes its end). On Linux the kernel also kills a worker whose parent
  died (``PR_SET_PDEATHSIG``, a second guard, e.g. for a worker stuck in C code without
  the GIL's turn).
* **Input read only as needed.** Tasks are taken from the iterable in the calling thread, a
  few per worker ahead of the results handed out: a province streamed in never piles up.

The function and anything it closes over reach the workers by ``fork`` (never pickled);
tasks and results are pickled through the pipes, exceptions too (re-raised here).
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import pickle
import queue
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_GRACE_SECONDS = 5.0
"""How long workers told to stop (their pipes closed) get to end before they are killed."""


class WorkerDied(Exception):
    """A worker process died each time it ran the same task: the run cannot go on."""

    def __init__(self, index: int, task: Any, exitcode: int | None) -> None:
        self.index, self.task, self.exitcode = index, task, exitcode
        super().__init__(f"worker process {self.how} while running task {index}")

    @property
    def how(self) -> str:
        """``killed by signal SIGKILL``, ``exited with code 3`` ..."""
        code = self.exitcode
        if code is None:
            return "stopped answering"
        if code < 0:
            try:
                return f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exited with code {code}"


def imap(function: Callable[[Any], Any], tasks: Iterable[Any], workers: int, *, ahead: int = 2, retries: int = 1) -> Generator[Any, None, None]:
    """``function(task)`` for each task, run in ``workers`` forked processes; results in task order.

    Each worker holds at most ``ahead`` tasks (one running, the rest waiting in its pipe).
    An exception raised by ``function`` is raised here; a worker's death is survived
    ``retries`` times per task (:class:`WorkerDied` after that). When the iteration ends,
    however it ends (done, an exception, ``close()``), the workers are ended and reaped."""
    pool = _Pool(function, workers, ahead, retries)
    done = False
    try:
        yield from pool.results(iter(tasks))
        done = True
    finally:
        pool.close(graceful=done)


class WorkerStartFailed(Exception):
    """A worker process could not be started (``fork`` failed: out of memory, the limit of
    processes): the run cannot go on."""

    def __init__(self, error: OSError) -> None:
        self.error = error
        super().__init__(f"cannot start a worker process: {self.reason}")

    @property
    def reason(self) -> str:
        """The system's words for it (``Cannot allocate memory`` ...)."""
        return self.error.strerror or str(self.error)


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    held: deque[int] = field(default_factory=deque)
    """The tasks sent to it and not answered yet, in the order sent (the first is running)."""


class _Pool:
    def __init__(self, function: Callable[[Any], Any], size: int, ahead: int, retries: int) -> None:
        self.function, self.ahead, self.retries = function, max(1, ahead), retries
        self.context = mp.get_context("fork")
        self.workers: list[_Worker] = []
        self.tasks: dict[int, Any] = {}
        """Each task sent and not answered yet, kept to be sent again if its worker dies."""
        self.done: dict[int, Any] = {}
        """Results that came before those of earlier tasks."""
        self.deaths: dict[int, int] = {}
        """Per task: how many workers died while running it."""
        try:
            for _ in range(max(1, size)):
                self.workers.append(self._start())
        except BaseException:  # those started already end now
            self.close(graceful=False)
            raise

    def _start(self) -> _Worker:
        try:
            parent_end, child_end = self.context.Pipe()
        except OSError as exc:  # out of file descriptors
            raise WorkerStartFailed(exc) from None
        # The new worker inherits this process's end of every other worker's pipe: it closes
        # them, or a worker would not see its pipe close when this process dies.
        others = [w.conn for w in self.workers] + [parent_end]
        process = self.context.Process(target=_serve, args=(self.function, child_end, others, os.getpid()), daemon=True)
        try:
            process.start()
        except OSError as exc:  # fork failed: out of memory, the limit of processes
            parent_end.close()
            raise WorkerStartFailed(exc) from None
        finally:
            child_end.close()
        return _Worker(process, parent_end)

    def results(self, tasks: Iterator[Any]) -> Iterator[Any]:
        taken = handed = 0
        more = True
        # Tasks out at once (running, waiting in pipes, or answered ahead of an earlier one):
        # bounds the memory, whatever the speed of each worker.
        limit = len(self.workers) * (self.ahead + 1)
        while True:
            while handed in self.done:
                yield self.done.pop(handed)
                handed += 1
            for slot in range(len(self.workers)):
                while more and len(self.workers[slot].held) < self.ahead and taken - handed < limit:
                    try:
                        task = next(tasks)
                    except StopIteration:
                        more = False
                        break
                    self.tasks[taken] = task
                    self._send(slot, taken)
                    taken += 1
            if not more and handed == taken:
                return
            self._wait()

    def _send(self, slot: int, index: int) -> None:
        worker = self.workers[slot]
        worker.held.append(index)
        try:
            worker.conn.send_bytes(pickle.dumps((index, self.tasks[index]), pickle.HIGHEST_PROTOCOL))
        except OSError:  # it died (a broken pipe): seen here before wait() sees it
            self._lost(slot)

    def _wait(self) -> None:
        by_handle: dict[Any, int] = {}
        for slot, w in enumerate(self.workers):
            by_handle[w.conn] = slot
            by_handle[w.process.sentinel] = slot
        seen: set[int] = set()
        for handle in wait(list(by_handle)):
            slot = by_handle[handle]
            if slot in seen:  # its pipe and its sentinel both ready: it died, handled once
                continue
            if handle is self.workers[slot].conn:
                try:
                    self._receive(slot)
                    continue
                except (EOFError, OSError):
                    pass
            seen.add(slot)
            self._lost(slot)

    def _receive(self, slot: int) -> None:
        worker = self.workers[slot]
        index, ok, payload = pickle.loads(worker.conn.recv_bytes())
        worker.held.remove(index)
        del self.tasks[index]
        if not ok:
            raise payload
        self.done[index] = payload

    def _lost(self, slot: int) -> None:
        """The worker in ``slot`` died: keep what it answered, start a fresh one and send it
        the tasks it held again (the one it was running counts a death)."""
        worker = self.workers[slot]
        try:
            while worker.conn.poll():  # answers sent before it died
                self._receive(slot)
        except (EOFError, OSError):  # its pipe's end, or an answer cut short
            pass
        worker.conn.close()
        worker.process.join(_GRACE_SECONDS)  # its pipe closed as it died: it is ending
        if worker.process.exitcode is None:  # never expected: a live worker whose pipe closed
            worker.process.kill()
            worker.process.join()
        exitcode = worker.process.exitcode
        worker.process.close()
        held = list(worker.held)
        if held:
            running = held[0]
            self.deaths[running] = self.deaths.get(running, 0) + 1
            if self.deaths[running] > self.retries:
                self.workers[slot] = self._start()  # close() reaps a live worker in every slot
                raise WorkerDied(running, self.tasks[running], exitcode)
        self.workers[slot] = self._start()
        for index in held:
            self._send(slot, index)

    def close(self, *, graceful: bool) -> None:
        """Tell every worker to stop (its pipe closes), give it time to end if ``graceful``,
        kill what is left, and reap them all."""
        for w in self.workers:
            w.conn.close()
        deadline = time.monotonic() + (_GRACE_SECONDS if graceful else 0.0)
        for w in self.workers:
            try:
                w.process.join(max(0.0, deadline - time.monotonic()))
            except ValueError:  # reaped already: it died, and starting its successor failed
                continue
            if w.process.exitcode is None:
                w.process.kill()
                w.process.join()
            w.process.close()
        self.workers = []


# --- In the worker ----------------------------------------------------------------


def _serve(function: Callable[[Any], Any], conn: Connection, others: list[Connection], parent: int) -> None:
    """A worker's life: run each task that comes through ``conn``, send back its result."""
    for other in others:
        other.close()
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    inbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()
    # Reading in a thread of its own: the parent's sends never wait for a task to finish
    # (no deadlock of two full pipes), and a closed pipe ends the worker even mid-task.
    threading.Thread(target=_read_until_closed, args=(conn, inbox), daemon=True).start()
    while True:
        index, task = pickle.loads(inbox.get())
        try:
            answer = (index, True, function(task))
        except Exception as exc:  # noqa: BLE001 - raised again in the parent
            answer = (index, False, exc)
        try:
            data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - an exception or result that cannot travel
            data = pickle.dumps((index, False, RuntimeError(f"task {index}: result cannot be sent: {exc!r}")))
        try:
            conn.send_bytes(data)
        except OSError:  # the parent is gone
            os._exit(0)


def _read_until_closed(conn: Connection, inbox: queue.SimpleQueue[bytes]) -> None:
    try:
        while True:
            inbox.put(conn.recv_bytes())
    except (EOFError, OSError):
        pass
    os._exit(0)  # the parent closed the pipe (done, interrupted) or died


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux). The signal comes when
    the thread that forked this process ends: :func:`imap`'s caller's, which outlives the pool."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the pipe alone tells
            pass
    if os.getppid() != parent:  # the parent died before the guard was set
        os._exit(0)
