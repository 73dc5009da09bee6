""" "Did you mean": the nearest word first (Damerau-Levenshtein), then the most frequent; only
plain words changed, never field names, numbers, dates, wildcards or operators; the query's
case and structure kept. Distances and frequencies are worked out here from the fixture."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from conftest import REUTERS, index_jsonl, need_shared
from hypothesis import given
from hypothesis import strategies as st

from archive_search import Archive
from archive_search.errors import QueryError

# word -> the number of articles holding it
FREQUENCY = {"tunnel": 2, "funnel": 5, "canton": 4, "carton": 1, "garden": 1, "elevator": 2, "mural": 1, "moral": 3}
TYPOS = ["tunel", "cacton", "gadren", "elevatr", "elevater", "murl"]


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance, by the textbook table."""
    d = [[max(i, j) if not i or not j else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


BODIES = [" ".join(word for word, n in FREQUENCY.items() if i < n) for i in range(max(FREQUENCY.values()))]
DOC_FREQUENCY = Counter(word for body in BODIES for word in set(body.split()))


def _expected(typo: str) -> str:
    """The fixture's word nearest the typo, the most frequent of the nearest; unique by construction."""
    keys = sorted((_distance(typo, word), -n, word) for word, n in DOC_FREQUENCY.items())
    assert keys[0][:2] != keys[1][:2], keys[:2]  # no tie left for the code to break
    return keys[0][2]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    records = [{"id": f"n{i}", "title": "", "body": body} for i, body in enumerate(BODIES)]
    return Archive(index_jsonl(tmp_path_factory.mktemp("suggest"), records, "-q"))


@pytest.mark.parametrize("typo", TYPOS)
def test_the_nearest_word_then_the_most_frequent(archive, typo):
    assert archive.search(typo).suggestion == _expected(typo)


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("Tunel", "Tunnel"),
        ("TUNEL", "TUNNEL"),
        ('"tunel gadren"', '"tunnel garden"'),
        ("title:tunel AND murl", "title:tunnel AND mural"),
        ("(cacton OR tunel) NOT funel", "(canton OR tunnel) NOT funnel"),
        ("dateline:tunel", None),
        ("url:tunel", None),
        ("tunel*", None),
        ("tu?el", None),
        ("[tunel TO murl]", None),
        ("2017", None),
        ("published:2017-13", None),
    ],
)
def test_structure_case_and_what_is_no_plain_word(archive, query, suggestion):
    result = archive.search(query)
    assert not result.matched
    assert result.suggestion == suggestion


NOISE = ["2017", "2016-08", "published:2017-13", "url:tunel", "dateline:murl", "[2016 TO 2017]", "wom?n", "sanct*"]
NOISE += ["AND", "OR", "NOT", "title:", "by:", '"', "(", ")", "~", "^2", "-", "tu?el"]
_PIECES = re.compile(r"\w+|\W")


@given(st.lists(st.sampled_from(TYPOS + NOISE), min_size=1, max_size=8), st.sampled_from([" ", ""]))
def test_only_plain_words_change(archive, parts, glue):
    text = glue.join(parts)
    try:
        suggestion = archive.search(text).suggestion
    except QueryError:
        return
    if suggestion is None:
        return
    before, after = _PIECES.findall(text), _PIECES.findall(suggestion)
    assert len(before) == len(after), (text, suggestion)
    for k, (old, new) in enumerate(zip(before, after, strict=True)):
        if old == new:
            continue
        assert old.lower() in TYPOS and new.lower() == _expected(old.lower()), (text, suggestion)
        neighbours = before[max(k - 1, 0) : k] + before[k + 1 : k + 2]
        assert not set(neighbours) & {"*", "~", ":"} or before[k - 2 : k] == ["title", ":"], (text, suggestion)


def _reuters_subset(tmp_path, stories: int = 400):
    """The first stories of the collection's first file, as a file of their own."""
    source = REUTERS / "reut2-000.sgm"
    need_shared(source)
    text = source.read_text(encoding="latin-1")
    found = re.findall(r"<REUTERS.*?</REUTERS>", text, re.S)[:stories]
    subset = tmp_path / "subset.sgm"
    subset.write_text("\n".join(found), encoding="latin-1")
    return subset, found


def test_reuters_common_words_do_not_win_over_near_ones(tmp_path):
    subset, stories = _reuters_subset(tmp_path)
    df = Counter(w for story in stories for w in set(re.findall(r"[a-z]+", story.lower())))
    # The trap: a more frequent word one edit further (come, open) is there too.
    assert df["coffee"] and df["opec"] and df["come"] > df["coffee"] and df["open"] > df["opec"]
    from conftest import run_cli

    index = tmp_path / "index"
    assert run_cli("index", str(subset), "--index", str(index), "-q").exit_code == 0
    archive = Archive(index)
    assert archive.search("cofee").suggestion == "coffee"
    assert archive.search("opek").suggestion == "opec"
