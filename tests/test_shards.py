"""A sharded archive (index --shards N): built, searched, changed and removed from as one
index is, and scoring exactly as one index of the same articles does.

The reference for every comparison is the same articles indexed as one index; the shard
each file goes to is worked out here from the documented rule (shards.json's "rule")."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import assert_no_traceback, run_cli, write_jsonl, write_notices
from hypothesis import given, settings
from hypothesis import strategies as st

from archive_search import Archive
from archive_search.shards.fanout import InProcess

WORDS = (
    "harbor ferry council budget school teacher police precinct zoning tower landlord tenant rent "
    "subway station bus lane bike garden park library museum gallery festival parade market vendor "
    "restaurant bakery permit inspection hearing lawsuit judge court election ballot candidate mayor "
    "alderman district ward block fire flood storm snow heat bridge tunnel highway pothole water sewer"
).split()
PLACES = ["Harlem", "Bushwick", "Pilsen", "Uptown", "Astoria", "Logan Square"]
FILES = 36
PER_FILE = 14


def _records(seed: int = 25) -> dict[str, list[dict]]:
    """{file name: its records}: words drawn unevenly, so that words differ in how common they are."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(WORDS))]
    files: dict[str, list[dict]] = {}
    for f in range(FILES):
        records = []
        for r in range(PER_FILE):
            n = f * PER_FILE + r
            body = " ".join(rng.choices(WORDS, weights, k=rng.randint(20, 120)))
            records.append(
                {
                    "id": f"story-{n:04d}",
                    "title": " ".join(rng.choices(WORDS, weights, k=rng.randint(3, 8))).capitalize(),
                    "body": f"{rng.choice(PLACES)} - {body}.",
                    "published": f"{2009 + n % 9}-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:00-05:00",
                    "dateline": rng.choice(PLACES),
                    "source": "DNAinfo New York" if n % 3 else "DNAinfo Chicago",
                    "author": [f"Reporter {n % 7}"],
                }
            )
        files[f"feeds/part-{f:03d}.jsonl"] = records
    return files


QUERIES = [
    "ferry",
    "harbor ferry",
    "school budget hearing",
    "police precinct",
    "landlord tenant rent",
    "bike lane",
    "snow storm",
    "sewer",  # a rare word
    "mayor election ballot",
    '"bike lane"',  # a phrase: Whoosh's own search
    "title:budget",
    "court -judge",
    "water OR flood",
    "harbor title:harbor",  # two fields of one word: Whoosh's existing_terms skipped the second
    "park published:2013",
    "bik* tenant",
]


def _shard_of(path: Path, count: int) -> int:
    digest = hashlib.blake2b(str(path.resolve()).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def _index(source: Path, index: Path, *options: str) -> None:
    result = run_cli("index", str(source), "--index", str(index), "-q", *options)
    assert result.exit_code == 0, result.stderr


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sharded") / "archive"
    for name, records in _records().items():
        write_jsonl(folder / name, records)
    return folder


@pytest.fixture(scope="module")
def layouts(archive: Path) -> dict[str, Path]:
    """The archive as one index, and as 1, 4 and 7 shards (4 built in helper processes)."""
    built = {"one index": archive.parent / "single"}
    _index(archive, built["one index"])
    for count, jobs in ((1, "1"), (4, "2"), (7, "1")):
        built[f"{count} shards"] = archive.parent / f"shards{count}"
        _index(archive, built[f"{count} shards"], "--shards", str(count), "--jobs", jobs)
    return built


def _ranked(index: Path, query: str, **options) -> list[tuple[str, float]]:
    result = Archive(index).search(query, limit=20, **options)
    return [(hit.id, hit.score) for hit in result.hits]


def _same(got: list[tuple[str, float]], expected: list[tuple[str, float]]) -> bool:
    return [i for i, _ in got] == [i for i, _ in expected] and all(
        abs(a - b) <= 1e-9 for (_, a), (_, b) in zip(got, expected, strict=False)
    )


@pytest.mark.parametrize("query", QUERIES)
def test_a_sharded_archive_ranks_exactly_as_one_index(layouts, query):
    expected = _ranked(layouts["one index"], query)
    assert expected, query  # the query matches: the comparison means something
    for name, index in layouts.items():
        if name == "one index":
            continue
        assert _same(_ranked(index, query), expected), (name, query)
        assert _same(_ranked(index, query, feedback=False), _ranked(layouts["one index"], query, feedback=False))


@pytest.mark.parametrize("query", QUERIES)
def test_the_two_rounds_over_the_shards_score_exactly_as_one_index(layouts, query):
    """The fan-out a cluster runs (statistics gathered, then each shard scored with their
    sums), run here on the shards: the same ids and scores as one index."""
    expected = _ranked(layouts["one index"], query)
    for name in ("4 shards", "7 shards"):
        spread = Archive(layouts[name], cluster=InProcess)
        assert _same(_ranked_by(spread, query), expected), (name, query)
        assert spread.search(query, limit=0).total == Archive(layouts["one index"]).search(query, limit=0).total


def _ranked_by(archive: Archive, query: str) -> list[tuple[str, float]]:
    return [(hit.id, hit.score) for hit in archive.search(query, limit=20).hits]


_WORD = st.sampled_from(WORDS)
_TERM = st.one_of(
    _WORD,
    _WORD.map(lambda w: f"title:{w}"),
    _WORD.map(lambda w: w[:3] + "*"),
    st.tuples(_WORD, _WORD).map(lambda p: f'"{p[0]} {p[1]}"'),
    _WORD.map(lambda w: f"-{w}"),
    st.integers(2009, 2017).map(lambda y: f"published:{y}"),
    _WORD.map(lambda w: f"{w}~"),
)


@settings(max_examples=20)
@given(st.lists(_TERM, min_size=1, max_size=5))
def test_any_query_spread_over_shards_scores_as_one_index(layouts, terms):
    query = " ".join(terms)
    single = Archive(layouts["one index"]).search(query, limit=20, snippets=False)
    for name in ("4 shards", "7 shards"):
        spread = Archive(layouts[name], cluster=InProcess).search(query, limit=20, snippets=False)
        got = [(h.id, h.score) for h in spread.hits]
        assert _same(got, [(h.id, h.score) for h in single.hits]), (name, query)
        assert spread.total == single.total


def test_the_manifest_lists_each_shard_and_the_articles_its_files_hold(archive, layouts):
    records = _records()
    for count in (1, 4, 7):
        index = layouts[f"{count} shards"]
        meta = json.loads((index / "archive-search.json").read_text())
        assert meta["shards"] == count and meta["articles"] == FILES * PER_FILE
        manifest = json.loads((index / f"{meta['generation']}.shards" / "shards.json").read_text())
        assert manifest["shards"] == count and "blake2b" in manifest["rule"]
        expected = [0] * count
        for name, file_records in records.items():
            expected[_shard_of(archive / name, count)] += len(file_records)
        assert [m["articles"] for m in manifest["members"]] == expected
        assert [m["path"] for m in manifest["members"]] == [f"s{k}" for k in range(count)]


@pytest.mark.parametrize(
    "command",
    [
        ["list", "--format", "ids"],
        ["export"],
        ["search", "police", "--format", "json", "-n", "30"],
        ["search", "ferry", "--sort", "newest", "--format", "tsv"],
        ["search", "school", "--count"],
        ["timeline", "flood", "--by", "year", "--format", "json"],
        ["search", "rent", "--facet", "source", "--facet", "year", "--facets-only", "--format", "json"],
        ["kwic", "ferry", "--format", "jsonl"],
        ["terms", "police", "--format", "json"],
        ["show", "story-0042", "--format", "json"],
        ["similar", "story-0100", "--format", "ids"],
    ],
)
def test_every_command_answers_a_sharded_archive_as_one_index(layouts, command):
    expected = run_cli(*command, "--index", str(layouts["one index"]))
    assert expected.exit_code == 0, expected.stderr
    got = run_cli(*command, "--index", str(layouts["7 shards"]))
    assert (got.exit_code, got.stdout, got.stderr) == (expected.exit_code, expected.stdout, expected.stderr)


def test_stats_counts_a_sharded_archive_as_one_index(layouts):
    expected = json.loads(run_cli("stats", "--index", str(layouts["one index"]), "--format", "json").stdout)
    got = json.loads(run_cli("stats", "--index", str(layouts["4 shards"]), "--format", "json").stdout)
    for key in ("articles", "first_published", "last_published", "sources", "top_authors", "per_year"):
        assert got[key] == expected[key], key
    on_disk = sum(p.stat().st_size for p in layouts["4 shards"].rglob("*") if p.is_file())
    assert got["index_bytes"] == on_disk
    assert expected["shards"] is None
    assert got["shards"] == [m["articles"] for m in _manifest(layouts["4 shards"])["members"]]
    assert sum(got["shards"]) == FILES * PER_FILE


@pytest.fixture()
def own_copy(archive: Path, tmp_path: Path) -> Path:
    target = tmp_path / "archive"
    shutil.copytree(archive, target)
    return target


def _manifest(index: Path) -> dict:
    meta = json.loads((index / "archive-search.json").read_text())
    return json.loads((index / f"{meta['generation']}.shards" / "shards.json").read_text())


@pytest.mark.soak
def test_an_incremental_run_changes_only_the_shards_of_the_files_changed(own_copy, tmp_path):
    index, single = tmp_path / "index", tmp_path / "single"
    _index(own_copy, index, "--shards", "4")
    _index(own_copy, single)
    before = _manifest(index)
    changed = own_copy / "feeds" / "part-005.jsonl"
    write_jsonl(changed, [{"id": "story-new", "title": "Gondola plan", "body": "A gondola over the river."}])
    result = run_cli("index", str(own_copy), "--index", str(index))
    assert result.exit_code == 0, result.stderr
    assert "0 articles added, 1 updated" not in result.stderr
    after = _manifest(index)
    moved = [k for k in range(4) if before["members"][k]["toc"] != after["members"][k]["toc"]]
    assert moved == [_shard_of(changed, 4)]
    assert sum(m["articles"] for m in after["members"]) == FILES * PER_FILE - PER_FILE + 1
    assert run_cli("search", "gondola", "--index", str(index), "--format", "ids").stdout.split() == ["story-new"]
    _index(own_copy, single)  # the same change made to one index
    for query in ("gondola", "ferry", "police precinct"):
        assert _same(_ranked(index, query), _ranked(single, query)), query


@pytest.mark.soak
def test_another_number_of_shards_needs_a_rebuild(own_copy, tmp_path):
    index = tmp_path / "index"
    _index(own_copy, index, "--shards", "3")
    result = run_cli("index", str(own_copy), "--index", str(index), "--shards", "5")
    assert result.exit_code == 2
    assert "has 3 shards" in result.stderr and "--rebuild --shards 5" in result.stderr
    assert_no_traceback(result.stderr)
    assert result.stderr.count("\n") == 1
    _index(own_copy, index, "--rebuild", "--shards", "5")
    assert _manifest(index)["shards"] == 5
    assert not (index / "g1.shards").exists()  # the old set, deleted once the new one is current
    assert json.loads((index / "archive-search.json").read_text())["generations"] == ["g2"]


@pytest.mark.soak
def test_one_index_is_sharded_only_by_a_rebuild(own_copy, tmp_path):
    index = tmp_path / "index"
    _index(own_copy, index)
    result = run_cli("index", str(own_copy), "--index", str(index), "--shards", "2")
    assert result.exit_code == 2 and "is one index" in result.stderr and "--rebuild --shards 2" in result.stderr
    _index(own_copy, index, "--rebuild", "--shards", "2")
    single = tmp_path / "single"
    _index(own_copy, single)
    assert _same(_ranked(index, "harbor ferry"), _ranked(single, "harbor ferry"))
    assert not list(index.glob("g1_*")) and not list(index.glob("_g1_*.toc"))  # the one index's files, gone
    _index(own_copy, index, "--rebuild", "--shards", "1")  # and back: a set of one
    assert _same(_ranked(index, "harbor ferry"), _ranked(single, "harbor ferry"))


@pytest.mark.soak
def test_remove_takes_articles_out_of_whichever_shard_holds_them(own_copy, tmp_path):
    index = tmp_path / "index"
    _index(own_copy, index, "--shards", "4")
    gone_file = own_copy / "feeds" / "part-007.jsonl"
    result = run_cli(
        "remove", "story-0003", "story-0200", "no-such-id", "--path", str(gone_file), "--index", str(index)
    )
    assert result.exit_code == 0, result.stderr
    assert "no-such-id" in result.stderr
    left = set(run_cli("list", "--index", str(index), "--format", "ids").stdout.split())
    expected = {r["id"] for name, rs in _records().items() for r in rs if name != "feeds/part-007.jsonl"}
    assert left == expected - {"story-0003", "story-0200"}
    assert sum(m["articles"] for m in _manifest(index)["members"]) == len(left)


@pytest.mark.soak
def test_a_cluster_that_does_not_answer_is_one_error(own_copy, tmp_path):
    pytest.importorskip("distributed", reason="the cluster extra (archive-search[cluster]) is not installed")
    result = run_cli(
        "index", str(own_copy), "--index", str(tmp_path / "index"), "--shards", "2", "--cluster", "tcp://127.0.0.1:9"
    )
    assert result.exit_code == 2, result.stderr
    assert "no Dask scheduler answers at tcp://127.0.0.1:9" in result.stderr
    assert result.stderr.count("\n") == 1
    assert_no_traceback(result.stderr)


def test_cluster_needs_shards(own_copy, tmp_path):
    result = run_cli("index", str(own_copy), "--index", str(tmp_path / "i"), "--cluster", "tcp://127.0.0.1:9")
    assert result.exit_code == 2 and "add --shards N" in result.stderr


@pytest.mark.soak
def test_a_killed_sharded_build_is_finished_by_the_next_run(tmp_path):
    """Killed (SIGKILL) once some shards are done: searches see no half-built archive, and
    the next run takes the set up where it stopped and finishes it."""
    folder = tmp_path / "archive"
    records = write_notices(folder, 8000, 16, prefix="k")
    index = tmp_path / "index"
    command = [sys.executable, "-m", "archive_search", "index", str(folder), "--index", str(index), "-q"]
    build = subprocess.Popen([*command, "--shards", "4", "--jobs", "1"], stderr=subprocess.DEVNULL)
    shard0 = index / "g1.shards" / "s0" / "archive-search.json"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and build.poll() is None:
        if shard0.exists() and json.loads(shard0.read_text()).get("generation"):
            break
        time.sleep(0.02)
    if build.poll() is not None:
        pytest.skip("the build finished before a shard was done and the next not: too fast to interrupt here")
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    result = run_cli("search", "notice", "--index", str(index))
    assert result.exit_code == 2 and "no index at" in result.stderr  # nothing published yet
    result = run_cli("index", str(folder), "--index", str(index), "--shards", "4")
    assert result.exit_code == 0, result.stderr
    listed = run_cli("list", "--index", str(index), "--format", "ids").stdout.split()
    assert sorted(listed) == sorted(r["id"] for r in records)
    assert json.loads((index / "archive-search.json").read_text())["generations"] == ["g1"]  # the same set, taken up
    assert "files unchanged" in result.stderr  # the finished shard's files were not read again


@pytest.mark.soak
def test_an_incremental_run_killed_leaves_the_archive_searchable(own_copy, tmp_path):
    index = tmp_path / "index"
    _index(own_copy, index, "--shards", "3")
    for n in range(40):
        write_jsonl(
            own_copy / "more" / f"m{n:02d}.jsonl", [{"id": f"more-{n}", "title": "Extra", "body": "ferry " * 50}]
        )
    command = [sys.executable, "-m", "archive_search", "index", str(own_copy), "--index", str(index), "-q"]
    build = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    time.sleep(0.8)
    build.kill()
    build.wait()
    result = run_cli("search", "ferry", "--index", str(index), "--format", "ids", "-n", "100")
    assert result.exit_code == 0, result.stderr
    _index(own_copy, index)
    listed = run_cli("list", "--index", str(index), "--format", "ids").stdout.split()
    assert len(listed) == FILES * PER_FILE + 40


@pytest.mark.soak
def test_copies_are_found_across_shards(tmp_path):
    """Two copies of a story in files that go to different shards: one cluster, as in one index."""
    story = (
        "The city council voted on Tuesday to extend the harbor ferry route to the north pier, "
        "after two years of hearings in which residents of the waterfront asked for a faster "
        "crossing. The new landing will open next spring, the transit office said, and fares "
        "will stay the same. Council members said the extension would cost four million dollars."
    )
    folder = tmp_path / "archive"
    names = iter(f"wire-{n:02d}.jsonl" for n in range(100))
    first = next(names)
    second = next(n for n in names if _shard_of(folder / n, 4) != _shard_of(folder / first, 4))
    day = "2016-05-03T10:00:00-04:00"
    write_jsonl(folder / first, [{"id": "wire-a", "title": "Ferry route extended", "body": story, "published": day}])
    edited = story + " A vote on fares is next."
    copy = {"id": "wire-b", "title": "Ferry route extended", "body": edited, "published": day}
    write_jsonl(folder / second, [copy])
    write_jsonl(
        folder / "other.jsonl", [{"id": f"o{n}", "title": "Park", "body": f"garden {n} " * 30} for n in range(20)]
    )
    single, sharded = tmp_path / "single", tmp_path / "sharded"
    _index(folder, single)
    _index(folder, sharded, "--shards", "4")
    expected = run_cli("dupes", "wire-a", "--index", str(single), "--format", "json")
    assert expected.exit_code == 0, expected.stderr  # the two are copies: the comparison means something
    got = run_cli("dupes", "wire-a", "--index", str(sharded), "--format", "json")
    assert (got.exit_code, got.stdout) == (expected.exit_code, expected.stdout)
    collapsed = run_cli("search", "ferry", "--collapse", "--index", str(sharded), "--format", "ids")
    assert (
        collapsed.stdout.split()
        == run_cli("search", "ferry", "--collapse", "--index", str(single), "--format", "ids").stdout.split()
    )


def test_standard_input_goes_into_a_sharded_archive(tmp_path):
    index = tmp_path / "index"
    feed = "".join(
        json.dumps({"id": f"in-{n}", "title": "Tunnel", "body": f"tunnel work {n}"}) + "\n" for n in range(5)
    )
    result = run_cli("index", "-", "--index", str(index), "--shards", "3", input=feed.encode())
    assert result.exit_code == 0, result.stderr
    listed = run_cli("list", "--index", str(index), "--format", "ids").stdout.split()
    assert sorted(listed) == [f"in-{n}" for n in range(5)]
    assert sum(m["articles"] for m in _manifest(index)["members"]) == 5
