"""A ranked search's first stage spread over a sharded archive's shards, in two rounds.

Round 1 asks every shard for its statistics of the query's words: its number of articles,
each scored field's total length, and the document frequency of every term the
query matches there (a prefix or wildcard expanded against the shard's own words). Round 2
hands every shard the sums, and each scores its own articles with them
(whoosh_ext/globalstats.py): the scores one index of the whole archive would give. Each
shard answers its `depth` best (equal scores cut by article id), and the merge keeps the
archive's `depth` best by score, then id. What follows (feedback, the latent space,
snippets) reads only the winners, from the archive's own reader.

Where the rounds run is the `Shards` given: here in the process (InProcess, the same code
the cluster runs, on the shards this process has open), or on a Dask cluster's workers,
each keeping its shards open (cluster.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from whoosh import query as wq

from ..errors import ArchiveSearchError
from ..ranking.config import RankingConfig
from ..ranking.pipeline import Ranked, by_score_then_id, first_stage
from ..stored import StoredFields


@dataclass
class Totals:
    """The archive's statistics of one query's words: sums over the shards."""

    documents: int = 0
    lengths: dict[str, int] = field(default_factory=dict)
    frequencies: dict[tuple[str, bytes], int] = field(default_factory=dict)

    def add(self, counts: dict) -> None:
        self.documents += counts["documents"]
        for name, total in counts["lengths"].items():
            self.lengths[name] = self.lengths.get(name, 0) + total
        for name, text, df in counts["frequencies"]:
            self.frequencies[name, text] = self.frequencies.get((name, text), 0) + df


class Shards(Protocol):
    """Runs a round on every shard; answers in shard order."""

    def counts(self, q: wq.Query) -> list[dict]: ...

    def best(self, q: wq.Query, depth: int, count: bool, config: RankingConfig, totals: Totals) -> list[dict]: ...


class ShardsChangedError(ArchiveSearchError):
    """A shard answered for another version than the one this search reads (an indexing run
    committed meanwhile)."""

    def __init__(self) -> None:
        super().__init__("the archive changed while it was searched (an indexing run committed); search again")


# -- on a shard -----------------------------------------------------------------


def shard_counts(reader, q: wq.Query) -> dict:
    """Round 1 on one shard (a Whoosh reader of it)."""
    schema = reader.schema
    scored = [name for name, kind in schema.items() if kind.scorable]
    empty = not reader.doc_count_all()
    terms = set() if empty else _terms_in(reader, q)
    return {
        "version": reader.generation(),
        "documents": reader.doc_count_all(),
        "lengths": {name: 0 if empty else reader.field_length(name) for name in scored},
        "frequencies": sorted((name, text, reader.doc_frequency(name, text)) for name, text in terms),
    }


def _terms_in(reader, q: wq.Query) -> set[tuple[str, bytes]]:
    """(field, indexed bytes) of every term the query scores that the shard holds, a prefix
    or wildcard expanded against the shard's words. (Whoosh's Query.existing_terms would
    do, but for its loop reusing its `fieldname` argument: it skips every leaf of another
    field than the first.)"""
    schema = reader.schema
    found = set()
    for leaf in q.leaves():
        for name, text in leaf.expanded_terms(reader, phrases=True):
            if name not in schema:
                continue
            try:
                btext = schema[name].to_bytes(text)
            except ValueError:
                continue
            if (name, btext) in reader:
                found.add((name, btext))
    return found


def shard_best(reader, q: wq.Query, depth: int, count: bool, config: RankingConfig, totals: Totals) -> dict:
    """Round 2 on one shard: its `depth` best (shard docnum, score) by the archive's statistics."""
    from ..ranking.bm25 import BM25
    from ..whoosh_ext.globalstats import GlobalStatsSearcher

    weighting = BM25(config.k1, config.b).weighting()
    searcher = GlobalStatsSearcher(reader, totals, weighting=weighting, closereader=False)
    ranked, found, matched = first_stage(StoredFields(searcher, config.read_chars), q, depth, count, config)
    return {"version": reader.generation(), "ranked": ranked, "found": found, "matched": matched}


# -- the search's side ----------------------------------------------------------


def spread_first_stage(
    shards: Shards, stored: StoredFields, q: wq.Query, depth: int, count: bool, config: RankingConfig
) -> tuple[Ranked, int | None, bool]:
    """pipeline.first_stage over the shards: the same answer, its scoring done by each shard."""
    reader = stored.searcher.reader()
    bases, versions = reader.shard_bases, reader.shard_versions
    totals = Totals()
    for answer in _checked(shards.counts(q), versions):
        totals.add(answer)
    answers = _checked(shards.best(q, depth, count, config, totals), versions)
    merged = [(base + docnum, score) for base, a in zip(bases, answers, strict=True) for docnum, score in a["ranked"]]
    merged.sort(key=lambda item: (-item[1], item[0]))
    ranked = by_score_then_id(stored, merged, depth) if depth else []
    founds = [a["found"] for a in answers]
    found = None if any(f is None for f in founds) else sum(founds)
    return ranked, found, any(a["matched"] for a in answers)


def _checked(answers: list[dict], versions: list[str]) -> list[dict]:
    if [a["version"] for a in answers] != versions:
        raise ShardsChangedError()
    return answers


class InProcess:
    """The rounds run here, on the shard readers of the archive this process has open."""

    def __init__(self, reader) -> None:
        self.readers = reader.shard_readers

    def counts(self, q: wq.Query) -> list[dict]:
        return [shard_counts(r, q) for r in self.readers]

    def best(self, q, depth, count, config, totals) -> list[dict]:
        return [shard_best(r, q, depth, count, config, totals) for r in self.readers]
