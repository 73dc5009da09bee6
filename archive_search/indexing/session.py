"""One writer's worth of an indexing run: the Whoosh writer, the reader it started from,
the changes it makes for each file and record, and the counts.

Problems met are handed to `report` (problems.py decides which are shown).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from ..copies.config import DEFAULT as COPIES
from ..errors import InputError
from ..model import Article
from ..model_runs import IndexStats
from ..readers import Problem, parse_bytes, parse_jsonl_lines
from ..readers.common import short_hash
from ..readers.webarchive import is_web_archive
from ..schema import document_fields, url_key
from ..whoosh_ext.codec import deleted_docs
from .captures import ArchiveArticles
from .files import STDIN_PATH, Digests, Files, digest, open_regular, read_all, stream_digest, stream_lines
from .progress import Reporter
from .signatures import band_terms

# The first bytes of a file that tell a web archive from other files.
_SNIFF_BYTES = 4096
# Helpers start after this many articles in one commit: a small update is not worth a process.
HELPERS_AFTER = 1_000


def _filesig(path: str, content_hash: str) -> str:
    """The index's record of a file's content: "path\\0hash"."""
    return f"{path}\0{content_hash}"


class Session:
    """One writer's worth of work: the Whoosh writer, the reader it started from, the counts."""

    def __init__(
        self,
        ix,
        stats: IndexStats,
        report: Callable[[Problem], None],
        *,
        fresh: bool,
        commit_every: int,
        jobs: int,
        progress: Reporter | None = None,
    ) -> None:
        self.ix = ix
        self.progress = progress or Reporter(None)
        self.report = report
        self.commit_every = commit_every
        self.jobs = jobs
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
        # Hashes of the capture keys ("URL digest") of the web-archive articles written in this run.
        self.run_captures: set[int] = set()
        # The ids written in this run, for the copies' update (clustering.py); None on a first
        # build, or once there are too many to look up one by one.
        self.touched: set[str] | None = None if fresh else set()
        self._digests: Digests | None = None  # path -> content hash, as indexed before the run
        self.doomed: set[str] = set()  # indexed files to remove at the end of the run (remove_later)
        self._present: Files | None = None  # the files this run's walk found
        self._absent: dict[str, list[str]] | None = None  # content hash -> indexed paths gone from disk
        self._open()

    def _open(self) -> None:
        self.searcher = self.ix.searcher()
        # compound=False: separate segment files are read in place; a compound file makes
        # Whoosh copy whole sub-files into memory on every open (~30 ms per search at 21k articles).
        from ..whoosh_ext.parallel import ParallelSegmentWriter

        self.writer = ParallelSegmentWriter(
            self.ix,
            helpers=self.jobs - 1,
            start_after=min(HELPERS_AFTER, max(1, self.commit_every // 2)),
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

    def _read_digests(self) -> Digests:
        """The content hash of every indexed file, read in one pass over the filesig terms.

        One pass instead of a term lookup per file: a lookup costs a binary search per
        segment (most of a no-change re-run's time)."""
        return Digests(self._live_filesigs())

    def _live_filesigs(self, prefix: str = "") -> Iterator[tuple[str, str]]:
        """(path, content hash) of every indexed file whose path starts with `prefix`.

        Whoosh keeps a deleted article's terms until its segment is merged away, so a file
        removed or replaced still has its old filesig term there; those of a segment's
        deleted articles are left out. A file's articles in one segment are all live or all
        deleted: a run deletes a file's articles from committed segments and writes its new
        ones to a new segment."""
        for subsearcher, _ in self.searcher.leaf_searchers():
            reader = subsearcher.reader()
            gone = {reader.stored_fields(docnum).get("path") for docnum in deleted_docs(reader)}
            terms = reader.expand_prefix("filesig", prefix) if prefix else reader.lexicon("filesig")
            for term in terms:
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                path, _, digest = text.partition("\0")
                # A deleted article read from stdin may have been stored with a file's path
                # (its provenance): that file's filesig is gone only if none of its articles is live.
                if path not in gone or reader.postings("filesig", term).is_active():
                    yield path, digest

    def indexed_under(self, folder: str) -> set[str]:
        """The indexed files under a directory."""
        return {path for path, _ in self._live_filesigs(folder.rstrip(os.sep) + os.sep)}

    def stored_for_path(self, path: str) -> list[dict]:
        from whoosh.query import Term

        if self.fresh:
            return []
        return [self.searcher.stored_fields(n) for n in self.searcher.docs_for_query(Term("path", path))]

    def vanished(self, roots: list[str], present: Files) -> list[str]:
        """Indexed files under the given directories that are no longer there."""
        if self.fresh:
            return []
        gone: set[str] = set()
        for root in roots:
            for path, _ in self._live_filesigs(root.rstrip(os.sep) + os.sep):
                if path not in present:
                    gone.add(path)
        return sorted(gone)

    def absent(self) -> dict[str, list[str]]:
        """{content hash: paths} of the indexed files gone from disk: not found by this run's
        walk and not there anywhere. Read once, in one pass over the filesig terms, asking
        the disk only about files the walk did not find."""
        if self._absent is None:
            self._absent = {}
            present = self._present
            for path, content_hash in [] if self.fresh else self._live_filesigs():
                if (present is None or path not in present) and not os.path.lexists(path):
                    self._absent.setdefault(content_hash, []).append(path)
        return self._absent

    # -- moved files -----------------------------------------------------------

    def remove_later(self, vanished: list[str], present: Files, *, prune: bool = False) -> None:
        """Note the files whose articles go at the end of the run (removed_later): those
        vanished from the directories walked, and with `prune` every indexed file gone from
        disk. Until then their articles stay, so that a file met on the way with the same
        content is taken for one of them moved; one whose id another article takes goes then."""
        self._present = present
        self.doomed.update(vanished)
        if prune:
            self.doomed.update(path for paths in self.absent().values() for path in paths)

    def removed_later(self) -> list[str]:
        """The files noted by remove_later that are still to be removed."""
        return sorted(self.doomed)

    def _moved_from(self, content_hash: str) -> str | None:
        """The indexed file gone from disk that a new file with this content is, if any."""
        if self.fresh:
            return None
        paths = self.absent().get(content_hash)
        return paths.pop() if paths else None

    def _move(self, source: str) -> dict[int, str]:
        """Delete the articles of a moved file's old path; return their ids by position,
        for the same articles at the new path to keep."""
        ids = {doc.get("position", 0): doc["id"] for doc in self.stored_for_path(source)}
        self.writer.delete_by_term("path", source)
        self.replaced.add(source)
        self.doomed.discard(source)
        return ids

    # -- changes -------------------------------------------------------------

    def remove_vanished(self, paths: list[str]) -> None:
        for path in paths:
            self.doomed.discard(path)
            old = self.stored_for_path(path)
            self.writer.delete_by_term("path", path)
            self.replaced.add(path)
            self.stats.files_removed += 1
            self.stats.articles_removed += len(old)

    def index_file(self, path: str, display: str, *, follow: bool = False) -> None:
        """Index one file; `follow`: it may be reached through a symbolic link."""
        stats = self.stats
        self.progress.file_begins(display)
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            stats.files_failed += 1
            self.report(Problem(display, "file name is not valid UTF-8; rename the file to index it"))
            return
        try:
            with open_regular(path, follow=follow) as handle:
                if is_web_archive(handle.read(_SNIFF_BYTES)):
                    self._index_archive(handle, path, display, follow)
                    return
                handle.seek(0)
                data = read_all(handle, path)
        except InputError as exc:
            stats.files_failed += 1
            self.report(Problem(display, exc.reason))
            return
        content_hash = digest(data)
        known = self.known_digest(path)
        if known == content_hash:
            stats.files_unchanged += 1
            return
        articles: list[Article] = []
        errors_before = stats.errors
        progress, chars = self.progress, 0
        progress.sized(len(data))
        try:
            for item in parse_bytes(data, path):
                if isinstance(item, Article):
                    articles.append(item)
                    chars += len(item.title) + len(item.body)
                    progress.reading(chars)
                else:
                    self.report(_shown(item, display))
        except (InputError, RecursionError) as exc:
            reason = exc.reason if isinstance(exc, InputError) else "structure nested too deeply to read"
            stats.files_failed += 1
            self.report(Problem(display, reason))
            return
        if not articles and stats.errors == errors_before:
            self.report(Problem(display, "no articles found in this file"))
        moved_ids, old_ids, source = self._replacing(path, content_hash, known)
        sig = _filesig(path, content_hash)
        new_ids = set()
        for done, article in enumerate(articles, start=1):
            article.path = path
            article.id = moved_ids.get(article.position, article.id)
            self._add(article, sig, display)
            new_ids.add(article.id)
            progress.indexing(done, len(articles), self.articles_written)
        self._count_articles(new_ids, old_ids, moved=source is not None)
        self._maybe_commit()

    def _replacing(
        self, path: str, content_hash: str, known: str | None
    ) -> tuple[dict[int, str], set[str], str | None]:
        """Before a changed, moved or new file's articles are written: the ids its articles
        keep by position if it was moved, the ids it had, and the path it was moved from."""
        old_ids: set[str] = set()
        moved_ids: dict[int, str] = {}
        source = self._moved_from(content_hash) if known is None else None
        if known is not None:
            old_ids = {doc["id"] for doc in self.stored_for_path(path)}
            self.writer.delete_by_term("path", path)
            self.replaced.add(path)
            self.stats.files_changed += 1
        elif source is not None:
            moved_ids = self._move(source)
            old_ids = set(moved_ids.values())
            self.stats.files_moved += 1
        else:
            self.stats.files_new += 1
        return moved_ids, old_ids, source

    def _count_articles(self, new_ids: set[str], old_ids: set[str], *, moved: bool) -> None:
        self.stats.articles_updated += 0 if moved else len(new_ids & old_ids)
        self.stats.articles_added += len(new_ids - old_ids)
        self.stats.articles_removed += len(old_ids - new_ids)

    def _index_archive(self, handle: BinaryIO, path: str, display: str, follow: bool) -> None:
        """A web archive (WARC/ARC): read as a stream, twice (indexing/captures.py), its
        articles written as they come, and all of them in one commit like any file's."""
        stats = self.stats
        size = os.fstat(handle.fileno()).st_size
        content_hash = stream_digest(handle, path)
        known = self.known_digest(path)
        if known == content_hash:
            stats.files_unchanged += 1
            return
        self.progress.sized(size)
        reader = ArchiveArticles(
            lambda: open_regular(path, follow=follow), path, display, stats, lambda key: self._captured(key, path)
        )
        for problem in reader.plan():
            self.report(_shown(problem, display))
        moved_ids, old_ids, source = self._replacing(path, content_hash, known)
        sig = _filesig(path, content_hash)
        new_ids: set[str] = set()
        for item in reader.articles():
            if isinstance(item, Problem):
                self.report(_shown(item, display))
                continue
            item.id = moved_ids.get(item.position, item.id)
            self._add(item, sig, display)
            self.run_captures.add(hash(f"{url_key(item.url)} {item.digest}"))
            new_ids.add(item.id)
            self.progress.indexing(len(new_ids), max(len(new_ids), 1), self.articles_written)
        self._count_articles(new_ids, old_ids, moved=source is not None)
        self._maybe_commit()

    def _captured(self, key: str, path: str) -> bool:
        """Whether the content with this capture key is an article of another file already:
        written earlier in this run, or indexed from a file that stays."""
        if hash(key) in self.run_captures:
            return True
        if self.fresh and not self.committed:
            return False
        docnum = self.searcher.document_number(capture=key)
        if docnum is None:
            return False
        owner = self.searcher.stored_fields(docnum).get("path")
        return owner not in (path, None) and owner not in self.doomed and owner not in self.replaced

    def index_stream(self, stream: BinaryIO) -> None:
        """JSON Lines on stdin: no file to track, so an article replaces the one an earlier
        run read from stdin under its id. Within one stream an id is used once: a later
        record reusing it gets a suffix and a warning, as a second file's article would.

        A record's own `path` and `position` (what `export` writes) are kept as the article's:
        where it was first read from. The index still files it under STDIN_PATH, with no
        filesig: nothing done to a file of that path (re-reading it, removing it) touches it."""
        self.stats.streams_read += 1
        self.progress.file_begins(STDIN_PATH, stream=True)
        try:
            self._index_records(parse_jsonl_lines(stream_lines(stream), STDIN_PATH, keep_place=True))
        except InputError as exc:  # what was read before stays indexed
            self.report(Problem(exc.path, exc.reason))

    def _index_records(self, records: Iterable[Article | Problem]) -> None:
        for item in records:
            if not isinstance(item, Article):
                self.report(item)
                continue
            if hash(item.id) in self.stream_ids:
                item.id = self._suffixed(item, STDIN_PATH, "an earlier record of this stream", STDIN_PATH)
            # The id it is indexed under, suffixed if a file's article has its own: what an
            # earlier run from stdin indexed under that id is what this record replaces.
            item.id = self._unique_id(item, STDIN_PATH, STDIN_PATH)
            if self._existing_path(item.id) == STDIN_PATH:
                self.writer.delete_by_term("id", item.id)
                self.stats.articles_updated += 1
            else:
                self.stats.articles_added += 1
            self._add(item, None, STDIN_PATH, STDIN_PATH)
            self.stream_ids.add(hash(item.id))
            self.progress.indexing(0, 1, self.articles_written)
            self._maybe_commit()

    def _existing_path(self, article_id: str) -> str | None:
        """The path the index files the article with this id under: its file's, or STDIN_PATH
        for one read from stdin (stored with the path it names, if any)."""
        if self.fresh and not self.committed:
            return None
        docnum = self.searcher.document_number(id=article_id)
        if docnum is None:
            return None
        if self.searcher.document_number(id=article_id, path=STDIN_PATH) is not None:
            return STDIN_PATH
        return self.searcher.stored_fields(docnum).get("path")

    def _add(self, article: Article, sig: str | None, display: str, where: str | None = None) -> None:
        """Write the article, indexed under the path `where` (by default its own)."""
        where = article.path if where is None else where
        article.id = self._unique_id(article, display, where)
        self.ids[article.id] = where
        fields = self.document(article, sig)
        if self.touched is not None:
            self.touched.add(article.id)
            if len(self.touched) > COPIES.incremental_max:
                self.touched = None
        if where != article.path:  # the path term says where it was indexed from; the stored one, its own
            fields["path"], fields["_stored_path"] = where, article.path
        self.writer.add_document(**fields)
        self.articles_written += 1
        self.pending += 1

    @staticmethod
    def document(article: Article, sig: str | None) -> dict:
        """The Whoosh document of an article, with its signature's bands (signatures.py)."""
        fields = document_fields(article, sig)
        fields["lsh"] = band_terms(article.body, COPIES)
        return fields

    def _owner(self, article_id: str) -> str | None:
        """The path of the other article that already has this id, if any."""
        owner = self.ids.get(article_id)
        if owner is None:
            owner = self._existing_path(article_id)
            if owner in self.doomed:
                # Its file is gone: its articles go now, in the commit that gives their ids to
                # others, so that no commit holds an id twice.
                self.remove_vanished([owner])
            if owner in self.replaced:
                owner = None  # its article is deleted in this run
        return owner

    def _unique_id(self, article: Article, display: str, where: str) -> str:
        """Keep the article's own id unless another file's article has it already (`where`:
        the path it is indexed under)."""
        owner = self._owner(article.id)
        if owner is None or owner == where == STDIN_PATH:
            return article.id
        return self._suffixed(article, display, owner, where)

    def _suffixed(self, article: Article, display: str, owner: str, where: str) -> str:
        """A free id for an article whose own id `owner` has, with a warning saying so.
        Derived from the path and position, so a re-run gives the article the same id again."""
        salt = f"{article.path}#{article.position}"
        candidate = f"{article.id}-{short_hash(salt)}"
        while self._owner(candidate) not in (None, where) or hash(candidate) in self.stream_ids:
            salt += "#"
            candidate = f"{article.id}-{short_hash(salt)}"
        # The position is a record's number in its file (a story's, an array item's, a line's).
        reason = f"id {article.id!r} is already used by {owner}; indexed as {candidate!r}"
        self.report(Problem(display, reason, warning=True, record=article.position or None))
        return candidate

    def _maybe_commit(self) -> None:
        if self.pending >= self.commit_every:
            self.progress.begin("commit")
            self.commit()
            self._open()
            self.progress.begin("indexing")

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


def _shown(problem: Problem, display: str) -> Problem:
    problem.path = display
    return problem
