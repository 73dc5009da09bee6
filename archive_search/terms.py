"""Significant terms: the words and two-word phrases a query's articles use far more often
than the archive as a whole does.

The foreground is the best-ranked matches (a sample, as Elasticsearch's sampler takes one):
the index keeps no per-article term vectors, so their words come from reading their stored
text again, and reading every match of a common word would cost as much as the archive is
large. The background is the whole archive, from the index's document frequencies; a
phrase's, from its positions, for the few phrases worth counting. Each term is scored by
Dunning's log-likelihood G² on the 2x2 table of article counts, foreground against the rest
of the archive; only over-represented terms are kept.
"""

from __future__ import annotations

import functools
import heapq
import math
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from whoosh import query as wq

from .archive import Archive
from .errors import QueryError
from .model_views import CRITICAL_G2, Term, TermsResult
from .query import Filters
from .ranking import pipeline
from .schema import WORDS, is_content_word, stems
from .store import survive_switches
from .stored import StoredFields
from .whoosh_ext.codec import body_positions, decode_positions, deleted_docs

# Articles read by default: the best-ranked matches, as many as keep `terms` within twice
# the time of a plain search on a wire-service archive (README, "terms").
DEFAULT_SAMPLE = 200
DEFAULT_TOP = 20
# The fewest articles read a term must be in, by default: a word of one or two articles is
# about those articles, not about what the query finds. Fewer for a small foreground.
DEFAULT_MIN_COUNT = 3
SMALL_SAMPLE = 30
# The most phrases whose background is counted (a positional count each, far dearer than a
# word's), as a multiple of --top: the bound on the time phrases take.
PHRASES_COUNTED = 1


@dataclass
class _Foreground:
    """What the articles read hold: in how many each stem and stem pair occurs, and how each
    is written."""

    read: int = 0
    words: Counter[str] = field(default_factory=Counter)
    phrases: Counter[tuple[str, str]] = field(default_factory=Counter)
    forms: Counter[tuple[str, str]] = field(default_factory=Counter)  # (stem, word as written)
    # Each text's stems and words as written, for the forms of the few phrases shown.
    texts: list[tuple[list[str], list[str]]] = field(default_factory=list)

    def phrase_forms(self, wanted: set[tuple[str, str]]) -> Counter:
        """{((stem, stem), (word, word)): count} of the phrases wanted, as written."""
        forms: Counter = Counter()
        for found, written in self.texts:
            pairs = zip(pairwise(found), pairwise(written), strict=True)
            forms.update(item for item in pairs if item[0] in wanted)
        return forms

    def add(self, texts: list[str]) -> None:
        """One article's texts (title, body): each stem and adjacent pair counted once.

        Counted a text at a time, not a word at a time (Counter and set over zip run in C):
        the words read are most of the command's work."""
        words: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        for text in texts:
            found = stems(text)
            written = WORDS.findall(text)
            if text.isupper():
                # A headline in capitals (wire copy) says nothing of how its words are written.
                written = [word.lower() for word in written]
            self.forms.update(zip(found, written, strict=True))
            self.texts.append((found, written))
            words.update(found)
            # Adjacent as the index's positions are: a stopword between two words breaks a pair.
            pairs.update(pairwise(found))
        self.read += 1
        self.words.update(words)
        self.phrases.update(pairs)


def _written(forms: Counter, keys: set) -> dict:
    """{key: the form it is most often written in} for the keys asked for (ties: the
    alphabetically first), in one pass over the forms."""
    best: dict = {}
    for (key, form), n in forms.items():
        if key in keys:
            held = best.get(key)
            if held is None or n > held[0] or (n == held[0] and form < held[1]):
                best[key] = (n, form)
    return {key: form for key, (_, form) in best.items()}


def g2(a: int, n: int, df: int, total: int) -> float:
    """Dunning's log-likelihood G² of a term in `a` of `n` foreground articles and `df` of
    `total` in the whole archive: the foreground against the rest of the archive."""
    rest = total - n
    observed = (a, n - a, df - a, rest - (df - a))
    rows = (n, n, rest, rest)
    cols = (df, total - df, df, total - df)
    return 2.0 * sum(o * math.log(o * total / (r * c)) for o, r, c in zip(observed, rows, cols, strict=True) if o > 0)


def over_represented(a: int, n: int, df: int, total: int) -> bool:
    """Whether the term is in a larger share of the foreground than of the rest of the archive."""
    rest = total - n
    return rest > 0 and a * rest > (df - a) * n


def default_min_count(sampled: int) -> int:
    """DEFAULT_MIN_COUNT, two for a foreground smaller than SMALL_SAMPLE, never more than were read."""
    return max(1, min(DEFAULT_MIN_COUNT if sampled >= SMALL_SAMPLE else 2, sampled))


def significant_terms(
    archive: Archive,
    text: str,
    filters: Filters | None = None,
    *,
    top: int = DEFAULT_TOP,
    sample: int = DEFAULT_SAMPLE,
    min_count: int | None = None,
) -> TermsResult:
    """The `top` words and phrases most over-represented in the `sample` best-ranked articles
    the query matches, against the whole archive; the query's own words left out. min_count:
    the fewest articles read a term must be in (None: default_min_count of those read)."""
    if top < 0 or sample < 1 or (min_count is not None and min_count < 1):
        raise QueryError("--top must be zero or more, --sample and --min-count one or more")
    parsed = archive.parse(text, filters)
    if parsed.query is wq.NullQuery:
        if text.strip():
            return TermsResult(text, 0, 0, 0, 0, notes=[*parsed.notes, "note: the query has no searchable words"])
        raise QueryError("empty query: give some words to find the terms of, or a filter such as --author")
    result = survive_switches(
        lambda: _measure(archive, parsed, text, top, sample, min_count), archive._reopen_if_switched
    )
    result.notes[:0] = parsed.notes
    return result


def _measure(archive: Archive, parsed, text: str, top: int, sample: int, min_count: int | None) -> TermsResult:
    with archive._searcher() as searcher:
        stored = StoredFields(searcher, archive.ranking.read_chars)
        ranked, matched = _best(stored, parsed, sample, archive.ranking)
        fg = _Foreground()
        for docnum, _ in ranked:
            fields = stored[docnum]
            fg.add([stored.opening(fields.get("title") or ""), fields.get("body") or ""])
        total = searcher.doc_count()
        own = _query_stems(parsed.query)
        least = min_count if min_count is not None else default_min_count(fg.read)
        words, pairs = _candidates(fg, own, least)
        bar = _Bar(top + top // 2, fg.read, total)  # room for words a phrase stands for (_without_parts)
        frequency = functools.cache(lambda stem: searcher.doc_frequency("body", stem))
        terms = _scored(words, frequency, "word", bar)
        # Phrases after words: the words' scores have raised the bar by then.
        pairs = _promising(pairs, fg, frequency, bar)[: PHRASES_COUNTED * top]
        terms += _scored(pairs, lambda pair: phrase_frequency(searcher, *pair), "phrase", bar)
    terms.sort(key=lambda t: (-t.score, t.kind, t.stem))
    terms = _as_written(fg, _without_parts(terms)[:top])
    left_out = sorted(_written(fg.forms, {stem for stem in own if fg.words.get(stem)}).values())
    result = TermsResult(text, matched, fg.read, total, least, terms, left_out)
    if matched > fg.read:
        result.notes.append(
            f"note: read the {fg.read:,} best-ranked of {matched:,} matching articles; --sample reads more"
        )
    return result


def _best(stored: StoredFields, parsed, sample: int, config) -> tuple[list[tuple[int, float]], int]:
    """The `sample` best-ranked matches (newest first for filters alone) and how many matched."""
    if parsed.has_words:
        ranked, found, _ = pipeline.first_stage(stored, parsed.query, sample, True, config)
    else:
        ranked, found, _ = pipeline.date_sorted(stored.searcher, parsed.query, True, sample, 0, True, scored=False)
    return ranked, found or 0


def _query_stems(q: wq.Query) -> frozenset[str]:
    """The stems the query searches the text for."""
    return frozenset(text for fieldname, text in q.iter_all_terms() if fieldname in ("body", "title"))


def _without_parts(terms: list[Term]) -> list[Term]:
    """The terms less the words seen only within a phrase listed above them ("Jorio" of
    "Jorio Dauster"): in the same articles, the phrase says it all."""
    phrases = {}
    out = []
    for t in terms:
        if t.kind == "phrase":
            for stem in t.stem.split(" "):
                phrases.setdefault(stem, []).append(t)
        elif any((p.foreground, p.background) == (t.foreground, t.background) for p in phrases.get(t.stem, ())):
            continue
        out.append(t)
    return out


def _as_written(fg: _Foreground, terms: list[Term]) -> list[Term]:
    """The terms, each shown as most often written among the articles read ("pric": "prices")."""
    words = _written(fg.forms, {t.stem for t in terms if t.kind == "word"})
    wanted = {tuple(t.stem.split(" ")) for t in terms if t.kind == "phrase"}
    phrases = _written(fg.phrase_forms(wanted), wanted)
    for t in terms:
        t.term = words[t.stem] if t.kind == "word" else " ".join(phrases[tuple(t.stem.split(" "))])
    return terms


def _term(stem: str, kind: str, a: int, n: int, df: int, total: int) -> Term:
    """A term scored; shown as its stem until _as_written finds how it is written."""
    score = g2(a, n, df, total)
    return Term(stem, stem, kind, a, df, score, score > CRITICAL_G2)


class _Bar:
    """The best scores so far, `room` of them: a term that could not beat the lowest, even
    if the archive held it nowhere but in the articles read, cannot be listed."""

    def __init__(self, room: int, n: int, total: int) -> None:
        self.room, self.n, self.total = room, n, total
        self.heap: list[float] = []

    def beaten(self, a: int) -> bool:
        """Whether a term of `a` articles read cannot reach the top, whatever its background."""
        if len(self.heap) < self.room:
            return False
        n, total = self.n, self.total
        return not over_represented(a, n, a, total) or g2(a, n, a, total) <= self.heap[0]

    def add(self, score: float) -> None:
        if len(self.heap) < self.room:
            heapq.heappush(self.heap, score)
        elif self.room:
            heapq.heappushpop(self.heap, score)


def _scored(candidates, background, kind: str, bar: _Bar) -> list[Term]:
    """The over-represented terms among the candidates ((stem, a)), each background counted
    by `background(stem)` unless the bar shows the term cannot reach the top. Words come the
    most frequent first, and a term's best score only falls with its count: the first word
    the bar stops, no later one could pass either."""
    n, total = bar.n, bar.total
    out = []
    for stem, a in candidates:
        if bar.beaten(a):
            if kind == "word":
                break
            continue
        # At least the articles read: the index counts deleted articles until a merge drops them.
        df = max(background(stem), a)
        if over_represented(a, n, df, total):
            term = _term(stem if kind == "word" else " ".join(stem), kind, a, n, df, total)
            out.append(term)
            bar.add(term.score)
    return out


def _promising(pairs: list, fg: _Foreground, frequency, bar: _Bar) -> list:
    """The stem pairs that may reach the top, the most promising first: by their score if
    the archive held them as often, for their words, as the articles read do (its rarer
    word's share of the articles read that hold the phrase, taken as the archive's)."""
    n, total = bar.n, bar.total

    def expected(item) -> float:
        (x, y), a = item
        guess = max(a, min(a * frequency(x) / fg.words[x], a * frequency(y) / fg.words[y]))
        return g2(a, n, round(guess), total) if over_represented(a, n, round(guess), total) else 0.0

    return sorted((item for item in pairs if not bar.beaten(item[1])), key=lambda item: (-expected(item), item[0]))


def _candidates(fg: _Foreground, own: frozenset[str], least: int) -> tuple[list, list]:
    """The words and the stem pairs of at least `least` articles read that can be terms
    (neither the query's words nor any with one), each the most frequent first."""
    words = [(stem, a) for stem, a in fg.words.items() if a >= least and stem not in own and _word(stem)]
    pairs = [
        ((x, y), a)
        for (x, y), a in fg.phrases.items()
        if a >= least and x not in own and y not in own and _word(x) and _word(y)
    ]
    return sorted(words, key=lambda item: (-item[1], item[0])), sorted(pairs, key=lambda item: (-item[1], item[0]))


def _word(stem: str) -> bool:
    """Whether a stem can be a term: a content word with a letter in it (not "15.8")."""
    return is_content_word(stem) and any(char.isalpha() for char in stem)


def phrase_frequency(searcher, first: str, second: str) -> int:
    """Articles of the archive holding the two stems side by side (in the body field, which
    holds the title too, with a gap no phrase spans): Whoosh's Phrase query's count, from
    the articles both stems are in, their positions compared only there."""
    found = 0
    for leaf, _ in searcher.leaf_searchers():
        reader = leaf.reader()
        if ("body", first) not in reader or ("body", second) not in reader:
            continue
        rare, common = sorted((first, second), key=lambda stem: reader.doc_frequency("body", stem))
        held = body_positions(reader, rare)
        both = body_positions(reader, common, held)
        deleted = deleted_docs(reader)
        follows, before = (held, both) if rare == first else (both, held)
        for docnum in both.keys() - deleted:
            after = {pos + 1 for pos in decode_positions(follows[docnum])}
            found += not after.isdisjoint(decode_positions(before[docnum]))
    return found
