"""`archive-search dupes ID`: an article's cluster of copies, each member's similarity to it
and the passages the two texts share (character offsets in both bodies)."""

from __future__ import annotations

from ..errors import ArticleNotFoundError
from ..model_views import Copy, CopyCluster
from .config import DEFAULT, CopiesConfig
from .text import Features, compare, shared_passages, tier
from .tiers import check_tier

PASSAGES = 5  # the longest shared passages listed a copy


def dupes(archive, article_id: str, tier_name: str = "story", config: CopiesConfig = DEFAULT) -> CopyCluster:
    """The article's cluster of the tier ("story" or "article"); ArticleNotFoundError if no
    article has the id."""
    check_tier(tier_name)
    article = archive.get(article_id)
    if article is None:
        raise ArticleNotFoundError(article_id)
    copies = archive._copies_file()
    result = CopyCluster(article_id, tier_name, article_id)
    if copies is None:
        result.notes.append("note: this index has no copies file yet; run archive-search index to find copies")
        return result
    found = copies.memberships([article_id]).get(article_id)
    if found is None:
        return result
    result.cluster = found.story if tier_name == "story" else found.article
    members = [m for m, _ in copies.members(result.cluster, tier_name)]
    direct = {(p.a, p.b): p.tier for p in copies.pairs_of(members)}
    own = Features.of(article.body, config.max_chars)
    for member in members:
        if member == article_id:
            continue
        other = archive.get(member)
        if other is None:  # gone since the copies were found
            continue
        sim = compare(own, Features.of(other.body, config.max_chars))
        kind = direct.get((min(article_id, member), max(article_id, member)))
        result.copies.append(
            Copy(
                id=member,
                title=other.title,
                published=other.published,
                source=other.source,
                dateline=other.dateline,
                tier=kind if kind is not None else tier(sim, config),
                jaccard5=sim.jaccard5,
                jaccard3=sim.jaccard3,
                containment3=sim.containment3,
                passages=shared_passages(article.body, other.body, top=PASSAGES),
            )
        )
    return result
