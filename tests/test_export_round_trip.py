"""`archive-search export`: every stored field as JSON Lines, read back identically by
`index -`; standard input's articles keep the path and position they name, and records
without an id get shell-safe ids from their content."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import REUTERS, need_shared, run_cli, write_jsonl
from hypothesis import given, settings
from hypothesis import strategies as st
from inprocess import invoke

from archive_search import Archive, IndexDir, Indexer
from archive_search.model import Article


def export(index: Path, *args: str) -> str:
    result = invoke("export", "--index", str(index), *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def index_stdin(index: Path, text: str, *args: str):
    return invoke("index", "-", "--index", str(index), "-q", *args, input=text.encode("utf-8"))


def test_export_of_the_sample_archive_reads_back_identically(sample_index, tmp_path):
    first = export(sample_index)
    records = [json.loads(line) for line in first.splitlines()]
    stats = json.loads(invoke("stats", "--index", str(sample_index), "--format", "json").stdout)
    assert len(records) == stats["articles"] and all(list(r) == list(Article("x").to_dict()) for r in records)
    assert [(r["path"], r["position"]) for r in records] == sorted((r["path"], r["position"]) for r in records)
    copy = tmp_path / "copy"
    assert index_stdin(copy, first).exit_code == 0
    assert export(copy) == first
    # The copy answers searches as the original does.
    for query in ("bike lane", "sanctuary", "rent AND landlord"):
        a = invoke("search", query, "--index", str(sample_index), "--format", "ids").stdout
        b = invoke("search", query, "--index", str(copy), "--format", "ids").stdout
        assert a.split() == b.split() and a


def test_export_of_reuters_reads_back_identically(tmp_path):
    need_shared(REUTERS)
    data = (REUTERS / "reut2-000.sgm").read_bytes()
    cut = tmp_path / "reut2-000-head.sgm"  # the first stories, to keep the test quick
    cut.write_bytes(data[: data.index(b"</REUTERS>", data.index(b'NEWID="150"')) + len(b"</REUTERS>")])
    original, copy = tmp_path / "original", tmp_path / "copy"
    result = invoke("index", str(cut), "--index", str(original), "-q")
    assert result.exit_code == 0, result.stderr
    first = export(original)
    assert len(first.splitlines()) == cut.read_bytes().count(b"<REUTERS ") == 150
    assert index_stdin(copy, first).exit_code == 0 and export(copy) == first


def test_export_filters_like_list(sample_index):
    lines = export(sample_index, "--author", "kate lindqvist", "--since", "2014").splitlines()
    listed = invoke(
        "list", "--index", str(sample_index), "--author", "kate lindqvist", "--since", "2014", "--format", "ids"
    )
    assert [json.loads(line)["id"] for line in lines] == listed.stdout.split() and lines
    assert all("Kate Lindqvist" in json.loads(line)["authors"] for line in lines)
    nothing = invoke("export", "--index", str(sample_index), "--since", "2030")
    assert (nothing.exit_code, nothing.stdout) == (1, "")


def test_export_to_a_file_is_atomic_and_a_bad_file_is_one_line_exit_2(sample_index, tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old contents\n")
    result = invoke("export", "--index", str(sample_index), "--output", str(target))
    assert (result.exit_code, result.stdout) == (0, "")
    assert target.read_text(encoding="utf-8") == export(sample_index)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]  # no temporary file left
    missing = tmp_path / "no-such-dir" / "out.jsonl"
    result = invoke("export", "--index", str(sample_index), "-o", str(missing))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"archive-search: error: cannot write {missing}")


# -- a round trip of generated articles ----------------------------------------------

_ZONES = st.sampled_from(
    [timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8)), ZoneInfo("America/Chicago")]
)
_DATES = st.none() | st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=_ZONES)
_NAMES = st.text(min_size=0, max_size=12)
_ID_CHARS = "abcxyz019-_éøß东"


def _record(ident: str, title: str, body: str, authors, published, updated, tags, url: str, dateline: str) -> dict:
    return {
        "id": ident,
        "title": "T" + title,  # a letter, so that every record is an article
        "body": body,
        "authors": authors,
        "published": published.isoformat() if published else None,
        "updated": updated.isoformat() if updated else None,
        "tags": tags,
        "url": url,
        "dateline": dateline,
        "source": "Gen " + title[:3],
    }


_RECORDS = st.lists(
    st.builds(
        _record,
        st.text(alphabet=_ID_CHARS, min_size=1, max_size=10),
        st.text(max_size=30),
        st.text(max_size=200),
        st.lists(_NAMES, max_size=3),
        _DATES,
        _DATES,
        st.lists(_NAMES, max_size=3),
        st.text(max_size=20),
        _NAMES,
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda r: r["id"],
)


@settings(max_examples=20)
@given(records=_RECORDS)
def test_export_of_generated_articles_reads_back_identically(tmp_path_factory, records):
    folder = tmp_path_factory.mktemp("trip")
    feed = write_jsonl(folder / "feed.jsonl", records)
    original, copy = IndexDir(folder / "original"), IndexDir(folder / "copy")
    Indexer(original).run([str(feed)])
    first = "".join(json.dumps(a.to_dict(), ensure_ascii=False) + "\n" for a in Archive(original).export())
    assert sorted(json.loads(line)["id"] for line in first.splitlines()) == sorted(r["id"] for r in records)
    stats = Indexer(copy).run(["-"], stdin=io.BytesIO(first.encode("utf-8")))
    assert (stats.articles_added, stats.errors, stats.streams_read) == (len(records), 0, 1)
    assert export(folder / "copy") == export(folder / "original")


# -- standard input: paths and ids -------------------------------------------------------


def test_stdin_records_keep_the_path_and_position_they_name(tmp_path):
    index = tmp_path / "index"
    lines = [
        {"id": "p1", "title": "Placed", "body": "x", "path": "/archive/feeds/one.jsonl", "position": 7},
        {"id": "p2", "title": "Unplaced", "body": "y"},
    ]
    assert index_stdin(index, "".join(json.dumps(r) + "\n" for r in lines)).exit_code == 0
    shown = {r["id"]: r for r in map(json.loads, export(index).splitlines())}
    assert (shown["p1"]["path"], shown["p1"]["position"]) == ("/archive/feeds/one.jsonl", 7)
    assert (shown["p2"]["path"], shown["p2"]["position"]) == ("<stdin>", 2)


def test_stdin_records_without_ids_get_shell_safe_ids_that_a_rerun_keeps(tmp_path):
    index = tmp_path / "index"
    text = "".join(json.dumps({"title": f"No id {n}", "body": "text"}) + "\n" for n in range(3))
    assert index_stdin(index, text).exit_code == 0
    ids = invoke("list", "--index", str(index), "--format", "ids").stdout.split()
    assert len(ids) == 3 and all(re.fullmatch(r"stdin-[0-9a-f]{16}", i) for i in ids), ids
    stats = Indexer(IndexDir(index)).run(["-"], stdin=io.BytesIO(text.encode()))
    assert (stats.articles_added, stats.articles_updated, stats.total_articles) == (0, 3, 3)
    assert invoke("list", "--index", str(index), "--format", "ids").stdout.split() == ids


def test_a_file_reread_or_gone_leaves_the_stdin_articles_that_name_its_path(tmp_path):
    """Standard input's articles are filed under no file: re-reading or removing the file they
    say they came from touches none of them, and a record sent again replaces its own article."""
    folder = tmp_path / "archive"
    feed = write_jsonl(folder / "feed.jsonl", [{"id": "f1", "title": "From the file", "body": "one"}])
    index = IndexDir(tmp_path / "index")
    Indexer(index).run([str(folder)])
    placed = json.dumps({"id": "s1", "title": "From stdin", "body": "two", "path": str(feed.resolve()), "position": 1})
    Indexer(index).run(["-"], stdin=io.BytesIO(placed.encode() + b"\n"))
    write_jsonl(feed, [{"id": "f1", "title": "From the file, changed", "body": "one"}])
    stats = Indexer(index).run([str(folder)])
    assert (stats.files_changed, stats.articles_updated, stats.articles_removed, stats.total_articles) == (1, 1, 0, 2)
    again = Indexer(index).run(["-"], stdin=io.BytesIO(placed.encode() + b"\n"))
    assert (again.articles_added, again.articles_updated, again.total_articles) == (0, 1, 2)
    # The stdin article's deletion leaves the file known: an unchanged file is still unchanged.
    assert Indexer(index).run([str(folder)]).files_unchanged == 1
    feed.unlink()
    gone = Indexer(index).run([str(folder)])
    assert (gone.files_removed, gone.articles_removed, gone.total_articles) == (1, 1, 1)
    assert Archive(index).get("s1").path == str(feed.resolve())


def test_an_explicit_empty_dateline_is_kept_empty(tmp_path):
    record = {
        "id": "d1",
        "title": "Dateline-like body",
        "body": "CHICAGO — The body opens like a dateline.",
        "dateline": "",
    }
    index = tmp_path / "index"
    assert index_stdin(index, json.dumps(record) + "\n").exit_code == 0
    article = Archive(index).get("d1")
    assert (article.dateline, article.body) == ("", record["body"])


def test_the_summary_counts_standard_input_as_a_stream(tmp_path):
    stats = Indexer(IndexDir(tmp_path / "index")).run(
        ["-"], stdin=io.BytesIO(b'{"id": "x", "title": "One", "body": "b"}\n')
    )
    assert (stats.streams_read, stats.files_seen, stats.articles_added) == (1, 0, 1)


def test_the_summary_line_names_standard_input_not_zero_files(tmp_path):
    result = run_cli(
        "index", "-", "--index", str(tmp_path / "index"), input=b'{"id": "x", "title": "One", "body": "b"}\n'
    )
    assert result.exit_code == 0, result.stderr
    assert "archive-search: standard input in " in result.stderr and "0 files in" not in result.stderr
    feed = tmp_path / "one.jsonl"
    feed.write_text('{"id": "y", "title": "Two", "body": "c"}\n', encoding="utf-8")
    both = run_cli("index", "-", str(feed), "--index", str(tmp_path / "index"), input=b"")
    assert "archive-search: 1 file and standard input in " in both.stderr, both.stderr
