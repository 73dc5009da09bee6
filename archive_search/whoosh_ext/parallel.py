"""Whoosh's segment writer spread over helper processes: each writes a segment of its own.

Whoosh's writer is pure Python, so one process uses one core. ParallelSegmentWriter hands
batches of documents to helper processes, each writing a segment of its own into the same
index generation; the commit adds their segments to the table of contents next to the
parent's, in the one atomic TOC write. Batches go to a helper only when it is nearly idle,
otherwise the parent indexes them itself, so the work balances itself whatever the machine.
A helper is an ordinary child process reading its stdin: when the parent dies, however it
dies, the helper reads end-of-file and exits, and it holds no lock. Whoosh's own
multiprocessing writer is not used: its children outlive a killed parent, blocked on a
queue, and it was slower here.
"""

from __future__ import annotations

import contextlib
import os
import sys

from ..errors import HelperError
from .segments import FastSegmentWriter

BATCH_BYTES = 256 * 1024  # at most this much text a batch: fits in the enlarged pipe, so sending never waits
BATCH_DOCS = 64  # and at most this many documents, so that the work is shared at a fine grain
_F_SETPIPE_SZ = 1031  # Linux fcntl: pipe capacity


def _helper_gone() -> HelperError:
    return HelperError(0, "a helper process ended unexpectedly; run again with --jobs 1")


class ParallelSegmentWriter(FastSegmentWriter):
    """FastSegmentWriter that shares the documents with up to `helpers` helper processes.

    Helpers start once `start_after` documents have been added, so small runs stay in one
    process. Deletions stay with the parent (they only touch committed segments)."""

    def __init__(self, ix, *, helpers: int, start_after: int, limitmb: int = 128, **kwargs) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self._max_helpers = helpers
        self._start_after = start_after
        self._limitmb = limitmb
        self._helpers: list[_Helper] = []
        self._batch: list[dict] = []
        self._batch_bytes = 0
        self._seen = 0

    def add_document(self, **fields) -> None:
        self._seen += 1
        if not self._max_helpers or self._seen <= self._start_after:
            super().add_document(**fields)
            return
        self._batch.append(fields)
        self._batch_bytes += sum(len(v) for v in fields.values() if isinstance(v, str))
        if self._batch_bytes >= BATCH_BYTES or len(self._batch) >= BATCH_DOCS:
            self._dispatch()

    def _dispatch(self) -> None:
        batch, self._batch, self._batch_bytes = self._batch, [], 0
        if not batch:
            return
        helper = self._idle_helper()
        if helper is not None:
            helper.send(batch)
            return
        for fields in batch:
            super().add_document(**fields)

    def _idle_helper(self) -> _Helper | None:
        for helper in self._helpers:
            helper.read_acks()
        idle = [h for h in self._helpers if h.backlog < 2]
        if idle:
            return min(idle, key=lambda h: h.backlog)
        if len(self._helpers) < self._max_helpers:
            self._helpers.append(_Helper(self.storage.folder, self.indexname, self._limitmb))
            return self._helpers[-1]
        return None

    def commit(self, mergetype=None, optimize=None, merge=None) -> None:
        self._dispatch()
        if not self._helpers:
            super().commit(mergetype=mergetype, optimize=optimize, merge=merge)
            return
        # As SegmentWriter.commit (Whoosh 2.7.4), plus the helpers' segments. The helpers
        # flush their segments while the parent flushes its own.
        try:
            for helper in self._helpers:
                helper.finish()
            self._check_state()
            segments = self._merge_segments(mergetype, optimize, merge)
            if self._added:
                segments.append(self._finalize_segment())
            else:
                self._close_segment()
            segments += [s for s in (helper.segment() for helper in self._helpers) if s is not None]
        except BaseException:
            self._stop_helpers()
            raise
        self._helpers = []
        self._commit_toc(segments)
        self._finish()

    def cancel(self) -> None:
        self._stop_helpers()
        super().cancel()

    def _stop_helpers(self) -> None:
        helpers, self._helpers = self._helpers, []
        for helper in helpers:
            helper.stop()


class _Helper:
    """One helper process, as seen from the parent."""

    def __init__(self, folder: str, indexname: str, limitmb: int) -> None:
        import subprocess

        self.backlog = 0
        self.proc = subprocess.Popen(
            helper_command(folder, indexname, limitmb),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if os.environ.get("ARCHIVE_SEARCH_DEBUG") else subprocess.DEVNULL,
            bufsize=0,
        )
        self._to = self.proc.stdin.fileno()
        self._from = self.proc.stdout.fileno()
        _enlarge_pipe(self._to)

    def send(self, batch: list[dict]) -> None:
        _send(self._to, ("docs", batch))
        self.backlog += 1

    def read_acks(self) -> None:
        import select

        while select.select([self._from], [], [], 0)[0]:
            self._receive()

    def finish(self) -> None:
        _send(self._to, ("finish",))

    def segment(self):
        """Wait for the helper's segment (None if it wrote no documents)."""
        while True:
            message = self._receive()
            if message[0] == "segment":
                self.proc.stdin.close()
                self.proc.wait()
                return message[1]

    def _receive(self) -> tuple:
        """The helper's next message; a helper that died says so as HelperError."""
        try:
            message = _recv(self._from)
        except EOFError:
            raise _helper_gone() from None
        if message[0] == "ack":
            self.backlog -= 1
        elif message[0] == "error":
            raise HelperError(message[1], message[2])
        return message

    def stop(self) -> None:
        """End the helper, discarding its work (it removes its own files)."""
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()


# The helper's interpreter runs in isolated mode (-I): the current directory, the script's
# directory, PYTHON* variables and the user's site directory never reach its module path,
# so an archive being indexed (an unpacked folder holding "archive_search/" or "whoosh/")
# cannot run code in it. It gets the parent's own module path instead, explicitly.
HELPER_NAME = "archive_search.whoosh_ext.parallel"  # the helper's first argument: how ps and the tests know it


def helper_command(folder: str, indexname: str, limitmb: int) -> list[str]:
    """The helper's command line: this interpreter, isolated, with the parent's modules."""
    from ..helpers import helper_command as command

    return command(HELPER_NAME, "_helper_main", folder, indexname, str(limitmb))


def _enlarge_pipe(fd: int) -> None:
    try:
        import fcntl

        fcntl.fcntl(fd, _F_SETPIPE_SZ, 2 * BATCH_BYTES + 65536)
    except (ImportError, OSError):  # not Linux, or over the system's limit: sends may wait
        pass


def _send(fd: int, message: tuple) -> None:
    import pickle

    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    view = memoryview(len(data).to_bytes(8, "little") + data)
    while view:
        try:
            written = os.write(fd, view)
        except BrokenPipeError:
            raise _helper_gone() from None
        view = view[written:]


def _recv(fd: int) -> tuple:
    import pickle

    size = int.from_bytes(_read_exactly(fd, 8), "little")
    return pickle.loads(_read_exactly(fd, size))


def _read_exactly(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _helper_main(folder: str, indexname: str, limitmb: str) -> int:
    """The helper: documents in on stdin, one segment out on stdout."""
    import signal

    from . import install

    install()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    from whoosh.index import open_dir

    writer = FastSegmentWriter(open_dir(folder, indexname=indexname), _lk=False, limitmb=int(limitmb), compound=False)
    try:
        while True:
            message = _recv(stdin)
            if message[0] == "finish":
                break
            for fields in message[1]:
                writer.add_document(**fields)
            _send(stdout, ("ack",))
        segment = writer._finalize_segment() if writer._added else None
        if segment is None:
            writer._close_segment()
        writer.pool.cleanup()
        _send(stdout, ("segment", segment))
        return 0
    except (EOFError, HelperError):  # the parent is gone or gave up: leave nothing behind
        _discard(writer)
        return 1
    except OSError as exc:
        _discard(writer)
        with contextlib.suppress(OSError, HelperError):
            _send(stdout, ("error", exc.errno or 0, exc.strerror or str(exc)))
        return 1


def _discard(writer) -> None:
    """Close the helper's writer and delete its pool and segment files."""
    with contextlib.suppress(Exception):
        writer._close_segment()
    with contextlib.suppress(Exception):
        writer.pool.cleanup()
    segment_id = writer.newsegment.segment_id()
    for name in list(writer.storage):
        if name.startswith(segment_id):
            with contextlib.suppress(OSError):
                writer.storage.delete_file(name)
