"""Facet counts: how the matches of a query spread over authors, datelines, sources, tags,
years and months, counted over every match from the index's terms and date column.

The named facets come from the facet_* fields (schema.FACET_FIELDS), which hold each value
whole with its case: each value's postings, intersected with the matches, give its count
without reading an article's stored fields. Years and months come from the
`published_local` column (the wall-clock time of the article's own zone): those of the
article's own calendar, as --since and --until read dates (daterange.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from whoosh import query as wq
from whoosh.util.times import long_to_datetime

from .copies.tiers import check_tier
from .errors import QueryError
from .model_views import FacetCounts
from .query import Filters, ParsedQuery
from .schema import FACET_FIELDS
from .store import survive_switches
from .whoosh_ext.codec import posting_blocks

DATE_FACETS = ("year", "month")
FACETS = (*FACET_FIELDS, *DATE_FACETS)


def check_facets(facets: Sequence[str]) -> list[str]:
    """The facets asked for, each once, in their order; QueryError for an unknown one."""
    unknown = [name for name in facets if name not in FACETS]
    if unknown:
        raise QueryError(f"unknown facet {unknown[0]!r}; use one of: {', '.join(FACETS)}")
    return list(dict.fromkeys(facets))


def facet_counts(
    archive,
    query: ParsedQuery | str,
    filters: Filters | None = None,
    facets: Sequence[str] = (),
    top: int = 10,
    collapse: str | None = None,
) -> dict[str, FacetCounts]:
    """{facet: its counts} over every article the query (text, or as archive.parse gives it)
    and the filters match, the `top` most frequent values of each shown."""
    names = check_facets(facets)
    if top < 0:
        raise QueryError("--facet-top must be zero or more")
    parsed = query if isinstance(query, ParsedQuery) else archive.parse(query, filters)
    if parsed.query is wq.NullQuery and isinstance(query, str) and not query.strip():
        raise QueryError("empty query: give some words to search for, or a filter such as --author")
    check_tier(collapse)
    count = lambda: _count(archive, parsed.query, names, top, collapse)  # noqa: E731
    return survive_switches(count, archive._reopen_if_switched)


def _count(archive, q: wq.Query, names: list[str], top: int, collapse: str | None = None) -> dict[str, FacetCounts]:
    per_facet = {name: _Tally() for name in names}
    with archive._searcher() as searcher:
        drop: set[int] = set()
        if collapse and q is not wq.NullQuery:
            from .copies.fold import copies_to_drop

            drop = set(copies_to_drop(searcher, archive._copies_file(), set(q.docs(searcher)), collapse))
        for subsearcher, offset in searcher.leaf_searchers():
            matched = set() if q is wq.NullQuery else set(q.docs(subsearcher))
            matched -= {d - offset for d in drop}
            reader = subsearcher.reader()
            for name, tally in per_facet.items():
                tally.total += len(matched)
                if name in DATE_FACETS:
                    tally.add_singles(_periods(subsearcher, matched, name))
                else:
                    tally.add_terms(_terms(reader, FACET_FIELDS[name], matched), offset)
    return {name: tally.counts(name, top) for name, tally in per_facet.items()}


def _terms(reader, fieldname: str, matched: set[int]) -> Iterable[tuple[str, list[int]]]:
    """(value, the matched articles holding it) for each of the field's values in a segment.

    Each term's postings are read whole from the postings file, skipping the blocks that
    hold no match, rather than through a matcher opened per term (most of the time for
    the thousands of datelines of a wire archive)."""
    if not matched:
        return
    wanted = sorted(matched)
    for term, terminfo in reader.iter_field(fieldname):
        docs = [d for ids, _ in posting_blocks(reader, terminfo, wanted) for d in ids if d in matched]
        if docs:
            yield (term.decode("utf-8") if isinstance(term, bytes) else term), docs


def _periods(subsearcher, matched: set[int], facet: str) -> Iterable[str | None]:
    """The year ("2017") or month ("2017-08") of each matched article; None when undated."""
    reader = subsearcher.reader()
    if not matched:
        return
    if not reader.has_column("published_local"):
        yield from (None for _ in matched)
        return
    column = reader.column_reader("published_local", translate=False)
    missing = subsearcher.schema["published_local"].default
    for docnum in matched:
        value = column[docnum]
        yield None if value == missing or value is None else _period(long_to_datetime(value), facet)


def _period(moment: datetime, facet: str) -> str:
    return f"{moment.year:04d}" if facet == "year" else f"{moment.year:04d}-{moment.month:02d}"


class _Tally:
    """One facet's counts as the segments are read."""

    def __init__(self) -> None:
        self.total = 0
        self.counts_by_value: Counter[str] = Counter()
        self.docs: dict[str, list[int]] = {}  # value -> matched articles (global numbers), multi-valued facets
        self.valued: set[int] = set()  # matched articles with a value, multi-valued facets
        self.undated = 0  # matched articles without a value, single-valued facets
        self.single = False

    def add_terms(self, terms: Iterable[tuple[str, list[int]]], offset: int) -> None:
        for value, docs in terms:
            numbers = [offset + docnum for docnum in docs]
            self.counts_by_value[value] += len(numbers)
            self.docs.setdefault(value, []).extend(numbers)
            self.valued.update(numbers)

    def add_singles(self, values: Iterable[str | None]) -> None:
        self.single = True
        for value in values:
            if value is None:
                self.undated += 1
            else:
                self.counts_by_value[value] += 1

    def counts(self, name: str, top: int) -> FacetCounts:
        # Most frequent first; equal counts in the values' order, so output is stable.
        ranked = sorted(self.counts_by_value.items(), key=lambda item: (-item[1], item[0]))
        shown = ranked[:top]
        if self.single:
            none = self.undated
            other = self.total - none - sum(n for _, n in shown)
        else:
            none = self.total - len(self.valued)
            covered = {docnum for value, _ in shown for docnum in self.docs[value]}
            other = len(self.valued) - len(covered)
        return FacetCounts(name, shown, other, none, self.total, len(ranked))
