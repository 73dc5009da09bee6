"""The first pass of a ranked search: BM25 of a plain OR of words, one term at a time.

Whoosh scores a document at a time through a tree of matcher objects, several Python
calls per posting; on a large archive, where a two-word query matches half the articles,
that is nearly all of a search's time. Its block-skipping shortcut can also drop articles
that belong in the top N (seen on a million-article archive: 3 of the best 100 missing).

For the common query -- words OR'ed over fields, each maybe boosted, no phrases, wildcards,
filters or negations -- this reads each term's posting blocks whole and adds BM25 scores up
in a dict, with Whoosh's own formula and statistics: every matching article is scored and
counted, unless no count is wanted, when articles that cannot reach the top are dropped
early (same results, see first_pass). Any other query returns None and goes to Whoosh.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from operator import itemgetter

from whoosh import query as wq
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from ..whoosh_ext.codec import deleted_docs, length_bytes, posting_blocks, term_info
from .bm25 import BM25


def plain_terms(q: wq.Query) -> list[wq.Term] | None:
    """The terms of a query that is one Term or a flat, plain Or of Terms; otherwise None."""
    if type(q) is wq.Term:
        return [q]
    if type(q) is not wq.Or or q.boost != 1.0 or q.scale or q.minmatch:
        return None
    if not q.subqueries or any(type(sub) is not wq.Term for sub in q.subqueries):
        return None
    return list(q.subqueries)


def first_pass(
    searcher, q: wq.Query, depth: int, bm25: BM25, count: bool = True
) -> tuple[list[tuple[int, float]], int | None] | None:
    """The `depth` best (docnum, score) pairs, best first (equal scores by docnum), with any
    more that score the same as the last of them (with_ties), and how many articles matched
    at all (None if count=False allowed skipping some); None when the query is not one this
    can score.

    With count=False, once the words left to add could not lift an article that has none of
    the words so far up to the depth-th best score, no new articles are taken in, those that
    cannot reach it are dropped, and posting blocks holding none of the rest are not read:
    the same articles and scores, for less work."""
    terms = plain_terms(q)
    schema = searcher.schema
    if terms is None or any(t.fieldname in schema and not schema[t.fieldname].scorable for t in terms):
        return None
    if not searcher.reader().doc_count_all():  # no segment yet: Whoosh's EmptyReader has no term table
        return [], 0
    leaves = searcher.leaf_searchers()
    words = [_Word(searcher, leaves, bm25, term, *key) for term in terms if (key := _term_key(searcher, term))]
    words = [word for word in words if word.infos]
    # The rarest word first: the words that decide most are added up first, and the common
    # ones, whose postings are most of the work, come last, when pruning can skip them.
    # Every article's score is added up in this one order, however much is pruned.
    words.sort(key=lambda word: (word.doc_frequency, word.fieldname, word.btext))
    prune = not count and depth > 0 and all(word.factor > 0 for word in words)
    # One dict a segment, keyed by the segment's own document numbers: no offset to add
    # to every posting.
    scores: list[dict[int, float]] = [{} for _ in leaves]
    lengths: dict[tuple[int, str], bytes] = {}  # (segment offset, field): read once a search
    closed = False  # no new articles: only those in `scores` can still reach the top
    for i, word in enumerate(words):
        _add_word(leaves, word, scores, lengths, closed)
        if prune and i + 1 < len(words):
            # At most what the words left can add; the margin covers rounding in the sums.
            rest = sum(w.bound for w in words[i + 1 :]) * (1 + 1e-9)
            bar = _depth_best(scores, depth)
            if bar is not None and rest < bar:
                closed = True
                for n, segment in enumerate(scores):
                    scores[n] = {d: v for d, v in segment.items() if v + rest >= bar}
    matched = None if closed else sum(map(len, scores))
    if not depth:
        return [], matched
    cutoff = _depth_best(scores, depth)
    if cutoff is None:  # fewer matches than asked for: all of them
        cutoff = float("-inf")
    best = [
        (docnum + offset, value)
        for segment, (_, offset) in zip(scores, leaves, strict=True)
        for docnum, value in segment.items()
        if value >= cutoff
    ]
    best.sort(key=lambda item: (-item[1], item[0]))
    return with_ties(best, depth), matched


def with_ties(ranked: list, depth: int, key: Callable = itemgetter(1)) -> list:
    """The first `depth` of a best-first list, and any after them that score the same as the
    last of those (which of them make the depth is then the caller's to decide by id); `key`:
    what an item's place is decided by (its score, (docnum, score)'s second)."""
    if len(ranked) <= depth or not depth:
        return ranked[:depth]
    last = key(ranked[depth - 1])
    end = depth
    while end < len(ranked) and key(ranked[end]) == last:
        end += 1
    return ranked[:end]


def _depth_best(scores: list[dict[int, float]], depth: int) -> float | None:
    """The depth-th best score so far; None while fewer articles have one."""
    values = [value for segment in scores for value in segment.values()]
    if len(values) < depth:
        return None
    # The depth-th best score alone first: floats alone compare fastest.
    return heapq.nlargest(depth, values)[-1]


def _term_key(searcher, term: wq.Term) -> tuple[str, bytes] | None:
    """(field, indexed bytes) of a term; None when the field or the text cannot be indexed."""
    if term.fieldname not in searcher.schema:
        return None
    try:
        return term.fieldname, searcher.schema[term.fieldname].to_bytes(term.text)
    except ValueError:
        return None


class _Word:
    """One word of the query: its term statistics in each segment holding it (looked up once
    a search), its BM25 constants, and the most it can add to any article."""

    def __init__(self, searcher, leaves: list, bm25: BM25, term: wq.Term, fieldname: str, btext: bytes) -> None:
        avgfl = searcher.avg_field_length(fieldname) or 1
        self.fieldname, self.btext = fieldname, btext
        self.factor = bm25.factor(searcher.idf(fieldname, term.text), term.boost)
        self.norms = [bm25.norm(byte_to_length(lb), avgfl) for lb in range(256)]  # for each length byte
        self.infos = {}  # segment offset: term statistics, for the segments holding the word
        for subsearcher, offset in leaves:
            try:
                self.infos[offset] = term_info(subsearcher.reader(), fieldname, btext)
            except TermNotFound:
                pass
        # The searcher's, not the segments' sum: a shard's is the whole archive's (fanout.py),
        # so that every shard adds the words up in the order one index would.
        self.doc_frequency = searcher.doc_frequency(fieldname, btext)
        # The most it adds: its highest weight in the shortest article, in any segment.
        self.bound = max(
            [0.0, *(bm25.max_score(self.factor, i.max_weight(), i.min_length(), avgfl) for i in self.infos.values())]
        )


def _add_word(
    leaves: list, word: _Word, scores: list[dict[int, float]], lengths: dict[tuple[int, str], bytes], closed: bool
) -> None:
    """Add one word's BM25 contribution to every article it occurs in (once `closed`, only
    to the articles already in `scores`)."""
    fieldname, factor, norms = word.fieldname, word.factor, word.norms
    for (subsearcher, offset), segment in zip(leaves, scores, strict=True):
        info = word.infos.get(offset)
        if info is None or (closed and not segment):
            continue
        reader = subsearcher.reader()
        if (offset, fieldname) not in lengths:
            raw = length_bytes(reader, fieldname)
            lengths[offset, fieldname] = raw if raw is not None else bytes(reader.doc_count_all())
        lens = lengths[offset, fieldname]
        get = segment.get
        if closed:
            # Deleted articles never got in; blocks without any of these articles are skipped.
            for ids, weights in posting_blocks(reader, info, wanted=sorted(segment)):
                postings = zip(ids, weights, strict=True)
                segment.update({d: get(d) + factor * tf / (tf + norms[lens[d]]) for d, tf in postings if d in segment})
            continue
        deleted = deleted_docs(reader)
        first = not segment
        for ids, weights in posting_blocks(reader, info):
            # One comprehension a block scores and adds up: a single loop over the postings.
            postings = zip(ids, weights, strict=True)
            if first:
                block = {d: factor * tf / (tf + norms[lens[d]]) for d, tf in postings}
            else:
                block = {d: get(d, 0.0) + factor * tf / (tf + norms[lens[d]]) for d, tf in postings}
            if deleted:
                for docnum in deleted.intersection(block):
                    del block[docnum]
            segment.update(block)
