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
from itertools import accumulate

from whoosh import query as wq
from whoosh.util.numeric import byte_to_length

from .codec import length_bytes


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
    # The most frequent word first: its scores go into the empty dict whole (in C), and the
    # rarer words' scores, fewer, are added to them one by one.
    found.sort(key=lambda item: -reader.doc_frequency(*item[1]))
    scores: dict[int, float] = {}
    lengths: dict[tuple[int, str], bytes] = {}  # (segment offset, field): read once a search
    for term, (_, btext) in found:
        _add_term(searcher, term, btext, scores, lengths)
    if not depth or not scores:
        return [], len(scores)
    # The depth-th best score first (floats alone compare fastest), then what reaches it.
    cutoff = heapq.nlargest(depth, scores.values())[-1]
    best = [item for item in scores.items() if item[1] >= cutoff]
    best.sort(key=lambda item: (-item[1], item[0]))
    return best[:depth], len(scores)


def _term_key(searcher, term: wq.Term) -> tuple[str, bytes] | None:
    """(field, indexed bytes) of a term; None when the field or the text cannot be indexed."""
    if term.fieldname not in searcher.schema:
        return None
    try:
        return term.fieldname, searcher.schema[term.fieldname].to_bytes(term.text)
    except ValueError:
        return None


def _add_term(
    searcher, term: wq.Term, btext: bytes, scores: dict[int, float], lengths: dict[tuple[int, str], bytes]
) -> None:
    """Add one term's BM25 contribution to every article it occurs in."""
    fieldname, boost = term.fieldname, term.boost
    field = searcher.schema[fieldname]
    weighting = searcher.weighting
    k1 = weighting.K1
    b = weighting._field_B.get(fieldname, weighting.B)
    idf = searcher.idf(fieldname, term.text)
    avgfl = searcher.avg_field_length(fieldname) or 1
    # Whoosh's bm25() term for term for every length byte, so the scores are its own.
    norms = [k1 * ((1 - b) + b * byte_to_length(lb) / avgfl) for lb in range(256)]
    k1p1 = k1 + 1
    get = scores.get
    first = not scores
    for subsearcher, offset in searcher.leaf_searchers():
        reader = subsearcher.reader()
        if (fieldname, btext) not in reader:
            continue
        if (offset, fieldname) not in lengths:
            raw = length_bytes(reader._perdoc, fieldname)
            lengths[offset, fieldname] = raw if raw is not None else bytes(reader.doc_count_all())
        segment_lengths = lengths[offset, fieldname]
        deleted = reader._perdoc.deleted_docs() if reader.has_deletions() else ()
        for ids, weights in _blocks(reader, fieldname, btext, field.format):
            ids = list(ids)
            values = [
                idf * ((tf * k1p1) / (tf + norms[segment_lengths[d]])) * boost
                for d, tf in zip(ids, weights, strict=True)
            ]
            keys = [d + offset for d in ids] if offset else ids
            if deleted:
                pairs = [(k, v) for d, k, v in zip(ids, keys, values, strict=True) if d not in deleted]
            else:
                pairs = zip(keys, values, strict=True)
            if first:
                scores.update(pairs)
            else:
                for key, value in pairs:
                    scores[key] = get(key, 0.0) + value


def _blocks(reader, fieldname: str, btext: bytes, format_):
    """(docnums, weights) of each posting block of a term in one segment."""
    matcher = reader._terms.matcher(fieldname, btext, format_)
    while matcher.is_active():
        matcher._read_data()
        ids = matcher._data[0]
        if not matcher._byteids:
            ids = accumulate(ids)  # stored as gaps
        matcher._read_weights()
        yield ids, matcher._weights
        matcher._next_block()
