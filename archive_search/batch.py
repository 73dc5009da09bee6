"""Many queries in one process (`search --queries FILE`): reading them, and running each.

A line of the file is one query: its text, or a JSON object with the text under "query",
an "id" to tag its hits with, and any of the search's filters and paging options; the
command line's options are every query's defaults. A plain line's id is its line number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import IO

from .query import Filters

# The keys a query object may have, besides "query" and "id": each as the search option of that name.
FILTER_KEYS = ("since", "until", "author", "dateline", "source")
PAGE_KEYS = ("sort", "limit", "offset")
KEYS = ("id", "query", *FILTER_KEYS, *PAGE_KEYS)
# A line longer than this is no query (queries are capped far below it): reported, not parsed.
MAX_LINE_CHARS = 100_000


@dataclass(frozen=True)
class BatchQuery:
    """One query of the batch, with its own filters and page (None: the command line's)."""

    id: str
    text: str
    line: int
    filters: Filters | None = None
    sort: str | None = None
    limit: int | None = None
    offset: int | None = None


@dataclass(frozen=True)
class BatchProblem:
    """A line that is no query: where, and why."""

    line: int
    reason: str


def read_queries(stream: IO[bytes]) -> Iterator[BatchQuery | BatchProblem]:
    """The queries of a stream of UTF-8 lines, in order, each as soon as its line is read;
    blank lines are skipped (but counted). A line is read in bounded pieces, so a file
    with no line ends costs no more memory than one long line."""
    limit = MAX_LINE_CHARS * 4 + 2  # bytes: the longest line in UTF-8, and its line end
    number = 0
    while raw := stream.readline(limit):
        number += 1
        if len(raw) == limit and not raw.endswith(b"\n"):
            while (rest := stream.readline(limit)) and not rest.endswith(b"\n"):
                pass
            yield BatchProblem(number, f"a line of more than {MAX_LINE_CHARS:,} characters is no query")
            continue
        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            yield BatchProblem(number, f"not UTF-8 text (byte {exc.start + 1} of the line)")
            continue
        if not text.strip():
            continue
        if len(text) > MAX_LINE_CHARS:
            yield BatchProblem(number, f"a line of more than {MAX_LINE_CHARS:,} characters is no query")
        elif text.lstrip().startswith("{"):
            yield _from_json(text, number)
        else:
            yield BatchQuery(str(number), text.strip(), number)


def _from_json(text: str, number: int) -> BatchQuery | BatchProblem:
    try:
        record = json.loads(text)
    except ValueError as exc:
        return BatchProblem(number, f"not JSON ({exc}); a line is a query's text or one JSON object")
    if not isinstance(record, dict):
        return BatchProblem(number, "not a JSON object")
    unknown = [key for key in record if key not in KEYS]
    if unknown:
        return BatchProblem(number, f"unknown key {unknown[0]!r}; the keys are: {', '.join(KEYS)}")
    query = record.get("query", "")
    if not isinstance(query, str):
        return BatchProblem(number, '"query" must be a string')
    qid = record.get("id", number)
    if not isinstance(qid, (str, int)) or isinstance(qid, bool):
        return BatchProblem(number, '"id" must be a string or a number')
    filters = {}
    for key in FILTER_KEYS:
        if key in record:
            value = record[key]
            many = isinstance(value, list) and key in ("author", "dateline", "source")
            if not (isinstance(value, str) or (many and all(isinstance(v, str) for v in value))):
                kind = "a string or a list of strings" if key in ("author", "dateline", "source") else "a string"
                return BatchProblem(number, f'"{key}" must be {kind}')
            filters[key] = value
    page = {}
    for key in ("limit", "offset"):
        if key in record:
            value = record[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                return BatchProblem(number, f'"{key}" must be a whole number, 0 or more')
            page[key] = value
    if "sort" in record:
        if record["sort"] not in ("relevance", "newest", "oldest"):
            return BatchProblem(number, '"sort" must be "relevance", "newest" or "oldest"')
        page["sort"] = record["sort"]
    return BatchQuery(str(qid), query, number, Filters(**filters) if filters else None, **page)


def with_defaults(query: BatchQuery, filters: Filters) -> Filters:
    """The query's filters: the command line's, each replaced by the query's own where it has one."""
    if query.filters is None:
        return filters
    own = {key: getattr(query.filters, key) for key in FILTER_KEYS if getattr(query.filters, key) is not None}
    return replace(filters, **own)


@dataclass
class BatchHit:
    """A hit of one query of a batch: the hit's public form, the query's id first."""

    query_id: str
    hit: object

    def to_dict(self) -> dict:
        return {"query_id": self.query_id, **self.hit.to_dict()}  # type: ignore[attr-defined]


@dataclass
class BatchCount:
    """How many articles (stories, with --collapse) one query of a batch matched."""

    query_id: str
    count: int

    def to_dict(self) -> dict:
        return {"query_id": self.query_id, "count": self.count}


COUNT_FIELDS = ("query_id", "count")
