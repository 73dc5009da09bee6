"""The column of articles' stored fields, as Whoosh writes it but quicker to open.

Whoosh writes the byte offset of each article's stored fields only in segments of more
than 32,768 articles; for smaller ones its reader adds up every article's length in a
Python loop when the column is opened: 4 ms for a segment of 25,000 articles, paid by
every search for every segment holding one of its hits or feedback articles (at a million
articles, some 37 segments a search). This column always writes the offsets, and reads
segments written without them by adding up the lengths in C. The bytes on disk are
Whoosh's format either way, so either reader reads either index.
"""

from __future__ import annotations

import struct
from array import array
from itertools import accumulate

from whoosh import columns
from whoosh.codec import whoosh3


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


def install() -> None:
    """Make Whoosh's codec write and read stored fields through this column."""
    whoosh3.STORED_COLUMN = STORED_COLUMN
