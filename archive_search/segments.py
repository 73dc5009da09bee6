"""Whoosh's segment writer, with one slow step of flushing a segment done from memory.

When Whoosh turns its posting pool into a segment it looks up, for every posting, the
document's field length (for the block statistics BM25's pruning uses) through a column
reader that seeks and reads the length file one byte at a time: about 15% of indexing
time. The lengths of one segment are at most one byte per document and field, so this
writer reads each length column once and answers from a list. The segment written is
byte-for-byte the same (tests/test_schema.py compares them).
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter


class FastSegmentWriter(SegmentWriter):
    """SegmentWriter whose segment flush reads document lengths from memory."""

    def __init__(self, ix, limitmb: int = 128, **kwargs) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = _LeanPostingPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def _flush_segment(self) -> None:
        # Whoosh 2.7.4's SegmentWriter._flush_segment, with the lengths reader wrapped.
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        lengths = _LoadedLengths(pdr) if pdr is not None else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if pdr is not None:
            pdr.close()


class _LeanPostingPool(PostingPool):
    """PostingPool.add without its per-posting type assertions (half its cost): the postings
    come from the schema's own formats. The size accounting, which decides when a sorted run
    goes to disk, is Whoosh's."""

    def add(self, item) -> None:
        self.fieldnames.add(item[0])
        self.currentsize += 150 + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)


class _LoadedLengths:
    """doc_field_length() of a per-document reader, from each field's length column in memory."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._lengths: dict[str, list | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        lengths = self._lengths.get(fieldname, False)
        if lengths is False:
            lengths = self._lengths[fieldname] = self._load(fieldname)
        if lengths is None:
            return default
        # As Whoosh's reader: a length byte of 0 gives None.
        return lengths[docnum]

    def _load(self, fieldname: str) -> list | None:
        column = f"_{fieldname}_len"  # Whoosh's name for a field's length column
        if not self._reader.has_column(column):
            return None
        loaded = self._reader.column_reader(column, LENGTHS_COLUMN).load()
        return [byte_to_length(b) if b else None for b in loaded]
