"""Write a bench's table into a Markdown document, between two marker comments.

A document holds a table that a bench command writes as

    <!-- begin NAME: COMMAND -->
    ...the table, replaced whole on every run...
    <!-- end NAME -->

where COMMAND is the exact command that writes it, so that every figure in the
document names the command that regenerates it. The markers are written by hand,
once; `write_between` replaces what lies between them and leaves the rest of the
file (the begin line included) as it was.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import tempfile
from pathlib import Path

STDOUT = "-"  # --markdown without a FILE, or with -: the Markdown table on stdout

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class MarkerError(ValueError):
    """The document lacks the marker pair for a table, or holds it more than once."""


def add_markdown_option(parser: argparse.ArgumentParser, table: str) -> None:
    """A bench's `--markdown [FILE]`: the table as Markdown on stdout, or written into FILE."""
    parser.add_argument(
        "--markdown",
        nargs="?",
        const=STDOUT,
        metavar="FILE",
        help=f"the table as Markdown: on stdout, or written into FILE between its {table!r} markers",
    )


def check_target(markdown: str | None, table: str) -> None:
    """Before a long run: raise MarkerError if `--markdown FILE` could not take the table."""
    if markdown not in (None, STDOUT):
        check_markers(Path(markdown), table)


def begin_marker(name: str, command: str) -> str:
    return f"<!-- begin {name}: {command} -->"


def end_marker(name: str) -> str:
    return f"<!-- end {name} -->"


def _markers(name: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    if not _NAME.fullmatch(name):
        raise ValueError(f"bad table name {name!r}: use letters, digits, '.', '_' and '-'")
    begin = re.compile(rf"^[ \t]*<!-- begin {re.escape(name)}: (?P<command>.+?) -->[ \t]*\r?\n", re.M)
    end = re.compile(rf"^[ \t]*<!-- end {re.escape(name)} -->[ \t]*(?=\r?$)", re.M)
    return begin, end


def _span(path: Path, text: str, name: str) -> tuple[re.Match[str], re.Match[str]]:
    """NAME's begin and end markers in `text`; the table lies between them."""
    begin, end = _markers(name)
    begins = list(begin.finditer(text))
    ends = list(end.finditer(text))
    example = f"{begin_marker(name, 'COMMAND')} and {end_marker(name)}"
    if not begins or not ends:
        missing = "begin" if not begins else "end"
        raise MarkerError(f"{path}: no {missing} marker for table {name!r}; add the lines {example}")
    if len(begins) > 1 or len(ends) > 1:
        raise MarkerError(f"{path}: table {name!r} is marked more than once; keep one pair {example}")
    if ends[0].start() < begins[0].end():
        raise MarkerError(f"{path}: the end marker of table {name!r} comes before its begin marker")
    return begins[0], ends[0]


def _read(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", newline="") as f:  # newline="": keep the file's line ends
            return f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise MarkerError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None


def check_markers(path: Path, name: str) -> str:
    """Fail early, before a long bench run, if `path` cannot take the table; return its COMMAND."""
    begin, _ = _span(path, _read(Path(path)), name)
    return begin["command"]


def write_between(path: Path, name: str, text: str) -> None:
    """Replace what lies between NAME's begin and end markers in the Markdown file `path`.

    The table is set off by blank lines, so that Markdown reads it as a block of its own.
    The file is replaced atomically (a temporary file in the same directory, renamed over
    it), keeping its permissions: a reader sees the old document or the new, never half.
    Raises MarkerError if the file lacks the markers or holds them twice."""
    path = Path(path).resolve()  # a link to the document: the document is rewritten, not the link
    document = _read(path)
    begin, end = _span(path, document, name)
    start, stop = begin.end(), end.start()
    newline = "\r\n" if "\r\n" in document else "\n"
    body = text.strip("\n").replace("\r\n", "\n").replace("\n", newline)
    updated = document[:start] + newline + body + newline + newline + document[stop:]
    if updated == document:
        return
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(updated)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
