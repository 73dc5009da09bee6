"""Web archives (WARC and ARC files) as articles: which captures are articles, and when each
content was captured.

A web archive is read as a stream, record by record (readers/webarchive.py): this first
pass notes only the HTML captures, their URL, payload digest, time and offset, so that each
content of a URL becomes one article carrying every time it was captured (responses and
revisits alike, wherever they are in the file); then the first response of each content is
read again, alone, at its offset, and its article extracted. Memory holds that list of
captures, never the file's payloads.

A capture is an article unless the documented rule (README, "Indexing a web archive")
says it is a page of another kind: a site's home page, a page whose declared type is a
website or a listing, or a page with too little text of its own (section fronts, error
pages, forms). The HTML reader decides what the text is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from ..model import Article
from ..model_runs import IndexStats
from ..readers import html
from ..readers.common import Problem, decode, short_hash
from ..readers.webarchive import ArchiveCounts, Capture, read_capture_at, read_captures
from ..schema import url_key

# Fewer words than this in what the HTML reader keeps of a page: a front, a listing, a form
# or an error page, not an article (the shortest news briefs run to some sixty words).
MIN_ARTICLE_WORDS = 50
# Open Graph page types that say a page is not one article: sites' home pages and fronts
# declare "website", people's pages "profile" (an article declares "article").
NOT_ARTICLE_TYPES = frozenset(("website", "profile"))
# How much of a page is looked at for its og:type: the head, where the tag belongs.
_HEAD_CHARS = 65536
# Last path segments of a site's home or index pages.
_INDEX_PAGE = re.compile(r"(index|default|home|start)(\.[a-z0-9]{1,5})?", re.IGNORECASE)
_WORD = re.compile(r"\w+")


@dataclass
class _Content:
    """One content of a URL in this file: its capture times and its first response."""

    url: str
    digest: str
    captures: list[datetime] = field(default_factory=list)
    first: int = -1  # offset of the first response carrying it; -1: only revisits here


def capture_id(url: str, digest: str) -> str:
    """A capture's article id: the URL's last path words, and a hash that tells its contents apart."""
    parts = urlsplit(url)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    words = segments[-1].rsplit(".", 1)[0] if segments else parts.hostname or "page"
    slug = _slug(words) or _slug(parts.hostname or "") or "page"
    return f"{slug}-{short_hash(f'{url_key(url)} {digest}')}"


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(_WORD.findall(folded.replace("_", " ")))[:60].strip("-")


class ArchiveArticles:
    """The articles of one web archive, and what the run's stats count of its captures.

    `repeated(key)` says whether the content with this capture key ("URL digest") is already
    an article of another file of the index: then its captures here add no article."""

    def __init__(
        self,
        reopen: Callable[[], BinaryIO],
        path: str,
        display: str,
        stats: IndexStats,
        repeated: Callable[[str], bool],
    ) -> None:
        self.reopen = reopen
        self.path = path
        self.display = display
        self.stats = stats
        self.repeated = repeated

        self.contents: dict[tuple[str, str], _Content] = {}

    def plan(self) -> list[Problem]:
        """The first pass: every HTML capture's URL, digest and time; the file's problems.
        A file that is no web archive after all raises InputError here, before any article."""
        contents = self.contents
        problems: list[Problem] = []
        counts = ArchiveCounts()
        with self.reopen() as handle:
            for item in read_captures(handle, self.display, counts):
                if isinstance(item, Problem):
                    problems.append(item)
                    continue
                key = (url_key(item.url), item.digest)
                content = contents.get(key)
                if content is None:
                    content = contents[key] = _Content(item.url, item.digest)
                content.captures.append(item.captured)
                if item.kind == "response" and content.first < 0:
                    content.first = item.offset
        self.stats.captures_read += counts.html
        self.stats.records_skipped += counts.skipped
        return problems

    def articles(self) -> Iterator[Article | Problem]:
        """The article of each content's first response, read again at its offset, in file order."""
        contents = self.contents
        firsts = {content.first: content for content in contents.values() if content.first >= 0}
        self.stats.repeats += sum(len(c.captures) for c in contents.values()) - len(firsts)
        position = 0
        with self.reopen() as handle:
            for offset in sorted(firsts):
                content = firsts[offset]
                if self.repeated(f"{url_key(content.url)} {content.digest}"):
                    self.stats.repeats += 1
                    continue
                item = read_capture_at(handle, self.display, offset)
                if not isinstance(item, Capture):  # the file changed since the first pass
                    yield item or Problem(self.display, f"record at offset {offset}: changed while it was read")
                    continue
                page = self._article(item, content)
                if page is None:
                    self.stats.not_articles += 1
                elif isinstance(page, Problem):
                    yield page
                else:
                    position += 1
                    page.position = position
                    yield page

    def _article(self, capture: Capture, content: _Content) -> Article | Problem | None:
        """The capture's article; None if the page is not one (see the module's docstring)."""
        text = _page_text(capture, self.display)
        found = None
        for item in html.parse(text, self.display, url=capture.url):
            if isinstance(item, Article):
                found = item
            elif not item.warning and "no article text" not in item.reason:
                return Problem(self.display, f"record at offset {capture.offset}: {item.reason}")
        if found is None or _home_page(capture.url) or len(_WORD.findall(found.body)) < MIN_ARTICLE_WORDS:
            return None
        if _declared_not_article(text):  # after the reader, whose limits keep hostile markup out
            return None
        found.id = capture_id(capture.url, capture.digest)
        found.url = capture.url
        found.path = self.path
        found.captures = sorted(content.captures)
        found.captured = found.captures[-1]
        found.digest = capture.digest
        if not found.source:
            found.source = urlsplit(capture.url).hostname or ""
        return found


def _page_text(capture: Capture, display: str) -> str:
    """The payload as text: in the charset the HTTP header names, else as a saved page is read."""
    if capture.charset:
        try:
            return capture.payload.decode(capture.charset, "replace")
        except LookupError:
            pass  # a charset Python does not know: read the page's own declaration
    try:
        return decode(capture.payload, display)[0]
    except Exception:  # binary: the reader finds no text in it
        return ""


def _home_page(url: str) -> bool:
    """A site's root or index page (http://site/, /index.html, /default.aspx)."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    return not segments or (len(segments) == 1 and _INDEX_PAGE.fullmatch(segments[0]) is not None)


def _declared_not_article(text: str) -> bool:
    """Whether the page's head declares it a website or a profile (og:type)."""
    from selectolax.lexbor import LexborHTMLParser

    tag = LexborHTMLParser(text[:_HEAD_CHARS]).css_first('meta[property="og:type"]')
    declared = (tag.attributes.get("content") or "") if tag is not None else ""
    return declared.strip().lower() in NOT_ARTICLE_TYPES
