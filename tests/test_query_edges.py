"""Query handling at its edges: several exclusions in one query, and filters with no words in them."""

from __future__ import annotations

import pytest
from conftest import index_jsonl
from inprocess import invoke

# id -> body; the words each holds decide what the queries below must find.
STORIES = {
    "rent-only": "The rent rose again on the block.",
    "rent-cafe": "The rent rose and the cafe closed.",
    "rent-landlord": "The landlord raised the rent.",
    "rent-cafe-landlord": "The landlord of the cafe raised the rent.",
    "rent-mural": "A mural went up where the rent is lowest.",
    "cafe-only": "The cafe opened a second room.",
}


@pytest.fixture(scope="module")
def query_index(tmp_path_factory):
    records = [
        {"id": key, "title": f"Block notes {n}", "body": body, "author": "Wren Hollis", "dateline": "EAST SIDE"}
        for n, (key, body) in enumerate(STORIES.items())
    ]
    return index_jsonl(tmp_path_factory.mktemp("queries"), records, "-q")


def _with(*words: str) -> set[str]:
    return {key for key, body in STORIES.items() if all(w in body.lower().rstrip(".").split() for w in words)}


def _ids(index, query: str) -> set[str]:
    result = invoke("search", query, "--index", str(index), "--format", "ids", "-n", "50")
    assert result.exit_code in (0, 1), result.stderr
    return set(result.stdout.split())


@pytest.mark.parametrize(
    ("query", "excluded"),
    [
        ("rent NOT cafe", ["cafe"]),
        ("rent NOT cafe NOT landlord", ["cafe", "landlord"]),
        ("NOT landlord rent NOT mural NOT cafe", ["landlord", "mural", "cafe"]),
    ],
    ids=["one-not", "two-nots", "three-nots"],
)
def test_every_not_excludes(query_index, query, excluded):
    expected = _with("rent") - set().union(*(_with(word) for word in excluded))
    assert expected  # something is left, and something was taken out
    assert _ids(query_index, query) == expected


@pytest.mark.parametrize(
    ("option", "value"),
    [("--author", "!!!"), ("--dateline", "—"), ("--source", "  ")],
    ids=["author-punctuation", "dateline-dash", "source-spaces"],
)
def test_a_filter_without_words_is_a_query_error(query_index, option, value):
    result = invoke("search", "rent", "--index", str(query_index), option, value)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"archive-search: error: {option} {value!r} has no words to match\n"
    assert "rebuild" not in result.stderr and "cannot be read" not in result.stderr


def test_a_filter_with_words_still_filters(query_index):
    assert _ids(query_index, "rent") == _with("rent")
    result = invoke("search", "rent", "--index", str(query_index), "--author", "hollis", "--format", "ids", "-n", "50")
    assert set(result.stdout.split()) == _with("rent")
    nobody = invoke("search", "rent", "--index", str(query_index), "--author", "Ana Ruiz", "--format", "ids")
    assert (nobody.exit_code, nobody.stdout) == (1, "")
