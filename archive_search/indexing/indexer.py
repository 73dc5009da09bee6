"""The incremental indexer: article files in, Whoosh index out.

A run walks the given paths (files.py), hashes every file and compares the hash with the
one recorded in the index (the `filesig` field, "path\\0hash"): unchanged files are
skipped, changed files have their articles replaced, and files that have vanished from an
indexed directory have theirs removed (session.py). Every change to one file lands in the
same Whoosh commit, and a commit is atomic, so an interrupted run leaves the index as it
was at the last commit. A run that changed the archive enough fits the latent space anew
(refit.py).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from typing import BinaryIO

from .._entry import interrupted_in_finalizer
from ..errors import HelperError, HelperFailedError, IndexWriteError
from ..model import IndexStats, Progress
from ..ranking.config import DEFAULT, RankingConfig
from ..readers import Problem
from ..schema import build_schema
from ..store import LATENT_FILE, IndexDir
from .files import STDIN, Files
from .problems import ProblemLog
from .refit import fit_space, needs_fit
from .session import Session

# Commit at least this often, so that a long first run interrupted late keeps most of its work.
COMMIT_EVERY_ARTICLES = 50_000


class Indexer:
    """Brings an index directory up to date with a set of paths."""

    def __init__(
        self,
        index_dir: IndexDir,
        *,
        rebuild: bool = False,
        wait: bool = False,
        on_problem: Callable[[Problem], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        commit_every: int = COMMIT_EVERY_ARTICLES,
        jobs: int = 1,
        follow_symlinks: bool = False,
        ranking: RankingConfig = DEFAULT,
    ) -> None:
        self.index_dir = index_dir
        self.rebuild = rebuild
        self.wait = wait
        self.on_problem = on_problem or (lambda problem: None)
        self.on_progress = on_progress or (lambda progress: None)
        self.commit_every = commit_every
        self.jobs = max(1, jobs)
        self.follow_symlinks = follow_symlinks
        self.ranking = ranking  # the latent space's fit settings

    # -- the run -------------------------------------------------------------

    def run(self, paths: Iterable[str], stdin: BinaryIO | None = None) -> IndexStats:
        """Index `paths` (files, directories, or "-" for JSON Lines on stdin)."""
        started = time.monotonic()
        stats = IndexStats()
        self.index_dir.check_usable()  # before the lock file is written into a stranger's directory
        try:
            with self.index_dir.write_lock(wait=self.wait):
                self._run_locked(list(paths), stdin, stats, ProblemLog(stats, self.on_problem))
        except HelperError as exc:
            if exc.errno:  # the helper's own write failed: a full disk, permissions
                raise IndexWriteError(str(self.index_dir.path), exc) from exc
            raise HelperFailedError(str(self.index_dir.path)) from exc
        except OSError as exc:  # files that cannot be read are problems; these are the index's own
            raise IndexWriteError(str(self.index_dir.path), exc) from exc
        stats.elapsed = time.monotonic() - started
        return stats

    def _run_locked(self, paths: list[str], stdin: BinaryIO | None, stats: IndexStats, problems: ProblemLog) -> None:
        fresh = self.rebuild or not self.index_dir.exists()
        if fresh:
            self.index_dir.remove_other_generations(None)  # what failed first runs and rebuilds left
            generation, ix = self.index_dir.create_generation(build_schema())
        else:
            generation = self.index_dir.generation()
            self.index_dir.remove_other_generations(generation)  # leftovers of an interrupted rebuild
            ix = self.index_dir.open()
        files, roots = self._discover(paths, stats, problems)
        session = Session(ix, stats, problems.report, fresh=fresh, commit_every=self.commit_every, jobs=self.jobs)
        try:
            vanished = session.vanished(roots, files)
            session.remove_vanished(vanished)
            for done, (path, display, named) in enumerate(files, start=1):
                if path == STDIN:
                    session.index_stream(stdin if stdin is not None else sys.stdin.buffer)
                else:
                    session.index_file(path, display, follow=named or self.follow_symlinks)
                problems.end_of_file()
                self.on_progress(Progress(done, len(files), session.articles_written, display))
                if interrupted_in_finalizer():
                    raise KeyboardInterrupt
            session.commit()
        except BaseException as exc:
            session.cancel()
            # A full disk: give the space back now, not at the next run; a new generation that
            # will never be published goes whatever the failure.
            if fresh or isinstance(exc, OSError):
                self.index_dir.remove_debris(generation, ix, unpublished=fresh)
            raise
        stats.total_articles = session.total()
        if fresh:
            self.index_dir.publish(generation, articles=stats.total_articles)
        else:
            self.index_dir.touch(articles=stats.total_articles)
        latent = self.index_dir.path / LATENT_FILE
        if needs_fit(latent, stats, fresh=fresh, config=self.ranking):
            fit_space(ix, latent, stats, self.ranking, problems.report)

    def _discover(self, paths: list[str], stats: IndexStats, problems: ProblemLog) -> tuple[Files, list[str]]:
        """The files to index (walked now to count them and note them) and the directory roots."""
        files = Files(paths, follow_symlinks=self.follow_symlinks, stats=stats)
        for item in files.discover():
            if isinstance(item, Problem):
                stats.files_failed += 1
                problems.report(item)
            else:
                stats.files_skipped += 1
        return files, files.roots
