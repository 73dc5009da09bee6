"""Searching an index: ranked hits with snippets, single articles, statistics.

Everything here returns dataclasses; printing is render.py's business.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from whoosh import highlight, scoring
from whoosh import query as wq

from .articles import Article
from .errors import ArticleNotFoundError, IndexCorruptError, QueryError
from .query import Filters, ParsedQuery, parse_query
from .store import IndexDir

SORTS = ("relevance", "newest", "oldest")


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

    def to_dict(self) -> dict:
        """The public JSON form (see README, "Using from scripts")."""
        return {
            "rank": self.rank,
            "score": round(self.score, 4),
            "id": self.id,
            "title": self.title,
            "authors": list(self.authors),
            "published": self.published.isoformat() if self.published else None,
            "dateline": self.dateline,
            "source": self.source,
            "url": self.url,
            "path": self.path,
            "snippet": self.snippet,
        }


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int  # matching articles, not just those returned
    notes: list[str] = field(default_factory=list)
    suggestion: str | None = None  # "did you mean" text when nothing matched


@dataclass
class ArchiveStats:
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


class _SnippetFormatter(highlight.Formatter):
    """Collects fragments as (text, [(start, end)]) instead of marked-up strings."""

    between = " … "

    def format_fragment(self, fragment, replace=False):
        text = fragment.text
        spans = [
            (t.startchar - fragment.startchar, t.endchar - fragment.startchar)
            for t in fragment.matches
            if t.startchar is not None and t.startchar >= fragment.startchar
        ]
        return text[fragment.startchar : fragment.endchar], spans

    def format(self, fragments, replace=False):
        return [self.format_fragment(f) for f in fragments]


def _parse_iso(value: object) -> datetime | None:
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


def _squash_with_spans(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """Collapse white space runs (paragraph breaks included) to one space, moving the spans along."""
    out: list[str] = []
    where = [0] * (len(text) + 1)  # old offset -> new offset
    for i, ch in enumerate(text):
        where[i] = len(out)
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(ch)
    where[len(text)] = len(out)
    return "".join(out), [(where[s], where[e]) for s, e in spans]


def _join_fragments(fragments: list[tuple[str, list[tuple[int, int]]]]) -> tuple[str, list[tuple[int, int]]]:
    text, spans = "", []
    for piece, piece_spans in fragments:
        piece, piece_spans = _squash_with_spans(piece, piece_spans)
        lead = len(piece) - len(piece.lstrip())
        piece = piece.strip()
        if text:
            text += _SnippetFormatter.between
        base = len(text) - lead
        text += piece
        spans.extend((base + s, base + e) for s, e in piece_spans if s >= lead and base + e <= len(text))
    return text, spans


def _lead(body: str, chars: int = 200) -> str:
    """The opening of an article, for a snippet when there is no match to show."""
    text = " ".join(body.split())
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + " …"


def _surface_form(searcher, stem: str, typed: str) -> str | None:
    """The word, as some article writes it, that is analysed to `stem` and looks most like `typed`."""
    from whoosh.support.levenshtein import distance

    docnum = next(iter(searcher.docs_for_query(wq.Term("body", stem))), None)
    if docnum is None:
        return None
    body = searcher.stored_fields(docnum).get("body", "")
    analyzer = searcher.schema["body"].analyzer
    forms = {
        body[token.startchar : token.endchar].lower()
        for token in analyzer(body, chars=True, keeporiginal=True)
        if token.text == stem
    }
    return min(forms, key=lambda form: (distance(form, typed), len(form)), default=None)


def article_from_stored(stored: dict) -> Article:
    return Article(
        id=stored.get("id", ""),
        title=stored.get("title", ""),
        body=stored.get("body", ""),
        authors=list(stored.get("authors") or []),
        published=_parse_iso(stored.get("published_at")),
        updated=_parse_iso(stored.get("updated_at")),
        dateline=stored.get("dateline", ""),
        source=stored.get("source", ""),
        url=stored.get("url", ""),
        tags=list(stored.get("tags") or []),
        path=stored.get("path", ""),
        position=stored.get("position", 0),
    )


class Archive:
    """A searchable archive: one index directory, opened for reading."""

    def __init__(self, index_dir: IndexDir | str | os.PathLike) -> None:
        self.index_dir = index_dir if isinstance(index_dir, IndexDir) else IndexDir(index_dir)
        self._ix = None

    @property
    def ix(self):
        if self._ix is None:
            self._ix = self.index_dir.open()
        return self._ix

    def _searcher(self):
        try:
            return self.ix.searcher(weighting=scoring.BM25F(B=0.75, K1=1.2))
        except (OSError, EOFError, ValueError) as exc:
            raise IndexCorruptError(str(self.index_dir), f"{type(exc).__name__}: {exc}") from None

    def parse(self, text: str, filters: Filters | None = None) -> ParsedQuery:
        return parse_query(self.ix.schema, text, filters)

    def search(
        self,
        text: str,
        filters: Filters | None = None,
        *,
        sort: str = "relevance",
        limit: int = 10,
        offset: int = 0,
        snippets: bool = True,
    ) -> SearchResult:
        """Run a query; hits come back ranked (or sorted by date) with snippets."""
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
        if limit < 0 or offset < 0:
            raise QueryError("--limit and --offset must be zero or more")
        parsed = self.parse(text, filters)
        if parsed.query is wq.NullQuery:
            if text.strip():
                return SearchResult([], 0, [*parsed.notes, "note: the query has no searchable words"])
            raise QueryError("empty query: give some words to search for, or a filter such as --author")
        with self._searcher() as searcher:
            kwargs: dict = {"limit": offset + limit if limit else 1, "terms": snippets}
            if sort != "relevance":
                kwargs["sortedby"] = "published"
                kwargs["reverse"] = sort == "newest"
            results = searcher.search(parsed.query, **kwargs)
            total = len(results)
            hits = []
            if limit:
                if snippets:
                    results.fragmenter = highlight.ContextFragmenter(maxchars=160, surround=50)
                    results.formatter = _SnippetFormatter()
                for rank, hit in enumerate(results[offset : offset + limit], start=offset + 1):
                    hits.append(self._hit(rank, hit, snippets))
            suggestion = None
            if total == 0 and not parsed.plain_words:
                suggestion = self._suggest(searcher, text)
        return SearchResult(hits, total, parsed.notes, suggestion)

    def count(self, text: str, filters: Filters | None = None) -> int:
        return self.search(text, filters, limit=0, snippets=False).total

    def _hit(self, rank: int, hit, snippets: bool) -> Hit:
        stored = hit.fields()
        snippet, spans = "", []
        if snippets:
            fragments = hit.highlights("body", top=2) or hit.highlights("title", top=1)
            if fragments:
                snippet, spans = _join_fragments(fragments)
            else:
                snippet = _lead(stored.get("body", ""))
        return Hit(
            rank=rank,
            score=float(hit.score or 0.0),
            id=stored.get("id", ""),
            title=stored.get("title", ""),
            authors=list(stored.get("authors") or []),
            published=_parse_iso(stored.get("published_at")),
            dateline=stored.get("dateline", ""),
            source=stored.get("source", ""),
            url=stored.get("url", ""),
            path=stored.get("path", ""),
            snippet=snippet,
            highlights=spans,
        )

    def _suggest(self, searcher, text: str) -> str | None:
        """'Did you mean': each word the index lacks, replaced by the closest one it has.

        The body lexicon holds stems, so candidates are found among stems and then
        shown as the word an article actually uses (suggesting stems gives nonsense).
        """
        analyzer = searcher.schema["body"].analyzer
        reader = searcher.reader()
        changed = False
        out = []
        for word in re.findall(r"\w+|\W+", text[:500]):
            if not word[0].isalnum() or word.upper() in ("AND", "OR", "NOT") or len(word) < 3:
                out.append(word)
                continue
            stems = [t.text for t in analyzer(word)]
            if not stems or any(reader.doc_frequency(f, s) for f in ("title", "body") for s in stems):
                out.append(word)
                continue
            better = self._closest(searcher, stems[0], word.lower())
            changed |= better is not None
            out.append(better or word)
        return "".join(out) if changed else None

    @staticmethod
    def _closest(searcher, stem: str, typed: str) -> str | None:
        reader = searcher.reader()
        for maxdist in (1, 2):
            candidates = [
                (reader.doc_frequency("body", term), term)
                for term in reader.terms_within("body", stem, maxdist, prefix=1)
            ]
            if candidates:
                _, best = max(candidates)
                return _surface_form(searcher, best, typed)
        return None

    def similar(self, article_id: str, *, limit: int = 10, snippets: bool = True) -> SearchResult:
        """Articles most like the given one (Whoosh's more-like-this on key body terms)."""
        with self._searcher() as searcher:
            docnum = searcher.document_number(id=article_id)
            if docnum is None:
                raise ArticleNotFoundError(article_id)
            results = searcher.more_like(docnum, "body", top=limit + 1, numterms=12)
            hits = []
            for hit in results:
                if hit.docnum == docnum:
                    continue
                if len(hits) == limit:
                    break
                hits.append(self._hit(len(hits) + 1, hit, False))
            if snippets:
                for item in hits:
                    stored = searcher.document(id=item.id) or {}
                    item.snippet = _lead(stored.get("body", ""))
        return SearchResult(hits, len(hits))

    def get(self, article_id: str) -> Article | None:
        with self._searcher() as searcher:
            stored = searcher.document(id=article_id)
        return article_from_stored(stored) if stored else None

    def stats(self, top: int = 10) -> ArchiveStats:
        meta = self.index_dir.read_meta()
        authors: Counter[str] = Counter()
        datelines: Counter[str] = Counter()
        sources: Counter[str] = Counter()
        years: Counter[int] = Counter()
        first = last = None
        with self._searcher() as searcher:
            count = searcher.doc_count()
            for stored in searcher.all_stored_fields():
                authors.update(stored.get("authors") or [])
                if stored.get("dateline"):
                    datelines[stored["dateline"]] += 1
                if stored.get("source"):
                    sources[stored["source"]] += 1
                published = _parse_iso(stored.get("published_at"))
                if published:
                    years[published.year] += 1
                    first = published if first is None or published < first else first
                    last = published if last is None or published > last else last
        size = sum(entry.stat().st_size for entry in os.scandir(self.index_dir.path) if entry.is_file())
        return ArchiveStats(
            articles=count,
            first=first,
            last=last,
            index_bytes=size,
            updated=meta.get("updated"),
            index_dir=str(self.index_dir),
            top_authors=authors.most_common(top),
            top_datelines=datelines.most_common(top),
            per_year=sorted(years.items()),
            sources=sources.most_common(top),
        )
