"""kwic: keyword in context, the library (kwic.py) and the command (cli_kwic.py, render_kwic.py)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import tempfile
from pathlib import Path

import pytest
from conftest import index_jsonl, write_jsonl
from hypothesis import given
from hypothesis import strategies as st
from inprocess import invoke

from archive_search.archive import Archive
from archive_search.errors import QueryError
from archive_search.indexing.indexer import Indexer
from archive_search.kwic import context_words, kwic
from archive_search.model import KWIC_FIELDS, KwicLine, KwicResult
from archive_search.query import Filters
from archive_search.render import OutputFormat
from archive_search.render_kwic import render_kwic
from archive_search.schema import stems
from archive_search.store import IndexDir

ARTICLES = [
    {
        "id": "lanes-1",
        "title": "Bike lanes for Court Street",
        "body": "The city will paint bike lanes on Court Street.\n\nDrivers said the new Lanes would\n"
        "slow traffic. A bike\n\nlane already runs on Smith Street.",
        "authors": ["Ana Ruiz"],
        "published": "2014-05-02T09:00:00-04:00",
        "dateline": "BROOKLYN",
    },
    {
        "id": "lanes-2",
        "title": "Cyclists cheer",
        "body": "Zebra riders like the lane. Young riders like the lane too.",
        "authors": ["Bo Chen"],
        "published": "2012-01-10T09:00:00-05:00",
        "dateline": "QUEENS",
    },
    {
        "id": "lanes-3",
        "title": "Lane closed",
        "body": "Crews closed a lane on Main Street, and another lane on Oak Street.",
        "authors": ["Ana Ruiz"],
        "published": "2016-07-04T09:00:00-04:00",
        "dateline": "BROOKLYN",
    },
    {
        "id": "hostile",
        "title": "Escapes \x1b[31m",
        "body": "Before \x1b[2Jthe zebra\u202e crossing \x07 here.",
        "published": "2015-01-01T00:00:00+00:00",
    },
    {"id": "title-only", "title": "Zeppelin over the city", "body": "A large airship was seen."},
]


@pytest.fixture(scope="module")
def kwic_index(tmp_path_factory) -> Path:
    return index_jsonl(tmp_path_factory.mktemp("kwic"), ARTICLES)


def bodies() -> dict[str, str]:
    return {a["id"]: a["body"] for a in ARTICLES}


def run(index: Path, *args: str):
    return invoke("kwic", *args, "--index", str(index))


def jsonl(index: Path, *args: str) -> list[dict]:
    result = run(index, *args, "--format", "jsonl")
    assert result.exit_code in (0, 1), result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


# -- what is found --------------------------------------------------------------


def test_every_line_slices_the_body_to_its_match(kwic_index):
    lines = jsonl(kwic_index, "lane")
    text = bodies()
    assert lines
    for line in lines:
        assert text[line["id"]][line["offset"] : line["offset"] + len(line["match"])] == line["match"]
        assert stems(line["match"]) == ["lane"]
    assert {line["match"] for line in lines} == {"lanes", "Lanes", "lane"}  # stems, as written


def test_phrases_match_consecutive_words_across_paragraphs(kwic_index):
    lines = jsonl(kwic_index, '"bike lane"')
    assert [(line["id"], line["match"]) for line in lines] == [("lanes-1", "bike lanes"), ("lanes-1", "bike\n\nlane")]
    body = bodies()["lanes-1"]
    assert all(body[line["offset"] :].startswith(line["match"]) for line in lines)


def test_negated_words_and_title_only_matches_show_nothing(kwic_index):
    assert {line["match"] for line in jsonl(kwic_index, "lane NOT zebra")} == {"lanes", "Lanes", "lane"}
    result = run(kwic_index, "zeppelin")
    assert result.exit_code == 1
    assert "titles" in result.stderr


def test_filters_restrict_the_articles(kwic_index):
    assert {line["id"] for line in jsonl(kwic_index, "lane", "--author", "Bo Chen")} == {"lanes-2"}
    assert {line["id"] for line in jsonl(kwic_index, "lane", "--since", "2015")} == {"lanes-3"}
    assert {line["id"] for line in jsonl(kwic_index, "lane", "--dateline", "BROOKLYN")} == {"lanes-1", "lanes-3"}


# -- orders, pages, width -------------------------------------------------------


def test_left_sort_reads_the_left_context_backwards(kwic_index):
    lines = jsonl(kwic_index, "lane", "--sort", "left")
    keys = [list(reversed(context_words(line["left"]))) for line in lines]
    assert keys == sorted(keys)
    assert len(lines) == len(jsonl(kwic_index, "lane"))


def test_right_sort_reads_the_right_context(kwic_index):
    lines = jsonl(kwic_index, "lane", "--sort", "right")
    keys = [context_words(line["right"]) for line in lines]
    assert keys == sorted(keys)


def test_date_sort_is_oldest_first_then_body_order(kwic_index):
    lines = jsonl(kwic_index, "lane", "--sort", "date")
    order = [(line["published"], line["offset"]) for line in lines]
    ids = [line["id"] for line in lines]
    assert ids == sorted(ids, key=["lanes-2", "lanes-1", "lanes-3"].index)
    assert all(a <= b for a, b in itertools.pairwise(order) if a[0] == b[0])


def test_article_order_is_rank_then_offset(kwic_index):
    lines = jsonl(kwic_index, "lane")
    ranked = invoke("search", "lane", "--index", str(kwic_index), "--format", "ids", "-n", "50").stdout.split()
    assert [line["id"] for line in lines] == sorted((line["id"] for line in lines), key=ranked.index)
    for _, group in itertools.groupby(lines, key=lambda line: line["id"]):
        offsets = [line["offset"] for line in group]
        assert offsets == sorted(offsets)


def test_limit_and_offset_page_through_the_lines(kwic_index):
    every = jsonl(kwic_index, "lane", "-n", "0")
    assert jsonl(kwic_index, "lane", "-n", "2") == every[:2]
    assert jsonl(kwic_index, "lane", "-n", "2", "--offset", "2") == every[2:4]
    past = run(kwic_index, "lane", "--offset", "99")
    assert past.exit_code == 1
    assert "nothing at offset 99" in past.stderr


def test_width_bounds_the_context(kwic_index):
    for width in (0, 5, 12):
        for line in jsonl(kwic_index, "lane", "--width", str(width)):
            assert len(line["left"]) <= width and len(line["right"]) <= width
    line = jsonl(kwic_index, '"bike lane"', "--width", "12")[1]
    assert line["left"] == "slow traffic. A "[-12:]  # the newline after "traffic." squashed to a space
    assert line["right"] == " already run"


def test_plain_lines_align_the_match(kwic_index):
    result = run(kwic_index, "lane", "--width", "20")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    records = jsonl(kwic_index, "lane", "--width", "20")
    for text, record in zip(lines, records, strict=True):
        assert text[20:].startswith(record["match"])
        assert text.split()[-2:] == [record["id"], str(record["offset"])]


# -- formats, exit statuses, errors ---------------------------------------------


def test_formats_carry_the_columns(kwic_index):
    lines = jsonl(kwic_index, "lane")
    assert all(tuple(line) == KWIC_FIELDS for line in lines)
    array = json.loads(run(kwic_index, "lane", "--format", "json").stdout)
    assert array == lines
    tsv = run(kwic_index, "lane", "--format", "tsv").stdout.splitlines()
    assert tsv[0].split("\t") == list(KWIC_FIELDS)
    assert len(tsv) == len(lines) + 1
    rows = list(csv.reader(io.StringIO(run(kwic_index, "lane", "--format", "csv").stdout)))
    assert rows[0] == list(KWIC_FIELDS) and len(rows) == len(lines) + 1
    picked = jsonl(kwic_index, "lane", "--fields", "id,offset")
    assert picked[0] == {"id": lines[0]["id"], "offset": lines[0]["offset"]}


def test_nothing_matched_exits_1_and_json_stays_json(kwic_index):
    result = run(kwic_index, "xylophone", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == []
    assert run(kwic_index, "xylophone").stdout == ""


def test_errors_say_what_to_do(kwic_index):
    result = run(kwic_index, "author:ruiz")
    assert result.exit_code == 2
    assert 'add a word or a "phrase"' in result.stderr
    result = run(kwic_index, "lane", "--format", "ids")
    assert result.exit_code == 2
    assert "use one of: auto, rich, plain, json, jsonl, tsv, csv" in result.stderr
    with pytest.raises(QueryError, match="use one of"):
        kwic(Archive(kwic_index), "lane", sort="sideways")


def test_terminal_output_escapes_controls_and_highlights(kwic_index):
    # The readers drop C0 controls; what is left (U+202E) is shown escaped.
    for args in (("--format", "plain"), ("--color", "always")):
        text = re.sub(r"\x1b\[[0-9;]*m", "", run(kwic_index, "zebra", *args, "-n", "0").stdout)  # the view's styles
        assert "\u202e" not in text and "\x1b" not in text
        assert "zebra\\u202e crossing" in text
    styled = invoke("kwic", "lane", "--index", str(kwic_index), "--color", "always", tty=True, width=80).stdout
    assert re.search(r"\x1b\[[0-9;]*1;33m(lane|lanes|Lanes)\x1b\[0m", styled), styled
    assert all(len(re.sub(r"\x1b\[[0-9;]*m", "", line)) <= 80 for line in styled.splitlines())


@pytest.mark.parametrize("fmt", [OutputFormat.plain, OutputFormat.rich, OutputFormat.tsv, OutputFormat.csv])
def test_renderers_escape_what_a_library_caller_passes(fmt):
    line = KwicLine(
        id="x\x1b]0;t\x07", offset=3, left="a\x1b[2J", match="b\x9bc", right="\x00d", published=None, title=""
    )
    out = io.StringIO()
    render_kwic(KwicResult([line], articles_scanned=1, more=False), fmt, out, color=True, width=80)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x9b]", text), repr(text)
    assert "\\x1b" in text


def test_scan_bounds_the_articles_read(kwic_index):
    result = kwic(Archive(kwic_index), "lane", sort="left", scan=1, limit=None)
    assert result.articles_scanned == 1
    assert len({line.id for line in result.lines}) == 1
    assert any("raise --scan" in note for note in result.notes)
    quick = kwic(Archive(kwic_index), "lane", limit=1)
    assert quick.articles_scanned <= 3 and quick.more and len(quick.lines) == 1


def test_the_library_takes_filters(kwic_index):
    result = kwic(Archive(kwic_index), "lane", Filters(author="Ana Ruiz"), width=10)
    assert {line.id for line in result.lines} == {"lanes-1", "lanes-3"}
    assert all(len(line.left) <= 10 for line in result.lines)


# -- against an independent count, over generated articles -----------------------

VOCAB = ["lane", "lanes", "Lane", "bike", "Bikes", "biking", "café", "Cafe", "cafés", "naïve", "the", "red", "road"]
SEPARATORS = [" ", " ", " ", ", ", ". ", "\n", "\n\n", " — ", "; ", "! ", " (", ") ", "\t"]
QUERIES = ["lane", "bike", "cafe", "naive", "red", "bike lane", "the café", "lane lane", "road red"]

words = st.lists(st.sampled_from(VOCAB), min_size=1, max_size=30)
separators = st.lists(st.sampled_from(SEPARATORS), min_size=30, max_size=30)


def _body(draw_words: list[str], draw_separators: list[str]) -> str:
    return "".join(word + sep for word, sep in zip(draw_words, draw_separators, strict=False)).strip()


def occurrences(body: str, query: str) -> int:
    """How often the query's words occur one after another in the body: counted on \\w+ words."""
    wanted = stems(query)
    found = stems(" ".join(re.findall(r"\w+", body)))
    return sum(found[i : i + len(wanted)] == wanted for i in range(len(found) - len(wanted) + 1))


@given(
    articles=st.lists(st.tuples(words, separators), min_size=1, max_size=4),
    query=st.sampled_from(QUERIES),
)
def test_lines_match_an_independent_count(articles, query):
    records = [{"id": f"g{n}", "title": "", "body": _body(w, s)} for n, (w, s) in enumerate(articles)]
    with tempfile.TemporaryDirectory() as tmp:
        feed = write_jsonl(Path(tmp) / "feed.jsonl", records)
        Indexer(IndexDir(Path(tmp) / "ix")).run([str(feed)])
        text = f'"{query}"' if " " in query else query
        archive = Archive(Path(tmp) / "ix")
        result = kwic(archive, text, limit=None, width=8)
        # The stored body, which offsets are into (readers tidy white space).
        by_id = {r["id"]: archive.get(r["id"]).body for r in records}
    for line in result.lines:
        body = by_id[line.id]
        assert body[line.offset : line.offset + len(line.match)] == line.match
        assert stems(line.match) == stems(query)
    for ident, body in by_id.items():
        assert sum(line.id == ident for line in result.lines) == occurrences(body, query), body
