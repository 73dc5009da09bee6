"""Exit statuses, grep-style, and which exception ends a command with which."""

from __future__ import annotations

import enum

from .errors import ArchiveSearchError, ArticleNotFoundError, IndexLockedError


class ExitStatus(enum.IntEnum):
    """The statuses every command exits with (README, "Exit statuses")."""

    OK = 0  # something matched / the run succeeded
    NO_MATCH = 1  # the search ran and nothing matched (or: unknown id)
    ERROR = 2  # bad usage, bad input, missing or unreadable index
    LOCKED = 75  # EX_TEMPFAIL, as notmuch and sendmail use it: another indexer holds the lock
    INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it


# The first entry the exception is an instance of decides; every other library error is ERROR.
_BY_ERROR: tuple[tuple[type[ArchiveSearchError], ExitStatus], ...] = (
    (IndexLockedError, ExitStatus.LOCKED),
    (ArticleNotFoundError, ExitStatus.NO_MATCH),
)


def status_for(exc: ArchiveSearchError) -> ExitStatus:
    """The exit status a library error ends a command with."""
    return next((status for kind, status in _BY_ERROR if isinstance(exc, kind)), ExitStatus.ERROR)
