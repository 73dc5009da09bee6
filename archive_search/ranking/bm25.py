"""BM25, in one place: the formula, its idf, the most a word can add, and Whoosh's weighting.

The first pass (firstpass.py), the feedback words (feedback.py) and Whoosh's own search of
the queries the first pass does not take (through `BM25.weighting()`) all score with this.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from whoosh import scoring


def lucene_idf(n: int, df: int) -> float:
    """Lucene's idf, log(1 + (N - df + 0.5) / (df + 0.5)).

    Whoosh's own idf, log(N / (df + 1)) + 1, gives words found in most articles a weight
    of about 1 where this gives them nearly 0, which matters for long, wordy queries.
    N counts deleted articles, as df does (as Lucene's maxDoc does): with N the live
    articles only, a common word's idf went below 0 once an update had replaced enough
    articles, and Whoosh's search then dropped most matches."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


class LuceneBM25(scoring.BM25F):
    """Whoosh's BM25 with Lucene's idf (lucene_idf)."""

    def idf(self, searcher, fieldname, text):
        return lucene_idf(searcher.doc_count_all(), searcher.doc_frequency(fieldname, text))


@dataclass(frozen=True)
class BM25:
    """BM25 with these constants: idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgfl))."""

    k1: float
    b: float

    def weighting(self) -> LuceneBM25:
        """The Whoosh weighting that scores the same, for Whoosh's searcher."""
        return LuceneBM25(B=self.b, K1=self.k1)

    def score(self, idf: float, tf: float, length: float, avgfl: float) -> float:
        """One word's score in one article (the operations in Whoosh's order, so that the
        same article scores the same bits whichever path scored it)."""
        return scoring.bm25(idf, tf, length, avgfl, self.b, self.k1)

    # The first pass scores a posting as factor * tf / (tf + norm), with the factor worked out
    # once a word and the norm once a length byte.

    def factor(self, idf: float, boost: float = 1.0) -> float:
        return idf * (self.k1 + 1) * boost

    def norm(self, length: float, avgfl: float) -> float:
        return self.k1 * ((1 - self.b) + self.b * length / avgfl)

    def max_score(self, factor: float, max_weight: float, min_length: float, avgfl: float) -> float:
        """The most a word of this factor adds to any article, given the highest weight (tf)
        and the shortest length it has in a segment (the term statistics keep both, the
        weight as a 32-bit float, hence the margin)."""
        weight = max_weight * (1 + 1e-6)
        return factor * weight / (weight + self.norm(min_length, avgfl))
