"""One result per story: the copies of an article folded into one, for search --collapse,
timeline --collapse and facet counts with --collapse.

A story (or, with tier "article", a same-article cluster) is shown once, at the place of its
best-ranked copy; the copy shown is its representative: the earliest published of its
copies that match the query and filters (undated ones last, then by id). Its `members` are
those matching copies, earliest first; its `cluster` is the id of the whole cluster's
earliest published member, the same whatever the query.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from whoosh import query as wq

from .store import CopiesFile


@dataclass
class Folded:
    """A story on a page of results: the copy shown, its score, the cluster, the matching copies."""

    docnum: int
    score: float
    cluster: str
    members: list[str]


def open_copies(index_path: Path) -> CopiesFile | None:
    return CopiesFile.open(index_path)


def _key(membership, tier: str) -> str:
    return membership.story if tier == "story" else membership.article


def collapse_ranked(stored, copies: CopiesFile | None, ranked: list, tier: str) -> list[tuple[int, float, str]]:
    """(docnum, score, cluster) of the best-ranked copy of each story, in rank order."""
    ids = [stored[docnum].get("id", "") for docnum, _ in ranked]
    found = copies.memberships(ids) if copies is not None else {}
    seen: set[str] = set()
    out = []
    for (docnum, score), article_id in zip(ranked, ids, strict=True):
        membership = found.get(article_id)
        key = _key(membership, tier) if membership is not None else article_id
        if key not in seen:
            seen.add(key)
            out.append((docnum, score, key))
    return out


def fold_page(searcher, stored, copies: CopiesFile | None, q: wq.Query, page: list, tier: str) -> list[Folded]:
    """Each story of a page with its representative and matching copies."""
    out = []
    for docnum, score, key in page:
        own = stored[docnum].get("id", "")
        members = copies.members(key, tier) if copies is not None else []
        if len(members) < 2:
            out.append(Folded(docnum, score, key if members else own, [own]))
            continue
        numbers = {searcher.document_number(id=m): m for m, _ in members}
        numbers.pop(None, None)
        matching = {numbers[d] for d in _matching(searcher, q, set(numbers))}
        matching.add(own)  # ranked, so it matches (and an id the file lost still shows)
        ordered = [m for m, _ in members if m in matching] + sorted(matching - {m for m, _ in members})
        by_id = {m: d for d, m in numbers.items()}
        shown = by_id.get(ordered[0], docnum)
        out.append(Folded(shown, score, key, ordered))
    return out


def _matching(searcher, q: wq.Query, docnums: set[int]) -> set[int]:
    """Those of `docnums` (global) the query matches: its matcher skipped to each in turn,
    a segment at a time, rather than every match read (a common word matches thousands)."""
    found = set()
    for sub, offset in searcher.leaf_searchers():
        local = sorted(d - offset for d in docnums if offset <= d < offset + sub.doc_count_all())
        if not local:
            continue
        matcher = q.matcher(sub)
        for d in local:
            if not matcher.is_active():
                break
            if matcher.id() < d:
                matcher.skip_to(d)
            if matcher.is_active() and matcher.id() == d:
                found.add(d + offset)
    return found


def copies_to_drop(searcher, copies: CopiesFile | None, matched: set[int] | None, tier: str) -> dict[int, str]:
    """{docnum: id} of the matched articles (global docnums; None: every article) that are
    not their story's representative among the matches: dropping them counts each story
    once, as its representative."""
    if copies is None or (matched is not None and not matched):
        return {}
    groups: dict[str, list[tuple[bool, str, str, int]]] = {}
    for article_id, story, article, published in copies.all_members():
        docnum = searcher.document_number(id=article_id)
        if docnum is not None and (matched is None or docnum in matched):
            key = story if tier == "story" else article
            groups.setdefault(key, []).append((published is None, published or "", article_id, docnum))
    drop: dict[int, str] = {}
    for group in groups.values():
        if len(group) > 1:
            group.sort()
            drop.update((item[3], item[2]) for item in group[1:])
    return drop
