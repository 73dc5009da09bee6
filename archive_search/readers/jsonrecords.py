"""JSON and JSON Lines records, with the common key spellings mapped onto Article fields.

A hostile record never stops a file: a record that cannot be decoded or held (a number of
thousands of digits, nesting too deep) is reported with its line (and, in a JSON array,
its record number) and skipped; a lone surrogate escape ("\\udc80") is read as U+FFFD;
a date that cannot be read or has no UTC equivalent is dropped with a warning, and the
article indexed without it. JSON arrays (top level or in {"articles": [...]}) are decoded
one record at a time, so memory does not grow with the number of records.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Generator, Iterable, Iterator
from typing import Any

from ..dates import parse_datetime
from ..model import Article
from .common import (
    MAX_ARTICLE_CHARS,
    Problem,
    clean_text,
    file_stem,
    json_name,
    json_names,
    json_tags,
    split_dateline,
    squash,
    too_long,
)
from .reflow import blocks

# First key found wins; keys are compared case-insensitively.
KEYS: dict[str, tuple[str, ...]] = {
    "id": ("id", "_id", "guid", "uuid", "docid", "doc_id", "article_id", "newid"),
    "title": ("title", "headline", "heading", "name", "subject"),
    "body": ("body", "text", "content", "articlebody", "article_body", "fulltext", "story", "description", "summary"),
    "published": (
        "published",
        "date",
        "pubdate",
        "datepublished",
        "published_at",
        "publication_date",
        "pub_date",
        "created_at",
        "created",
        "time",
        "timestamp",
    ),
    "updated": ("updated", "datemodified", "modified", "updated_at", "last_modified", "modified_at"),
    "authors": ("authors", "author", "byline", "creator", "creators", "by", "writer"),
    "url": ("url", "link", "permalink", "canonical_url", "href", "uri"),
    "dateline": ("dateline", "location", "place", "city"),
    "source": ("source", "site", "publisher", "publication", "site_name", "outlet"),
    "tags": ("tags", "tag", "section", "sections", "keywords", "categories", "category", "topics", "subjects"),
}
# Containers that hold a list of articles: {"articles": [...]}.
LIST_KEYS = ("articles", "items", "records", "results", "docs", "documents", "data", "entries", "posts", "stories")


def _lowered(record: dict[str, Any]) -> dict[str, Any]:
    """The record with its keys lower-cased (the last of two spellings wins, as in the file)."""
    return {k.lower(): v for k, v in record.items() if isinstance(k, str)}


def _pick(lowered: dict[str, Any], field: str) -> Any:
    """The first non-empty value under one of the field's key spellings (keys lower-cased)."""
    for key in KEYS[field]:
        value = lowered.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _text(value: Any) -> str:
    if isinstance(value, list):  # a list of paragraphs
        value = "\n\n".join(str(v) for v in value if isinstance(v, (str, int, float)))
    if isinstance(value, dict):
        value = value.get("text") or value.get("value") or ""
    return value if isinstance(value, str) else ""


def article_from_record(
    record: Any, path: str, position: int, line: int | None, number: int | None = None
) -> Article | Problem:
    """Map one decoded JSON object onto an Article, or explain why it cannot be one.

    `number` is the record's number in a JSON array, for the Problem's location.
    """
    if not isinstance(record, dict):
        return Problem(path, f"record is a JSON {_type_name(record)}, not an object", line=line, record=number)
    return _article(_lowered(record), path, position, line, number)


_NO_TEXT = f"record has no text (expected a key like {', '.join(KEYS['title'][:2] + KEYS['body'][:3])})"


def _article(
    record: dict[str, Any], path: str, position: int, line: int | None, number: int | None
) -> Article | Problem:
    """article_from_record for a record whose keys are lower-cased."""
    raw_title = _pick(record, "title") if record else None
    raw_body = _pick(record, "body") if record else None
    if raw_title is None and raw_body is None:
        return Problem(path, _NO_TEXT, line=line, record=number)
    title = squash(clean_text(_text(raw_title)))
    paras = blocks(_text(raw_body))  # tables keep their lines (reflow.py)
    if not title and not paras:
        return Problem(path, _NO_TEXT, line=line, record=number)
    dateline = squash(clean_text(json_name(_pick(record, "dateline"))))
    # An empty "dateline" says there is none (as `export` writes it): the body is not searched for one.
    if paras and not dateline and not isinstance(record.get("dateline"), str):
        dateline, paras[0] = split_dateline(paras[0])
    raw_id = _pick(record, "id")
    captures = _captures(record)
    return Article(
        id=squash(clean_text(str(raw_id))) if isinstance(raw_id, (str, int)) else "",
        title=title,
        body="\n\n".join(paras),
        authors=json_names(_pick(record, "authors")),
        published=parse_datetime(_pick(record, "published")),
        updated=parse_datetime(_pick(record, "updated")),
        dateline=dateline,
        source=json_name(_pick(record, "source")),
        url=json_name(_pick(record, "url")),
        tags=json_tags(_pick(record, "tags")),
        path=path,
        position=position,
        captured=max(captures) if captures else None,
        captures=captures,
        digest=squash(clean_text(record["digest"])) if captures and isinstance(record.get("digest"), str) else "",
    )


def _captures(record: dict[str, Any]) -> list:
    """A web-archive capture's times, as `export` writes them ("captures", or "captured" alone)."""
    raw = record.get("captures")
    values = raw if isinstance(raw, list) else [record.get("captured")]
    moments = [parse_datetime(value) for value in values[:10_000] if isinstance(value, str)]
    return sorted(m for m in moments if m is not None)


def _type_name(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
    return names.get(type(value), "null")


def _with_default_id(item: Article | Problem, path: str, position: int, stream: bool = False) -> Article | Problem:
    if isinstance(item, Article) and not item.id:
        item.id = _content_id(item) if stream else f"{file_stem(path)}-{position}"
    return item


def _content_id(article: Article) -> str:
    """An id for a stream's record that has none: "stdin-" and a hash of what it holds (all
    but its place), so the same record sent again gets the same id, and a shell needs no quotes."""
    content = article.to_dict()
    for place in ("id", "path", "position"):
        del content[place]
    text = json.dumps(content, ensure_ascii=False, sort_keys=True)
    return "stdin-" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


# The largest position kept from a record: what the index stores as a number.
_MAX_POSITION = 2**63 - 1


def _own_place(article: Article, record: dict[str, Any]) -> None:
    """A stream's record may say where it was first read from (`export` writes its article's
    "path" and "position"): kept, when usable, instead of the stream's."""
    path, position = record.get("path"), record.get("position")
    if isinstance(path, str) and path:
        article.path = path
        article.position = 0
    if isinstance(position, int) and not isinstance(position, bool) and 0 <= position <= _MAX_POSITION:
        article.position = position


def _mapped(
    record: Any, path: str, position: int, line: int | None, number: int | None, keep_place: bool = False
) -> Iterator[Article | Problem]:
    """The record's Article (or Problem), after a warning for each date it has but that is unusable;
    keep_place: with the path and position the record gives (_own_place)."""
    if not isinstance(record, dict):
        yield article_from_record(record, path, position, line, number)  # says why not
        return
    lowered = _lowered(record)
    try:
        item = _article(lowered, path, position, line, number)
    except (ValueError, OverflowError, RecursionError) as exc:  # a defect here must not end the file
        yield Problem(path, f"record could not be read ({type(exc).__name__}); skipped", line=line, record=number)
        return
    if isinstance(item, Article) and len(item.title) + len(item.body) > MAX_ARTICLE_CHARS:
        yield Problem(path, too_long(len(item.title) + len(item.body)), line=line, record=number)
        return
    if isinstance(item, Article):
        for field in ("published", "updated"):
            raw = _pick(lowered, field)
            if raw is not None and getattr(item, field) is None:
                reason = f"{field} date {_shown(raw)} is not a date in range; indexed without it"
                yield Problem(path, reason, line=line, warning=True, record=number)
        if keep_place:
            _own_place(item, lowered)
    yield _with_default_id(item, path, position, stream=keep_place)


def _shown(value: Any) -> str:
    """A short, one-line rendering of a JSON value for a message."""
    if isinstance(value, str):
        return repr(value[:40] + ("…" if len(value) > 40 else ""))
    if isinstance(value, (int, float)):
        text = repr(value)
        return text if len(text) <= 40 else f"(a number of {len(text):,} digits)"
    return f"(a JSON {_type_name(value)})"


# -- decoding ---------------------------------------------------------------------------

# One record is one article: with JSON's escapes it takes at most a few times the article's
# characters. A longer line is refused before it is decoded (decoding costs ~20x its size).
MAX_RECORD_CHARS = 4 * MAX_ARTICLE_CHARS
# Python refuses int() of strings over its int_max_str_digits (640 at the lowest setting),
# raising an error json does not wrap; no article field is a number this long anyway.
_MAX_DIGITS = 640
_WHITESPACE = re.compile(r"[ \t\n\r]*")


class _Numbers:
    """json's parse_int: integers too long to hold become 0, and the record is marked to be skipped."""

    def __init__(self) -> None:
        self.too_long = 0

    def __call__(self, digits: str) -> int:
        if len(digits) > _MAX_DIGITS:
            self.too_long = max(self.too_long, len(digits))
            return 0
        return int(digits)

    def take(self) -> int:
        """The longest over-long number since the last call (0 if none)."""
        longest, self.too_long = self.too_long, 0
        return longest


class _Decoder:
    """raw_decode at an offset, with the number check; one per file (it holds state)."""

    def __init__(self) -> None:
        self.numbers = _Numbers()
        self.json = json.JSONDecoder(parse_int=self.numbers)

    def value(self, text: str, at: int) -> tuple[Any, int]:
        return self.json.raw_decode(text, at)


def _skip(text: str, at: int) -> int:
    return _WHITESPACE.match(text, at).end()


def _too_long_number(digits: int) -> str:
    return f"record holds a number of {digits:,} digits, too long to read; skipped"


def _line_reason(exc: Exception) -> str:
    """Why a JSON Lines record does not decode (the line is the Problem's)."""
    if isinstance(exc, RecursionError):
        return "JSON is nested too deeply"
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} (column {exc.colno})"
    return f"invalid JSON: {str(exc)[:80]}"


# -- JSON Lines -------------------------------------------------------------------------


def parse_jsonl(text: str, path: str) -> Iterator[Article | Problem]:
    """JSON Lines in a file: lines are cut one at a time, and an over-long one never copied."""
    newline = "\n" if "\n" in text or "\r" not in text else "\r"  # old Mac files end lines with CR
    decoder, start, number = _Decoder(), 0, 0
    while start < len(text):
        end = text.find(newline, start)
        end = len(text) if end < 0 else end
        number += 1
        if end - start > MAX_RECORD_CHARS:
            yield Problem(path, _line_too_long(end - start), line=number)
        else:
            yield from _jsonl_record(text[start:end], path, number, decoder)
        start = end + 1


def parse_jsonl_lines(lines: Iterable[str], path: str, *, keep_place: bool = False) -> Iterator[Article | Problem]:
    """One JSON object per line (a stream: stdin); a line that does not parse is reported and skipped.

    keep_place: a record's own "path" and "position" are its article's, and a record without
    an id gets one from its content (_content_id), not from its line."""
    decoder = _Decoder()
    for number, line in enumerate(lines, start=1):
        if number == 1 and line.startswith("\ufeff"):  # a byte order mark opening the stream
            line = line[1:]
        if len(line) > MAX_RECORD_CHARS:
            yield Problem(path, _line_too_long(len(line)), line=number)
            continue
        yield from _jsonl_record(line, path, number, decoder, keep_place)


def _line_too_long(chars: int) -> str:
    return f"line is {chars:,} characters, over the {MAX_RECORD_CHARS:,}-character limit for one record; skipped"


def _jsonl_record(
    line: str, path: str, number: int, decoder: _Decoder, keep_place: bool = False
) -> Iterator[Article | Problem]:
    at = _skip(line, 0)
    if at == len(line) or line.isspace():
        return
    try:
        record, end = decoder.value(line, at)
        if _skip(line, end) != len(line):
            raise json.JSONDecodeError("Extra data", line, end)
    except (ValueError, RecursionError) as exc:
        decoder.numbers.take()
        yield Problem(path, _line_reason(exc), line=number)
        return
    digits = decoder.numbers.take()
    if digits:
        yield Problem(path, _too_long_number(digits), line=number)
        return
    yield from _mapped(record, path, number, number, None, keep_place)


# -- JSON documents ---------------------------------------------------------------------

_SKIPPED = object()  # stands for a list of records passed over while an object is scanned


def parse_json(text: str, path: str) -> Iterator[Article | Problem]:
    """A JSON document: one article object, a list of them, or {"articles": [...]}.

    A list is decoded a record at a time; the records before a syntax error are kept, and
    the error reported with its line, column and record number.
    """
    start = _skip(text, 0)
    decoder = _Decoder()
    if text.startswith("[", start):
        end = yield from _records(text, start, path, decoder)
        if end is not None:
            yield from _trailing(text, end, path)
    elif text.startswith("{", start):
        yield from _object_document(text, start, path, decoder)
    else:
        yield from _other_document(text, start, path, decoder)


def _records(text: str, start: int, path: str, decoder: _Decoder) -> Generator[Article | Problem, None, int | None]:
    """Yield the records of the array at text[start] one by one; return the offset after
    its ']', or None after reporting a syntax error (the rest of the array is not read)."""
    at = _skip(text, start + 1)
    if text.startswith("]", at):
        return at + 1
    number, line, counted = 0, 1, 0
    while True:
        number += 1
        line += text.count("\n", counted, at)
        counted = at
        try:
            record, at = decoder.value(text, at)
        except (ValueError, RecursionError) as exc:
            decoder.numbers.take()
            yield _syntax_problem(text, exc, path, number, line)
            return None
        digits = decoder.numbers.take()
        if digits:
            yield Problem(path, _too_long_number(digits), line=line, record=number)
        else:
            yield from _mapped(record, path, number, line, number)
        at = _skip(text, at)
        if text.startswith("]", at):
            return at + 1
        if not text.startswith(",", at):
            missing = json.JSONDecodeError("Expecting ',' delimiter", text, at)
            yield _syntax_problem(text, missing, path, number + 1, line)
            return None
        at = _skip(text, at + 1)


def _syntax_problem(text: str, exc: Exception, path: str, number: int, line: int) -> Problem:
    """A record that does not decode: nothing after it can be read either."""
    rest = "; the records after it are not read" if number > 1 else ""
    if isinstance(exc, json.JSONDecodeError):
        where = f"line {exc.lineno}, column {exc.colno}"
        return Problem(path, f"invalid JSON: {exc.msg} ({where}){rest}", line=exc.lineno, record=number)
    if isinstance(exc, RecursionError):
        return Problem(path, f"JSON is nested too deeply (record {number}, line {line}){rest}")
    return Problem(path, f"invalid JSON: {str(exc)[:80]}{rest}", line=line, record=number)


def _trailing(text: str, end: int, path: str) -> Iterator[Problem]:
    at = _skip(text, end)
    if at < len(text):
        yield _syntax_problem(text, json.JSONDecodeError("Extra data", text, at), path, 0, 0)


def _other_document(text: str, start: int, path: str, decoder: _Decoder) -> Iterator[Problem]:
    """A document that is neither an object nor a list: reported."""
    try:
        value, end = decoder.value(text, start)
    except (ValueError, RecursionError) as exc:
        yield _syntax_problem(text, exc, path, 0, 1)
        return
    if _skip(text, end) < len(text):
        yield from _trailing(text, end, path)
        return
    yield Problem(path, f"JSON document is a {_type_name(value)}, expected an object or a list of objects")


def _object_document(text: str, start: int, path: str, decoder: _Decoder) -> Iterator[Article | Problem]:
    """{...}: one article, or a container whose list of records is streamed; several
    objects one after another are JSON Lines (many ".json" dumps are)."""
    scanned = yield from _scan_object(text, start, path, decoder)
    if scanned is None:
        return
    members, lists, digits, end = scanned
    if _skip(text, end) < len(text):
        yield from parse_jsonl(text, path)
        return
    container = next((k for k in LIST_KEYS if members.get(k) is _SKIPPED), None)
    if container is not None and _pick(members, "body") is None:
        yield from _records(text, lists[container], path, decoder)
        return
    if digits:
        yield Problem(path, _too_long_number(digits))
        return
    record = {k: ([] if v is _SKIPPED else v) for k, v in members.items()}
    yield from _mapped(record, path, 1, None, None)


def _scan_object(
    text: str, start: int, path: str, decoder: _Decoder
) -> Generator[Problem, None, tuple[dict[str, Any], dict[str, int], int, int] | None]:
    """Decode the members of the object at text[start], lower-casing the keys and passing
    over (without keeping) the lists a container may hold. Return (members, where each
    passed-over list starts, the longest over-long number, the offset after '}'), or None
    after reporting a syntax error."""
    members: dict[str, Any] = {}
    lists: dict[str, int] = {}
    digits = 0
    at = _skip(text, start + 1)
    if text.startswith("}", at):
        return members, lists, digits, at + 1
    try:
        while True:
            if not text.startswith('"', at):
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, at)
            key, at = decoder.value(text, at)
            at = _skip(text, at)
            if not text.startswith(":", at):
                raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
            at = _skip(text, at + 1)
            key = key.lower()
            if key in LIST_KEYS and text.startswith("[", at):
                lists[key], members[key] = at, _SKIPPED
                at = _pass_over_list(text, at, decoder)
            else:
                members[key], at = decoder.value(text, at)
                digits = max(digits, decoder.numbers.take())
            at = _skip(text, at)
            if text.startswith("}", at):
                return members, lists, digits, at + 1
            if not text.startswith(",", at):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
            at = _skip(text, at + 1)
    except (ValueError, RecursionError) as exc:
        decoder.numbers.take()
        yield _syntax_problem(text, exc, path, 0, 1)
        return None


def _pass_over_list(text: str, start: int, decoder: _Decoder) -> int:
    """The offset after the list at text[start], decoding its elements one at a time (and
    dropping them); raises JSONDecodeError or RecursionError as json does."""
    at = _skip(text, start + 1)
    if text.startswith("]", at):
        return at + 1
    while True:
        _, at = decoder.value(text, at)
        decoder.numbers.take()
        at = _skip(text, at)
        if text.startswith("]", at):
            return at + 1
        if not text.startswith(",", at):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
        at = _skip(text, at + 1)


def is_json_document(text: str, start: int = 0) -> bool:
    """Whether the text from `start` opens a JSON document (for sniffing files whose extension
    does not say): a list whose first record decodes, or one whole object; nothing is kept."""
    start = _skip(text, start)
    decoder = _Decoder()
    try:
        if text.startswith("[", start):
            at = _skip(text, start + 1)
            if not text.startswith("]", at):
                decoder.value(text, at)
            return True
        if text.startswith("{", start):
            scanned = _result(_scan_object(text, start, "", decoder))
            return scanned is not None and _skip(text, scanned[3]) == len(text)
    except (ValueError, RecursionError):
        return False
    return False


def _result(generator: Generator[Any, None, Any]) -> Any:
    """Run a generator to its end, dropping what it yields; return what it returns."""
    while True:
        try:
            next(generator)
        except StopIteration as done:
            return done.value
