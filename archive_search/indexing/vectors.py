"""After an indexing run's commit and fit: what a search reads of every article (its place in
the latent space, its words as feedback weighs them), made ahead into the index's vectors
file (ranking/vectorstore.py), so that a search need not work them out from the text.

A first build, a rebuild, a refit (the space changed, so every place did), a run with many
changes, or a file that does not match the index as the run found it makes the file anew
from one pass over every article. Otherwise only the articles this run wrote are placed
again, in one SQLite transaction; the rows of articles gone stay (a search never asks for
them) until the next full pass.

The articles are committed already: a failure here is a warning (searches then work their
candidates' figures out from their texts, as before the file existed), and Ctrl-C loses only this
update, which the next run redoes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .. import sqlitefile
from ..ranking import vectorstore as vs
from ..ranking.config import DEFAULT, RankingConfig
from ..readers import Problem
from ..schema import TITLE_WEIGHT
from ..store import LATENT_FILE
from ..stored import opening_counts, read_opening

_BATCH = 1_000  # rows written at a time


def update_vectors(
    ix,
    index_path: Path,
    generation: str,
    start_toc: int | None,
    touched: set[str] | None,
    report: Callable[[Problem], None],
    config: RankingConfig = DEFAULT,
) -> int:
    """Bring the vectors file up to date with the committed articles and the space; the
    number of articles placed. `touched`: the ids this run wrote (None: too many to list, or
    a first build); `start_toc`: the index version before the run (None: the index is new)."""
    path = index_path / vs.VECTORS_FILE
    space_path = index_path / LATENT_FILE
    try:
        stamp = vs.space_stamp(space_path)
        space = _load(space_path) if stamp is not None else None
        if space is None:  # no space (too few articles), or a damaged one: no places either
            sqlitefile.discard(path)
            return 0
        with ix.searcher() as searcher:
            wanted = _settings(config)
            meta = vs.expected_meta(generation, searcher.reader().generation(), stamp, wanted)
            db = None
            if touched is not None and start_toc is not None:
                db = _current(path, vs.expected_meta(generation, start_toc, stamp, wanted))
            if db is None:
                return _full(searcher, space, path, meta, config)
            try:
                return _incremental(searcher, space, db, touched or set(), meta, config)
            finally:
                db.close()
    except (OSError, sqlite3.Error) as exc:
        reason = (
            f"could not write the vectors file ({exc}); searches place their candidates themselves until the next run"
        )
        report(Problem(str(path), reason, warning=True))
        return 0


def is_current(index_path: Path, generation: str, toc: int, config: RankingConfig = DEFAULT) -> bool:
    """Whether the vectors file matches the index as it is and its space (or there is no
    space, and no file): a run that changed nothing has nothing to do."""
    path = index_path / vs.VECTORS_FILE
    stamp = vs.space_stamp(index_path / LATENT_FILE)
    if stamp is None:
        return not path.exists()
    db = _current(path, vs.expected_meta(generation, toc, stamp, _settings(config)))
    if db is None:
        return False
    db.close()
    return True


def _settings(config: RankingConfig) -> str:
    return vs.settings(config.read_chars, config.latent_max_word, TITLE_WEIGHT)


def _load(space_path: Path):
    from ..ranking.latent import LatentSpace

    try:
        return LatentSpace.load(space_path)
    except (OSError, ValueError):
        return None


def _current(path: Path, expected: dict[str, str]) -> sqlite3.Connection | None:
    """The file open for an update, if its meta is `expected`."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(path, timeout=30.0)
    except sqlite3.Error:
        return None
    try:
        if vs.read_meta(db) == expected:
            return db
    except sqlite3.Error:
        pass
    db.close()
    return None


def _full(searcher, space, path: Path, meta: dict[str, str], config: RankingConfig) -> int:
    db, temp = sqlitefile.create(path, vs.SCHEMA)
    try:
        db.executemany("INSERT INTO word VALUES (?, ?, ?)", _word_rows(space))
        placed = 0
        for rows in _batches(_article_rows(space, searcher.all_stored_fields(), config)):
            db.executemany("INSERT OR REPLACE INTO article VALUES (?, ?, ?, ?)", rows)
            placed += len(rows)
        db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        sqlitefile.replace(db, temp, path)
        return placed
    except BaseException:
        db.close()
        sqlitefile.discard(temp)
        raise


def _incremental(searcher, space, db: sqlite3.Connection, touched: set[str], meta: dict, config: RankingConfig) -> int:
    numbers = ((i, searcher.document_number(id=i)) for i in sorted(touched))
    present = [(i, n) for i, n in numbers if n is not None]
    rows = list(_article_rows(space, (searcher.stored_fields(n) for _, n in present), config))
    with db:  # one transaction: readers see the file before or after
        db.executemany("INSERT OR REPLACE INTO article VALUES (?, ?, ?, ?)", rows)
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
    return len(rows)


def _word_rows(space) -> Iterator[tuple[str, float, bytes]]:
    for word, idf, vector in zip(space.words.tolist(), space.idf.tolist(), space.vectors, strict=True):
        yield word, idf, vector.astype(f"={vs.WORD_TYPE}").tobytes()


def _article_rows(space, stored: Iterable[dict], config: RankingConfig) -> Iterator[tuple]:
    """(id, place, words, read) of each article, from what a search reads of it, as a search
    works them out itself (ranking/pipeline.py and places.py): its place by
    latent.project_parts, in float64; its {stem: weight} (schema.weighted), packed; and
    for an article cut short, the number of words read."""
    for fields in stored:
        opening, cut = read_opening(fields, config.read_chars)
        title, body = opening_counts(opening, config.read_chars)
        vector = space.project_parts(title, body, config.latent_max_word)
        place = None if vector is None else vector.astype(f"={vs.ARTICLE_TYPE}").tobytes()
        read = sum(title.values()) + sum(body.values()) if cut else None
        yield fields.get("id", ""), place, vs.pack_words(title, body, TITLE_WEIGHT), read


def _batches(rows: Iterator, size: int = _BATCH) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
