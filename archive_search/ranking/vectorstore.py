"""What a search reads of its candidates, made ahead at index time: `vectors.sqlite` in the index.

    meta(key, value)        generation, toc (the index version the file matches), space (the
                            latent.npz it was made from: its size and mtime), settings
    word(word, idf, v)      each word of the latent space: its idf and coordinates (float32)
    article(id, v, words, read)
                            each article's place in the space (latent.project_parts of what
                            a search reads of it: a unit vector in float64, NULL when none of
                            its words is in the space), its {stem: weight} as feedback weighs
                            them (marshal, compressed; whole weights as integers),
                            and for an article longer than a search reads, the number
                            of words read (else NULL)

With this file a search needs neither NumPy (whose import is a large share of a short
search's start) nor its candidates' texts stemmed again. It is only a faster way to the
same figures: a search uses it only when it matches the index version it reads, the space
file as it now is, and the search's own settings (and reads it without trusting it: a
damaged file is left aside); otherwise it works them out from the texts (pipeline.py,
latent.py), as before the file existed. Written only by indexing/vectors.py, under the
index's write lock: a full build writes a new file and renames it into place; an
incremental run changes it in one SQLite transaction.
"""

from __future__ import annotations

import marshal
import math
import os
import sqlite3
import sys
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable
from operator import mul
from pathlib import Path

VECTORS_FILE = "vectors.sqlite"
FORMAT = "4"  # bump when what a row holds changes: an older file is then made anew
# array type codes of the blobs: float64 places, float32 coordinates (as the space holds them)
ARTICLE_TYPE, WORD_TYPE = "d", "f"
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE word (word TEXT PRIMARY KEY, idf REAL NOT NULL, v BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE article (id TEXT PRIMARY KEY, v BLOB, words BLOB NOT NULL, read INTEGER);
"""
CHUNK = 500  # ids per IN (...) query: well under SQLite's limit of bound parameters


class Row:
    """What the file holds of one article (see the module's docstring). A plain class: a
    dataclass's making is a good share of this module's import, on every search's path."""

    __slots__ = ("place", "read", "words")

    def __init__(self, place: bytes | None, words: dict[str, float], read: int | None) -> None:
        self.place = place
        self.words = words
        self.read = read


def space_stamp(space_path: Path) -> str | None:
    """What identifies one writing of the space file (it is replaced by a rename, never
    changed in place); None when there is none."""
    try:
        st = os.stat(space_path)
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}"  # not the inode: a copy that keeps times (cp -a) still matches


def settings(read_chars: int, max_word: int, title_weight: float) -> str:
    """The settings a row depends on (RankingConfig's and the schema's), with the format,
    the byte order its numbers are in (the machine's) and marshal's version."""
    return (
        f"format={FORMAT} {sys.byteorder} marshal={marshal.version} read_chars={read_chars}"
        f" max_word={max_word} title_weight={title_weight}"
    )


def expected_meta(generation: str, toc: int, stamp: str, config_settings: str) -> dict[str, str]:
    return {"generation": generation, "toc": str(toc), "space": stamp, "settings": config_settings}


def read_meta(db: sqlite3.Connection) -> dict[str, str]:
    return dict(db.execute("SELECT key, value FROM meta"))


def open_matching(path: Path, expected: dict[str, str], *, readonly: bool = True) -> sqlite3.Connection | None:
    """The file open (read-only, or for an update), if it is there and its meta is
    `expected`; else None."""
    if not path.is_file():
        return None
    try:
        if readonly:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
        else:
            db = sqlite3.connect(path, timeout=30.0)
    except sqlite3.Error:
        return None
    try:
        if read_meta(db) == expected:
            return db
    except sqlite3.Error:
        pass
    db.close()
    return None


class StoredVectors:
    """Reading the file, for one search."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    @classmethod
    def open(cls, index_path: Path, generation: str, toc: int, space_path: Path, config_settings: str):
        """The file, if it matches this index version, space and settings; else None."""
        stamp = space_stamp(space_path)
        if stamp is None:
            return None
        db = open_matching(index_path / VECTORS_FILE, expected_meta(generation, toc, stamp, config_settings))
        return None if db is None else cls(db)

    def close(self) -> None:
        self.db.close()

    def rows(self, ids: Iterable[str]) -> dict[str, Row]:
        """The rows of those of the articles that have one."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Row] = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT id, v, words, read FROM article WHERE id IN ({marks})"
            for article_id, place, words, read in self.db.execute(query, chunk):
                found[article_id] = Row(place, marshal.loads(zlib.decompress(words)), read)
        return found

    def query_vector(self, counts: dict[str, float]) -> list[float] | None:
        """The unit vector of the query's words ({word: times typed}), as
        LatentSpace.project makes it; None if none of them is in the space."""
        words = list(counts)
        marks = ",".join("?" * len(words))
        rows = self.db.execute(f"SELECT word, idf, v FROM word WHERE word IN ({marks})", words).fetchall()
        total: list[float] | None = None
        for word, idf, blob in rows:
            weight = (1 + math.log(counts[word])) * idf
            coordinates = array(WORD_TYPE, blob)
            if total is None:
                total = [weight * x for x in coordinates]
            else:
                total = [t + weight * x for t, x in zip(total, coordinates, strict=True)]
        if total is None:
            return None
        norm = math.sqrt(sum(map(mul, total, total)))
        return [t / norm for t in total] if norm > 0 else None


def pack_words(title: Counter[str], body: Counter[str], title_weight: float) -> bytes:
    """The article table's `words`: schema.weighted(title, body), with whole weights (all of
    them, unless the title's weight is a fraction) as integers, which marshal writes in half
    the bytes of a float and which count the same."""
    weight = int(title_weight) if float(title_weight).is_integer() else title_weight
    weights = dict(body)
    for stem, n in title.items():
        weights[stem] = weight * n + weights.get(stem, 0)
    return zlib.compress(marshal.dumps(weights), 1)


def cosine(place: bytes | None, query: list[float]) -> float:
    """A row's place's cosine to a query vector (0.0 for an article with no place); raises
    ValueError for a place of another length than the query's."""
    if place is None:
        return 0.0
    vector = array(ARTICLE_TYPE, place)
    if len(vector) != len(query):
        raise ValueError("a place of the wrong length")
    return sum(map(mul, vector, query))


# What reading a damaged file can raise: SQLite's errors, zlib's, marshal's and array's.
DAMAGED = (sqlite3.Error, zlib.error, ValueError, EOFError, TypeError)
