"""Whoosh's segment writer, with one slow step of flushing a segment done from memory.

When Whoosh turns its posting pool into a segment it looks up, for every posting, the
document's field length (for the block statistics BM25's pruning uses) through a column
reader that seeks and reads the length file one byte at a time: about 15% of indexing
time. The lengths of one segment are at most one byte per document and field, so this
writer reads each length column once and answers from a list. The segment written is
byte-for-byte the same as Whoosh's writer gives (tests/test_schema.py compares them).
"""

from __future__ import annotations

from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

from .codec import length_bytes

# A bulk run commits segments of tens of thousands of articles. Merging segments costs as
# much as indexing them again (Whoosh re-pools every posting in Python), and Whoosh's own
# policy merged 26 segments, 650,000 articles, in one commit of a million-article run. So
# only small segments, left by runs that changed a few files, are merged, once there are
# enough of them to slow searches down; and so are segments mostly of replaced articles,
# which cost only their live ones.
SMALL_SEGMENT = 10_000  # articles
SMALL_SEGMENTS_TO_MERGE = 8


def merge_small_segments(writer, segments: list) -> list:
    """Whoosh merge policy (see SMALL_SEGMENT): merge some segments into the writer's
    new one; return the segments kept as they are."""
    from whoosh.reading import SegmentReader

    small = [s for s in segments if s.doc_count_all() < SMALL_SEGMENT]
    emptied = [s for s in segments if s.doc_count_all() >= SMALL_SEGMENT and s.doc_count() * 2 < s.doc_count_all()]
    if len(small) < SMALL_SEGMENTS_TO_MERGE:
        small = []
    merged = small + emptied
    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if not any(s is m for m in merged)]


class FastSegmentWriter(SegmentWriter):
    """SegmentWriter whose segment flush reads document lengths from memory."""

    def __init__(self, ix, limitmb: int = 128, **kwargs) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.mergetype = merge_small_segments
        self.pool = _LeanPostingPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def _commit_toc(self, segments) -> None:
        # Whoosh 2.7.4's SegmentWriter._commit_toc, with this program's stricter clean-up.
        from whoosh.index import TOC

        from ..store import remove_stale_files

        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)
        remove_stale_files(self.storage.folder, self.indexname, self.generation, segments)

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
        return lengths[docnum]

    def _load(self, fieldname: str) -> list | None:
        raw = length_bytes(self._reader, fieldname)
        if raw is None:
            return None
        # As Whoosh's reader: a length byte of 0 gives None.
        lengths = [None, *(byte_to_length(b) for b in range(1, 256))]
        return [lengths[b] for b in raw]
