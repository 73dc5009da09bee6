"""After an indexing run's commit: the verified pairs of copies and their clusters.

Candidates are the articles sharing a band term of their MinHash signatures (the `lsh`
field, signatures.py); every candidate pair is verified by its real similarity and date
(copies/text.py), and the clusters are stars of the verified pairs: in publication order,
each article joins the earliest cluster head it is a copy of, or heads one (_stars).

A first build, a rebuild, a run with many changes, or a copies file that does not match the
index (a run interrupted after its commit, another version's settings) makes the file anew
from one pass over every band term. Otherwise only the articles this run wrote are looked up
by their band terms, the pairs of articles written or gone are replaced, and the clusters
are computed again from the pairs, all in one SQLite transaction.

The articles are committed already: a failure here is a warning (searches then fold with
the previous file, or none), and Ctrl-C loses only this update, which the next run redoes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from ..copies import store
from ..copies.config import DEFAULT, CopiesConfig
from ..copies.text import ARTICLE, Features, compare, tier, within_window
from ..readers import Problem

_CACHE = 20_000  # articles' features kept while verifying: the pairs come roughly in order


def update_copies(
    ix,
    index_path: Path,
    generation: str,
    start_toc: int | None,
    touched: set[str] | None,
    report: Callable[[Problem], None],
    config: CopiesConfig = DEFAULT,
) -> tuple[int, int]:
    """Bring the copies file up to date; (clustered articles, stories of two or more).
    `touched`: the ids this run wrote (None: too many to list, or a first build);
    `start_toc`: the index version before the run (None: the index is new)."""
    try:
        with ix.searcher() as searcher:
            meta = {"generation": generation, "toc": str(ix.latest_generation()), "config": config.version()}
            db = _current(index_path, generation, start_toc, config) if touched is not None else None
            if db is None:
                return _full(searcher, index_path, meta, config)
            try:
                return _incremental(searcher, db, touched, meta, config)
            finally:
                db.close()
    except (OSError, sqlite3.Error) as exc:
        reason = f"could not write the copies file ({exc}); search --collapse folds as before until the next run"
        report(Problem(str(index_path / store.COPIES_FILE), reason, warning=True))
        return 0, 0


def is_current(index_path: Path, generation: str, toc: int, config: CopiesConfig = DEFAULT) -> bool:
    """Whether the copies file matches the index as it is (a run that changed nothing, after
    one that wrote the file, has nothing to do)."""
    db = store.open_for_update(index_path)
    if db is None:
        return False
    try:
        meta = store.read_meta(db)
    finally:
        db.close()
    return meta == {"generation": generation, "toc": str(toc), "config": config.version()}


def _current(index_path: Path, generation: str, start_toc: int | None, config: CopiesConfig):
    """The copies file open for an update, if it matches the index as the run found it."""
    db = store.open_for_update(index_path)
    if db is None:
        return None
    meta = store.read_meta(db)
    expected = {"generation": generation, "toc": str(start_toc), "config": config.version()}
    if start_toc is None or any(meta.get(k) != v for k, v in expected.items()):
        db.close()
        return None
    return db


# -- the two ways ------------------------------------------------------------------------


def _full(searcher, index_path: Path, meta: dict, config: CopiesConfig) -> tuple[int, int]:
    from ..whoosh_ext.codec import shared_terms

    pairs = set()
    for docs in shared_terms(searcher.reader(), "lsh", config.bucket_cap):
        pairs.update(_pairs_in(docs))
    db, temp = store.create(index_path)
    try:
        verified = list(_verify(searcher, sorted(pairs), config))
        _write_pairs(db, verified)
        counts = _write_members(db)
        store.write_meta(db, meta)
        store.replace(db, temp, index_path)
        return counts
    except BaseException:
        db.close()
        store.discard(temp)
        raise


def _incremental(
    searcher, db: sqlite3.Connection, touched: set[str], meta: dict, config: CopiesConfig
) -> tuple[int, int]:
    from .signatures import band_terms

    reader = searcher.reader()
    known = [row[0] for row in db.execute("SELECT id FROM node")]
    gone = {i for i in known if searcher.document_number(id=i) is None}
    affected = sorted(gone | touched)
    pairs = set()
    for article_id in sorted(touched):
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            continue
        body = searcher.stored_fields(docnum).get("body") or ""
        for term in band_terms(body, config).split():
            if 2 <= reader.doc_frequency("lsh", term) <= config.bucket_cap:
                for other in reader.postings("lsh", term).all_ids():
                    if other != docnum:
                        pairs.add((min(docnum, other), max(docnum, other)))
    verified = list(_verify(searcher, sorted(pairs), config))
    with db:  # one transaction: readers see the file before or after
        for chunk in store.chunks(affected):
            marks = ",".join("?" * len(chunk))
            db.execute(f"DELETE FROM pair WHERE a IN ({marks})", chunk)
            db.execute(f"DELETE FROM pair WHERE b IN ({marks})", chunk)
        _write_pairs(db, verified)
        db.execute("DELETE FROM node WHERE id NOT IN (SELECT a FROM pair UNION SELECT b FROM pair)")
        counts = _write_members(db)
        store.write_meta(db, meta)
    return counts


def _pairs_in(docnums: list[int]) -> Iterator[tuple[int, int]]:
    for i, a in enumerate(docnums):
        for b in docnums[i + 1 :]:
            yield a, b


# -- verification ----------------------------------------------------------------------


class _Article:
    __slots__ = ("features", "id", "published")

    def __init__(self, article_id: str, published: datetime | None, features: Features) -> None:
        self.id, self.published, self.features = article_id, published, features


def _verify(searcher, pairs: Iterable[tuple[int, int]], config: CopiesConfig) -> Iterator[tuple]:
    """(a, b, tier, similarity, published a, published b) of each pair that is a copy."""
    cache: dict[int, _Article] = {}

    def article(docnum: int) -> _Article:
        found = cache.get(docnum)
        if found is None:
            if len(cache) >= _CACHE:
                cache.clear()
            fields = searcher.stored_fields(docnum)
            features = Features.of(fields.get("body") or "", config.max_chars)
            found = cache[docnum] = _Article(fields.get("id", ""), _utc(fields.get("published_at")), features)
        return found

    for x, y in pairs:
        a, b = article(x), article(y)
        if not within_window(a.published, b.published, config):
            continue
        sim = compare(a.features, b.features)
        kind = tier(sim, config)
        if kind is not None:
            if b.id < a.id:
                a, b = b, a
            yield a.id, b.id, kind, sim, a.published, b.published


def _utc(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _write_pairs(db: sqlite3.Connection, verified: list[tuple]) -> None:
    db.executemany(
        "INSERT OR REPLACE INTO pair VALUES (?, ?, ?, ?, ?, ?)",
        ((a, b, kind, s.jaccard5, s.jaccard3, s.containment3) for a, b, kind, s, _, _ in verified),
    )
    nodes = {}
    for a, b, _, _, pa, pb in verified:
        nodes[a], nodes[b] = _iso(pa), _iso(pb)
    db.executemany("INSERT OR REPLACE INTO node VALUES (?, ?)", nodes.items())


# -- clusters ----------------------------------------------------------------------------


def _stars(order: list[str], links: dict[str, set[str]]) -> dict[str, str]:
    """Each article's cluster head: in publication order, an article joins the earliest
    head it is linked to, or heads a cluster of its own. A copy is a copy of its original:
    two articles joined only through others (one template's reports, each like the last)
    do not make one cluster, as a chain of pairs would."""
    rank = {node: n for n, node in enumerate(order)}
    head: dict[str, str] = {}
    for node in order:
        heads = [other for other in links.get(node, ()) if head.get(other) == other]
        head[node] = min(heads, key=rank.__getitem__) if heads else node
    return head


def _write_members(db: sqlite3.Connection) -> tuple[int, int]:
    """The member table anew from every pair; (clustered articles, stories)."""
    published = dict(db.execute("SELECT id, published FROM node"))
    story_links: dict[str, set[str]] = {}
    article_links: dict[str, set[str]] = {}
    for a, b, kind in db.execute("SELECT a, b, tier FROM pair"):
        story_links.setdefault(a, set()).add(b)
        story_links.setdefault(b, set()).add(a)
        if kind == ARTICLE:
            article_links.setdefault(a, set()).add(b)
            article_links.setdefault(b, set()).add(a)
    order = sorted(story_links, key=lambda i: (published.get(i) is None, published.get(i) or "", i))
    story = _stars(order, story_links)
    # Same-article clusters within each story, so that every one lies inside one story.
    inside = {a: {b for b in links if story[b] == story[a]} for a, links in article_links.items()}
    article = _stars(order, inside)
    sizes: dict[str, int] = {}
    for head in story.values():
        sizes[head] = sizes.get(head, 0) + 1
    rows = [(i, story[i], article.get(i, i), published.get(i)) for i in order if sizes[story[i]] > 1]
    db.execute("DELETE FROM member")
    db.executemany("INSERT INTO member VALUES (?, ?, ?, ?)", rows)
    return len(rows), sum(1 for n in sizes.values() if n > 1)
