"""What the research views return: timelines, keyword in context, significant terms,
facets, citations and their verification, clusters of copies. Each type's public JSON form
is its `to_dict`, here and nowhere else (model.py says why these are apart from it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .model import _iso


@dataclass
class Period:
    """One period of a timeline: the matches published in it, and all the articles the
    filters let through in it (`total`)."""

    period: str  # "2017", "2017-08", "2017-W33", "2017-08-16"
    start: date  # its first day, in the articles' own calendar
    count: int = 0
    total: int = 0

    @property
    def ratio(self) -> float:
        return self.count / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        return {
            "period": self.period,
            "start": self.start.isoformat(),
            "count": self.count,
            "total": self.total,
            "ratio": round(self.ratio, 6),
        }


@dataclass
class Undated:
    """The matches, and the articles the filters let through, that have no publication date."""

    count: int = 0
    total: int = 0

    def to_dict(self) -> dict:
        return {"count": self.count, "total": self.total}


# What a timeline series holds: the articles with one value of the split field, those whose
# values are all outside the top ones, and those without a value.
SERIES_KINDS = ("value", "other", "none")


@dataclass
class Series:
    """One value's timeline within `timeline --split`: its periods line up with the timeline's."""

    value: str | None  # None for the "other" and "none" series
    kind: str  # one of SERIES_KINDS
    periods: list[Period]
    undated: Undated

    @property
    def label(self) -> str:
        return self.value if self.value is not None else f"({self.kind})"

    @property
    def count(self) -> int:
        return sum(p.count for p in self.periods) + self.undated.count

    def to_dict(self) -> dict:
        return {
            "series": self.label,
            "kind": self.kind,
            "count": self.count,
            "periods": [p.to_dict() for p in self.periods],
            "undated": self.undated.to_dict(),
        }


@dataclass
class Timeline:
    """What `timeline` shows: the matches per period, zero-filled over the range."""

    query: str
    by: str  # one of timeline.BY
    periods: list[Period]
    undated: Undated
    split: str | None = None  # one of timeline.SPLITS
    series: list[Series] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # told to the user on stderr

    @property
    def count(self) -> int:
        """Every match, dated or not."""
        return sum(p.count for p in self.periods) + self.undated.count

    def to_dict(self) -> dict:
        """The public JSON form (`timeline --format json`)."""
        data = {
            "query": self.query,
            "by": self.by,
            "count": self.count,
            "periods": [p.to_dict() for p in self.periods],
            "undated": self.undated.to_dict(),
        }
        if self.split is not None:
            data["split"] = self.split
            data["series"] = [s.to_dict() for s in self.series]
        return data


# -- kwic --

# The fields of a concordance line, in their order in every format (json, jsonl, tsv, csv).
KWIC_FIELDS = ("id", "offset", "left", "match", "right", "published", "title")


@dataclass
class KwicLine:
    """One occurrence of a query's words in an article's body, with its context.

    `offset` is the match's first character in the stored body (`show --format json`):
    body[offset:offset + len(match)] == match. `left` and `right` are the `width`
    characters either side, white space runs shown as one space."""

    id: str
    offset: int
    left: str
    match: str
    right: str
    published: datetime | None
    title: str
    rank: int = 0  # the article's place in the order it was read in (search's rank, or date)

    def to_dict(self) -> dict:
        """The public JSON form, keys in KWIC_FIELDS order."""
        return {
            "id": self.id,
            "offset": self.offset,
            "left": self.left,
            "match": self.match,
            "right": self.right,
            "published": _iso(self.published),
            "title": self.title,
        }


@dataclass
class KwicResult:
    """A page of a query's concordance, and how it was made."""

    lines: list[KwicLine]
    articles_scanned: int  # matching articles whose bodies were read
    more: bool  # lines may follow this page (a greater --offset, or --scan, shows them)
    notes: list[str] = field(default_factory=list)
    sort: str = "article"
    width: int = 30
    offset: int = 0  # the first line's place in the concordance


# -- terms --

# G² above this is significant at p < 0.001 (chi-squared, one degree of freedom).
CRITICAL_G2 = 10.83


@dataclass
class Term:
    """A word or two-word phrase over-represented in a query's articles (`terms`)."""

    term: str  # as people write it: the most frequent form among the articles read
    stem: str  # as the index holds it (a phrase: its two stems, a space between)
    kind: str  # "word" or "phrase"
    foreground: int  # articles read that contain it
    background: int  # articles of the whole archive that contain it
    score: float  # log-likelihood G² of foreground against the rest of the archive
    significant: bool  # p < 0.001: G² above the chi-squared critical value for one degree of freedom

    def to_dict(self) -> dict:
        return {
            "term": self.term,
            "stem": self.stem,
            "kind": self.kind,
            "foreground": self.foreground,
            "background": self.background,
            "score": round(self.score, 4),
            "significant": self.significant,
        }


# The keys of a Term's JSON form, in order: the columns of tsv and csv.
TERM_FIELDS = ("term", "stem", "kind", "foreground", "background", "score", "significant")


@dataclass
class TermsResult:
    """The significant terms of a query's articles, and what they were measured on."""

    query: str
    matched: int  # articles the query matched
    sampled: int  # the best-ranked of them whose text was read: the foreground
    background: int  # articles in the archive
    min_count: int  # the fewest articles read a term had to be in
    terms: list[Term] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # the query's own words, not listed
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "matched": self.matched,
            "sampled": self.sampled,
            "background": self.background,
            "min_count": self.min_count,
            "left_out": list(self.left_out),
            "terms": [t.to_dict() for t in self.terms],
        }


# -- facets and citations --


@dataclass
class FacetCounts:
    """One facet's counts over every match of a query: the `top` most frequent values, the
    matches with values but none of those (`other`), and the matches without one (`none`).

    A single-valued facet (dateline, source, year, month) adds up to `total`; an article with
    several authors or tags counts under each value shown."""

    facet: str
    values: list[tuple[str, int]]
    other: int
    none: int
    total: int  # the matches counted
    distinct: int  # values among the matches, shown or not

    def rows(self) -> list[tuple[str | None, int, str]]:
        """(value, count, kind) rows, kind "value", "other" or "none"; rests of 0 left out."""
        rows: list[tuple[str | None, int, str]] = [(value, n, "value") for value, n in self.values]
        rows += [(None, n, kind) for kind, n in (("other", self.other), ("none", self.none)) if n]
        return rows

    def to_dict(self) -> list[dict]:
        """The public JSON form: [{"value", "count"}...], the rests with value null and "rest"."""
        return [
            {"value": value, "count": n} if kind == "value" else {"value": None, "count": n, "rest": kind}
            for value, n, kind in self.rows()
        ]


@dataclass
class Citation:
    """What identifies a result: the index it came from, the program, the query and options,
    and the result itself; `archive-search verify` re-runs it and compares."""

    command: str  # "search", "timeline", "kwic", "terms"
    query: str  # the query text as given
    parsed: str  # the query as parsed (filters folded in): what was searched for
    options: dict  # every option that changes the result
    version: str  # archive-search's
    created: str  # UTC, ISO 8601
    fingerprint: str  # the index's articles (ids and their files' content hashes), and `version`
    articles: int  # in the index
    sketch: str  # the articles, as an invertible table verify subtracts from its own (citation.py)
    results: str  # hash of the result: its ordered ids, or its canonical JSON
    count: int  # items in the result
    ids: list[str] | None = None  # the result's ids, in order (None for a view without ids)

    def to_dict(self) -> dict:
        """The public JSON form (the "citation" object of a --cite run)."""
        return {
            "citation": CITATION_FORMAT,
            "command": self.command,
            "query": self.query,
            "parsed": self.parsed,
            "options": self.options,
            "version": self.version,
            "created": self.created,
            "index": {"fingerprint": self.fingerprint, "articles": self.articles, "sketch": self.sketch},
            "results": self.results,
            "count": self.count,
            "ids": self.ids,
        }


# The "citation" key of a citation's JSON form: what verify recognises and reads.
CITATION_FORMAT = "archive-search/1"


@dataclass
class Verification:
    """What `verify` found: whether the same index and program give the same result, and
    what changed if not. Counts of articles are None when the differences were too many to
    tell apart (the index then differs; `then` and `now` still say how many it held)."""

    command: str
    index_same: bool
    version_same: bool
    results_same: bool
    cited_version: str
    version: str
    then: int  # articles in the cited index
    now: int  # articles in the index now
    added: int | None = 0
    removed: int | None = 0
    changed: int | None = 0
    added_ids: list[str] = field(default_factory=list)  # those that could be named
    removed_ids: list[str] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)  # result ids now that were not cited
    gone: list[str] = field(default_factory=list)  # cited result ids no longer in the result
    reordered: bool = False  # the same ids in another order

    @property
    def same(self) -> bool:
        return self.index_same and self.version_same and self.results_same

    def to_dict(self) -> dict:
        """The public JSON form (`verify --format json`)."""
        return {
            "same": self.same,
            "command": self.command,
            "index_same": self.index_same,
            "version_same": self.version_same,
            "results_same": self.results_same,
            "cited_version": self.cited_version,
            "version": self.version,
            "articles_then": self.then,
            "articles_now": self.now,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "added_ids": self.added_ids,
            "removed_ids": self.removed_ids,
            "changed_ids": self.changed_ids,
            "results_new": self.new,
            "results_gone": self.gone,
            "reordered": self.reordered,
        }


# `dupes ID`: the fields of each copy, in their order in every format.
COPY_FIELDS = (
    "id",
    "title",
    "published",
    "source",
    "dateline",
    "tier",
    "jaccard5",
    "jaccard3",
    "containment3",
    "shared_words",
    "passages",
)


@dataclass
class Copy:
    """Another copy in an article's cluster: how alike the two texts are, and what they share."""

    id: str
    title: str
    published: datetime | None
    source: str
    dateline: str
    tier: str | None  # "article", "story", or None: joined only through other copies
    jaccard5: float
    jaccard3: float
    containment3: float
    # The runs of words the two bodies share, longest first: [start, end) character offsets
    # in the article's body and in this copy's (other_start, other_end), and their words.
    passages: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "published": _iso(self.published),
            "source": self.source,
            "dateline": self.dateline,
            "tier": self.tier,
            "jaccard5": round(self.jaccard5, 4),
            "jaccard3": round(self.jaccard3, 4),
            "containment3": round(self.containment3, 4),
            "shared_words": sum(p.words for p in self.passages),
            "passages": [p.to_dict() for p in self.passages],
        }


@dataclass
class CopyCluster:
    """`dupes ID`: an article's cluster of copies (of the tier asked for), earliest published first."""

    id: str
    tier: str
    cluster: str  # the id of the cluster's earliest published member (the article's own when alone)
    copies: list[Copy] = field(default_factory=list)  # the other members
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "tier": self.tier,
            "cluster": self.cluster,
            "size": len(self.copies) + 1,
            "copies": [c.to_dict() for c in self.copies],
        }
