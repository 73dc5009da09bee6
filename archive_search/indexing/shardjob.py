"""One shard's part of a sharded build, wherever it runs: in the run's own process, in a
helper process beside it, or as a task on a Dask worker (cluster.py).

The job is described by a plain dict (`spec`) and answers with one (`run_job`), never an
exception, so that it crosses a pipe or a cluster as it is: the shard's counts, the ids it
changed, the problems it showed, and its version, or the error that stopped it.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ..errors import ArchiveSearchError, HelperError, IndexLockedError
from ..model_runs import IndexStats
from ..readers import Problem

HELPER_NAME = "archive_search.indexing.shardjob"
# The counters of IndexStats a shard's run adds to the archive's (the rest are the archive
# run's own: its walk's counts, the archive-wide stages').
_SUMMED = (
    "articles_added",
    "articles_updated",
    "articles_removed",
    "files_new",
    "files_changed",
    "files_unchanged",
    "files_removed",
    "files_moved",
    "errors",
    "warnings",
    "streams_read",
    "captures_read",
    "not_articles",
    "repeats",
    "records_skipped",
)


def spec_for(
    indexer, shard: Path, number: int, count: int, paths: list[str], *, jobs: int = 1, remove: dict | None = None
) -> dict:
    """The job of building (or, given `remove`, removing from) shard `number` of `count`,
    with `jobs` processes writing it."""
    return {
        "jobs": jobs,
        "shard": str(shard),
        "number": number,
        "count": count,
        "archive": str(indexer.index_dir.path),
        "paths": paths,
        "follow_symlinks": indexer.follow_symlinks,
        "exclude": indexer.exclude.patterns,
        "prune": indexer.prune,
        "commit_every": indexer.commit_every,
        "remove": remove,
    }


def run_job(
    spec: dict,
    stdin: BinaryIO | None = None,
    on_problem: Callable[[Problem], None] | None = None,
) -> dict:
    """Build (or remove from) one shard as `spec` says; the answer, or the error, as a dict.
    `on_problem`: hears each problem shown as it comes (then the answer lists none)."""
    from ..store import IndexDir
    from .indexer import Indexer

    shard = IndexDir(spec["shard"])
    indexer = Indexer(
        shard,
        follow_symlinks=spec["follow_symlinks"],
        exclude=spec["exclude"],
        prune=spec["prune"],
        commit_every=spec["commit_every"],
        jobs=spec.get("jobs", 1),
        part=(spec["number"], spec["count"], spec["archive"]),
        on_problem=on_problem,
    )
    try:
        if spec.get("remove") is not None:
            stats = indexer.remove(spec["remove"]["ids"], spec["remove"]["paths"])
        else:
            stats = indexer.run(spec["paths"], stdin)
        ix = shard.open()
        version = (ix.indexname, ix.latest_generation())
    except ArchiveSearchError as exc:
        return {"error": str(exc), "locked": isinstance(exc, IndexLockedError)}
    except OSError as exc:
        return {"error": exc.strerror or str(exc), "errno": exc.errno or 0}
    return {
        "number": spec["number"],
        "counts": {name: getattr(stats, name) for name in _SUMMED},
        "missing": stats.missing,
        "problems": [] if on_problem is not None else [dataclasses.asdict(p) for p in stats.problems],
        "touched": None if indexer.touched is None else sorted(indexer.touched),
        "total": stats.total_articles,
        "generation": version[0],
        "toc": version[1],
    }


def add_counts(stats: IndexStats, answer: dict) -> None:
    for name, value in answer["counts"].items():
        setattr(stats, name, getattr(stats, name) + value)


def problems_of(answer: dict) -> list[Problem]:
    return [Problem(**fields) for fields in answer["problems"]]


def raise_for(answer: dict, shard: str) -> None:
    """The error a shard's job answered with, raised as the archive's run's own."""
    if "error" not in answer:
        return
    if answer.get("errno"):
        raise HelperError(answer["errno"], answer["error"])
    if answer.get("locked"):
        raise ShardLockedError(shard, answer["error"])
    raise ShardFailedError(shard, answer["error"])


class ShardFailedError(ArchiveSearchError):
    """A shard's job stopped with an error of its own (its message says which and what to do)."""

    def __init__(self, shard: str, message: str) -> None:
        self.shard = shard
        super().__init__(f"shard {shard}: {message}")


class ShardLockedError(IndexLockedError):
    """A shard is being written by another process (a cluster task of a run that was stopped
    and is still finishing): exit 75, as for an archive locked."""

    def __init__(self, shard: str, message: str) -> None:
        self.index_dir = shard
        self.holder = ""
        ArchiveSearchError.__init__(self, f"shard {shard}: {message}")


# -- the helper process ---------------------------------------------------------


def helper_command(spec_path: Path) -> list[str]:
    from .. import helpers

    return helpers.helper_command(HELPER_NAME, "_helper_main", str(spec_path))


def _helper_main(spec_path: str) -> int:
    """A helper: the job in `spec_path`, its answer written beside it (.answer); exits 0
    when it wrote one. End-of-file on its standard input (the run is gone) interrupts it,
    and the shard is left at its last commit."""
    import _thread
    import threading

    from ..atomic import write_atomic

    def watch() -> None:
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        _thread.interrupt_main()

    threading.Thread(target=watch, daemon=True).start()
    path = Path(spec_path)
    spec = json.loads(path.read_text(encoding="utf-8"))
    try:
        answer = run_job(spec)
    except KeyboardInterrupt:
        return 130
    write_atomic(answer_path(path), json.dumps(answer).encode("utf-8"))
    return 0


def answer_path(spec_path: Path) -> Path:
    return spec_path.with_name(spec_path.name + ".answer")
