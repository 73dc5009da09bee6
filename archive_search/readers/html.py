"""HTML article pages, as saved from the web or a web archive.

The body, and the date and byline where the page declares none, come from trafilatura
(its main-text extraction, htmldate and its byline detection), imported only when a page
is read; trafilatura measures best on real pages (bench/extraction.py, docs/extraction.md).
Titles, authors and dates declared in JSON-LD (NewsArticle and kin), Open Graph and
<meta> tags come first, read with selectolax (the Lexbor HTML5 parser), which also reads
the body of a page where trafilatura finds none. The shape guards of htmlshape.py run
before either parser sees the page.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..dates import parse_datetime
from ..model import Article
from .common import (
    Problem,
    clean_text,
    file_stem,
    json_names,
    json_tags,
    split_authors,
    split_dateline,
    squash,
    unique_tags,
)
from .htmlshape import MAX_HTML_DEPTH, MAX_HTML_ELEMENTS, MAX_REBUILT, tree_shape

ARTICLE_TYPES = {
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "blogposting",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "report",
    "webpage",
}
# Not <form>: ASP.NET pages hold the whole page, article included, in one.
FURNITURE = "script, style, noscript, nav, header, footer, aside, iframe, svg, button, template, figure figcaption"
CONTAINERS = (
    "article",
    "[itemprop=articleBody]",
    ".story-body",
    ".article-body",
    ".articleBody",
    ".entry-content",
    ".post-content",
    ".article-content",
    ".story",
    "main",
    "[role=main]",
)


def _meta(tree: LexborHTMLParser, *names: str) -> str:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            node = tree.css_first(f'meta[{attr}="{name}"]')
            if node is not None and (node.attributes.get("content") or "").strip():
                return squash(clean_text(node.attributes["content"]))
    return ""


def _json_ld(tree: LexborHTMLParser) -> dict[str, Any]:
    """The first JSON-LD object whose @type is an article type, else the first WebPage, else {}."""
    page: dict[str, Any] = {}
    for node in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(node.text(deep=True) or "")
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                types = item.get("@type")
                types = {t.lower() for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}
                if types & ARTICLE_TYPES:
                    # A WebPage object often comes before the NewsArticle that holds the story.
                    if types - {"webpage"}:
                        return item
                    page = page or item
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))
    return page


def _container(tree: LexborHTMLParser) -> LexborNode | None:
    for selector in CONTAINERS:
        nodes = [n for n in tree.css(selector) if n.css_first("p") is not None]
        if nodes:
            # Several <article>s (teasers): take the one with the most text.
            return max(nodes, key=lambda n: len(n.text(deep=True)))
    # No known container: the element directly holding the most paragraph text.
    best: dict[int, tuple[int, LexborNode]] = {}
    for p in tree.css("p"):
        parent = p.parent
        if parent is None:
            continue
        key = id(parent)
        score = best.get(key, (0, parent))[0] + len(p.text(deep=True))
        best[key] = (score, parent)
    return max(best.values(), key=lambda pair: pair[0])[1] if best else None


def _paragraphs(node: LexborNode) -> list[str]:
    paras = [squash(clean_text(p.text(deep=True))) for p in node.css("p, h2, h3, blockquote > p, li > p")]
    if not paras:
        paras = [squash(clean_text(node.text(deep=True, separator=" ")))]
    return _unique(paras)


def parse(text: str, path: str, *, url: str = "") -> Iterator[Article | Problem]:
    """Yield the one article on an HTML page; `url` is the page's address when known (a web
    archive's capture gives it): the article's url, and a source of its date."""
    elements, refused = _refusal(text)
    if refused:
        yield Problem(path, refused)
        return
    tree = LexborHTMLParser(text)
    ld = _json_ld(tree)
    page = _page_facts(tree, ld)
    doc = _trafilatura(text, url) if elements <= MAX_EXTRACTED_ELEMENTS else None
    title = _title(page, doc)
    paras = _body(doc, tree, ld, title)
    if not paras:
        yield Problem(path, "no article text found on this HTML page (no paragraphs in an article or main element)")
        return
    dateline, paras[0] = split_dateline(paras[0])
    page_url = url or _meta(tree, "og:url") or page["canonical"]
    yield Article(
        id=file_stem(path),
        title=title,
        body="\n\n".join(paras),
        authors=_authors(tree, ld, doc),
        published=_published(tree, ld, doc),
        updated=_real_date(ld.get("dateModified")) or _real_date(_meta(tree, "article:modified_time", "dateModified")),
        dateline=dateline,
        source=_source(tree, ld),
        url=squash(page_url),
        tags=_tags(tree, ld),
        path=path,
    )


def _refusal(text: str) -> tuple[int, str]:
    """The page's element count, and why it is not parsed (too many elements, too deep, too
    much re-created markup) or ""."""
    depth, rebuilt, elements = tree_shape(text)
    if elements > MAX_HTML_ELEMENTS:
        return elements, f"HTML has over {MAX_HTML_ELEMENTS:,} elements, too many for an article page; skipped"
    if depth > MAX_HTML_DEPTH:
        return elements, f"HTML is nested {depth:,} elements deep, over the limit of {MAX_HTML_DEPTH:,}; skipped"
    if rebuilt > MAX_REBUILT:
        reason = f"HTML leaves formatting tags open that the parser would re-create over {MAX_REBUILT:,} times; skipped"
        return elements, reason
    return elements, ""


# -- trafilatura ------------------------------------------------------------------------

# trafilatura's cost grows with the elements (it walks the tree in several passes), and real
# article pages have far fewer than this: a bigger page is read by the selectolax fallback
# alone, which is linear and fast, so that no page costs seconds.
MAX_EXTRACTED_ELEMENTS = 20_000


def _trafilatura(text: str, url: str) -> Any:
    """trafilatura's reading of the page (a Document with text and metadata), or None."""
    import trafilatura  # here, not at the top: with lxml and dateparser it is slow to import, and a search needs none

    _quiet_loggers()
    try:
        doc = trafilatura.bare_extraction(text, url=url or None, with_metadata=True, include_comments=False)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError, OverflowError):
        # A page trafilatura cannot handle is read by the selectolax fallback instead.
        return None
    return doc


def _quiet_loggers() -> None:
    """trafilatura and htmldate log pages they discard; the reader reports its own Problems,
    so those records go nowhere rather than to stderr through logging's last resort."""
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


def _doc_field(doc: Any, name: str) -> str:
    value = getattr(doc, name, None) if doc is not None else None
    return squash(clean_text(value)) if isinstance(value, str) else ""


# -- body -------------------------------------------------------------------------------


def _body(doc: Any, tree: LexborHTMLParser, ld: dict[str, Any], title: str) -> list[str]:
    """The article's paragraphs: trafilatura's, else the selectolax reading; the JSON-LD
    articleBody instead when it is much longer (the page shows a part of the story); each
    paragraph once, without the title repeated as the first."""
    text = getattr(doc, "text", None) if doc is not None else None
    paras = [squash(clean_text(line)) for line in text.split("\n")] if isinstance(text, str) else []
    if sum(map(len, paras)) < _min_extracted_size():
        # Under trafilatura's own floor its text is a guess from the whole page, navigation
        # included: the paragraphs of the page's article element, or its text without the
        # page furniture, are better.
        _remove_furniture(tree)
        paras = _container_paragraphs(tree) or _body_lines(tree)
    paras = _with_later_parts(paras, tree)
    declared = [_decoded(line) for line in _ld_text(ld.get("articleBody")).split("\n")]
    # Only much longer: a teaser in JSON-LD must not replace the page's text, nor a whole
    # body of the same length the page's paragraphs.
    if sum(map(len, declared)) > 2 * sum(map(len, paras)):
        paras = declared
    paras = _unique(paras)
    if title and paras and _same(paras[0], title):
        paras = paras[1:]
    return paras


# Body containers a long story may be split into (an advertisement or a newsletter box
# between the parts); several <article>s are teasers or comments instead, so not those.
SPLIT_CONTAINERS = (
    "[itemprop=articleBody]",
    ".article-body",
    ".articleBody",
    ".story-body",
    ".article-content",
    ".entry-content",
    ".post-content",
)


def _with_later_parts(paras: list[str], tree: LexborHTMLParser) -> list[str]:
    """The paragraphs, with those of the later parts of a story split into several body
    containers added when only the first part was read (trafilatura reads one container)."""
    parts = _story_parts(tree)
    if len(parts) < 2 or not paras:
        return paras
    read = set(paras)
    if not all(p in read for p in parts[0]):
        return paras
    return paras + [p for part in parts[1:] for p in part if p not in read]


# More containers of one kind than this are a listing (teasers, comments), not one story's parts.
MAX_STORY_PARTS = 20


def _story_parts(tree: LexborHTMLParser) -> list[list[str]]:
    """The paragraphs of each body container of the first kind the page has several of."""
    for selector in SPLIT_CONTAINERS:
        nodes = tree.css(selector)
        if len(nodes) > MAX_STORY_PARTS:
            return []
        if len(nodes) > 1:
            ids = {n.mem_id for n in nodes}
            outer = [n for n in nodes if not _inside(n, ids)]
            parts = [[squash(clean_text(p.text(deep=True))) for p in n.css("p")] for n in outer]
            return [part for part in ([p for p in part if p] for part in parts) if part]
    return []


def _inside(node: LexborNode, ids: set[int]) -> bool:
    """Whether one of the elements `ids` holds the node (the tree is at most MAX_HTML_DEPTH deep)."""
    parent = node.parent
    while parent is not None:
        if parent.mem_id in ids:
            return True
        parent = parent.parent
    return False


def _min_extracted_size() -> int:
    from trafilatura.settings import DEFAULT_CONFIG

    return DEFAULT_CONFIG.getint("DEFAULT", "MIN_EXTRACTED_SIZE", fallback=0)


def _container_paragraphs(tree: LexborHTMLParser) -> list[str]:
    """The paragraphs of the article element (or the element holding the most paragraph
    text): the reading of pages trafilatura cannot read."""
    container = _container(tree)
    return [p for p in _paragraphs(container) if p] if container is not None else []


def _remove_furniture(tree: LexborHTMLParser) -> None:
    for node in tree.css(FURNITURE):
        node.decompose()


def _body_lines(tree: LexborHTMLParser) -> list[str]:
    """Every line of the body's text (text in <div>s and <br>s, with no paragraph anywhere)."""
    body = tree.body
    if body is None:
        return []
    return [squash(clean_text(line)) for line in body.text(deep=True, separator="\n").split("\n")]


def _unique(paras: list[str]) -> list[str]:
    """The non-empty paragraphs, each once, in their first place."""
    return list(dict.fromkeys(para for para in paras if para))


# -- title ------------------------------------------------------------------------------

# A trailing site-name segment of a meta title: "Headline | Site", "Headline - Site".
_SITE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ")


def _page_facts(tree: LexborHTMLParser, ld: dict[str, Any]) -> dict[str, str]:
    """The title candidates and the canonical link, read before anything is removed."""
    h1 = tree.css_first("h1")
    title_tag = tree.css_first("title")
    canonical = tree.css_first('link[rel="canonical"]')
    return {
        "h1": _decoded(h1.text(deep=True)) if h1 is not None else "",
        "title_tag": _decoded(title_tag.text(deep=True)) if title_tag is not None else "",
        "headline": _decoded(_ld_text(ld.get("headline"))),
        "og": _decoded(_meta(tree, "og:title")),
        "twitter": _decoded(_meta(tree, "twitter:title")),
        "rdfa": _rdfa(tree, "dc:title"),
        "site": _decoded(_meta(tree, "og:site_name", "application-name")),
        "canonical": (canonical.attributes.get("href") or "") if canonical is not None else "",
    }


def _rdfa(tree: LexborHTMLParser, name: str) -> str:
    """The text (or content) of the first element with one whose RDFa property names `name`, as
    Drupal marks a post's title and date (property="dc:title", "dc:date dc:created")."""
    for node in tree.css(f'[property~="{name}"]'):
        value = _decoded(node.attributes.get("content") or node.text(deep=True) or "")
        if value:
            return value
    return ""


def _decoded(text: str) -> str:
    """Text with HTML entities decoded (JSON-LD and some meta tags carry them escaped)."""
    return squash(clean_text(html.unescape(text))) if text else ""


def _title(page: dict[str, str], doc: Any) -> str:
    """The title RDFa marks in the body; else the visible <h1> when the page's metadata agrees
    with it, else the declared headline (without a trailing site name), else trafilatura's
    title, the <h1>, the <title>."""
    declared = [_without_site(page[key], page["site"]) for key in ("headline", "og", "twitter")]
    declared = [t for t in declared if t]
    h1 = page["h1"]
    if page["rdfa"]:  # marked as the post's own title in the body: a section's <h1> may head it
        return page["rdfa"]
    if h1 and (any(_same(h1, t) for t in declared) or _starts(page["title_tag"], h1)):
        return h1
    for candidate in [*declared, _doc_field(doc, "title"), h1]:
        if candidate:
            return candidate
    return _without_site(page["title_tag"], page["site"])


def _without_site(title: str, site: str) -> str:
    """A meta title without its trailing " | Site" or " - Site" segment."""
    for separator in _SITE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if found and head and _looks_like_site(tail, site, separator):
            return head.strip()
    return title


def _looks_like_site(segment: str, site: str, separator: str) -> bool:
    """Whether the last segment of a title names the site rather than continuing the headline."""
    if site and _same(segment, site):
        return True
    if separator == " | ":
        return True
    words = segment.split()
    return len(words) <= 3 and all(w[:1].isupper() or w[:1].isdigit() for w in words)


def _same(a: str, b: str) -> bool:
    return _folded(a) == _folded(b)


def _starts(text: str, prefix: str) -> bool:
    return bool(prefix) and _folded(text).startswith(_folded(prefix))


_QUOTES = str.maketrans("‘’“”", "''\"\"")


def _folded(text: str) -> str:
    return squash(text).translate(_QUOTES).casefold()


# -- authors, dates, source, tags -------------------------------------------------------


def _authors(tree: LexborHTMLParser, ld: dict[str, Any], doc: Any) -> list[str]:
    """JSON-LD authors, else <meta> authors, else the byline trafilatura finds on the page."""
    authors = [_decoded(a) for a in json_names(_people(ld.get("author")))]
    authors = authors or split_authors(_decoded(_meta(tree, "author", "article:author", "byl", "dc.creator")))
    # A profile link or a social-media handle is not a name.
    authors = [a for a in authors if a and not a.startswith(("http://", "https://", "@"))]
    if not authors:
        authors = [a for a in (squash(part) for part in _doc_field(doc, "author").split(";")) if a]
    return authors


def _people(value: Any) -> Any:
    """JSON-LD authors without the Organization ones (a site credited as its own author)."""
    if isinstance(value, list):
        return [v for v in value if not _organization(v)]
    return None if _organization(value) else value


def _organization(value: Any) -> bool:
    kind = value.get("@type") if isinstance(value, dict) else None
    return isinstance(kind, str) and kind.lower().endswith("organization")


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _published(tree: LexborHTMLParser, ld: dict[str, Any], doc: Any) -> datetime | None:
    """The first real date of: JSON-LD datePublished, <meta> published tags, RDFa dc:date,
    the date htmldate finds (URL, byline, markup), the first <time datetime>."""
    declared = (
        _real_date(ld.get("datePublished"))
        or _real_date(
            _meta(
                tree,
                "article:published_time",
                "datePublished",
                "pubdate",
                "publishdate",
                "date",
                "dc.date",
                "sailthru.date",
            )
        )
        or _real_date(_rdfa(tree, "dc:date"))
    )
    if declared is not None:
        return declared
    time = tree.css_first("time[datetime]")
    shown = _real_date(time.attributes.get("datetime")) if time is not None else None
    found = _doc_field(doc, "date")
    day = _real_date(found) if _DAY.fullmatch(found) else None
    # htmldate gives the day only: the <time> element's moment, when it is that day, is more exact.
    if day is not None and (shown is None or shown.date() != day.date()):
        return day
    return shown


def _real_date(value: object) -> datetime | None:
    """A parsed date, or None for none or a placeholder (0001-01-01 and other years before 1900)."""
    moment = parse_datetime(value)
    return moment if moment is not None and moment.year >= 1900 else None


def _source(tree: LexborHTMLParser, ld: dict[str, Any]) -> str:
    names = json_names(ld.get("publisher"))
    return _decoded(names[0] if names else "") or _decoded(_meta(tree, "og:site_name", "application-name"))


def _tags(tree: LexborHTMLParser, ld: dict[str, Any]) -> list[str]:
    tags = json_tags(ld.get("keywords") or []) + json_tags(ld.get("articleSection") or [])
    if not tags:
        tags = json_tags(_meta(tree, "article:section", "keywords", "news_keywords"))
    return unique_tags(tags)


def _ld_text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""
