"""A ranked search, stage by stage, over one list of (docnum, score) candidates:

    first pass (BM25) -> feedback (RM3) -> latent space -> tie-break

Each stage is a flat call here; what each does and why is in its own module and in
docs/ranking.md, and every setting is in config.py.
"""

from __future__ import annotations

from collections import Counter
from operator import itemgetter

from whoosh import query as wq
from whoosh import sorting

from ..schema import weighted
from ..stored import StoredFields, opening_counts
from . import feedback, mixing
from .bm25 import BM25
from .config import RankingConfig
from .firstpass import first_pass, with_ties

Ranked = list[tuple[int, float]]


def first_stage(
    stored: StoredFields, q: wq.Query, depth: int, count: bool, config: RankingConfig
) -> tuple[Ranked, int | None, bool]:
    """The `depth` best articles by BM25 of the query's words, how many matched (None when not
    counted), and whether any did. The first pass scores the common plain queries; Whoosh's
    own search, with the same BM25, all others. `stored`: the search's stored fields (the
    ids of articles of equal score are read through it, once)."""
    searcher = stored.searcher
    fast = first_pass(searcher, q, depth, BM25(config.k1, config.b), count=count or not depth)
    if fast is not None:
        ranked, found = fast
        # found is None when the first pass pruned, which it does only once it has a full
        # `depth` of matches.
        return by_score_then_id(stored, ranked, depth), found, found is None or found > 0
    limit = depth + 1 if depth else 1
    while True:  # widened until no article past the depth scores what the depth-th does
        results = searcher.search(q, limit=limit)
        ranked = [(hit.docnum, hit.score or 0.0) for hit in results]
        if len(ranked) < limit or not depth or ranked[-1][1] != ranked[depth - 1][1]:
            break
        limit *= 2
    ranked = by_score_then_id(stored, with_ties(ranked, depth), depth) if depth else []
    found = len(results) if count else None
    return ranked, found, bool(found) if count else results.scored_length() > 0


def by_score_then_id(stored: StoredFields, ranked: Ranked, depth: int) -> Ranked:
    """The `depth` best, best first, equal scores in article-id order: which of several
    equally scored articles make the depth, and their order, then do not depend on how the
    articles lie in the index's segments (--jobs, incremental runs). Ids are read only for
    the articles that share a score (tie_break's order, without reading every id)."""
    counts = Counter(score for _, score in ranked)
    if any(n > 1 for n in counts.values()):
        ranked = sorted(
            ranked, key=lambda item: (-item[1], stored[item[0]].get("id", "") if counts[item[1]] > 1 else "")
        )
    return ranked[:depth]


# At most this many articles past a date-sorted page are read to put articles of the same
# date and score as the page's last in id order (beyond: an archive of undated articles, a
# filter alone; those left keep index order).
DATE_TIES_READ = 5_000


def date_sorted(
    searcher, q: wq.Query, newest: bool, limit: int, offset: int, count: bool, scored: bool = True
) -> tuple[Ranked, int | None, bool]:
    """The articles matching the query by publication date instead of by score (the same
    return as first_stage's); articles without a date come last either way. Each keeps its
    BM25 score for the query (0.0 unless `scored`: a query of filters alone ranks nothing)."""
    order = DateOrder(newest, scored)
    want = offset + limit
    reads = want + 1 if limit else 1
    while True:  # widened until no article past the page sorts with the page's last
        results = searcher.search(q, limit=reads, sortedby=order)
        top = results.top_n
        if len(top) < reads or not limit or top[-1][0] != top[want - 1][0] or reads > want + DATE_TIES_READ:
            break
        reads *= 2
    page = _ties_by_id(searcher, with_ties(top, want, key=itemgetter(0)))[offset:want] if limit else []
    ranked = [(docnum, order.score(key)) for key, docnum in page]
    found = len(results) if count else None
    return ranked, found, bool(found) if count else results.scored_length() > 0


def _ties_by_id(searcher, top: list) -> list:
    """(key, docnum) in key order; equal keys in article-id order, not index order, so that
    another layout of the same archive (shards, --jobs) lists them the same."""
    counts = Counter(key for key, _ in top)
    if all(n == 1 for n in counts.values()):
        return top
    return sorted(top, key=lambda item: (item[0], searcher.stored_fields(item[1])["id"] if counts[item[0]] > 1 else ""))


class DateOrder(sorting.FacetType):
    """Sort key: dated articles first, by date (newest or oldest first); then the more
    relevant of equal dates (date_sorted puts those still equal in id order). The key
    carries the article's score, since Whoosh reports a sorted search's key in place of its
    score."""

    def __init__(self, newest: bool, scored: bool) -> None:
        self.newest = newest
        self.scored = scored

    def categorizer(self, global_searcher):
        return _DateKeys(global_searcher.schema["published"].default, self.newest, self.scored)

    @staticmethod
    def score(key: tuple) -> float:
        return -key[2]


class _DateKeys(sorting.Categorizer):
    """DateOrder's keys, read a segment at a time from the date column."""

    def __init__(self, missing: int, newest: bool, scored: bool) -> None:
        self.missing = missing  # the column's value for an article without a date
        self.sign = -1 if newest else 1
        self.needs_current = scored  # the score is read from the matcher on the article
        self.column = None

    def set_searcher(self, segment_searcher, docoffset):
        self.column = segment_searcher.reader().column_reader("published", translate=False)

    def key_for(self, matcher, segment_docnum):
        value = self.column[segment_docnum]
        score = matcher.score() if self.needs_current else 0.0
        if value == self.missing:
            return (1, 0, -score)
        return (0, self.sign * value, -score)


def rerank(stored: StoredFields, q: wq.Query, ranked: Ranked, config: RankingConfig, places=None) -> Ranked:
    """Feedback, then the latent space, then the tie-break, over the first `rerank_depth`
    articles (the candidates); any further ones follow them in the first pass's order,
    scored without feedback's share, so below every candidate: a longer --limit only adds
    to the list's end. Only articles the query matched are reordered: feedback brings in
    none without the words typed. `places` (places.Places): the vectors file and the latent
    space, where the candidates' words and places come from (None: no space)."""
    own = feedback.query_weight(q, config)
    if own is None:
        return ranked
    candidates, rest = ranked[: config.rerank_depth], ranked[config.rerank_depth :]
    known = places.rows(stored, candidates) if places is not None else {}
    counts, words, cut = _candidate_words(stored, candidates, known)
    scored = feedback.rescore(stored.searcher, own, candidates, words, cut, config)
    if scored is None:
        return ranked
    if places is not None:
        scored = mixing.mix(scored, places.closeness(mixing.typed_words(q), stored, scored, known, counts), config)
    scored = tie_break(stored, scored)
    return scored + [(d, own * s) for d, s in rest]


def tie_break(stored: StoredFields, scored: Ranked) -> Ranked:
    """Best first; equal scores in id order, not document-number order: the same archive
    indexed again (with --jobs, into differently shared segments) ranks the same."""
    return sorted(scored, key=lambda item: (-item[1], stored[item[0]].get("id", "")))


def _candidate_words(stored: StoredFields, candidates: Ranked, known: dict) -> tuple[dict, dict, dict]:
    """Each candidate's {stem: weight} as the index weighs title words, and for those only
    partly read, the number of words read: from its row in the vectors file (`known`), else
    from its text; and the (title, body) stem counts of those worked out from their text."""
    counts, words, cut = {}, {}, {}
    for docnum, _ in candidates:
        row = known.get(docnum)
        if row is not None:
            words[docnum] = row.words
            if row.read is not None:
                cut[docnum] = row.read
            continue
        title, body = counts[docnum] = opening_counts(stored[docnum], stored.read_chars)
        words[docnum] = weighted(title, body)
        if docnum in stored.cut:
            cut[docnum] = sum(title.values()) + sum(body.values())
    return counts, words, cut


def has_versions(searcher) -> bool:
    """Whether the index holds web-archive captures, whose URLs can have several versions."""
    return next(iter(searcher.reader().lexicon("urlkey")), None) is not None


def latest_versions(stored: StoredFields, ranked: Ranked) -> Ranked:
    """One candidate per URL: where several versions of a captured page are candidates, the
    latest capture among them takes the place (and the score) of the best placed. Articles
    not from a web archive pass as they are."""
    out: Ranked = []
    place: dict[str, int] = {}  # urlkey -> its entry in out
    for docnum, score in ranked:
        key = stored[docnum].get("urlkey")
        if not key:
            out.append((docnum, score))
        elif key not in place:
            place[key] = len(out)
            out.append((docnum, score))
        else:
            kept, kept_score = out[place[key]]
            if _latest_capture(stored[docnum]) > _latest_capture(stored[kept]):
                out[place[key]] = (docnum, kept_score)
    return out


def _latest_capture(fields: dict) -> str:
    """The latest capture time as stored: ISO 8601 in UTC, so text order is time order."""
    return max(fields.get("captures") or [""])
