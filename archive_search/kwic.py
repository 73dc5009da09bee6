"""Keyword in context: every occurrence of a query's words (or phrases) in the bodies of the
articles it matches, with the text either side, as a concordancer shows them.

The words are found as search finds them: stems (schema.matched_tokens), a phrase's words
consecutive. Only the body is read: offsets are character offsets into the stored body,
the text `show --format json` prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from whoosh import query as wq
from whoosh.support.charset import accent_map

from .errors import QueryError
from .model_views import KwicLine, KwicResult
from .query import Filters
from .schema import article_from_stored, matched_tokens

KWIC_SORTS = ("article", "date", "left", "right")
DEFAULT_WIDTH = 30
DEFAULT_LIMIT = 50
# The most articles read for one page: left and right sorts read up to this many (sorting
# needs every line of the articles sorted), article and date orders stop once the page is full.
DEFAULT_SCAN = 1000
# The fields whose query words are looked for in the body (it holds the title's words too).
_TEXT_FIELDS = ("body", "title")
_SPACES = re.compile(r"\s+")
_KEY_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class _Phrase:
    """Stems to find one after another; each next one within `slop` words of the last."""

    words: tuple[str, ...]
    slop: int = 1


@dataclass(frozen=True)
class _Patterns:
    """What to find in a body: single stems, and phrases."""

    singles: frozenset[str]
    phrases: tuple[_Phrase, ...]

    @property
    def stems(self) -> frozenset[str]:
        return self.singles.union(*(p.words for p in self.phrases))

    def __bool__(self) -> bool:
        return bool(self.singles or self.phrases)


def kwic(
    archive,
    text: str,
    filters: Filters | None = None,
    *,
    width: int = DEFAULT_WIDTH,
    sort: str = "article",
    limit: int | None = DEFAULT_LIMIT,
    offset: int = 0,
    scan: int = DEFAULT_SCAN,
) -> KwicResult:
    """The lines offset..offset+limit (limit None: all) of the query's concordance, with
    `width` characters of context either side, in `sort` order (KWIC_SORTS).

    Articles are read in search's order (rank, or oldest first for sort="date"), at most
    `scan` of them: for "article" and "date" only until the page is full, so a page costs
    about what a search for as many articles does; "left" and "right" sort every line of
    the first `scan` articles."""
    _check(width, sort, limit, offset, scan)
    parsed = archive.parse(text, filters)
    if parsed.query is wq.NullQuery or not parsed.has_words:
        raise QueryError(
            'kwic needs words to show in context: give a word or a "phrase" (filters alone match no words)'
        )
    with archive._searcher() as searcher:
        patterns = _patterns(parsed.query, searcher.reader())
    if not patterns:
        raise QueryError(
            "the query has no words of the text to show (author:, dateline: and dates match no body words); "
            'add a word or a "phrase"'
        )
    wanted = None if limit is None or sort in ("left", "right") else offset + limit
    collected, scanned, exhausted = _collect(archive, text, filters, patterns, width, sort, wanted, scan)
    collected = _ordered(collected, sort)
    end = None if limit is None else offset + limit
    lines = [line for _, line in collected[offset:end]]
    more = len(collected) > len(collected[:end]) or not exhausted
    notes = list(parsed.notes) + _notes(collected, lines, scanned, exhausted, sort, scan, offset)
    return KwicResult(
        lines=lines, articles_scanned=scanned, more=more, notes=notes, sort=sort, width=width, offset=offset
    )


def _check(width: int, sort: str, limit: int | None, offset: int, scan: int) -> None:
    if sort not in KWIC_SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of: {', '.join(KWIC_SORTS)}")
    if width < 0:
        raise QueryError("--width must be zero or more")
    if (limit is not None and limit < 0) or offset < 0:
        raise QueryError("--limit and --offset must be zero or more")
    if scan < 1:
        raise QueryError("--scan must be 1 or more")


def _notes(collected, lines, scanned: int, exhausted: bool, sort: str, scan: int, offset: int) -> list[str]:
    notes = []
    if scanned >= scan and not exhausted and sort in ("left", "right"):
        notes.append(
            f"note: sorted the lines of the first {scanned:,} matching articles (by rank); "
            "more match: raise --scan to read more"
        )
    if collected and not lines:
        notes.append(f"note: nothing at offset {offset}: only {len(collected):,} lines")
    elif scanned and not collected:
        notes.append("note: the matching articles have the words only in their titles or bylines (kwic reads bodies)")
    return notes


def _patterns(q: wq.Query, reader) -> _Patterns:
    """The body words and phrases a query looks for: negated parts left out (a matching
    article has none of them), wildcards and fuzzy terms expanded to the index's words."""
    singles: set[str] = set()
    phrases: list[_Phrase] = []
    for node in _positive_leaves(q):
        if getattr(node, "fieldname", None) not in _TEXT_FIELDS:
            continue
        if isinstance(node, wq.Phrase):
            words = tuple(node.words)
            if len(words) == 1:
                singles.add(words[0])
            elif words:
                phrases.append(_Phrase(words, max(1, node.slop)))
        elif isinstance(node, wq.Term):
            singles.add(_text(node.text))
        else:
            singles.update(
                _text(word) for field, word in node.existing_terms(reader, expand=True) if field in _TEXT_FIELDS
            )
    return _Patterns(frozenset(singles), tuple(dict.fromkeys(phrases)))


def _positive_leaves(q: wq.Query) -> Iterator[wq.Query]:
    if isinstance(q, wq.Not):
        return
    if isinstance(q, wq.AndNot):
        yield from _positive_leaves(q.a)
        return
    if isinstance(q, wq.Phrase) or q.is_leaf():
        yield q
        return
    for child in q.children():
        yield from _positive_leaves(child)


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _collect(archive, text, filters, patterns: _Patterns, width: int, sort: str, wanted: int | None, scan: int):
    """(sort key, KwicLine) of the articles read in search's order, how many were read, and
    whether they were all the articles that match."""
    order = "oldest" if sort == "date" else None
    collected: list[tuple[tuple, KwicLine]] = []
    seen: set[str] = set()
    scanned, start = 0, 0
    # One article usually gives a line or more: a page's worth of articles is the first guess.
    batch = min(scan, max(wanted or scan, 10))
    with archive._searcher() as searcher:
        while True:
            result = archive.search(text, filters, sort=order, limit=batch, offset=start, snippets=False, count=False)
            full, read = False, 0
            for hit in result.hits:
                read += 1
                if hit.id in seen:
                    continue
                seen.add(hit.id)
                scanned += 1
                collected.extend(_article_lines(searcher, hit, patterns, width, sort))
                full = scanned >= scan or (wanted is not None and len(collected) >= wanted)
                if full:
                    break
            # Every matching article has been read when the search ran out and all it gave was read.
            exhausted = len(result.hits) < batch and read == len(result.hits)
            start += batch
            if exhausted or full:
                return collected, scanned, exhausted
            batch = min(batch * 2, scan - scanned)


def _article_lines(searcher, hit, patterns: _Patterns, width: int, sort: str) -> Iterator[tuple[tuple, KwicLine]]:
    docnum = searcher.document_number(id=hit.id)
    if docnum is None:  # removed since the search ran
        return
    body = article_from_stored(searcher.stored_fields(docnum)).body
    for start, end in find(body, patterns):
        left, right = left_context(body, start, width), right_context(body, end, width)
        line = KwicLine(
            id=hit.id,
            offset=start,
            left=left,
            match=body[start:end],
            right=right,
            published=hit.published,
            title=hit.title,
            rank=hit.rank,
        )
        yield _sort_key(line, sort), line


def find(body: str, patterns: _Patterns) -> list[tuple[int, int]]:
    """The (start, end) character spans of the patterns' occurrences in the body, in text
    order; a phrase's span runs from its first word's start to its last word's end."""
    tokens = [(token.text, token.startchar, token.endchar) for token in matched_tokens(body, patterns.stems)]
    spans = {(start, end) for stem, start, end in tokens if stem in patterns.singles}
    for phrase in patterns.phrases:
        spans.update(_phrase_spans(tokens, phrase))
    return sorted(spans)


def _phrase_spans(tokens: list[tuple[str, int, int]], phrase: _Phrase) -> Iterator[tuple[int, int]]:
    first, rest = phrase.words[0], phrase.words[1:]
    for i, (stem, start, _) in enumerate(tokens):
        if stem != first:
            continue
        at = i
        for word in rest:
            at = _next_word(tokens, at, word, phrase.slop)
            if at is None:
                break
        else:
            yield start, tokens[at][2]


def _next_word(tokens: list[tuple[str, int, int]], after: int, word: str, slop: int) -> int | None:
    """The index of `word` within `slop` tokens after `after`, the nearest first."""
    for at in range(after + 1, min(after + slop, len(tokens) - 1) + 1):
        if tokens[at][0] == word:
            return at
    return None


def squash(text: str) -> str:
    """White space runs (newlines included) as one space."""
    return _SPACES.sub(" ", text)


def left_context(body: str, start: int, width: int) -> str:
    """The last `width` characters before `start`, white space squashed."""
    if width == 0:
        return ""
    reach = 4 * width + 16
    while True:
        begin = max(0, start - reach)
        shown = squash(body[begin:start])
        if len(shown) > width or begin == 0:
            return shown[-width:]
        reach *= 4  # a long run of white space squashed to one: read further back


def right_context(body: str, end: int, width: int) -> str:
    """The first `width` characters after `end`, white space squashed."""
    if width == 0:
        return ""
    reach = 4 * width + 16
    while True:
        stop = min(len(body), end + reach)
        shown = squash(body[end:stop])
        if len(shown) > width or stop == len(body):
            return shown[:width]
        reach *= 4


def fold(word: str) -> str:
    """A word as the sorts compare it: case and accents ignored."""
    return word.casefold().translate(accent_map)


def context_words(text: str) -> list[str]:
    """The words of a context, folded, in text order."""
    return [fold(word) for word in _KEY_WORDS.findall(text)]


def _sort_key(line: KwicLine, sort: str) -> tuple:
    # Ties keep the article order: rank, then place in the body.
    tail = (line.rank, line.offset)
    if sort == "left":
        return (tuple(reversed(context_words(line.left))), *tail)
    if sort == "right":
        return (tuple(context_words(line.right)), *tail)
    return tail


def _ordered(collected: Iterable[tuple[tuple, KwicLine]], sort: str) -> list[tuple[tuple, KwicLine]]:
    """Lines in the sort's order; article and date orders are the order they were read in."""
    collected = list(collected)
    if sort in ("left", "right"):
        collected.sort(key=lambda item: item[0])
    return collected
