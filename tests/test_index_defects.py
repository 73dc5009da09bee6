"""Indexing-side defects of issue 19: what a run that indexed nothing leaves, index directories
inside the archive, moved archives, searches during a first build, a clear extension against
sniffing, and the summary's plurals.

Every fixture is written here; the counts expected are those of the records written.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import write_jsonl
from hypothesis import given
from hypothesis import strategies as st
from inprocess import invoke

from archive_search.model import Article, IndexStats
from archive_search.readers import parse_bytes
from archive_search.render import index_summary

WORDS = "quay ferry pier harbor tide gull rope buoy dock mast sail keel hull deck anchor lantern".split()


def _records(prefix: str, n: int) -> list[dict]:
    return [
        {"id": f"{prefix}-{k}", "title": f"{WORDS[k % 16].title()} {prefix} {k}", "body": f"quay {WORDS[k % 16]} {k}"}
        for k in range(1, n + 1)
    ]


def _story(folder: Path, stem: str, title: str) -> Path:
    """A DNAinfo-style story: its id is its file name."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.txt"
    path.write_text(f"{title}\n\nBy Ana Ruiz | May 1, 2014 9:05pm\n\nThe quay was busy with {title.lower()}.\n")
    return path


def _index(*args: str) -> str:
    result = invoke("index", *args)
    assert result.exit_code == 0, result.stderr
    return result.stderr


def _hits(index: Path) -> dict[str, str]:
    """{id: path} of every article holding the fixtures' common word."""
    result = invoke("search", "quay", "--index", str(index), "--format", "jsonl", "-n", "1000")
    assert result.exit_code in (0, 1), result.stderr
    return {hit["id"]: hit["path"] for hit in map(json.loads, result.stdout.splitlines())}


# -- 1. a run that indexed nothing -------------------------------------------------------


def test_a_mistyped_path_leaves_no_index_and_searches_say_there_is_none(tmp_path):
    index = tmp_path / "idx"
    result = invoke("index", str(tmp_path / "no" / "such" / "dir"), "--index", str(index))
    assert result.exit_code == 2 and "no such file or directory" in result.stderr
    assert not os.path.lexists(index)
    search = invoke("search", "bike", "--index", str(index))
    assert search.exit_code == 2
    assert f"no index at {index}; create one with" in search.stderr and "cannot be read" not in search.stderr


def test_an_empty_directory_as_index_stays_no_index(tmp_path):
    index = tmp_path / "empty"
    index.mkdir()
    assert invoke("index", str(tmp_path / "missing"), "--index", str(index)).exit_code == 2
    search = invoke("search", "bike", "--index", str(index))
    assert search.exit_code == 2 and "no index at" in search.stderr and "cannot be read" not in search.stderr
    assert [p.name for p in index.iterdir()] in ([], ["write.lock"])  # nothing of an index in it


def test_a_first_run_whose_only_file_failed_makes_an_index_that_searches_as_empty(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "broken.jsonl").write_text('{"id": "x", "title": \n')
    index = tmp_path / "idx"
    result = invoke("index", str(archive), "--index", str(index))
    assert result.exit_code == 2 and f"0 articles in {index}" in result.stderr
    search = invoke("search", "quay", "--index", str(index))
    assert search.exit_code == 1 and f"note: the index at {index} is empty" in search.stderr


def test_an_index_whose_files_are_all_gone_searches_as_empty(tmp_path):
    feed = write_jsonl(tmp_path / "feeds" / "a.jsonl", _records("a", 3))
    index = tmp_path / "idx"
    _index(str(tmp_path / "feeds"), "--index", str(index))
    feed.unlink()
    _index(str(tmp_path / "feeds"), "--index", str(index))
    search = invoke("search", "quay", "--index", str(index))
    assert search.exit_code == 1 and search.stdout == ""
    assert "is empty" in search.stderr and "cannot be read" not in search.stderr
    as_json = invoke("search", "quay", "--index", str(index), "--format", "json")
    assert as_json.exit_code == 1 and json.loads(as_json.stdout) == []
    stats = invoke("stats", "--index", str(index), "--format", "json")
    assert stats.exit_code == 0 and json.loads(stats.stdout)["articles"] == 0


# -- 2. an index directory inside the archive ---------------------------------------------


def test_an_index_inside_the_archive_is_skipped_by_the_walk(tmp_path):
    archive = tmp_path / "archive"
    write_jsonl(archive / "a.jsonl", _records("a", 3))
    _story(archive / "stories", "harbor-story", "Harbor News")
    index = archive / "idx"
    expected = {"a-1", "a-2", "a-3", "harbor-story"}
    for _ in range(2):
        result = invoke("index", str(archive), "--index", str(index))
        assert result.exit_code == 0 and "error" not in result.stderr, result.stderr
        assert set(_hits(index)) == expected
    assert "1 index directory" in result.stderr
    # Another index in the tree (its own archive-search.json) is passed over too.
    other = archive / "old-index"
    _index(str(archive / "a.jsonl"), "--index", str(other))
    again = invoke("index", str(archive), "--index", str(index))
    assert again.exit_code == 0 and "error" not in again.stderr, again.stderr
    assert "2 index directories" in again.stderr and set(_hits(index)) == expected


# -- 3. a moved archive ---------------------------------------------------------------------


def _archive(root: Path) -> dict[str, str]:
    """An archive of JSON Lines (with and without ids) and stories; {id: path relative to root}."""
    write_jsonl(root / "feeds" / "wire.jsonl", _records("w", 3))
    write_jsonl(root / "feeds" / "noids.jsonl", [{"title": f"Gull {k}", "body": f"quay gull {k}"} for k in (1, 2)])
    _story(root / "stories", "ferry-returns", "Ferry Returns")
    _story(root / "stories", "pier-opens", "Pier Opens")
    return {
        **{f"w-{k}": "feeds/wire.jsonl" for k in (1, 2, 3)},
        **{f"noids-{k}": "feeds/noids.jsonl" for k in (1, 2)},
        "ferry-returns": "stories/ferry-returns.txt",
        "pier-opens": "stories/pier-opens.txt",
    }


def test_a_moved_archive_keeps_each_article_once_with_its_id_and_new_path(tmp_path):
    data, moved, index = tmp_path / "data", tmp_path / "moved", tmp_path / "idx"
    layout = _archive(data)
    _index(str(data), "--index", str(index))
    before = _hits(index)
    assert set(before) == set(layout), before  # the ids the readers give these files
    data.rename(moved)
    result = invoke("index", str(moved), "--index", str(index))
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr and "4 files moved" in result.stderr
    assert "0 articles added, 0 updated, 0 removed" in result.stderr
    assert _hits(index) == {i: str(moved / rel) for i, rel in layout.items()}


def test_a_renamed_file_keeps_its_ids_even_those_taken_from_its_name(tmp_path):
    data, index = tmp_path / "data", tmp_path / "idx"
    layout = _archive(data)
    _index(str(data), "--index", str(index))
    (data / "stories" / "pier-opens.txt").rename(data / "stories" / "renamed.txt")
    (data / "feeds" / "noids.jsonl").rename(data / "feeds" / "other.jsonl")
    result = invoke("index", str(data), "--index", str(index))
    assert result.exit_code == 0 and "2 files moved" in result.stderr, result.stderr
    layout.update({"pier-opens": "stories/renamed.txt", "noids-1": "feeds/other.jsonl", "noids-2": "feeds/other.jsonl"})
    assert _hits(index) == {i: str(data / rel) for i, rel in layout.items()}


def test_a_copied_archive_is_new_files_with_suffixed_ids(tmp_path):
    data, copy, index = tmp_path / "data", tmp_path / "copy", tmp_path / "idx"
    layout = _archive(data)
    _index(str(data), "--index", str(index))
    shutil.copytree(data, copy)
    result = invoke("index", str(copy), "--index", str(index))
    assert result.exit_code == 0 and "files moved" not in result.stderr
    assert result.stderr.count("is already used by") == len(layout)
    hits = _hits(index)
    assert len(hits) == 2 * len(layout)
    assert {i: p for i, p in hits.items() if i in layout} == {i: str(data / rel) for i, rel in layout.items()}


# -- 15. a search during the first build ----------------------------------------------------

_HOLDER = """
import sys
from archive_search.schema import build_schema
from archive_search.store import IndexDir
index = IndexDir(sys.argv[1])
with index.write_lock():
    index.create_generation(build_schema())
    print("ready", flush=True)
    sys.stdin.readline()
"""


def test_a_search_during_the_first_build_names_the_builder_and_exits_75(tmp_path):
    index = tmp_path / "r3"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(index)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout.readline() == b"ready\n"
        for command in (["search", "bike"], ["stats"]):
            result = invoke(*command, "--index", str(index))
            assert result.exit_code == 75, result.stderr
            assert f"the index at {index} is being built by pid {holder.pid} (started " in result.stderr
            assert "try again when it finishes" in result.stderr
    finally:
        holder.communicate(b"\n", timeout=60)
    after = invoke("search", "bike", "--index", str(index))  # the builder is gone; its lock with it
    assert after.exit_code == 2 and "no index at" in after.stderr


# -- 17. a clear extension against sniffing ---------------------------------------------------

_MARKUP = st.sampled_from(
    ['<REUTERS NEWID="7">', "<REUTERS>", '<!DOCTYPE lewis SYSTEM "lewis.dtd">', "<html><body>", "<TITLE>"]
)


@given(
    bodies=st.lists(st.tuples(_MARKUP, st.text(alphabet="abc <>\n", max_size=20)), min_size=1, max_size=6),
    stray=st.integers(min_value=0, max_value=6),
    stray_markup=_MARKUP,
)
def test_a_jsonl_file_quoting_markup_is_read_as_json_lines(bodies, stray, stray_markup):
    """Records quoting SGML or HTML, and a stray line of markup among them, stay JSON Lines."""
    lines = [json.dumps({"id": f"r{k}", "title": f"T{k}", "body": m + t}) for k, (m, t) in enumerate(bodies)]
    lines.insert(min(stray, len(lines)) or 1, stray_markup)  # never first: the file opens as JSON
    items = list(parse_bytes(("\n".join(lines) + "\n").encode(), "/x/feed.jsonl"))
    articles = [item.id for item in items if isinstance(item, Article)]
    assert articles == [f"r{k}" for k in range(len(bodies))]
    assert len(items) - len(articles) == 1  # the stray line, reported


def test_a_jsonl_file_of_reuters_records_indexes_one_article_a_record(tmp_path):
    records = [
        {"id": f"r-{k}", "title": f"Wire {k}", "body": f'quay <REUTERS NEWID="{k}"><BODY>b</BODY></REUTERS>'}
        for k in range(1, 6)
    ]
    lines = [json.dumps(r) for r in records]
    lines.insert(1, '<REUTERS TOPICS="YES" NEWID="99">')  # one stray line of SGML among them
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n")
    result = invoke("index", str(feed), "--index", str(tmp_path / "idx"))
    assert result.exit_code == 2 and result.stderr.count("error:") == 1  # the stray line only
    assert sorted(_hits(tmp_path / "idx")) == sorted(r["id"] for r in records)


def test_a_jsonl_named_file_that_is_sgml_is_still_read_as_sgml():
    text = '<REUTERS NEWID="5">\n<DATE>26-FEB-1987 15:01:01.79</DATE>\n<TEXT><TITLE>Gulls</TITLE><BODY>quay</BODY></TEXT>\n</REUTERS>\n'
    items = list(parse_bytes(text.encode(), "/x/wire.jsonl"))
    assert [item.id for item in items if isinstance(item, Article)] == ["reuters-5"]


# -- 18. the summary's plurals ---------------------------------------------------------------


def test_one_of_each_is_singular_in_the_summary(tmp_path):
    feed = write_jsonl(tmp_path / "one.jsonl", _records("one", 1))
    first = _index(str(feed), "--index", str(tmp_path / "idx"))
    assert (
        "1 file in " in first
        and "1 article added" in first
        and first.rstrip().endswith("1 article in " + str(tmp_path / "idx"))
    )
    again = _index(str(feed), "--index", str(tmp_path / "idx"))
    assert "1 file unchanged" in again and "1 article in " in again and " 1 files" not in again


@given(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.integers(0, 3))
def test_every_count_in_the_summary_agrees_with_its_noun(added, unchanged, failed, skipped, total):
    stats = IndexStats(
        articles_added=added,
        files_unchanged=unchanged,
        files_new=1,
        files_failed=failed,
        files_skipped=skipped,
        total_articles=total,
    )
    line = index_summary(stats, "IDX")
    noun = {1: ""}

    def many(n: int, word: str) -> str:
        return f"{n} {word}{noun.get(n, 's')}"

    assert line.startswith(f"archive-search: {many(1 + unchanged + failed, 'file')} in ")
    assert f"{many(added, 'article')} added" in line and f"{many(unchanged, 'file')} unchanged" in line
    assert (f"{many(failed, 'file')} failed" in line) == bool(failed)
    assert (f"skipped {many(skipped, 'file')} not articles" in line) == bool(skipped)
    assert line.endswith(f"{many(total, 'article')} in IDX")
