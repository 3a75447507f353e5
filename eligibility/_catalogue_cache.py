"""A validated catalogue kept on disk between runs, so a command does not parse and validate
the rule files again (about an eighth of a cold `eligibility check`); and, beside it, each
catalogue view's durable-rules ruleset as compiled and measured against the engine's limits
(:func:`ruleset_with_cache`: about a twentieth).

Safe by construction:

- The rule files are never executed: the cache holds what loading them produced (Pydantic
  objects, pickled by this module), made only from a catalogue that loaded without errors.
- It is used only when its key matches: the content of every rule file, the rules directory,
  this package's version and code (each module's name, size and time), Python's and Pydantic's
  versions. Any change rebuilds it; there is one file per rules directory. A view's ruleset
  is kept under the view's key (the catalogue's fingerprint, the rules and parameter values in
  force) in a second file per rules directory, which holds the last few views made with this
  package's version and code and these versions of Python and Pydantic.
- A cache file is read only when it belongs to the current user and neither it nor its
  directory can be written by others (pickle data is code to whoever may write it).
- Anything wrong (unwritable directory, full disk, a corrupted or foreign file) is silent: the
  catalogue is loaded from the rule files as without a cache, and the file rewritten.

The directory is ``$ELIGIBILITY_CACHE_DIR``, else ``$XDG_CACHE_HOME/eligibility``, else
``~/.cache/eligibility``; ``ELIGIBILITY_CACHE_DIR=`` (empty) turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pydantic
from pydantic import BaseModel

from ._catalogue import Catalogue
from ._version import __version__

if TYPE_CHECKING:
    from ._catalogue import CatalogueView

_T = TypeVar("_T")

_VIEWS_KEPT = 8
"""The most views kept per rules directory, the latest first (a view changes when rules come
into or leave force or a parameter's value changes)."""

_FORMAT = 1
"""Bumped when what is stored changes shape."""

_PACKAGE_DIR = Path(__file__).resolve().parent


def cache_dir() -> Path | None:
    """Where cached catalogues go, or None when the cache is off."""
    explicit = os.environ.get("ELIGIBILITY_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "eligibility"


def _code(h: Any) -> None:
    """Adds to the hash ``h`` this package's version and code, Python's and Pydantic's versions."""
    h.update(f"{_FORMAT}|{__version__}|{sys.version}|{pydantic.VERSION}".encode())
    for path in sorted(_PACKAGE_DIR.rglob("*.py")):
        st = path.stat()
        h.update(f"|{path.relative_to(_PACKAGE_DIR).as_posix()}:{st.st_size}:{st.st_mtime_ns}".encode())


def _key(root: Path) -> str:
    """Everything a loaded catalogue depends on (see the module's docstring)."""
    h = hashlib.sha256()
    _code(h)
    h.update(f"|{root}".encode())
    for path in sorted(root.rglob("*.yaml")):
        h.update(b"\0" + path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _file(directory: Path, root: Path) -> Path:
    return directory / f"catalogue-{hashlib.sha256(str(root).encode()).hexdigest()[:16]}.pickle"


def _private(path: Path) -> bool:
    """Owned by this user and not writable by anyone else."""
    st = path.stat()
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _objects(catalogue: Catalogue) -> dict[int, Any]:
    """id() -> object for every model the catalogue holds (the keys of ``where`` are ids)."""
    found: dict[int, Any] = {}
    todo: list[Any] = [catalogue.info, catalogue.rules, catalogue.parameters, catalogue.sources]
    while todo:
        obj = todo.pop()
        if isinstance(obj, BaseModel):
            if id(obj) not in found:
                found[id(obj)] = obj
                todo.extend(obj.__dict__.values())
        elif isinstance(obj, dict):
            todo.extend(obj.values())
        elif isinstance(obj, (list, tuple)):
            todo.extend(obj)
    return found


def _dump(catalogue: Catalogue, key: str) -> bytes | None:
    objects = _objects(catalogue)
    if any(k not in objects for k in catalogue.where):  # a location we could not carry over
        return None
    where = [(objects[k], located) for k, located in catalogue.where.items()]
    state = (key, catalogue.info, catalogue.rules, catalogue.parameters, catalogue.sources, where, catalogue.fingerprint)
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def _stored(path: Path) -> Any:
    """What ``path`` holds, or None when it is missing, unreadable, truncated or corrupted, or
    when others may write it or its directory."""
    try:
        if not (_private(path.parent) and _private(path)):
            return None
        return pickle.loads(path.read_bytes())
    except Exception:
        return None


def _read(path: Path, key: str, root: Path) -> Catalogue | None:
    try:
        stored_key, info, rules, parameters, sources, where, fingerprint = _stored(path)
    except (TypeError, ValueError):  # nothing usable, or from another layout: rebuild
        return None
    if stored_key != key:
        return None
    return Catalogue(info, rules, parameters, sources, {id(obj): located for obj, located in where}, fingerprint, root)


def _write(directory: Path, path: Path, data: bytes) -> None:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".catalogue-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # readers see the old file or the whole new one
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:  # read-only home, full disk ...: the cache is only a shortcut
        pass


def load_with_cache(root: Path, load: Callable[[Path], Catalogue]) -> Catalogue:
    """The catalogue of ``root``: from the cache when its key matches, else ``load(root)``
    (which raises on invalid rules: those are never cached), then cached."""
    directory = cache_dir()
    if directory is None:
        return load(root)
    try:
        key = _key(root)
    except OSError:  # a file vanished while hashing: let the loader report what it finds
        return load(root)
    path = _file(directory, root)
    cached = _read(path, key, root)
    if cached is not None:
        return cached
    catalogue = load(root)
    data = _dump(catalogue, key)
    if data is not None:
        _write(directory, path, data)
    return catalogue


def ruleset_with_cache(view: CatalogueView, make: Callable[[CatalogueView], _T]) -> _T:
    """``make(view)``, the view's engine ruleset, from the cache when there (see the module's
    docstring), else made and cached. A catalogue not loaded from a rules directory is not
    cached."""
    directory = cache_dir()
    root = view.catalogue.source
    if directory is None or root is None or not view.catalogue.fingerprint:
        return make(view)
    h = hashlib.sha256()
    try:
        _code(h)
    except OSError:
        return make(view)
    code = h.hexdigest()
    path = directory / f"views-{hashlib.sha256(str(root).encode()).hexdigest()[:16]}.pickle"
    stored = _stored(path)
    ok = isinstance(stored, tuple) and len(stored) == 2 and stored[0] == code and isinstance(stored[1], dict)
    views: dict[str, Any] = stored[1] if ok else {}
    found = views.get(view.key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    made = make(view)
    kept = {view.key: made, **dict(list(views.items())[: _VIEWS_KEPT - 1])}
    try:
        data = pickle.dumps((code, kept), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # something in it that pickle cannot hold: not cached
        return made
    _write(directory, path, data)
    return made
