"""Managing the archive (issue 19): `remove`, `index --prune`, `index --files-from` and
`index --exclude`.

Every fixture is written here; the ids expected are those of the records written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import run_cli, write_jsonl
from hypothesis import given, settings
from hypothesis import strategies as st
from inprocess import invoke

from archive_search.archive import Archive
from archive_search.indexing.indexer import Indexer
from archive_search.store import IndexDir

WORDS = "quay ferry pier harbor tide gull rope buoy dock mast sail keel hull deck anchor lantern".split()


def _records(prefix: str, n: int) -> list[dict]:
    return [
        {"id": f"{prefix}-{k}", "title": f"{WORDS[k % 16].title()} {prefix} {k}", "body": f"quay {WORDS[k % 16]} {k}"}
        for k in range(1, n + 1)
    ]


def _ids(prefix: str, n: int) -> set[str]:
    return {f"{prefix}-{k}" for k in range(1, n + 1)}


def _index(*args: str) -> str:
    result = invoke("index", *args)
    assert result.exit_code == 0, result.stderr
    return result.stderr


def _hits(index: Path) -> set[str]:
    result = invoke("search", "quay", "--index", str(index), "--format", "ids", "-n", "1000")
    assert result.exit_code in (0, 1), result.stderr
    return set(result.stdout.split())


@pytest.fixture()
def feeds(tmp_path) -> Path:
    """feeds/a.jsonl (a-1..a-4), feeds/sub/b.jsonl (b-1..b-3) and other/c.jsonl (c-1, c-2), indexed."""
    write_jsonl(tmp_path / "feeds" / "a.jsonl", _records("a", 4))
    write_jsonl(tmp_path / "feeds" / "sub" / "b.jsonl", _records("b", 3))
    write_jsonl(tmp_path / "other" / "c.jsonl", _records("c", 2))
    _index(str(tmp_path / "feeds"), str(tmp_path / "other"), "--index", str(tmp_path / "idx"))
    return tmp_path


ALL = _ids("a", 4) | _ids("b", 3) | _ids("c", 2)


# -- remove ---------------------------------------------------------------------------------


def test_remove_by_id_and_again_is_no_match(feeds):
    index = str(feeds / "idx")
    result = invoke("remove", "a-2", "c-1", "--index", index)
    assert result.exit_code == 0, result.stderr
    assert "removed 2 articles" in result.stderr and f"{len(ALL) - 2} articles in {index}" in result.stderr
    assert _hits(feeds / "idx") == ALL - {"a-2", "c-1"}
    again = invoke("remove", "a-2", "--index", index)
    assert again.exit_code == 1 and "not in the index: a-2" in again.stderr
    some = invoke("remove", "a-3", "nosuch", "--index", index)
    assert some.exit_code == 0 and "not in the index: nosuch" in some.stderr and "a-3" not in some.stderr.split(":")[1]
    assert _hits(feeds / "idx") == ALL - {"a-2", "c-1", "a-3"}


def test_a_removed_article_of_a_file_still_there_comes_back_on_the_next_run(feeds):
    index = str(feeds / "idx")
    assert invoke("remove", "a-2", "--index", index).exit_code == 0
    assert invoke("remove", "--path", str(feeds / "other" / "c.jsonl"), "--index", index).exit_code == 0
    assert _hits(feeds / "idx") == ALL - {"a-2"} - _ids("c", 2)
    summary = _index(str(feeds / "feeds"), str(feeds / "other"), "--index", index)
    # a-2 again, and the rest of a.jsonl read again; c.jsonl's two as a new file's
    assert "3 articles added, 3 updated, 0 removed" in summary
    assert _hits(feeds / "idx") == ALL


def test_remove_a_directory_removes_every_file_under_it(feeds):
    index = str(feeds / "idx")
    result = invoke("remove", "--path", str(feeds / "feeds"), "--index", index)
    assert result.exit_code == 0 and "removed 7 articles" in result.stderr, result.stderr
    assert _hits(feeds / "idx") == _ids("c", 2)
    missing = invoke("remove", "-p", str(feeds / "feeds"), "-p", str(feeds / "nowhere"), "--index", index)
    assert missing.exit_code == 1 and "not in the index: " + str(feeds / "nowhere") in missing.stderr


def test_remove_needs_something_to_remove_and_an_index(tmp_path):
    assert invoke("remove", "--index", str(tmp_path / "idx")).exit_code == 2
    result = invoke("remove", "x-1", "--index", str(tmp_path / "idx"))
    assert result.exit_code == 2 and "no index at" in result.stderr


def test_remove_waits_for_or_refuses_a_running_indexer(feeds):
    index = IndexDir(feeds / "idx")
    with index.write_lock(command="test holder"):
        result = invoke("remove", "a-1", "--index", str(index.path))
    assert result.exit_code == 75 and "test holder" in result.stderr
    assert _hits(index.path) == ALL


def test_records_from_standard_input_can_be_removed_by_id(feeds):
    index = str(feeds / "idx")
    lines = "".join(json.dumps(r) + "\n" for r in _records("s", 3)).encode()
    assert run_cli("index", "-", "--index", index, input=lines).exit_code == 0
    assert invoke("remove", "s-2", "--index", index).exit_code == 0
    assert _hits(feeds / "idx") == ALL | {"s-1", "s-3"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """An index of three feeds, to be copied by each example."""
    root = tmp_path_factory.mktemp("built")
    for name, n in (("a", 5), ("b", 3), ("c", 4)):
        write_jsonl(root / "feeds" / f"{name}.jsonl", _records(name, n))
    Indexer(IndexDir(root / "idx")).run([str(root / "feeds")])
    return root


@settings(max_examples=15)
@given(
    chosen=st.sets(st.sampled_from(sorted(_ids("a", 5) | _ids("b", 3) | _ids("c", 4) | {"zz-1", "zz-2"}))),
    whole=st.sets(st.sampled_from(["a", "b", "c"]), max_size=2),
)
def test_remove_leaves_exactly_the_articles_not_named(built, tmp_path_factory, chosen, whole):
    every = _ids("a", 5) | _ids("b", 3) | _ids("c", 4)
    index = tmp_path_factory.mktemp("copy") / "idx"
    shutil.copytree(built / "idx", index)
    paths = [str(built / "feeds" / f"{name}.jsonl") for name in sorted(whole)]
    stats = Indexer(IndexDir(index)).remove(ids=sorted(chosen), paths=paths)
    gone = (chosen & every) | {i for i in every if i.split("-")[0] in whole}
    assert stats.articles_removed == len(gone) and stats.total_articles == len(every - gone)
    assert sorted(stats.missing) == sorted(chosen - every)
    left = {i for i in every if Archive(index).get(i) is not None}
    assert left == every - gone


# -- index --prune --------------------------------------------------------------------------


def test_prune_removes_files_gone_outside_the_paths_named(feeds):
    index = str(feeds / "idx")
    (feeds / "other" / "c.jsonl").unlink()
    _index(str(feeds / "feeds"), "--index", index)
    assert _hits(feeds / "idx") == ALL  # without --prune, other/ is not looked at
    summary = _index(str(feeds / "feeds"), "--prune", "--index", index)
    assert "2 removed" in summary and _hits(feeds / "idx") == ALL - _ids("c", 2)


def test_prune_alone_keeps_standard_inputs_records(feeds):
    index = str(feeds / "idx")
    lines = "".join(json.dumps(r) + "\n" for r in _records("s", 2)).encode()
    assert run_cli("index", "-", "--index", index, input=lines).exit_code == 0
    (feeds / "feeds" / "sub" / "b.jsonl").unlink()
    summary = _index("--prune", "--index", index)
    assert "3 removed" in summary
    assert _hits(feeds / "idx") == (ALL - _ids("b", 3)) | {"s-1", "s-2"}


def test_paths_are_needed_unless_pruning(tmp_path):
    result = invoke("index", "--index", str(tmp_path / "idx"))
    assert result.exit_code == 2 and "--prune" in result.stderr
    alone = invoke("index", "--prune", "--index", str(tmp_path / "idx"))
    assert alone.exit_code == 2 and "no index at" in alone.stderr


# -- index --files-from ---------------------------------------------------------------------


def test_files_from_a_list_of_files_and_directories(tmp_path):
    write_jsonl(tmp_path / "one.jsonl", _records("one", 2))
    write_jsonl(tmp_path / "dir" / "two.jsonl", _records("two", 3))
    write_jsonl(tmp_path / "unlisted.jsonl", _records("no", 1))
    listing = tmp_path / "list.txt"
    listing.write_text(f"{tmp_path / 'one.jsonl'}\n\n{tmp_path / 'dir'}\n")
    _index("--files-from", str(listing), "--index", str(tmp_path / "idx"))
    assert _hits(tmp_path / "idx") == _ids("one", 2) | _ids("two", 3)


def test_files_from_standard_input_separated_by_nul(tmp_path):
    odd = tmp_path / "a\nname.jsonl"  # a newline in a name: only -0 can list it
    write_jsonl(odd, _records("odd", 2))
    write_jsonl(tmp_path / "plain.jsonl", _records("plain", 1))
    listing = f"{odd}\0{tmp_path / 'plain.jsonl'}\0".encode()
    result = run_cli("index", "--files-from", "-", "-0", "--index", str(tmp_path / "idx"), input=listing)
    assert result.exit_code == 0, result.stderr
    assert _hits(tmp_path / "idx") == _ids("odd", 2) | _ids("plain", 1)


def test_files_from_standard_input_and_standard_input_conflict(tmp_path):
    result = invoke("index", "-", "--files-from", "-", "--index", str(tmp_path / "idx"))
    assert result.exit_code == 2 and "standard input" in result.stderr
    unreadable = invoke("index", "--files-from", str(tmp_path / "nolist"), "--index", str(tmp_path / "idx"))
    assert unreadable.exit_code == 2 and "cannot read the list of paths" in unreadable.stderr


# -- index --exclude ------------------------------------------------------------------------


def _tree(root: Path) -> None:
    write_jsonl(root / "keep.jsonl", _records("keep", 2))
    write_jsonl(root / "draft.tmp.jsonl", _records("tmp", 1))
    write_jsonl(root / "drafts" / "x.jsonl", _records("drafts", 2))
    write_jsonl(root / "sub" / "skip.jsonl", _records("skip", 1))
    write_jsonl(root / "sub" / "ok.jsonl", _records("ok", 1))
    write_jsonl(root / "deep" / "sub" / "skip.jsonl", _records("deep", 1))


def test_exclude_by_name_by_relative_path_and_directory(tmp_path):
    _tree(tmp_path / "t")
    summary = _index(
        str(tmp_path / "t"),
        "--exclude",
        "*.tmp.jsonl",
        "--exclude",
        "drafts",
        "--exclude",
        "sub/skip.jsonl",
        "--index",
        str(tmp_path / "idx"),
    )
    assert _hits(tmp_path / "idx") == _ids("keep", 2) | _ids("ok", 1) | _ids("deep", 1)
    assert "2 files excluded" in summary and "1 directory excluded" in summary


def test_files_excluded_later_are_removed_like_vanished_ones(tmp_path):
    _tree(tmp_path / "t")
    index = str(tmp_path / "idx")
    _index(str(tmp_path / "t"), "--index", index)
    summary = _index(str(tmp_path / "t"), "--exclude", "drafts/", "--exclude", "skip.jsonl", "--index", index)
    assert "4 removed" in summary
    assert _hits(tmp_path / "idx") == _ids("keep", 2) | _ids("tmp", 1) | _ids("ok", 1)
