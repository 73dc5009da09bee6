"""The index's copies file, `copies.sqlite`: the verified pairs of copies and the clusters.

    meta(key, value)            generation, toc (the index version the file matches), config
    node(id, published)         every article in a verified pair, with its publication time
    pair(a, b, tier, ...)       each verified pair once (a < b), its tier and similarity
    member(id, story, article, published)
                                every article in a cluster of two or more: the id of its
                                story's representative and of its same-article cluster's

A cluster's representative, and so its id, is its earliest published member (undated ones
last, then by id). Written only by indexing/clustering.py, under the index's write lock:
a first build writes a new file and renames it into place; an incremental run changes it
in one SQLite transaction, so a reader sees it before or after, never half-way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .. import sqlitefile

COPIES_FILE = "copies.sqlite"
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE node (id TEXT PRIMARY KEY, published TEXT);
CREATE TABLE pair (
    a TEXT NOT NULL, b TEXT NOT NULL, tier TEXT NOT NULL,
    jaccard5 REAL NOT NULL, jaccard3 REAL NOT NULL, containment3 REAL NOT NULL,
    PRIMARY KEY (a, b)
);
CREATE INDEX pair_b ON pair (b);
CREATE TABLE member (id TEXT PRIMARY KEY, story TEXT NOT NULL, article TEXT NOT NULL, published TEXT);
CREATE INDEX member_story ON member (story);
"""
_CHUNK = 500  # ids per IN (...) query: well under SQLite's limit of bound parameters


@dataclass
class Membership:
    """An article's clusters: its story's representative id and its same-article cluster's."""

    story: str
    article: str


@dataclass
class PairRow:
    a: str
    b: str
    tier: str
    jaccard5: float
    jaccard3: float
    containment3: float


class CopiesFile:
    """Reading the copies file (None-safe: an index without one has no clusters)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    @classmethod
    def open(cls, index_path: Path) -> CopiesFile | None:
        """The index's copies file, read-only; None when there is none or it cannot be read."""
        path = index_path / COPIES_FILE
        if not path.is_file():
            return None
        try:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
            db.execute("SELECT 1 FROM member LIMIT 1").fetchall()
        except sqlite3.Error:
            return None
        return cls(db)

    def close(self) -> None:
        self.db.close()

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta"))

    def memberships(self, ids: Iterable[str]) -> dict[str, Membership]:
        """The clusters of those of `ids` that are in one."""
        out: dict[str, Membership] = {}
        for chunk in chunks(list(dict.fromkeys(ids))):
            marks = ",".join("?" * len(chunk))
            query = f"SELECT id, story, article FROM member WHERE id IN ({marks})"
            for article_id, story, article in self.db.execute(query, chunk):
                out[article_id] = Membership(story, article)
        return out

    def members(self, cluster: str, tier: str = "story") -> list[tuple[str, str | None]]:
        """(id, published) of a cluster's members, earliest published first."""
        column = "story" if tier == "story" else "article"
        rows = self.db.execute(f"SELECT id, published FROM member WHERE {column} = ?", (cluster,)).fetchall()
        return sorted(rows, key=lambda r: (r[1] is None, r[1] or "", r[0]))

    def all_members(self) -> Iterator[tuple[str, str, str, str | None]]:
        """(id, story, article, published) of every clustered article."""
        yield from self.db.execute("SELECT id, story, article, published FROM member")

    def pairs_of(self, ids: Iterable[str]) -> list[PairRow]:
        """The verified pairs among `ids`."""
        wanted = list(dict.fromkeys(ids))
        rows = []
        for chunk in chunks(wanted):
            marks = ",".join("?" * len(chunk))
            rows += self.db.execute(f"SELECT * FROM pair WHERE a IN ({marks})", chunk).fetchall()
        keep = set(wanted)
        return [PairRow(*r) for r in rows if r[1] in keep]

    def cluster_sizes(self, tier: str = "story") -> list[tuple[str, int]]:
        """(representative id, size) of every cluster of the tier, biggest first."""
        column = "story" if tier == "story" else "article"
        query = f"SELECT {column}, COUNT(*) AS n FROM member GROUP BY {column} HAVING n > 1 ORDER BY n DESC, {column}"
        return self.db.execute(query).fetchall()


def chunks(items: list[str]) -> Iterator[list[str]]:
    """The items in lists short enough for one IN (...) query."""
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


# -- writing (indexing/clustering.py only) ---------------------------------------------


def create(index_path: Path) -> tuple[sqlite3.Connection, Path]:
    """A new, empty copies file beside the current one, to be put in place by `replace`."""
    return sqlitefile.create(index_path / COPIES_FILE, _SCHEMA)


def open_for_update(index_path: Path) -> sqlite3.Connection | None:
    path = index_path / COPIES_FILE
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(path, timeout=30.0)
        db.execute("SELECT 1 FROM member LIMIT 1").fetchall()
        return db
    except sqlite3.Error:
        return None


def replace(db: sqlite3.Connection, temp: Path, index_path: Path) -> None:
    """Put a file made by `create` in place of the current one, atomically."""
    sqlitefile.replace(db, temp, index_path / COPIES_FILE)


def discard(temp: Path) -> None:
    """Remove a file `create` made (and SQLite's journal of it), if there."""
    sqlitefile.discard(temp)


def write_meta(db: sqlite3.Connection, meta: dict[str, str]) -> None:
    db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())


def read_meta(db: sqlite3.Connection) -> dict[str, str]:
    return dict(db.execute("SELECT key, value FROM meta"))
