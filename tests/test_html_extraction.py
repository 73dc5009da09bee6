"""The HTML reader on the page shapes that defeated its paragraph heuristics, and on real pages.

The fixture pages are invented here; the real pages are read from ../shared/extraction
(skipped when absent) and scored against trafilatura alone, measured in the same test.
"""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest
from conftest import SHARED, need_shared
from test_startup import imported_modules

from archive_search.model import Article
from archive_search.readers import Problem, parse_bytes
from archive_search.readers.html import parse

EXTRACTION = SHARED / "extraction"

# Invented story text: each sentence distinct, so that a lost or repeated paragraph shows.
STORY = [
    "The ferry to Gull Island ran late on Tuesday after a gearbox on the older of its two boats failed off the north pier.",
    "Passengers waited nearly two hours on the quay, where volunteers from the harbour cafe handed out tea and blankets.",
    "The operator said a replacement part was flown in from the mainland and fitted before the evening crossing.",
    "Islanders have asked for a third boat since the winter timetable cut the number of daily crossings from six to four.",
    "A spokesperson for the county council said a review of the service would be published before the end of the spring.",
    "Fishermen at the north pier said the currents there had grown stronger since the breakwater was rebuilt last year.",
]
SECOND_HALF = [
    "In the second part of the evening the harbour master explained how the tide tables had been redrawn for the new pier.",
    "She said the old charts dated from a survey in which the sandbar east of the lighthouse had not yet formed at all.",
    "Pilots now wait for the flood tide before bringing larger boats through, which adds up to an hour to some crossings.",
]


def page(body: str, head: str = "", title: str = "Ferry Delays Strand Gull Island Travellers") -> str:
    return (
        f"<!doctype html><html><head><title>{title}</title>{head}</head>"
        f"<body><nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>{body}"
        "<footer><p>Copyright The Gull Island Gazette. All rights reserved. Terms and privacy.</p></footer></body></html>"
    )


def paragraphs(sentences: list[str]) -> str:
    return "".join(f"<p>{s}</p>" for s in sentences)


def read(text: str, url: str = "") -> Article:
    (item,) = list(parse(text, "/p/story.html", url=url))
    assert isinstance(item, Article), item
    return item


def assert_story(article: Article, sentences: list[str]) -> None:
    """Every sentence once, in order, each its own paragraph."""
    paras = article.body.split("\n\n")
    for sentence in sentences:
        assert paras.count(sentence) == 1, (sentence, paras)
    positions = [paras.index(s) for s in sentences]
    assert positions == sorted(positions)


def ld(obj: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def test_text_in_divs_and_line_breaks_without_paragraphs():
    body = "<div class='story'>" + "<br><br>".join(STORY) + "</div>"
    article = read(page(body))
    for sentence in STORY:
        assert sentence in article.body
    assert "Home" not in article.body.split("\n\n")


def test_text_in_divs_without_paragraphs_is_not_lost_on_a_short_page():
    article = read(page("<div><div>" + STORY[0] + "</div><div>" + STORY[1] + "</div></div>"))
    assert STORY[0] in article.body and STORY[1] in article.body


def test_an_aspnet_page_inside_one_form():
    body = (
        "<form method='post' action='./story.aspx' id='aspnetForm'>"
        "<input type='hidden' name='__VIEWSTATE' value='dDwtMTA4NzM2NjM5Nzs7Pg=='>"
        f"<div id='ctl00_content'><h1>Ferry Delays Strand Gull Island Travellers</h1>{paragraphs(STORY)}</div></form>"
    )
    article = read(page(body))
    assert_story(article, STORY)


def test_several_articles_where_one_is_comments():
    comments = "".join(
        f"<div class='comment'><p class='who'>Reader {i}</p><p>Reader {i} wrote: this ferry is always late and nobody at the council "
        f"ever listens to us, I have complained every week for a year and a half about the crossings.</p></div>"
        for i in range(12)
    )
    body = (
        f"<main><article class='story'><h1>Ferry Delays</h1>{paragraphs(STORY)}</article>"
        f"<article id='comments' class='comments'><h2>Comments</h2>{comments}</article></main>"
    )
    article = read(page(body))
    assert_story(article, STORY)
    assert "Reader 3 wrote" not in article.body


def test_several_articles_where_the_others_are_teasers():
    teasers = "".join(
        f"<article class='teaser'><h3><a href='/n/{i}'>Lifeboat crew number {i} honoured</a></h3></article>"
        for i in range(8)
    )
    body = f"<article><h1>Ferry Delays</h1>{paragraphs(STORY)}</article><aside>{teasers}</aside>"
    article = read(page(body))
    assert_story(article, STORY)
    assert "Lifeboat crew" not in article.body


def test_a_story_split_in_sections_keeps_its_second_half():
    body = (
        f"<div class='article-body'>{paragraphs(STORY)}</div>"
        "<div class='ad'>Advertisement</div><div class='newsletter'><p>Sign up for our newsletter.</p></div>"
        f"<div class='article-body'>{paragraphs(SECOND_HALF)}</div>"
    )
    article = read(page(body))
    assert_story(article, STORY + SECOND_HALF)


def test_a_json_ld_teaser_does_not_replace_the_page_text():
    head = ld({"@context": "https://schema.org", "@type": "NewsArticle", "articleBody": STORY[0][:60] + "..."})
    article = read(page(f"<article>{paragraphs(STORY)}</article>", head=head))
    assert_story(article, STORY)
    assert "..." not in article.body


def test_og_title_with_a_site_suffix_gives_way_to_the_visible_h1():
    head = '<meta property="og:title" content="Ferry Delays Strand Gull Island Travellers | The Gull Island Gazette">'
    title = "Ferry Delays Strand Gull Island Travellers | The Gull Island Gazette"
    body = f"<article><h1>Ferry Delays Strand Gull Island Travellers</h1>{paragraphs(STORY)}</article>"
    article = read(page(body, head=head, title=title))
    assert article.title == "Ferry Delays Strand Gull Island Travellers"
    assert not article.body.startswith("Ferry Delays")


def test_a_site_suffix_is_stripped_from_a_meta_title_without_h1():
    head = '<meta property="og:title" content="Pier Cafe Wins Award - Gull Island Gazette">'
    article = read(page(f"<article>{paragraphs(STORY)}</article>", head=head, title="Pier Cafe Wins Award"))
    assert article.title == "Pier Cafe Wins Award"


def test_entities_in_json_ld_headline_are_decoded():
    head = ld(
        {"@type": "NewsArticle", "headline": "Tea &amp; Blankets: Cafe&#8217;s Volunteers Help Stranded Travellers"}
    )
    body = f"<article>{paragraphs(STORY)}</article>"
    article = read(page(body, head=head, title="Tea &amp; Blankets"))
    assert article.title == "Tea & Blankets: Cafe\u2019s Volunteers Help Stranded Travellers"


def test_a_date_only_in_the_url_passed_as_url():
    url = "https://gazette.example/news/2019/11/19/ferry-delays-strand-travellers"
    article = read(page(f"<article>{paragraphs(STORY)}</article>"), url=url)
    assert article.published is not None and article.published.date() == date(2019, 11, 19)
    assert article.url == url


def test_the_given_url_is_the_article_url_over_the_declared_one():
    head = '<link rel="canonical" href="https://gazette.example/amp/ferry">'
    url = "https://gazette.example/news/ferry"
    assert read(page(f"<article>{paragraphs(STORY)}</article>", head=head), url=url).url == url
    assert read(page(f"<article>{paragraphs(STORY)}</article>", head=head)).url == "https://gazette.example/amp/ferry"


def test_a_placeholder_json_ld_date_gives_way_to_the_visible_date():
    head = ld({"@type": "NewsArticle", "headline": "Ferry Delays", "datePublished": "0001-01-01T00:00:00Z"})
    body = f"<article><h1>Ferry Delays</h1><p class='byline'>Published March 4, 2021</p>{paragraphs(STORY)}</article>"
    article = read(page(body, head=head))
    assert article.published is not None and article.published.date() == date(2021, 3, 4)


def test_a_placeholder_json_ld_date_gives_way_to_the_url_date():
    head = ld({"@type": "NewsArticle", "headline": "Ferry Delays", "datePublished": "0001-01-01"})
    url = "https://gazette.example/story/news/local/2019/11/19/ferry/123/"
    article = read(page(f"<article>{paragraphs(STORY)}</article>", head=head), url=url)
    assert article.published is not None and article.published.date() == date(2019, 11, 19)


def test_a_visible_byline():
    body = f"<article><h1>Ferry Delays</h1><div class='byline'>By Jane Doe</div>{paragraphs(STORY)}</article>"
    article = read(page(body))
    assert article.authors == ["Jane Doe"]
    assert "By Jane Doe" not in article.body


def test_a_page_with_no_text_is_a_problem():
    (item,) = list(parse("<html><head><title>x</title></head><body><nav></nav></body></html>", "/p/empty.html"))
    assert isinstance(item, Problem) and "no article text" in item.reason


def test_a_piped_search_does_not_import_the_extractor(sample_index):
    modules = imported_modules("search", "ferry", "--format", "jsonl", index=sample_index)
    assert "whoosh.searching" in modules  # the measurement works
    for heavy in ("trafilatura", "lxml", "lxml.etree", "htmldate", "justext", "dateparser"):
        assert heavy not in modules, f"{heavy} imported by a piped search"


# -- the development pages --------------------------------------------------------------


def _squash(text: str) -> str:
    return " ".join(text.split())


def _snippet_f1(counts: dict[str, int]) -> float:
    precision = counts["tp"] / (counts["tp"] + counts["fp"])
    recall = counts["tp"] / (counts["tp"] + counts["fn"])
    return 2 * precision * recall / (precision + recall)


def _score(counts: dict[str, int], truth: dict, text: str) -> None:
    text = _squash(text)
    for snippet in truth["body_with"]:
        counts["tp" if _squash(snippet) in text else "fn"] += 1
    for snippet in truth["body_without"]:
        counts["fp"] += _squash(snippet) in text


def _same_day(truth: dict, day: date | None) -> bool:
    return day is not None and day.isoformat() in {truth["published"], *truth["published_also"]}


@pytest.mark.soak  # some 10 s: run by .ci/run with the soak tests
def test_the_development_pages_read_at_least_as_well_as_trafilatura():
    need_shared(EXTRACTION / "expected.jsonl")
    import trafilatura

    truths = [json.loads(line) for line in (EXTRACTION / "expected.jsonl").read_text().splitlines() if line.strip()]
    ours, theirs = {"tp": 0, "fn": 0, "fp": 0}, {"tp": 0, "fn": 0, "fp": 0}
    failed, titles, days, their_days, dated = [], 0, 0, 0, 0
    for truth in truths:
        data = gzip.decompress((EXTRACTION / "pages" / f"{truth['file']}.gz").read_bytes())
        found = [item for item in parse_bytes(data, truth["file"]) if isinstance(item, Article)]
        if not found:
            failed.append(truth["id"])
            continue
        (article,) = found
        doc = trafilatura.bare_extraction(data, with_metadata=True)
        _score(ours, truth, article.body)
        _score(theirs, truth, doc.text if doc else "")
        titles += _squash(article.title) in {_squash(t) for t in [truth["title"], *truth["title_alt"]]}
        if truth["published"]:
            dated += 1
            days += _same_day(truth, article.published.date() if article.published else None)
            their_days += _same_day(truth, date.fromisoformat(doc.date[:10]) if doc and doc.date else None)
    assert failed == []
    assert titles / len(truths) >= 0.90
    assert _snippet_f1(ours) >= _snippet_f1(theirs), (ours, theirs)
    assert days >= their_days, (days, their_days, dated)
