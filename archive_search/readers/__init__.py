"""Readers turn article files into Article records, one module per input format.

`parse_bytes` is the entry point: it decodes, sniffs the format and yields
`Article`s, and `Problem`s for records it had to skip or warn about. Problems
with the file as a whole (binary, empty, too large) raise `InputError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..errors import InputError
from ..model import Article
from . import dnainfo, html, jsonrecords, reuters
from .common import (
    MAX_ARTICLE_CHARS,
    MAX_FILE_BYTES,
    Problem,
    decode,
    decode_head,
    too_big,
    too_long,
    without_surrogates,
)
from .sniff import sniff_format

__all__ = [
    "MAX_ARTICLE_CHARS",
    "MAX_FILE_BYTES",
    "Problem",
    "parse_bytes",
    "parse_jsonl_lines",
    "sniff_format",
    "too_big",
]

_PARSERS = {
    "dnainfo": dnainfo.parse,
    "json": jsonrecords.parse_json,
    "jsonl": jsonrecords.parse_jsonl,
    "html": html.parse,
    "reuters": reuters.parse,
}


def parse_bytes(data: bytes, path: str) -> Iterator[Article | Problem]:
    """Yield the articles in one file's bytes (and Problems met on the way)."""
    if len(data) > MAX_FILE_BYTES:
        raise InputError(path, too_big(len(data)))
    # One-article formats this big are refused from a look at the head, before the
    # whole file is decoded (a 200 MB single-line "article" would cost seconds and GBs).
    if len(data) > 4 * MAX_ARTICLE_CHARS and sniff_format(path, decode_head(data, 2**20)) == "dnainfo":
        raise InputError(path, f"file is {len(data):,} bytes, too big for one article; skipped")
    text, warning = decode(data, path)
    if warning:
        yield warning
    if not text.strip():
        raise InputError(path, "empty file")
    fmt = sniff_format(path, text)
    if fmt == "dnainfo" and len(text) > MAX_ARTICLE_CHARS:  # one article a file: refuse before parsing
        raise InputError(path, too_long(len(text)))
    yield from _bounded(_PARSERS[fmt](text, path), path)


def parse_jsonl_lines(lines: Iterable[str], path: str, *, keep_place: bool = False) -> Iterator[Article | Problem]:
    """Yield articles from JSON Lines arriving as a stream (stdin); keep_place: see jsonrecords."""
    return _bounded(jsonrecords.parse_jsonl_lines(lines, path, keep_place=keep_place), path)


def _bounded(items: Iterable[Article | Problem], path: str) -> Iterator[Article | Problem]:
    """Articles over MAX_ARTICLE_CHARS become Problems; no string a reader gives holds a
    lone surrogate (the index and JSON output encode to UTF-8 and would fail on one)."""
    for item in items:
        if isinstance(item, Article) and len(item.title) + len(item.body) > MAX_ARTICLE_CHARS:
            record = item.position or None
            yield Problem(path, too_long(len(item.title) + len(item.body)), record=record)
        elif isinstance(item, Article):
            yield _encodable(item)
        else:
            item.reason = without_surrogates(item.reason)
            yield item


_TEXT_FIELDS = ("id", "title", "body", "dateline", "source", "url", "path")


def _encodable(article: Article) -> Article:
    """The article with any lone surrogate in its strings replaced (the readers clean their
    text; this is the last line of defence)."""
    for name in _TEXT_FIELDS:
        setattr(article, name, without_surrogates(getattr(article, name)))
    article.authors = [without_surrogates(a) for a in article.authors]
    article.tags = [without_surrogates(t) for t in article.tags]
    return article
