"""A searchable archive: one index directory opened for reading, and what can be asked of it.

Everything here returns model.py's dataclasses; printing them is render.py's business.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from whoosh import query as wq

from .copies.tiers import check_tier
from .errors import ArchiveSearchError, ArticleNotFoundError, IndexCorruptError, QueryError
from .model import Article, Entry, Hit, SearchResult
from .query import Filters, ParsedQuery, parse_query
from .ranking import pipeline
from .ranking.bm25 import BM25
from .ranking.config import DEFAULT, RankingConfig
from .schema import article_from_stored, is_content_word, stems, stored_datetime
from .snippets import highlight_words, lead, snippet
from .store import LATENT_FILE, IndexDir, survive_switches
from .stored import StoredFields
from .suggest import suggest

if TYPE_CHECKING:  # made by stats() alone: a search does not import it
    from .model_runs import ArchiveStats

SORTS = ("relevance", "newest", "oldest")
# In an index with web-archive captures, a search reads this many times the candidates it
# shows: several versions of one URL are one hit (pipeline.latest_versions).
VERSIONS_DEPTH = 3
# And copies of one story (search --collapse): read this many times deeper, again until the page is full.
COLLAPSE_DEPTH = 3


def _past_the_end(offset: int, found: int | None) -> str:
    """The note for a page that starts after the last match."""
    matched = f"only {found} match" if found is not None else "fewer match"
    return f"note: nothing at offset {offset}: {matched}"


@contextmanager
def _reading(index_dir: IndexDir) -> Iterator[None]:
    """Whoosh reports damaged segment files with whatever exception the damage provokes
    (a bare Exception for a bad block tag, TypeError for a missing column, EOFError...):
    anything but our own errors while reading the index means it cannot be read."""
    try:
        yield
    except ArchiveSearchError:
        raise
    except (KeyboardInterrupt, BrokenPipeError, MemoryError):
        raise
    except Exception as exc:
        raise IndexCorruptError(str(index_dir), f"{type(exc).__name__}: {exc}") from None


def _survives_rebuilds(method):
    """Read again, from the new generation, when a rebuild finished during the read.

    A rebuild that completes switches generations and deletes the old one's files; a
    read that opened the old generation just before then finds its table of contents or
    a file it had not opened yet gone. Results are built whole before anything is
    printed, so starting the read over shows nothing twice."""

    @functools.wraps(method)
    def wrapper(self: Archive, *args, **kwargs):
        return survive_switches(lambda: method(self, *args, **kwargs), self._reopen_if_switched)

    return wrapper


class Archive:
    """A searchable archive: one index directory, opened for reading."""

    def __init__(self, index_dir: IndexDir | str | os.PathLike, ranking: RankingConfig = DEFAULT, cluster=None) -> None:
        self.index_dir = index_dir if isinstance(index_dir, IndexDir) else IndexDir(index_dir)
        self.ranking = ranking
        # A sharded archive's ranked searches spread over its shards (shards/fanout.py): on
        # the Dask cluster at this address, or on what a callable makes of the archive's
        # reader (fanout.InProcess); None: one reader over all shards, in this process.
        self.cluster = cluster
        self._shards = None
        self._ix = None
        self._copies = None  # copies.store.CopiesFile, opened on first use (False: the index has none)
        self._space_file = None  # latent.SpaceFile, made on first use (NumPy is imported with it)
        self._held = None  # the searcher of held_open(), while it lasts

    @property
    def ix(self):
        if self._ix is None:
            with _reading(self.index_dir):
                self._ix = self.index_dir.open()
        return self._ix

    def _reopen_if_switched(self) -> bool:
        """Whether the index directory now names another generation than the one open; if so,
        the next read opens that one."""
        if self._ix is None:
            return False
        try:
            switched = self.index_dir.generation() != self._ix.indexname
        except ArchiveSearchError:
            return False
        if switched:
            self._ix = None
            if self._held is not None:  # a searcher of the old generation: reads go on without it
                self._held.close()
                self._held = None
        return switched

    @contextmanager
    def _searcher(self) -> Iterator:
        """A searcher, with any failure to read the index reported as IndexCorruptError."""
        if self._held is not None:
            with _reading(self.index_dir):
                if not self._held.up_to_date():  # a commit since: its articles too, as a search alone sees them
                    self._held = self._held.refresh()  # closes what the new one does not reuse
                yield self._held
            return
        weighting = BM25(self.ranking.k1, self.ranking.b).weighting()
        with _reading(self.index_dir), self.ix.searcher(weighting=weighting) as searcher:
            yield searcher

    @contextmanager
    def held_open(self) -> Iterator[None]:
        """Keep one searcher open for the reads within, for many reads in a row (search
        --queries): they skip opening the index's segments each time. Each read still sees
        the index's latest commit (the searcher is refreshed when there was one); a rebuild
        that completes meanwhile ends the holding, and reads go on as without it."""
        if self._held is not None:
            yield
            return
        weighting = BM25(self.ranking.k1, self.ranking.b).weighting()
        with _reading(self.index_dir):
            self._held = self.ix.searcher(weighting=weighting)
        try:
            yield
        finally:
            if self._held is not None:
                self._held.close()
            self._held = None

    def parse(self, text: str, filters: Filters | None = None) -> ParsedQuery:
        return parse_query(self.ix.schema, text, filters)

    @_survives_rebuilds
    def search(
        self,
        text: str,
        filters: Filters | None = None,
        *,
        sort: str | None = None,
        limit: int = 10,
        offset: int = 0,
        snippets: bool = True,
        feedback: bool | None = None,
        count: bool = True,
        collapse: str | None = None,
    ) -> SearchResult:
        """Run a query; hits come back ranked (or sorted by date) with snippets.

        sort=None ranks by relevance when the query has words, else newest first (filters
        alone rank nothing). feedback=False ranks by the query's own words only (None: as the
        ranking config says). count=False leaves `total` as None: counting every match of
        common words is most of the work on a large archive, and a script reading the hits
        does not need it. collapse="story" (or "article") folds the copies of an article into
        one hit (copies/fold.py), from the clusters found at index time."""
        check_tier(collapse)
        if sort is not None and sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
        if limit < 0 or offset < 0:
            raise QueryError("--limit and --offset must be zero or more")
        parsed = self.parse(text, filters)
        if parsed.query is wq.NullQuery:
            if text.strip():
                return SearchResult([], 0, [*parsed.notes, "note: the query has no searchable words"])
            raise QueryError("empty query: give some words to search for, or a filter such as --author")
        if sort is None:
            sort = "relevance" if parsed.has_words else "newest"
        with self._searcher() as searcher:
            stored = StoredFields(searcher, self.ranking.read_chars)
            q = parsed.query
            ranked, found, matched = self._ranked(
                stored, q, sort, limit, offset, count, feedback, parsed.notes, parsed.has_words, collapse
            )
            words = highlight_words(searcher, q) if snippets else None
            if collapse:
                from .copies.fold import fold_page

                folded = fold_page(searcher, stored, self._copies_file(), q, ranked, collapse)
                hits = [
                    self._hit(stored, rank, f.docnum, f.score, words, cluster=f.cluster, members=f.members)
                    for rank, f in enumerate(folded, start=offset + 1)
                ]
            else:
                hits = [
                    self._hit(stored, rank, docnum, score, words)
                    for rank, (docnum, score) in enumerate(ranked, start=offset + 1)
                ]
            suggestion = None
            if not matched and not searcher.doc_count():
                parsed.notes.append(
                    f"note: the index at {self.index_dir} is empty; add articles with: archive-search index PATH"
                )
            if not matched and not parsed.plain_words:
                suggestion = suggest(searcher, text, self.ranking.read_chars)
        if matched and limit and not hits:
            parsed.notes.append(_past_the_end(offset, found))
        result = SearchResult(hits, found if count else None, parsed.notes, suggestion, matched)
        result.collapsed = bool(collapse)
        return result

    def _copies_file(self):
        """The index's copies (copies/store.py), opened once; None when it has none."""
        if self._copies is None:
            from .copies.store import CopiesFile

            self._copies = CopiesFile.open(self.index_dir.path) or False
        return self._copies or None

    def _ranked(
        self,
        stored: StoredFields,
        q: wq.Query,
        sort: str,
        limit: int,
        offset: int,
        count: bool,
        feedback: bool | None,
        notes: list[str],
        has_words: bool = True,
        collapse: str | None = None,
    ) -> tuple[list, int | None, bool]:
        """The page of (docnum, score) asked for (with collapse, (docnum, score, cluster) of
        its stories), how many matched (if counted), whether any did."""
        searcher = stored.searcher
        versions = pipeline.has_versions(searcher)
        # Versions of one URL make one hit, copies one story: read deeper, so that a page stays full.
        depth = (offset + limit) * (VERSIONS_DEPTH if versions else 1) * (COLLAPSE_DEPTH if collapse else 1)
        while True:
            ranked, found, matched = self._candidates(stored, q, sort, depth, limit, count, feedback, notes, has_words)
            read = len(ranked)
            if versions:
                ranked = pipeline.latest_versions(stored, ranked)
            if not collapse:
                return ranked[offset : offset + limit], found, matched
            from .copies.fold import collapse_ranked

            stories = collapse_ranked(stored, self._copies_file(), ranked, collapse)
            # A page short of stories while the candidates filled their depth: read deeper.
            if len(stories) >= offset + limit or read < depth or not limit:
                return stories[offset : offset + limit], found, matched
            depth *= COLLAPSE_DEPTH

    def _candidates(self, stored, q, sort, wanted, limit, count, feedback, notes, has_words):
        """The `wanted` best (docnum, score) candidates, by the sort asked for (none when
        the page asked for is empty: limit 0 only counts)."""
        searcher, config = stored.searcher, self.ranking
        if sort != "relevance":
            ranked, found, matched = pipeline.date_sorted(
                searcher, q, sort == "newest", wanted, 0, count, scored=has_words
            )
        else:
            use_feedback = config.feedback if feedback is None else feedback
            depth = (max(wanted, config.rerank_depth) if use_feedback else wanted) if limit else 0
            ranked, found, matched = self._first_stage(stored, q, depth, count)
            if use_feedback and len(ranked) > 1:
                places = self._places(searcher, notes)
                try:
                    ranked = pipeline.rerank(stored, q, ranked, config, places)
                finally:
                    if places is not None:
                        places.close()
        return ranked, found, matched

    def _first_stage(self, stored, q, depth: int, count: bool):
        """The first stage: here, or spread over the shards (with `cluster`, a sharded archive)."""
        reader = stored.searcher.reader()
        if self.cluster is None or not hasattr(reader, "shard_bases"):
            return pipeline.first_stage(stored, q, depth, count, self.ranking)
        from .shards.fanout import spread_first_stage

        return spread_first_stage(self._spread(reader), stored, q, depth, count, self.ranking)

    def _spread(self, reader):
        if callable(self.cluster):
            return self.cluster(reader)
        if self._shards is None:
            from .cluster import ClusterShards

            self._shards = ClusterShards.connect(
                self.cluster, str(self.index_dir.path), self.ix.indexname, len(reader.shard_readers)
            )
        return self._shards

    def _places(self, searcher, notes: list[str]):
        """Where this search finds its candidates' places in the latent space
        (ranking/places.py), to be closed after it; None when the index has no space or
        ranking leaves it out."""
        space_path = self.index_dir.path / LATENT_FILE
        if not self.ranking.latent or not space_path.exists():
            return None
        from .ranking.places import Places

        toc = searcher.reader().generation()
        return Places.open(
            self.index_dir.path, space_path, self.ix.indexname, toc, lambda: self._space(notes), self.ranking
        )

    def _space(self, notes: list[str]):
        """The latent space itself (ranking/latent.py, which imports NumPy), loaded once and
        again only when the indexer replaced it; None when there is none."""
        if self._space_file is None:
            from .ranking.latent import SpaceFile

            self._space_file = SpaceFile(self.index_dir.path / LATENT_FILE)
        return self._space_file.get(notes)

    def count(self, text: str, filters: Filters | None = None, collapse: str | None = None) -> int:
        """How many articles match (with collapse, how many stories: copies count once)."""
        if not collapse:
            return self.search(text, filters, limit=0, snippets=False).total or 0
        return self._count_stories(text, filters, collapse)

    @_survives_rebuilds
    def _count_stories(self, text: str, filters: Filters | None, collapse: str) -> int:
        from .copies.fold import copies_to_drop

        check_tier(collapse)
        parsed = self.parse(text, filters)
        if parsed.query is wq.NullQuery:
            return 0
        with self._searcher() as searcher:
            matched = set(parsed.query.docs(searcher))
            return len(matched) - len(copies_to_drop(searcher, self._copies_file(), matched, collapse))

    def _hit(
        self,
        stored: StoredFields,
        rank: int,
        docnum: int,
        score: float,
        words: frozenset[str] | None,
        with_lead: bool = False,
        cluster: str | None = None,
        members: list[str] | None = None,
    ) -> Hit:
        """A Hit for a document; with a snippet of the words given, or its opening with_lead."""
        article = article_from_stored(stored[docnum])
        text, spans = "", []
        if words is not None:
            text, spans = snippet(stored.opening(article.title), article.body, words)
        elif with_lead:
            text = lead(article.body)
        return Hit(
            rank=rank,
            score=float(score),
            id=article.id,
            title=article.title,
            authors=article.authors,
            published=article.published,
            dateline=article.dateline,
            source=article.source,
            url=article.url,
            path=article.path,
            snippet=text,
            highlights=spans,
            tags=article.tags,
            updated=article.updated,
            captured=article.captured,
            cluster=cluster,
            copies=len(members) if members is not None else None,
            members=members,
        )

    @_survives_rebuilds
    def similar(
        self,
        article_id: str,
        filters: Filters | None = None,
        *,
        limit: int = 10,
        offset: int = 0,
        snippets: bool = True,
    ) -> SearchResult:
        """Articles most like the given one (Whoosh's more-like-this on key body terms), among
        those the filters let through: they restrict the candidates, not a page of them."""
        if limit < 0 or offset < 0:
            raise QueryError("--limit and --offset must be zero or more")
        restrict = self.parse("", filters).query if filters is not None else wq.NullQuery
        with self._searcher() as searcher:
            docnum = searcher.document_number(id=article_id)
            if docnum is None:
                raise ArticleNotFoundError(article_id)
            stored = StoredFields(searcher, self.ranking.read_chars)
            # Whoosh would stem the whole stored body for its key terms; its opening is enough.
            body = stored[docnum].get("body", "")
            if not any(is_content_word(stem) for stem in stems(body)):
                return SearchResult([], 0, [f"note: article {article_id} has no words to compare"])
            terms = searcher.key_terms_from_text("body", body, numterms=12, normalize=False)
            like = wq.Or([wq.Term("body", word, boost=weight) for word, weight in terms])
            results = searcher.search(
                like,
                limit=offset + limit or 1,
                filter=None if restrict is wq.NullQuery else restrict,
                mask={docnum},
            )
            page = list(results.top_n[offset : offset + limit]) if limit else []
            hits = [
                self._hit(stored, rank, hit_docnum, score or 0.0, None, with_lead=snippets)
                for rank, (score, hit_docnum) in enumerate(page, start=offset + 1)
            ]
            found = len(results)
        notes = [_past_the_end(offset, found)] if found and limit and not hits else []
        return SearchResult(hits, found, notes)

    def list(
        self,
        filters: Filters | None = None,
        *,
        sort: str = "path",
        limit: int | None = None,
        offset: int = 0,
        collapse: str | None = None,
    ) -> Iterator[Entry]:
        """Every article the filters match (all, without filters), without its body: by path
        then position (`sort="path"`), or "newest" or "oldest" first (undated ones last).

        An iterator: the articles are read one at a time as it is consumed (listing.py says
        what is held meanwhile). Bad filters or options raise here, before the first one.
        collapse="story" (or "article"): one article a story, its earliest published that the
        filters let through (copies/fold.py)."""
        return (Entry.of(article) for article in self._listed(filters, sort, limit, offset, collapse))

    def export(self, filters: Filters | None = None, collapse: str | None = None) -> Iterator[Article]:
        """Every article the filters match, whole, in `list`'s order: what `index -` reads back
        (with collapse, one a story, as `list` gives them)."""
        return self._listed(filters, "path", None, 0, collapse)

    def _listed(
        self, filters: Filters | None, sort: str, limit: int | None, offset: int, collapse: str | None = None
    ) -> Iterator[Article]:
        from .listing import LIST_SORTS

        check_tier(collapse)
        if sort not in LIST_SORTS:
            raise QueryError(f"unknown sort {sort!r}; use one of: {', '.join(LIST_SORTS)}")
        if (limit is not None and limit < 0) or offset < 0:
            raise QueryError("--limit and --offset must be zero or more")
        q = self.parse("", filters).query
        searcher, stored = survive_switches(lambda: self._open_listing(q, sort), self._reopen_if_switched)
        if collapse:
            from .copies.fold import copies_to_drop

            matched = None if q is wq.NullQuery else set(q.docs(searcher))
            dropped = set(copies_to_drop(searcher, self._copies_file(), matched, collapse).values())
            stored = (fields for fields in stored if fields.get("id") not in dropped)
        return self._articles(searcher, itertools.islice(stored, offset, None if limit is None else offset + limit))

    def _open_listing(self, q: wq.Query, sort: str) -> tuple:
        """A searcher and its articles' stored fields in order; the searcher's files are open,
        so a rebuild switching generations meanwhile does not end the listing."""
        from .listing import ordered

        weighting = BM25(self.ranking.k1, self.ranking.b).weighting()
        with _reading(self.index_dir):
            searcher = self.ix.searcher(weighting=weighting)
            try:
                return searcher, ordered(searcher, q, sort)
            except BaseException:
                searcher.close()
                raise

    def _articles(self, searcher, stored: Iterator[dict]) -> Iterator[Article]:
        try:
            with _reading(self.index_dir):
                for fields in stored:
                    yield article_from_stored(fields)
        finally:
            searcher.close()

    @_survives_rebuilds
    def get(self, article_id: str) -> Article | None:
        with self._searcher() as searcher:
            stored = searcher.document(id=article_id)
        return article_from_stored(stored) if stored else None

    @_survives_rebuilds
    def versions(self, article_id: str) -> list[Entry] | None:
        """The versions of a captured page: the articles of its URL's different contents, the
        earliest capture first. An article not from a web archive is its own one version;
        None if there is no article with this id."""
        with self._searcher() as searcher:
            stored = searcher.document(id=article_id)
            if not stored:
                return None
            key = stored.get("urlkey")
            found = list(searcher.documents(urlkey=key)) if key else [stored]
        articles = [article_from_stored(fields) for fields in found]
        articles.sort(key=lambda a: (min(a.captures).isoformat() if a.captures else "", a.id))
        return [Entry.of(article) for article in articles]

    @_survives_rebuilds
    def stats(self, top: int = 10) -> ArchiveStats:
        meta = self.index_dir.read_meta()
        authors: Counter[str] = Counter()
        datelines: Counter[str] = Counter()
        sources: Counter[str] = Counter()
        years: Counter[int] = Counter()
        author_sets: list[tuple[str, ...]] = []
        first = last = None
        with self._searcher() as searcher:
            count = searcher.doc_count()
            for stored in searcher.all_stored_fields():
                names = tuple(dict.fromkeys(stored.get("authors") or []))
                authors.update(names)
                author_sets.append(names)
                datelines[stored.get("dateline") or ""] += 1
                sources[stored.get("source") or ""] += 1
                published = stored_datetime(stored.get("published_at"))
                if published:
                    years[published.year] += 1
                    first = published if first is None or published < first else first
                    last = published if last is None or published > last else last
        size = _size_of(self.index_dir.path, getattr(self.ix, "directory", None))
        top_sources, other_sources, without_source = _top(sources, top)
        top_datelines, other_datelines, without_dateline = _top(datelines, top)
        top_authors = authors.most_common(top)
        shown = {name for name, _ in top_authors}
        from .model_runs import ArchiveStats

        return ArchiveStats(
            articles=count,
            first=first,
            last=last,
            index_bytes=size,
            updated=meta.get("updated"),
            index_dir=str(self.index_dir),
            top_authors=top_authors,
            top_datelines=top_datelines,
            per_year=sorted(years.items()),
            sources=top_sources,
            other_sources=other_sources,
            without_source=without_source,
            other_authors=sum(1 for names in author_sets if names and shown.isdisjoint(names)),
            without_author=sum(1 for names in author_sets if not names),
            other_datelines=other_datelines,
            without_dateline=without_dateline,
            undated=count - sum(years.values()),
            copies=self._copies_stats(top),
            shards=_shard_counts(self.ix),
        )

    def _copies_stats(self, top: int):
        """The clusters of copies, from the copies file (None without one)."""
        from .model_runs import CopiesStats

        copies = self._copies_file()
        if copies is None:
            return None
        stories, articles = copies.cluster_sizes("story"), copies.cluster_sizes("article")
        titles = {}
        for cluster, _ in stories[:top]:
            found = self.get(cluster)
            titles[cluster] = found.title if found is not None else ""
        return CopiesStats(
            clustered=sum(n for _, n in stories),
            stories=len(stories),
            same_article=sum(n for _, n in articles),
            article_clusters=len(articles),
            biggest=[(c, n, titles[c]) for c, n in stories[:top]],
        )


def _shard_counts(ix) -> list[int] | None:
    """A sharded archive's articles in each shard (None: one index)."""
    shards = getattr(ix, "indexes", None)  # a ShardedIndex's
    return None if shards is None else [shard.doc_count() for shard in shards]


def _size_of(index_path, shard_set) -> int:
    """The bytes of the index directory's files, and of its shards' (a sharded archive)."""
    size = sum(entry.stat().st_size for entry in os.scandir(index_path) if entry.is_file(follow_symlinks=False))
    if shard_set is not None:
        for folder, _, names in os.walk(shard_set):
            size += sum(os.lstat(os.path.join(folder, name)).st_size for name in names)
    return size


def _top(counts: Counter[str], top: int) -> tuple[list[tuple[str, int]], int, int]:
    """The `top` most common named values, the articles of the other names, and the
    articles without a value (counted under "")."""
    without = counts.pop("", 0)
    shown = counts.most_common(top)
    return shown, sum(counts.values()) - sum(n for _, n in shown), without
