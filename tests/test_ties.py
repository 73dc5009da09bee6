"""Equal scores: which of several equally scored articles a search shows, and in what order,
is decided by article id, not by where the articles lie in the index's segments; so the
same archive laid out otherwise (indexed in other runs, with --jobs, in shards) answers the
same. Checked against the answer worked out here: the smallest ids."""

from __future__ import annotations

import pytest
from conftest import run_cli, write_jsonl

from archive_search import Archive

# More identical articles than a search reads candidates (RankingConfig.rerank_depth): all
# score the same at every stage, so only the tie-break can choose among them.
TIED = 80


def _record(n: int) -> dict:
    return {
        "id": f"notice-{n:02d}",
        "title": "Ferry schedule notice",
        "body": "The harbor ferry schedule changes on Monday, the operator said in a notice.",
    }


@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> dict:
    """The same archive indexed two ways: in one run, and with the smallest ids added last."""
    folder = tmp_path_factory.mktemp("ties")
    records = [_record(n) for n in range(TIED)]
    one = folder / "one"
    write_jsonl(one / "all.jsonl", records)
    assert run_cli("index", str(one), "--index", str(one / "index"), "-q").exit_code == 0
    two = folder / "two"
    write_jsonl(two / "b.jsonl", records[10:])
    assert run_cli("index", str(two), "--index", str(two / "index"), "-q").exit_code == 0
    write_jsonl(two / "a.jsonl", records[:10])  # the smallest ids, last in the index
    assert run_cli("index", str(two), "--index", str(two / "index"), "-q").exit_code == 0
    return {"one run": one / "index", "smallest last": two / "index"}


@pytest.mark.parametrize(
    "query",
    [
        "ferry",  # plain words: the first pass
        "harbor ferry schedule",
        '"ferry schedule"',  # a phrase: Whoosh's own search
        "title:ferry",
    ],
)
def test_equal_scores_are_shown_in_id_order_whatever_the_layout(layouts, query):
    expected = [f"notice-{n:02d}" for n in range(10)]
    for name, index in layouts.items():
        result = run_cli("search", query, "--index", str(index), "--format", "ids", "-n", "10")
        assert result.exit_code == 0, result.stderr
        assert result.stdout.split() == expected, name
        ranked = Archive(index).search(query, limit=10, feedback=False, snippets=False)
        assert [hit.id for hit in ranked.hits] == expected, (name, "without feedback")


def test_a_later_page_continues_in_id_order(layouts):
    expected = [f"notice-{n:02d}" for n in range(60, 70)]
    for name, index in layouts.items():
        result = run_cli("search", "ferry", "--index", str(index), "--format", "ids", "-n", "10", "--offset", "60")
        assert result.stdout.split() == expected, name
