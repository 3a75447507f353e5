"""The interview's answers kept on disk until they are saved.

After each answer the profile data so far is written (atomically) to a recovery file, so a
crash, a closed terminal or a path that cannot be written loses nothing. The file is
removed once the profile is saved (or the user declines to save it); an interview that
starts without ``--from`` offers the most recent one left behind.

The files live in ``$ELIGIBILITY_STATE_DIR``, else ``$XDG_STATE_HOME/eligibility``, else
``~/.local/state/eligibility``; one per interview, named by its start time and process.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from ._safe_files import write_atomically


def recovery_dir() -> Path:
    """Where recovery files are kept."""
    explicit = os.environ.get("ELIGIBILITY_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "eligibility"


class Recovery:
    """One interview's recovery file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or recovery_dir() / f"interview-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.json"

    def keep(self, data: dict[str, Any]) -> bool:
        """Write the answers so far; False (nothing raised) if the folder cannot be written."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically({self.path: (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")})
        except OSError:
            return False
        return True

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def latest() -> tuple[Recovery, dict[str, Any]] | None:
    """The most recent recovery file left by an earlier interview, with its answers."""
    folder = recovery_dir()
    try:
        files = sorted(folder.glob("interview-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return None
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            return Recovery(path), data
    return None
