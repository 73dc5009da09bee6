"""Reader edge cases, one row each: a file's bytes and the fields (or the problem) expected from them.

Every input is a short made-up article written for the row.
"""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

from archive_search.errors import InputError
from archive_search.model import Article
from archive_search.readers import MAX_ARTICLE_CHARS, Problem, parse_bytes


def _dnainfo(byline: str, first: str) -> bytes:
    return f"Pier Market Opens\n\n{byline} | May 3, 2016 9:00am\n\n{first}\n\nMore stalls open next week.\n".encode()


def _json(record: dict) -> bytes:
    return json.dumps(record).encode()


def _reuters(*stories: tuple[int, str, str], end: str = "") -> bytes:
    parts = [
        f'<REUTERS TOPICS="NO" NEWID="{newid}">\n<DATE>26-FEB-1987 15:01:01.79</DATE>\n'
        f"<TEXT>\n<TITLE>{title}</TITLE>\n<BODY>{body}\n Reuter\n</BODY></TEXT>\n</REUTERS>"
        for newid, title, body in stories
    ]
    return ("\n".join(parts) + end).encode()


_PAGE = """<!doctype html><html><head><title>{title} | The Quay Post</title>
<meta property="og:title" content="{title}">{head}</head>
<body><nav><p>Home | Sections</p></nav><article>{article}</article></body></html>"""


def _html(title: str, article: str, head: str = "") -> bytes:
    return _PAGE.format(title=title, article=article, head=head).encode()


_LD_AUTHORS = (
    '<script type="application/ld+json">{"@type": "NewsArticle", "author": '
    '[{"name": "Ana Ruiz"}, {"name": "https://quaypost.example/staff/ana-ruiz"}]}</script>'
)

# (row id, file name, bytes, expected fields of the one article)
ARTICLES = [
    (
        "dnainfo-two-letter-dateline",
        "ny_001.txt",
        _dnainfo("By Ana Ruiz", "NY — The market opened on the pier Saturday."),
        {"dateline": "NY", "body": "The market opened on the pier Saturday.\n\nMore stalls open next week."},
    ),
    (
        "json-two-letter-dateline-in-body",
        "wire.jsonl",
        _json({"id": "w1", "title": "Pier Market Opens", "body": "LA -- The market opened on the pier."}),
        {"dateline": "LA", "body": "The market opened on the pier."},
    ),
    (
        "dnainfo-last-first-middle-is-one-author",
        "ny_002.txt",
        _dnainfo("By Ruiz, Ana Maria", "BROOKLYN — The market opened."),
        {"authors": ["Ruiz, Ana Maria"], "dateline": "BROOKLYN"},
    ),
    (
        "json-last-first-middle-is-one-author",
        "wire.jsonl",
        _json({"id": "w2", "title": "Pier Market Opens", "body": "Text.", "author": "Ruiz, Ana Maria"}),
        {"authors": ["Ruiz, Ana Maria"]},
    ),
    (
        "json-two-full-names-are-two-authors",
        "wire.jsonl",
        _json({"id": "w3", "title": "Pier Market Opens", "body": "Text.", "author": "Ana Ruiz, Tom Becker"}),
        {"authors": ["Ana Ruiz", "Tom Becker"]},
    ),
    (
        "json-empty-title-gives-way-to-headline",
        "wire.jsonl",
        _json({"id": "w4", "title": "", "headline": "Pier Market Opens", "body": "The market opened."}),
        {"title": "Pier Market Opens", "body": "The market opened."},
    ),
    (
        "html-title-repeated-as-first-paragraph-dropped",
        "page.html",
        _html(
            "Pier Market Opens", "<p>Pier Market Opens</p><p>The market opened on the pier.</p><p>More next week.</p>"
        ),
        {"title": "Pier Market Opens", "body": "The market opened on the pier.\n\nMore next week."},
    ),
    (
        "html-json-ld-url-authors-dropped",
        "page.html",
        _html("Pier Market Opens", "<p>The market opened on the pier.</p>", head=_LD_AUTHORS),
        {"authors": ["Ana Ruiz"], "body": "The market opened on the pier."},
    ),
    (
        "html-meta-url-author-dropped",
        "page.html",
        _html(
            "Pier Market Opens",
            "<p>The market opened.</p>",
            head='<meta name="author" content="https://www.facebook.example/quaypost">',
        ),
        {"authors": []},
    ),
]


def _parse(name: str, data: bytes) -> tuple[list[Article], list[Problem]]:
    items = list(parse_bytes(data, f"/archive/{name}"))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)]


@pytest.mark.parametrize(("name", "data", "expected"), [row[1:] for row in ARTICLES], ids=[row[0] for row in ARTICLES])
def test_one_article_with_these_fields(name, data, expected):
    articles, problems = _parse(name, data)
    assert problems == []
    (article,) = articles
    assert {key: getattr(article, key) for key in expected} == expected


def test_reuters_last_story_is_read_when_the_file_has_no_final_newline():
    data = _reuters((1, "PIER TRADE UP", "Pier trade rose."), (2, "QUAY FEES CUT", "Quay fees fell."))
    assert data.endswith(b"</REUTERS>")
    articles, problems = _parse("reut2-000.sgm", data)
    assert problems == []
    assert [(a.id, a.title, a.body) for a in articles] == [
        ("reuters-1", "PIER TRADE UP", "Pier trade rose."),
        ("reuters-2", "QUAY FEES CUT", "Quay fees fell."),
    ]
    with_newline, _ = _parse("reut2-000.sgm", data + b"\n")
    assert [a.id for a in with_newline] == ["reuters-1", "reuters-2"]


def test_a_story_over_the_article_limit_is_refused_and_its_neighbours_kept():
    body = "quay " * (MAX_ARTICLE_CHARS // 5 + 1)
    title = "LONG"
    length = len(title) + len(" ".join(body.split()))  # the body as read: white space made one space
    assert length > MAX_ARTICLE_CHARS
    articles, problems = _parse(
        "reut2-001.sgm", _reuters((1, "SHORT", "Pier trade rose."), (2, title, body), (3, "ALSO SHORT", "Fees fell."))
    )
    assert [a.id for a in articles] == ["reuters-1", "reuters-3"]
    (problem,) = problems
    assert not problem.warning
    assert (
        problem.reason == f"article is {length:,} characters, over the {MAX_ARTICLE_CHARS:,}-character limit; skipped"
    )


@pytest.mark.parametrize(
    "data",
    [
        b"Pier Market Opens\n\nThe market opened\x00 on the pier.\n",
        b"\x00" + b"Pier Market Opens\n\nThe market opened on the pier, said everyone there.\n" * 20,
    ],
    ids=["one-nul-inside", "nul-first"],
)
def test_a_nul_byte_makes_a_file_binary(data):
    with pytest.raises(InputError, match="binary file"):
        list(parse_bytes(data, "/archive/story.txt"))


def test_upper_case_image_names_are_skipped_not_failed(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "story.txt").write_bytes(_dnainfo("By Ana Ruiz", "NY — The market opened."))
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    (folder / "LOGO.PNG").write_bytes(png)
    (folder / "Photo.Jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)))
    result = run_cli("index", str(folder), "--index", str(tmp_path / "index"))
    assert result.exit_code == 0, result.stderr
    assert "error" not in result.stderr
    assert "1 file in " in result.stderr and "skipped 2 files not articles" in result.stderr
