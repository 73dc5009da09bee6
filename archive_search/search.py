"""Searching an index: ranked hits with snippets, single articles, statistics.

Everything here returns dataclasses; printing is render.py's business.
"""

from __future__ import annotations

import functools
import math
import os
import re
import statistics
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from whoosh import highlight, scoring
from whoosh import query as wq

from .articles import Article
from .errors import ArchiveSearchError, ArticleNotFoundError, IndexCorruptError, QueryError
from .firstpass import first_pass
from .query import Filters, ParsedQuery, parse_query, stopword_stems
from .schema import TITLE_END, matched_tokens, stem_counts, weighted
from .store import LATENT_FILE, IndexDir

SORTS = ("relevance", "newest", "oldest")

# Ranking (README, "How ranking works"; measured with bench/relevance.py).
K1, B = 1.5, 0.5
RERANK_DEPTH = 50  # feedback reorders this many of the first pass's best articles
FEEDBACK_DOCS = 10  # pseudo-relevance feedback: the top articles of a first pass...
FEEDBACK_TERMS = 40  # ...lend this many of their most typical words...
QUERY_SHARE = 0.5  # ...which weigh, together, as much as the words typed.
LATENT_SHARE = 0.4  # then the candidates' closeness to the query in the latent space (latent.py)
# The most of an article's stored title and body that a search reads again: for feedback, the
# latent space, snippets and "did you mean". A few thousand words, more than news stories
# run to, so they are read whole; of a longer text the opening is what it is about (news
# puts its subject first), and a search's cost stays bounded however large the archive's
# articles are (the indexer takes them up to MAX_ARTICLE_CHARS).
READ_CHARS = 20_000


class LuceneBM25(scoring.BM25F):
    """Whoosh's BM25 with Lucene's idf, log(1 + (N - df + 0.5) / (df + 0.5)).

    Whoosh's own idf, log(N / (df + 1)) + 1, gives words found in most articles a weight
    of about 1 where this gives them nearly 0, which matters for long, wordy queries.
    N counts deleted articles, as df does (as Lucene's maxDoc does): with N the live
    articles only, a common word's idf went below 0 once an update had replaced enough
    articles, and Whoosh's search then dropped most matches."""

    def idf(self, searcher, fieldname, text):
        n = searcher.doc_count_all()
        df = searcher.doc_frequency(fieldname, text)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))


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
    total: int | None  # matching articles, not just those returned; None when not counted
    notes: list[str] = field(default_factory=list)
    suggestion: str | None = None  # "did you mean" text when nothing matched
    matched: bool | None = None  # did anything match (also known when not counted)

    def __post_init__(self) -> None:
        if self.matched is None:
            self.matched = bool(self.total) if self.total is not None else bool(self.hits)


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


def _opening(text: str) -> str:
    """The part of a stored text a search reads (READ_CHARS)."""
    return text[:READ_CHARS]


class _Stored:
    """The stored fields of the articles one search looks at, each read once (a large one's
    are costly to decompress), bodies cut to the opening a search reads."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        self.fields: dict[int, dict] = {}
        self.cut: set[int] = set()  # articles whose body or title is longer than what is read

    def __getitem__(self, docnum: int) -> dict:
        fields = self.fields.get(docnum)
        if fields is None:
            fields = dict(self.searcher.stored_fields(docnum))
            body = fields.get("body") or ""
            if len(body) > READ_CHARS or len(fields.get("title") or "") > READ_CHARS:
                self.cut.add(docnum)
            fields["body"] = _opening(body)
            self.fields[docnum] = fields
        return fields


def _lead(body: str, chars: int = 200) -> str:
    """The opening of an article, for a snippet when there is no match to show."""
    text = " ".join(_opening(body).split())
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + " …"


# Articles looked at for the way one writes a suggested word: the word can lie past the
# opening of the first, or only in its title.
_SURFACE_DOCS = 5


def _surface_form(searcher, stem: str, typed: str) -> str | None:
    """The word, as some article writes it, that is analysed to `stem` and looks most like `typed`."""
    from itertools import islice

    from whoosh.support.levenshtein import distance

    stem_only = frozenset([stem])
    for docnum in islice(searcher.docs_for_query(wq.Term("body", stem)), _SURFACE_DOCS):
        stored = searcher.stored_fields(docnum)
        for text in (_opening(stored.get("body", "")), _opening(stored.get("title", ""))):
            forms = {text[t.startchar : t.endchar].lower() for t in matched_tokens(text, stem_only) if t.matched}
            if forms:
                return min(forms, key=lambda form: (distance(form, typed), len(form)))
    return None


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
    search that opened the old generation just before then finds its table of contents
    or a file it had not opened yet gone. Results are built whole before anything is
    printed, so starting the read over shows nothing twice."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        for _ in range(2):
            try:
                return method(self, *args, **kwargs)
            except Exception:  # Whoosh's own (a missing table of contents) or IndexCorruptError
                if not self._generation_switched():
                    raise
                self._ix = None
        return method(self, *args, **kwargs)  # the third and last try: what it raises is the answer

    return wrapper


class Archive:
    """A searchable archive: one index directory, opened for reading."""

    def __init__(self, index_dir: IndexDir | str | os.PathLike) -> None:
        self.index_dir = index_dir if isinstance(index_dir, IndexDir) else IndexDir(index_dir)
        self._ix = None
        self._latent: tuple[int, object] | None = None  # (file's mtime_ns, LatentSpace or the error)

    @property
    def ix(self):
        if self._ix is None:
            with _reading(self.index_dir):
                self._ix = self.index_dir.open()
        return self._ix

    def _generation_switched(self) -> bool:
        """Whether the index directory now names another generation than the one open."""
        if self._ix is None:
            return False
        try:
            return self.index_dir.generation() != self._ix.indexname
        except ArchiveSearchError:
            return False

    @contextmanager
    def _searcher(self) -> Iterator:
        """A searcher, with any failure to read the index reported as IndexCorruptError."""
        with _reading(self.index_dir), self.ix.searcher(weighting=LuceneBM25(B=B, K1=K1)) as searcher:
            yield searcher

    def parse(self, text: str, filters: Filters | None = None) -> ParsedQuery:
        return parse_query(self.ix.schema, text, filters)

    @_survives_rebuilds
    def search(
        self,
        text: str,
        filters: Filters | None = None,
        *,
        sort: str = "relevance",
        limit: int = 10,
        offset: int = 0,
        snippets: bool = True,
        feedback: bool = True,
        count: bool = True,
    ) -> SearchResult:
        """Run a query; hits come back ranked (or sorted by date) with snippets.

        feedback=False ranks by the query's own words only (no pseudo-relevance feedback).
        count=False leaves `total` as None: counting every match of common words is most of
        the work on a large archive, and a script reading the hits does not need it."""
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
            stored = _Stored(searcher)
            q = parsed.query
            fast = None  # the first pass's (ranked, matches), for a query it can score
            if sort != "relevance":
                results = searcher.search(q, limit=offset + limit or 1, sortedby="published", reverse=sort == "newest")
                ranked = [(hit.docnum, hit.score or 0.0) for hit in results[offset : offset + limit]] if limit else []
            else:
                depth = max(offset + limit, RERANK_DEPTH) if feedback else offset + limit
                fast = first_pass(searcher, q, depth if limit else 0, count=count or not limit)
                if fast is not None:
                    ranked = fast[0]
                else:
                    results = searcher.search(q, limit=depth or 1)
                    ranked = [(hit.docnum, hit.score or 0.0) for hit in results] if limit else []
                if feedback and len(ranked) > 1:
                    ranked = _rerank_with_feedback(stored, q, ranked, self._latent_space(parsed.notes))
                ranked = ranked[offset : offset + limit]
            if fast is None:
                found = len(results) if count else None
                matched = bool(found) if count else results.scored_length() > 0
            else:
                # found is None when the first pass pruned, which it does only once it has
                # a full `depth` of matches.
                found = fast[1]
                matched = found is None or found > 0
            total = found if count else None
            words = _highlight_words(searcher, q) if snippets else None
            hits = [
                self._hit(stored, rank, docnum, score, words)
                for rank, (docnum, score) in enumerate(ranked, start=offset + 1)
            ]
            suggestion = None
            if not matched and not parsed.plain_words:
                suggestion = self._suggest(searcher, text)
        return SearchResult(hits, total, parsed.notes, suggestion, matched)

    def _latent_space(self, notes: list[str]):
        """The index's latent space (latent.py), read again when the indexer has replaced it;
        None when there is none. A damaged one is left out of the ranking, with a note."""
        path = self.index_dir.path / LATENT_FILE
        try:
            stamp = os.stat(path).st_mtime_ns
        except OSError:
            return None
        if self._latent is None or self._latent[0] != stamp:
            from .latent import LatentSpace

            try:
                self._latent = (stamp, LatentSpace.load(path))
            except (OSError, ValueError) as exc:
                self._latent = (stamp, exc)
        space = self._latent[1]
        if isinstance(space, Exception):
            notes.append(
                f"note: {path} cannot be read ({space}); ranked without it."
                " Run archive-search index on the archive again to fit it anew"
            )
            return None
        return space

    def count(self, text: str, filters: Filters | None = None) -> int:
        return self.search(text, filters, limit=0, snippets=False).total or 0

    def _hit(
        self, read: _Stored, rank: int, docnum: int, score: float, words: frozenset[str] | None, lead: bool = False
    ) -> Hit:
        """A Hit for a document; with snippets when given the words to highlight, or its opening with lead."""
        stored = read[docnum]
        snippet, spans = "", []
        if words is not None:
            fragments = _highlights(stored.get("body", ""), words, 2)
            fragments = fragments or _highlights(_opening(stored.get("title", "")), words, 1)
            if fragments:
                snippet, spans = _join_fragments(fragments)
            else:
                snippet = _lead(stored.get("body", ""))
        elif lead:
            snippet = _lead(stored.get("body", ""))
        return Hit(
            rank=rank,
            score=float(score),
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
        pieces = re.findall(r"\w+|\W+", text[:500])
        for at, word in enumerate(pieces):
            field_name = at + 1 < len(pieces) and pieces[at + 1].startswith(":")  # `published:` is no typo
            if not word[0].isalnum() or word.upper() in ("AND", "OR", "NOT") or len(word) < 3 or field_name:
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

    @_survives_rebuilds
    def similar(self, article_id: str, *, limit: int = 10, snippets: bool = True) -> SearchResult:
        """Articles most like the given one (Whoosh's more-like-this on key body terms)."""
        with self._searcher() as searcher:
            docnum = searcher.document_number(id=article_id)
            if docnum is None:
                raise ArticleNotFoundError(article_id)
            stored = _Stored(searcher)
            # Whoosh would stem the whole stored body for its key terms; its opening is enough.
            body = stored[docnum].get("body", "")
            results = searcher.more_like(docnum, "body", text=body or None, top=limit + 1, numterms=12)
            hits = []
            for hit in results:
                if hit.docnum == docnum:
                    continue
                if len(hits) == limit:
                    break
                hits.append(self._hit(stored, len(hits) + 1, hit.docnum, hit.score or 0.0, None, lead=snippets))
        return SearchResult(hits, len(hits))

    @_survives_rebuilds
    def get(self, article_id: str) -> Article | None:
        with self._searcher() as searcher:
            stored = searcher.document(id=article_id)
        return article_from_stored(stored) if stored else None

    @_survives_rebuilds
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


def _highlight_words(searcher, q: wq.Query) -> frozenset[str]:
    """The indexed words (stems) of the query's title and body terms, wildcards expanded."""
    words = set()
    for fieldname, text in q.existing_terms(searcher.reader(), expand=True):
        if fieldname in ("title", "body"):
            words.add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return frozenset(words)


def _highlights(text: str, words: frozenset[str], top: int) -> list:
    """The `top` best passages of the text for the words, in text order.

    Whoosh's highlight(), with two changes: the title field's analysis (the body's words,
    without the title weighting) is done a list at a time (schema.matched_tokens, tested
    against the analyzer), and passages that score the same are taken first come, first
    served -- Whoosh breaks the tie by the passages' memory addresses, so the same search
    could show different snippets from one run to the next."""
    if not text or not words:
        return []
    fragmenter = highlight.ContextFragmenter(maxchars=160, surround=50)
    scorer = highlight.BasicFragmentScorer()
    scored = [(scorer(f), f) for f in fragmenter.fragment_tokens(text, matched_tokens(text, words))]
    scored.sort(key=lambda item: (-item[0], item[1].startchar))
    best = sorted((f for score, f in scored[:top] if score >= 1), key=lambda f: f.startchar)
    return _SnippetFormatter().format(best)


def _rerank_with_feedback(
    stored: _Stored, q: wq.Query, ranked: list[tuple[int, float]], space=None
) -> list[tuple[int, float]]:
    """Pseudo-relevance feedback (RM3) over the first pass's top RERANK_DEPTH articles
    (the candidates); any further ones follow them in the first pass's order.

    The final score is QUERY_SHARE of the query's own score plus the rest from the
    FEEDBACK_TERMS words most typical of the top FEEDBACK_DOCS articles. Only articles the
    query matched are reordered: feedback brings in none without the words typed.

    The candidates' words come from analysing their stored text again rather than from the
    postings: fifty short texts cost the same in any archive, while looking fifty
    articles up in the postings of common words reads more blocks the bigger the archive.
    Only the first READ_CHARS of a title and of a body are read, so long ones cost no more.
    """
    typed = sum(1 for fieldname, _ in q.iter_all_terms() if fieldname == "body")
    if not typed:
        return ranked
    searcher = stored.searcher
    candidates, rest = ranked[:RERANK_DEPTH], ranked[RERANK_DEPTH:]
    counts, cut = {}, {}
    for docnum, _ in candidates:
        fields = stored[docnum]
        counts[docnum] = stem_counts(f"{_opening(fields.get('title', ''))}{TITLE_END}{fields.get('body', '')}")
        if docnum in stored.cut:
            cut[docnum] = sum(counts[docnum][0].values()) + sum(counts[docnum][1].values())
    words = {docnum: weighted(title, body) for docnum, (title, body) in counts.items()}  # as the index weighs them
    terms = _feedback_terms(searcher, [(words[d], score) for d, score in candidates[:FEEDBACK_DOCS]])
    if not terms:
        return ranked
    extra = _bm25_scores(searcher, terms, words, cut)
    own = QUERY_SHARE / typed
    rescored = [(d, own * s + (1 - QUERY_SHARE) * extra.get(d, 0.0)) for d, s in candidates]
    if space is not None:
        rescored = _mix_latent(space, q, {d: title + body for d, (title, body) in counts.items()}, rescored)
    # Equal scores in id order, not document-number order: the same archive indexed again
    # (with --jobs, into differently shared segments) ranks the same.
    rescored.sort(key=lambda item: (-item[1], stored[item[0]].get("id", "")))
    # Articles past the candidates keep the first pass's order, scored without feedback's
    # share, so below every candidate: a longer --limit only adds to the list's end.
    return rescored + [(d, own * s) for d, s in rest]


def _mix_latent(
    space, q: wq.Query, counts: dict[int, Counter[str]], rescored: list[tuple[int, float]]
) -> list[tuple[int, float]]:
    """Add each candidate's closeness to the query in the latent space to its score.

    Ranks as (1 - LATENT_SHARE) * z(score) + LATENT_SHARE * z(cosine), z standardising over
    the candidates, but on the scores' own scale and never lowering one: the cosine's part
    is counted from the lowest candidate's, so candidates stay above the articles after them.
    `counts` holds each candidate's stem counts, title and body together."""
    from .latent import content_words

    query = space.project(_typed_words(q))
    if query is None:
        return rescored
    closeness = []
    for docnum, _ in rescored:
        vector = space.project(content_words(counts[docnum]))
        closeness.append(0.0 if vector is None else float(vector @ query))
    score_spread = statistics.pstdev(score for _, score in rescored)
    closeness_spread = statistics.pstdev(closeness)
    if not score_spread or not closeness_spread:
        return rescored
    scale = LATENT_SHARE / (1 - LATENT_SHARE) * score_spread / closeness_spread
    lowest = min(closeness)
    return [(d, score + scale * (c - lowest)) for (d, score), c in zip(rescored, closeness, strict=True)]


def _typed_words(q: wq.Query) -> dict[str, float]:
    """{stem: times typed} of the query's body words, leaving out those it excludes (NOT)."""
    counts: dict[str, float] = {}

    def visit(node: wq.Query) -> None:
        if isinstance(node, wq.AndNot):
            visit(node.a)
        elif isinstance(node, wq.Not):
            return
        elif isinstance(node, wq.Term):
            if node.fieldname == "body":
                text = node.text.decode("utf-8") if isinstance(node.text, bytes) else node.text
                counts[text] = counts.get(text, 0.0) + node.boost
        elif isinstance(node, wq.compound.CompoundQuery):
            for sub in node.subqueries:
                visit(sub)
        else:
            for fieldname, text in node.iter_all_terms():
                if fieldname == "body":
                    text = text.decode("utf-8") if isinstance(text, bytes) else text
                    counts[text] = counts.get(text, 0.0) + 1.0

    visit(q)
    return counts


def _feedback_terms(searcher, top: list[tuple[dict[str, float], float]]) -> list[tuple[str, float]]:
    """The words most typical of the top articles, weights summing to 1.

    Each article lends its words in proportion to their share of its text (title words
    weighted as indexed), the article itself weighted by exp(score - best score)."""
    skip = stopword_stems()
    best = top[0][1]
    weights: Counter[str] = Counter()
    for counts, score in top:
        length = sum(counts.values())
        if not length:
            continue
        share = math.exp(score - best) / length
        for term, count in counts.items():
            weights[term] += share * count
    for term in [t for t in weights if t in skip or len(t) < 2 or t.isdigit()]:
        del weights[term]
    chosen = weights.most_common(FEEDBACK_TERMS)
    total = sum(w for _, w in chosen)
    return [(term, w / total) for term, w in chosen] if total else []


def _bm25_scores(
    searcher, terms: list[tuple[str, float]], words: dict[int, dict[str, float]], cut: dict[int, int] | None = None
) -> dict[int, float]:
    """Weighted BM25 of the terms in the body field, for the given articles' words.

    `cut` holds the number of words read of the articles only partly read: their length is
    that of what was read, as their words' counts are."""
    reader = searcher.reader()
    avgfl = searcher.avg_field_length("body") or 1.0
    idf = {term: searcher.idf("body", term) for term, _ in terms}
    cut = cut or {}
    scores: dict[int, float] = {}
    for docnum, counts in words.items():
        length = cut.get(docnum) or reader.doc_field_length(docnum, "body", 0)
        scores[docnum] = sum(
            weight * scoring.bm25(idf[term], counts[term], length, avgfl, B, K1)
            for term, weight in terms
            if counts.get(term)
        )
    return scores
