"""`search --queries FILE`: every query of a file in one process, each hit tagged with its query's id."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from .batch import COUNT_FIELDS, BatchCount, BatchHit, BatchProblem, read_queries, with_defaults
from .cli import err, writing_output
from .errors import FormatError, QueryError, UsageError
from .fields import chosen_fields
from .model import COLLAPSED_FIELDS, HIT_FIELDS
from .query import Filters
from .render import OutputFormat, RecordStream
from .status import ExitStatus

BATCH_FORMATS = (OutputFormat.jsonl, OutputFormat.json, OutputFormat.tsv, OutputFormat.csv)


@dataclass
class Batch:
    """What `search --queries` was asked: the file, and the command line's defaults for every query."""

    source: str
    filters: Filters
    sort: str | None
    limit: int
    offset: int
    collapse: str | None
    count: bool
    fields: str | None
    words: bool  # query words given on the command line too


def run_batch(archive, batch: Batch, fmt: OutputFormat, extras: bool) -> ExitStatus:
    """Run the batch, writing as each query is answered; the exit status (0 something
    matched, 1 nothing did, 2 a line was no query or a query could not run)."""
    if batch.words:
        raise UsageError("give queries on the command line or in --queries FILE, not both")
    if extras:
        raise UsageError(
            "--queries does not go with --facet, --facets-only, --cite or --null; run those one query at a time"
        )
    fmt = OutputFormat.jsonl if fmt is OutputFormat.auto else fmt
    if fmt not in BATCH_FORMATS:
        names = ", ".join(f.value for f in BATCH_FORMATS)
        raise FormatError(f"search --queries writes {names} (each hit with its query's id), not {fmt.value}")
    available = COUNT_FIELDS if batch.count else ("query_id", *(COLLAPSED_FIELDS if batch.collapse else HIT_FIELDS))
    keys = chosen_fields(batch.fields, available, fmt.value)
    snippets = "snippet" in keys
    label = "standard input" if batch.source == "-" else batch.source
    problems = matched = 0
    notes: set[str] = set()
    with writing_output(), archive.held_open():
        stream = RecordStream(fmt, sys.stdout, keys)
        for query in _lines(batch.source):
            if isinstance(query, BatchProblem):
                problems += 1
                err(f"archive-search: error: {label} line {query.line}: {query.reason}")
                continue
            filters = with_defaults(query, batch.filters)
            sort = query.sort or batch.sort
            try:
                if batch.count:
                    found = archive.count(query.text, filters, collapse=batch.collapse)
                    records = [BatchCount(query.id, found)]
                else:
                    limit = batch.limit if query.limit is None else query.limit
                    offset = batch.offset if query.offset is None else query.offset
                    result = archive.search(
                        query.text,
                        filters,
                        sort=sort,
                        limit=limit,
                        offset=offset,
                        snippets=snippets,
                        count=False,
                        collapse=batch.collapse,
                    )
                    _notes(result.notes, notes)
                    found = len(result.hits)
                    records = [BatchHit(query.id, hit) for hit in result.hits]
            except QueryError as exc:
                problems += 1
                err(f"archive-search: error: {label} line {query.line}: {exc}")
                continue
            matched += bool(found)
            stream.write(record.to_dict() for record in records)
            sys.stdout.flush()  # a query's answer as soon as it is known: a co-process reads it
        stream.close()
    if problems:
        return ExitStatus.ERROR
    return ExitStatus.OK if matched else ExitStatus.NO_MATCH


def _notes(new: list[str], seen: set[str]) -> None:
    """A note once per batch, not once per query."""
    for note in new:
        if note not in seen:
            seen.add(note)
            err(note if note.startswith("archive-search: ") else f"archive-search: {note}")


def _lines(source: str) -> Iterator:
    """The queries of the file (or stdin)."""
    stream = sys.stdin.buffer if source == "-" else _open(source)
    try:
        yield from read_queries(stream)
    finally:
        if source != "-":
            stream.close()


def _open(source: str) -> IO[bytes]:
    try:
        if stat.S_ISDIR(os.stat(source).st_mode):
            raise UsageError(f"--queries {source} is a directory; give a file with a query a line")
        return open(source, "rb")
    except OSError as exc:
        raise UsageError(
            f"cannot read --queries {source}: {exc.strerror or exc}; give a file with a query a line"
        ) from None
