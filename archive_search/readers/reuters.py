"""Reuters-21578 SGML: many <REUTERS> stories per file (see the collection's README.txt)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from ..articles import Article
from ..dates import parse_reuters_date
from .common import Problem, clean_text, squash

FORMAT = "reuters"

_STORY = re.compile(r"<REUTERS\b(?P<attrs>[^>]*)>(?P<inner>.*?)</REUTERS>", re.S | re.I)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_SIGNATURE = re.compile(r"\s*\bReuter\s*$", re.I)


def _element(inner: str, tag: str) -> str:
    match = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", inner, re.S | re.I)
    return match.group(1) if match else ""


def _items(inner: str, tag: str) -> list[str]:
    return re.findall(r"<D>(.*?)</D>", _element(inner, tag), re.S)


def _unescape(text: str) -> str:
    return clean_text(html.unescape(text))


def _body(raw: str) -> str:
    """Re-flow the wire copy: paragraphs start with an indent, lines wrap at ~70 columns."""
    raw = _SIGNATURE.sub("", _unescape(raw).replace("\r\n", "\n"))
    paras = re.split(r"\n(?=\s{2,}\S)|\n\s*\n", raw)
    return "\n\n".join(p for p in (squash(part) for part in paras) if p)


def _dateline(raw: str) -> str:
    """'    SALVADOR, Feb 26 - ' -> 'SALVADOR'."""
    place = squash(_unescape(raw)).rstrip(" -")
    place = re.sub(r",?\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}$", "", place)  # drop the date
    return place.strip(" ,").upper()


def parse(text: str, path: str) -> Iterator[Article | Problem]:
    """Yield every story in a Reuters-21578 .sgm file."""
    found = False
    line, counted_to = 1, 0
    for position, match in enumerate(_STORY.finditer(text), start=1):
        found = True
        line += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        attrs = dict(_ATTR.findall(match["attrs"]))
        inner = match["inner"]
        text_el = _element(inner, "TEXT")
        title = squash(_unescape(_element(text_el, "TITLE")))
        body_raw = _element(text_el, "BODY")
        if not body_raw and not title:
            # TYPE="UNPROC": the story is the bare text.
            body_raw = re.sub(r"<[^>]+>", " ", text_el)
        body = _body(body_raw)
        if not title and not body:
            # The wire did send empty stories; keep them (id, date) so the archive stays complete.
            yield Problem(
                path,
                f"story NEWID={attrs.get('NEWID', '?')} is empty; indexed with its metadata only",
                line=line,
                warning=True,
            )
        newid = attrs.get("NEWID") or str(position)
        tags = [squash(_unescape(t)) for t in _items(inner, "TOPICS") + _items(inner, "PLACES")]
        yield Article(
            id=f"reuters-{newid}",
            title=title,
            body=body,
            published=parse_reuters_date(_element(inner, "DATE")),
            dateline=_dateline(_element(text_el, "DATELINE")),
            source="Reuters",
            tags=list(dict.fromkeys(t for t in tags if t)),
            path=path,
            position=position,
        )
    if not found:
        yield Problem(path, "no <REUTERS> stories found in this SGML file (truncated?)")
