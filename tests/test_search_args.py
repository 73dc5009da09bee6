"""What `search` takes: words joined without quotes, filters alone, repeated filters meaning
"any of these", the status of a page past the last match, and the example its help gives."""

from __future__ import annotations

import shlex

import pytest
from conftest import index_jsonl
from inprocess import invoke

from archive_search import Archive, Filters, cli

# id -> (author, dateline, source, published)
STORIES = {
    "a1": ("Ada Brennan", "PILSEN", "Harbor Ledger", "2014-05-01T10:00:00Z"),
    "a2": ("Ada Brennan", "UPTOWN", "Metro Wire", "2016-07-01T10:00:00Z"),
    "b1": ("Bo Lindqvist", "PILSEN", "Metro Wire", "2015-03-01T10:00:00Z"),
    "c1": ("Cy Ortega", "INWOOD", "Harbor Ledger", "2017-01-01T10:00:00Z"),
    "c2": ("Cy Ortega", "UPTOWN", "Daily Tide", "2013-01-01T10:00:00Z"),
}


@pytest.fixture(scope="module")
def arg_index(tmp_path_factory):
    records = [
        {
            "id": key,
            "title": f"Oil price note {n}",
            "body": "The oil price rose and the price of bread fell.",
            "author": author,
            "dateline": dateline,
            "source": source,
            "published": when,
        }
        for n, (key, (author, dateline, source, when)) in enumerate(STORIES.items())
    ]
    return index_jsonl(tmp_path_factory.mktemp("args"), records, "-q")


def _ids(index, *args: str) -> list[str]:
    result = invoke("search", *args, "--index", str(index), "--format", "ids", "-n", "50")
    assert result.exit_code == 0, result.stderr
    return result.stdout.split()


def _newest(keys) -> list[str]:
    return sorted(keys, key=lambda k: STORIES[k][3], reverse=True)


def test_words_are_joined_as_one_query(arg_index):
    assert _ids(arg_index, "oil", "price") == _ids(arg_index, "oil price")
    assert _ids(arg_index, "oil", "--sort", "oldest", "price") == _ids(arg_index, "oil price", "--sort", "oldest")
    dashed = invoke("search", "-n", "5", "--index", str(arg_index), "--", "-h")
    assert dashed.exit_code == 1 and "Usage" not in dashed.stderr


def test_a_filter_needs_no_query_and_lists_newest_first(arg_index):
    ada = [k for k, v in STORIES.items() if v[0] == "Ada Brennan"]
    assert _ids(arg_index, "--author", "Ada Brennan") == _newest(ada)
    nothing = invoke("search", "--index", str(arg_index))
    assert nothing.exit_code == 2 and nothing.stdout == ""
    assert "empty query: give some words to search for, or a filter such as --author" in nothing.stderr


@pytest.mark.parametrize(
    ("option", "values", "column"),
    [
        ("--author", ["Ada Brennan", "Cy Ortega"], 0),
        ("--dateline", ["pilsen", "inwood"], 1),
        ("--place", ["uptown", "inwood"], 1),
        ("--source", ["metro wire", "daily tide"], 2),
    ],
)
def test_a_repeated_filter_means_any_of_them(arg_index, option, values, column):
    wanted = {k for k, v in STORIES.items() if v[column].lower() in {x.lower() for x in values}}
    args = [arg for value in values for arg in (option, value)]
    assert sorted(_ids(arg_index, "oil", *args)) == sorted(wanted)
    assert _ids(arg_index, *args) == _newest(wanted)


def test_filters_take_one_value_or_several_in_the_library(arg_index):
    archive = Archive(arg_index)
    one = {hit.id for hit in archive.search("oil", Filters(author="Bo Lindqvist")).hits}
    several = {hit.id for hit in archive.search("oil", Filters(author=("Bo Lindqvist", "Cy Ortega"))).hits}
    assert one == {"b1"} and several == {"b1", "c1", "c2"}
    assert {hit.id for hit in archive.search("oil", Filters(source=["Daily Tide"])).hits} == {"c2"}


def test_a_page_past_the_end_is_exit_1(arg_index):
    past = invoke("search", "oil", "--index", str(arg_index), "--offset", str(len(STORIES)), "--format", "json")
    assert (past.exit_code, past.stdout.strip()) == (1, "[]")
    last = invoke("search", "oil", "--index", str(arg_index), "--offset", str(len(STORIES) - 1), "--format", "ids")
    assert last.exit_code == 0 and len(last.stdout.split()) == 1
    # --limit 0 asks whether anything matches.
    assert invoke("search", "oil", "--index", str(arg_index), "-n", "0").exit_code == 0
    assert invoke("search", "zebra", "--index", str(arg_index), "-n", "0").exit_code == 1


def test_the_help_example_finds_something(sample_index):
    line = next(line for line in cli.search.__doc__.splitlines() if "Example:" in line)
    command = shlex.split(line.split("Example:", 1)[1].split("|")[0])
    assert command[:2] == ["archive-search", "search"]
    result = invoke(*command[1:], "--index", str(sample_index))
    assert result.exit_code == 0 and result.stdout.strip(), result.stderr
