"""JSON and JSON Lines records, with the common key spellings mapped onto Article fields."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from ..articles import Article
from ..dates import parse_datetime
from .common import Problem, clean_text, file_stem, paragraphs, split_authors, split_dateline, squash

FORMATS = ("json", "jsonl")

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


def _pick(record: dict[str, Any], field: str) -> Any:
    lowered = {k.lower(): v for k, v in record.items() if isinstance(k, str)}
    for key in KEYS[field]:
        value = lowered.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _name(value: Any) -> str:
    """A name from a string or an object like {"name": ...} (JSON-LD Person, Organization)."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@id") or ""
    return squash(clean_text(str(value))) if isinstance(value, (str, int, float)) else ""


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        names = [_name(v) for v in value]
        return [n for n in names if n]
    if isinstance(value, dict):
        return [n for n in [_name(value)] if n]
    if isinstance(value, str):
        return split_authors(value)
    return []


def _tags(value: Any) -> list[str]:
    if isinstance(value, str):
        items = value.split(",") if "," in value else [value]
    elif isinstance(value, list):
        items = [_name(v) for v in value]
    else:
        items = [_name(value)]
    return [t for t in (squash(clean_text(i)) for i in items) if t]


def _text(value: Any) -> str:
    if isinstance(value, list):  # a list of paragraphs
        value = "\n\n".join(str(v) for v in value if isinstance(v, (str, int, float)))
    if isinstance(value, dict):
        value = value.get("text") or value.get("value") or ""
    return value if isinstance(value, str) else ""


def article_from_record(record: Any, path: str, position: int, line: int | None) -> Article | Problem:
    """Map one decoded JSON object onto an Article, or explain why it cannot be one."""
    if not isinstance(record, dict):
        return Problem(path, f"record is a JSON {type(record).__name__}, not an object", line=line)
    title = squash(clean_text(_text(_pick(record, "title"))))
    paras = paragraphs(_text(_pick(record, "body")))
    if not title and not paras:
        known = ", ".join(KEYS["title"][:2] + KEYS["body"][:3])
        return Problem(path, f"record has no text (expected a key like {known})", line=line)
    dateline = squash(clean_text(_name(_pick(record, "dateline"))))
    if paras and not dateline:
        dateline, paras[0] = split_dateline(paras[0])
    raw_id = _pick(record, "id")
    return Article(
        id=squash(str(raw_id)) if isinstance(raw_id, (str, int)) else "",
        title=title,
        body="\n\n".join(paras),
        authors=_names(_pick(record, "authors")),
        published=parse_datetime(_pick(record, "published")),
        updated=parse_datetime(_pick(record, "updated")),
        dateline=dateline,
        source=_name(_pick(record, "source")),
        url=_name(_pick(record, "url")),
        tags=_tags(_pick(record, "tags")),
        path=path,
        position=position,
    )


def _with_default_id(item: Article | Problem, path: str, position: int) -> Article | Problem:
    if isinstance(item, Article) and not item.id:
        item.id = f"{file_stem(path)}-{position}"
    return item


def parse_json(text: str, path: str) -> Iterator[Article | Problem]:
    """A JSON document: one article object, a list of them, or {"articles": [...]}."""
    try:
        document = json.loads(text)
    except RecursionError:
        yield Problem(path, "JSON is nested too deeply")
        return
    except json.JSONDecodeError as exc:
        # Many ".json" dumps are really JSON Lines.
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):
            yield from parse_jsonl(text, path)
            return
        yield Problem(path, f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", line=exc.lineno)
        return
    records = document
    if isinstance(document, dict):
        lowered = {k.lower(): v for k, v in document.items()}
        container = next((lowered[k] for k in LIST_KEYS if isinstance(lowered.get(k), list)), None)
        records = container if container is not None and _pick(document, "body") is None else [document]
    if not isinstance(records, list):
        yield Problem(path, f"JSON document is a {type(records).__name__}, expected an object or a list of objects")
        return
    for position, record in enumerate(records, start=1):
        yield _with_default_id(article_from_record(record, path, position, None), path, position)


def parse_jsonl(text: str, path: str) -> Iterator[Article | Problem]:
    return parse_jsonl_lines(text.splitlines(), path)


def parse_jsonl_lines(lines: Iterable[str], path: str) -> Iterator[Article | Problem]:
    """One JSON object per line; a line that does not parse is reported and skipped."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except RecursionError:
            yield Problem(path, "JSON is nested too deeply", line=number)
            continue
        except json.JSONDecodeError as exc:
            yield Problem(path, f"invalid JSON: {exc.msg} (column {exc.colno})", line=number)
            continue
        yield _with_default_id(article_from_record(record, path, number, number), path, number)
