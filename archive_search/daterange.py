"""Publication date ranges by each article's own calendar day.

A day, month or year given as a bound (`--since 2017-02-12`, `published:2017-02`) is a
wall-clock time: an article falls in it when its date, as shown in its own time zone, does.
The index holds UTC (schema.py), and the stored date keeps its offset; so the range is
widened by the largest offset a time can have, the articles certainly inside come from the
index, and those near each end (at most a few days' worth) are decided by their stored date.
Searching needs no other field, so an index built before keeps working.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher, UnionMatcher

from .dates import naive_utc
from .schema import stored_datetime

# Python's UTC offsets are all under a day each way: a day covers every zone a feed can give.
WIDEST_OFFSET = timedelta(days=1)
FIELD = "published"


def _shifted(moment: datetime | None, delta: timedelta) -> datetime | None:
    """The moment moved by delta; None (open) when that leaves datetime's range."""
    if moment is None:
        return None
    try:
        return moment + delta
    except OverflowError:
        return None


def _utc(bound: datetime | None, widen: timedelta) -> datetime | None:
    """The UTC range bound (naive, as the index holds it) for a bound: a moment is itself; a
    wall-clock time is widened by `widen`, the furthest its UTC time can be in any zone."""
    if bound is None:
        return None
    if bound.tzinfo is not None:
        return naive_utc(bound)
    return _shifted(bound, widen)


class PublishedRange(wq.DateRange):
    """Articles published from start to end, inclusive (either open). An aware bound is a
    moment; a naive one is a wall-clock time in each article's own zone."""

    def __init__(self, start: datetime | None, end: datetime | None) -> None:
        self.local_start, self.local_end = start, end
        super().__init__(FIELD, _utc(start, -WIDEST_OFFSET), _utc(end, WIDEST_OFFSET))

    def __eq__(self, other: object) -> bool:
        return (
            super().__eq__(other) and (self.local_start, self.local_end) == (other.local_start, other.local_end)  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return super().__hash__() ^ hash((self.local_start, self.local_end))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.local_start!r}, {self.local_end!r})"

    def _wall_clock(self) -> bool:
        return any(b is not None and b.tzinfo is None for b in (self.local_start, self.local_end))

    def simplify(self, ixreader):
        return self  # the index's terms alone cannot say which articles are in

    def matcher(self, searcher, context=None):
        if not self._wall_clock():
            return super().matcher(searcher, context)
        core, windows = self._parts()
        found = {docnum for window in windows for docnum in searcher.docs_for_query(window)}
        edge = sorted(docnum for docnum in found if self._holds(searcher, docnum))
        matchers = [core.matcher(searcher, context)] if core is not None else []
        if edge:
            # Weight 1, as the core's constant score: every article of the range scores alike.
            matchers.append(ListMatcher(edge))
        if not matchers:
            return NullMatcher()
        return matchers[0] if len(matchers) == 1 else UnionMatcher(*matchers)

    def docs(self, searcher):
        return self.matcher(searcher).all_ids()

    def _parts(self) -> tuple[wq.Query | None, list[wq.Query]]:
        """The UTC range surely inside (None if none is), and the UTC windows to decide an
        article at a time: each wall-clock end, give or take the widest offset."""
        start, end = self.local_start, self.local_end
        sure_start = _utc(start, WIDEST_OFFSET) if start is not None else None
        sure_end = _utc(end, -WIDEST_OFFSET) if end is not None else None
        if (start is not None and sure_start is None) or (end is not None and sure_end is None):
            return None, [wq.DateRange(FIELD, self.startdate, self.enddate)]
        if sure_start is not None and sure_end is not None and sure_start > sure_end:
            return None, [wq.DateRange(FIELD, self.startdate, self.enddate)]
        windows = []
        if start is not None and start.tzinfo is None:
            windows.append(wq.DateRange(FIELD, self.startdate, sure_start, endexcl=True))
        if end is not None and end.tzinfo is None:
            windows.append(wq.DateRange(FIELD, sure_end, self.enddate, startexcl=True))
        return wq.DateRange(FIELD, sure_start, sure_end), windows

    def _holds(self, searcher, docnum: int) -> bool:
        """Whether the article's stored date is in the range: wall-clock bounds against its
        local time, moments against its UTC time."""
        moment = stored_datetime(searcher.stored_fields(docnum).get("published_at"))
        if moment is None:
            return False
        start, end = self.local_start, self.local_end
        if start is not None and _key(moment, start) < _key(start, start):
            return False
        return end is None or _key(moment, end) <= _key(end, end)


def _key(moment: datetime, bound: datetime) -> datetime:
    """The moment as compared with the bound: its wall-clock time for a wall-clock bound,
    its UTC time for a moment. A stored date without a zone is its own wall-clock time."""
    if bound.tzinfo is None or moment.tzinfo is None:
        return moment.replace(tzinfo=None)
    return naive_utc(moment)
