"""HTML article pages, as saved from the web or a web archive.

Metadata comes from JSON-LD (NewsArticle and kin), Open Graph and <meta> tags;
the body from the paragraphs of the article element, with navigation, scripts
and other page furniture removed. Parsing is selectolax (the Lexbor HTML5 parser):
it copes with real-world broken markup and is fast.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
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
FURNITURE = (
    "script, style, noscript, nav, header, footer, aside, form, iframe, svg, button, template, figure figcaption"
)
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
    """The first JSON-LD object whose @type is an article type, else {}."""
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
                types = types if isinstance(types, list) else [types]
                if any(isinstance(t, str) and t.lower() in ARTICLE_TYPES for t in types):
                    return item
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))
    return {}


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
    seen: set[str] = set()
    unique = []
    for para in paras:
        if para and para not in seen:
            seen.add(para)
            unique.append(para)
    return unique


def parse(text: str, path: str) -> Iterator[Article | Problem]:
    """Yield the one article on an HTML page."""
    depth, rebuilt, elements = tree_shape(text)
    if elements > MAX_HTML_ELEMENTS:
        yield Problem(path, f"HTML has over {MAX_HTML_ELEMENTS:,} elements, too many for an article page; skipped")
        return
    if depth > MAX_HTML_DEPTH:
        yield Problem(path, f"HTML is nested {depth:,} elements deep, over the limit of {MAX_HTML_DEPTH:,}; skipped")
        return
    if rebuilt > MAX_REBUILT:
        reason = f"HTML leaves formatting tags open that the parser would re-create over {MAX_REBUILT:,} times; skipped"
        yield Problem(path, reason)
        return
    tree = LexborHTMLParser(text)
    ld = _json_ld(tree)
    for node in tree.css(FURNITURE):
        node.decompose()
    title = squash(clean_text(_ld_text(ld.get("headline")))) or _meta(tree, "og:title", "twitter:title", "headline")
    if not title:
        h1 = tree.css_first("h1")
        title_tag = tree.css_first("title")
        title = squash(clean_text((h1 or title_tag).text(deep=True))) if (h1 or title_tag) else ""
    body_text = _ld_text(ld.get("articleBody"))
    if body_text:
        paras = [squash(clean_text(p)) for p in body_text.split("\n") if p.strip()]
    else:
        container = _container(tree)
        paras = _paragraphs(container) if container is not None else []
        if title and paras and paras[0] == title:
            paras = paras[1:]
    if not paras:
        yield Problem(path, "no article text found on this HTML page (no paragraphs in an article or main element)")
        return
    dateline, paras[0] = split_dateline(paras[0])
    authors = json_names(ld.get("author")) or split_authors(
        _meta(tree, "author", "article:author", "byl", "dc.creator")
    )
    authors = [a for a in authors if not a.startswith(("http://", "https://"))]
    published = parse_datetime(ld.get("datePublished")) or parse_datetime(
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
    if published is None:
        time = tree.css_first("time[datetime]")
        published = parse_datetime(time.attributes.get("datetime")) if time is not None else None
    updated = parse_datetime(ld.get("dateModified")) or parse_datetime(
        _meta(tree, "article:modified_time", "dateModified")
    )
    canonical = tree.css_first('link[rel="canonical"]')
    url = _meta(tree, "og:url") or (canonical.attributes.get("href") or "" if canonical is not None else "")
    publisher = ld.get("publisher")
    source = (json_names(publisher)[0] if json_names(publisher) else "") or _meta(
        tree, "og:site_name", "application-name"
    )
    tags = json_tags(ld.get("keywords") or []) + json_tags(ld.get("articleSection") or [])
    if not tags:
        tags = json_tags(_meta(tree, "article:section", "keywords", "news_keywords"))
    yield Article(
        id=file_stem(path),
        title=title,
        body="\n\n".join(paras),
        authors=authors,
        published=published,
        updated=updated,
        dateline=dateline,
        source=source,
        url=squash(str(url)),
        tags=unique_tags(tags),
        path=path,
    )


def _ld_text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""
