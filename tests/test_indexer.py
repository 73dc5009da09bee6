"""The incremental indexer, through the library API and the `index` command."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import DATA, assert_no_traceback, run_cli

from archive_search.archive import Archive
from archive_search.errors import IndexLockedError
from archive_search.indexing.indexer import Indexer
from archive_search.status import status_for
from archive_search.store import IndexDir, default_index_dir


def index_with(index: Path, *paths, **kwargs):
    problems = []
    stats = Indexer(IndexDir(index), on_problem=problems.append, **kwargs).run([str(p) for p in paths])
    return stats, problems


def count(index: Path) -> int:
    return Archive(index).stats().articles


def test_first_run_then_rerun_adds_nothing(tmp_path, archive_copy):
    index = tmp_path / "ix"
    stats, problems = index_with(index, archive_copy)
    assert problems == []
    assert (stats.articles_added, stats.files_new, stats.total_articles) == (40, 33, 40)
    again, _ = index_with(index, archive_copy)
    assert (again.articles_added, again.articles_updated, again.articles_removed) == (0, 0, 0)
    assert (again.files_unchanged, again.files_new, again.files_changed) == (33, 0, 0)
    assert count(index) == 40


def test_changed_file_replaces_only_its_articles(tmp_path, archive_copy):
    index = tmp_path / "ix"
    index_with(index, archive_copy)
    story = archive_copy / "dnainfo" / "new-york" / "ny_003_l-train-delays.txt"
    story.write_text(
        story.read_text(encoding="utf-8").replace("L Train Riders Fume", "L Train Riders Rejoice"), encoding="utf-8"
    )
    stats, _ = index_with(index, archive_copy)
    assert (stats.files_changed, stats.files_unchanged, stats.articles_updated, stats.articles_added) == (1, 32, 1, 0)
    assert Archive(index).get("ny_003_l-train-delays").title.startswith("L Train Riders Rejoice")
    assert count(index) == 40


def test_a_file_changed_twice_is_unchanged_on_the_next_run(tmp_path, archive_copy):
    # Old hashes linger in the term dictionary until segments merge; the live one counts.
    index = tmp_path / "ix"
    index_with(index, archive_copy)
    story = archive_copy / "dnainfo" / "new-york" / "ny_003_l-train-delays.txt"
    original = story.read_text(encoding="utf-8")
    for word in ("Rejoice", "Shrug"):
        story.write_text(original.replace("L Train Riders Fume", f"L Train Riders {word}"), encoding="utf-8")
        stats, _ = index_with(index, archive_copy)
        assert stats.files_changed == 1
    stats, _ = index_with(index, archive_copy)
    assert (stats.files_changed, stats.files_unchanged, stats.articles_updated) == (0, 33, 0)
    assert Archive(index).get("ny_003_l-train-delays").title.startswith("L Train Riders Shrug")


def test_touching_without_changing_content_is_not_a_change(tmp_path, archive_copy):
    index = tmp_path / "ix"
    index_with(index, archive_copy)
    story = archive_copy / "pages" / "community-board-vote.html"
    os.utime(story, (1, 1))
    stats, _ = index_with(index, archive_copy)
    assert stats.files_changed == 0 and stats.files_unchanged == 33


def test_changed_multi_record_file(tmp_path, archive_copy):
    index = tmp_path / "ix"
    index_with(index, archive_copy)
    feed = archive_copy / "feeds" / "wire.jsonl"
    lines = feed.read_text(encoding="utf-8").splitlines()
    lines = lines[:-1]  # drop mw-0008
    lines.append(json.dumps({"id": "mw-0009", "title": "New wire story", "body": "Fresh text."}))
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stats, _ = index_with(index, archive_copy)
    assert (stats.articles_updated, stats.articles_added, stats.articles_removed) == (7, 1, 1)
    archive = Archive(index)
    assert archive.get("mw-0008") is None and archive.get("mw-0009").title == "New wire story"


def test_deleted_file_and_directory_are_removed(tmp_path, archive_copy):
    index = tmp_path / "ix"
    index_with(index, archive_copy)
    (archive_copy / "dnainfo" / "chicago" / "chi_001_divvy-logan-square.txt").unlink()
    shutil.rmtree(archive_copy / "feeds")
    stats, _ = index_with(index, archive_copy)
    assert (stats.files_removed, stats.articles_removed) == (2, 9)
    assert count(index) == 31
    assert Archive(index).get("chi_001_divvy-logan-square") is None


def test_a_removed_file_put_back_unchanged_is_indexed_again(tmp_path, archive_copy):
    """The removed file's terms linger in its segment until a merge; they are not taken
    for a file still indexed (which would skip it as unchanged, or count it removed again)."""
    index = tmp_path / "ix"
    index_with(index, archive_copy)
    story = archive_copy / "dnainfo" / "chicago" / "chi_001_divvy-logan-square.txt"
    kept = story.read_bytes()
    story.unlink()
    removed, _ = index_with(index, archive_copy)
    again, _ = index_with(index, archive_copy)
    assert (removed.files_removed, again.files_removed, again.articles_removed) == (1, 0, 0)
    story.write_bytes(kept)
    back, _ = index_with(index, archive_copy)
    assert (back.files_new, back.articles_added, back.files_unchanged) == (1, 1, 32)
    assert count(index) == 40
    assert Archive(index).get("chi_001_divvy-logan-square") is not None


def test_indexing_a_file_does_not_remove_others(tmp_path, archive_copy):
    index = tmp_path / "ix"
    index_with(index, archive_copy)
    stats, _ = index_with(index, archive_copy / "feeds" / "wire.jsonl")
    assert stats.files_unchanged == 1 and stats.articles_removed == 0
    assert count(index) == 40


def test_rebuild_starts_over(tmp_path, archive_copy):
    index = tmp_path / "ix"
    index_with(index, archive_copy)
    stats, _ = index_with(index, archive_copy / "pages", rebuild=True)
    assert stats.articles_added == 2 and count(index) == 2
    generations = {name.split("_")[1] for name in os.listdir(index) if name.startswith("_g")}
    assert len(generations) == 1  # the old generation's files are gone


def test_duplicate_ids_across_files_are_kept_apart(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "feed.jsonl").write_text(
            json.dumps({"id": "same", "title": f"From {name}", "body": "x"}) + "\n"
        )
    index = tmp_path / "ix"
    stats, problems = index_with(index, tmp_path / "a", tmp_path / "b")
    assert stats.total_articles == 2
    (warning,) = problems
    assert warning.warning and "'same' is already used" in warning.reason
    again, problems = index_with(index, tmp_path / "a", tmp_path / "b")
    assert again.articles_added == 0 and problems == []


def test_interrupted_run_leaves_the_previous_index(tmp_path, archive_copy):
    index = tmp_path / "ix"
    index_with(index, archive_copy / "dnainfo")
    (archive_copy / "dnainfo" / "new-york" / "ny_001_bakery-closes.txt").unlink()

    def interrupt(progress):
        if progress.files_done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Indexer(IndexDir(index), on_progress=interrupt).run([str(archive_copy)])
    assert count(index) == 30  # neither the removal nor the new files were committed
    assert Archive(index).get("ny_001_bakery-closes") is not None
    stats, _ = index_with(index, archive_copy)  # and the next run completes the job
    assert count(index) == 39 and stats.files_removed == 1


def test_second_writer_is_refused(tmp_path):
    index = IndexDir(tmp_path / "ix")
    with index.write_lock(command="test holder"), pytest.raises(IndexLockedError) as info:
        Indexer(index).run([str(DATA / "pages")])
    assert status_for(info.value) == 75 and "test holder" in str(info.value) and "--wait" in str(info.value)
    Indexer(index).run([str(DATA / "pages")])  # released: the next run goes ahead


@pytest.mark.soak  # a trial that waits on another indexer: run by .ci/run with the soak tests
def test_wait_flag_waits_for_the_running_indexer_then_runs(tmp_path):
    import subprocess
    import sys
    import time

    index = IndexDir(tmp_path / "ix")
    command = [sys.executable, "-m", "archive_search", "index", str(DATA / "pages"), "--index", str(index.path)]
    with index.write_lock(command="test holder"):
        waiting = subprocess.Popen([*command, "--wait", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.5)
        assert waiting.poll() is None  # still waiting for the lock, not failed
    _, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert Archive(index.path).stats().articles == 2


def test_index_location(monkeypatch, tmp_path):
    monkeypatch.delenv("ARCHIVE_SEARCH_INDEX", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_index_dir() == tmp_path / "xdg" / "archive-search" / "index"
    monkeypatch.setenv("ARCHIVE_SEARCH_INDEX", str(tmp_path / "env"))
    assert default_index_dir() == tmp_path / "env"
    assert default_index_dir(tmp_path / "opt") == tmp_path / "opt"


# -- through the command line ------------------------------------------------------------


def test_bad_inputs_are_reported_and_good_ones_indexed(tmp_path):
    mess = tmp_path / "mess"
    shutil.copytree(DATA / "pages", mess / "pages")
    (mess / "photo.bin").write_bytes(bytes(range(256)) * 4)
    (mess / "latin1.txt").write_bytes(
        "Caf\xe9 Story\n\nBy Ana Ruiz | May 1, 2014 9:05pm\n\nGood text.\n".encode("latin-1")
    )
    (mess / "empty.txt").write_bytes(b"")
    (mess / "feed.jsonl").write_text('{"id": "ok-1", "title": "Fine", "body": "Yes."}\n{"id": "broken", "title": \n')
    (mess / "nothing.html").write_text("<html><body><nav>menu</nav></body></html>")
    (mess / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # not an article format: skipped silently
    index = tmp_path / "ix"
    result = run_cli("index", str(mess), "--index", str(index))
    assert result.exit_code == 2
    assert_no_traceback(result.stderr)
    lines = result.stderr.strip().splitlines()
    expected = {
        "photo.bin": "binary file",
        "latin1.txt:1": "not valid UTF-8",
        "empty.txt": "empty file",
        "feed.jsonl:2": "invalid JSON",
        "nothing.html": "no article text",
    }
    for where, reason in expected.items():
        assert any(f"{where}: {reason}" in line for line in lines), (where, lines)
    assert not any("logo.png" in line for line in lines)
    assert "4 articles added" in lines[-1] and "failed" in lines[-1]  # 2 pages, the latin-1 story, ok-1
    shown = run_cli("show", "latin1", "--index", str(index), "--format", "json")
    assert json.loads(shown.stdout)["title"] == "Café Story"


def test_index_summary_and_exit_0(tmp_path):
    index = tmp_path / "ix"
    result = run_cli("index", str(DATA), "--index", str(index))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1  # one summary line, no progress bar in a pipe
    assert "40 articles added" in result.stderr and str(index) in result.stderr
    quiet = run_cli("index", str(DATA), "--index", str(index), "--quiet")
    assert (quiet.exit_code, quiet.stderr, quiet.stdout) == (0, "", "")


def test_index_from_stdin(tmp_path):
    index = tmp_path / "ix"
    records = "".join(
        json.dumps({"id": f"s{i}", "title": f"Piped story {i}", "body": "From a pipe."}) + "\n" for i in range(3)
    )
    result = run_cli("index", "-", "--index", str(index), input=records.encode())
    assert result.exit_code == 0, result.stderr
    assert "3 articles added" in result.stderr
    again = run_cli("index", "-", "--index", str(index), input=records.encode())
    assert "0 articles added, 3 updated" in again.stderr


def test_missing_path_is_an_error(tmp_path):
    result = run_cli("index", str(tmp_path / "nope"), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope'}: no such file or directory" in result.stderr
    assert_no_traceback(result.stderr)


def test_index_env_variable(tmp_path):
    result = run_cli("index", str(DATA / "pages"), env={"ARCHIVE_SEARCH_INDEX": str(tmp_path / "envix")})
    assert result.exit_code == 0 and (tmp_path / "envix" / "archive-search.json").exists()


@pytest.mark.soak  # a whole real collection: run by .ci/run with the soak tests
def test_real_reuters_files_through_the_cli(tmp_path):
    from conftest import REUTERS, need_shared

    need_shared(REUTERS)
    sample = tmp_path / "reuters"
    sample.mkdir()
    for name in ("reut2-000.sgm", "reut2-017.sgm"):  # 017 holds the collection's one non-UTF-8 byte
        shutil.copy(REUTERS / name, sample / name)
    index = tmp_path / "ix"
    result = run_cli("index", str(sample), "--index", str(index))
    assert result.exit_code == 0, result.stderr
    assert "2,000 articles added" in result.stderr and "reut2-017.sgm:35578: not valid UTF-8" in result.stderr
    stats = json.loads(run_cli("stats", "--index", str(index), "--format", "json").stdout)
    assert stats["articles"] == 2000 and stats["first_published"].startswith("1987-")
    shown = json.loads(run_cli("show", "reuters-1", "--index", str(index), "--format", "json").stdout)
    assert (shown["title"], shown["dateline"], shown["published"]) == (
        "BAHIA COCOA REVIEW",
        "SALVADOR",
        "1987-02-26T15:01:01+00:00",
    )
    again = run_cli("index", str(sample), "--index", str(index))
    assert "0 articles added" in again.stderr and "2 files unchanged" in again.stderr


def _feed(path: Path, tag: str, n: int) -> Path:
    records = [
        {"id": f"{tag}-{i}", "title": f"Notice {i}", "body": f"The {tag} board met about item {i}."} for i in range(n)
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def _segments(index: Path) -> dict[str, int]:
    return {s.segment_id(): s.doc_count_all() for s in Archive(index).ix._segments()}


def test_big_segments_are_never_merged_small_ones_are(tmp_path, monkeypatch):
    """A bulk run's segments stay as written (merging them costs as much as indexing them);
    the small segments of many small runs are merged once there are enough of them."""
    from archive_search.whoosh_ext import segments

    monkeypatch.setattr(segments, "SMALL_SEGMENT", 20)
    index = tmp_path / "ix"
    # Ten commits of 20: Whoosh's own policy would have merged nine of them at the ninth.
    feeds = [_feed(tmp_path / f"bulk{k}.jsonl", f"bulk{k}", 20) for k in range(10)]
    index_with(index, *feeds, commit_every=20)
    big = _segments(index)
    assert sorted(big.values()) == [20] * 10
    for run in range(segments.SMALL_SEGMENTS_TO_MERGE * 2 + 1):
        feeds.append(_feed(tmp_path / f"daily{run}.jsonl", f"daily{run}", 5))
        index_with(index, *feeds, commit_every=20)
        now = _segments(index)
        assert big.items() <= now.items(), "a big segment was merged"
        assert sum(1 for n in now.values() if n < 20) <= segments.SMALL_SEGMENTS_TO_MERGE
    assert count(index) == 200 + 5 * (len(feeds) - 10)
    assert len(_segments(index)) < len(feeds)
    assert Archive(index).search("daily3 board", limit=5).hits[0].id.startswith("daily3-")


def test_segments_of_mostly_replaced_articles_are_merged(tmp_path, monkeypatch):
    from archive_search.whoosh_ext import segments

    monkeypatch.setattr(segments, "SMALL_SEGMENT", 10)
    index = tmp_path / "ix"
    bulk = _feed(tmp_path / "bulk.jsonl", "bulk", 30)
    index_with(index, bulk)
    old = _segments(index)
    _feed(bulk, "new", 30)  # every article replaced
    index_with(index, bulk)
    now = _segments(index)
    assert not old.keys() & now.keys() and list(now.values()) == [30]
    assert count(index) == 30 and Archive(index).search("bulk").total == 0


def test_a_file_named_twice_is_indexed_once_where_first_named(tmp_path, archive_copy):
    story = archive_copy / "dnainfo" / "new-york" / "ny_003_l-train-delays.txt"
    progress = []
    stats = Indexer(IndexDir(tmp_path / "ix"), on_progress=progress.append).run(
        [str(story), str(archive_copy), str(story)]
    )
    assert (stats.files_new, stats.articles_added, stats.total_articles) == (33, 40, 40)
    progress = [p for p in progress if p.phase == "indexing" and p.files_done]  # the reports after each file
    assert progress[0].current == str(story)
    assert [p.files_total for p in progress] == [33] * 33
    assert [p.current for p in progress].count(str(story)) == 1


def test_ids_are_kept_apart_across_commits(tmp_path):
    """Ids written before a commit are looked up in the index, not remembered."""
    for name in ("a", "b", "c"):
        _feed(tmp_path / f"{name}.jsonl", "same", 3)
    stats, problems = index_with(tmp_path / "ix", *(tmp_path / f"{n}.jsonl" for n in "abc"), commit_every=1)
    assert stats.total_articles == 9
    assert len(problems) == 6 and all("is already used by" in p.reason for p in problems)
    ids = {hit.id for hit in Archive(tmp_path / "ix").search("board", limit=20).hits}
    assert len(ids) == 9


def test_an_id_freed_by_a_change_committed_earlier_in_the_run_is_reused(tmp_path):
    (tmp_path / "d").mkdir()
    first, second = tmp_path / "d" / "1.jsonl", tmp_path / "d" / "2.jsonl"
    first.write_text(json.dumps({"id": "same", "title": "First", "body": "x"}) + "\n")
    index_with(tmp_path / "ix", tmp_path / "d")
    first.write_text(json.dumps({"id": "moved", "title": "First", "body": "x"}) + "\n")
    second.write_text(json.dumps({"id": "same", "title": "Second", "body": "y"}) + "\n")
    stats, problems = index_with(tmp_path / "ix", tmp_path / "d", commit_every=1)
    assert problems == [] and stats.total_articles == 2
    assert Archive(tmp_path / "ix").get("same").title == "Second"


@pytest.mark.soak  # a long trial: run by .ci/run with the soak tests
def test_indexer_memory_does_not_grow_with_the_number_of_files(tmp_path):
    """Neither the paths found nor the ids written are held for the whole run: what the
    indexer holds after a commit is the same at 1,000 files as at 3,000."""
    import gc
    import tracemalloc

    corpus = tmp_path / "c"
    for k in range(30):
        (corpus / f"{k:02d}").mkdir(parents=True)
        for i in range(100):
            (corpus / f"{k:02d}" / f"story-with-a-long-name-{k:02d}-{i:03d}.json").write_text(
                json.dumps({"id": f"a-rather-long-article-id-{k}-{i}", "title": f"Story {i}", "body": "Board met."})
            )
    held = {}

    def note(progress):
        if progress.files_done in (1000, 3000):  # right after a commit (commit_every=1000)
            # What is held, not cyclic garbage awaiting the collector: how much of that there
            # is depends on how many objects the whole test process holds.
            gc.collect()
            held[progress.files_done] = tracemalloc.get_traced_memory()[0]

    tracemalloc.start()
    try:
        Indexer(IndexDir(tmp_path / "ix"), on_progress=note, commit_every=1000).run([str(corpus)])
    finally:
        tracemalloc.stop()
    # Holding each file's path and article id costs some 400 bytes a file, 800 kB here;
    # each segment committed adds some 40 kB of Whoosh's reader tables.
    assert held[3000] - held[1000] < 250_000, held
