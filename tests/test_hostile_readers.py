"""Hostile input for the readers (issue 17): records that must not abort a run, dates that
leave datetime's range in UTC, inputs that made a reader's cost super-linear, memory that grew
with the number of records, and the encodings Windows and web pages use.

Every hostile file is generated here. Cases the old code took minutes (or hours) on run in a
subprocess with a timeout, so that a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from conftest import DATA, SHARED, assert_no_traceback, need_shared, run_cli
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from archive_search.dates import parse_date_bound, parse_datetime, parse_us_date
from archive_search.errors import InputError
from archive_search.model import Article
from archive_search.readers import Problem, parse_bytes, parse_jsonl_lines
from archive_search.schema import document_fields

GOOD = "Good Title {n}\n\nBy Ana Ruiz | June 22, 2010 12:30pm\n\nBROOKLYN — Tenants said the rent rose again {n}.\n"


def items(data: bytes | str, path: str) -> list:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(parse_bytes(raw, path))


def articles(data, path) -> list[Article]:
    return [i for i in items(data, path) if isinstance(i, Article)]


def problems(data, path) -> list[Problem]:
    return [i for i in items(data, path) if isinstance(i, Problem)]


_TIMED = """
import json, sys, time
from archive_search.errors import InputError
from archive_search.readers import parse_bytes
data = eval(sys.argv[1])
started = time.perf_counter()
try:
    found = [str(item) if not hasattr(item, "body") else "article " + item.id for item in parse_bytes(data, sys.argv[2])]
except InputError as exc:
    found = ["refused: " + str(exc)]
print(json.dumps({"seconds": time.perf_counter() - started, "items": found}))
"""


def timed_parse(expression: str, path: str, timeout: float = 30) -> tuple[float, list[str]]:
    """Parse the bytes `expression` builds, in a subprocess: (seconds parsing, str of each item).
    A parse that outlives the timeout fails the test (the old code would take minutes)."""
    try:
        out = subprocess.run(
            [sys.executable, "-c", _TIMED, expression, path], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"parsing {expression[:60]}... took over {timeout} s")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    return report["seconds"], report["items"]


_MEMORY = """
import gc, resource, sys
from archive_search.readers import parse_bytes
data = eval(sys.argv[1])
list(parse_bytes(b'[{"title": "warm", "body": "up"}]', "/w/warm.json"))
gc.collect()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
count = sum(1 for _ in parse_bytes(data, sys.argv[2]))
print(count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def memory_growth_mb(expression: str, path: str) -> tuple[int, float]:
    """(items yielded, growth of peak RSS in MB) while parsing the bytes `expression` builds."""
    pytest.importorskip("resource")
    out = subprocess.run([sys.executable, "-c", _MEMORY, expression, path], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    count, growth_kb = out.stdout.split()
    return int(count), int(growth_kb) / 1024


def encodable(article: Article) -> bool:
    strings = [article.id, article.title, article.body, article.dateline, article.source, article.url]
    strings += article.authors + article.tags
    try:
        for text in strings:
            text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- item 3: one hostile JSON record must not abort the run ------------------------------------

HOSTILE_RECORDS = [
    '{"id": "good-1", "title": "Tenants Rally", "body": "Tenants said the rent rose again."}',
    '{"id": "lone-\\udc80", "title": "Surrogate Id", "body": "Tenants in the surrogate building."}',
    '{"id": "sur-fields", "title": "Sur\\ud800 Title", "body": "Tenants b\\udfffody.", "tags": ["rent\\udc80"],'
    ' "url": "https://x.example/\\udfff", "author": "Ana \\ud83d Ruiz", "source": "Wire\\udc00", "dateline": "X\\ud800"}',
    '{"id": "long-int", "title": "Tenants Number", "body": "Tenants.", "views": ' + "7" * 5000 + "}",
    '{"id": "inf-date", "title": "Tenants Inf", "body": "Tenants.", "published": 1e400}',
    '{"id": "huge-date", "title": "Tenants Huge", "body": "Tenants.", "published": 1' + "0" * 400 + "}",
    '{"id": "nan-date", "title": "Tenants NaN", "body": "Tenants.", "published": NaN}',
    '{"id": "good-2", "title": "Tenants Again", "body": "Tenants said so again."}',
]
INDEXED = {"good-1", "lone-\ufffd", "sur-fields", "inf-date", "huge-date", "nan-date", "good-2"}


def test_hostile_json_records_one_line_each_and_the_rest_indexed(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "feed.jsonl").write_text("\n".join(HOSTILE_RECORDS) + "\n", encoding="utf-8")
    array = "[\n" + ",\n".join(r.replace('"id": "', '"id": "arr-') for r in HOSTILE_RECORDS) + "\n]\n"
    (folder / "feed.json").write_text(array, encoding="utf-8")
    (folder / "late.txt").write_text(
        "Year End Story\n\nBy Ana Ruiz | December 31, 9999 11:59pm\n\nBROOKLYN — Tenants waited.\n", encoding="utf-8"
    )
    (folder / "zones.jsonl").write_text(
        "\n".join(
            json.dumps({"id": f"zone-{n}", "title": "Tenants Zone", "body": "Tenants.", "published": value})
            for n, value in enumerate(
                ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "Fri, 31 Dec 9999 23:59:59 -1200"]
            )
        ),
        encoding="utf-8",
    )
    index = tmp_path / "index"
    result = run_cli("index", str(folder), "--index", str(index))
    assert_no_traceback(result.stderr)
    assert "internal error" not in result.stderr
    lines = result.stderr.splitlines()
    assert any("feed.jsonl:4: record holds a number of 5,000 digits" in line for line in lines), result.stderr
    assert any("feed.json:5: record 4: record holds a number of 5,000 digits" in line for line in lines), result.stderr
    assert any("late.txt: byline date 'December 31, 9999 11:59pm'" in line for line in lines), result.stderr
    found = run_cli("search", "tenants", "--index", str(index), "--format", "ids", "-n", "100")
    assert_no_traceback(found.stderr)
    ids = set(found.stdout.split())
    expected = INDEXED | {"arr-" + i for i in INDEXED} | {"late", "zone-0", "zone-1", "zone-2"}
    assert ids == expected


def test_hostile_json_records_through_stdin(tmp_path):
    index = tmp_path / "index"
    stream = ("\ufeff" + "\n".join(HOSTILE_RECORDS) + "\n").encode("utf-8")
    result = run_cli("index", "-", "--index", str(index), input=stream)
    assert_no_traceback(result.stderr)
    assert "internal error" not in result.stderr
    assert "4: record holds a number of 5,000 digits" in result.stderr
    found = run_cli("search", "tenants", "--index", str(index), "--format", "ids", "-n", "100")
    assert set(found.stdout.split()) == INDEXED  # good-1 too: the BOM did not cost the first line


def test_stdin_lines_are_read_like_file_lines():
    lines = ["\ufeff" + HOSTILE_RECORDS[0] + "\n"] + [line + "\n" for line in HOSTILE_RECORDS[1:]]
    got = list(parse_jsonl_lines(lines, "-"))
    assert {a.id for a in got if isinstance(a, Article)} == INDEXED
    assert all(encodable(a) for a in got if isinstance(a, Article))
    (skipped,) = [p for p in got if isinstance(p, Problem) and not p.warning]
    assert skipped.line == 4 and "5,000 digits" in skipped.reason
    dates = [p.line for p in got if isinstance(p, Problem) and p.warning]
    assert dates == [5, 6, 7]  # each date dropped with a word


def test_no_reader_lets_a_lone_surrogate_through():
    record = json.loads(HOSTILE_RECORDS[2])
    (article,) = articles(HOSTILE_RECORDS[2], "/f/one.jsonl")
    assert encodable(article)
    assert article.tags == ["rent\ufffd"] and article.url == "https://x.example/\ufffd"
    assert article.authors == ["Ana \ufffd Ruiz"] and article.source == "Wire\ufffd"
    ld = json.dumps({"@type": "NewsArticle", "headline": record["title"], "author": {"name": record["author"]}})
    page = (
        f'<html><head><script type="application/ld+json">{ld}</script><link rel="canonical" href="https://x/&#xD800;">'
        "</head><body><article><p>Tenants said so.</p></article></body></html>"
    )
    (article,) = articles(page, "/p/ld.html")
    assert encodable(article) and article.title == "Sur\ufffd Title"
    sgml = '<REUTERS NEWID="7"><TEXT><TITLE>T &#xD800;</TITLE><BODY>Body &#56320;.</BODY></TEXT></REUTERS>'
    (article,) = articles(sgml, "/r/s.sgm")
    assert encodable(article)


# Values a hostile record may hold: lone surrogates, numbers of thousands of digits (written
# into the text: json.dumps cannot), floats out of range, nesting.
_LONG_INT = "HUGEINT"
json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)
    | st.just(_LONG_INT)
    | st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "December 31, 9999 11:59pm"])
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["name", "text", "value", "@id", "x"]), inner, max_size=3)
    ),
    max_leaves=8,
)
json_records = st.dictionaries(
    st.sampled_from(["id", "title", "body", "date", "published", "updated", "author", "tags", "url", "source", "x"]),
    json_values,
    max_size=8,
)


def _record_text(record: dict) -> str:
    return json.dumps(record).replace(f'"{_LONG_INT}"', "9" * 5000)


@given(st.lists(json_records | json_values, min_size=1, max_size=5))
def test_any_json_records_give_articles_or_problems(records):
    texts = [
        _record_text(r) if isinstance(r, dict) else json.dumps(r).replace(f'"{_LONG_INT}"', "9" * 5000) for r in records
    ]
    for data, path in (("\n".join(texts), "/f/any.jsonl"), ("[" + ",\n".join(texts) + "]", "/f/any.json")):
        try:
            got = items(data, path)
        except InputError:
            continue
        for item in got:
            assert isinstance(item, (Article, Problem))
            if isinstance(item, Article):
                assert encodable(item)
                document_fields(item, None)  # what the indexer does with it: never raises
            else:
                str(item).encode("utf-8")
    for item in parse_jsonl_lines(texts, "-"):
        assert isinstance(item, Problem) or encodable(item)


# -- item 4: dates outside datetime's range once in UTC ----------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "Fri, 31 Dec 9999 23:59:59 -1200",
        10**400,
        1e400,
        float("nan"),
        -(10**20),
    ],
)
def test_dates_without_a_utc_equivalent_are_no_date(value):
    assert parse_datetime(value) is None
    warning, article = items('{"title": "T", "body": "B", "date": ' + _json_value(value) + "}", "/j/d.json")
    assert warning.warning and "not a date in range" in warning.reason
    assert article.published is None
    document_fields(article, None)


def _json_value(value) -> str:
    if isinstance(value, float):
        return "NaN" if value != value else "1e400"
    return json.dumps(value) if isinstance(value, str) else str(value)


def test_dnainfo_byline_at_the_end_of_time_in_new_york():
    assert parse_us_date("December 31, 9999 11:59pm", ZoneInfo("America/New_York")) is None
    got = items("Year End\n\nBy Ana Ruiz | December 31, 9999 11:59pm\n\nBROOKLYN — Text.\n", "/d/late.txt")
    warning, article = got
    assert warning.warning and "byline date 'December 31, 9999 11:59pm'" in warning.reason
    assert article.published is None and article.authors == ["Ana Ruiz"] and article.dateline == "BROOKLYN"


def test_document_fields_leaves_out_a_date_it_cannot_convert():
    moment = datetime(9999, 12, 31, 23, 59, tzinfo=ZoneInfo("America/New_York"))
    doc = document_fields(Article(id="x", title="T", published=moment, updated=moment), None)
    assert "published" not in doc and doc["published_at"] is None and doc["updated_at"] is None
    fine = datetime(2017, 8, 16, 14, 58, tzinfo=ZoneInfo("America/New_York"))
    doc = document_fields(Article(id="y", title="T", published=fine), None)
    assert doc["published"] == datetime(2017, 8, 16, 18, 58)


@pytest.mark.parametrize("bound", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_date_bounds_out_of_range_raise_value_error(bound):
    with pytest.raises(ValueError, match="out of range"):
        parse_date_bound(bound)
    with pytest.raises(ValueError):
        parse_date_bound(bound, end=True)
    assert parse_date_bound("9999-12-31", end=True) == datetime.max.replace(tzinfo=timezone.utc)


# -- item 7 and 11: every reader linear in its input -------------------------------------------


@pytest.mark.parametrize(
    ("expression", "path"),
    [
        # "By" and spaces with no "|": the byline regex backtracked cubically.
        ("('Title\\n\\nBy' + ' ' * 100_000 + '\\n\\nBody text.\\n').encode()", "/d/spaces.txt"),
        ("('Title\\n\\n' + ('By' + ' ' * 8000 + '\\n') * 39 + '\\nBody.\\n').encode()", "/d/many.txt"),
        # a byline "date" of letters: the date regex rescanned the run from every letter.
        ("('Title\\n\\nBy Ana Ruiz | ' + 'a' * 100_000 + '\\n\\nBody text.\\n').encode()", "/d/letters.txt"),
        # a Reuters body of spaces before its closing tag.
        (
            "('<REUTERS NEWID=\"1\"><TEXT><TITLE>T</TITLE><BODY>' + ' ' * 100_000 + '</BODY></TEXT></REUTERS>').encode()",
            "/r/spaces.sgm",
        ),
        # Reuters stories whose closing tags are missing (or misspelt).
        (
            "''.join(f'<REUTERS NEWID=\"{i}\"><TEXT><TITLE>T{i}</TITLE><BODY>b</BODY></TEXT></REUTERS >\\n'"
            " for i in range(20_000)).encode()",
            "/r/open.sgm",
        ),
        # unclosed elements inside one story, and a word-long attribute list.
        ("('<REUTERS NEWID=\"1\"><DATE>x</DATE>' + '<TEXT>' * 50_000 + '</REUTERS>').encode()", "/r/text.sgm"),
        (
            "('<REUTERS NEWID=\"1\"><TOPICS>' + '<D>' * 50_000 + '</TOPICS><TEXT><TITLE>T</TITLE></TEXT></REUTERS>')"
            ".encode()",
            "/r/d.sgm",
        ),
        (
            "('<REUTERS NEWID=\"1\" ' + 'a' * 100_000 + '><TEXT><TITLE>T</TITLE><BODY>b</BODY></TEXT></REUTERS>')"
            ".encode()",
            "/r/attrs.sgm",
        ),
    ],
    ids=[
        "byline-spaces",
        "byline-lines",
        "byline-date-letters",
        "reuters-body",
        "reuters-unclosed",
        "reuters-text",
        "reuters-items",
        "reuters-attrs",
    ],
)
def test_hostile_text_parses_in_linear_time(expression, path):
    seconds, found = timed_parse(expression, path)
    assert seconds < 2, (seconds, found[:3])
    assert any(f.startswith("article") for f in found), found[:3]


def test_reuters_story_without_its_closing_tag_runs_to_the_next_story():
    stories = [
        '<REUTERS NEWID="1"><TEXT><TITLE>ONE</TITLE><BODY>First.</BODY></TEXT></REUTERS >',  # misspelt
        '<REUTERS NEWID="2"><TEXT><TITLE>TWO</TITLE><BODY>Second.</BODY></TEXT></REUTERS>',
        '<REUTERS NEWID="3"><TEXT><TITLE>THREE</TITLE><BODY>Cut off',  # truncated file
    ]
    got = items("\n".join(stories), "/r/typo.sgm")
    assert [a.id for a in got if isinstance(a, Article)] == ["reuters-1", "reuters-2"]
    warning, *_, last = got
    assert warning.warning and warning.line == 1 and "no </REUTERS> tag" in warning.reason
    assert (
        isinstance(last, Problem) and not last.warning and last.line == 3 and "ends inside story NEWID=3" in last.reason
    )


# Shapes the old depth count missed (it counted a dozen tag names, and let stray end tags
# take it below zero); each builds a tree 100,000 levels deep.
HTML_SHAPES = {
    "ul": "'<ul>' * 100_000",
    "dl-dd": "'<dl><dd>' * 100_000",
    "ul-li": "'<ul><li>' * 100_000",
    "stray-end-tags": "'</div>' * 100_000 + '<div>' * 100_000",
    "unknown-end-tags": "'<nav></x>' * 100_000",
    "end-tag-under-a-block": "'<q><nav></q>' * 100_000",
    "self-closing": "'<nav/>' * 100_000",
    "out-of-svg": "'<svg><p>' + '<nav/>' * 100_000",
}


@pytest.mark.parametrize("shape", sorted(HTML_SHAPES))
def test_deep_html_is_refused_fast(shape):
    expression = f"('<html><body>' + {HTML_SHAPES[shape]} + '<p>deep</p></body></html>').encode()"
    seconds, found = timed_parse(expression, "/p/deep.html")
    assert seconds < 3, seconds
    (reason,) = found
    assert "HTML is nested" in reason and "elements deep, over the limit" in reason, reason


def test_formatting_tags_left_open_are_refused_fast():
    # Each <u> is re-created inside every later paragraph: 5,000 of them are 12 million nodes.
    expression = "('<html><body>' + ''.join(f'<u id={i}><p>x' for i in range(5000))).encode()"
    seconds, found = timed_parse(expression, "/p/soup.html")
    assert seconds < 3, seconds
    (reason,) = found
    assert "formatting tags open" in reason or "elements deep" in reason, reason


def test_flat_html_with_many_siblings_is_read_fast():
    import time

    # Siblings, not nesting: <li> closes the open item, <p> the open paragraph, <a> the open link.
    for unit in ("<li><p>x", "<p>x", "<a>x<p>y"):
        started = time.perf_counter()
        (article,) = articles("<html><body><article>" + unit * 20_000, "/p/flat.html")
        assert time.perf_counter() - started < 3 and article.body, unit


def _real_pages():
    pages = sorted((DATA / "pages").glob("*.html"))
    if (SHARED / "extraction" / "pages").exists():
        pages += sorted((SHARED / "extraction" / "pages").glob("*.gz"))
    return pages


def test_real_pages_are_far_from_the_depth_limit():
    from archive_search.readers.htmlshape import MAX_HTML_DEPTH, tree_shape

    need_shared(SHARED / "extraction" / "pages")
    for page in _real_pages():
        data = page.read_bytes()
        data = gzip.decompress(data) if page.suffix == ".gz" else data
        depth, rebuilt, _ = tree_shape(data.decode("utf-8", "replace"))
        assert depth < MAX_HTML_DEPTH // 20 and rebuilt < 100, (page.name, depth, rebuilt)
    # That each of them reads as an article: tests/test_html_extraction.py, over the same pages.


_TAGS = (
    "div span p li ul ol dl dd dt b i a u font table tr td th tbody caption select option svg math g path "
    "foreignObject mi annotation-xml desc style script textarea title br img hr h1 button form em nobr template "
    "pre section noscript iframe xmp plaintext"
).split()
_token = st.one_of(
    st.sampled_from(_TAGS).map(lambda t: f"<{t}>"),
    st.sampled_from(_TAGS).map(lambda t: f"</{t}>"),
    st.sampled_from(_TAGS).map(lambda t: f"<{t}/>"),
    st.tuples(st.sampled_from(_TAGS), st.integers(0, 9)).map(lambda p: f"<{p[0]} id={p[1]}>x"),
    st.sampled_from(["<font color=red>", '<annotation-xml encoding="text/html">', "<!-->", "<!--", "-->", "x"]),
)


def _lexbor_depth(page: str) -> int:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(page)
    deepest, stack = 0, [(tree.root, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        child = node.child
        while child is not None:
            if child.tag not in ("-text", "_text", "-comment", "_comment"):
                stack.append((child, depth + 1))
            child = child.next
    return deepest


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(_token, min_size=1, max_size=10))
def test_depth_estimate_keeps_up_with_the_parser(unit):
    # Repeated, a pattern the estimate misjudged would grow the real tree without the estimate.
    from archive_search.readers.htmlshape import tree_shape

    page = "<html><body>" + "".join(unit) * 200
    estimate, _, _ = tree_shape(page)
    assert _lexbor_depth(page) - 2 <= 2 * estimate + 20, "".join(unit)


# -- item 8: memory flat in the number of records -----------------------------------------------

# 100 records, each holding 20,000 empty lists: decoded all at once they are ~140 MB.
_NESTED_RECORDS = (
    "','.join('{\"title\": \"t\", \"body\": \"b\", \"x\": [' + ','.join(['[]'] * 20000) + ']}' for _ in range(100))"
)


@pytest.mark.parametrize("wrap", ["[{}]", '{{"articles": [{}]}}'])
def test_json_records_are_decoded_one_at_a_time(wrap):
    expression = f"({wrap!r}.format({_NESTED_RECORDS})).encode()"
    count, growth = memory_growth_mb(expression, "/j/many.json")
    assert count == 100
    assert growth < 40, growth


def test_overlong_jsonl_line_is_refused_before_it_is_decoded():
    # A 9-million-character record of empty lists: ~200 MB once decoded.
    expression = "('{\"title\": \"t\", \"body\": \"b\"}\\n[' + ','.join(['[]'] * 3_000_000) + ']\\n').encode()"
    count, growth = memory_growth_mb(expression, "/j/long.jsonl")
    assert count == 2 and growth < 40, growth
    (problem,) = list(parse_jsonl_lines(["[" + ",".join(["0"] * 4_100_000) + "]"], "-"))
    assert problem.line == 1 and "characters, over the" in problem.reason


# -- item 13: encodings ------------------------------------------------------------------------

STORY = "Café Owner Speaks\n\nBy José Ruiz | May 1, 2014 9:05pm\n\nBROOKLYN — The café opened.\n"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_files_are_read(codec):
    (article,) = items(STORY.encode(codec), "/d/wide.txt")
    assert article.title == "Café Owner Speaks" and article.authors == ["José Ruiz"]
    assert article.dateline == "BROOKLYN" and article.body == "The café opened."
    records = (json.dumps({"id": "w", "title": "Wide", "body": "Tenants."}) + "\n") * 2
    assert [a.id for a in articles(records.encode(codec), "/j/wide.jsonl")] == ["w", "w"]


def test_wide_binary_is_still_binary():
    with pytest.raises(InputError, match="binary"):
        list(parse_bytes(bytes(range(1, 32)) * 200 + b"\x00" * 64, "/x/odd.txt"))


def test_stray_latin1_byte_damages_only_itself():
    data = STORY.encode("utf-8").replace("The café".encode(), b"The caf\xe9")
    warning, article = items(data, "/d/stray.txt")
    assert warning.warning and warning.line == 5 and "not valid UTF-8" in warning.reason
    assert article.body == "The café opened."  # the stray byte, read as Windows-1252
    assert article.title == "Café Owner Speaks" and article.authors == ["José Ruiz"]
    assert article.dateline == "BROOKLYN" and article.source == "DNAinfo New York"


@pytest.mark.parametrize(
    ("head", "codec"),
    [
        ('<meta charset="shift_jis">', "shift_jis"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">', "shift_jis"),
        ("<meta charset=euc-jp>", "euc-jp"),
        ("", "euc-jp"),  # the XML declaration below
    ],
)
def test_declared_charset_is_honoured(head, codec):
    xml = '<?xml version="1.0" encoding="euc-jp"?>' if not head else ""
    page = f"{xml}<html><head>{head}<title>東京の天気</title></head><body><article><p>今日は晴れです。</p></article></body></html>"
    (article,) = items(page.encode(codec), "/p/jp.html")
    assert article.title == "東京の天気" and article.body == "今日は晴れです。"


def test_unknown_declared_charset_falls_back():
    page = '<html><head><meta charset="x-no-such-codec"></head><body><article><p>Caf\xe9 au lait.</p></article></body></html>'
    warning, article = items(page.encode("latin-1"), "/p/odd.html")
    assert warning.warning and article.body == "Café au lait."


# -- item 18: a JSON array's records are numbered as records -----------------------------------


def test_json_array_problems_name_the_line_and_the_record():
    document = '[\n  {"title": "A", "body": "a"},\n  {"x": 1},\n\n  [1, 2],\n  {"title": "B", "body": "b"}\n]'
    got = items(document, "/j/arr.json")
    assert [a.id for a in got if isinstance(a, Article)] == ["arr-1", "arr-4"]
    first, second = (str(p) for p in got if isinstance(p, Problem))
    assert first.startswith("/j/arr.json:3: record 2: record has no text")
    assert second.startswith("/j/arr.json:5: record 3: record is a JSON array, not an object")


def test_json_array_syntax_error_keeps_the_records_before_it():
    got = items('[{"title": "A", "body": "a"},\n {"title": "B", "body": "b"},\n {"title": ', "/j/cut.json")
    assert [a.title for a in got if isinstance(a, Article)] == ["A", "B"]
    (problem,) = [p for p in got if isinstance(p, Problem)]
    assert str(problem).startswith("/j/cut.json:3: record 3: invalid JSON")
    assert problem.reason.endswith("the records after it are not read")


# -- the sweep: every pattern over file text, against long runs of what it looks for ------------

_RUNS = {
    "dnainfo": [
        " ",
        "By",
        "by ",
        "|",
        "a",
        "A",
        "1",
        "—",
        "-",
        "–",
        "\n",
        "\n\n",
        ",",
        ".",
        "and ",
        "Updated on ",
        "2017 ",
    ],
    "reuters": [
        "<REUTERS ",
        "<REUTERS>",
        "</REUTERS>",
        "<TEXT>",
        "<BODY>",
        "<D>",
        "</D>",
        "<",
        ">",
        " ",
        "\n",
        "a",
        "Reuter",
        "-",
        "1",
    ],
    "html": [
        "<div>",
        "</div>",
        "<b>",
        "<p>",
        "<li>",
        "<!--",
        "-->",
        "<svg>",
        "<script>",
        "<",
        ">",
        "/>",
        " ",
        "a",
        "&#",
    ],
    "json": ["[", "{", '"', "\\u", "1", " ", ",", ":", "]", "}", '{"title": "', "\n"],
}
_PATHS = {"dnainfo": "/s/x.txt", "reuters": "/s/x.sgm", "html": "/s/x.html", "json": "/s/x.json"}


def _adversarial(fmt: str):
    run = st.tuples(st.sampled_from(_RUNS[fmt]), st.integers(1, 4000))
    return st.lists(run, min_size=1, max_size=12).map(lambda runs: "".join(tok * n for tok, n in runs)[:40_000])


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, phases=[Phase.explicit, Phase.generate])
@given(st.sampled_from(sorted(_RUNS)).flatmap(lambda fmt: st.tuples(st.just(fmt), _adversarial(fmt))))
def test_adversarial_runs_parse_in_linear_time(case):
    import time

    from archive_search.readers import common, dnainfo, reuters

    fmt, text = case
    prefix = {"dnainfo": "Title\n\nBy ", "reuters": '<REUTERS NEWID="1">', "html": "<html><body>", "json": ""}[fmt]
    started = time.perf_counter()
    try:
        items(prefix + text, _PATHS[fmt])
    except InputError:
        pass
    # The helpers each pattern lives in, on the raw text too (whatever a reader passes them).
    common.split_dateline(text)
    common.split_authors(text)
    common.paragraphs(text)
    dnainfo.split_byline(text)
    parse_us_date(text)
    reuters._body(text)
    reuters._dateline(text)
    assert time.perf_counter() - started < 1.5, (fmt, text[:80])
