"""A shard set opened as one index.

Its reader is one Whoosh MultiReader over every segment of every shard: the number of
articles, each word's document frequency and each field's total length a search reads are
sums over the shards, so BM25 scores an article exactly as one index of the same articles
does, and the rest of the program (the ranking, the views, the indexer's archive-wide
stages) reads it as it reads one index. Its version (`latest_generation`) is every shard's
table-of-contents version, so the archive-wide files made for one version (copies.sqlite,
vectors.sqlite) are known for stale when any shard has moved on.
"""

from __future__ import annotations

from pathlib import Path

from ..store import IndexDir
from . import layout


class ShardedIndex:
    """What the program asks of a Whoosh index, for a shard set."""

    def __init__(self, index_path: Path, generation: str, count: int) -> None:
        self.index_path = index_path
        self.indexname = generation  # the set's name: what the metadata file names as current
        self.directory = layout.set_dir(index_path, generation)
        self.manifest = layout.read_manifest(self.directory, index_path, count)
        self.shards = [IndexDir(p) for p in layout.shard_paths(self.directory, count)]
        self.indexes = [shard.open() for shard in self.shards]
        self.schema = self.indexes[0].schema

    def latest_generation(self) -> str:
        return ",".join(f"{ix.indexname}.{ix.latest_generation()}" for ix in self.indexes)

    def reader(self, reuse=None):
        """One reader over every shard's segments (in shard order, each shard's in its own)."""
        from whoosh.reading import EmptyReader, MultiReader

        if reuse is not None:
            reuse.close()
        leaves, versions, bases, readers = [], [], [], []
        base = 0
        for ix in self.indexes:
            reader = ix.reader()
            readers.append(reader)
            versions.append(f"{ix.indexname}.{reader.generation()}")
            bases.append(base)
            base += reader.doc_count_all()
            if reader.doc_count_all():
                leaves.extend([reader] if reader.is_atomic() else [r for r, _ in reader.leaf_readers()])
        version = ",".join(versions)
        whole = MultiReader(leaves, generation=version) if leaves else _versioned(EmptyReader(self.schema), version)
        # What a search spread over the shards needs (fanout.py): each shard's reader, its
        # version, and where its articles begin among the whole reader's.
        whole.shard_readers = readers
        whole.shard_versions = [r.generation() for r in readers]
        whole.shard_bases = bases
        return whole

    def searcher(self, **kwargs):
        from whoosh.searching import Searcher

        return Searcher(self.reader(), fromindex=self, **kwargs)

    def doc_count(self) -> int:
        return sum(ix.doc_count() for ix in self.indexes)

    def doc_count_all(self) -> int:
        return sum(ix.doc_count_all() for ix in self.indexes)

    def close(self) -> None:
        for ix in self.indexes:
            ix.close()


def _versioned(reader, version: str):
    """An empty reader that answers generation() with the set's version."""
    reader.generation = lambda: version
    return reader
