"""The latent space's share of a ranking (the pipeline's third stage), without NumPy:
the query's words, and each candidate's closeness to them mixed into its score.

The closeness comes from the index's vectors file (vectorstore.py) when it matches the
index, else from the space itself (latent.py), which places each candidate from its words.
"""

from __future__ import annotations

import statistics

from whoosh import query as wq

from .config import DEFAULT, RankingConfig


def mix(
    scored: list[tuple[int, float]], closeness: list[float] | None, config: RankingConfig = DEFAULT
) -> list[tuple[int, float]]:
    """Add each candidate's closeness to the query in the space (one per candidate, in
    order; None: the query has no place in it) to its score.

    Ranks as (1 - latent_share) * z(score) + latent_share * z(cosine), z standardising over
    the candidates, but on the scores' own scale and never lowering one: the cosine's part
    is counted from the lowest candidate's, so candidates stay above the articles after them."""
    if closeness is None:
        return scored
    score_spread = statistics.pstdev(score for _, score in scored)
    closeness_spread = statistics.pstdev(closeness)
    if not score_spread or not closeness_spread:
        return scored
    share = config.latent_share
    scale = share / (1 - share) * score_spread / closeness_spread
    lowest = min(closeness)
    return [(d, score + scale * (c - lowest)) for (d, score), c in zip(scored, closeness, strict=True)]


def typed_words(q: wq.Query) -> dict[str, float]:
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
