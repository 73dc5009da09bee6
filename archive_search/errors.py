"""Exceptions raised by the library; the CLI maps them to messages and exit codes."""

from __future__ import annotations

import errno


class ArchiveSearchError(Exception):
    """Base class: the message is meant for the user, one line, saying what to do next.
    Which exit status each ends a command with is status.py's table."""


class InputError(ArchiveSearchError):
    """A file (or one record in it) could not be read as an article."""

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {reason}")


class IndexNotFoundError(ArchiveSearchError):
    """No index exists at the chosen location."""

    def __init__(self, index_dir: str) -> None:
        self.index_dir = index_dir
        super().__init__(
            f"no index at {index_dir}; create one with: archive-search index PATH "
            f"(or point --index / $ARCHIVE_SEARCH_INDEX at an existing one)"
        )


class IndexCorruptError(ArchiveSearchError):
    """The index exists but cannot be read."""

    def __init__(self, index_dir: str, reason: str) -> None:
        self.index_dir = index_dir
        super().__init__(
            f"the index at {index_dir} cannot be read ({reason}); rebuild it with: archive-search index --rebuild PATH"
        )


class IndexLockedError(ArchiveSearchError):
    """Another indexer holds the write lock."""

    def __init__(self, index_dir: str, holder: str) -> None:
        self.index_dir = index_dir
        self.holder = holder
        super().__init__(
            f"another indexer is writing to {index_dir} ({holder}); wait for it to finish, or re-run with --wait"
        )


class IndexBeingBuiltError(IndexLockedError):
    """A search came while the first indexing run into the directory is still going."""

    def __init__(self, index_dir: str, holder: str) -> None:
        self.index_dir = index_dir
        self.holder = holder
        ArchiveSearchError.__init__(
            self, f"the index at {index_dir} is being built by {holder}; try again when it finishes"
        )


class UsageError(ArchiveSearchError):
    """Options or arguments that cannot go together, or a list of paths that cannot be read."""


class IndexWriteError(ArchiveSearchError):
    """The index directory could not be written (disk full, quota, permissions, read-only)."""

    def __init__(self, index_dir: str, exc: OSError) -> None:
        self.index_dir = index_dir
        reason = exc.strerror or str(exc)
        full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
        hint = "free some space" if full else "check that the directory is writable"
        super().__init__(
            f"cannot write the index at {index_dir} ({reason}); {hint} (or choose another --index) and run "
            "the same command again; the index is as it was at its last commit"
        )


class QueryError(ArchiveSearchError):
    """A filter or option value that cannot be understood."""


class ArticleNotFoundError(ArchiveSearchError):
    """No article has this id."""

    def __init__(self, article_id: str) -> None:
        self.article_id = article_id
        super().__init__(
            f"no article with id {article_id!r}; ids are printed by: archive-search search QUERY --format ids"
        )


class OutputError(ArchiveSearchError):
    """Standard output could not be written (a full disk, a file over quota, a device error)."""

    def __init__(self, exc: OSError) -> None:
        reason = exc.strerror or str(exc)
        full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
        hint = "free some space or send the output elsewhere" if full else "send the output elsewhere"
        super().__init__(f"cannot write the results to standard output ({reason}); {hint} and run the command again")


class NotAnIndexError(ArchiveSearchError):
    """The chosen index location is something else: a file, or a directory of other files."""

    def __init__(self, index_dir: str, reason: str) -> None:
        self.index_dir = index_dir
        super().__init__(
            f"not an archive-search index: {index_dir} {reason}; choose an empty or new directory with --index "
            "(nothing was written there)"
        )


class HelperError(OSError):
    """A helper process failed (whoosh_ext/parallel.py); carries its errno when the cause was an
    OSError (disk full), else errno 0."""


class HelperFailedError(ArchiveSearchError):
    """A helper process writing the index ended without saying why (killed, out of memory)."""

    def __init__(self, index_dir: str) -> None:
        self.index_dir = index_dir
        super().__init__(
            f"a helper process writing the index at {index_dir} ended unexpectedly (killed, or out of memory?); "
            "the index is as it was at its last commit: run the same command again, or with --jobs 1"
        )


class UnsupportedWhooshError(ArchiveSearchError):
    """The installed Whoosh is not a version whose internals whoosh_ext/ was written for."""

    def __init__(self, found: str, supported: tuple[str, ...]) -> None:
        self.found = found
        super().__init__(
            f"Whoosh {found} is installed, but archive-search works only with Whoosh {', '.join(supported)}; "
            f"install a supported one with: pip install 'Whoosh=={supported[-1]}'"
        )


class FormatError(ArchiveSearchError):
    """An output format (or --null) that the command does not write."""


class OutputFileError(ArchiveSearchError):
    """A file named for the output (--output) could not be written."""

    def __init__(self, path: str, exc: OSError) -> None:
        reason = exc.strerror or str(exc)
        full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
        hint = "free some space or choose another file" if full else "choose another file"
        super().__init__(f"cannot write {path} ({reason}); nothing was written there; {hint} and run the command again")
