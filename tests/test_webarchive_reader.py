"""The WARC/ARC reader (readers/webarchive.py): the real files in ../shared/webarchive against
their summary.json, and hostile archives built here, each bounded in time and memory.

The expectations come from summary.json, the MANIFEST, a small gzip-member parser written
here, and the bytes the tests themselves put into the archives: never from the reader's output.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import time
import tracemalloc
import zlib
from collections import Counter
from pathlib import Path

import pytest
from conftest import SHARED, need_shared
from hypothesis import given, settings
from hypothesis import strategies as st

from archive_search.errors import InputError
from archive_search.readers.common import Problem
from archive_search.readers.webarchive import (
    MAX_PAYLOAD_BYTES,
    ArchiveCounts,
    Capture,
    is_web_archive,
    read_captures,
)

WEBARCHIVE = SHARED / "webarchive"
SUMMARY = WEBARCHIVE / "summary.json"
HTML_TYPES = ("text/html", "application/xhtml+xml")


def summary() -> list[dict]:
    need_shared(SUMMARY)
    return json.loads(SUMMARY.read_text())


def summary_files() -> list[str]:
    """The file names, for parametrising (empty when ../shared is absent: the tests then skip)."""
    if not SUMMARY.exists():
        return ["(../shared/webarchive absent)"]
    return [entry["file"] for entry in json.loads(SUMMARY.read_text())]


def entry_for(name: str) -> dict:
    for entry in summary():
        if entry["file"] == name:
            return entry
    pytest.skip(f"{name} not in {SUMMARY}")


def read_all(
    data: bytes | Path, path: str = "test.warc.gz", handle=None
) -> tuple[list[Capture], list[Problem], ArchiveCounts]:
    counts = ArchiveCounts()
    if handle is None:
        handle = data.open("rb") if isinstance(data, Path) else io.BytesIO(data)
    with handle:
        items = list(read_captures(handle, path, counts))
    captures = [i for i in items if isinstance(i, Capture)]
    problems = [i for i in items if isinstance(i, Problem)]
    assert len(captures) + len(problems) == len(items)
    return captures, problems, counts


def iso(when) -> str:
    assert when.utcoffset().total_seconds() == 0
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the real files ------------------------------------------------------------


@pytest.mark.parametrize("name", summary_files())
def test_responses_are_the_2xx_html_responses_of_the_summary(name):
    entry = entry_for(name)
    captures, problems, counts = read_all(WEBARCHIVE / name, name)
    assert problems == []
    expected = Counter(
        (r["url"], r["date"], int(r["status"])) for r in entry["html_responses"] if 200 <= int(r["status"]) < 300
    )
    got = Counter((c.url, iso(c.captured), c.status) for c in captures if c.kind == "response")
    assert got == expected
    assert sum(expected.values()) == entry["html_200"]  # the summary agrees with itself
    assert counts.records == entry["records"] == sum(entry["types"].values())
    assert counts.records == counts.html + counts.skipped + counts.broken
    assert counts.html == len(captures)


@pytest.mark.parametrize("name", summary_files())
def test_every_response_payload_is_html(name):
    entry_for(name)
    captures, _, _ = read_all(WEBARCHIVE / name, name)
    for capture in captures:
        if capture.kind == "response":
            head = capture.payload[:200_000].lower()
            assert b"<html" in head or b"<!doctype" in head, (capture.url, capture.payload[:100])
            assert capture.mime in HTML_TYPES
            assert capture.digest.startswith("sha1:")
        else:
            assert capture.payload == b""


def members(data: bytes):
    """The decompressed gzip members of a record-per-member file (written here, not the reader's)."""
    while data:
        inflater = zlib.decompressobj(31)
        yield inflater.decompress(data) + inflater.flush()
        data = inflater.unused_data


def warc_records(path: Path):
    """(WARC header dict, block) of each record of a gzipped WARC, one record a member."""
    for member in members(path.read_bytes()):
        head, _, block = member.partition(b"\r\n\r\n")
        lines = head.decode("utf-8", "replace").split("\r\n")
        assert lines[0].startswith("WARC/")
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        yield fields, block


def html_revisits(path: Path) -> int:
    """Revisit records whose HTTP Content-Type is HTML, or which have no HTTP headers."""
    count = 0
    for fields, block in warc_records(path):
        if fields.get("warc-type") != "revisit":
            continue
        http = block.partition(b"\r\n\r\n")[0].decode("latin-1")
        found = re.search(r"(?im)^content-type:\s*([^;\r\n]+)", http)
        if not http.strip() or not found or found[1].strip().lower() in HTML_TYPES:
            count += 1
    return count


def test_revisits_are_the_html_revisits():
    for entry in summary():
        name = entry["file"]
        if not name.endswith(".warc.gz"):
            assert entry["types"].get("revisit", 0) == 0, name
            continue
        captures, _, _ = read_all(WEBARCHIVE / name, name)
        revisits = [c for c in captures if c.kind == "revisit"]
        expected = html_revisits(WEBARCHIVE / name)
        assert len(revisits) == expected, name
        assert expected <= entry["types"].get("revisit", 0)
        for capture in revisits:
            assert capture.payload == b"" and capture.digest.startswith("sha1:")
            assert capture.refers_to.startswith("http") or capture.refers_to == ""
    # The MANIFEST: the re-crawl holds 55 revisits, 29 of them of HTML pages.
    entry = entry_for("BL-20140325122341434-00000-32090_opera_8443.warc.gz")
    assert entry["types"]["revisit"] == 55
    assert html_revisits(WEBARCHIVE / entry["file"]) == 29
    manifest = (WEBARCHIVE / "MANIFEST.md").read_text()
    assert "55 `revisit` records (identical-payload-digest; 29 of them HTML)" in manifest


def test_brotli_and_gzip_transfer_compression_give_the_same_page():
    brotli_pages, p1, _ = read_all(WEBARCHIVE / "transfer_compression_brotli.warc.gz")
    gzip_pages, p2, _ = read_all(WEBARCHIVE / "transfer_compression_gzip.warc")
    assert p1 == p2 == []
    assert len(brotli_pages) == len(gzip_pages) == 1
    assert brotli_pages[0].payload == gzip_pages[0].payload
    assert b"<title>Simple page</title>" in brotli_pages[0].payload


def test_arc_and_warc_copies_of_a_crawl_agree():
    need_shared(WEBARCHIVE)
    stem = "IAH-20080430204825-00000-blackbook-truncated"
    arc, p1, _ = read_all(WEBARCHIVE / f"{stem}.arc.gz")
    warc, p2, _ = read_all(WEBARCHIVE / f"{stem}.warc.gz")
    assert p1 == p2 == []
    assert sorted((c.url, c.captured, c.payload) for c in arc) == sorted((c.url, c.captured, c.payload) for c in warc)
    assert len(arc) == 2


def test_digest_computed_for_arc_matches_the_payload_digest_heritrix_wrote():
    """The ARC copy has no digests; the WARC copy of the same crawl has them, written by the
    crawler, so the digest the reader computes must come out the same."""
    need_shared(WEBARCHIVE)
    stem = "IAH-20080430204825-00000-blackbook-truncated"
    written = {
        f["warc-target-uri"]: f["warc-payload-digest"]
        for f, _ in warc_records(WEBARCHIVE / f"{stem}.warc.gz")
        if "warc-payload-digest" in f
    }
    arc, _, _ = read_all(WEBARCHIVE / f"{stem}.arc.gz")
    checked = [c for c in arc if c.url in written]
    assert checked
    for capture in checked:
        assert capture.digest.upper() == written[capture.url].upper()


@pytest.mark.parametrize("name", summary_files())
def test_every_real_file_is_sniffed_as_a_web_archive(name):
    entry_for(name)
    with (WEBARCHIVE / name).open("rb") as handle:
        assert is_web_archive(handle.read(4096))


def test_other_files_are_not_web_archives():
    assert not is_web_archive(gzip.compress(b"just some text\n" * 100))
    assert not is_web_archive(b"<!doctype html><html><head><title>x</title></head></html>")
    assert not is_web_archive(os.urandom(4096))
    assert not is_web_archive(b"")
    assert not is_web_archive(gzip.compress(b"WARX/1.0\r\n"))


# -- building archives here ----------------------------------------------------

DATE = "2020-05-06T07:08:09Z"


def page(n: int) -> bytes:
    return f"<!doctype html><html><head><title>Page {n}</title></head><body><p>Story {n}.</p></body></html>".encode()


def http_response(
    body: bytes, status: int = 200, ctype: str | None = "text/html; charset=UTF-8", extra: str = ""
) -> bytes:
    head = f"HTTP/1.1 {status} X\r\n" + (f"Content-Type: {ctype}\r\n" if ctype else "") + extra
    return head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def warc_record(url: str, block: bytes, kind: str = "response", length: int | None = None, more: str = "") -> bytes:
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {url}\r\nWARC-Date: {DATE}\r\n"
        f"WARC-Record-ID: <urn:uuid:{hashlib.md5(url.encode()).hexdigest()}>\r\n{more}"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(block) if length is None else length}\r\n\r\n"
    )
    return head.encode() + block + b"\r\n\r\n"


def good(n: int) -> bytes:
    return warc_record(f"http://example.com/{n}", http_response(page(n)))


def gz(*records: bytes) -> list[bytes]:
    return [gzip.compress(r) for r in records]


def urls(captures: list[Capture]) -> list[str]:
    return [c.url for c in captures]


def bounded(data: bytes, path: str = "test.warc.gz", seconds: float = 5.0, megabytes: int = 200):
    """read_all, asserting the time and the peak of Python allocations it took."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = read_all(data, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    assert peak < megabytes * 2**20, f"peak {peak / 2**20:.0f} MiB"
    return result


def one_problem_at(problems: list[Problem], offset: int) -> None:
    assert len(problems) == 1, [str(p) for p in problems]
    text = str(problems[0])
    assert f"record at offset {offset}:" in text
    assert "\n" not in text and "Error" not in text and "Traceback" not in text


def test_built_archive_reads_plain_and_gzipped():
    records = [good(1), good(2), good(3)]
    for data in (b"".join(records), b"".join(gz(*records))):
        captures, problems, counts = read_all(data)
        assert problems == []
        assert urls(captures) == [f"http://example.com/{n}" for n in (1, 2, 3)]
        assert [c.payload for c in captures] == [page(1), page(2), page(3)]
        assert counts == ArchiveCounts(records=3, html=3, skipped=0, broken=0)
    members = gz(*records)
    captures, _, _ = read_all(b"".join(members))
    assert [c.offset for c in captures] == [0, len(members[0]), len(members[0]) + len(members[1])]


def test_only_2xx_html_responses_are_yielded_and_the_rest_counted():
    records = [
        good(1),
        warc_record("http://example.com/moved", http_response(b"<html>moved</html>", status=301)),
        warc_record("http://example.com/missing", http_response(b"<html>gone</html>", status=404)),
        warc_record("http://example.com/i.png", http_response(b"\x89PNG....", ctype="image/png")),
        warc_record("http://example.com/x", b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", kind="request"),
        warc_record("http://example.com/nott", http_response(page(7), ctype=None)),  # sniffed: HTML
        warc_record("http://example.com/notype", http_response(b"GIF89a....", ctype=None)),  # sniffed: not HTML
        warc_record("http://example.com:80/port", http_response(page(8), ctype="application/xhtml+xml")),
        warc_record("https://example.com:443/tls", http_response(page(9))),
    ]
    captures, problems, counts = read_all(b"".join(gz(*records)))
    assert problems == []
    assert urls(captures) == [
        "http://example.com/1",
        "http://example.com/nott",
        "http://example.com/port",
        "https://example.com/tls",
    ]
    assert [c.mime for c in captures] == ["text/html", "text/html", "application/xhtml+xml", "text/html"]
    assert captures[0].charset == "utf-8"
    assert counts == ArchiveCounts(records=9, html=4, skipped=5, broken=0)


def test_chunked_payload_is_dechunked_and_its_digest_computed():
    body = page(1) * 3
    chunks = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:50], body[50:]))
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    captures, problems, _ = read_all(b"".join(gz(warc_record("http://example.com/c", raw))))
    assert problems == []
    assert captures[0].payload == body
    assert captures[0].digest == "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


def test_revisit_without_http_headers_and_with_html_headers():
    more = "WARC-Refers-To-Target-URI: <http://example.com:80/1>\r\nWARC-Refers-To-Date: 2020-01-02T03:04:05Z\r\n"
    more += "WARC-Payload-Digest: sha1:AAAA\r\n"
    records = [
        good(1),
        warc_record("http://example.com/1", b"", kind="revisit", more=more),
        warc_record(
            "http://example.com/1", b"HTTP/1.1 304 Not Modified\r\nContent-Type: text/html\r\n\r\n", kind="revisit"
        ),
        warc_record("http://example.com/a.css", b"HTTP/1.1 200 OK\r\nContent-Type: text/css\r\n\r\n", kind="revisit"),
    ]
    captures, problems, counts = read_all(b"".join(gz(*records)))
    assert problems == []
    assert [(c.kind, c.status) for c in captures] == [("response", 200), ("revisit", 0), ("revisit", 304)]
    assert captures[1].refers_to == "http://example.com/1"
    assert iso(captures[1].refers_date) == "2020-01-02T03:04:05Z"
    assert captures[1].digest == "sha1:AAAA" and captures[1].payload == b""
    assert counts.skipped == 1


# -- hostile archives ----------------------------------------------------------


def test_truncated_gzip_member_in_the_middle():
    m1, m2, m3 = gz(good(1), good(2), good(3))
    data = m1 + m2[: len(m2) // 2] + m3
    captures, problems, counts = bounded(data)
    assert urls(captures) == ["http://example.com/1", "http://example.com/3"]
    one_problem_at(problems, len(m1))
    assert counts.broken == 1


def test_truncated_last_member():
    m1, m2 = gz(good(1), good(2))
    captures, problems, _ = bounded(m1 + m2[:-30])
    assert urls(captures) == ["http://example.com/1"]
    one_problem_at(problems, len(m1))


@pytest.mark.parametrize("gzipped", [True, False])
def test_record_claiming_ten_gigabytes(gzipped):
    liar = warc_record("http://example.com/2", http_response(page(2)), length=10_000_000_000)
    parts = gz(good(1), liar, good(3)) if gzipped else [good(1), liar, good(3)]
    captures, problems, _ = bounded(b"".join(parts))
    assert urls(captures) == ["http://example.com/1", "http://example.com/3"]
    one_problem_at(problems, len(parts[0]))
    assert "10,000,000,000" in str(problems[0])


@pytest.mark.parametrize("gzipped", [True, False])
def test_garbage_between_records(gzipped):
    garbage = os.urandom(5000).replace(b"\x1f\x8b", b"..").replace(b"WARC", b"....")
    parts = gz(good(1), good(2)) if gzipped else [good(1), good(2)]
    data = parts[0] + garbage + parts[1]
    captures, problems, _ = bounded(data)
    assert urls(captures) == ["http://example.com/1", "http://example.com/2"]
    one_problem_at(problems, len(parts[0]))


def test_content_length_too_long_swallows_the_next_record_start():
    liar = warc_record("http://example.com/2", http_response(page(2)), length=len(http_response(page(2))) + 40)
    data = good(1) + liar + good(3) + good(4)
    captures, problems, _ = bounded(data, path="test.warc")
    assert urls(captures) == ["http://example.com/1", "http://example.com/3", "http://example.com/4"]
    one_problem_at(problems, len(good(1)))


def test_not_a_number_content_length():
    bad = good(2).replace(b"Content-Length: ", b"Content-Length: 12x", 1)
    m1, m2, m3 = gz(good(1), bad, good(3))
    captures, problems, _ = bounded(m1 + m2 + m3)
    assert urls(captures) == ["http://example.com/1", "http://example.com/3"]
    one_problem_at(problems, len(m1))


def streamed(size: int, compressor) -> bytes:
    """`size` bytes of zeros through a compressor, built a MiB at a time (never held whole)."""
    out = [compressor.process(b"\0" * 2**20) if hasattr(compressor, "process") else compressor.compress(b"\0" * 2**20)]
    out += [
        compressor.process(b"\0" * 2**20) if hasattr(compressor, "process") else compressor.compress(b"\0" * 2**20)
        for _ in range(size // 2**20 - 1)
    ]
    out.append(compressor.finish() if hasattr(compressor, "finish") else compressor.flush())
    return b"".join(out)


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_compression_bomb_payload_is_bounded(coding):
    if coding == "br":
        brotli = pytest.importorskip("brotli")
        bomb = streamed(512 * 2**20, brotli.Compressor(quality=1))
    else:
        bomb = streamed(512 * 2**20, zlib.compressobj(9, zlib.DEFLATED, 31))
    assert len(bomb) < 4 * 2**20  # a small payload that inflates to 512 MiB
    raw = http_response(bomb, extra=f"Content-Encoding: {coding}\r\n")
    m1, m2, m3 = gz(good(1), warc_record("http://example.com/bomb", raw), good(3))
    captures, problems, _ = bounded(m1 + m2 + m3, seconds=5)
    assert urls(captures) == ["http://example.com/1", "http://example.com/3"]
    one_problem_at(problems, len(m1))
    assert f"over {MAX_PAYLOAD_BYTES // 2**20} MiB" in str(problems[0])


def test_oversized_plain_payload_is_skipped():
    big = b"<html>" + b"x" * (MAX_PAYLOAD_BYTES + 10)
    m1, m2, m3 = gz(good(1), warc_record("http://example.com/big", http_response(big)), good(3))
    captures, problems, _ = bounded(m1 + m2 + m3, megabytes=100)
    assert urls(captures) == ["http://example.com/1", "http://example.com/3"]
    one_problem_at(problems, len(m1))


def test_undecodable_content_encoding_is_one_problem():
    records = [
        good(1),
        warc_record("http://example.com/2", http_response(b"\x00\x01garbage", extra="Content-Encoding: gzip\r\n")),
        warc_record("http://example.com/3", http_response(page(3), extra="Content-Encoding: compress\r\n")),
        # Stored decoded with the header left as it was: read as it is.
        warc_record("http://example.com/4", http_response(page(4), extra="Content-Encoding: gzip\r\n")),
        warc_record(
            "http://example.com/5", http_response(zlib.compress(page(5)), extra="Content-Encoding: deflate\r\n")
        ),
        warc_record(
            "http://example.com/6", http_response(gzip.compress(page(6)), extra="Content-Encoding: x-gzip\r\n")
        ),
    ]
    members = gz(*records)
    captures, problems, counts = bounded(b"".join(members))
    assert [(c.url, c.payload) for c in captures] == [(f"http://example.com/{n}", page(n)) for n in (1, 4, 5, 6)]
    assert len(problems) == 2
    assert f"record at offset {len(members[0])}:" in str(problems[0])
    assert f"record at offset {len(members[0]) + len(members[1])}:" in str(problems[1])
    assert counts.broken == 2


def test_deeply_nested_html_is_just_yielded():
    nested = b"<html><body>" + b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000 + b"</body></html>"
    m1, m2 = gz(good(1), warc_record("http://example.com/deep", http_response(nested)))
    captures, problems, _ = bounded(m1 + m2, seconds=2)
    assert problems == []
    assert captures[1].payload == nested


def test_random_bytes_empty_file_and_gzipped_text_are_input_errors():
    for data, why in (
        (os.urandom(100_000), "not a WARC or ARC file"),
        (b"", "empty"),
        (gzip.compress(b"hello\n" * 1000), "gzip"),
        (b"<html><body>x</body></html>", "not a WARC or ARC file"),
    ):
        started = time.perf_counter()
        with pytest.raises(InputError, match=why) as caught:
            read_captures(io.BytesIO(data), "x.warc.gz")
        assert "\n" not in str(caught.value)
        assert time.perf_counter() - started < 1


def test_unseekable_handle_gives_the_same_results():
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    m1, m2, m3 = gz(good(1), good(2), good(3))
    data = m1 + m2[:40] + os.urandom(300).replace(b"\x1f", b".") + m3
    captures, problems, _ = read_all(b"", handle=io.BufferedReader(Pipe(data)))
    assert urls(captures) == ["http://example.com/1", "http://example.com/3"]
    one_problem_at(problems, len(m1))


def test_many_lying_records_stay_linear():
    """Records that each claim the rest of the file: re-reading after each would be quadratic."""
    liar = b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 2000000\r\n\r\n"
    data = good(1) + liar * 50_000
    captures, problems, _ = bounded(data, path="lies.warc", seconds=10)
    assert urls(captures) == ["http://example.com/1"]
    assert problems and all("record at offset" in str(p) for p in problems)


def test_counts_are_filled_in_when_given():
    counts = ArchiveCounts()
    items = list(read_captures(io.BytesIO(b"".join(gz(good(1), good(2)))), "t.warc.gz", counts))
    assert len(items) == 2
    assert counts == ArchiveCounts(records=2, html=2, skipped=0, broken=0)


# -- anything at all -----------------------------------------------------------


def consume(data: bytes) -> None:
    try:
        for item in read_captures(io.BytesIO(data), "fuzz.warc.gz"):
            assert isinstance(item, (Capture, Problem))
            if isinstance(item, Problem):
                assert "\n" not in str(item)
    except InputError:
        pass


@settings(max_examples=150)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise_but_input_error(data):
    consume(data)


@settings(max_examples=150)
@given(st.binary(max_size=2000), st.integers(min_value=0, max_value=2000), st.booleans())
def test_damaged_real_shaped_archives_never_raise(noise, cut, gzipped):
    records = [good(1), good(2), good(3)]
    data = b"".join(gz(*records)) if gzipped else b"".join(records)
    cut = min(cut, len(data))
    consume(data[:cut] + noise + data[cut:])
    consume(b"WARC/1.0\r\n" + noise)
    consume(gzip.compress(b"WARC/1.0\r\n" + noise))
