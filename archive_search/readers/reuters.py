"""Reuters-21578 SGML: many <REUTERS> stories per file (see the collection's README.txt).

The file is read in one pass: each story runs from its <REUTERS> tag to the first
</REUTERS> before the next story's tag. A story whose closing tag is missing or misspelt
runs to the next story's tag (with a warning); the last story of a file that ends
without its closing tag is taken as truncated and skipped (reported).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from ..dates import parse_reuters_date
from ..model import Article
from .common import Problem, clean_text, squash, unique_tags
from .reflow import reflow

# Attributes stop at "<" as well as ">": "[^>]*" from each of many unclosed tags would
# rescan the rest of the file from every one of them.
_OPEN = re.compile(r"<REUTERS\b(?P<attrs>[^<>]*)>", re.I)
_CLOSE = re.compile(r"</REUTERS>", re.I)
# A name starts only where a word starts: tried from inside a long word, "\w+" rescanned
# the rest of it from every one of its characters.
_ATTR = re.compile(r'(?<!\w)(\w+)="([^"]*)"')
_TAGS = re.compile(r"<[^<>]+>")


def _element(inner: str, tag: str) -> str:
    """The text of the first <tag ...>...</tag>; '' if there is none (or it is not closed)."""
    opening = re.compile(rf"<{tag}\b[^<>]*>", re.I).search(inner)
    if not opening:
        return ""
    closing = re.compile(rf"</{tag}>", re.I).search(inner, opening.end())
    return inner[opening.end() : closing.start()] if closing else ""


def _items(inner: str, tag: str) -> list[str]:
    """The <D>...</D> items of an element such as <TOPICS>."""
    element, found, start = _element(inner, tag), [], 0
    while (opening := element.find("<D>", start)) >= 0:
        closing = element.find("</D>", opening + 3)
        if closing < 0:
            break
        found.append(element[opening + 3 : closing])
        start = closing + 4
    return found


def _unescape(text: str) -> str:
    return clean_text(html.unescape(text))


def _without_signature(text: str) -> str:
    """Drop the wire's closing 'Reuter' (a whole word) and the white space around it."""
    stripped = text.rstrip()
    before = stripped[:-6]
    if stripped[-6:].lower() == "reuter" and not (before[-1:].isalnum() or before[-1:] == "_"):
        return before.rstrip()
    return text


def _body(raw: str) -> str:
    """Re-flow the wire copy (reflow.py): paragraphs start with an indent and wrap at a fixed
    width; tables keep their lines."""
    return reflow(_without_signature(_unescape(raw).replace("\r\n", "\n")))


def _dateline(raw: str) -> str:
    """'    SALVADOR, Feb 26 - ' -> 'SALVADOR'."""
    place = squash(_unescape(raw)).rstrip(" -")
    place = re.sub(r",?\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}$", "", place)  # drop the date
    return place.strip(" ,").upper()


def _stories(text: str) -> Iterator[tuple[int, str, str, bool | None]]:
    """(offset, attributes, inner text, closed) for each story; closed is None for a story
    cut off by the end of the file, False for one that runs into the next story's tag."""
    openings = _OPEN.finditer(text)
    current = next(openings, None)
    while current is not None:
        following = next(openings, None)
        limit = following.start() if following else len(text)
        closing = _CLOSE.search(text, current.end(), limit)
        if closing:
            yield current.start(), current["attrs"], text[current.end() : closing.start()], True
        else:
            yield current.start(), current["attrs"], text[current.end() : limit], False if following else None
        current = following


def parse(text: str, path: str) -> Iterator[Article | Problem]:
    """Yield every story in a Reuters-21578 .sgm file."""
    found = False
    line, counted_to = 1, 0
    for position, (offset, raw_attrs, inner, closed) in enumerate(_stories(text), start=1):
        line += text.count("\n", counted_to, offset)
        counted_to = offset
        attrs = dict(_ATTR.findall(raw_attrs))
        newid = squash(clean_text(attrs.get("NEWID", "")))[:40]
        if closed is None:
            if found:
                yield Problem(path, f"the file ends inside story NEWID={newid or '?'} (truncated?); skipped", line=line)
            break
        found = True
        if closed is False:
            reason = f"story NEWID={newid or '?'} has no </REUTERS> tag; read up to the next story"
            yield Problem(path, reason, line=line, warning=True)
        yield from _story(inner, newid, position, line, path)
    if not found:
        yield Problem(path, "no <REUTERS> stories found in this SGML file (truncated?)")


def _story(inner: str, newid: str, position: int, line: int, path: str) -> Iterator[Article | Problem]:
    text_el = _element(inner, "TEXT")
    title = squash(_unescape(_element(text_el, "TITLE")))
    body_raw = _element(text_el, "BODY")
    if not body_raw and not title:
        # TYPE="UNPROC": the story is the bare text.
        body_raw = _TAGS.sub(" ", text_el)
    body = _body(body_raw)
    if not title and not body:
        # The wire did send empty stories; keep them (id, date) so the archive stays complete.
        reason = f"story NEWID={newid or '?'} is empty; indexed with its metadata only"
        yield Problem(path, reason, line=line, warning=True)
    tags = [squash(_unescape(t)) for t in _items(inner, "TOPICS") + _items(inner, "PLACES")]
    yield Article(
        id=f"reuters-{newid or position}",
        title=title,
        body=body,
        published=parse_reuters_date(_element(inner, "DATE")),
        dateline=_dateline(_element(text_el, "DATELINE")),
        source="Reuters",
        tags=unique_tags(tags),
        path=path,
        position=position,
    )
