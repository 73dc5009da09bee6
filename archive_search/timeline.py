"""Matches per period (`timeline`), counted from the date column and the facet fields' terms.

A period is a calendar period in each article's own time zone, as a day given to --since
and --until is (daterange.py), so that `timeline --by day` and `search --since D --until D`
count alike. The index holds each article's time twice, as columns: in UTC (`published`,
what filters and sorting use) and as the wall-clock time of its own zone
(`published_local`), which places it in its period.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from whoosh import query as wq
from whoosh.util.times import datetime_to_long

from .copies.tiers import check_tier
from .daterange import WIDEST_OFFSET
from .errors import QueryError
from .model_views import Period, Series, Timeline, Undated
from .query import Filters
from .schema import FACET_FIELDS
from .store import survive_switches
from .whoosh_ext.codec import numeric_column

BY = ("year", "month", "week", "day")
SPLITS = tuple(FACET_FIELDS)
# Without --by: months while the dates span this many or fewer (three years), else years.
MONTHS_AT_MOST = 36
# A range of more periods than this is a mistake (`--since 1 --by day`), not a chart.
MAX_PERIODS = 100_000
_WIDE = WIDEST_OFFSET // timedelta(microseconds=1)  # in the column's unit
OUTSIDE, UNDATED = -2, -1  # an article's place when not among the filtered ones, or without a date


def timeline(
    archive,
    text: str,
    filters: Filters | None = None,
    *,
    by: str | None = None,
    split: str | None = None,
    top: int = 5,
    collapse: str | None = None,
) -> Timeline:
    """The articles matching `text` (and the filters) per period, zero-filled from the first
    to the last period with an article the filters let through (or the --since/--until
    periods), with the filtered articles per period as `total`. by=None: month, or year
    when the dates span over three years. split: one series per value of that facet (the
    `top` most frequent among the matches, then the others and those without a value).
    collapse="story" (or "article"): each story counts once, as its representative (the
    earliest published of its matching copies; copies/fold.py); totals stay articles."""
    _check(by, split, top)
    filters = filters or Filters()
    parsed = archive.parse(text, filters)
    if parsed.query is wq.NullQuery:
        if text.strip():
            notes = [*parsed.notes, "note: the query has no searchable words"]
            return Timeline(text, by or "year", [], Undated(), split, notes=notes)
        raise QueryError("empty query: give some words to search for, or a filter such as --author")
    everything = archive.parse("", filters).query
    bounds = _local_bounds(filters)

    def count() -> Timeline:
        with archive._searcher() as searcher:
            drop = _copies(archive, searcher, parsed.query, collapse)
            return _timeline(searcher, text, parsed.query, everything, bounds, by, split, top, parsed.notes, drop)

    return survive_switches(count, archive._reopen_if_switched)


def _check(by: str | None, split: str | None, top: int) -> None:
    if by is not None and by not in BY:
        raise QueryError(f"unknown --by {by!r}; use one of: {', '.join(BY)}")
    if split is not None and split not in SPLITS:
        raise QueryError(f"unknown --split {split!r}; use one of: {', '.join(SPLITS)}")
    if top < 1:
        raise QueryError("--top must be 1 or more")


def _local_bounds(filters: Filters) -> tuple[datetime | None, datetime | None]:
    """The --since and --until bounds as wall-clock times: a moment's own wall-clock time."""
    start, end = filters.bounds()
    return (start and start.replace(tzinfo=None)), (end and end.replace(tzinfo=None))


def _copies(archive, searcher, q, collapse: str | None) -> set[int]:
    """With collapse: the matches (global docnums) that are another copy of a story counted."""
    check_tier(collapse)
    if not collapse:
        return set()
    from .copies.fold import copies_to_drop

    return set(copies_to_drop(searcher, archive._copies_file(), set(q.docs(searcher)), collapse))


def _timeline(searcher, text, q, everything, bounds, by, split, top, notes, drop=frozenset()) -> Timeline:
    missing = searcher.schema["published"].default  # the column's value for an undated article
    leaves = [_Leaf(leaf, everything, missing, offset, drop) for leaf, offset in searcher.leaf_searchers()]
    spans = [leaf.span for leaf in leaves if leaf.span is not None]
    by = by or _default_by(spans, bounds)
    grid = _Grid.around(by, spans, bounds)
    for leaf in leaves:
        leaf.place(grid)
        leaf.match(q)
    counts, totals = Counter(), Counter()
    for leaf in leaves:
        counts.update(leaf.places[d] for d in leaf.matches)
        totals.update(leaf.places[d] for d in leaf.everything)
    if not sum(counts.values()):
        return Timeline(text, by, [], Undated(), split, notes=notes)
    lo, hi = grid.shown(totals, bounds)
    periods = grid.periods(counts, totals, lo, hi)
    undated = Undated(counts[UNDATED], totals[UNDATED])
    series = _series(leaves, FACET_FIELDS[split], top, grid, lo, hi) if split else []
    return Timeline(text, by, periods, undated, split, series, notes)


def _default_by(spans: list[tuple[int, int]], bounds: tuple[datetime | None, datetime | None]) -> str:
    """Month while the range spans three years or less; judged from the UTC dates (the
    local ones are known only once the articles are placed in periods of a chosen length)."""
    first = bounds[0] or (_from_ticks(min(lo for lo, _ in spans)) if spans else None)
    last = bounds[1] or (_from_ticks(max(hi for _, hi in spans)) if spans else None)
    if first is None or last is None:
        return "month"
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return "month" if months <= MONTHS_AT_MOST else "year"


class _Leaf:
    """One segment: its dates, the filtered articles and the matches, by segment docnum."""

    def __init__(self, searcher, everything: wq.Query, missing: int, offset: int = 0, drop=frozenset()) -> None:
        self.searcher = searcher
        self.missing = missing
        self.drop = {d - offset for d in drop}  # copies not counted (--collapse), by segment docnum
        reader = searcher.reader()
        self.dates = numeric_column(reader, "published")
        self.local = numeric_column(reader, "published_local")
        if everything is wq.NullQuery:
            self.everything = list(reader.all_doc_ids())
        else:
            self.everything = list(everything.docs(searcher))
        dated = [self.dates[d] for d in self.everything if self.dates[d] != missing]
        self.span = (min(dated), max(dated)) if dated else None
        self.places = array("i", [OUTSIDE]) * reader.doc_count_all()
        self.matches: list[int] = []

    def place(self, grid: _Grid) -> None:
        """Each filtered article's period (its index in the grid), or UNDATED."""
        dates, local, places, missing = self.dates, self.local, self.places, self.missing
        for docnum in self.everything:
            value = dates[docnum]
            if value == missing:
                places[docnum] = UNDATED
            else:
                places[docnum] = grid.index(local[docnum])

    def match(self, q: wq.Query) -> None:
        # The query holds the filters too: every match is among the filtered articles.
        self.matches = [d for d in q.docs(self.searcher) if self.places[d] != OUTSIDE and d not in self.drop]


def _from_ticks(value: int) -> datetime:
    return datetime.min + timedelta(microseconds=value)


class _Grid:
    """Consecutive periods of one length, as column values (naive times' microseconds)."""

    def __init__(self, by: str, starts: list[datetime], end: datetime) -> None:
        self.by = by
        self.starts = starts
        self.ticks = [datetime_to_long(s) for s in starts] + [datetime_to_long(end)]

    @classmethod
    def around(cls, by: str, spans: list[tuple[int, int]], bounds: tuple[datetime | None, datetime | None]) -> _Grid:
        """The periods holding every article's local time (its UTC time give or take the
        widest offset) and the bounds."""
        moments = [b for b in bounds if b is not None]
        if spans:
            moments.append(_from_ticks(max(min(lo for lo, _ in spans) - _WIDE, 0)))
            moments.append(_from_ticks(min(max(hi for _, hi in spans) + _WIDE, datetime_to_long(datetime.max))))
        if not moments:
            return cls(by, [], datetime.min)
        first, last = _start(min(moments), by), max(moments)
        starts = [first]
        while True:
            following = _following(starts[-1], by)
            if following is None or following > last:
                break
            if len(starts) > MAX_PERIODS:
                raise QueryError(
                    f"over {MAX_PERIODS:,} periods from {first:%Y-%m-%d} to {last:%Y-%m-%d} by {by}: "
                    "give --since and --until closer together, or a longer --by"
                )
            starts.append(following)
        return cls(by, starts, _following(starts[-1], by) or datetime.max)

    def index(self, local: int) -> int:
        """The period of a wall-clock time."""
        return min(max(bisect_right(self.ticks, local) - 1, 0), len(self.starts) - 1)

    def shown(self, totals: Counter, bounds: tuple[datetime | None, datetime | None]) -> tuple[int, int]:
        """The range drawn: from the first to the last period with an article, or the bounds'."""
        used = [i for i, n in totals.items() if i >= 0 and n]
        lo, hi = (min(used), max(used)) if used else (0, -1)
        if bounds[0] is not None:
            lo = min(lo, self.index(datetime_to_long(bounds[0]))) if used else self.index(datetime_to_long(bounds[0]))
        if bounds[1] is not None:
            hi = max(hi, self.index(datetime_to_long(bounds[1])))
        return lo, hi

    def periods(self, counts: Counter, totals: Counter, lo: int, hi: int) -> list[Period]:
        return [
            Period(_label(self.starts[i], self.by), self.starts[i].date(), counts[i], totals[i])
            for i in range(lo, hi + 1)
        ]


def _start(moment: datetime, by: str) -> datetime:
    """The start of the period holding the moment."""
    if by == "year":
        return datetime(moment.year, 1, 1)
    if by == "month":
        return datetime(moment.year, moment.month, 1)
    day = datetime(moment.year, moment.month, moment.day)
    if by == "week":
        return max(day - timedelta(days=day.weekday()), datetime.min)  # ISO weeks start on Monday
    return day


def _following(start: datetime, by: str) -> datetime | None:
    """The start of the next period; None past year 9999."""
    try:
        if by == "year":
            return datetime(start.year + 1, 1, 1)
        if by == "month":
            return datetime(start.year + start.month // 12, start.month % 12 + 1, 1)
        return start + timedelta(days=7 if by == "week" else 1)
    except (ValueError, OverflowError):
        return None


def _label(start: datetime, by: str) -> str:
    if by == "year":
        return f"{start.year:04d}"
    if by == "month":
        return f"{start.year:04d}-{start.month:02d}"
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return start.date().isoformat()


# -- split -------------------------------------------------------------------------


def _series(leaves: list[_Leaf], fieldname: str, top: int, grid: _Grid, lo: int, hi: int) -> list[Series]:
    """The top values' series, then "other" (values, none of them top) and "none" (no value),
    each counted from the facet field's postings."""
    matched = [_bits(leaf.matches, len(leaf.places)) for leaf in leaves]
    valued = [bytearray(len(leaf.places)) for leaf in leaves]
    per_value: Counter[bytes] = Counter()
    for leaf, bits, has in zip(leaves, matched, valued, strict=True):
        reader = leaf.searcher.reader()
        for term in reader.lexicon(fieldname):
            docs = list(reader.postings(fieldname, term).all_ids())
            for d in docs:
                has[d] = 1
            per_value[term] += sum(bits[d] for d in docs)
    chosen = sorted((term for term, n in per_value.items() if n), key=lambda t: (-per_value[t], t))[:top]
    shown = [bytearray(len(leaf.places)) for leaf in leaves]
    series = []
    for term in chosen:
        tally = _Tally()
        for leaf, bits, mark in zip(leaves, matched, shown, strict=True):
            docs = list(leaf.searcher.reader().postings(fieldname, term).all_ids())
            for d in docs:
                mark[d] = 1
            tally.add(leaf, docs, bits)
        series.append(tally.series(term.decode("utf-8"), "value", grid, lo, hi))
    rest = {"other": _Tally(), "none": _Tally()}
    for leaf, bits, mark, has in zip(leaves, matched, shown, valued, strict=True):
        left = [d for d in leaf.everything if not mark[d]]
        rest["other"].add(leaf, [d for d in left if has[d]], bits)
        rest["none"].add(leaf, [d for d in left if not has[d]], bits)
    series += [tally.series(None, kind, grid, lo, hi) for kind, tally in rest.items() if tally.matched]
    return series


def _bits(docnums: Iterable[int], size: int) -> bytearray:
    bits = bytearray(size)
    for d in docnums:
        bits[d] = 1
    return bits


class _Tally:
    """One series' counts per grid period, as articles are added a segment at a time."""

    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()
        self.totals: Counter[int] = Counter()

    @property
    def matched(self) -> int:
        return sum(self.counts.values())

    def add(self, leaf: _Leaf, docs: list[int], matched: bytearray) -> None:
        places = leaf.places
        inside = [d for d in docs if places[d] != OUTSIDE]
        self.totals.update(places[d] for d in inside)
        self.counts.update(places[d] for d in inside if matched[d])

    def series(self, value: str | None, kind: str, grid: _Grid, lo: int, hi: int) -> Series:
        return Series(
            value,
            kind,
            grid.periods(self.counts, self.totals, lo, hi),
            Undated(self.counts[UNDATED], self.totals[UNDATED]),
        )
