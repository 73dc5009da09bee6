"""Pseudo-relevance feedback (RM3): the words most typical of the first pass's best articles,
added to the query's own, reorder the candidates.

The candidates' words come from analysing their stored text again rather than from the
postings: fifty short texts cost the same in any archive, while looking fifty articles up
in the postings of common words reads more blocks the bigger the archive. Only the opening
of a long text is read (RankingConfig.read_chars), so long ones cost no more.
"""

from __future__ import annotations

import math
from collections import Counter

from whoosh import query as wq

from ..schema import is_content_word
from .bm25 import BM25
from .config import RankingConfig


def query_weight(q: wq.Query, config: RankingConfig) -> float | None:
    """What each point of a first-pass score is worth in the feedback score (query_share of
    it, shared among the words typed, the query's terms in the body field); None when no
    word is typed there, and feedback has nothing to start from."""
    typed = sum(1 for fieldname, _ in q.iter_all_terms() if fieldname == "body")
    return config.query_share / typed if typed else None


def rescore(
    searcher,
    own: float,
    candidates: list[tuple[int, float]],
    words: dict[int, dict[str, float]],
    cut: dict[int, int],
    config: RankingConfig,
) -> list[tuple[int, float]] | None:
    """The candidates' new scores: their first-pass score times `own` (query_weight) plus the
    rest from the feedback_terms words most typical of the top feedback_docs candidates;
    None when feedback has nothing to add (no typical word found).

    `words` holds each candidate's {stem: weight} (title words weighted as indexed), `cut`
    the number of words read of the candidates only partly read."""
    terms = feedback_terms([(words[d], score) for d, score in candidates[: config.feedback_docs]], config)
    if not terms:
        return None
    extra = bm25_scores(searcher, terms, words, cut, BM25(config.k1, config.b))
    return [(d, own * s + (1 - config.query_share) * extra.get(d, 0.0)) for d, s in candidates]


def feedback_terms(top: list[tuple[dict[str, float], float]], config: RankingConfig) -> list[tuple[str, float]]:
    """The words most typical of the top articles, weights summing to 1.

    Each article lends its words in proportion to their share of its text (title words
    weighted as indexed), the article itself weighted by exp(score - best score)."""
    best = top[0][1]
    weights: Counter[str] = Counter()
    for counts, score in top:
        length = sum(counts.values())
        if not length:
            continue
        share = math.exp(score - best) / length
        for term, count in counts.items():
            weights[term] += share * count
    for term in [t for t in weights if not is_content_word(t)]:
        del weights[term]
    chosen = weights.most_common(config.feedback_terms)
    total = sum(w for _, w in chosen)
    return [(term, w / total) for term, w in chosen] if total else []


def bm25_scores(
    searcher, terms: list[tuple[str, float]], words: dict[int, dict[str, float]], cut: dict[int, int], bm25: BM25
) -> dict[int, float]:
    """Weighted BM25 of the terms in the body field, for the given articles' words.

    An article only partly read (in `cut`, with the number of its words read) has the
    length of what was read, as its words' counts are."""
    reader = searcher.reader()
    avgfl = searcher.avg_field_length("body") or 1.0
    idf = {term: searcher.idf("body", term) for term, _ in terms}
    scores: dict[int, float] = {}
    for docnum, counts in words.items():
        length = cut.get(docnum) or reader.doc_field_length(docnum, "body", 0)
        scores[docnum] = sum(
            weight * bm25.score(idf[term], counts[term], length, avgfl) for term, weight in terms if counts.get(term)
        )
    return scores
