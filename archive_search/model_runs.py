"""What an indexing run and `stats` report: IndexStats and Progress (index, remove),
ArchiveStats and CopiesStats (stats). Each type's public JSON form is its `to_dict`, here
and nowhere else (model.py says why these are apart from it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from .model import _iso

if TYPE_CHECKING:
    from .readers.common import Problem


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
    shards: list[int] | None = None  # a sharded archive: each shard's articles; None: one index

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
            "shards": self.shards,
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
