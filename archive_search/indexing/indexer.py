"""The incremental indexer: article files in, Whoosh index out.

A run walks the given paths (files.py), hashes every file and compares the hash with the
one recorded in the index (the `filesig` field, "path\\0hash"): unchanged files are
skipped, changed files have their articles replaced, and files that have vanished from an
indexed directory (with --prune: from anywhere) have theirs removed; a new file with the
content of an indexed file gone from disk is that file moved, its articles keeping their
ids (session.py). Every change to one file lands in the same Whoosh commit, and a commit
is atomic, so an interrupted run leaves the index as it was at the last commit. A run that
changed the archive enough fits the latent space anew (refit.py). `remove` takes articles
out by id or file (remove.py).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from .._entry import interrupted_in_finalizer
from ..errors import HelperError, HelperFailedError, IndexNotFoundError, IndexWriteError
from ..model_runs import IndexStats, Progress
from ..ranking.config import DEFAULT, RankingConfig
from ..readers import Problem
from ..schema import build_schema
from ..store import LATENT_FILE, IndexDir
from ..whoosh_ext import install
from .clustering import is_current, update_copies
from .exclude import Excluder
from .files import STDIN, Files
from .problems import ProblemLog
from .progress import Reporter
from .refit import fit_space, needs_fit
from .remove import remove_ids, remove_paths
from .session import Session
from .vectors import is_current as vectors_current
from .vectors import update_vectors

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
        exclude: Iterable[str] = (),
        prune: bool = False,
        shards: int | None = None,
        cluster: str | None = None,
        part: tuple[int, int, str] | None = None,
    ) -> None:
        self.index_dir = index_dir
        self.rebuild = rebuild
        self.wait = wait
        self.on_problem = on_problem or (lambda problem: None)
        self.on_progress = on_progress  # see progress.py for when it is called
        self.commit_every = commit_every
        self.jobs = max(1, jobs)
        self.follow_symlinks = follow_symlinks
        self.ranking = ranking  # the latent space's fit settings
        self.exclude = Excluder(exclude)  # --exclude: left out of directory walks
        self.prune = prune  # also remove the articles of files gone from anywhere
        self.shards = shards  # build a sharded archive of this many shards (None: as it is)
        self.cluster = cluster  # the Dask scheduler a sharded archive's shards are built on
        # (shard, shards, archive directory): this run builds one shard of a sharded archive,
        # only the files that go to it and none of the archive-wide stages (sharded.py)
        self.part = part
        self.touched: set[str] | None = None  # a part's run: the ids it changed (None: too many)

    # -- the run -------------------------------------------------------------

    def run(self, paths: Iterable[str], stdin: BinaryIO | None = None) -> IndexStats:
        """Index `paths` (files, directories, or "-" for JSON Lines on stdin)."""
        if self.cluster and self.shards is None and not self._sharded():
            from ..errors import UsageError

            raise UsageError("--cluster builds a sharded archive: add --shards N (the number of shards to build)")
        if self.part is None and (self.shards is not None or self._sharded()):
            from .sharded import run_sharded

            return run_sharded(self, list(paths), stdin)
        started = time.monotonic()
        stats = IndexStats()
        paths = list(paths)
        install()  # a Whoosh this cannot write is the one error, before any file is looked at
        self.index_dir.check_usable()  # before the lock file is written into a stranger's directory
        problems = ProblemLog(stats, self.on_problem)
        progress = Reporter(self.on_progress)
        found = None
        if self.part is None and not os.path.lexists(self.index_dir.path):
            # A first run into a new directory: if it finds nothing to read, it makes nothing.
            found = self._discover(paths, stats, problems, progress)
            if not len(found[0]):
                self._nothing_indexed(paths, stats)
        if stats.published:
            with self._writing(), self.index_dir.write_lock(wait=self.wait):
                self._run_locked(paths, stdin, stats, problems, progress, found)
        stats.elapsed = time.monotonic() - started
        return stats

    def _sharded(self) -> bool:
        """Whether the index directory holds a published sharded archive."""
        try:
            return self.index_dir.shards() is not None
        except Exception:  # no index, or a damaged one: the run says which
            return False

    def remove(self, ids: Iterable[str] = (), paths: Iterable[str] = ()) -> IndexStats:
        """Remove the articles with these ids, and every article of these files (a directory:
        of every indexed file under it); what was not in the index is listed in `missing`."""
        if self.part is None and self._sharded():
            from .sharded import remove_sharded

            return remove_sharded(self, list(ids), list(paths))
        started = time.monotonic()
        stats = IndexStats()
        problems = ProblemLog(stats, self.on_problem)
        with self._writing(), self.index_dir.write_lock(wait=self.wait, command="archive-search remove"):
            ix = self.index_dir.open()
            start_toc = ix.latest_generation()
            session = Session(ix, stats, problems.report, fresh=False, commit_every=self.commit_every, jobs=1)
            try:
                remove_paths(session, list(dict.fromkeys(paths)))
                remove_ids(session, list(dict.fromkeys(ids)))
                self._commit(session, stats, fresh=False)
            except BaseException:
                session.cancel()
                raise
            stats.total_articles = session.total()
            self.touched = session.touched
            if stats.articles_removed:
                self.index_dir.touch(articles=stats.total_articles)
            if stats.articles_removed and self.part is None:
                self._archive_wide(ix, stats, problems, Reporter(self.on_progress), start_toc, set(), fresh=False)
        stats.elapsed = time.monotonic() - started
        return stats

    def _commit(self, session: Session, stats: IndexStats, *, fresh: bool) -> None:
        """Commit; a shard that nothing changed in is left as it was, its version too, so
        that the archive's files made for that version stay current (sharded.py)."""
        changed = stats.files_new + stats.files_changed + stats.files_removed + stats.files_moved
        if self.part is not None and not fresh and not (changed or stats.articles_changed):
            session.cancel()
        else:
            session.commit()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """The index's own failures to write, as the library's errors (files that cannot be
        read are problems, reported on the way)."""
        try:
            yield
        except HelperError as exc:
            if exc.errno:  # the helper's own write failed: a full disk, permissions
                raise IndexWriteError(str(self.index_dir.path), exc) from exc
            raise HelperFailedError(str(self.index_dir.path)) from exc
        except OSError as exc:
            raise IndexWriteError(str(self.index_dir.path), exc) from exc

    def _nothing_indexed(self, paths: list[str], stats: IndexStats) -> None:
        """A first run with nothing to read: no index is made (a prune alone needs one)."""
        if not paths:
            raise IndexNotFoundError(str(self.index_dir.path))
        stats.published = False

    def _run_locked(
        self,
        paths: list[str],
        stdin: BinaryIO | None,
        stats: IndexStats,
        problems: ProblemLog,
        progress: Reporter,
        found: tuple[Files, list[str]] | None = None,
    ) -> None:
        fresh = self.rebuild or not self.index_dir.exists()
        files, roots = found or self._discover(paths, stats, problems, progress)
        if fresh and not self.rebuild and not len(files) and self.part is None:
            self._nothing_indexed(paths, stats)
            return
        if fresh:
            self.index_dir.remove_other_generations(None)  # what failed first runs and rebuilds left
            generation, ix = self.index_dir.create_generation(build_schema())
        else:
            generation = self.index_dir.generation()
            self.index_dir.remove_other_generations(generation)  # leftovers of an interrupted rebuild
            ix = self.index_dir.open()
        start_toc = None if fresh else ix.latest_generation()
        session = Session(
            ix, stats, problems.report, fresh=fresh, commit_every=self.commit_every, jobs=self.jobs, progress=progress
        )
        try:
            # Removed at the end, unless a file met on the way turns out to be one of them moved.
            session.remove_later(session.vanished(roots, files), files, prune=self.prune)
            progress.begin("indexing", files_total=len(files))
            for path, display, named in files:
                if path == STDIN:
                    session.index_stream(stdin if stdin is not None else sys.stdin.buffer)
                else:
                    session.index_file(path, display, follow=named or self.follow_symlinks)
                problems.end_of_file()
                progress.file_done(session.articles_written)
                if interrupted_in_finalizer():
                    raise KeyboardInterrupt
            session.remove_vanished(session.removed_later())
            progress.begin("commit")
            self._commit(session, stats, fresh=fresh)
        except BaseException as exc:
            session.cancel()
            # A full disk: give the space back now, not at the next run; a new generation that
            # will never be published goes whatever the failure.
            if fresh or isinstance(exc, OSError):
                self.index_dir.remove_debris(generation, ix, unpublished=fresh)
            raise
        stats.total_articles = session.total()
        self.touched = session.touched
        if fresh:
            self.index_dir.publish(generation, articles=stats.total_articles)
        else:
            self.index_dir.touch(articles=stats.total_articles)
        if self.part is not None:  # the archive's run does the rest, for all its shards at once
            return
        self._archive_wide(ix, stats, problems, progress, start_toc, session.touched, fresh=fresh)

    def _archive_wide(self, ix, stats, problems, progress, start_toc, touched: set[str] | None, *, fresh: bool) -> None:
        """After the commit: the latent space fitted again if need be, then the copies and the
        vectors files brought up to date (one index, or all of a sharded archive's shards)."""
        self._refit(ix, stats, problems, progress, fresh=fresh)
        self._copies(ix, stats, problems, progress, start_toc, touched)
        self._places(ix, problems, progress, start_toc, touched)

    def _copies(self, ix, stats, problems, progress, start_toc: int | None, touched: set[str] | None) -> None:
        """The copies file brought up to date with the committed articles (clustering.py);
        also after a run that changed nothing, if an earlier one stopped before writing it."""
        generation = self.index_dir.generation()
        if is_current(self.index_dir.path, generation, ix.latest_generation()):
            return
        progress.begin("copies")
        stats.copies_clustered, stats.copies_stories = update_copies(
            ix, self.index_dir.path, generation, start_toc, touched, problems.report
        )

    def _places(self, ix, problems, progress, start_toc: int | None, touched: set[str] | None) -> None:
        """The vectors file brought up to date with the committed articles and the latent
        space (vectors.py); also after a run that changed nothing, if an earlier one
        stopped before writing it."""
        generation = self.index_dir.generation()
        if vectors_current(self.index_dir.path, generation, ix.latest_generation(), self.ranking):
            return
        progress.begin("places")
        update_vectors(
            ix, self.index_dir.path, generation, start_toc, touched, problems.report, self.ranking, self.jobs
        )

    def _refit(self, ix, stats: IndexStats, problems: ProblemLog, progress: Reporter, *, fresh: bool) -> None:
        latent = self.index_dir.path / LATENT_FILE
        if needs_fit(latent, stats, fresh=fresh, config=self.ranking):
            progress.begin("fit")
            fit_space(ix, latent, stats, self.ranking, problems.report)

    def _discover(
        self, paths: list[str], stats: IndexStats, problems: ProblemLog, progress: Reporter
    ) -> tuple[Files, list[str]]:
        """The files to index (walked now to count them, note them and add up their sizes)
        and the directory roots."""
        keep = None
        if self.part is not None:  # the archive's run has counted and reported what its walk met
            from ..shards.layout import shard_of

            number, count, archive = self.part
            stats, problems = IndexStats(), ProblemLog(IndexStats(), lambda problem: None)
            keep = lambda path: shard_of(path, count) == number  # noqa: E731
        files = Files(
            paths,
            follow_symlinks=self.follow_symlinks,
            stats=stats,
            exclude=self.exclude,
            index_path=self.index_dir.path if self.part is None else archive,
            keep=keep,
        )
        for item in files.discover(on_found=progress.found):
            if isinstance(item, Problem):
                stats.files_failed += 1
                problems.report(item)
            else:
                stats.files_skipped += 1
        return files, files.roots
