"""What the library returns: articles, search hits and results, index statistics, indexing runs.

Each type's public JSON form (README, "Output formats") is defined here, by its `to_dict`,
and nowhere else: the renderers only serialise these dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .readers.common import Problem


# The path articles from standard input are indexed under (and their stored path when
# their record names none).
STDIN_PATH = "<stdin>"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _article_dict(article: Article | Entry, *, body: bool) -> dict:
    """An article's public JSON form, with its body or (for `list`) without: one definition
    of the keys and their order for both."""
    head = {"id": article.id, "title": article.title}
    if body:
        head["body"] = article.body  # type: ignore[union-attr]
    return {
        **head,
        "authors": list(article.authors),
        "published": _iso(article.published),
        "updated": _iso(article.updated),
        "dateline": article.dateline,
        "source": article.source,
        "url": article.url,
        "tags": list(article.tags),
        "path": article.path,
        "position": article.position,
        "captured": _iso(article.captured),
        **(_capture_keys(article) if body else {}),  # type: ignore[arg-type]
    }


def _capture_keys(article: Article) -> dict:
    return {"captures": [_iso(c) for c in article.captures], "digest": article.digest}


@dataclass
class Article:
    """One news article, independent of the file format it came from."""

    id: str
    title: str = ""
    body: str = ""
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None  # always timezone-aware when set
    updated: datetime | None = None
    dateline: str = ""  # place the story was filed from, e.g. "WILLIAMSBURG"
    source: str = ""  # publication or site, e.g. "DNAinfo New York"
    url: str = ""
    tags: list[str] = field(default_factory=list)  # section, topics, keywords
    path: str = ""  # file the article was read from
    position: int = 0  # 1-based record number (or line) inside a multi-record file; 0 = whole file
    # A web-archive capture (WARC/ARC): when this content was captured (the latest time), every
    # time it was (responses and revisits of the same URL and payload), and the payload digest.
    captured: datetime | None = None
    captures: list[datetime] = field(default_factory=list)
    digest: str = ""

    def to_dict(self) -> dict:
        """The public JSON form (`show --format json`)."""
        return _article_dict(self, body=True)


# The fields of a hit, in their order in every format (json, jsonl, tsv's and csv's columns).
# New fields go at the end, so that a script's tsv and csv columns keep their positions.
HIT_FIELDS = (
    "rank",
    "score",
    "id",
    "title",
    "authors",
    "published",
    "dateline",
    "source",
    "url",
    "path",
    "snippet",
    "tags",
    "updated",
    "captured",
)
# search --collapse: each hit a story, with the id of its cluster (its earliest published
# member), how many of its copies match, and their ids, earliest published first.
COLLAPSED_FIELDS = (*HIT_FIELDS, "cluster", "copies", "members")


@dataclass
class Hit:
    """One ranked search result."""

    rank: int
    score: float
    id: str
    title: str
    authors: list[str]
    published: datetime | None
    dateline: str
    source: str
    url: str
    path: str
    snippet: str = ""
    # (start, end) character offsets of the matched words inside `snippet`
    highlights: list[tuple[int, int]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    updated: datetime | None = None
    captured: datetime | None = None
    cluster: str | None = None  # search --collapse only (then also copies and members)
    copies: int | None = None
    members: list[str] | None = None

    def to_dict(self) -> dict:
        """The public JSON form, keys in HIT_FIELDS order (COLLAPSED_FIELDS when collapsed;
        the highlights are the terminal's)."""
        out = {
            "rank": self.rank,
            "score": round(self.score, 4),
            "id": self.id,
            "title": self.title,
            "authors": list(self.authors),
            "published": _iso(self.published),
            "dateline": self.dateline,
            "source": self.source,
            "url": self.url,
            "path": self.path,
            "snippet": self.snippet,
            "tags": list(self.tags),
            "updated": _iso(self.updated),
            "captured": _iso(self.captured),
        }
        if self.copies is not None:
            out.update(cluster=self.cluster, copies=self.copies, members=list(self.members or []))
        return out


# The fields of a listed article (`list`), in their order in every format: an article's
# metadata, without its body.
ENTRY_FIELDS = (
    "id",
    "title",
    "authors",
    "published",
    "updated",
    "dateline",
    "source",
    "url",
    "tags",
    "path",
    "position",
    "captured",
)


@dataclass
class Entry:
    """One article as `list` shows it: everything but the body."""

    id: str
    title: str
    authors: list[str]
    published: datetime | None
    updated: datetime | None
    dateline: str
    source: str
    url: str
    tags: list[str]
    path: str
    position: int
    captured: datetime | None = None

    @classmethod
    def of(cls, article: Article) -> Entry:
        return cls(**{name: getattr(article, name) for name in ENTRY_FIELDS})

    def to_dict(self) -> dict:
        """The public JSON form (`list --format json`): the article's, without `body`."""
        return _article_dict(self, body=False)


@dataclass
class SearchResult:
    """The hits of one search (or `similar`), and what is known about the rest."""

    hits: list[Hit]
    total: int | None  # matching articles, not just those returned; None when not counted
    notes: list[str] = field(default_factory=list)
    suggestion: str | None = None  # "did you mean" text when nothing matched
    matched: bool | None = None  # did anything match (also known when not counted)
    facets: dict[str, FacetCounts] | None = None  # search --facet: counts over every match
    citation: Citation | None = None  # search --cite
    collapsed: bool = False  # search --collapse: each hit is a story (Hit.cluster, copies, members)

    def __post_init__(self) -> None:
        if self.matched is None:
            self.matched = bool(self.total) if self.total is not None else bool(self.hits)


@dataclass
class ArchiveStats:
    """What `stats` describes: the index's size, dates and most frequent names."""

    articles: int
    first: datetime | None
    last: datetime | None
    index_bytes: int
    updated: str | None
    index_dir: str
    top_authors: list[tuple[str, int]]
    top_datelines: list[tuple[str, int]]
    per_year: list[tuple[int, int]]
    sources: list[tuple[str, int]]
    # So that each list adds up to `articles`: those left out of the top lists, and those
    # without the field at all.
    other_sources: int = 0
    without_source: int = 0
    other_authors: int = 0  # articles whose every author is outside the top list
    without_author: int = 0
    other_datelines: int = 0
    without_dateline: int = 0
    undated: int = 0
    copies: CopiesStats | None = None  # None: the index has no copies file yet

    def to_dict(self) -> dict:
        """The public JSON form (`stats --format json`)."""
        return {
            "articles": self.articles,
            "first_published": _iso(self.first),
            "last_published": _iso(self.last),
            "index_bytes": self.index_bytes,
            "index_dir": self.index_dir,
            "updated": self.updated,
            "sources": [{"source": s, "articles": n} for s, n in self.sources],
            "top_authors": [{"author": a, "articles": n} for a, n in self.top_authors],
            "top_datelines": [{"dateline": d, "articles": n} for d, n in self.top_datelines],
            "per_year": [{"year": y, "articles": n} for y, n in self.per_year],
            "other_sources": self.other_sources,
            "without_source": self.without_source,
            "other_authors": self.other_authors,
            "without_author": self.without_author,
            "other_datelines": self.other_datelines,
            "without_dateline": self.without_dateline,
            "undated": self.undated,
            "copies": self.copies.to_dict() if self.copies is not None else None,
        }


@dataclass
class IndexStats:
    """What an indexing run did. Articles are counted by id; files by path."""

    articles_added: int = 0
    articles_updated: int = 0
    articles_removed: int = 0
    files_new: int = 0
    files_changed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    files_failed: int = 0
    files_skipped: int = 0  # not article formats (images, stylesheets...), passed over silently
    links_skipped: int = 0  # symbolic links in walked directories, not followed
    specials_skipped: int = 0  # named pipes, sockets and devices in walked directories
    files_moved: int = 0  # new paths of indexed files gone from their old ones: their articles kept
    files_excluded: int = 0  # files in walked directories left out by --exclude
    dirs_excluded: int = 0  # directories in walks left out by --exclude, not entered
    indexes_skipped: int = 0  # index directories met in walks, not entered
    missing: list[str] = field(default_factory=list)  # `remove`: ids and paths that were not in the index
    published: bool = True  # False: a first run found nothing to read, so made no index
    problems: list[Problem] = field(default_factory=list)  # the first ones, as reported (indexing/problems.py)
    errors: int = 0  # inputs (files or records) that could not be indexed, all counted
    warnings: int = 0  # inputs indexed with a caveat
    total_articles: int = 0  # in the index after the run
    latent_fitted: int = 0  # articles the latent space was fitted to in this run (0: not fitted)
    elapsed: float = 0.0
    streams_read: int = 0  # standard inputs ("-") read: not files, so not in files_seen
    # Web archives (WARC/ARC): their HTML captures (2xx responses and revisits), and what became
    # of those that are not an article of their own.
    captures_read: int = 0
    not_articles: int = 0  # home pages, listings, error pages, pages with too little text
    repeats: int = 0  # the same URL and payload again (revisits, re-captures): a capture time, no article
    records_skipped: int = 0  # records that are no HTML capture (requests, images, redirects...)
    # Copies (indexing/clustering.py), after the run: articles in a story of two or more, and those stories.
    copies_clustered: int = 0
    copies_stories: int = 0

    @property
    def failed(self) -> bool:
        """Whether any input (a file or a record) could not be indexed."""
        return self.errors > 0

    @property
    def files_seen(self) -> int:
        return self.files_new + self.files_changed + self.files_unchanged + self.files_failed + self.files_moved

    @property
    def articles_changed(self) -> int:
        return self.articles_added + self.articles_updated + self.articles_removed


# An indexing run's phases, in their order (Progress.phase).
PHASES = ("discover", "indexing", "commit", "fit", "copies", "places")


@dataclass
class Progress:
    """Passed to an indexing run's progress callback: while files are found, within and after
    each file (a few times a second at most), and as each later phase begins."""

    files_done: int
    files_total: int
    articles: int
    current: str
    phase: str = "indexing"  # one of PHASES
    # The input read so far and in all (the sizes of the files found): within a file an
    # estimate, exact at its end; standard input has no size and counts for none.
    bytes_done: int = 0
    bytes_total: int = 0


# -- timeline --

from datetime import date  # noqa: E402  (here, so that the block is the timeline's alone)


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


@dataclass
class CopiesStats:
    """`stats`: the clusters of copies."""

    clustered: int  # articles in a story of two or more
    stories: int
    same_article: int  # articles in a same-article cluster of two or more
    article_clusters: int
    biggest: list[tuple[str, int, str]] = field(default_factory=list)  # (cluster id, size, its title)

    def to_dict(self) -> dict:
        return {
            "clustered": self.clustered,
            "stories": self.stories,
            "same_article": self.same_article,
            "article_clusters": self.article_clusters,
            "biggest": [{"cluster": c, "size": n, "title": t} for c, n, t in self.biggest],
        }
