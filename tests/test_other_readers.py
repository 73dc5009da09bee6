"""JSON/JSONL, HTML and Reuters SGML readers, and format sniffing."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from conftest import DATA, REUTERS, need_shared
from hypothesis import given
from hypothesis import strategies as st

from archive_search.dates import parse_date_bound, parse_datetime
from archive_search.errors import InputError
from archive_search.model import Article
from archive_search.readers import Problem, parse_bytes, sniff_format


def items(data: bytes | str, path: str) -> list:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(parse_bytes(raw, path))


def articles(data, path) -> list[Article]:
    return [i for i in items(data, path) if isinstance(i, Article)]


# -- JSON and JSON Lines -------------------------------------------------------------


WIRE = {
    "mw-0001": ("Staten Island Ferry Adds Late-Night Weekend Trips", ["Renata Solís"], "2016-03-08T14:20:00+00:00"),
    "mw-0002": (
        "Newark Library Branch Reopens After Roof Repair",
        ["Grace Otieno", "Felix Brandt"],
        "2015-11-19T13:05:00+00:00",
    ),
    "mw-0003": (
        "Snowstorm Cancels Hundreds of Flights at LaGuardia and O'Hare",
        ["Inès Carvalho", "Dmitri Volkov"],
        "2017-03-14T13:30:00+00:00",
    ),
    "mw-0004": ("Hoboken Weighs Fee for Waterfront Food Trucks", ["Hamid Rahimi"], "2016-05-02T00:00:00+00:00"),
    "mw-0005": (
        "Evanston Extends Beach Hours as Heat Wave Settles In",
        ["Colleen Brennan"],
        "2014-07-22T21:45:00+00:00",
    ),
    "wire-6": ("Yonkers Approves Bike Path Along Saw Mill River", ["Tomás Echeverría"], "2013-12-03T11:00:00+00:00"),
    "mw-0007": ("Oak Park Votes to Keep Historic Theater Marquee", ["Marguerite Dubois"], "2017-09-19T02:10:00+00:00"),
    "mw-0008": ("Jersey City Rent Board Caps Increases at 2 Percent", ["Zoltán Kertész"], "2010-02-10T06:30:00+00:00"),
}


def test_wire_jsonl_key_spellings():
    path = DATA / "feeds" / "wire.jsonl"
    found = {a.id: a for a in articles(path.read_bytes(), str(path))}
    assert set(found) == set(WIRE)
    for article_id, (title, authors, published) in WIRE.items():
        article = found[article_id]
        assert article.title == title
        assert article.authors == authors
        assert article.published == datetime.fromisoformat(published)
        assert article.body and article.url.startswith("https://metrowire.example/")
    assert found["mw-0003"].source == "Metro Wire"
    assert found["mw-0004"].tags == ["food trucks", "Hoboken", "city council"]
    assert found["mw-0005"].dateline == "EVANSTON"
    assert [found[i].position for i in ("mw-0001", "wire-6", "mw-0008")] == [1, 6, 8]


def test_jsonl_bad_lines_are_reported_and_skipped():
    text = "\n".join(
        [
            json.dumps({"id": "a", "title": "Good one", "body": "Text."}),
            '{"id": "b", "title": "Broken',
            json.dumps({"id": "c", "url": "http://x"}),
            json.dumps(["not", "an", "object"]),
            json.dumps({"id": "d", "headline": "Also good", "content": "More."}),
        ]
    )
    got = items(text, "/a/feed.jsonl")
    assert [a.id for a in got if isinstance(a, Article)] == ["a", "d"]
    problems = [p for p in got if isinstance(p, Problem)]
    assert [(p.line, p.warning) for p in problems] == [(2, False), (3, False), (4, False)]
    assert "invalid JSON" in problems[0].reason
    assert "no text" in problems[1].reason and "title" in problems[1].reason
    assert str(problems[0]).startswith("/a/feed.jsonl:2: ")


@pytest.mark.parametrize(
    ("document", "ids"),
    [
        ({"id": 7, "headline": "One", "articleBody": "Body"}, ["7"]),
        ([{"title": "A", "text": "x"}, {"title": "B", "text": "y"}], ["doc-1", "doc-2"]),
        ({"articles": [{"id": "q", "title": "Q", "body": "z"}]}, ["q"]),
    ],
)
def test_json_document_shapes(document, ids):
    assert [a.id for a in articles(json.dumps(document), "/a/doc.json")] == ids


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017-08-16T14:58:00Z", "2017-08-16T14:58:00+00:00"),
        ("2017-08-16T14:58:00.123-05:00", "2017-08-16T14:58:00.123000-05:00"),
        ("Wed, 16 Aug 2017 14:58:00 -0500", "2017-08-16T14:58:00-05:00"),
        ("August 16, 2017 2:58pm", "2017-08-16T14:58:00+00:00"),
        (1502913480, "2017-08-16T19:58:00+00:00"),
        (1502913480000, "2017-08-16T19:58:00+00:00"),
        ("not a date", None),
        ("²", None),  # str.isdigit() is true for superscripts, int() is not
        ("٢٠١٧-٠٨-١٦", None),  # non-ASCII digits are not a date
    ],
)
def test_json_dates(value, expected):
    (article,) = articles(json.dumps({"title": "T", "body": "B", "date": value}), "/a/d.json")
    assert (article.published.isoformat() if article.published else None) == expected


def test_author_objects_and_strings():
    record = {"title": "T", "body": "B", "author": [{"@type": "Person", "name": "Ana Ruiz"}, "Tom Becker"]}
    (article,) = articles(json.dumps(record), "/a/x.json")
    assert article.authors == ["Ana Ruiz", "Tom Becker"]
    record["author"] = "By Ana Ruiz and Tom Becker"
    (article,) = articles(json.dumps(record), "/a/x.json")
    assert article.authors == ["Ana Ruiz", "Tom Becker"]


def test_invalid_json_document():
    (problem,) = items('{"title": "x", ', "/a/bad.json")
    assert isinstance(problem, Problem) and "invalid JSON" in problem.reason


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(["title", "body", "id", "date", "author", "tags", "url", "x"]), children, max_size=5
            )
        ),
        max_leaves=20,
    )
)
def test_json_reader_never_raises(value):
    for item in items(json.dumps(value), "/f/fuzz.json"):
        assert isinstance(item, (Article, Problem))


@given(st.one_of(st.text(max_size=60), st.integers(), st.floats()))
def test_parse_datetime_never_raises(value):
    moment = parse_datetime(value)
    assert moment is None or moment.tzinfo is not None


@given(st.text(max_size=30))
def test_parse_date_bound_raises_only_value_error(text):
    try:
        start, end = parse_date_bound(text), parse_date_bound(text, end=True)
    except ValueError:
        return
    assert start <= end


# -- HTML --------------------------------------------------------------------------------


def test_full_html_page():
    path = DATA / "pages" / "harbor-ferry-route.html"
    (article,) = articles(path.read_bytes(), str(path))
    assert article.title == "New Ferry Route Will Link Red Hook to Wall Street by Summer"
    assert article.authors == ["Nadia Ferreira", "Owen McCaffrey"]
    assert article.published.isoformat() == "2017-03-21T06:45:00-04:00"
    assert article.updated.isoformat() == "2017-03-21T10:12:00-04:00"
    assert article.url == "https://harborledger.example/news/2017/03/21/red-hook-ferry-route"
    assert article.source == "The Harbor Ledger"
    assert article.dateline == "RED HOOK"
    paras = article.body.split("\n\n")
    assert len(paras) == 5
    assert paras[0].startswith("A new ferry route will connect Red Hook to Pier 11")
    assert "Smith & Sons Marine Supply" in article.body
    for clutter in ("cookie", "Ferry schedule widget", "News from the Brooklyn waterfront", "©", "Most read"):
        assert clutter not in article.body
    assert article.id == "harbor-ferry-route"


def test_simple_html_page():
    path = DATA / "pages" / "community-board-vote.html"
    (article,) = articles(path.read_bytes(), str(path))
    assert article.title == "Community Board 12 Rejects Plan for Dyckman Street Hotel"
    assert article.authors == ["Beatriz Acevedo"]
    assert article.published.isoformat() == "2011-10-19T21:30:00-04:00"
    assert article.dateline == "INWOOD"
    assert len(article.body.split("\n\n")) == 5
    assert "newsletter" not in article.body.lower() and "Related stories" not in article.body


def test_html_page_with_no_article():
    page = "<!doctype html><html><head><title>Home</title></head><body><nav><a href=/>Home</a></nav><script>var x=1</script></body></html>"
    (problem,) = items(page, "/w/index.html")
    assert isinstance(problem, Problem) and not problem.warning
    assert "no article text" in problem.reason


@given(st.text(max_size=500))
def test_html_reader_never_raises(text):
    try:
        for item in items("<html><body><article>" + text + "</article></body></html>", "/w/fuzz.html"):
            assert isinstance(item, (Article, Problem))
    except InputError as exc:  # control characters: reported as a binary file
        assert "binary" in str(exc)


# -- Reuters SGML ----------------------------------------------------------------------------

# Written for this project in the layout of Reuters-21578 (not text from the collection).
SGML = """<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="1" NEWID="101">
<DATE> 2-MAR-1987 09:15:00.00</DATE>
<TOPICS><D>grain</D><D>wheat</D></TOPICS>
<PLACES><D>canada</D></PLACES>
<TEXT>&#2;
<TITLE>PRAIRIE WHEAT STOCKS &lt;LOWER&gt; IN FEBRUARY</TITLE>
<DATELINE>    WINNIPEG, March 2 - </DATELINE><BODY>Wheat stocks held on prairie farms
fell in February, a grain board survey said.
    The survey counted more bins than last year &amp; fewer bushels.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" NEWID="102">
<DATE>2-MAR-1987 09:16:00.00</DATE>
<TOPICS></TOPICS><PLACES></PLACES>
<TEXT TYPE="BRIEF">&#2;
<TITLE>SHORT ITEM ON COPPER PRICES</TITLE>
&#3;</TEXT>
</REUTERS>
<REUTERS TOPICS="NO" NEWID="103">
<DATE>2-MAR-1987 09:17:00.00</DATE>
<TEXT TYPE="UNPROC">&#2;
Unprocessed copy about tin.
&#3;</TEXT>
</REUTERS>
"""


def test_reuters_fixture():
    got = articles(SGML, "/r/reut2-999.sgm")
    assert [a.id for a in got] == ["reuters-101", "reuters-102", "reuters-103"]
    first = got[0]
    assert first.title == "PRAIRIE WHEAT STOCKS <LOWER> IN FEBRUARY"
    assert first.dateline == "WINNIPEG"
    assert first.published == datetime(1987, 3, 2, 9, 15, tzinfo=timezone.utc)
    assert first.tags == ["grain", "wheat", "canada"]
    assert first.body == (
        "Wheat stocks held on prairie farms fell in February, a grain board survey said.\n\n"
        "The survey counted more bins than last year & fewer bushels."
    )
    assert first.source == "Reuters" and first.position == 1
    assert got[1].title == "SHORT ITEM ON COPPER PRICES" and got[1].body == ""
    assert got[2].title == "" and got[2].body == "Unprocessed copy about tin."


def test_truncated_reuters_file():
    truncated = SGML[: SGML.index("</REUTERS>")]
    (problem,) = items(truncated, "/r/reut2-998.sgm")
    assert isinstance(problem, Problem) and "no <REUTERS> stories" in problem.reason


def test_real_reuters_collection():
    need_shared(REUTERS)
    total, dated, titled, datelined = 0, 0, 0, 0
    warnings = []
    for path in sorted(REUTERS.glob("*.sgm")):
        for item in parse_bytes(path.read_bytes(), str(path)):
            if isinstance(item, Article):
                total += 1
                dated += item.published is not None
                titled += bool(item.title)
                datelined += bool(item.dateline)
            else:
                assert item.warning, item
                warnings.append(item)
    assert total == 21578
    assert dated == 21578
    assert titled > 20000 and datelined > 18000
    assert len(warnings) == 2  # one empty story, one file with a Latin-1 byte


# -- sniffing and whole-file errors -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("a.txt", "Title\n\nBy X | May 1, 2014 9:05pm\n\nText", "dnainfo"),
        ("a", '{"title": "x"}\n{"title": "y"}\n', "jsonl"),
        ("a.txt", '[{"title": "x"}]', "json"),
        ("a.txt", "{ not json at all, a title in braces }\n\nBody", "dnainfo"),
        ("a.dat", "<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        ("page.html", "  hello <b>there</b>", "html"),
        ("notes", '<!DOCTYPE lewis SYSTEM "lewis.dtd">\n<REUTERS NEWID="1">', "reuters"),
        ("feed.json", '{"a": 1}\n{"b": 2}', "json"),
    ],
)
def test_sniffing(name, content, fmt):
    assert sniff_format(name, content) == fmt


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\n ", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    ],
)
def test_whole_file_errors(data, reason):
    with pytest.raises(InputError) as info:
        list(parse_bytes(data, "/x/file.txt"))
    assert reason in str(info.value) and "/x/file.txt" in str(info.value)


def test_non_utf8_is_decoded_with_a_warning():
    data = "Caf\xe9 Owner Speaks\n\nBy Jos\xe9 Ruiz | May 1, 2014 9:05pm\n\nText.\n".encode("cp1252")
    got = items(data, "/x/latin.txt")
    assert isinstance(got[0], Problem) and got[0].warning and "not valid UTF-8" in got[0].reason
    assert got[1].title == "Café Owner Speaks" and got[1].authors == ["José Ruiz"]


@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_crash(data):
    try:
        for item in parse_bytes(data, "/x/any.bin"):
            assert isinstance(item, (Article, Problem))
    except InputError:
        pass
