"""An indexing run's progress, as model.Progress reports to its callback: while files are
found, within a big file (or standard input) as its records are read and indexed, after
each file, and as each later phase (commit, fit) begins.

After each file and at each new phase the callback is always called (a caller may act on
a given file); the other reports are throttled (see INTERVAL): discovery and a big file's
records check the clock once each and report a few times a second, however fast they go.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..model_runs import Progress

# Seconds between two reports of the same phase: as often as a person can read them.
INTERVAL = 0.1
# Files at least this big are reported within, as their records are read and indexed:
# smaller ones take a moment, and are reported when done.
WITHIN_BYTES = 2**20
# The share of a file's bytes counted while its records are read; the rest while they are
# indexed (reading a file's records takes about a third of the time indexing them does).
READ_SHARE = 0.25


class Reporter:
    """Counts a run's files and bytes, and hands Progress to the callback now and then."""

    def __init__(self, callback: Callable[[Progress], None] | None) -> None:
        self.callback = callback
        self.phase = "discover"
        self.files_done = self.files_total = 0
        self.bytes_done = self.bytes_total = 0
        self.articles = 0
        self.current = ""
        self._file_start = 0  # bytes_done when the current file began
        self._file_size = 0
        self._within = False  # whether the current file is reported within
        self._last = float("-inf")

    def found(self, files: int, size: int) -> None:
        """Discovery has found this many files, of this many bytes in all, so far."""
        self.files_total, self.bytes_total = files, size
        self._report()

    def begin(self, phase: str, files_total: int | None = None) -> None:
        """A new phase of the run ("indexing", "commit", "fit"), reported at once."""
        self.phase = phase
        if files_total is not None:
            self.files_total = files_total
        if phase != "indexing":
            self.bytes_done = max(self.bytes_done, self.bytes_total)
        self._report(force=True)

    def file_begins(self, display: str, *, stream: bool = False) -> None:
        """A file begins (`stream`: standard input, of no known size)."""
        self.current, self._file_start = display, self.bytes_done
        self.sized(0, stream=stream)

    def sized(self, size: int, *, stream: bool = False) -> None:
        """The current file, read, has this many bytes."""
        self._file_size = size
        self._within = self.callback is not None and (stream or size >= WITHIN_BYTES)

    def reading(self, chars: int) -> None:
        """The current file's records read so far hold this many characters (about as many bytes)."""
        if self._within and self._due():
            self._report_within(READ_SHARE * min(chars, self._file_size))

    def indexing(self, done: int, total: int, articles: int) -> None:
        """`done` of the current file's `total` articles are indexed; `articles` in the run."""
        if self._within and self._due():
            self.articles = articles
            self._report_within(self._file_size * (READ_SHARE + (1 - READ_SHARE) * done / max(total, 1)))

    def files_finished(self, files: int, articles: int) -> None:
        """A shard's files are done (a sharded build): so many more files, articles in all."""
        self.files_done += files
        self.articles = articles
        self._report(force=True)

    def file_done(self, articles: int) -> None:
        """The current file is done: its bytes all counted."""
        self.files_done += 1
        self.articles = articles
        self._advance(self._file_start + self._file_size)
        self._report(force=True)

    def _report_within(self, share: float) -> None:
        self._advance(self._file_start + int(share))
        self._report(force=True)

    def _advance(self, to: int) -> None:
        """Bytes done only grow, and stay within the total (a file may have grown since it was found)."""
        self.bytes_done = max(self.bytes_done, min(to, self.bytes_total))

    def _due(self) -> bool:
        return time.monotonic() - self._last >= INTERVAL

    def _report(self, force: bool = False) -> None:
        if self.callback is None or not (force or self._due()):
            return
        self._last = time.monotonic()
        self.callback(
            Progress(
                self.files_done,
                self.files_total,
                self.articles,
                self.current,
                phase=self.phase,
                bytes_done=self.bytes_done,
                bytes_total=self.bytes_total,
            )
        )
