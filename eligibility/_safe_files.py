"""Writing files so that nothing the user has is lost.

* Everything is written to a temporary file beside its target and renamed into place
  only when complete: an interrupted run (an error, a full disk, Ctrl-C, SIGTERM) leaves
  the targets as they were and removes its temporary files.
* Without ``replace``, the final step never replaces a file: a file that appeared at the
  target during the run (another run, the user saving a copy) is kept and the run fails
  with :class:`FileExistsError`.
* A temporary file is named ``.TARGET.PID-XXXX.part``: hidden, with a suffix no reader
  takes for results, and carrying the process that writes it. One left by a process that
  no longer runs (``kill -9``, a power cut) is removed by the next write to that target.
* A library's own temporary files (openpyxl's sheet streams) go into a run folder named
  the same way (:func:`scratch_dir`), not into the system's temporary folder, where
  nothing would ever remove them after a ``kill -9``.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

PART_SUFFIX = ".part"


def _part_prefix(target: Path) -> str:
    return f".{target.name}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def remove_stale_parts(target: Path) -> list[Path]:
    """Remove the temporary files beside ``target`` left by processes that no longer run;
    return them. Those of running processes (this one included) are left alone."""
    folder = target.parent if str(target.parent) else Path(".")
    pattern = re.compile(re.escape(_part_prefix(target)) + r"(\d+)-[^/]*" + re.escape(PART_SUFFIX) + "$")
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        m = pattern.match(name)
        if m is None:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or _alive(pid):
            continue
        path = folder / name
        try:
            if stat.S_ISDIR(os.lstat(path).st_mode):  # a run folder (never followed if a link)
                shutil.rmtree(path)
            else:
                os.unlink(path)
            removed.append(path)
        except OSError:
            pass
    return removed


@contextmanager
def scratch_dir(target: Path) -> Iterator[Path]:
    """A folder of this run's own beside ``target``, for temporary files a library makes
    while the run writes ``target``. Named like the run's temporary files
    (``.TARGET.PID-XXXX.part``), so no reader takes it for results and, if the process is
    killed, the next write to ``target`` removes it; removed with all it holds when the
    block ends, however it ends."""
    remove_stale_parts(target)
    path = tempfile.mkdtemp(dir=target.parent or ".", prefix=f"{_part_prefix(target)}{os.getpid()}-", suffix=PART_SUFFIX)
    try:
        yield Path(path)
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def atomic_files(targets: list[Path], *, replace: bool = True) -> Iterator[dict[Path, BinaryIO]]:
    """A temporary file, open for writing, beside each target; when the block completes,
    each is moved into place. If the block (or a move) fails, the targets are left as they
    were and no temporary file remains. Without ``replace``, a target that exists at the
    end is not replaced (:class:`FileExistsError`, and none of the targets is written)."""
    umask = os.umask(0)
    os.umask(umask)
    temps: list[tuple[str, Path, BinaryIO]] = []
    placed: list[Path] = []
    try:
        for target in targets:
            remove_stale_parts(target)
            fd, tmp = tempfile.mkstemp(
                dir=target.parent or ".", prefix=f"{_part_prefix(target)}{os.getpid()}-", suffix=PART_SUFFIX
            )
            temps.append((tmp, target, os.fdopen(fd, "wb")))
        yield {target: fh for _, target, fh in temps}
        for tmp, _, fh in temps:
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        for tmp, target, _ in temps:
            if replace:
                os.replace(tmp, target)
            else:
                _place_new(tmp, target)
                placed.append(target)
    except BaseException:
        for target in placed:  # all or none: what this run placed goes again
            target.unlink(missing_ok=True)
        raise
    finally:
        for tmp, _, fh in temps:
            fh.close()
            if os.path.exists(tmp):
                os.unlink(tmp)


def _place_new(tmp: str, target: Path) -> None:
    """Move ``tmp`` to ``target`` only if nothing is there (a hard link fails if the target
    exists, atomically; where links are not supported, a check just before the rename)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise FileExistsError(17, "文件在运行期间出现，未覆盖 (appeared during the run; not replaced)", str(target)) from None
    except OSError:
        if target.exists():
            raise FileExistsError(17, "文件在运行期间出现，未覆盖 (appeared during the run; not replaced)", str(target)) from None
        os.replace(tmp, target)
        return
    os.unlink(tmp)


def write_atomically(files: Mapping[Path, bytes], *, replace: bool = True) -> None:
    """Write each file's bytes through :func:`atomic_files`: all of them, or none."""
    with atomic_files(list(files), replace=replace) as handles:
        for target, content in files.items():
            handles[target].write(content)
