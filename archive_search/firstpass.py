"""The first pass of a ranked search: BM25 of a plain OR of words, one term at a time.

Whoosh scores a document at a time through a tree of matcher objects, several Python
calls per posting; on a large archive, where a two-word query matches half the articles,
that is nearly all of a search's time. Its block-skipping shortcut can also drop articles
that belong in the top N (seen on a million-article archive: 3 of the best 100 missing).

For the common query -- words OR'ed over fields, each maybe boosted, no phrases, wildcards,
filters or negations -- this reads each term's posting blocks whole and adds BM25 scores up
in a dict: every matching article is scored, with Whoosh's own formula and statistics, and
the count of matches comes for free. Any other query returns None and goes to Whoosh.
"""

from __future__ import annotations

import heapq

from whoosh import query as wq
from whoosh.util.numeric import byte_to_length

from .codec import length_bytes, posting_blocks


def plain_terms(q: wq.Query) -> list[wq.Term] | None:
    """The terms of a query that is one Term or a flat, plain Or of Terms; otherwise None."""
    if type(q) is wq.Term:
        return [q]
    if type(q) is not wq.Or or q.boost != 1.0 or q.scale or q.minmatch:
        return None
    if not q.subqueries or any(type(sub) is not wq.Term for sub in q.subqueries):
        return None
    return list(q.subqueries)


def first_pass(searcher, q: wq.Query, depth: int) -> tuple[list[tuple[int, float]], int] | None:
    """The `depth` best (docnum, score) pairs, best first (equal scores by docnum), and how
    many articles matched at all; None when the query is not one this can score."""
    terms = plain_terms(q)
    schema = searcher.schema
    if terms is None or any(t.fieldname in schema and not schema[t.fieldname].scorable for t in terms):
        return None
    reader = searcher.reader()
    found = [(term, key) for term in terms if (key := _term_key(searcher, term)) in reader]
    # The most frequent word first: its scores fill the empty dicts, and the rarer words'
    # scores, fewer, are added to them.
    found.sort(key=lambda item: -reader.doc_frequency(*item[1]))
    leaves = searcher.leaf_searchers()
    # One dict a segment, keyed by the segment's own document numbers: no offset to add
    # to every posting.
    scores: list[dict[int, float]] = [{} for _ in leaves]
    lengths: dict[tuple[int, str], bytes] = {}  # (segment offset, field): read once a search
    for term, (_, btext) in found:
        _add_term(searcher, leaves, term, btext, scores, lengths)
    matched = sum(map(len, scores))
    if not depth or not matched:
        return [], matched
    # The depth-th best score first (floats alone compare fastest), then what reaches it.
    cutoff = heapq.nlargest(depth, [value for segment in scores for value in segment.values()])[-1]
    best = [
        (docnum + offset, value)
        for segment, (_, offset) in zip(scores, leaves, strict=True)
        for docnum, value in segment.items()
        if value >= cutoff
    ]
    best.sort(key=lambda item: (-item[1], item[0]))
    return best[:depth], matched


def _term_key(searcher, term: wq.Term) -> tuple[str, bytes] | None:
    """(field, indexed bytes) of a term; None when the field or the text cannot be indexed."""
    if term.fieldname not in searcher.schema:
        return None
    try:
        return term.fieldname, searcher.schema[term.fieldname].to_bytes(term.text)
    except ValueError:
        return None


def _add_term(
    searcher,
    leaves: list,
    term: wq.Term,
    btext: bytes,
    scores: list[dict[int, float]],
    lengths: dict[tuple[int, str], bytes],
) -> None:
    """Add one term's BM25 contribution to every article it occurs in."""
    fieldname = term.fieldname
    weighting = searcher.weighting
    k1 = weighting.K1
    b = weighting._field_B.get(fieldname, weighting.B)
    avgfl = searcher.avg_field_length(fieldname) or 1
    # Whoosh's bm25(), idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgfl)), with
    # the constant factors multiplied out and the denominator's norm ready for each length byte.
    factor = searcher.idf(fieldname, term.text) * (k1 + 1) * term.boost
    norms = [k1 * ((1 - b) + b * byte_to_length(lb) / avgfl) for lb in range(256)]
    for (subsearcher, offset), segment in zip(leaves, scores, strict=True):
        reader = subsearcher.reader()
        if (fieldname, btext) not in reader:
            continue
        if (offset, fieldname) not in lengths:
            raw = length_bytes(reader._perdoc, fieldname)
            lengths[offset, fieldname] = raw if raw is not None else bytes(reader.doc_count_all())
        lens = lengths[offset, fieldname]
        deleted = frozenset(reader._perdoc.deleted_docs()) if reader.has_deletions() else None
        get = segment.get
        first = not segment
        for ids, weights in posting_blocks(reader, fieldname, btext):
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
