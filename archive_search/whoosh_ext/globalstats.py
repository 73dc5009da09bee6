"""A shard's searcher that scores with the whole archive's statistics (shards/fanout.py).

BM25 reads three things besides a term's postings: the number of documents, each word's
document frequency and each field's total length (for the average). Whoosh's
Searcher reads them from its reader, and its segment searchers from their parent; this
searcher answers them from totals summed over every shard, so a shard scores its articles
exactly as one index of the whole archive would. It relies on Searcher's own attributes
(`_doccount`, the reader methods copied onto it, `_subsearcher`), as Whoosh 2.7.4 has them.
"""

from __future__ import annotations

from whoosh.searching import Searcher


class GlobalStatsSearcher(Searcher):
    """A Searcher of one shard whose statistics are the archive's (`totals`: fanout.Totals)."""

    def __init__(self, reader, totals, **kwargs) -> None:
        super().__init__(reader, **kwargs)
        self.totals = totals
        self.local_count = self._doccount  # this shard's own, for what is not statistics
        self._doccount = totals.documents
        self.doc_frequency = self._doc_frequency  # Searcher copies the reader's method onto itself

    def _subsearcher(self, reader):
        # Plain segment searchers: they ask this one (their parent) for the statistics.
        return Searcher(reader, fromindex=self._ix, weighting=self.weighting, parent=self)

    def _doc_frequency(self, fieldname: str, text) -> int:
        if isinstance(text, str):
            text = self.schema[fieldname].to_bytes(text)
        return self.totals.frequencies.get((fieldname, text), 0)

    def field_length(self, fieldname: str) -> int:
        return self.totals.lengths.get(fieldname, 0)
