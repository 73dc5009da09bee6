"""WARC and ARC web archives, read as a stream of HTML captures.

`read_captures` walks a file record by record with warcio (ARC through `arc2warc=True`) and
yields a `Capture` for each HTML page in it, and a `Problem` for each record it cannot read;
memory stays flat whatever the file's size, and work stays linear in it.

What is a capture:

- a `response` record with a 2xx HTTP status whose Content-Type is text/html or
  application/xhtml+xml; when the response has no Content-Type at all, the payload decides:
  it is HTML when it opens (after a byte order mark and white space) with `<!doctype html`
  or `<html`. Any other Content-Type is trusted, never sniffed.
- a `revisit` record (any profile) unless its HTTP headers name a Content-Type that is not
  HTML: one with no HTTP headers is yielded too, with status 0 and mime "", as the record it
  refers to is what says what it is. Its payload is always b"".
- a `resource` record of an http(s) URL whose WARC Content-Type is HTML (browser-based
  crawlers store pages so): kind "response", status 200, the record block as the payload.

Payloads are dechunked and content-decoded here, not by warcio: its brotli path fails with
Brotli 1.2, and its decoders have no bound on what a small payload inflates to.

Broken records are reported at their offset and the reader resynchronises: in a gzipped
file at the next gzip member that opens a WARC or ARC record, in a plain one at the next
`WARC/1.0` (or 1.1) line. A plain ARC file is not resynchronised (its record lines have no fixed
opening); nor is a WARC gzipped as one member rather than a member a record (read, but a
damaged record ends it).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, BinaryIO

from ..errors import InputError
from .common import Problem

# No news page comes near this once decoded; larger HTML payloads are skipped with a
# Problem, read and discarded a piece at a time.
MAX_PAYLOAD_BYTES = 16 * 2**20
# Bounds on a header line and on a record's header block: real ones are a few hundred bytes.
MAX_HEADER_LINE = 64 * 2**10
MAX_HEADER_BYTES = 2**20

HTML_TYPES = frozenset(("text/html", "application/xhtml+xml"))
_READ = 64 * 2**10  # the piece in which payloads are read and inflated
_HEAD = 4096
_SNIFF = 512
# A broken record is re-read from just after its start to find the next one; rewinding so
# can never cost more than this many times the file (plus the slack), or the rest is given up.
_REREAD_FACTOR = 4
_REREAD_SLACK = 64 * 2**20
# Bytes kept to rewind into when the handle cannot seek (a pipe).
_HISTORY = 2**20
_SCAN = 2**20  # the largest piece read when resynchronising; the first is _SCAN_FIRST
_SCAN_FIRST = 16 * 2**10
_GIVEN_UP = "too many damaged records to go on; the rest of the file is not read"
_GZIP_MAGIC = b"\x1f\x8b\x08"
_PROBE = 1024  # compressed bytes inflated to check that a gzip member opens a record
_WARC_VERSIONS = (b"WARC/1.0", b"WARC/1.1", b"WARC/0.17", b"WARC/0.18")


@dataclass
class Capture:
    """One HTML capture in a web archive: a 2xx HTML response, or a revisit of one."""

    url: str  # WARC-Target-URI (ARC: the URL field), without <> or the scheme's default port
    captured: datetime  # WARC-Date (ARC: the date field), timezone-aware UTC
    # WARC-Payload-Digest as given; when absent (ARC, some wget), "sha1:" + base32 SHA-1 of the
    # entity body as transferred (dechunked, not content-decoded), as WARC defines it.
    # Revisits without one: "".
    digest: str
    kind: str  # "response" or "revisit"
    status: int  # HTTP status; a revisit without HTTP headers: 0; a resource record: 200
    mime: str  # Content-Type without parameters, lower-case; "" for a revisit that has none
    charset: str  # Content-Type's charset parameter, lower-case; "" if none
    payload: bytes  # the HTML, dechunked and content-decoded; b"" for revisits
    offset: int  # byte offset of the record in the file (of its gzip member, when gzipped)
    refers_to: str = ""  # revisit: WARC-Refers-To-Target-URI, normalised as url
    refers_date: datetime | None = None  # revisit: WARC-Refers-To-Date, if given and valid


@dataclass
class ArchiveCounts:
    """What `read_captures` met: records == html + skipped + broken."""

    records: int = 0  # every record read, broken ones included
    html: int = 0  # Captures yielded (responses and revisits)
    skipped: int = 0  # records that are not HTML captures (requests, metadata, images, redirects…)
    broken: int = 0  # records reported as a Problem


# -- sniffing ------------------------------------------------------------------


def is_web_archive(head: bytes) -> bool:
    """Whether these first bytes (at least the first 4 KiB of the file, or all of it if shorter)
    open a WARC or ARC file, plain or gzipped: sniffed by content, not name."""
    return _archive_format(head) is not None


def _archive_format(head: bytes) -> str | None:
    """'warc' or 'arc' for the opening of a (possibly gzipped) web archive, else None."""
    if head.startswith(_GZIP_MAGIC):
        head = _inflate_start(head)
    return _record_format(head)


def _inflate_start(data: bytes) -> bytes:
    """The first bytes of a gzip member's content; b"" when it is not gzip."""
    try:
        return zlib.decompressobj(31).decompress(data, _SNIFF)
    except zlib.error:
        return b""


def _record_format(start: bytes) -> str | None:
    """'warc' or 'arc' when these bytes open a record."""
    start = start.lstrip(b"\r\n")
    if start.startswith(_WARC_VERSIONS):
        return "warc"
    line = start.split(b"\n", 1)[0].rstrip(b"\r")
    if line.startswith(b"filedesc://"):
        return "arc"
    parts = line.rsplit(b" ", 4)
    # URL, IP address, 14-digit date, MIME type, length: an ARC record that opens a split file.
    if len(parts) == 5 and parts[2].isdigit() and len(parts[2]) >= 12 and parts[4].isdigit():
        return "arc"
    return None


# -- reading -------------------------------------------------------------------


def read_captures(handle: BinaryIO, path: str, counts: ArchiveCounts | None = None) -> Iterator[Capture | Problem]:
    """Stream the file record by record; yield a Capture per HTML 2xx response or revisit, and a
    Problem (archive_search.readers.common.Problem) per broken record, then carry on with the
    rest of the file. A file that is not a web archive raises InputError here, at the call."""
    source = _Source(handle)
    head = source.read(_HEAD)
    if not head:
        raise InputError(path, "empty file, not a WARC or ARC file")
    gzipped = head.startswith(_GZIP_MAGIC)
    fmt = _archive_format(head)
    if fmt is None:
        what = "gzip data, but not a gzipped WARC or ARC file" if gzipped else "no record header at the start"
        raise InputError(path, f"not a WARC or ARC file ({what})")
    return _captures(source, path, counts if counts is not None else ArchiveCounts(), fmt, gzipped)


def read_capture_at(handle: BinaryIO, path: str, offset: int) -> Capture | Problem | None:
    """The capture whose record starts at `offset` (as read_captures gave it), read alone: a
    second reading of one page costs that record, not the file up to it. `handle` must seek."""
    handle.seek(0)
    source = _Source(handle)
    head = source.read(_HEAD)
    fmt = _archive_format(head) if head else None
    if fmt is None:
        raise InputError(path, "not a WARC or ARC file any more (it changed while it was read)")
    items = _run(source, path, ArchiveCounts(), offset, fmt, head.startswith(_GZIP_MAGIC))
    try:
        item = next(items, None)
    finally:
        items.close()
    return item if isinstance(item, Problem) or (item is not None and item.offset == offset) else None


def _captures(
    source: _Source, path: str, counts: ArchiveCounts, fmt: str, gzipped: bool
) -> Iterator[Capture | Problem]:
    """Read from the start, and again from each place a broken record was resynchronised to."""
    start: int | None = 0
    while start is not None:
        start = yield from _run(source, path, counts, start, fmt, gzipped)


def _run(source: _Source, path: str, counts: ArchiveCounts, start: int, fmt: str, gzipped: bool):
    """Read records from `start` with a fresh warcio iterator (which cannot go on after an
    error) to the end, returning None, or to a broken record, returning where the next starts."""
    try:
        source.seek(start)
        records = _warcio()(source, fmt)
    except _OverBudget:
        return None
    reader = records.reader
    while True:
        offset = records.offset
        failed = None
        try:
            record = next(records)
        except StopIteration:
            if reader.unfinished:
                yield _problem(counts, path, offset, "the file ends in the middle of a gzip member (cut short?)")
            return None
        except Exception as exc:
            counts.records += 1
            failed = exc
        else:
            counts.records += 1
            try:
                item = _item(record, offset, path)
                records.read_to_end()
                _check_length(record)
            except Exception as exc:
                failed = exc
        if isinstance(failed, _OverBudget):
            yield _problem(counts, path, offset, _GIVEN_UP)
            return None
        if failed is not None:
            yield _problem(counts, path, offset, _reason(failed))
            try:
                return _resync(source, max(offset, start) + 1, gzipped)
            except _OverBudget:
                yield _problem(counts, path, offset, _GIVEN_UP)
                return None
        _count(counts, item)
        if item is not None:
            yield item


def _problem(counts: ArchiveCounts, path: str, offset: int, reason: str) -> Problem:
    counts.broken += 1
    return Problem(path, f"record at offset {offset}: {reason}")


def _count(counts: ArchiveCounts, item: Capture | Problem | None) -> None:
    if isinstance(item, Capture):
        counts.html += 1
    elif isinstance(item, Problem):
        counts.broken += 1
    else:
        counts.skipped += 1


# -- failures ------------------------------------------------------------------


class _Broken(Exception):
    """A record that breaks the stream: reported, then the reader resynchronises."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Skip(Exception):
    """A record that is whole but whose payload cannot be used: reported, and reading goes on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _OverBudget(Exception):
    """Rewinding after broken records has re-read the file too many times over."""


def _reason(exc: BaseException) -> str:
    """What went wrong, for a person: no exception names."""
    if isinstance(exc, _Broken):
        return exc.reason
    name = type(exc).__name__
    if name == "ArchiveLoadFailed":
        found = str(exc).rpartition("first line: ")[2]
        return f"no WARC or ARC record header where a record should start (found {_shown(found)})"
    if name == "StatusAndHeadersParserException":
        return "its HTTP status line or headers cannot be read"
    if isinstance(exc, (zlib.error, EOFError, OSError)):
        return "the compressed data is damaged or cut short"
    if isinstance(exc, UnicodeError):
        return "its headers are not readable text"
    if isinstance(exc, MemoryError):
        return "too large to read"
    return "its headers are incomplete or damaged"


def _shown(text: Any, size: int = 40) -> str:
    """A short, printable quotation of what was found (no control characters reach a terminal)."""
    text = str(text)[: size + 1]
    text = "".join(ch if " " <= ch <= "~" else "?" for ch in text)
    return f"'{text[:size]}…'" if len(text) > size else f"'{text}'"


# -- the file ------------------------------------------------------------------


class _Source:
    """The handle, read forwards, with offsets from where it started; it can rewind (by
    seeking, or into the last bytes read when the handle cannot seek), and refuses to re-read
    the file without end."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        try:
            self._seekable = bool(handle.seekable())
            self._base = handle.tell() if self._seekable else 0
        except (OSError, ValueError, AttributeError):
            self._seekable, self._base = False, 0
        self._pos = self._end = self._read = 0
        self._history = bytearray()
        self._history_start = 0

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int) -> None:
        if self._seekable:
            self._handle.seek(self._base + pos)
            self._pos = pos
        else:
            self._pos = max(min(pos, self._end), self._history_start)

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = _SCAN
        if not self._seekable and self._pos < self._end:
            start = self._pos - self._history_start
            data = bytes(self._history[start : start + min(size, self._end - self._pos)])
        else:
            data = self._handle.read(size)
            if not self._seekable:
                self._remember(data)
        self._pos += len(data)
        self._end = max(self._end, self._pos)
        self._read += len(data)
        if self._read > _REREAD_FACTOR * self._end + _REREAD_SLACK:
            raise _OverBudget
        return data

    def _remember(self, data: bytes) -> None:
        """Keep the last bytes read, trimmed in large steps so that trimming costs little."""
        self._history += data
        if len(self._history) > 2 * _HISTORY:
            drop = len(self._history) - _HISTORY
            del self._history[:drop]
            self._history_start += drop


def _resync(source: _Source, start: int, gzipped: bool) -> int | None:
    """The offset of the first record that starts at or after `start`, or None: a gzip member
    that inflates to a record header, or a WARC version line (taken also when garbage runs into
    it, with no line break before it). Read forwards in pieces, each byte looked at a bounded
    number of times."""
    pattern, need = (_GZIP_MAGIC, _PROBE) if gzipped else (b"WARC/1.", 11)
    source.seek(start)
    buf, base, size = b"", start, _SCAN_FIRST
    while True:
        # Small at first: the next record is most often close by, and each resynchronisation
        # re-reads what the scan reads.
        chunk = source.read(size)
        size = min(2 * size, _SCAN)
        buf += chunk
        keep, pos = max(len(buf) - len(pattern) + 1, 0), 0
        while (i := buf.find(pattern, pos)) >= 0:
            if chunk and len(buf) - i < need:
                keep = i
                break
            if gzipped and _record_format(_inflate_start(buf[i : i + _PROBE])):
                return base + i
            if not gzipped and re.match(rb"WARC/1\.[01]\r?\n", buf[i : i + need]):
                return base + i
            pos = i + 1
        if not chunk:
            return None
        buf, base = buf[keep:], base + keep


# -- warcio, imported on first use -----------------------------------------------


@functools.cache
def _warcio() -> Any:
    """warcio's iterator, adapted: damaged gzip data raises instead of being written to stderr
    and skipped, header lines are bounded, and a record that runs past its Content-Length
    raises instead of printing a warning."""
    import logging

    from warcio.archiveiterator import ArchiveIterator
    from warcio.bufferedreaders import DecompressingBufferedReader

    # warcio logs a warning for a URL with spaces; a library must not print (Python's
    # last-resort handler would), and an application that configures logging still sees it.
    logging.getLogger("warcio").addHandler(logging.NullHandler())

    class Reader(DecompressingBufferedReader):
        unfinished = False
        header_bytes = 0

        def _decompress(self, data: bytes) -> bytes:
            if not (self.decompressor and data):
                return data
            try:
                return self.decompressor.decompress(data)
            except zlib.error:
                if self.num_block_read == 0:  # not gzip (a plain file, or garbage after a member)
                    self.decompressor = None
                    return data
                raise _Broken("the gzip data is damaged") from None

        def read(self, length: int | None = None) -> bytes:
            self.header_bytes = 0
            return super().read(length)

        def readline(self, length: int | None = None) -> bytes:
            cap = MAX_HEADER_LINE if length is None else min(length, MAX_HEADER_LINE)
            line = super().readline(cap)
            # warcio's readline can stop short of both the newline and the length at a buffer
            # boundary: read on to one or the other.
            while line and len(line) < cap and not line.endswith(b"\n"):
                piece = super().readline(cap - len(line))
                if not piece:
                    break
                line += piece
            got = len(line)
            self.header_bytes += got
            if got >= MAX_HEADER_LINE and not line.endswith(b"\n"):
                raise _Broken(f"a header line runs on for over {MAX_HEADER_LINE // 1024} KiB")
            if self.header_bytes > MAX_HEADER_BYTES:
                raise _Broken(f"its headers run on for over {MAX_HEADER_BYTES // 2**20} MiB")
            return line

        def close_decompressor(self) -> None:
            decompressor = self.decompressor
            self.unfinished = decompressor is not None and not decompressor.eof and self.num_block_read > 0
            try:
                super().close_decompressor()
            except zlib.error:
                self.decompressor = None

    class Records(ArchiveIterator):
        def __init__(self, source: _Source, fmt: str) -> None:
            super().__init__(source, arc2warc=True)
            self.reader = Reader(source)
            # Parse every record as the file's format: a garbage line is then an error, not
            # an ARC header line of five words.
            self.known_format = fmt

        def _raise_invalid_gzip_err(self) -> None:
            """A WARC gzipped whole rather than record by record: read it all the same."""

        def _next_record(self, next_line: Any) -> Any:
            self.reader.header_bytes = 0
            return super()._next_record(next_line)

        def _consume_blanklines(self) -> tuple[bytes | None, int]:
            self.reader.header_bytes = 0
            empty, first = 0, True
            while True:
                line = self.reader.readline()
                if not line:
                    return None, empty
                if line.strip():
                    if first:
                        raise _Broken("it runs on past its Content-Length (no blank line where it should end)")
                    return line, empty
                empty += len(line)
                first = False

    return Records


# -- one record ----------------------------------------------------------------


def _item(record: Any, offset: int, path: str) -> Capture | Problem | None:
    """The record's Capture, a Problem with its payload, or None when it is not an HTML capture."""
    headers = record.rec_headers
    _check_content_length(headers.get_header("Content-Length"))
    kind = record.rec_type
    if kind not in ("response", "revisit", "resource"):
        return None
    url = _url(headers.get_header("WARC-Target-URI") or "")
    if not url.lower().startswith(("http://", "https://")):
        return None
    try:
        if kind == "revisit":
            return _revisit(record, url, offset)
        if kind == "resource":
            return _resource(record, url, offset)
        return _response(record, url, offset)
    except _Skip as exc:
        return Problem(path, f"record at offset {offset}: {exc.reason}")


def _check_content_length(value: str | None) -> None:
    if value is None:
        raise _Broken("it has no Content-Length")
    if not re.fullmatch(r"[0-9]{1,20}", value.strip()):
        raise _Broken(f"its Content-Length ({_shown(value)}) is not a number")


def _check_length(record: Any) -> None:
    """A record whose content ends before its Content-Length says: the file is cut short, or
    the length is wrong and the record swallowed the ones after it."""
    stream = record.raw_stream
    missing = getattr(stream, "limit", 0)
    if missing > 0:
        promised = getattr(stream, "_orig_limit", missing)
        raise _Broken(
            f"it is cut short: its Content-Length promises {promised:,} bytes of content, but only "
            f"{promised - missing:,} follow"
        )


def _captured(headers: Any) -> datetime:
    value = headers.get_header("WARC-Date")
    when = _date(value)
    if when is None:
        raise _Skip(f"its WARC-Date ({_shown(value)}) is not a date; skipped")
    return when


def _response(record: Any, url: str, offset: int) -> Capture | None:
    http = record.http_headers
    if http is None:
        return None
    status = _status(http)
    if not 200 <= status < 300:
        return None
    mime, charset = _content_type(http.get_header("Content-Type"))
    if mime and mime not in HTML_TYPES:
        return None
    captured = _captured(record.rec_headers)
    digest = record.rec_headers.get_header("WARC-Payload-Digest") or ""
    chunked = "chunked" in (http.get_header("Transfer-Encoding") or "").lower()
    hasher = None if digest else hashlib.sha1()
    body = _hashed(_body(record.raw_stream, chunked), hasher)
    payload = _collect(_decoded(body, _codings(http.get_header("Content-Encoding"))), sniff=not mime)
    if payload is None:
        return None
    return Capture(
        url=url,
        captured=captured,
        digest=digest or _sha1(hasher),
        kind="response",
        status=status,
        mime=mime or "text/html",
        charset=charset,
        payload=payload,
        offset=offset,
    )


def _revisit(record: Any, url: str, offset: int) -> Capture | None:
    http = record.http_headers
    mime, charset = _content_type(http.get_header("Content-Type")) if http else ("", "")
    if mime and mime not in HTML_TYPES:
        return None
    headers = record.rec_headers
    return Capture(
        url=url,
        captured=_captured(headers),
        digest=headers.get_header("WARC-Payload-Digest") or "",
        kind="revisit",
        status=_status(http) if http else 0,
        mime=mime,
        charset=charset,
        payload=b"",
        offset=offset,
        refers_to=_url(headers.get_header("WARC-Refers-To-Target-URI") or ""),
        refers_date=_date(headers.get_header("WARC-Refers-To-Date")),
    )


def _resource(record: Any, url: str, offset: int) -> Capture | None:
    mime, charset = _content_type(record.content_type)
    if mime not in HTML_TYPES:
        return None
    headers = record.rec_headers
    captured = _captured(headers)
    digest = headers.get_header("WARC-Payload-Digest") or headers.get_header("WARC-Block-Digest") or ""
    hasher = None if digest else hashlib.sha1()
    payload = _collect(_hashed(_body(record.raw_stream, False), hasher), sniff=False) or b""
    return Capture(
        url=url,
        captured=captured,
        digest=digest or _sha1(hasher),
        kind="response",
        status=200,
        mime=mime,
        charset=charset,
        payload=payload,
        offset=offset,
    )


# -- payloads ------------------------------------------------------------------


def _body(stream: Any, chunked: bool) -> Iterator[bytes]:
    """The entity body as transferred, dechunked, in pieces of at most _READ bytes."""
    if chunked:
        yield from _dechunked(stream)
        return
    while piece := stream.read(_READ):
        yield piece


def _dechunked(stream: Any) -> Iterator[bytes]:
    """HTTP chunked transfer coding undone. A body that is not chunked after all (crawlers
    store some dechunked, header and all) is passed on from where the chunking stops."""
    while True:
        line = stream.readline(64)
        match = re.fullmatch(rb"[ \t]*([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?\r?\n", line)
        if not match:
            yield line
            while piece := stream.read(_READ):
                yield piece
            return
        left = int(match[1], 16)
        if not left:
            return  # trailers, if any, are read and discarded with the rest of the record
        while left:
            piece = stream.read(min(left, _READ))
            if not piece:
                return
            left -= len(piece)
            yield piece
        stream.readline(64)  # the CRLF after the chunk


def _hashed(pieces: Iterable[bytes], hasher: Any) -> Iterator[bytes]:
    for piece in pieces:
        if hasher is not None:
            hasher.update(piece)
        yield piece


def _sha1(hasher: Any) -> str:
    return "sha1:" + base64.b32encode(hasher.digest()).decode("ascii")


def _codings(value: str | None) -> list[str]:
    """The content codings, in the order the server applied them (identity left out)."""
    codings = [c.strip().lower() for c in (value or "").split(",")]
    return [c for c in codings if c and c != "identity"]


def _decoded(pieces: Iterator[bytes], codings: list[str]) -> Iterator[bytes]:
    """The payload with its content codings undone, last applied first."""
    if len(codings) > 3:
        raise _Skip(f"its payload is encoded {len(codings)} times over; skipped")
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip", "deflate"):
            pieces = _inflated(pieces, coding)
        elif coding == "br":
            pieces = _unbrotlied(pieces)
        else:
            raise _Skip(f"its payload is encoded as {_shown(coding)}, which cannot be decoded; skipped")
    return pieces


def _inflated(pieces: Iterator[bytes], coding: str) -> Iterator[bytes]:
    """gzip or deflate undone, never more than _READ bytes of output at a time: a small
    payload that inflates hugely is stopped by _collect, not held."""
    wbits = 15 if coding == "deflate" else 47  # 47: a gzip or a zlib header, whichever it is
    decompressor = zlib.decompressobj(wbits)
    started = plain = False
    for piece in pieces:
        if plain:
            yield piece
            continue
        data = piece
        while data and not decompressor.eof:
            try:
                out = decompressor.decompress(data, _READ)
            except zlib.error:
                if started:
                    raise _Skip(f"its {coding} content encoding is damaged; skipped") from None
                if wbits == 15:  # "deflate" sent raw, without the zlib header, as some servers do
                    wbits = -15
                    decompressor = zlib.decompressobj(wbits)
                    continue
                plain = _not_encoded(data, coding)
                yield data
                break
            started = True
            if out:
                yield out
            data = decompressor.unconsumed_tail


def _unbrotlied(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """brotli undone, never more than _READ bytes of output at a time."""
    try:
        import brotli
    except ImportError:
        raise _Skip("its payload is brotli-encoded, and the brotli package is not installed; skipped") from None
    decompressor = brotli.Decompressor()
    started = plain = False
    for piece in pieces:
        if plain:
            yield piece
            continue
        if decompressor.is_finished():
            continue
        try:
            out = decompressor.process(piece, output_buffer_limit=_READ)
            while out:
                yield out
                out = (
                    b"" if decompressor.can_accept_more_data() else decompressor.process(b"", output_buffer_limit=_READ)
                )
        except brotli.error:
            if started:
                raise _Skip("its br content encoding is damaged; skipped") from None
            plain = _not_encoded(piece, "br")
            yield piece
            continue
        started = True


def _not_encoded(data: bytes, coding: str) -> bool:
    """True when a payload said to be encoded starts as plain markup (stored decoded, header
    left as it was); otherwise it cannot be decoded."""
    if data.lstrip()[:1] == b"<":
        return True
    raise _Skip(f"its payload is not valid {coding} as its Content-Encoding says; skipped")


def _collect(pieces: Iterator[bytes], sniff: bool) -> bytes | None:
    """The payload, up to MAX_PAYLOAD_BYTES; with `sniff`, None as soon as its start is not HTML."""
    parts: list[bytes] = []
    size = 0
    for piece in pieces:
        size += len(piece)
        if size > MAX_PAYLOAD_BYTES:
            raise _Skip(f"its HTML payload is over {MAX_PAYLOAD_BYTES // 2**20} MiB once decoded; skipped")
        parts.append(piece)
        if sniff and size >= _SNIFF:
            if not _looks_like_html(b"".join(parts)):
                return None
            sniff = False
    payload = b"".join(parts)
    if sniff and not _looks_like_html(payload):
        return None
    return payload


def _looks_like_html(data: bytes) -> bool:
    head = data[: 2 * _SNIFF].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


# -- header values -------------------------------------------------------------

_AUTHORITY = re.compile(r"(https?)://([^/?#]*)", re.IGNORECASE)
_DATE = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,9}))?)?)?[ \t]*(?:Z|[+-]00:?00)?",
    re.ASCII,
)


def _url(value: str) -> str:
    """The URL without surrounding <> (wget 1.19) or the scheme's default port."""
    url = value.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1].strip()
    match = _AUTHORITY.match(url)
    if match:
        default = ":80" if match[1].lower() == "http" else ":443"
        if match[2].endswith(default):
            url = url[: match.end(2) - len(default)] + url[match.end(2) :]
    return url


def _date(value: str | None) -> datetime | None:
    """A WARC date (W3C-DTF, in UTC) as an aware datetime; None when it is not one."""
    match = _DATE.fullmatch(value.strip()) if value else None
    if not match:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    micro = int((fraction or "0").ljust(6, "0")[:6])
    try:
        return datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, timezone.utc
        )
    except ValueError:
        return None


def _status(http: Any) -> int:
    code = http.get_statuscode() or ""
    return int(code) if re.fullmatch(r"[0-9]{3}", code) else 0


def _content_type(value: str | None) -> tuple[str, str]:
    """(mime type, lower-case; charset parameter, lower-case) of a Content-Type value."""
    if not value:
        return "", ""
    mime, _, params = value.partition(";")
    mime = mime.split(",")[0].strip().lower()
    for param in params.split(";"):
        name, _, setting = param.partition("=")
        if name.strip().lower() == "charset":
            return mime, setting.strip().strip("\"'").strip().lower()
    return mime, ""
