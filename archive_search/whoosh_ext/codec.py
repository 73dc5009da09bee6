"""What this program changes in, and reads directly from, Whoosh's segment format (W3).

Both changes keep the bytes on disk in Whoosh's own format, so either reader reads
either index; `apply()` makes them (whoosh_ext.install() calls it once, before any index
is opened or written).

- Posting blocks are pickled with protocol 4. Whoosh 2.7.4 uses protocol 2, which writes
  an array as a list of numbers and each bytes value as a call to codecs.encode: reading
  one block of a common word built some 400 Python objects.
- The stored-fields column always writes each article's byte offset. Whoosh writes them
  only in segments of more than 32,768 articles; for smaller ones its reader adds up every
  article's length in a Python loop when the column is opened: 4 ms for a segment of
  25,000 articles, paid by every search for every segment holding one of its hits or
  feedback articles (at a million articles, some 37 segments a search). Segments written
  without them are read with the lengths added up in C.

It also reads straight from a segment, for the ranking's first pass and the indexer: its
length column in one read (`length_bytes`), a term's posting blocks from one read of their
whole extent (`posting_blocks`; Whoosh's matcher makes some six file calls a block), a
term's statistics (`term_info`) and the deleted documents (`deleted_docs`).
"""

from __future__ import annotations

import pickle
import struct
import sys
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from io import BytesIO
from itertools import accumulate

from whoosh import columns
from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC

_BLOCK_LENGTH = struct.Struct("!i")  # Whoosh's write_int: negative for a term's last block


def _dumps(obj, protocol=None) -> bytes:
    return pickle.dumps(obj, 4)


class _StoredBytes(columns.CompressedBytesColumn):
    def writer(self, dbfile):
        writer = super().writer(dbfile)
        writer.cutoff = 0  # write the offsets, however few the articles
        return writer

    def reader(self, dbfile, basepos, length, doccount):
        return _Reader(dbfile, basepos, length, doccount, self._module)


class _Reader(columns.CompressedBytesColumn.Reader):
    def _read_offsets_and_lengths(self) -> None:
        dbfile, count = self._dbfile, self._doccount
        last = self._basepos + self._length - 1  # the lengths' type code, or "X"
        code = chr(dbfile.get_byte(last))
        if code == "X":  # offsets written: Whoosh reads them as they are
            super()._read_offsets_and_lengths()
            return
        lengths = dbfile.get_array(last - struct.calcsize(code) * count, code, count)
        self._lengths = lengths
        self._offsets = array("L", accumulate(lengths, initial=0))  # one more than needed


STORED_COLUMN = columns.PickleColumn(_StoredBytes())


def apply() -> None:
    """Make Whoosh's codec write posting blocks and stored fields as described above."""
    whoosh3.dumps = _dumps
    whoosh3.STORED_COLUMN = STORED_COLUMN


def term_info(reader, fieldname: str, btext: bytes):
    """A segment reader's statistics of a term (TermNotFound when the segment lacks it)."""
    return reader._terms.term_info(fieldname, btext)


def deleted_docs(reader) -> frozenset[int]:
    """The document numbers a segment reader's segment has deleted."""
    return frozenset(reader._perdoc.deleted_docs()) if reader.has_deletions() else frozenset()


def length_bytes(reader, fieldname: str) -> bytes | None:
    """A segment's length column for a field, one byte per document, read in one go (Whoosh
    reads it a document at a time); None when the segment has no such column. `reader` is
    a segment reader or its per-document reader."""
    perdoc = getattr(reader, "_perdoc", reader)
    name = f"_{fieldname}_len"  # Whoosh's name for a field's length column
    if not perdoc.has_column(name):
        return None
    column = perdoc.column_reader(name, LENGTHS_COLUMN)
    raw = column._dbfile.get(column._basepos, column._count)
    return raw + bytes(perdoc.doc_count_all() - len(raw))  # documents past the end: 0


def posting_blocks(
    reader, terminfo, wanted: Sequence[int] | None = None
) -> Iterator[tuple[Iterable[int], Sequence[float]]]:
    """(docnums, weights) of each posting block of a term, given one segment's reader and the
    term's statistics there (`reader.term_info`); given `wanted` (sorted docnums), only the
    blocks that may hold one of them.

    The term's postings are read in one go and taken apart in memory: per block, the length
    (negative for the last), the pickled block info, then the pickled (and maybe compressed)
    (id gaps, weights, values) -- as W3LeafMatcher reads them, values (positions) unused."""
    if terminfo.is_inlined():  # Whoosh's writer inlines none; read them all
        ids, weights, _ = terminfo.inlined_postings()
        yield ids, weights
        return
    offset, length = terminfo.extent()
    if isinstance(length, tuple):  # Whoosh reads the length back as a 1-tuple
        (length,) = length
    buf = reader._terms._postfile.get(offset, length)
    if buf[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"posting block tag error at offset {offset}")
    stream = BytesIO(buf)
    pos, last, previous_last_id = 4, False, -1
    while not last:
        (size,) = _BLOCK_LENGTH.unpack_from(buf, pos)
        last = size < 0
        end = pos + 4 + abs(size)
        stream.seek(pos + 4)
        count, last_id, _, compression, _, _ = pickle.load(stream)
        if wanted is not None:
            # The block holds docnums previous_last_id < d <= last_id: skip it unless one is wanted.
            i = bisect_right(wanted, previous_last_id)
            if i == len(wanted):
                return
            previous_last_id = last_id
            if wanted[i] > last_id:
                pos = end
                continue
        data = buf[stream.tell() : end]
        gaps, weights, _ = pickle.loads(zlib.decompress(data) if compression else data)
        if weights is None:  # all 1.0, or all the same: Whoosh writes them once
            weights = (1.0,) * count
        elif isinstance(weights, float):
            weights = (weights,) * count
        yield accumulate(gaps), weights
        pos = end


def numeric_column(reader, fieldname: str) -> Sequence[int]:
    """Every document's value in a segment's numeric column (a sortable DATETIME or NUMERIC
    field), by segment docnum: one read of the fixed-width column, not a file read a document."""
    count = reader.doc_count_all()
    col = reader.column_reader(fieldname, translate=False)
    if isinstance(col, columns.NumericColumn.Reader) and array(col._typecode).itemsize == col._fixedlen:
        values = array(col._typecode, col._dbfile.get(col._basepos, col._count * col._fixedlen))
        if sys.byteorder == "little":  # Whoosh writes the column big-endian
            values.byteswap()
        values.extend([col._default] * (count - len(values)))
        return values
    return [col[d] for d in range(count)]


_COUNT_BYTES = 4  # the count before a posting's pickled positions (whoosh.system's _INT_SIZE)


def body_positions(reader, stem: str, within: dict[int, bytes] | None = None) -> dict[int, bytes]:
    """{docnum: encoded positions} of a stem in the body field of one segment; given `within`
    (another stem's), only of the articles there, and only the posting blocks that may hold
    one read.

    Read a posting block at a time from Whoosh's matcher (whoosh_ext/codec.py says why its
    posting-at-a-time calls are not)."""
    matcher = reader._terms.matcher("body", stem.encode("utf-8"), reader.schema["body"].format)
    out: dict[int, bytes] = {}
    wanted = sorted(within) if within is not None else None
    previous_last = -1
    while matcher.is_active():
        last = matcher.block_max_id()
        if wanted is not None:
            i = bisect_right(wanted, previous_last)
            if i == len(wanted):
                break
            if wanted[i] > last:
                previous_last = last
                matcher._next_block()
                continue
        matcher._read_ids()
        matcher._read_values()
        block = dict(zip(matcher._ids, matcher._values, strict=True))
        out.update(block if within is None else {d: block[d] for d in block.keys() & within})
        previous_last = last
        matcher._next_block()
    return out


def decode_positions(value: bytes) -> list[int]:
    """Positions as the Positions format encodes them (IndexedText.encode): a count, then the
    pickled gaps, Whoosh's trailing stop opcode maybe dropped."""
    gaps = pickle.loads(value[_COUNT_BYTES:] if value.endswith(b".") else value[_COUNT_BYTES:] + b".")
    return list(accumulate(gaps))


_RECORD_LENGTHS = struct.Struct("!ii")  # filetables._lengths: a hash file record's key and value lengths
_TERM_INFO = struct.Struct("!BfIBBfII")  # W3TermInfo._struct: flags, weight, df, lengths, max weight, min and max id
_CHUNK = 1 << 20


def shared_terms(reader, fieldname: str, most: int) -> Iterator[list[int]]:
    """The (global, live) document numbers of every term of a field held by two to `most`
    documents, across all segments, one sorted list a term. The terms files are read in
    order in large chunks (Whoosh's MultiReader decodes every term's statistics, some fifty
    microseconds a term); a term's documents come from its statistics' min and max ids when
    it has one or two, from its postings otherwise."""
    import heapq
    from itertools import groupby

    leaves = reader.leaf_readers() if reader.is_atomic() is False else [(reader, 0)]
    streams = [_leaf_terms(leaf, offset, fieldname) for leaf, offset in leaves]
    merged = heapq.merge(*streams, key=lambda item: item[0])
    for _, group in groupby(merged, key=lambda item: item[0]):
        docs = [d for _, found in group for d in found]
        if 2 <= len(docs) <= most:
            yield sorted(docs)


def _leaf_terms(leaf, offset: int, fieldname: str) -> Iterator[tuple[bytes, list[int]]]:
    terms = getattr(leaf, "_terms", None)
    if terms is None or fieldname not in leaf.schema:  # an empty index's reader has no terms file
        return
    prefix = terms._keycoder(fieldname, b"")
    index = terms._tindex
    pos = index.closest_key_pos(prefix)
    if pos is None:
        return
    deleted = deleted_docs(leaf)
    end, dbfile = index.endofdata, index.dbfile
    buffer, base = b"", pos  # buffer holds the file's bytes from `base`
    while pos < end:
        at = pos - base
        if at + _RECORD_LENGTHS.size > len(buffer):
            buffer, base, at = dbfile.get(pos, min(_CHUNK, end - pos)), pos, 0
        keylen, datalen = _RECORD_LENGTHS.unpack_from(buffer, at)
        size = _RECORD_LENGTHS.size + keylen + datalen
        if at + size > len(buffer):
            buffer, base, at = dbfile.get(pos, max(size, min(_CHUNK, end - pos))), pos, 0
        key = buffer[at + 8 : at + 8 + keylen]
        if not key.startswith(prefix):
            return
        _, _, df, _, _, _, minid, maxid = _TERM_INFO.unpack_from(buffer, at + 8 + keylen)
        if df == 1:
            docs = [minid]
        elif df == 2:
            docs = [minid, maxid]
        else:
            docs = list(leaf.postings(fieldname, key[len(prefix) :]).all_ids())
        if deleted:
            docs = [d for d in docs if d not in deleted]
        yield key, [d + offset for d in docs]
        pos += size
