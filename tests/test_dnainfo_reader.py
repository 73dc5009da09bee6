"""The DNAinfo archive text reader, checked against the sample archive's manifest and the real seed file."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime

import pytest
from conftest import DATA, ROOT, SEED, need_shared
from hypothesis import given
from hypothesis import strategies as st

from archive_search.model import Article
from archive_search.readers import Problem, parse_bytes
from archive_search.readers.common import split_authors, split_dateline


def read(path, data: bytes | None = None) -> list:
    return list(parse_bytes(data if data is not None else path.read_bytes(), str(path)))


def manifest_rows() -> list[dict]:
    """Tables 1a and 1b of data/README.md, joined on the path."""
    text = (DATA / "README.md").read_text(encoding="utf-8")

    def table(heading: str) -> list[list[str]]:
        section = text.split(heading, 1)[1].split("\n### ", 1)[0]
        rows = [line for line in section.splitlines() if line.startswith("| ") and line[2:3].isdigit()]
        return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]

    expected = {}
    for _num, path, title, authors, _pub, _upd, dateline, _dash in table("### 1a."):
        expected[path.strip("`")] = {"title": title, "authors": json.loads(authors), "dateline": dateline}
    for _num, path, variants, published, updated, *_ in table("### 1b."):
        row = expected[path.strip("`")]
        row.update(path=path.strip("`"), variants=variants, published=published, updated=updated)
    return list(expected.values())


ROWS = manifest_rows()


def test_manifest_covers_the_sample_archive():
    assert len(ROWS) == 30
    assert {r["path"] for r in ROWS} == {str(p.relative_to(ROOT)) for p in (DATA / "dnainfo").rglob("*.txt")}


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["path"].rsplit("/", 1)[-1])
def test_sample_article_fields(row):
    path = ROOT / row["path"]
    items = read(path)
    assert len(items) == 1 and isinstance(items[0], Article), items
    article = items[0]
    assert article.title == row["title"]
    assert article.authors == row["authors"]
    assert article.published == datetime.fromisoformat(row["published"])
    assert article.published.utcoffset() == datetime.fromisoformat(row["published"]).utcoffset()
    assert article.updated == (None if row["updated"] == "—" else datetime.fromisoformat(row["updated"]))
    assert article.dateline == ("" if row["dateline"] == "—" else row["dateline"])
    assert article.id == path.stem
    assert article.source == ("DNAinfo Chicago" if "/chicago/" in row["path"] else "DNAinfo New York")
    # The dateline is lifted out of the body; nothing of the byline or banner is left in it.
    assert not article.body.startswith(article.dateline or "\0")
    assert "DNAinfo archives" not in article.body and " | " not in article.body.split("\n")[0]
    assert "\r" not in article.body and "\u00a0" not in article.body
    assert len(article.body.split("\n\n")) >= 4


def test_seed_article():
    need_shared(SEED)
    (article,) = read(SEED)
    assert article.title == "Sessions To Chicagoans: Don't Call Me, Call Your Mayor About Losing Grants"
    assert article.authors == ["Tanveer Ali"]
    assert article.published.isoformat() == "2017-08-16T14:58:00-05:00"
    assert article.dateline == "CHICAGO"
    assert article.source == "DNAinfo Chicago"
    assert article.body.startswith("U.S. Attorney General Jeff Sessions slammed a lawsuit")
    assert "sanctuary" in article.body
    assert "Read the press release" not in article.body


def _article(text: str, name: str = "story.txt") -> Article:
    (item,) = list(parse_bytes(text.encode("utf-8"), f"/archive/{name}"))
    assert isinstance(item, Article), item
    return item


def test_crlf_banner_missing_and_updated():
    text = "Title Here\r\n\r\nBy A. Writer | May 1, 2014 9:05pm | Updated on May 2, 2014 8:00am\r\n\r\nASTORIA -- It rained.\r\n\r\nThen it stopped.\r\n"
    article = _article(text)
    assert article.title == "Title Here"
    assert article.dateline == "ASTORIA"
    assert article.body == "It rained.\n\nThen it stopped."
    assert article.published.isoformat() == "2014-05-01T21:05:00-04:00"
    assert article.updated.isoformat() == "2014-05-02T08:00:00-04:00"


def test_no_byline_is_read_as_plain_text():
    article = _article("Just a headline\n\nSome body text here.\n")
    assert (article.title, article.body, article.authors, article.published) == (
        "Just a headline",
        "Some body text here.",
        [],
        None,
    )


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("By Tanveer Ali", ["Tanveer Ali"]),
        ("By Ana Ruiz and Tom Becker", ["Ana Ruiz", "Tom Becker"]),
        ("By Priya Raman, Lee Park and Samuel Whitford", ["Priya Raman", "Lee Park", "Samuel Whitford"]),
        ("By DNAinfo Staff", ["DNAinfo Staff"]),
        ("Comaromi, J.P.", ["Comaromi, J.P."]),
        ("By Søren Ødegård & Renée Lafontaine", ["Søren Ødegård", "Renée Lafontaine"]),
    ],
)
def test_split_authors(byline, authors):
    assert split_authors(byline) == authors


@pytest.mark.parametrize(
    ("paragraph", "dateline", "rest"),
    [
        ("CHICAGO — The city sued.", "CHICAGO", "The city sued."),
        ("BEDFORD-STUYVESANT – Tenants met.", "BEDFORD-STUYVESANT", "Tenants met."),
        ("UPPER WEST SIDE -- A plan.", "UPPER WEST SIDE", "A plan."),
        ("ST. ALBANS — Quiet.", "ST. ALBANS", "Quiet."),
        ("The mayor — who spoke — left.", "", "The mayor — who spoke — left."),
        ("U.S. officials said so.", "", "U.S. officials said so."),
        ("A — B", "", "A — B"),
    ],
)
def test_split_dateline(paragraph, dateline, rest):
    assert split_dateline(paragraph) == (dateline, rest)


@given(st.text(max_size=2000))
def test_reader_never_raises_on_arbitrary_text(text):
    try:
        items = list(parse_bytes(text.encode("utf-8"), "/x/fuzz.txt"))
    except Exception as exc:  # only the documented whole-file errors may escape
        from archive_search.errors import InputError

        assert isinstance(exc, InputError)
        return
    for item in items:
        assert isinstance(item, (Article, Problem))
        if isinstance(item, Article):
            assert item.title or item.body
            assert "\r" not in item.body


@given(
    # U+200B is dropped by the reader (clean_text), so a title of it alone would be no title;
    # markup or JSON in the head makes the file another format ("<REUTERS", "<html", "{").
    title=st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\u200b<"),
        min_size=1,
        max_size=80,
    ).filter(lambda t: t.strip() and not t.strip().lower().startswith("by ") and t.strip()[0] not in "{["),
    names=st.lists(st.from_regex(r"[A-Z][a-zà-ÿ]{1,10} [A-Z][a-zà-ÿ]{1,12}", fullmatch=True), min_size=1, max_size=3),
    minute=st.integers(0, 59),
    hour=st.integers(1, 12),
)
def test_generated_bylines_round_trip(title, names, minute, hour):
    byline = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    text = f"{title}\n\nBy {byline} |\u00a0March 3, 2015 {hour}:{minute:02d}pm\n\nINWOOD — Body text.\n"
    article = _article(text)
    # The reader stores text NFC-normalised: U+FB2A (a composition exclusion) comes back as
    # U+05E9 U+05C1, so the expectation is the NFC form of the title, not the title as typed.
    assert article.title == " ".join(unicodedata.normalize("NFC", title).split())
    assert article.authors == names
    assert (article.published.hour, article.published.minute) == ((hour % 12) + 12, minute)
    assert article.dateline == "INWOOD"
