"""An SQLite file of the index directory (copies.sqlite, vectors.sqlite) made anew: built
beside the current one, then synced and renamed into place, so that a reader sees the old
file or the new, and a crash leaves only a temporary file that the next build removes."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

TEMP_SUFFIX = ".new"


def create(path: Path, schema: str) -> tuple[sqlite3.Connection, Path]:
    """A new, empty file with the schema beside `path`, to be put in place by `replace`."""
    temp = path.with_name(path.name + TEMP_SUFFIX)
    discard(temp)
    db = sqlite3.connect(temp)
    # No journal and no syncs while it is built: nobody reads it before `replace` syncs it
    # once and renames it into place, and a crash before that leaves only a file to discard.
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.executescript(schema)
    return db, temp


def replace(db: sqlite3.Connection, temp: Path, path: Path) -> None:
    """Put a file made by `create` in place of `path`, atomically."""
    db.commit()
    db.close()
    fd = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, path)


def discard(path: Path) -> None:
    """Remove such a file (a temporary one, or one no longer wanted) and SQLite's journal of
    it, if there."""
    for each in (path, path.with_name(path.name + "-journal")):
        try:
            each.unlink()
        except FileNotFoundError:
            pass
