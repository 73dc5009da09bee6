"""Indexing web archives (WARC/ARC) through the CLI and the library: articles, capture times,
repeated captures, versions, incremental runs, and what is left out.

The fixture archives are written here with warcio's writer, around pages whose text is
made up for these tests; the real files are read from ../shared/webarchive."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import SHARED, need_shared, run_cli

from archive_search.indexing.indexer import Indexer
from archive_search.store import IndexDir

WEBARCHIVE = SHARED / "webarchive"

_WORDS = (
    "the harbor commission met on tuesday night to weigh a plan for a ferry landing at the foot of pier "
    "street where residents have asked for a safer crossing and a shelter from the wind for years while "
    "the budget office warned that the dredging alone would cost more than the city had set aside"
).split()


def story(title: str, seed: int, words: int = 120, extra: str = "") -> str:
    """An article page of made-up text: `words` words, varied by `seed`."""
    text = " ".join(_WORDS[(seed * 7 + i) % len(_WORDS)] for i in range(words))
    paras = "".join(f"<p>{text[i : i + 300]}</p>" for i in range(0, len(text), 300))
    return (
        f"<!doctype html><html><head><title>{title}</title>"
        f'<meta property="og:type" content="article"></head>'
        f"<body><article><h1>{title}</h1>{paras}{extra}</article></body></html>"
    )


def front(title: str) -> str:
    """A site's front page: a list of links, declared a website."""
    links = "".join(f'<li><a href="/news/{i}">Headline number {i} of the day</a></li>' for i in range(40))
    return (
        f'<!doctype html><html><head><title>{title}</title><meta property="og:type" content="website"></head>'
        f"<body><ul>{links}</ul><p>Welcome to the front page of the harbor gazette.</p></body></html>"
    )


def warc(records: list[tuple], *, gz: bool = True) -> bytes:
    """A WARC of (kind, url, iso-time, html[, status]) records: kind "response" or "revisit"
    (of a response of the same URL and html, in this file or another)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    for kind, url, when, html, *rest in records:
        status = rest[0] if rest else "200 OK"
        headers = StatusAndHeaders(status, [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        warc_headers = {"WARC-Date": when}
        if kind == "response":
            payload = html.encode()
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(payload), http_headers=headers, warc_headers_dict=warc_headers
            )
        else:  # the digest as WARC defines it: base32 SHA-1 of the payload
            digest = "sha1:" + base64.b32encode(hashlib.sha1(html.encode()).digest()).decode()
            record = writer.create_revisit_record(url, digest, url, when, http_headers=headers)
            record.rec_headers.replace_header("WARC-Date", when)
        writer.write_record(record)
    return out.getvalue()


def index(paths: list[Path], index_dir: Path):
    """Index with the library; the run's stats and the problems reported."""
    problems = []
    stats = Indexer(IndexDir(index_dir), on_problem=problems.append).run([str(p) for p in paths])
    return stats, problems


def listed(index_dir: Path) -> list[dict]:
    result = run_cli("list", "--format", "jsonl", "--index", str(index_dir))
    assert result.exit_code in (0, 1), result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


A = "http://harbor.example/news/2016/05/ferry-landing"
B = "http://harbor.example/news/2016/05/dredging-bill"


def test_a_warc_becomes_its_articles_with_urls_and_capture_times(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(
        warc(
            [
                ("response", A, "2016-05-03T10:00:00Z", story("Ferry landing weighed", 1)),
                ("response", B, "2016-05-03T10:05:00Z", story("Dredging bill", 2)),
                ("response", "http://harbor.example/", "2016-05-03T09:59:00Z", front("Harbor Gazette")),
                (
                    "response",
                    "http://harbor.example/news/gone",
                    "2016-05-03T10:06:00Z",
                    story("Gone", 3),
                    "404 Not Found",
                ),
            ]
        )
    )
    result = run_cli("index", str(path), "--index", str(tmp_path / "idx"))
    assert result.exit_code == 0, result.stderr
    assert "web archives: 3 HTML captures (0 repeated, 1 not articles)" in result.stderr  # the 404 is no capture
    articles = {a["url"]: a for a in listed(tmp_path / "idx")}
    assert set(articles) == {A, B}
    assert articles[A]["captured"] == "2016-05-03T10:00:00+00:00"
    shown = json.loads(run_cli("show", articles[A]["id"], "--format", "json", "--index", str(tmp_path / "idx")).stdout)
    assert shown["title"] == "Ferry landing weighed"
    assert shown["captures"] == ["2016-05-03T10:00:00+00:00"]
    assert shown["digest"].startswith("sha1:")
    hits = run_cli("search", "dredging", "--format", "jsonl", "--index", str(tmp_path / "idx"))
    assert {json.loads(line)["captured"] for line in hits.stdout.splitlines()} == {
        "2016-05-03T10:00:00+00:00",
        "2016-05-03T10:05:00+00:00",
    }


def test_repeated_captures_are_one_article_with_every_capture_time(tmp_path):
    page = story("Ferry landing weighed", 1)
    path = tmp_path / "crawl.warc"
    path.write_bytes(
        warc(
            [
                ("response", A, "2016-05-03T10:00:00Z", page),
                ("response", A, "2016-05-04T10:00:00Z", page),  # captured again, same content
                ("revisit", A, "2016-05-05T10:00:00Z", page),
            ],
            gz=False,
        )
    )
    stats, problems = index([path], tmp_path / "idx")
    assert not problems
    assert (stats.articles_added, stats.captures_read, stats.repeats) == (1, 3, 2)
    (article,) = listed(tmp_path / "idx")
    shown = json.loads(run_cli("show", article["id"], "--format", "json", "--index", str(tmp_path / "idx")).stdout)
    assert shown["captures"] == [f"2016-05-0{d}T10:00:00+00:00" for d in (3, 4, 5)]
    assert shown["captured"] == "2016-05-05T10:00:00+00:00"


def test_a_page_captured_with_new_content_is_versions_and_search_shows_the_latest(tmp_path):
    first = story("Ferry landing weighed", 1)
    second = story(
        "Ferry landing approved", 1, extra="<p>The commission approved the landing by a vote of five to two.</p>"
    )
    (tmp_path / "may.warc.gz").write_bytes(warc([("response", A, "2016-05-03T10:00:00Z", first)]))
    (tmp_path / "june.warc.gz").write_bytes(warc([("response", A, "2016-06-03T10:00:00Z", second)]))
    idx = str(tmp_path / "idx")
    assert run_cli("index", str(tmp_path), "--index", idx).exit_code == 0
    assert len(listed(tmp_path / "idx")) == 2  # two versions, two articles
    hits = [
        json.loads(line) for line in run_cli("search", "ferry", "--format", "jsonl", "--index", idx).stdout.splitlines()
    ]
    assert [(h["title"], h["captured"]) for h in hits] == [("Ferry landing approved", "2016-06-03T10:00:00+00:00")]
    versions = run_cli("show", hits[0]["id"], "--versions", "--format", "jsonl", "--index", idx)
    assert versions.exit_code == 0, versions.stderr
    rows = [json.loads(line) for line in versions.stdout.splitlines()]
    assert [(r["title"], r["captured"][:10]) for r in rows] == [
        ("Ferry landing weighed", "2016-05-03"),
        ("Ferry landing approved", "2016-06-03"),
    ]
    # Removing the later crawl brings the earlier version back into the results.
    os.remove(tmp_path / "june.warc.gz")
    assert run_cli("index", str(tmp_path), "--index", idx).exit_code == 0
    hits = [
        json.loads(line) for line in run_cli("search", "ferry", "--format", "jsonl", "--index", idx).stdout.splitlines()
    ]
    assert [h["title"] for h in hits] == ["Ferry landing weighed"]


def test_a_recrawl_whose_captures_are_revisits_adds_no_article(tmp_path):
    page = story("Ferry landing weighed", 1)
    (tmp_path / "a.warc.gz").write_bytes(warc([("response", A, "2016-05-03T10:00:00Z", page)]))
    # The re-crawl holds only a revisit, whose original is in the other file.
    (tmp_path / "b.warc.gz").write_bytes(warc([("revisit", A, "2016-05-09T10:00:00Z", page)]))
    stats, _ = index([tmp_path / "a.warc.gz"], tmp_path / "idx")
    assert stats.articles_added == 1
    stats, problems = index([tmp_path / "b.warc.gz"], tmp_path / "idx")
    assert (stats.articles_added, stats.repeats) == (0, 1), problems
    assert len(listed(tmp_path / "idx")) == 1


def test_the_same_capture_in_two_files_is_one_article(tmp_path):
    page = story("Ferry landing weighed", 1)
    data = warc([("response", A, "2016-05-03T10:00:00Z", page)])
    (tmp_path / "a.warc.gz").write_bytes(data)
    (tmp_path / "copy-of-a.warc.gz").write_bytes(data + warc([("response", B, "2016-05-03T11:00:00Z", story("B", 2))]))
    stats, problems = index([tmp_path], tmp_path / "idx")
    assert not problems
    assert (stats.articles_added, stats.repeats) == (2, 1)
    assert sorted(a["url"] for a in listed(tmp_path / "idx")) == [B, A]


def test_an_unchanged_web_archive_is_skipped_and_a_changed_one_updated(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(warc([("response", A, "2016-05-03T10:00:00Z", story("Ferry landing weighed", 1))]))
    idx = tmp_path / "idx"
    assert index([path], idx)[0].articles_added == 1
    again = index([path], idx)[0]
    assert (again.files_unchanged, again.articles_added) == (1, 0)
    path.write_bytes(warc([("response", B, "2016-05-03T10:00:00Z", story("Dredging bill", 2))]))
    changed = index([path], idx)[0]
    assert (changed.files_changed, changed.articles_added, changed.articles_removed) == (1, 1, 1)
    assert [a["url"] for a in listed(idx)] == [B]


def test_a_walk_reads_web_archives_by_name_and_passes_over_other_gzip_files(tmp_path):
    (tmp_path / "crawl.warc.gz").write_bytes(warc([("response", A, "2016-05-03T10:00:00Z", story("Ferry", 1))]))
    (tmp_path / "notes.txt.gz").write_bytes(gzip.compress(b"not an archive"))
    stats, problems = index([tmp_path], tmp_path / "idx")
    assert (stats.articles_added, stats.files_skipped, problems) == (1, 1, [])


def test_a_web_archive_named_otherwise_is_known_by_its_content(tmp_path):
    path = tmp_path / "capture.dat"
    path.write_bytes(warc([("response", A, "2016-05-03T10:00:00Z", story("Ferry", 1))]))
    assert index([path], tmp_path / "idx")[0].articles_added == 1


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("random.warc.gz", bytes(range(256)) * 64),
        ("text.warc.gz", gzip.compress(b"hello, this is no web archive\n" * 100)),
    ],
)
def test_a_file_named_as_a_web_archive_that_is_not_one_fails_in_one_line(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    result = run_cli("index", str(path), "--index", str(tmp_path / "idx"))
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if str(path) in line and "archive-search:" not in line[:14]]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_record_is_one_line_with_its_offset_and_the_rest_is_read(tmp_path):
    good = [
        warc([("response", u, "2016-05-03T10:00:00Z", story(t, i))])
        for i, (u, t) in enumerate([(A, "Ferry"), (B, "Dredge")])
    ]
    broken = warc([("response", "http://harbor.example/news/x", "2016-05-03T10:00:00Z", story("X", 5))])
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(good[0] + broken[: len(broken) // 2] + good[1])  # a truncated member between two good ones
    result = run_cli("index", str(path), "--index", str(tmp_path / "idx"))
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if "offset" in line]
    assert len(lines) == 1 and f"offset {len(good[0])}" in lines[0], result.stderr
    assert sorted(a["url"] for a in listed(tmp_path / "idx")) == [B, A]


# -- the real files ---------------------------------------------------------------


def _summary() -> list[dict]:
    need_shared(WEBARCHIVE / "summary.json")
    return json.loads((WEBARCHIVE / "summary.json").read_text())


def _strip_port(url: str) -> str:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    if parts.port is not None and parts.port == default:
        return parts._replace(netloc=parts.hostname).geturl()
    return url


@pytest.mark.soak  # some 8 s over the 13 files: run by .ci/run with the soak tests
@pytest.mark.parametrize(
    "name",
    [entry["file"] for entry in json.loads((WEBARCHIVE / "summary.json").read_text())]
    if (WEBARCHIVE / "summary.json").exists()
    else [],
)
def test_every_real_web_archive_indexes_and_agrees_with_its_listing(tmp_path, name):
    entry = next(e for e in _summary() if e["file"] == name)
    stats, problems = index([WEBARCHIVE / name], tmp_path / "idx")
    assert not [p for p in problems if not p.warning], [str(p) for p in problems]
    html_200 = [r for r in entry["html_responses"] if r["status"].startswith("2")]
    revisits = entry["types"].get("revisit", 0)
    # Every HTML 200 response is read as a capture; revisits come on top (those of HTML pages).
    assert len(html_200) <= stats.captures_read <= len(html_200) + revisits
    assert stats.articles_added + stats.not_articles + stats.repeats == stats.captures_read
    times = {}
    for record in html_200:
        times.setdefault(_strip_port(record["url"]), set()).add(record["date"].replace("Z", "+00:00"))
    for article in listed(tmp_path / "idx"):
        assert article["url"] in times, article["url"]
        # The latest capture: a response's time, or a later revisit's.
        assert article["captured"] in times[article["url"]] or (
            revisits and article["captured"] > min(times[article["url"]])
        )


@pytest.mark.soak  # some 5 s: run by .ci/run with the soak tests
def test_the_recrawl_of_data_gov_uk_adds_no_article_for_its_revisits(tmp_path):
    entries = {e["file"]: e for e in _summary()}
    first, second = sorted(name for name in entries if name.startswith("BL-"))
    index([WEBARCHIVE / first], tmp_path / "idx")
    before = {a["url"] for a in listed(tmp_path / "idx")}
    stats, _ = index([WEBARCHIVE / second], tmp_path / "idx")
    fresh = {_strip_port(r["url"]) for r in entries[second]["html_responses"] if r["status"].startswith("2")}
    added = {a["url"] for a in listed(tmp_path / "idx")} - before
    assert added <= fresh  # only the re-crawl's own responses can add articles, never its revisits
    assert stats.articles_added <= len(fresh)


def test_the_arc_and_warc_copies_of_one_crawl_give_the_same_articles(tmp_path):
    need_shared(WEBARCHIVE)
    got = []
    for suffix in ("warc.gz", "arc.gz"):
        stats, _ = index([WEBARCHIVE / f"IAH-20080430204825-00000-blackbook-truncated.{suffix}"], tmp_path / suffix)
        rows = [(a["url"], a["captured"], a["title"]) for a in listed(tmp_path / suffix)]
        got.append((stats.captures_read, stats.not_articles, sorted(rows)))
    assert got[0] == got[1]
    assert got[0][0] == 2


def test_capture_times_are_utc(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(warc([("response", A, "2016-05-03T10:00:00Z", story("Ferry", 1))]))
    index([path], tmp_path / "idx")
    (article,) = listed(tmp_path / "idx")
    assert datetime.fromisoformat(article["captured"]) == datetime(2016, 5, 3, 10, tzinfo=timezone.utc)


# -- hostile web archives, through the command ------------------------------------


def _run_measured(*args: str) -> tuple[int, str, float, int]:
    """Run the command in a child of a fresh interpreter: exit status, stderr, seconds, peak RSS in MiB."""
    code = (
        "import resource, subprocess, sys, time\n"
        "start = time.monotonic()\n"
        "proc = subprocess.run([sys.executable, '-m', 'archive_search', *sys.argv[1:]], capture_output=True, text=True)\n"
        "took = time.monotonic() - start\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024\n"
        "print(proc.returncode, took, rss)\n"
        "sys.stderr.write(proc.stderr)\n"
    )
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)
    status, took, rss = proc.stdout.split()
    return int(status), proc.stderr, float(took), int(rss)


def _lying_record(length: int) -> bytes:
    """A gzipped WARC response record whose Content-Length claims `length` bytes."""
    block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>short</p></body></html>"
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Date: 2016-05-03T10:00:00Z\r\n"
        "WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
        f"WARC-Target-URI: http://harbor.example/liar\r\nContent-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()
    return gzip.compress(head + block + b"\r\n\r\n", mtime=0)


def test_a_record_claiming_ten_gigabytes_is_one_line_in_bounded_time_and_memory(tmp_path):
    good = warc([("response", A, "2016-05-03T10:00:00Z", story("Ferry landing weighed", 1))])
    path = tmp_path / "liar.warc.gz"
    path.write_bytes(good + _lying_record(10 * 10**9))
    status, stderr, took, rss = _run_measured("index", str(path), "--index", str(tmp_path / "idx"))
    assert status == 2 and "Traceback" not in stderr
    assert len([line for line in stderr.splitlines() if "offset" in line]) == 1, stderr
    assert took < 60 and rss < 500, (took, rss)
    assert [a["url"] for a in listed(tmp_path / "idx")] == [A]  # the good record before it is indexed


def test_a_page_nested_100000_deep_is_one_line_in_bounded_time_and_memory(tmp_path):
    deep = "<html><body>" + "<div>" * 100_000 + "text" + "</div>" * 100_000 + "</body></html>"
    path = tmp_path / "deep.warc.gz"
    path.write_bytes(
        warc(
            [
                ("response", "http://harbor.example/news/deep", "2016-05-03T10:00:00Z", deep),
                ("response", A, "2016-05-03T10:01:00Z", story("Ferry landing weighed", 1)),
            ]
        )
    )
    status, stderr, took, rss = _run_measured("index", str(path), "--index", str(tmp_path / "idx"))
    lines = [line for line in stderr.splitlines() if "offset" in line]
    assert status == 2 and len(lines) == 1 and "nested" in lines[0], stderr
    assert took < 60 and rss < 500, (took, rss)
    assert [a["url"] for a in listed(tmp_path / "idx")] == [A]


def test_export_and_index_from_stdin_keep_capture_times_and_versions(tmp_path):
    first = story("Ferry landing weighed", 1)
    second = story(
        "Ferry landing approved", 1, extra="<p>The commission approved the landing by a vote of five to two.</p>"
    )
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(
        warc(
            [
                ("response", A, "2016-05-03T10:00:00Z", first),
                ("revisit", A, "2016-05-04T10:00:00Z", first),
                ("response", A, "2016-06-03T10:00:00Z", second),
            ]
        )
    )
    index([path], tmp_path / "idx")
    exported = run_cli("export", "--index", str(tmp_path / "idx"))
    assert exported.exit_code == 0, exported.stderr
    copied = run_cli("index", "-", "--index", str(tmp_path / "copy"), input=exported.stdout.encode())
    assert copied.exit_code == 0, copied.stderr

    def captures(idx: Path) -> dict:
        rows = listed(idx)
        shown = run_cli("show", *[r["id"] for r in rows], "--format", "json", "--index", str(idx)).stdout
        return {a["id"]: (a["captures"], a["digest"], a["url"]) for a in json.loads(shown)}

    assert captures(tmp_path / "copy") == captures(tmp_path / "idx")
    assert len(captures(tmp_path / "idx")) == 2
    hits = run_cli("search", "ferry", "--format", "jsonl", "--index", str(tmp_path / "copy")).stdout.splitlines()
    assert [json.loads(h)["title"] for h in hits] == ["Ferry landing approved"]  # the versions survive the copy
