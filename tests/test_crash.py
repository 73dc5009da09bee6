"""Crash safety and concurrent use, through real processes killed at random moments.

SIGKILL trials: the index stays readable, holds exactly what some commit held (never a
half-written state), no stale lock blocks the next run, and a re-run finishes the job.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import assert_no_traceback, run_cli

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals and flock: POSIX only")

FILES, PER_FILE, COMMIT_EVERY = 50, 80, 400  # 4,000 articles, a commit every 400 (5 files)
WORDS = "rent tenant landlord council vote park school train bike lane flood storm cafe bakery rezoning".split()


def write_corpus(folder: Path, seed: int = 7) -> int:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(FILES):
        lines = []
        for i in range(PER_FILE):
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 160)))
            lines.append(json.dumps({"id": f"a{f:03d}-{i:03d}", "title": " ".join(rng.sample(WORDS, 4)), "body": body}))
        (folder / f"part-{f:03d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return FILES * PER_FILE


def start_index(corpus: Path, index: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archive_search",
            "index",
            str(corpus),
            "--index",
            str(index),
            "-q",
            "--commit-every",
            str(COMMIT_EVERY),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def article_count(index: Path) -> int:
    result = run_cli("stats", "--index", str(index), "--format", "json")
    assert_no_traceback(result.stderr)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["articles"]


def assert_readable(index: Path, expected: int) -> None:
    result = run_cli("search", "rent OR flood", "--index", str(index), "--format", "ids", "-n", "5000")
    assert_no_traceback(result.stderr)
    assert result.exit_code in (0, 1), result.stderr
    ids = result.stdout.split()
    assert len(ids) == len(set(ids)) == expected  # every article once; the words are in all of them


def helper_processes(index: Path) -> list[int]:
    """Pids of helper processes (archive_search.whoosh_ext.parallel) writing to this index."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"archive_search.whoosh_ext.parallel" in args and str(index).encode() in args:
            found.append(int(entry.name))
    return found


def assert_no_helpers_left(index: Path) -> None:
    """A killed indexer's helpers read end-of-file and exit: none outlive it."""
    if not Path("/proc/self/cmdline").exists():
        return
    deadline = time.monotonic() + 20
    while helper_processes(index) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert helper_processes(index) == []


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("crash") / "corpus"
    write_corpus(folder)
    return folder


@pytest.fixture(scope="module")
def full_run_seconds(corpus, tmp_path_factory) -> float:
    """How long a whole run takes here, so that signals land inside runs on any machine."""
    started = time.monotonic()
    proc = start_index(corpus, tmp_path_factory.mktemp("calibrate") / "index")
    assert proc.wait(timeout=300) == 0
    return time.monotonic() - started


@pytest.mark.soak
def test_sigkill_at_random_moments_loses_nothing_committed(corpus, tmp_path, full_run_seconds):
    rng = random.Random(20261125)
    total = FILES * PER_FILE
    # The starting state of every trial: the first half of the corpus's files, committed.
    base_index = tmp_path / "base"
    half = [str(path) for path in sorted(corpus.iterdir())[: FILES // 2]]
    assert run_cli("index", *half, "--index", str(base_index), "-q").exit_code == 0
    base = article_count(base_index)
    assert base == total // 2
    trials = 0
    for trial in range(20):
        index = tmp_path / f"trial-{trial}"
        shutil.copytree(base_index, index)
        rebuild = trial % 4 == 3
        proc = start_index(corpus, index, *(["--rebuild"] if rebuild else []))
        time.sleep(rng.uniform(0.05, 1.0) * full_run_seconds)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        trials += 1
        assert_no_helpers_left(index)
        after = article_count(index)
        if rebuild:
            # A rebuild is swapped in only when complete: killed, the old index stands whole.
            assert after in (base, total), (trial, after)
        else:
            # Commits come every COMMIT_EVERY articles (whole files at a time); nothing in between.
            assert after == total or (after - base) % COMMIT_EVERY == 0, (trial, after)
        assert_readable(index, after)
        if trial % 5 == 0:  # no stale lock, and a plain re-run completes the job
            finish = start_index(corpus, index)
            _, stderr = finish.communicate(timeout=300)
            assert finish.returncode == 0, stderr.decode()
            assert_readable(index, total)
        shutil.rmtree(index)
    assert trials == 20


@pytest.mark.soak
def test_sigint_exits_130_and_keeps_the_last_commit(corpus, tmp_path, full_run_seconds):
    def start(index: Path) -> subprocess.Popen:
        """start_index's command, with SIGINT's default action restored in the child before it
        runs Python: a background job of a non-interactive shell (and so pytest run from one)
        starts with SIGINT ignored, children inherit SIG_IGN, and Python then installs no
        KeyboardInterrupt handler, so the indexer would never see the Ctrl-C sent here."""
        command = [sys.executable, "-m", "archive_search", "index", str(corpus), "--index", str(index), "-q"]
        return subprocess.Popen(
            [*command, "--commit-every", str(COMMIT_EVERY)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )

    rng = random.Random(130)
    base_index = tmp_path / "base"
    half = [str(path) for path in sorted(corpus.iterdir())[: FILES // 2]]
    assert run_cli("index", *half, "--index", str(base_index), "-q").exit_code == 0
    base, total = FILES * PER_FILE // 2, FILES * PER_FILE
    interrupted = 0
    for trial in range(6):
        index = tmp_path / f"trial-{trial}"
        shutil.copytree(base_index, index)
        proc = start(index)
        time.sleep(rng.uniform(0.1, 0.5) * full_run_seconds)  # half the corpus is left to do
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        text = stderr.decode()
        assert_no_traceback(text)
        count = article_count(index)
        if proc.returncode == 0:
            assert count == total
            continue
        interrupted += 1
        assert proc.returncode == 130, text
        if "before it started" in text:  # Ctrl-C while the program was still importing
            assert count == base
            continue
        assert "interrupted" in text and "Run the same command again" in text
        assert (count - base) % COMMIT_EVERY == 0 or count == total, (trial, count)
        assert_readable(index, count)
    assert interrupted >= 3


@pytest.mark.soak
def test_searches_during_a_rebuild_never_fail(corpus, tmp_path):
    from archive_search.archive import Archive

    index = tmp_path / "index"
    first = start_index(corpus, index)
    assert first.wait(timeout=300) == 0
    total = FILES * PER_FILE
    rebuild = start_index(corpus, index, "--rebuild")
    searches = failures = 0
    while rebuild.poll() is None or searches < 5:
        if searches % 10 == 0:  # now and then a whole CLI process
            result = run_cli("search", "rent OR flood", "--index", str(index), "--format", "ids", "-n", "5000")
            found, ok = len(result.stdout.split()), result.exit_code == 0 and "Traceback" not in result.stderr
        else:  # a fresh reader each time, as a new process would open one
            found, ok = Archive(index).count("rent OR flood"), True
        searches += 1
        if not ok or found != total:
            failures += 1
    assert rebuild.returncode == 0
    assert searches >= 5 and failures == 0
    print(f"searches during the rebuild: {searches}, failed: {failures}")


@pytest.mark.soak  # a long trial: run by .ci/run with the soak tests
def test_second_indexer_exits_75_naming_the_first(corpus, tmp_path, full_run_seconds):
    index = tmp_path / "index"
    first = start_index(corpus, index)
    time.sleep(0.4 * full_run_seconds)
    second = run_cli("index", str(corpus), "--index", str(index), "-q")
    first.wait(timeout=300)
    if second.exit_code == 0:
        pytest.skip("the first run finished before the second started")
    assert second.exit_code == 75, second.stderr
    assert f"pid {first.pid}" in second.stderr


@pytest.mark.soak  # a long trial: run by .ci/run with the soak tests
def test_two_jobs_index_the_same_archive_as_one(corpus, tmp_path):
    """--jobs 2 writes a helper's segment next to the parent's; searches cannot tell."""
    from archive_search.archive import Archive
    from archive_search.store import IndexDir

    results = {}
    for jobs in ("1", "2"):
        index = tmp_path / f"jobs-{jobs}"
        result = run_cli("index", str(corpus), "--index", str(index), "-q", "--jobs", jobs)
        assert result.exit_code == 0, result.stderr
        with IndexDir(index).open().reader() as reader:
            segments = len(list(reader.leaf_readers()))
        archive = Archive(index)
        results[jobs] = (
            segments,
            archive.stats().articles,
            [
                [(h.id, round(h.score, 6)) for h in archive.search(q, limit=30).hits]
                for q in ("rent flood", "bike lane")
            ],
        )
    assert results["1"][0] == 1 and results["2"][0] == 2  # the helper wrote a segment of its own
    assert results["1"][1:] == results["2"][1:] == (FILES * PER_FILE, results["1"][2])


def _kill_a_helper(proc: subprocess.Popen, index: Path) -> str:
    """SIGKILL the run's first helper once it has one; the run's stderr (skip if none came)."""
    deadline = time.monotonic() + 60
    while not helper_processes(index) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    helpers = helper_processes(index)
    if not helpers:
        proc.communicate(timeout=60)
        pytest.skip("the run ended before its helper could be caught")
    os.kill(helpers[0], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=120)
    return stderr.decode()


HELPER_KILLED = "a helper process writing the index at {index} ended unexpectedly (killed, or out of memory?)"


def test_a_helper_dying_mid_run_is_one_clear_error(corpus, tmp_path):
    index = tmp_path / "index"
    text = _kill_a_helper(start_index(corpus, index, "--commit-every", "100000", "--jobs", "2"), index)
    assert_no_traceback(text)
    assert proc_status_line(text) == HELPER_KILLED.format(index=index)
    assert "check that the directory is writable" not in text  # not the index directory's fault
    assert "run the same command again, or with --jobs 1" in text
    assert_no_helpers_left(index)


@pytest.mark.soak  # a long trial: run by .ci/run with the soak tests
def test_a_helper_killed_alone_leaves_the_last_commit_and_a_rerun_finishes(corpus, tmp_path):
    """The helper, not the indexer, gets SIGKILL: the run stops with the documented line, the
    index is as of its last commit, no helper is left, and the same command finishes the job."""
    base_index, total = tmp_path / "index", FILES * PER_FILE
    half = [str(path) for path in sorted(corpus.iterdir())[: FILES // 2]]
    assert run_cli("index", *half, "--index", str(base_index), "-q").exit_code == 0
    base = article_count(base_index)
    proc = start_index(corpus, base_index, "--jobs", "2")  # commits every COMMIT_EVERY articles
    text = _kill_a_helper(proc, base_index)
    assert_no_traceback(text)
    assert proc.returncode == 2, text
    assert HELPER_KILLED.format(index=base_index) in text
    assert_no_helpers_left(base_index)
    after = article_count(base_index)
    assert (after - base) % COMMIT_EVERY == 0 and base <= after < total, after
    assert_readable(base_index, after)
    finish = start_index(corpus, base_index, "--jobs", "2")
    _, stderr = finish.communicate(timeout=300)
    assert finish.returncode == 0, stderr.decode()
    assert_readable(base_index, total)


def proc_status_line(text: str) -> str:
    """The error line of a run's stderr, without its prefix and its advice."""
    (line,) = [line for line in text.splitlines() if line.startswith("archive-search: error: ")]
    return line.removeprefix("archive-search: error: ").split(";")[0]


def test_a_search_that_opened_the_index_before_a_rebuild_finished_still_answers(tmp_path):
    """The rebuild switches generations and deletes the old one's files between the
    search opening the index and reading it: the search reads the new generation."""
    from archive_search.archive import Archive
    from archive_search.indexing.indexer import Indexer
    from archive_search.store import IndexDir

    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "\n".join(json.dumps({"id": f"a{i}", "title": "Rent", "body": f"Rent rose {i}."}) for i in range(5)) + "\n"
    )
    Indexer(IndexDir(tmp_path / "ix")).run([str(feed)])
    for read in (
        lambda archive: [hit.id for hit in archive.search("rent", limit=10).hits],
        lambda archive: archive.get("a3").title,
        lambda archive: archive.stats().articles,
        lambda archive: [hit.id for hit in archive.similar("a1").hits],
    ):
        archive = Archive(tmp_path / "ix")
        before = archive.ix.indexname  # opened: the table of contents is read
        Indexer(IndexDir(tmp_path / "ix"), rebuild=True).run([str(feed)])
        assert IndexDir(tmp_path / "ix").generation() != before
        assert read(archive) == read(Archive(tmp_path / "ix"))
