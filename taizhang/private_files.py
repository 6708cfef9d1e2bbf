"""Files that hold data or secrets are readable by their owner only, whatever existed before.

``os.open(..., 0o600)`` sets the mode only of a file it creates; a database or a token file
that was already there (made by an older version, copied with ``cp``, restored under
another umask) keeps its mode. So the mode is set on the open file as well.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE = 0o600
# SQLite makes its journal files with the database's mode; ones left over are set too.
_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_dir(path: str | Path) -> None:
    """Create ``path`` (owner only) if missing. An existing directory keeps its mode: it may
    be someone's home."""
    os.makedirs(path, mode=0o700, exist_ok=True)


def private_file(path: str | Path) -> None:
    """Create ``path`` empty if missing; either way, make it readable by its owner only."""
    descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, PRIVATE)
    try:
        os.fchmod(descriptor, PRIVATE)
    finally:
        os.close(descriptor)


def private_sqlite(path: str | Path) -> None:
    """A SQLite database and any journal files beside it, owner only."""
    private_dir(Path(path).parent)
    private_file(path)
    for suffix in _SQLITE_COMPANIONS:
        companion = f"{path}{suffix}"
        if os.path.exists(companion):
            os.chmod(companion, PRIVATE)


def write_private(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path``, owner only, replacing what was there."""
    private_dir(Path(path).parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
    os.fchmod(descriptor, PRIVATE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
