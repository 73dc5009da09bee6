"""Readers turn article files into Article records, one module per input format.

`parse_bytes` is the entry point: it decodes, sniffs the format and yields
`Article`s, and `Problem`s for records it had to skip or warn about. Problems
with the file as a whole (binary, empty, too large) raise `InputError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..articles import Article
from ..errors import InputError
from . import dnainfo, html, jsonrecords, reuters
from .common import MAX_FILE_BYTES, Problem, decode
from .sniff import sniff_format

__all__ = [
    "FORMATS",
    "MAX_FILE_BYTES",
    "Problem",
    "parse_bytes",
    "parse_jsonl_lines",
    "sniff_format",
]

FORMATS = {
    "dnainfo": dnainfo.parse,
    "json": jsonrecords.parse_json,
    "jsonl": jsonrecords.parse_jsonl,
    "html": html.parse,
    "reuters": reuters.parse,
}


def parse_bytes(data: bytes, path: str) -> Iterator[Article | Problem]:
    """Yield the articles in one file's bytes (and Problems met on the way)."""
    if len(data) > MAX_FILE_BYTES:
        raise InputError(path, f"file is larger than the {MAX_FILE_BYTES // 2**20} MiB limit")
    text, warning = decode(data, path)
    if warning:
        yield warning
    if not text.strip():
        raise InputError(path, "empty file")
    fmt = sniff_format(path, text)
    yield from FORMATS[fmt](text, path)


def parse_jsonl_lines(lines: Iterable[str], path: str) -> Iterator[Article | Problem]:
    """Yield articles from JSON Lines arriving as a stream (stdin)."""
    return jsonrecords.parse_jsonl_lines(lines, path)
