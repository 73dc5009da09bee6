"""What the library returns: articles, search hits and results; and, in model_runs.py and
model_views.py, what indexing runs, `stats` and the research views return.

Each type's public JSON form (README, "Output formats") is defined by its `to_dict`, in
its module and nowhere else: the renderers only serialise these dicts. The records are in
three modules because making a dataclass costs its module's import a good part of a
millisecond, and a search, which needs only the ones here, pays for every one imported;
this module gives all their names (those of the other two loaded on first use).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ._lazy import lazy_names

if TYPE_CHECKING:
    from .model_views import Citation, FacetCounts

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


# name -> the module defining it, for the records kept apart (see the docstring)
_ELSEWHERE = {
    **dict.fromkeys(("ArchiveStats", "CopiesStats", "IndexStats", "PHASES", "Progress"), "model_runs"),
    **dict.fromkeys(
        (
            "CITATION_FORMAT", "COPY_FIELDS", "CRITICAL_G2", "KWIC_FIELDS", "SERIES_KINDS", "TERM_FIELDS",
            "Citation", "Copy", "CopyCluster", "FacetCounts", "KwicLine", "KwicResult", "Period", "Series",
            "Term", "TermsResult", "Timeline", "Undated", "Verification",
        ),
        "model_views",
    ),
}  # fmt: skip


__getattr__ = lazy_names(globals(), _ELSEWHERE, __package__)
