"""`similar` with search's filters and --offset: filters restrict the candidates, pages are
slices of one list, an empty page is exit 1, and a story with no words says so."""

from __future__ import annotations

import pytest
from conftest import index_jsonl
from inprocess import invoke

from archive_search import Archive, Filters

TARGET = "Ferry pier tide harbor dock gull"
# id -> (published, author, body): every story shares words with the target, those of 2016
# and later the fewest, so they rank below all the older ones.
STORIES = {
    "target": ("2012-01-01T10:00:00Z", "Ada Brennan", TARGET),
    **{f"old-{n}": (f"201{n % 5}-03-01T10:00:00Z", "Bo Lindqvist", TARGET + " cargo") for n in range(8)},
    **{f"new-{n}": (f"2016-0{n + 1}-01T10:00:00Z", "Cy Ortega", "The ferry came late.") for n in range(6)},
    "empty": ("2013-01-01T10:00:00Z", "Ada Brennan", "It is what it was, and so on."),
}


@pytest.fixture(scope="module")
def like_index(tmp_path_factory):
    records = [
        {"id": key, "title": "", "body": body, "author": author, "published": when}
        for key, (when, author, body) in STORIES.items()
    ]
    return index_jsonl(tmp_path_factory.mktemp("similar"), records, "-q")


def _ids(index, *args: str) -> tuple[int, list[str]]:
    result = invoke("similar", *args, "--index", str(index), "--format", "ids")
    return result.exit_code, result.stdout.split()


def test_filters_restrict_the_candidates(like_index):
    recent = {k for k, (when, _, _) in STORIES.items() if when >= "2016" and k != "target"}
    assert len(recent) >= 5
    status, ids = _ids(like_index, "target", "-n", "5", "--since", "2016")
    assert status == 0 and len(ids) == 5 and set(ids) <= recent
    assert set(_ids(like_index, "target", "-n", "50", "--since", "2016")[1]) == recent
    by = {k for k, (_, author, _) in STORIES.items() if author == "Cy Ortega"}
    assert set(_ids(like_index, "target", "-n", "50", "--author", "cy ortega")[1]) == by
    result = Archive(like_index).similar("target", Filters(until="2015"), limit=50)
    assert {hit.id for hit in result.hits} == {k for k, (when, _, _) in STORIES.items() if when < "2016"} - {
        "target",
        "empty",
    }


def test_pages_and_the_empty_page(like_index):
    _, everything = _ids(like_index, "target", "-n", "50")
    assert _ids(like_index, "target", "--offset", "2", "-n", "3") == (0, everything[2:5])
    assert _ids(like_index, "target", "--offset", str(len(everything))) == (1, [])
    assert _ids(like_index, "target", "-n", "0")[0] == 0


def test_a_story_with_no_words_says_so(like_index):
    result = invoke("similar", "empty", "--index", str(like_index))
    assert (result.exit_code, result.stdout) == (1, "")
    assert "note: article empty has no words to compare" in result.stderr
