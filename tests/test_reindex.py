"""Re-indexing: what an incremental run keeps, replaces and removes, and what its summary says.

Each test writes its own small made-up feeds; the counts expected are those of the records
written here, never the program's own.
"""

from __future__ import annotations

import errno
import io
import json
import re
from pathlib import Path

import pytest
from conftest import run_cli, write_jsonl
from inprocess import invoke

from archive_search.archive import Archive
from archive_search.errors import IndexWriteError
from archive_search.indexing.indexer import Indexer
from archive_search.store import IndexDir

WORDS = "ferry pier harbor tide gull rope buoy dock mast sail keel hull deck anchor lantern".split()


def _records(prefix: str, n: int, salt: str = "") -> list[dict]:
    """n made-up stories with varied words (enough for the latent space to be fitted)."""
    return [
        {
            "id": f"{prefix}-{k}",
            "title": f"{WORDS[k % len(WORDS)].title()} report {k} {salt}",
            "body": " ".join(WORDS[(k * 3 + j) % len(WORDS)] for j in range(12)) + f" quay {salt}.",
        }
        for k in range(1, n + 1)
    ]


def _ids(index: Path, query: str = "quay") -> list[str]:
    result = invoke("search", query, "--index", str(index), "--format", "ids", "-n", "1000")
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout.split()


def _summary(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if any(f" {what} in " in line for what in ("files", "file", "input"))]
    assert len(lines) == 1, stderr
    return lines[0]


def test_reindexing_a_directory_leaves_its_sibling_with_a_longer_name_alone(tmp_path):
    """news/ and news2/ share a prefix: a file gone from news/ removes its articles only."""
    news, news2 = tmp_path / "news", tmp_path / "news2"
    write_jsonl(news / "a.jsonl", _records("a", 2))
    write_jsonl(news / "b.jsonl", _records("b", 3))
    write_jsonl(news2 / "c.jsonl", _records("c", 4))
    index = tmp_path / "index"
    assert run_cli("index", str(news), str(news2), "--index", str(index), "-q").exit_code == 0
    assert len(_ids(index)) == 2 + 3 + 4
    (news / "b.jsonl").unlink()
    again = run_cli("index", str(news), "--index", str(index))
    assert again.exit_code == 0, again.stderr
    assert "0 articles added, 0 updated, 3 removed, 1 file unchanged" in _summary(again.stderr)
    assert sorted(_ids(index)) == sorted([f"a-{k}" for k in (1, 2)] + [f"c-{k}" for k in (1, 2, 3, 4)])


def test_a_commit_size_that_does_not_divide_a_file_keeps_the_file_whole(tmp_path):
    """--commit-every 4 with files of 6 and 3 articles: every article indexed, counted once,
    and a second run has nothing to do."""
    feeds = tmp_path / "feeds"
    write_jsonl(feeds / "six.jsonl", _records("six", 6))
    write_jsonl(feeds / "three.jsonl", _records("three", 3))
    expected = sorted([f"six-{k}" for k in range(1, 7)] + [f"three-{k}" for k in range(1, 4)])
    index = tmp_path / "index"
    options = ("--index", str(index), "--commit-every", "4", "--jobs", "2")
    first = run_cli("index", str(feeds), *options)
    assert first.exit_code == 0, first.stderr
    assert f"{len(expected)} articles added, 0 updated, 0 removed, 0 files unchanged" in _summary(first.stderr)
    assert sorted(_ids(index)) == expected
    again = run_cli("index", str(feeds), *options)
    summary = _summary(again.stderr)
    assert "2 files in" in summary and "0 articles added, 0 updated, 0 removed, 2 files unchanged" in summary
    assert summary.endswith(f"{len(expected)} articles in {index}")


def test_a_failure_inside_a_file_commits_none_of_it_and_the_rerun_indexes_all_of_it(tmp_path, monkeypatch):
    """All of one file's changes land in one commit: a run that fails (here: the disk fills up)
    at a file's 6th article, with a commit due every 4 articles, leaves the index as it was,
    so that the next run indexes the whole file instead of taking it as done."""
    import archive_search.indexing.session as indexer_module

    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    write_jsonl(first, _records("old", 3))
    index = IndexDir(tmp_path / "index")
    Indexer(index, jobs=1).run([str(first)])
    write_jsonl(second, _records("new", 6))

    real = indexer_module.document_fields

    def disk_fills_up_at_the_sixth(article, filesig):
        if article.id == "new-6":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(article, filesig)

    monkeypatch.setattr(indexer_module, "document_fields", disk_fills_up_at_the_sixth)
    with pytest.raises(IndexWriteError, match="No space left"):
        Indexer(index, jobs=1, commit_every=4).run([str(first), str(second)])
    monkeypatch.undo()
    archive = Archive(index)
    assert archive.count("quay") == 3  # the first file's articles only
    assert all(archive.get(f"new-{k}") is None for k in range(1, 7))

    stats = Indexer(index, jobs=1, commit_every=4).run([str(first), str(second)])
    assert (stats.files_new, stats.files_unchanged, stats.articles_added) == (1, 1, 6)
    archive = Archive(index)
    assert [archive.get(f"new-{k}") is not None for k in range(1, 7)] == [True] * 6
    assert archive.count("quay") == 3 + 6
    stats = Indexer(index, jobs=1, commit_every=4).run([str(first), str(second)])
    assert (stats.files_unchanged, stats.articles_added, stats.articles_updated, stats.total_articles) == (2, 0, 0, 9)


def test_a_stdin_record_with_a_files_id_gets_a_suffix_and_the_files_article_stays(tmp_path):
    feed = tmp_path / "feed.jsonl"
    write_jsonl(feed, [{"id": "shared-1", "title": "Ferry From File", "body": "The ferry left the quay at dawn."}])
    index = tmp_path / "index"
    assert run_cli("index", str(feed), "--index", str(index), "-q").exit_code == 0
    record = {"id": "shared-1", "title": "Ferry From Stdin", "body": "The ferry came back to the quay."}
    result = run_cli("index", "-", "--index", str(index), input=(json.dumps(record) + "\n").encode())
    assert result.exit_code == 0, result.stderr
    warning = re.search(
        r"warning: <stdin>.*id 'shared-1' is already used by (.*); indexed as '(shared-1-\w+)'", result.stderr
    )
    assert warning, result.stderr
    assert warning[1] == str(feed)
    suffixed = warning[2]
    assert "1 article added, 0 updated" in _summary(result.stderr)
    assert sorted(_ids(index)) == sorted(["shared-1", suffixed])
    kept = json.loads(invoke("show", "shared-1", "--index", str(index), "--format", "json").stdout)
    assert (kept["title"], kept["path"]) == ("Ferry From File", str(feed))
    new = json.loads(invoke("show", suffixed, "--index", str(index), "--format", "json").stdout)
    assert (new["title"], new["path"]) == ("Ferry From Stdin", "<stdin>")


def test_a_suffixed_stdin_record_sent_again_replaces_itself(tmp_path):
    """A stdin record whose id a file's article has is indexed under a suffixed id; sent again,
    it replaces what it indexed the first time (it was added again on every run)."""
    feed = tmp_path / "feed.jsonl"
    write_jsonl(feed, [{"id": "shared-1", "title": "Ferry From File", "body": "The ferry left the quay at dawn."}])
    index = IndexDir(tmp_path / "index")
    Indexer(index, jobs=1).run([str(feed)])
    line = (json.dumps({"id": "shared-1", "title": "Ferry From Stdin", "body": "Back at the quay."}) + "\n").encode()
    for _ in range(2):
        Indexer(index, jobs=1).run(["-"], stdin=io.BytesIO(line))
    assert Archive(index).count("quay") == 2  # the file's article and one copy of the stdin record


def test_the_summary_counts_failed_files_among_the_files_seen(tmp_path):
    folder = tmp_path / "mixed"
    write_jsonl(folder / "good.jsonl", _records("good", 2))
    (folder / "broken.txt").write_bytes(b"Title\n\nBy Nobody | May 1, 2016 9:00am\n\nText\x00with a NUL.\n")
    result = run_cli("index", str(folder), "--index", str(tmp_path / "index"))
    assert result.exit_code == 2
    assert "broken.txt: binary file" in result.stderr
    summary = _summary(result.stderr)
    assert summary.startswith("archive-search: 2 files in "), summary
    assert "2 articles added" in summary and "; 1 file failed" in summary


def test_updating_articles_in_place_refits_the_latent_space(tmp_path):
    """Every article replaced under its own id is a change of 100%: the space is fitted again."""
    feed = tmp_path / "feed.jsonl"
    write_jsonl(feed, _records("s", 8))
    index = tmp_path / "index"
    first = run_cli("index", str(feed), "--index", str(index))
    assert first.exit_code == 0 and "latent space fitted to 8 articles" in first.stderr, first.stderr
    fitted = (index / "latent.npz").stat().st_mtime_ns
    write_jsonl(feed, _records("s", 8, salt="revised"))
    again = run_cli("index", str(feed), "--index", str(index))
    summary = _summary(again.stderr)
    assert "0 articles added, 8 updated, 0 removed" in summary
    assert "latent space fitted to 8 articles" in summary
    assert (index / "latent.npz").stat().st_mtime_ns != fitted


def test_a_stdin_record_taking_the_id_of_a_vanished_files_article_is_added_not_updated(tmp_path):
    """`index DIR -`: a file of DIR gone since the last run takes its article with it, and a
    stdin record with that article's id in the same run is a new article (it updates nothing
    that stdin indexed before)."""
    folder = tmp_path / "feeds"
    write_jsonl(folder / "feed.jsonl", [{"id": "ferry-1", "title": "Ferry From File", "body": "The quay at dawn."}])
    index = IndexDir(tmp_path / "index")
    Indexer(index, jobs=1).run([str(folder)])
    (folder / "feed.jsonl").unlink()
    line = (json.dumps({"id": "ferry-1", "title": "Ferry From Stdin", "body": "Back at the quay."}) + "\n").encode()
    stats = Indexer(index, jobs=1).run([str(folder), "-"], stdin=io.BytesIO(line))
    counts = (stats.files_removed, stats.articles_removed, stats.articles_added, stats.articles_updated)
    assert counts == (1, 1, 1, 0)
    article = Archive(index).get("ferry-1")
    assert (article.title, article.path) == ("Ferry From Stdin", "<stdin>")
