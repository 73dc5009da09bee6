"""A sharded archive's indexing run: the shards built, then the archive made of them.

The run holds the archive's write lock throughout, walks the named paths once to count and
report what it finds, and hands each shard its job (shardjob.py): the same paths, of which
the shard takes the files that go to it (shards/layout.py). The jobs run one after the
other in this process, or side by side in helper processes (--jobs), or as tasks on a Dask
cluster (--cluster, cluster.py). Each shard commits on its own, atomically, as one index
does. When every shard is done, the manifest is written and the archive published; then
the archive-wide stages (the latent space, the copies, the vectors) run once over all the
shards as one index (shards/multi.py), exactly as they do for one index.

A killed first build leaves its unpublished set and the shards it finished: the next run
takes the set up again, and each shard skips the files it has already indexed.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from ..errors import UsageError
from ..model_runs import IndexStats
from ..shards import layout
from ..whoosh_ext import install
from . import shardjob
from .files import STDIN
from .problems import ProblemLog
from .progress import Reporter


def run_sharded(indexer, paths: list[str], stdin: BinaryIO | None) -> IndexStats:
    """Indexer.run for a sharded archive (or one to be made with --shards)."""
    started = time.monotonic()
    stats = IndexStats()
    install()
    index_dir = indexer.index_dir
    index_dir.check_usable()
    problems = ProblemLog(stats, indexer.on_problem)
    progress = Reporter(indexer.on_progress)
    files, _ = indexer._discover(paths, stats, problems, progress)  # counted and reported once, here
    existing = _published_count(index_dir)
    count = _count(indexer, existing)
    fresh = indexer.rebuild or existing is None
    if fresh and not indexer.rebuild and not len(files):
        if not paths:
            from ..errors import IndexNotFoundError

            raise IndexNotFoundError(str(index_dir.path))
        stats.published = False
        stats.elapsed = time.monotonic() - started
        return stats
    with indexer._writing(), index_dir.write_lock(wait=indexer.wait), _cluster(indexer) as client:
        if fresh:
            name = None if indexer.rebuild else index_dir.unpublished_set(count)
            index_dir.remove_other_generations(name)  # what failed runs left, but the set taken up
            name = name or index_dir.create_shard_set(count)
            start_toc = None
        else:
            name = index_dir.generation()
            index_dir.remove_other_generations(name)  # leftovers of an interrupted rebuild
            start_toc = index_dir.open().latest_generation()
        directory = layout.set_dir(index_dir.path, name)
        shards = layout.shard_paths(directory, count)
        # Built side by side, as many as --jobs; a process or two more to each when there are fewer.
        each = 1 if indexer.cluster else max(1, indexer.jobs // min(count, indexer.jobs))
        specs = [shardjob.spec_for(indexer, shards[k], k, count, paths, jobs=each) for k in range(count)]
        progress.begin("indexing", files_total=len(files))
        answers = _run_jobs(indexer, client, specs, stdin, problems, progress)
        touched = _add_up(answers, stats, fresh=fresh)
        _publish(index_dir, name, directory, count, answers, stats)
        progress.begin("commit")
        indexer._archive_wide(index_dir.open(), stats, problems, progress, start_toc, touched, fresh=fresh)
    stats.elapsed = time.monotonic() - started
    return stats


def remove_sharded(indexer, ids: list[str], paths: list[str]) -> IndexStats:
    """Indexer.remove for a sharded archive: asked of every shard (an id may be in any)."""
    started = time.monotonic()
    stats = IndexStats()
    problems = ProblemLog(stats, indexer.on_problem)
    index_dir = indexer.index_dir
    with indexer._writing(), index_dir.write_lock(wait=indexer.wait, command="archive-search remove"):
        name = index_dir.generation()
        count = index_dir.shards()
        start_toc = index_dir.open().latest_generation()
        directory = layout.set_dir(index_dir.path, name)
        job = {"ids": ids, "paths": paths}
        answers = []
        for k, shard in enumerate(layout.shard_paths(directory, count)):
            answer = shardjob.run_job(shardjob.spec_for(indexer, shard, k, count, [], remove=job), None, problems.relay)
            shardjob.raise_for(answer, str(shard))
            answers.append(answer)
        absent = [set(a["missing"]) for a in answers]
        stats.missing = [item for item in dict.fromkeys([*ids, *paths]) if all(item in gone for gone in absent)]
        touched = _add_up(answers, stats, fresh=False)
        if stats.articles_removed:
            _publish(index_dir, name, directory, count, answers, stats)
            progress = Reporter(indexer.on_progress)
            indexer._archive_wide(index_dir.open(), stats, problems, progress, start_toc, touched, fresh=False)
    stats.elapsed = time.monotonic() - started
    return stats


def _count(indexer, existing: int | None) -> int:
    """The number of shards this run builds: --shards, else the archive's own."""
    wanted = indexer.shards
    if wanted is None:
        return existing or 1
    layout.check_count(wanted)
    if existing is not None and wanted != existing and not indexer.rebuild:
        raise UsageError(
            f"the archive at {indexer.index_dir.path} has {existing} shards; to make it {wanted}, "
            f"run again with --rebuild --shards {wanted}"
        )
    if existing is None and indexer.index_dir.exists() and not indexer.rebuild:
        raise UsageError(
            f"the archive at {indexer.index_dir.path} is one index; to shard it, run again with "
            f"--rebuild --shards {wanted}"
        )
    return wanted


def _published_count(index_dir) -> int | None:
    if not index_dir.exists():
        return None
    return index_dir.shards()


def _cluster(indexer):
    """The cluster the shards are built on (--cluster), checked before anything is written;
    without one, None."""
    if not indexer.cluster:
        return contextlib.nullcontext()
    from .. import cluster

    return cluster.workers_for(indexer.cluster, str(indexer.index_dir.path))


def _run_jobs(indexer, client, specs: list[dict], stdin, problems: ProblemLog, progress: Reporter) -> list[dict]:
    """Every shard's job, done; their answers in shard order (the first error raised)."""
    count = len(specs)
    reads_stdin = STDIN in specs[0]["paths"] if specs else False
    here = {layout.shard_of(STDIN, count)} if reads_stdin else set()
    answers: dict[int, dict] = {}
    elsewhere = [s for s in specs if s["number"] not in here]
    if client is not None:
        from .. import cluster

        answers.update(cluster.run_jobs(client, elsewhere))
    elif indexer.jobs > 1 and len(elsewhere) > 1:
        answers.update(_in_helpers(elsewhere, indexer.jobs, problems, progress))
    else:
        here.update(s["number"] for s in elsewhere)
    for spec in specs:
        if spec["number"] in here:
            answer = shardjob.run_job(spec, stdin, problems.relay)
            answers[spec["number"]] = answer
            if "counts" in answer:
                progress.files_finished(_files_of(answer), 0)
    ordered = [answers[s["number"]] for s in specs]
    for spec, answer in zip(specs, ordered, strict=True):
        shardjob.raise_for(answer, spec["shard"])
        for problem in shardjob.problems_of(answer):
            problems.relay(problem)
    return ordered


def _files_of(answer: dict) -> int:
    counts = answer["counts"]
    return sum(counts[k] for k in ("files_new", "files_changed", "files_unchanged", "files_moved"))


def _in_helpers(specs: list[dict], jobs: int, problems: ProblemLog, progress: Reporter) -> dict[int, dict]:
    """The jobs in helper processes, at most `jobs` at a time. A helper that dies without an
    answer is that shard's failure; Ctrl-C (or any failure here) stops them all, each shard
    left at its last commit."""
    answers: dict[int, dict] = {}
    waiting = list(specs)
    running: dict[int, tuple[subprocess.Popen, Path]] = {}
    with tempfile.TemporaryDirectory(prefix="archive-search-shards-") as work:
        try:
            while waiting or running:
                while waiting and len(running) < jobs:
                    spec = waiting.pop(0)
                    path = Path(work, f"shard-{spec['number']}.json")
                    path.write_text(json.dumps(spec), encoding="utf-8")
                    running[spec["number"]] = (_start_helper(path), path)
                number = _wait_any(running)
                proc, path = running.pop(number)
                answers[number] = _answer(proc, path)
                if "counts" in answers[number]:
                    progress.files_finished(_files_of(answers[number]), 0)
                elif "error" in answers[number]:
                    break  # the first failure ends the run: the others stop at their last commit
        finally:
            for proc, _ in running.values():
                _stop(proc)
    return answers


def _start_helper(spec_path: Path) -> subprocess.Popen:
    import os

    return subprocess.Popen(
        shardjob.helper_command(spec_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=None if os.environ.get("ARCHIVE_SEARCH_DEBUG") else subprocess.DEVNULL,
    )


def _wait_any(running: dict[int, tuple[subprocess.Popen, Path]]) -> int:
    """The number of a helper that has ended (polled: a few a second is plenty for shards)."""
    while True:
        for number, (proc, _) in running.items():
            if proc.poll() is not None:
                return number
        time.sleep(0.05)


def _answer(proc: subprocess.Popen, spec_path: Path) -> dict:
    if proc.stdin is not None:
        proc.stdin.close()
    try:
        return json.loads(shardjob.answer_path(spec_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"error": "its helper process ended without an answer (killed, or out of memory?)"}


def _stop(proc: subprocess.Popen) -> None:
    """End a helper: end-of-file on its input interrupts it (it cancels its uncommitted
    work); one that does not end soon is killed."""
    if proc.stdin is not None:
        proc.stdin.close()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _add_up(answers: list[dict], stats: IndexStats, *, fresh: bool) -> set[str] | None:
    """The shards' counts added to the run's; the ids they changed (None: too many, or a new
    archive)."""
    touched: set[str] | None = None if fresh else set()
    for answer in answers:
        shardjob.add_counts(stats, answer)
        stats.total_articles += answer["total"]
        if touched is not None:
            touched = None if answer["touched"] is None else touched | set(answer["touched"])
    return touched


def _publish(index_dir, name: str, directory: Path, count: int, answers: list[dict], stats: IndexStats) -> None:
    """The manifest written (each shard as its job left it), then the archive published."""
    members = [
        layout.Member(layout.shard_name(k), answer["generation"], answer["toc"], answer["total"])
        for k, answer in enumerate(answers)
    ]
    layout.write_manifest(directory, layout.Manifest(count, tuple(members)))
    index_dir.publish(name, articles=stats.total_articles, shards=count)
