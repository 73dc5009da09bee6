"""Queries in capitals (pasted wire copy, caps lock): AND, OR and NOT in them are words, so such
a query finds what the same text in lower case finds; with any lower-case letter they are operators."""

from __future__ import annotations

import pytest
from conftest import index_jsonl
from hypothesis import given
from hypothesis import strategies as st
from inprocess import invoke

from archive_search import Archive

# id -> body; the words each holds decide what the queries below must find.
STORIES = {
    "oil-opec": "Oil prices rose after OPEC agreed to cut its output.",
    "oil-only": "Oil tankers queued off the coast for a week.",
    "oil-gas": "Oil and gas drilling resumed in the northern field in 2016.",
    "gas-only": "Gas bills went up for every household in 2017.",
    "opec-iran": "Iran asked OPEC for a larger share of the quota.",
    "output-only": "Factory output fell for a third month in 2016 and 2017.",
    "prices-only": "Food prices held steady through the winter.",
    "neither": "The harbour ferry timetable changed on Monday.",
}
WORDS = ["OIL", "PRICES", "OPEC", "OUTPUT", "GAS", "IRAN", "FERRY", "WINTER", "QUOTA"]
OPERATORS = ["AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE"]


@pytest.fixture(scope="module")
def wire_index(tmp_path_factory):
    records = [
        {"id": key, "title": f"Wire {n}", "body": body, "author": "Wren Hollis", "dateline": "HOUSTON"}
        for n, (key, body) in enumerate(STORIES.items())
    ]
    return index_jsonl(tmp_path_factory.mktemp("capitals"), records, "-q")


def _with(*words: str) -> set[str]:
    """The stories holding all the words."""
    return {key for key, body in STORIES.items() if all(w in body.lower().rstrip(".").split() for w in words)}


def _ids(index, query: str) -> list[str]:
    result = invoke("search", query, "--index", str(index), "--format", "ids", "-n", "50")
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout.split()


def test_capitals_find_what_lower_case_finds(wire_index):
    found = _ids(wire_index, "OIL PRICES AND OPEC OUTPUT")
    assert found == _ids(wire_index, "oil prices and opec output")
    assert set(found) == _with("oil") | _with("prices") | _with("opec") | _with("output")


def test_not_in_capitals_is_a_word(wire_index):
    found = set(_ids(wire_index, "OIL NOT GAS"))
    assert found == _with("oil") | _with("gas")
    assert "gas-only" in found


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("oil AND opec", _with("oil", "opec")),
        ("Oil AND OPEC", _with("oil", "opec")),
        ("OPEC AND Iran", _with("opec", "iran")),
        ("oil NOT gas", _with("oil") - _with("gas")),
        ("OIL NOT gas", _with("oil") - _with("gas")),
        ("2016 AND 2017", _with("2016", "2017")),  # its only capitals are operators
    ],
)
def test_operators_count_with_lower_case(wire_index, query, expected):
    assert set(_ids(wire_index, query)) == expected


_capital_text = st.tuples(
    st.lists(st.sampled_from(WORDS + OPERATORS), max_size=6),
    st.sampled_from(WORDS),
    st.lists(st.sampled_from(WORDS + OPERATORS), max_size=6),
).map(lambda parts: " ".join([*parts[0], parts[1], *parts[2]]))


@given(_capital_text)
def test_capitals_search_as_lower_case(wire_index, text):
    archive = Archive(wire_index)
    upper = archive.search(text, limit=50, snippets=False)
    lower = archive.search(text.lower(), limit=50, snippets=False)
    assert [(h.id, h.score) for h in upper.hits] == [(h.id, h.score) for h in lower.hits], text
    assert upper.notes == lower.notes


@pytest.mark.parametrize("word", ["REQUIRE", "ANDMAYBE", "ANDNOT"])
def test_whooshs_undocumented_operators_are_words(wire_index, word):
    """Only AND, OR and NOT are operators (README): Whoosh's others, which made the parser
    fail and the fallback drop words, are searched as the words they are."""
    typed = invoke("search", f"oil {word} opec", "--index", str(wire_index), "--format", "ids", "-n", "50")
    lower = invoke("search", f"oil {word.lower()} opec", "--index", str(wire_index), "--format", "ids", "-n", "50")
    assert "could not parse" not in typed.stderr, typed.stderr
    assert typed.stdout == lower.stdout and typed.exit_code == lower.exit_code
