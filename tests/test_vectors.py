"""The vectors file (`vectors.sqlite`): what a search reads of its candidates (feedback's words,
their places in the latent space), made ahead by the indexer. It may change how much work a
search does, never what it finds: every test compares against the same search with the file
gone, which works everything out from the texts as before the file existed."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, run_cli, write_jsonl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_search import Archive

# Words of data/'s articles, typed alone and together: common and rare, in titles and bodies.
WORDS = [
    "bike", "lane", "ferry", "school", "budget", "police", "rent", "park", "subway", "restaurant",
    "community", "board", "vote", "fire", "housing", "street", "council", "weekend", "library",
    "harbor", "route", "trips", "residents", "city", "late", "night",
]  # fmt: skip
QUERIES = ["bike lane", "ferry", "school budget", "community board vote", "police", "rent park", '"bike lane"']

NUMPY_CHECK = (
    "import sys\n"
    "from archive_search import Archive\n"
    "Archive(sys.argv[1]).search(sys.argv[2])\n"
    "print('numpy' in sys.modules)\n"
)


def ranking(index: Path, queries: list[str]) -> list[list[tuple[str, float]]]:
    """Each query's hits (id, score), up to 40, by the library, in a fresh Archive."""
    archive = Archive(index)
    return [[(h.id, h.score) for h in archive.search(q, limit=40, snippets=False).hits] for q in queries]


def from_texts(index: Path, queries: list[str], tmp_path: Path) -> list[list[tuple[str, float]]]:
    """The same searches on a copy of the index without its vectors file."""
    bare = tmp_path / "bare-index"
    shutil.rmtree(bare, ignore_errors=True)
    shutil.copytree(index, bare)
    (bare / "vectors.sqlite").unlink(missing_ok=True)
    return ranking(bare, queries)


def assert_same(got, expected) -> None:
    assert [[i for i, _ in hits] for hits in got] == [[i for i, _ in hits] for hits in expected]
    for hits, others in zip(got, expected, strict=True):
        for (_, a), (_, b) in zip(hits, others, strict=True):
            assert a == pytest.approx(b, rel=1e-9, abs=1e-12)


def imports_numpy(index: Path, query: str = "bike lane") -> bool:
    """Whether a search of the index, in a fresh interpreter, imports NumPy: it does only
    when it cannot use the vectors file and works from the texts."""
    proc = subprocess.run(
        [sys.executable, "-c", NUMPY_CHECK, str(index), query], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip() == "True"


def build(tmp_path: Path, source: Path = DATA) -> tuple[Path, Path]:
    archive = tmp_path / "archive"
    shutil.copytree(source, archive)
    index = tmp_path / "index"
    result = run_cli("index", str(archive), "--index", str(index), "-q")
    assert result.exit_code == 0, result.stderr
    return archive, index


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("vectors"))[1]


def test_an_index_has_one_and_a_search_with_it_imports_no_numpy(built):
    assert (built / "vectors.sqlite").is_file()
    assert not imports_numpy(built)


def test_the_file_changes_no_ranking(built, tmp_path):
    assert_same(ranking(built, QUERIES), from_texts(built, QUERIES, tmp_path))
    assert imports_numpy(tmp_path / "bare-index")  # without it, the search works as before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), st.sampled_from(["", "OR", "-"]))
def test_any_query_ranks_the_same_with_and_without_it(built, tmp_path, words, joiner):
    if joiner == "-":
        query = " ".join(words[:1] + [f"-{w}" for w in words[1:]])
    else:
        query = f" {joiner} ".join(words) if joiner else " ".join(words)
    assert_same(ranking(built, [query]), from_texts(built, [query], tmp_path))


@pytest.mark.soak  # the library's rankings are compared in the default run (.ci/run runs soak tests)
def test_the_cli_prints_the_same_bytes_with_and_without_it(built, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(built, bare)
    (bare / "vectors.sqlite").unlink()
    for query in QUERIES:
        outputs = [
            run_cli("search", query, "--index", str(ix), "--format", "jsonl", "-n", "20").stdout for ix in (built, bare)
        ]
        assert outputs[0] and outputs[0] == outputs[1].replace(str(bare), str(built))


def test_an_incremental_run_places_only_what_it_wrote(tmp_path):
    archive, index = build(tmp_path)
    vectors = index / "vectors.sqlite"
    before = vectors.stat().st_ino
    with sqlite3.connect(vectors) as db:
        kept = dict(db.execute("SELECT id, v FROM article"))
    new = [
        {"id": "new-1", "title": "Ferry riders want a late boat", "body": "Riders of the harbor ferry asked for late trips."},
        {"id": "new-2", "title": "Bike lane vote", "body": "The community board voted for a bike lane on the street."},
    ]  # fmt: skip
    write_jsonl(archive / "feeds" / "more.jsonl", new)
    assert run_cli("index", str(archive), "--index", str(index), "-q").exit_code == 0
    assert vectors.stat().st_ino == before  # changed in place, not made anew
    with sqlite3.connect(vectors) as db:
        rows = dict(db.execute("SELECT id, v FROM article"))
    assert set(rows) == set(kept) | {"new-1", "new-2"}
    assert all(rows[i] == v for i, v in kept.items())  # the space did not change: nor did their places
    assert not imports_numpy(index, "ferry")
    queries = ["ferry late", "bike lane vote", *QUERIES]
    assert_same(ranking(index, queries), from_texts(index, queries, tmp_path))


def test_a_file_out_of_step_with_the_index_is_not_used_and_the_next_run_remakes_it(tmp_path):
    records = [
        {"id": f"w{n}", "title": f"Story {n}", "body": f"{' '.join(WORDS[n % 7 : n % 7 + 9])} ferry harbor."}
        for n in range(30)
    ]
    archive_src = tmp_path / "src"
    write_jsonl(archive_src / "feed.jsonl", records)
    archive, index = build(tmp_path, archive_src)
    old = tmp_path / "old.sqlite"
    shutil.copy(index / "vectors.sqlite", old)
    # One article rewritten on another subject: its old row would now place it wrongly.
    records[3] = {"id": "w3", "title": "Budget talks", "body": "School budget police rent council budget talks."}
    write_jsonl(archive / "feed.jsonl", records)
    assert run_cli("index", str(archive), "--index", str(index), "-q").exit_code == 0
    shutil.copy(old, index / "vectors.sqlite")  # as if that run had stopped before updating it
    assert imports_numpy(index, "budget")  # not used: it matches an older version of the index
    queries = ["budget", "school budget talks", "ferry harbor", "police rent"]
    assert_same(ranking(index, queries), from_texts(index, queries, tmp_path))
    assert run_cli("index", str(archive), "--index", str(index), "-q").exit_code == 0  # nothing changed
    assert not imports_numpy(index, "budget")  # made anew
    assert_same(ranking(index, queries), from_texts(index, queries, tmp_path))


def test_a_damaged_file_changes_no_result(built, tmp_path):
    expected = from_texts(built, QUERIES, tmp_path)
    damaged = tmp_path / "damaged"
    shutil.copytree(built, damaged)
    with sqlite3.connect(damaged / "vectors.sqlite") as db:
        db.execute("UPDATE article SET words = x'00ff', v = x'0102'")
    assert_same(ranking(damaged, QUERIES), expected)
    (damaged / "vectors.sqlite").write_bytes(b"not a database at all" * 100)
    assert_same(ranking(damaged, QUERIES), expected)
    result = run_cli("search", "bike lane", "--index", str(damaged), "--format", "ids")
    assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.soak  # an archive built for it alone (.ci/run runs soak tests)
def test_remove_keeps_it_in_step(tmp_path):
    _, index = build(tmp_path)
    gone = run_cli("search", "bike lane", "--index", str(index), "--format", "ids").stdout.split()[0]
    assert run_cli("remove", gone, "--index", str(index), "-q").exit_code == 0
    assert not imports_numpy(index)
    assert_same(ranking(index, QUERIES), from_texts(index, QUERIES, tmp_path))


@pytest.mark.soak  # an archive built for it alone (.ci/run runs soak tests)
def test_a_refit_places_every_article_anew(tmp_path):
    archive, index = build(tmp_path)
    with sqlite3.connect(index / "vectors.sqlite") as db:
        before = dict(db.execute("SELECT id, v FROM article"))
    shutil.rmtree(archive / "dnainfo" / "chicago")  # enough of the archive gone for a refit
    result = run_cli("index", str(archive), "--index", str(index))
    assert result.exit_code == 0 and "latent space fitted" in result.stderr
    with sqlite3.connect(index / "vectors.sqlite") as db:
        after = dict(db.execute("SELECT id, v FROM article"))
    assert set(after) < set(before)  # a full pass: the rows of the articles gone went with it
    assert any(after[i] != before[i] for i in after)  # a new space: new places
    assert not imports_numpy(index)
    assert_same(ranking(index, QUERIES), from_texts(index, QUERIES, tmp_path))


def _rows(index: Path) -> dict:
    with sqlite3.connect(index / "vectors.sqlite") as db:
        return {row[0]: row[1:] for row in db.execute("SELECT id, v, words, read FROM article")}


@pytest.fixture()
def helped_from_ten(monkeypatch):
    """A helper process places half the articles of even data/'s 40 (it takes thousands)."""
    from archive_search.indexing import vectors

    monkeypatch.setattr(vectors, "_HELPED_FROM", 10)
    return vectors


def test_with_two_jobs_a_helper_places_half_and_the_file_is_the_same(tmp_path, helped_from_ten, monkeypatch):
    from archive_search import IndexDir, Indexer

    helped = []
    finish = helped_from_ten._Helper.finish
    monkeypatch.setattr(
        helped_from_ten._Helper, "finish", lambda self, db: helped.append(finish(self, db)) or helped[-1]
    )
    files = {}
    for jobs in (1, 2):
        index = tmp_path / f"jobs{jobs}"
        Indexer(IndexDir(index), jobs=jobs).run([str(DATA)])
        files[jobs] = _rows(index)
        assert not (index / "vectors.sqlite.part").exists()
    assert len(files[1]) == 40 and files[2] == files[1]
    assert helped == [20]  # the helper's half, not the run's own after a failure


def test_a_helper_that_fails_leaves_its_half_to_the_run(tmp_path, helped_from_ten, monkeypatch):
    from archive_search import IndexDir, Indexer, helpers

    monkeypatch.setattr(helpers, "helper_command", lambda *args: [sys.executable, "-c", "import sys; sys.exit(3)"])
    Indexer(IndexDir(tmp_path / "one"), jobs=1).run([str(DATA)])
    Indexer(IndexDir(tmp_path / "two"), jobs=2).run([str(DATA)])
    assert _rows(tmp_path / "two") == _rows(tmp_path / "one")


def test_an_index_whose_path_needs_quoting_uses_it(tmp_path):
    odd = tmp_path / "odd?#% name"
    odd.mkdir()
    _, index = build(odd)
    assert not imports_numpy(index)
