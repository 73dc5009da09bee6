"""The incremental indexer: article files in, Whoosh index out.

A run walks the given paths, hashes every file and compares the hash with the
one recorded in the index (the `filesig` field, "path\\0hash"): unchanged files
are skipped, changed files have their articles replaced, and files that have
vanished from an indexed directory have theirs removed. Every change to one
file lands in the same Whoosh commit, and a commit is atomic, so an interrupted
run leaves the index as it was at the last commit.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import sys
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from . import interrupted_in_finalizer
from .articles import Article
from .errors import HelperError, HelperFailedError, IndexWriteError, InputError
from .readers import MAX_FILE_BYTES, Problem, parse_bytes, parse_jsonl_lines
from .readers.common import short_hash
from .readers.jsonrecords import MAX_RECORD_CHARS
from .readers.sniff import ignored_in_walk
from .schema import build_schema, document_fields
from .store import LATENT_FILE, IndexDir

STDIN = "-"
STDIN_PATH = "<stdin>"
# Commit at least this often, so that a long first run interrupted late keeps most of its work.
COMMIT_EVERY_ARTICLES = 50_000
# Helpers start after this many articles in one commit: a small update is not worth a process.
HELPERS_AFTER = 1_000
# Problems of one kind in one file shown before the rest are only counted: a hostile file of
# a million bad records gets a few lines and a count, not a million lines and their memory.
SHOWN_ALIKE = 5
# Problems kept in IndexStats.problems for the caller; all are counted.
KEPT_PROBLEMS = 1_000
# Problems alike but for their numbers (line, column, record) are of one kind.
_DIGITS = re.compile(r"[0-9]+")


@dataclass
class IndexStats:
    """What a run did. Articles are counted by id; files by path."""

    articles_added: int = 0
    articles_updated: int = 0
    articles_removed: int = 0
    articles_unchanged: int = 0
    files_new: int = 0
    files_changed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    files_failed: int = 0
    files_skipped: int = 0  # not article formats (images, stylesheets...), passed over silently
    links_skipped: int = 0  # symbolic links in walked directories, not followed
    specials_skipped: int = 0  # named pipes, sockets and devices in walked directories
    problems: list[Problem] = field(default_factory=list)  # the first KEPT_PROBLEMS, as reported
    errors: int = 0  # inputs (files or records) that could not be indexed, all counted
    warnings: int = 0  # inputs indexed with a caveat
    total_articles: int = 0  # in the index after the run
    latent_fitted: int = 0  # articles the latent space was fitted to in this run (0: not fitted)
    elapsed: float = 0.0

    @property
    def failed(self) -> bool:
        """Whether any input (a file or a record) could not be indexed."""
        return self.errors > 0

    @property
    def files_seen(self) -> int:
        return self.files_new + self.files_changed + self.files_unchanged + self.files_failed


@dataclass
class Progress:
    """Passed to the progress callback after every file."""

    files_done: int
    files_total: int
    articles: int
    current: str


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _filesig(path: str, digest: str) -> str:
    return f"{path}\0{digest}"


def _walk(root: str, problems: list[Problem], stats: IndexStats | None, follow: bool) -> Iterator[str]:
    """Regular files under root, depth first, each directory's files in name order, hidden
    entries left out. Iterative, so any depth of tree is walked. Symbolic links are not
    followed unless `follow` (a link may lead out of the tree: to /etc, to ~/.ssh); pipes,
    sockets and devices are never opened. Each is counted in `stats` when given."""
    seen: set[tuple[int, int]] = set()  # directories entered, against loops (links, bind mounts)
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as entries:
                listing = sorted((e for e in entries if not e.name.startswith(".")), key=lambda e: e.name)
        except OSError as exc:
            problems.append(Problem(exc.filename or folder, f"cannot read directory: {exc.strerror or exc}"))
            continue
        # Every entry's kind as listed, before any file is read: one that vanishes meanwhile
        # is still met, and reported as gone.
        subfolders = []
        for entry, kind in [(entry, _kind(entry, follow)) for entry in listing]:
            if kind == "dir":
                subfolders.append(entry.path)
            elif kind == "file":
                yield entry.path
            elif stats is not None and kind == "link":
                stats.links_skipped += 1
            elif stats is not None and kind == "special":
                stats.specials_skipped += 1
        stack.extend(reversed(subfolders))


def _kind(entry: os.DirEntry, follow: bool) -> str:
    """What a directory entry is: "dir", "file", "link" (not followed) or "special"."""
    try:
        if entry.is_symlink() and not follow:
            return "link"
        mode = entry.stat(follow_symlinks=follow).st_mode
    except OSError:  # vanished since listed, or a link to nothing
        return "link" if not follow or entry.is_symlink() else "file"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "special"


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
    ) -> None:
        self.index_dir = index_dir
        self.rebuild = rebuild
        self.wait = wait
        self.on_problem = on_problem or (lambda problem: None)
        self.on_progress = on_progress or (lambda progress: None)
        self.commit_every = commit_every
        self.jobs = max(1, jobs)
        self.follow_symlinks = follow_symlinks
        self._alike: dict[tuple, int] = {}  # (path, kind of problem) -> how many, for the current file

    # -- the run -------------------------------------------------------------

    def run(self, paths: Iterable[str], stdin: BinaryIO | None = None) -> IndexStats:
        """Index `paths` (files, directories, or "-" for JSON Lines on stdin)."""
        started = time.monotonic()
        stats = IndexStats()
        self.index_dir.check_usable()  # before the lock file is written into a stranger's directory
        try:
            with self.index_dir.write_lock(wait=self.wait):
                self._run_locked(list(paths), stdin, stats)
        except HelperError as exc:
            if exc.errno:  # the helper's own write failed: a full disk, permissions
                raise IndexWriteError(str(self.index_dir.path), exc) from exc
            raise HelperFailedError(str(self.index_dir.path)) from exc
        except OSError as exc:  # files that cannot be read are problems; these are the index's own
            raise IndexWriteError(str(self.index_dir.path), exc) from exc
        stats.elapsed = time.monotonic() - started
        return stats

    def _problem(self, stats: IndexStats, problem: Problem) -> None:
        """Count a problem; report it unless SHOWN_ALIKE of its kind in its file already were."""
        if problem.warning:
            stats.warnings += 1
        else:
            stats.errors += 1
        key = (problem.path, problem.warning, _DIGITS.sub("#", problem.reason))
        seen = self._alike[key] = self._alike.get(key, 0) + 1
        if seen <= SHOWN_ALIKE:
            self._report(stats, problem)

    def _report(self, stats: IndexStats, problem: Problem) -> None:
        if len(stats.problems) < KEPT_PROBLEMS:
            stats.problems.append(problem)
        self.on_problem(problem)

    def _end_of_file(self, stats: IndexStats) -> None:
        """Report how many problems of each kind were counted and not shown, then forget them."""
        for (path, warning, _), seen in self._alike.items():
            if seen > SHOWN_ALIKE:
                more = seen - SHOWN_ALIKE
                self._report(stats, Problem(path, f"...and {more:,} more like the above", warning=warning))
        self._alike.clear()

    def _run_locked(self, paths: list[str], stdin: BinaryIO | None, stats: IndexStats) -> None:
        fresh = self.rebuild or not self.index_dir.exists()
        if fresh:
            self.index_dir.remove_other_generations(None)  # what failed first runs and rebuilds left
            generation, ix = self.index_dir.create_generation(build_schema())
        else:
            generation = self.index_dir.generation()
            self.index_dir.remove_other_generations(generation)  # leftovers of an interrupted rebuild
            ix = self.index_dir.open()
        files, roots = self._discover(paths, stats)
        self._files_total = len(files)
        session = _Session(self, ix, stats, fresh=fresh)
        try:
            vanished = session.vanished(roots, files)
            session.remove_vanished(vanished)
            for done, (path, display, named) in enumerate(files, start=1):
                if path == STDIN:
                    session.index_stream(stdin if stdin is not None else sys.stdin.buffer)
                else:
                    session.index_file(path, display, follow=named or self.follow_symlinks)
                self._end_of_file(stats)
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
        self._fit_latent(ix, stats, fresh=fresh)

    def _fit_latent(self, ix, stats: IndexStats, *, fresh: bool) -> None:
        """Fit the latent space (latent.py) to the archive as it now is, when there is none
        yet, or the archive has changed by more than latent.DRIFT since it was fitted, in
        this run or in its size. A space a little out of date still serves (articles are
        placed in it at search time), and fitting costs seconds, so small updates skip it.
        The articles are committed already: a failure to write the space is a warning
        (searches rank without it), and Ctrl-C here loses only the space, which the next
        run fits again."""
        from .latent import DRIFT, SAMPLE, LatentSpace, article_words, fit, sample_ids

        path = self.index_dir.path / LATENT_FILE
        total = stats.total_articles
        changed = stats.articles_added + stats.articles_updated + stats.articles_removed
        if not fresh:
            try:
                fitted = LatentSpace.load(path).articles
            except (OSError, ValueError):  # none yet, or damaged: fit it again
                fitted = None
            if fitted is not None and max(changed, abs(total - fitted)) <= DRIFT * total:
                return

        with ix.searcher() as searcher:
            # In id order, whatever the segments' layout (--jobs): the same archive, the same space.
            ids = (term.decode("utf-8") for term in searcher.reader().lexicon("id"))
            chosen = sample_ids(ids, SAMPLE) if searcher.doc_count() > SAMPLE else ids
            numbers = (searcher.document_number(id=i) for i in chosen)
            fields = (searcher.stored_fields(n) for n in numbers if n is not None)
            space = fit(article_words(f.get("title", ""), f.get("body", "")) for f in fields)
        try:
            if space is None:  # too few articles to fit one
                path.unlink(missing_ok=True)
            else:
                space.articles = total
                space.save(path)
                stats.latent_fitted = space.fitted_on
        except OSError as exc:
            self._problem(
                stats,
                Problem(
                    str(path),
                    f"could not write the latent space ({exc.strerror or exc}); searches rank without it"
                    " until the next run that can",
                    warning=True,
                ),
            )

    def _discover(self, paths: list[str], stats: IndexStats) -> tuple[_Files, list[str]]:
        """The files to index (walked now to count them and note them) and the directory roots."""
        files = _Files(paths, follow_symlinks=self.follow_symlinks, stats=stats)
        for item in files.discover():
            if isinstance(item, Problem):
                stats.files_failed += 1
                self._problem(stats, item)
            else:
                stats.files_skipped += 1
        return files, files.roots


_SKIPPED = "skipped"


class _Files:
    """The files named by the command-line paths, as (absolute path, path as shown).

    An archive of a million articles is a million files, and a list of their paths would
    make the indexer's memory grow with the archive. So the paths are walked twice: once
    up front, to count the files and note a 64-bit hash of each path (8 bytes a file; two
    paths sharing a hash among a million is a chance in tens of millions, and would make
    one of them look already listed), then again while indexing. A path named twice (a
    file and its directory) is indexed once, where first named."""

    def __init__(self, paths: list[str], *, follow_symlinks: bool = False, stats: IndexStats | None = None) -> None:
        self._paths = paths
        self._follow = follow_symlinks
        self._stats = stats  # counts the links and special files passed over, while discovering
        self._hashes = array("q")  # of every path found, sorted once discovery ends
        self._repeats: set[tuple[int, int]] = set()  # (argument number, hash): already listed
        self.roots: list[str] = []  # the directories named, absolute

    def discover(self) -> Iterator[Problem | str]:
        """Walk once: count and note the files; yield each problem, and _SKIPPED for each
        file that is not an article format."""
        seen: set[int] = set()  # while discovering only
        for number, found in self._walk(collect=True):
            if not isinstance(found, tuple):
                yield found
                continue
            key = hash(found[0])
            if key in seen:
                self._repeats.add((number, key))
            else:
                seen.add(key)
        self._hashes = array("q", sorted(seen))

    def __len__(self) -> int:
        """How many files discovery found, each counted once."""
        return len(self._hashes)

    def __iter__(self) -> Iterator[tuple[str, str, bool]]:
        """(absolute path, path as shown, named on the command line) of every file."""
        for number, found in self._walk(collect=False):
            if isinstance(found, tuple) and (number, hash(found[0])) not in self._repeats:
                yield found

    def __contains__(self, path: str) -> bool:
        """Whether the walk found this absolute path."""
        return _position(self._hashes, hash(path)) is not None

    def _walk(self, *, collect: bool) -> Iterator[tuple[int, tuple[str, str, bool] | Problem | str]]:
        """(argument number, what was found); problems and skipped files only when collecting.
        A path named on the command line is read as named, a link included (as cat does)."""
        for number, arg in enumerate(self._paths):
            if arg == STDIN:
                yield number, (STDIN, STDIN_PATH, True)
            elif os.path.isdir(arg):
                if collect:
                    self.roots.append(os.path.abspath(arg))
                walk_problems: list[Problem] = []
                for path in _walk(arg, walk_problems, self._stats if collect else None, self._follow):
                    if ignored_in_walk(path):
                        if collect:
                            yield number, _SKIPPED
                    else:
                        yield number, (os.path.abspath(path), path, False)
                if collect:
                    for problem in walk_problems:
                        yield number, problem
            elif os.path.lexists(arg):
                yield number, (os.path.abspath(arg), arg, True)
            elif collect:
                yield number, Problem(arg, "no such file or directory")


class _Session:
    """One writer's worth of work: the Whoosh writer, the reader it started from, the counts."""

    def __init__(self, indexer: Indexer, ix, stats: IndexStats, *, fresh: bool) -> None:
        self.indexer = indexer
        self.ix = ix
        self.stats = stats
        self.fresh = fresh  # the index was empty when the run began: no file was indexed before
        self.committed = False  # whether this run has committed articles (which readers now see)
        self.articles_written = 0
        self.pending = 0
        self.ids: dict[str, str] = {}  # id -> path, for ids written since the last commit
        self.replaced: set[str] = set()  # paths whose old articles are deleted since the last commit
        # Hashes of the ids written from stdin in this run (8 bytes' worth an article): a record
        # reusing one is a duplicate within the stream, not an update of an earlier run's.
        self.stream_ids: set[int] = set()
        self._digests: _Digests | None = None  # path -> content hash, as indexed before the run
        self._open()

    def _open(self) -> None:
        self.searcher = self.ix.searcher()
        # compound=False: separate segment files are read in place; a compound file makes
        # Whoosh copy whole sub-files into memory on every open (~30 ms per search at 21k articles).
        from .segments import ParallelSegmentWriter

        self.writer = ParallelSegmentWriter(
            self.ix,
            helpers=self.indexer.jobs - 1,
            start_after=min(HELPERS_AFTER, max(1, self.indexer.commit_every // 2)),
            limitmb=256,
            compound=False,
        )

    def total(self) -> int:
        with self.ix.searcher() as searcher:
            return searcher.doc_count()

    # -- what the index already holds -----------------------------------------

    def known_digest(self, path: str) -> str | None:
        if self.fresh:
            return None
        if self._digests is None:
            self._digests = self._read_digests()
        return self._digests.get(path)

    def _read_digests(self) -> _Digests:
        """The content hash of every indexed file, read in one pass over the filesig terms.

        One pass instead of a term lookup per file: a lookup costs a binary search per
        segment (most of a no-change re-run's time)."""
        return _Digests(self._live_filesigs())

    def _live_filesigs(self, prefix: str = "") -> Iterator[tuple[str, str]]:
        """(path, content hash) of every indexed file whose path starts with `prefix`.

        Whoosh keeps a deleted article's terms until its segment is merged away, so a file
        removed or replaced still has its old filesig term there; those of a segment's
        deleted articles are left out. A file's articles in one segment are all live or all
        deleted: a run deletes a file's articles from committed segments and writes its new
        ones to a new segment."""
        for subsearcher, _ in self.searcher.leaf_searchers():
            reader = subsearcher.reader()
            gone: set[str] = set()
            if reader.has_deletions():
                gone = {reader.stored_fields(docnum).get("path") for docnum in reader._perdoc.deleted_docs()}
            terms = reader.expand_prefix("filesig", prefix) if prefix else reader.lexicon("filesig")
            for term in terms:
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                path, _, digest = text.partition("\0")
                if path not in gone:
                    yield path, digest

    def stored_for_path(self, path: str) -> list[dict]:
        from whoosh.query import Term

        if self.fresh:
            return []
        return [self.searcher.stored_fields(n) for n in self.searcher.docs_for_query(Term("path", path))]

    def vanished(self, roots: list[str], present: _Files) -> list[str]:
        """Indexed files under the given directories that are no longer there."""
        if self.fresh:
            return []
        gone: set[str] = set()
        for root in roots:
            for path, _ in self._live_filesigs(root.rstrip(os.sep) + os.sep):
                if path not in present:
                    gone.add(path)
        return sorted(gone)

    # -- changes -------------------------------------------------------------

    def remove_vanished(self, paths: list[str]) -> None:
        for path in paths:
            old = self.stored_for_path(path)
            self.writer.delete_by_term("path", path)
            self.replaced.add(path)
            self.stats.files_removed += 1
            self.stats.articles_removed += len(old)

    def index_file(self, path: str, display: str, *, follow: bool = False) -> None:
        """Index one file; `follow`: it may be reached through a symbolic link."""
        stats = self.stats
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            stats.files_failed += 1
            self.indexer._problem(stats, Problem(display, "file name is not valid UTF-8; rename the file to index it"))
            return
        try:
            data = _read(path, follow=follow)
        except InputError as exc:
            stats.files_failed += 1
            self.indexer._problem(stats, Problem(display, exc.reason))
            return
        digest = _digest(data)
        known = self.known_digest(path)
        if known == digest:
            stats.files_unchanged += 1
            return
        articles: list[Article] = []
        errors_before = stats.errors
        try:
            for item in parse_bytes(data, path):
                if isinstance(item, Article):
                    articles.append(item)
                else:
                    self.indexer._problem(stats, _shown(item, display))
        except (InputError, RecursionError) as exc:
            reason = exc.reason if isinstance(exc, InputError) else "structure nested too deeply to read"
            stats.files_failed += 1
            self.indexer._problem(stats, Problem(display, reason))
            return
        if not articles and stats.errors == errors_before:
            self.indexer._problem(stats, Problem(display, "no articles found in this file"))
        old_ids: set[str] = set()
        if known is not None:
            old_ids = {doc["id"] for doc in self.stored_for_path(path)}
            self.writer.delete_by_term("path", path)
            self.replaced.add(path)
            stats.files_changed += 1
        else:
            stats.files_new += 1
        sig = _filesig(path, digest)
        new_ids = set()
        for article in articles:
            article.path = path
            self._add(article, sig, display)
            new_ids.add(article.id)
        stats.articles_updated += len(new_ids & old_ids)
        stats.articles_added += len(new_ids - old_ids)
        stats.articles_removed += len(old_ids - new_ids)
        self._maybe_commit()

    def index_stream(self, stream: BinaryIO) -> None:
        """JSON Lines on stdin: no file to track, so an article replaces the one an earlier
        run read from stdin under its id. Within one stream an id is used once: a later
        record reusing it gets a suffix and a warning, as a second file's article would."""
        try:
            self._index_records(parse_jsonl_lines(_stream_lines(stream), STDIN_PATH))
        except InputError as exc:  # what was read before stays indexed
            self.indexer._problem(self.stats, Problem(exc.path, exc.reason))

    def _index_records(self, records: Iterable[Article | Problem]) -> None:
        for item in records:
            if not isinstance(item, Article):
                self.indexer._problem(self.stats, item)
                continue
            item.path = STDIN_PATH
            if hash(item.id) in self.stream_ids:
                item.id = self._suffixed(item, STDIN_PATH, "an earlier record of this stream")
            if self._existing_path(item.id) == STDIN_PATH:
                self.writer.delete_by_term("id", item.id)
                self.stats.articles_updated += 1
            else:
                self.stats.articles_added += 1
            self._add(item, None, STDIN_PATH)
            self.stream_ids.add(hash(item.id))
            self._maybe_commit()

    def _existing_path(self, article_id: str) -> str | None:
        if self.fresh and not self.committed:
            return None
        docnum = self.searcher.document_number(id=article_id)
        return None if docnum is None else self.searcher.stored_fields(docnum).get("path")

    def _add(self, article: Article, sig: str | None, display: str) -> None:
        article.id = self._unique_id(article, display)
        self.ids[article.id] = article.path
        self.writer.add_document(**document_fields(article, sig))
        self.articles_written += 1
        self.pending += 1

    def _owner(self, article_id: str) -> str | None:
        """The path of the other article that already has this id, if any."""
        owner = self.ids.get(article_id)
        if owner is None:
            owner = self._existing_path(article_id)
            if owner in self.replaced:
                owner = None  # its article is deleted in this run
        return owner

    def _unique_id(self, article: Article, display: str) -> str:
        """Keep the article's own id unless another file's article has it already."""
        owner = self._owner(article.id)
        if owner is None or owner == article.path == STDIN_PATH:
            return article.id
        return self._suffixed(article, display, owner)

    def _suffixed(self, article: Article, display: str, owner: str) -> str:
        """A free id for an article whose own id `owner` has, with a warning saying so.
        Derived from the path and position, so a re-run gives the article the same id again."""
        salt = f"{article.path}#{article.position}"
        candidate = f"{article.id}-{short_hash(salt)}"
        while self._owner(candidate) not in (None, article.path) or hash(candidate) in self.stream_ids:
            salt += "#"
            candidate = f"{article.id}-{short_hash(salt)}"
        # The position is a record's number in its file (a story's, an array item's, a line's).
        reason = f"id {article.id!r} is already used by {owner}; indexed as {candidate!r}"
        self.indexer._problem(self.stats, Problem(display, reason, warning=True, record=article.position or None))
        return candidate

    def _maybe_commit(self) -> None:
        if self.pending >= self.indexer.commit_every:
            self.commit()
            self._open()

    def commit(self) -> None:
        self.searcher.close()
        self.writer.commit()
        self.pending = 0
        self.committed = self.committed or self.articles_written > 0
        # What was written and deleted is now in the index, where the next reader finds
        # it: holding the ids written would make a long run's memory grow with the archive.
        self.ids.clear()
        self.replaced.clear()

    def cancel(self) -> None:
        """Undo what is not committed. Best effort: Ctrl-C can land between a commit and the
        next writer's opening, when the reader is already closed and the writer already
        committed; the interruption itself must still reach the caller."""
        for step in (self.searcher.close, self.writer.cancel):
            try:
                step()
            except Exception:  # already closed or committed: nothing to undo
                pass


class _Digests:
    """{path: content hash} of the files indexed before the run, in 24 bytes a file.

    A dict of path strings would make a re-run over a million files hold some 250 MB.
    Paths are kept as 64-bit hashes (two sharing one among a million is a chance in tens
    of millions, and would only make a file look changed and be indexed again), sorted,
    with their 16-byte content hashes alongside in the same order."""

    _SIZE = 16  # bytes of a content hash (_digest)

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        keys, raw = array("q"), bytearray()
        for path, digest in pairs:
            keys.append(hash(path))
            raw += _unhex(digest, self._SIZE)
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self._keys = array("q", (keys[i] for i in order))
        size = self._SIZE
        self._digests = b"".join(raw[i * size : (i + 1) * size] for i in order)

    def get(self, path: str) -> str | None:
        at = _position(self._keys, hash(path))
        return None if at is None else self._digests[at * self._SIZE : (at + 1) * self._SIZE].hex()


def _position(keys: array, key: int) -> int | None:
    """Where a path's hash sits in a sorted array of them; None when it is not there."""
    at = bisect_left(keys, key)
    return at if at < len(keys) and keys[at] == key else None


def _unhex(digest: str, size: int) -> bytes:
    """A content hash as bytes; anything else (never written by this version) as zeros,
    which match no file's hash, so that the file is indexed again."""
    try:
        raw = bytes.fromhex(digest)
    except ValueError:
        raw = b""
    return raw if len(raw) == size else bytes(size)


# A line of standard input is read up to this many bytes: enough UTF-8 for one record over
# the readers' limit (MAX_RECORD_CHARS characters, at most four bytes each), which they then
# refuse. The rest of a longer line is read and dropped a piece at a time, so one line of
# gigabytes costs this much memory, not its size.
_MAX_LINE_BYTES = 4 * MAX_RECORD_CHARS + 4


def _stream_lines(stream: BinaryIO) -> Iterator[str]:
    """The stream's lines, decoded (a bad byte becomes U+FFFD); an over-long line is cut
    at _MAX_LINE_BYTES, still over the readers' limit, so they report it."""
    while True:
        line = _read_line(stream)
        if not line:
            return
        if len(line) == _MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := _read_line(stream)) and not rest.endswith(b"\n"):
                pass
        yield line.decode("utf-8", errors="replace")


def _read_line(stream: BinaryIO) -> bytes:
    """A line of standard input; one that cannot be read is the input's fault, not the index's."""
    try:
        return stream.readline(_MAX_LINE_BYTES)
    except (OSError, ValueError) as exc:  # ValueError: the stream is closed
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "it is closed"
        raise InputError(STDIN_PATH, f"cannot read standard input ({reason})") from None


def _shown(problem: Problem, display: str) -> Problem:
    problem.path = display
    return problem


_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


_BECAME_LINK = "became a symbolic link during the run; not followed (see --follow-symlinks)"


def _not_regular(mode: int) -> str:
    """Why a file of this mode is not read: what it is instead."""
    what = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    hint = "; to index JSON Lines from a pipe use: archive-search index -" if stat.S_ISFIFO(mode) else ""
    return f"is {what}, not a regular file; skipped{hint}"


def _read(path: str, *, follow: bool = False) -> bytes:
    """The file's bytes, or InputError with a reason a person can act on. Only a regular file
    is read: it is checked before opening (opening a pipe waits for a writer, opening a
    device can act on it) and again on the open descriptor, which never blocks and, unless
    `follow`, refuses a link put in the file's place since the walk."""
    try:
        mode = (os.stat if follow else os.lstat)(path).st_mode
        if stat.S_ISLNK(mode):
            raise InputError(path, _BECAME_LINK)
        if not stat.S_ISREG(mode):
            raise InputError(path, _not_regular(mode))
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
        if not follow:
            flags |= getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags)
        with open(fd, "rb", closefd=True) as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise InputError(path, _not_regular(info.st_mode))
            if info.st_size > MAX_FILE_BYTES:
                raise InputError(path, _too_big(info.st_size))
            data = handle.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:  # it grew while being read
                raise InputError(path, _too_big(len(data)))
            return data
    except IsADirectoryError:
        raise InputError(path, "is a directory") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except FileNotFoundError:
        raise InputError(path, "file disappeared before it could be read") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise InputError(path, _BECAME_LINK) from None
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None


def _too_big(size: int) -> str:
    return f"file is {size / 2**20:.0f} MiB, over the {MAX_FILE_BYTES // 2**20} MiB limit for one file"
