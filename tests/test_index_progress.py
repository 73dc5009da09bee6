"""The indexing run's progress: bytes within a big file, monotone, reaching the total; the
phases after the last file (commit, fit); few reports however many files; and the bar that
shows them (phase, time left)."""

from __future__ import annotations

import io
import time

import pytest
from conftest import write_jsonl

from archive_search import IndexDir, Indexer, Progress
from archive_search.indexing import progress as progress_module
from archive_search.render import ProgressBar

BIG = 600  # records in the big file: some 250 kB


def _records(prefix: str, count: int, words: int = 60) -> list[dict]:
    return [
        {
            "id": f"{prefix}{n}",
            "title": f"Story {n} of {prefix}",
            "body": " ".join(f"word{(n * 7 + k) % 97}" for k in range(words)),
        }
        for n in range(count)
    ]


@pytest.fixture()
def archive(tmp_path):
    """Small files, then one big JSON Lines file, then another small one (walked in name order)."""
    folder = tmp_path / "archive"
    for name in ("a.jsonl", "b.jsonl"):
        write_jsonl(folder / name, _records(name[0], 3))
    write_jsonl(folder / "m_big.jsonl", _records("m", BIG))
    write_jsonl(folder / "z.jsonl", _records("z", 3))
    return folder


def _run(folder, index, **options) -> tuple[list[Progress], object]:
    seen: list[Progress] = []
    stats = Indexer(IndexDir(index), on_progress=seen.append, **options).run([str(folder)])
    return seen, stats


def test_progress_is_reported_within_a_big_file_in_bytes_and_then_the_phases(archive, tmp_path, monkeypatch):
    monkeypatch.setattr(progress_module, "INTERVAL", 0.0)  # every report, not a few a second
    monkeypatch.setattr(progress_module, "WITHIN_BYTES", 50_000)  # the big file is big
    seen, stats = _run(archive, tmp_path / "index", jobs=1)
    sizes = {p.name: p.stat().st_size for p in archive.iterdir()}
    total = sum(sizes.values())
    assert stats.articles_added == BIG + 9 and stats.latent_fitted
    found = [p for p in seen if p.phase == "discover"]
    assert found and found[-1].files_total == len(sizes) and found[-1].bytes_total == total
    indexing = [p for p in seen if p.phase == "indexing"]
    assert indexing and all(p.bytes_total == total and p.files_total == len(sizes) for p in indexing)
    # Within the big file: reports with only the two small files done, part of its bytes counted.
    before = sizes["a.jsonl"] + sizes["b.jsonl"]
    within = [p for p in indexing if p.current.endswith("m_big.jsonl") and p.files_done == 2]
    assert len(within) > 10 and any(before < p.bytes_done < before + sizes["m_big.jsonl"] for p in within)
    assert any(0 < p.articles - 6 < BIG for p in within)  # articles of the big file, while in it
    done = [p.bytes_done for p in seen]
    assert done == sorted(done) and done[-1] == total
    last_file = max(i for i, p in enumerate(seen) if p.phase == "indexing")
    assert seen[last_file].files_done == len(sizes) and seen[last_file].bytes_done == total
    assert [p.phase for p in seen[last_file + 1 :]] == ["commit", "fit", "copies", "places"]


def test_progress_is_one_report_a_file_and_a_few_a_second_within_one(archive, monkeypatch, tmp_path):
    monkeypatch.setattr(progress_module, "WITHIN_BYTES", 50_000)
    for n in range(100):
        write_jsonl(archive / "many" / f"f{n:03}.jsonl", _records(f"f{n}-", 2, words=5))
    started = time.monotonic()
    seen, stats = _run(archive, tmp_path / "index", jobs=1)
    elapsed = time.monotonic() - started
    assert stats.articles_added == BIG + 9 + 200
    # Every file reported when done, once, in order; each phase once.
    done = [p.files_done for p in seen if p.phase == "indexing" and p.files_done]
    assert sorted(set(done)) == list(range(1, 105)) and [p.phase for p in seen].count("commit") == 1
    # Within the big file and while finding files: a few reports a second at most.
    within = [p for p in seen if p.phase == "indexing" and p.current.endswith("m_big.jsonl") and p.files_done == 2]
    assert 1 <= len(within) <= 2 + elapsed / progress_module.INTERVAL, len(within)
    assert len([p for p in seen if p.phase == "discover"]) <= 2 + elapsed / progress_module.INTERVAL


def _progress(phase: str, done: int, total: int = 1000) -> Progress:
    return Progress(3, 10, 120, "feed.jsonl", phase=phase, bytes_done=done, bytes_total=total)


def test_the_bar_shows_bytes_articles_and_time_left_then_the_phase_with_its_clock_running():
    with ProgressBar(file=io.StringIO(), width=150) as bar:
        bar.update(Progress(4, 7, 0, "", phase="discover", bytes_total=500))
        assert "finding files… 7" in bar.snapshot()
        bar.update(_progress("indexing", 100))
        time.sleep(0.15)  # the bar is drawn anew a few times a second at most
        bar.update(_progress("indexing", 500))
        shown = bar.snapshot()
        assert "indexing" in shown and "3/10 files" in shown and "120 articles" in shown
        left = shown.split("left", 1)[1]
        assert "-:--:--" not in left and ":" in left  # a time remaining, once a rate is known
        bar.update(_progress("commit", 1000))
        assert "committing…" in bar.snapshot() and not bar.bar.tasks[0].finished  # the clock runs on
        bar.update(_progress("fit", 1000))
        assert "fitting the latent space…" in bar.snapshot() and not bar.bar.tasks[0].finished


def test_the_bar_is_updated_a_few_times_a_second_whatever_the_reports():
    with ProgressBar(file=io.StringIO(), width=150) as bar:
        for done in range(1, 1001):
            bar.update(_progress("indexing", done))
        assert bar.bar.tasks[0].completed < 1000  # most were passed over
        bar.update(_progress("commit", 1000))  # a new phase is shown at once
        assert bar.bar.tasks[0].completed == 1000 and "committing…" in bar.snapshot()
