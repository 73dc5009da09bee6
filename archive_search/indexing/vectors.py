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

import os
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
    jobs: int = 1,
) -> int:
    """Bring the vectors file up to date with the committed articles and the space; the
    number of articles placed. `touched`: the ids this run wrote (None: too many to list, or
    a first build); `start_toc`: the index version before the run (None: the index is new);
    `jobs`: how many processes may place articles at once."""
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
                db = vs.open_matching(path, vs.expected_meta(generation, start_toc, stamp, wanted), readonly=False)
            if db is None:
                return _full(ix, searcher, space, path, meta, config, jobs)
            try:
                return _incremental(searcher, space, db, touched or set(), meta, config)
            finally:
                db.close()
    except (OSError, sqlite3.Error) as exc:
        reason = f"could not write the vectors file ({exc}); searches work from the texts until the next run"
        report(Problem(str(path), reason, warning=True))
        return 0


def is_current(index_path: Path, generation: str, toc: int, config: RankingConfig = DEFAULT) -> bool:
    """Whether the vectors file matches the index as it is and its space (or there is no
    space, and no file): a run that changed nothing has nothing to do."""
    path = index_path / vs.VECTORS_FILE
    stamp = vs.space_stamp(index_path / LATENT_FILE)
    if stamp is None:
        return not path.exists()
    db = vs.open_matching(path, vs.expected_meta(generation, toc, stamp, _settings(config)))
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


def _full(ix, searcher, space, path: Path, meta: dict[str, str], config: RankingConfig, jobs: int) -> int:
    """Every article placed into a new file; with jobs > 1 and enough articles, a helper
    process places the second half of them meanwhile, into a file of its own that is then
    copied in (placing is stemming and arithmetic in Python: one core each)."""
    db, temp = sqlitefile.create(path, vs.SCHEMA)
    helper = None
    try:
        db.executemany("INSERT INTO word VALUES (?, ?, ?)", _word_rows(space))
        total = searcher.doc_count_all()
        split = total // 2 if jobs > 1 and total >= _HELPED_FROM else total
        if split < total:
            folder = str(getattr(ix, "index_path", None) or ix.storage.folder)  # a shard set's: its archive's
            helper = _Helper(path, folder, ix.indexname, split, total, config)
        placed = _insert(db, _article_rows(space, _stored(searcher, 0, split), config))
        if helper is not None:
            helped = helper.finish(db)
            if helped is None:  # it failed: its half is placed here
                helped = _insert(db, _article_rows(space, _stored(searcher, split, total), config))
            placed += helped
        db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        sqlitefile.replace(db, temp, path)
        return placed
    except BaseException:
        if helper is not None:
            helper.stop()
        db.close()
        sqlitefile.discard(temp)
        raise


def _insert(db: sqlite3.Connection, rows: Iterable[tuple]) -> int:
    placed = 0
    for batch in _batches(iter(rows)):
        db.executemany("INSERT OR REPLACE INTO article VALUES (?, ?, ?, ?)", batch)
        placed += len(batch)
    return placed


def _stored(searcher, start: int, end: int) -> Iterator[dict]:
    """The stored fields of the live articles numbered start to end (not included)."""
    reader = searcher.reader()
    for docnum in range(start, end):
        if not reader.is_deleted(docnum):
            yield reader.stored_fields(docnum)


# Fewer articles than this are placed by the run alone: a helper's start costs more.
_HELPED_FROM = 4_000
HELPER_NAME = "archive_search.indexing.vectors"  # the helper's first argument: how ps knows it


class _Helper:
    """A helper process placing articles start to end into a file of its own (the vectors
    file's name + .part), as seen from the run. Its standard input is a pipe from the run:
    when the run ends, however it ends, the helper reads end-of-file and stops."""

    def __init__(self, path: Path, folder: str, indexname: str, start: int, end: int, config: RankingConfig) -> None:
        import json
        import subprocess

        from .. import helpers

        self.part = path.with_name(path.name + ".part")
        sqlitefile.discard(self.part)
        settings = json.dumps({"read_chars": config.read_chars, "latent_max_word": config.latent_max_word})
        command = helpers.helper_command(
            HELPER_NAME, "_helper_main", folder, indexname, str(start), str(end), str(self.part), settings
        )
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=None if os.environ.get("ARCHIVE_SEARCH_DEBUG") else subprocess.DEVNULL,
        )

    def finish(self, db: sqlite3.Connection) -> int | None:
        """Wait for it and copy its rows in; how many, or None if it failed."""
        try:
            if self.proc.wait() != 0:
                return None
            db.commit()  # SQLite attaches a file only outside a transaction
            db.execute("ATTACH DATABASE ? AS part", (str(self.part),))
            try:
                return db.execute("INSERT OR REPLACE INTO article SELECT * FROM part.article").rowcount
            finally:
                db.commit()
                db.execute("DETACH DATABASE part")
        except sqlite3.Error:
            return None
        finally:
            self.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        sqlitefile.discard(self.part)


def _helper_main(folder: str, indexname: str, start: str, end: str, part: str, settings: str) -> int:
    """The helper: the articles start to end placed into `part`; exits 0 when all are."""
    import json
    import select
    import signal

    from ..whoosh_ext import install

    install()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle
    from ..store import IndexDir

    config = DEFAULT.replace(**json.loads(settings))
    space = _load(Path(folder) / LATENT_FILE)
    if space is None:
        return 1
    db, temp = sqlitefile.create(Path(part), vs.SCHEMA)
    try:
        ix = IndexDir(folder).open()
        if ix.indexname != indexname:  # a rebuild has switched generations: the run places it all
            raise EOFError
        with ix.searcher() as searcher:
            for batch in _batches(_article_rows(space, _stored(searcher, int(start), int(end)), config)):
                if select.select([0], [], [], 0)[0]:  # end-of-file: the run is gone
                    raise EOFError
                db.executemany("INSERT OR REPLACE INTO article VALUES (?, ?, ?, ?)", batch)
        sqlitefile.replace(db, temp, Path(part))
        return 0
    except Exception:  # the run is gone, or placing failed: the run places this half itself
        db.close()
        sqlitefile.discard(temp)
        return 1


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
