"""The Whoosh schema, the text analysis and the stopwords: the one place that decides how text
is indexed; and the translation between an Article and the document the index stores."""

from __future__ import annotations

import functools
import pickle
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.lang.stopwords import stoplists
from whoosh.support.charset import accent_map
from whoosh.system import pack_uint

from .dates import naive_utc
from .model import Article

# Bump when the schema or analysis changes so that old indexes are rebuilt, not misread.
SCHEMA_VERSION = 5

# The body field indexes the title too, each title word counting this many times: one
# BM25F score over title+body (term frequencies combined before saturation) ranks better
# than separate title and body scores added up (docs/ranking.md).
TITLE_WEIGHT = 3.0
# Separates the title from the body in the value given to the body field's analyzer.
TITLE_END = "\x1e"
# Positions skipped between title and body, so that a phrase cannot span the two.
_TITLE_GAP = 100


class SnowballStemFilter(Filter):
    """English Snowball stemming with PyStemmer (C), caching nothing itself:
    PyStemmer keeps its own cache. Pickled into the index without the C object."""

    is_morph = True

    def __init__(self, language: str = "english") -> None:
        self.language = language
        self._stemmer = None

    def __getstate__(self) -> dict:
        return {"language": self.language}

    def __setstate__(self, state: dict) -> None:
        self.language = state["language"]
        self._stemmer = None

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.language == self.language  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.language))

    def __call__(self, tokens):
        if self._stemmer is None:
            self._stemmer = _stemmer(self.language)
        stem = self._stemmer.stemWord
        for token in tokens:
            if not token.stopped:
                token.text = stem(token.text)
            yield token


class TitledTokenizer(RegexTokenizer):
    """Words of "title<TITLE_END>body": title tokens weigh TITLE_WEIGHT, body tokens 1.

    Text without the separator (a query, a stored body being highlighted) is all body.
    """

    def __call__(self, value, positions=False, chars=False, start_pos=0, start_char=0, **kwargs):
        title, sep, body = value.partition(TITLE_END)
        if not sep:
            yield from super().__call__(
                value, positions=positions, chars=chars, start_pos=start_pos, start_char=start_char, **kwargs
            )
            return
        pos = start_pos
        for token in super().__call__(
            title, positions=positions, chars=chars, start_pos=start_pos, start_char=start_char, **kwargs
        ):
            token.boost = TITLE_WEIGHT
            pos = token.pos if positions else pos
            yield token
        for token in super().__call__(
            body,
            positions=positions,
            chars=chars,
            start_pos=pos + _TITLE_GAP,
            start_char=start_char + len(title) + 1,
            **kwargs,
        ):
            token.boost = 1.0
            yield token


# RegexTokenizer's default expression (its group made non-capturing, so findall gives the
# words), used by the fast indexing path below.
_WORDS = re.compile(r"\w+(?:\.?\w+)*", re.UNICODE)
WORDS = _WORDS  # the words of a text, as the index splits it (terms.py shows them as written)
_stemmers: dict[str, object] = {}
# word as written -> stem. News text repeats its words, so most words are folded and stemmed
# once per process; the bound keeps a million-article run's memory flat.
_stem_cache: dict[str, str] = {}
_STEM_CACHE_MAX = 300_000


def _stemmer(language: str):
    """One PyStemmer object per language, shared by the analyzer filter and index_terms."""
    stemmer = _stemmers.get(language)
    if stemmer is None:
        import Stemmer

        stemmer = _stemmers[language] = Stemmer.Stemmer(language)
    return stemmer


def stems(text: str) -> list[str]:
    """The stems of the text's words, in order, stopwords included (as the index holds them)."""
    return _stem_words(_WORDS.findall(text))


# Words too common to help rank free text ("what", "the", "of"): Whoosh's English list.
# Dropped from free-text queries only (query.py): "to be or not to be" in quotes, and a
# query made of nothing else, still search for them; the index keeps every word.
STOPWORDS = frozenset(stoplists["en"])


@functools.cache
def stopword_stems() -> frozenset[str]:
    """STOPWORDS as the index holds them (stemmed)."""
    return frozenset(stem for word in STOPWORDS for stem in stems(word))


def is_content_word(stem: str) -> bool:
    """Whether a stem can tell what an article is about: not a stopword, a number or a single
    character. Feedback and the latent space use only these."""
    return len(stem) > 1 and not stem.isdigit() and stem not in stopword_stems()


def _stem_words(words: list[str]) -> list[str]:
    cache = _stem_cache
    new = set(words).difference(cache)  # looked up in the dict, not a loop in Python
    if new:
        if len(cache) + len(new) > _STEM_CACHE_MAX:
            cache.clear()
            new = set(words)
        unseen = list(new)
        folded = [word.lower().translate(accent_map) for word in unseen]
        cache.update(zip(unseen, _stemmer("english").stemWords(folded), strict=True))  # type: ignore[attr-defined]
    return list(map(cache.__getitem__, words))


def index_terms(value: str, titled: bool) -> list[tuple[str, int, float]]:
    """(stem, position, boost) of every word, exactly as text_analyzer/body_analyzer give them.

    The analyzers run Whoosh's chain of Python generators once per word; indexing spends
    most of its time there. This does the same work a list at a time (C stemmer included).
    tests/test_schema.py checks the two agree on arbitrary text."""
    title, sep, body = value.partition(TITLE_END) if titled else (value, "", "")
    boost = TITLE_WEIGHT if sep else 1.0
    out = [(stem, i, boost) for i, stem in enumerate(stems(title))]
    if sep:
        start = (out[-1][1] if out else 0) + _TITLE_GAP
        out.extend((stem, start + i, 1.0) for i, stem in enumerate(stems(body)))
    return out


def matched_tokens(value: str, termset: frozenset[str]) -> Iterator:
    """text_analyzer's tokens of `value`, with character offsets and `matched` set when the
    stem is in `termset`: what Whoosh's highlighter makes of the analyzer's tokens, without a
    chain of generators per word. One Token, reused, as Whoosh's tokenizers do."""
    from whoosh.analysis import Token

    found = list(_WORDS.finditer(value))
    stems = _stem_words([match.group() for match in found])
    token = Token(chars=True, removestops=False, mode="query")  # as the highlighter asks for them
    for match, stem in zip(found, stems, strict=True):
        token.text = stem
        token.startchar, token.endchar = match.span()
        token.matched = stem in termset
        yield token


def stem_counts(value: str) -> tuple[Counter[str], Counter[str]]:
    """How often each stem occurs in the title and in the body of a "title<TITLE_END>body"
    value (split as index_terms splits it): each text stemmed once, whatever the counts are
    then used for (feedback's weights, the latent space)."""
    title, _, body = value.partition(TITLE_END)
    return Counter(stems(title)), Counter(stems(body))


def weighted(title: Counter[str], body: Counter[str]) -> dict[str, float]:
    """{stem: weight} of a title and body from stem_counts, as the body field's postings weigh
    its words (the sums of index_terms' boosts, title words TITLE_WEIGHT), counted in C rather
    than a word at a time."""
    weights = {stem: float(n) for stem, n in body.items()}
    for stem, n in title.items():
        weights[stem] = TITLE_WEIGHT * n + weights.get(stem, 0.0)
    return weights


class IndexedText(Positions):
    """Whoosh's Positions format, with postings computed by index_terms at indexing time."""

    def __init__(self, titled: bool = False, field_boost: float = 1.0, **options) -> None:
        super().__init__(field_boost=field_boost, **options)
        self.titled = titled

    def word_values(self, value, analyzer, **kwargs):
        poses: dict[str, list[int]] = defaultdict(list)
        weights: dict[str, float] = defaultdict(float)
        for stem, pos, boost in index_terms(value, self.titled):
            poses[stem].append(pos)
            weights[stem] += boost
        fb = self.field_boost
        for stem, poslist in poses.items():
            yield (stem, len(poslist), weights[stem] * fb, self.encode(poslist))

    def encode(self, poslist):
        # Positions.encode's bytes, with the deltas taken by a comprehension, not a loop.
        deltas = [pos - prev for prev, pos in zip([0, *poslist], poslist, strict=False)]  # one longer
        return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)


def text_analyzer():
    """Title and body: Unicode words, lower-cased, accents folded (cafe = Café), stemmed."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | SnowballStemFilter()


def body_analyzer():
    """The body field: text_analyzer's words, over "title<TITLE_END>body" with the title weighted."""
    return TitledTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | SnowballStemFilter()


def name_analyzer():
    """Names and places: the same words, lower-cased and accent-folded, but not stemmed."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def _text_field(analyzer, titled: bool) -> TEXT:
    field = TEXT(analyzer=analyzer, stored=True)
    field.format = IndexedText(titled=titled)
    return field


def build_schema() -> Schema:
    text = text_analyzer()
    names = name_analyzer()

    return Schema(
        id=ID(unique=True, stored=True),
        title=_text_field(text, titled=False),
        # Indexed: title (weighted) + body; stored: the body alone (see document_fields).
        body=_text_field(body_analyzer(), titled=True),
        author=TEXT(analyzer=names, phrase=True),
        authors=STORED(),  # the list, as the reader found it
        dateline=TEXT(analyzer=names, stored=True),
        source=TEXT(analyzer=names, stored=True),
        tag=KEYWORD(commas=True, lowercase=True, scorable=True),
        tags=STORED(),
        url=ID(stored=True),
        path=ID(stored=True),
        position=STORED(),
        # Whoosh wants naive datetimes: indexed as UTC for ranges and sorting,
        # stored as ISO 8601 text with the article's own UTC offset for display.
        published=DATETIME(sortable=True),
        # The same moment as the wall-clock time of the article's own zone: the local day
        # (and week, month, year) it falls in, for timelines, without a stored field read.
        published_local=DATETIME(sortable=True),
        published_at=STORED(),
        updated_at=STORED(),
        # "path\0content-hash" for every indexed file: the incremental indexer's
        # memory of what it has seen, committed atomically with the articles.
        filesig=ID(),
        # Web-archive captures: the URL, the key its versions share; "URL digest", the key of
        # one content of it; the latest capture time (indexed as UTC), every capture time as
        # stored ISO 8601 text, and the payload digest.
        # Facets (search --facet, timeline --split): each value whole, its case kept, so that
        # counts over every match come from the index's terms, not from stored fields.
        facet_author=KEYWORD(commas=True),
        facet_dateline=KEYWORD(commas=True),
        facet_source=KEYWORD(commas=True),
        facet_tag=KEYWORD(commas=True),
        urlkey=ID(stored=True),
        capture=ID(),
        captured=DATETIME(),
        captures=STORED(),
        digest=STORED(),
        # Near-duplicates: the bands of the body's MinHash signature (indexing/signatures.py),
        # written by indexing only; articles sharing one are candidate copies.
        lsh=KEYWORD(scorable=False),
    )


def _utc_naive(moment: datetime | None) -> datetime | None:
    """The moment as naive UTC (what Whoosh indexes), or None if that is outside datetime's range."""
    if moment is None:
        return None
    try:
        return naive_utc(moment)
    except (OverflowError, ValueError, OSError):
        return None


def document_fields(article: Article, filesig: str | None) -> dict:
    """The Whoosh document for an Article.

    The readers give only dates with a UTC equivalent; one without (an Article built by
    other code) is left out rather than failing the document.
    """
    published = _utc_naive(article.published)
    updated = article.updated if _utc_naive(article.updated) else None
    doc = {
        "id": article.id,
        "title": article.title,
        "body": f"{article.title}{TITLE_END}{article.body}",
        "_stored_body": article.body,
        "author": "; ".join(article.authors),
        "authors": list(article.authors),
        "dateline": article.dateline,
        "source": article.source,
        "tag": ",".join(t.replace(",", " ") for t in article.tags),
        "tags": list(article.tags),
        "url": article.url,
        "path": article.path,
        "position": article.position,
        "published_at": article.published.isoformat() if published else None,
        "updated_at": updated.isoformat() if updated else None,
        "facet_author": _facet_values(article.authors),
        "facet_dateline": _facet_values([article.dateline]),
        "facet_source": _facet_values([article.source]),
        "facet_tag": _facet_values(article.tags),
    }
    if published is not None:
        doc["published"] = published
        doc["published_local"] = article.published.replace(tzinfo=None)
    if article.captures:
        doc.update(_capture_fields(article))
    if filesig:
        doc["filesig"] = filesig
    return doc


# The facets there are, and the field each one's values are indexed in.
FACET_FIELDS = {
    "author": "facet_author",
    "dateline": "facet_dateline",
    "source": "facet_source",
    "tag": "facet_tag",
}


def _facet_values(values: list[str]) -> str:
    """A facet field's value: the non-empty values, commas (its separator) made spaces."""
    return ",".join(v.replace(",", " ").strip() for v in values if v.strip())


def url_key(url: str) -> str:
    """The key a URL's versions share: the URL without its fragment."""
    return url.partition("#")[0]


def _utc_iso(moment: datetime) -> str:
    naive = _utc_naive(moment)
    return naive.isoformat() + "+00:00" if naive else moment.isoformat()


def _capture_fields(article: Article) -> dict:
    """The fields of an article read from a web archive."""
    key = url_key(article.url)
    # Stored in UTC, so that their text order is their time order (pipeline.latest_versions).
    fields = {"captures": [_utc_iso(moment) for moment in article.captures], "digest": article.digest}
    if key:
        fields.update(urlkey=key, capture=f"{key} {article.digest}")
    captured = _utc_naive(article.captured)
    if captured is not None:
        fields["captured"] = captured
    return fields


def stored_datetime(value: object) -> datetime | None:
    """A stored date (an ISO 8601 string) as a datetime; None when absent or unreadable."""
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


def article_from_stored(stored: dict) -> Article:
    """The Article of a document's stored fields (document_fields' inverse)."""
    captures = [moment for moment in map(stored_datetime, stored.get("captures") or []) if moment]
    return Article(
        id=stored.get("id", ""),
        title=stored.get("title", ""),
        body=stored.get("body", ""),
        authors=list(stored.get("authors") or []),
        published=stored_datetime(stored.get("published_at")),
        updated=stored_datetime(stored.get("updated_at")),
        dateline=stored.get("dateline", ""),
        source=stored.get("source", ""),
        url=stored.get("url", ""),
        tags=list(stored.get("tags") or []),
        path=stored.get("path", ""),
        position=stored.get("position", 0),
        captured=max(captures) if captures else None,
        captures=captures,
        digest=stored.get("digest") or "",
    )
