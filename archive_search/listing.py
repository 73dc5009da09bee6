"""The order `list` and `export` give the articles of an index: by path then position (as
ls lists files), or by publication date.

A listing is for scripts, and may be of the whole archive: in path order the articles read
from files are streamed, a file's at a time, in the order of the index's `path` terms;
only the articles read from standard input (indexed under one path term, with their own
stored path) and the date orders need a small sort key each, held while the list is written.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import datetime

from whoosh import query as wq

from .model import STDIN_PATH
from .schema import stored_datetime

LIST_SORTS = ("path", "newest", "oldest")
# A file's articles are sorted with their stored fields up to this many; the rest of a
# bigger file's are sorted by key alone and read again as they are written.
HELD_PER_FILE = 1000

# (path, position, id): how two articles compare in path order.
_Key = tuple[str, int, str]


def ordered(searcher, q: wq.Query, sort: str) -> Iterator[dict]:
    """The stored fields of every live article the query matches (NullQuery: all), in `sort` order.

    What can only be known by reading the whole index (the sort keys of the date orders and
    of standard input's articles) is read before the first article is yielded."""
    keep = _matching(searcher, q)
    if sort == "path":
        streamed = sorted(_keyed(searcher, d) for d in _postings(searcher, STDIN_PATH) if keep(d))
        merged = heapq.merge(_from_files(searcher, keep), ((*key, None) for key in streamed), key=_key_of)
        return (stored if stored is not None else searcher.stored_fields(docnum) for *_, docnum, stored in merged)
    newest = sort == "newest"
    dated = sorted(_dated_key(searcher, d, newest) for d in _live(searcher) if keep(d))
    return (searcher.stored_fields(key[-1]) for key in dated)


def _key_of(item: tuple) -> _Key:
    return item[0], item[1], item[2]


def _path_key(stored: dict) -> _Key:
    return stored.get("path") or "", stored.get("position") or 0, stored.get("id") or ""


def _keyed(searcher, docnum: int) -> tuple[str, int, str, int]:
    return (*_path_key(searcher.stored_fields(docnum)), docnum)


def _from_files(searcher, keep: Callable[[int], bool]) -> Iterator[tuple]:
    """(path, position, id, docnum, stored) of the articles read from files, in path order:
    the index's path terms are sorted (UTF-8's byte order is the characters' order), and one
    file's articles are sorted by position."""
    for term in searcher.reader().lexicon("path"):
        path = term.decode("utf-8") if isinstance(term, bytes) else term
        if path == STDIN_PATH:
            continue
        group, held = [], True
        for docnum in _postings(searcher, path):
            if not keep(docnum):
                continue
            stored = searcher.stored_fields(docnum)
            if held and len(group) == HELD_PER_FILE:  # a file of many records: keys only, read again
                held, group = False, [(*item[:4], None) for item in group]
            group.append((*_path_key(stored), docnum, stored if held else None))
        yield from sorted(group, key=lambda item: (*_key_of(item), item[3]))


def _postings(searcher, path: str) -> Iterator[int]:
    return searcher.docs_for_query(wq.Term("path", path))


def _live(searcher) -> Iterator[int]:
    reader = searcher.reader()
    return (d for d in range(reader.doc_count_all()) if not reader.is_deleted(d))


def _dated_key(searcher, docnum: int, newest: bool) -> tuple:
    """Dated articles first, newest or oldest first; undated ones last; then in path order."""
    stored = searcher.stored_fields(docnum)
    published: datetime | None = stored_datetime(stored.get("published_at"))
    moment = published.timestamp() if published else 0.0
    return (published is None, -moment if newest else moment, *_path_key(stored), docnum)


def _matching(searcher, q: wq.Query) -> Callable[[int], bool]:
    """Whether an article matches: a bit an article, not a set of numbers."""
    if q is wq.NullQuery:
        return lambda docnum: True
    bits = bytearray(searcher.doc_count_all() // 8 + 1)
    for docnum in q.docs(searcher):
        bits[docnum >> 3] |= 1 << (docnum & 7)
    return lambda docnum: bool(bits[docnum >> 3] & (1 << (docnum & 7)))
