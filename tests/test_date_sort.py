"""--sort newest and oldest: each hit keeps its relevance score (not the sort key), articles
without a date come last either way, equal dates keep one order across pages, and a search
of filters alone is newest first with a score of 0."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from conftest import index_jsonl
from inprocess import invoke

from archive_search import Archive

# id -> (published or None, body); "ferry" occurs a different number of times in each.
STORIES = {
    "old-one": ("2012-03-04T08:00:00-05:00", "The ferry left the pier."),
    "mid-one": ("2014-06-01T12:00:00Z", "The ferry and the ferry crew waited at the ferry dock."),
    "tie-a": ("2015-09-09T09:09:00Z", "A ferry horn sounded twice over the ferry slip."),
    "tie-b": ("2015-09-09T09:09:00Z", "The ferry schedule changed."),
    "new-one": ("2017-01-02T07:30:00+01:00", "Ferry riders asked for a later ferry."),
    "undated-1": (None, "The ferry is painted blue."),
    "undated-2": (None, "Nobody remembers when the ferry ferry ferry began."),
}


@pytest.fixture(scope="module")
def sort_index(tmp_path_factory):
    records = [
        {
            "id": key,
            "title": f"Harbor note {n}",
            "body": body,
            "author": "Mina Okafor",
            **({"published": when} if when else {}),
        }
        for n, (key, (when, body)) in enumerate(STORIES.items())
    ]
    return index_jsonl(tmp_path_factory.mktemp("sort"), records, "-q")


def _hits(index, *args: str) -> list[dict]:
    result = invoke("search", *args, "--index", str(index), "--format", "jsonl", "-n", "50")
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _by_date(newest: bool) -> list[str]:
    dated = [k for k, (when, _) in STORIES.items() if when]
    return sorted(dated, key=lambda k: datetime.fromisoformat(STORIES[k][0].replace("Z", "+00:00")), reverse=newest)


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_dates_in_order_and_undated_last(sort_index, order):
    ids = [hit["id"] for hit in _hits(sort_index, "ferry", "--sort", order)]
    undated = {k for k, (when, _) in STORIES.items() if not when}
    assert set(ids[-len(undated) :]) == undated
    dated = ids[: -len(undated)]
    expected = _by_date(order == "newest")
    # Equal dates may come in either order, but the rest follows the dates.
    assert [k for k in dated if not k.startswith("tie")] == [k for k in expected if not k.startswith("tie")]
    assert {dated.index("tie-a"), dated.index("tie-b")} == {expected.index("tie-a"), expected.index("tie-b")}


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_a_date_sort_shows_the_first_stage_score(sort_index, order):
    scores = {hit["id"]: hit["score"] for hit in _hits(sort_index, "ferry", "--sort", order)}
    relevance = Archive(sort_index).search("ferry", feedback=False, limit=50)
    assert scores == {hit.id: round(hit.score, 4) for hit in relevance.hits}
    assert all(0 < score < 100 for score in scores.values())


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_equal_dates_keep_one_order_across_pages(sort_index, order):
    whole = [hit["id"] for hit in _hits(sort_index, "ferry", "--sort", order)]
    paged = []
    for at in range(len(whole)):
        page = invoke(
            "search",
            "ferry",
            "--sort",
            order,
            "--index",
            str(sort_index),
            "--format",
            "ids",
            "-n",
            "1",
            "--offset",
            str(at),
        )
        paged += page.stdout.split()
    assert paged == whole


def _ties_as_one(ids: list[str]) -> list[str]:
    return ["tie" if k.startswith("tie") else k for k in ids]


@pytest.mark.parametrize(("options", "newest"), [([], True), (["--sort", "oldest"], False)])
def test_filters_alone_are_newest_first_with_score_zero(sort_index, options, newest):
    hits = _hits(sort_index, "--author", "mina okafor", *options)
    ids = [hit["id"] for hit in hits]
    dated = _by_date(newest)
    assert _ties_as_one(ids[: len(dated)]) == _ties_as_one(dated)
    assert set(ids[len(dated) :]) == set(STORIES) - set(dated)
    assert {hit["score"] for hit in hits} == {0.0}
