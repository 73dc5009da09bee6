"""The Archive and what it answers: pages of results, snippets and their offsets, similar
articles, searching while indexing, and the sample archive data/ as the index holds it."""

from __future__ import annotations

import json

from conftest import DATA, run_cli, search_ids

from archive_search.archive import Archive
from archive_search.store import IndexDir


def test_offset_and_limit(sample_index):
    everything = search_ids(sample_index, "park")
    assert search_ids(sample_index, "park", "--offset", "2", "-n", "3") == everything[2:5]


def test_similar(sample_index):
    result = run_cli(
        "similar", "ny_005_cafe-lumiere-opens", "--index", str(sample_index), "--format", "jsonl", "-n", "3"
    )
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0 and hits[0]["id"] == "ny_013_cafe-lumiere-closes"
    assert "ny_005_cafe-lumiere-opens" not in {h["id"] for h in hits}
    missing = run_cli("similar", "nope", "--index", str(sample_index))
    assert missing.exit_code == 1 and "no article with id" in missing.stderr


def test_search_works_while_an_indexer_holds_the_lock(sample_index):
    with IndexDir(sample_index).write_lock(command="a long rebuild"):
        assert search_ids(sample_index, "rent")


def test_library_search_returns_hits_with_offsets(sample_index):
    result = Archive(sample_index).search("lagoon")
    hit = result.hits[0]
    assert hit.id == "chi_006_humboldt-park-lagoon" and hit.published.year == 2016
    assert hit.highlights and all(hit.snippet[s:e].lower().startswith("lagoon") for s, e in hit.highlights)


def test_snippets_prefer_the_earlier_of_equally_good_passages(tmp_path):
    """Six passages match equally well: the snippet shows the first two, every time
    (Whoosh alone breaks such ties by the passages' memory addresses)."""
    from archive_search.indexing.indexer import Indexer

    filler = " ".join(["Nothing of note happened on the block that week."] * 8)
    passages = [f"The ferry ran {word}." for word in ("early", "late", "twice", "never", "slowly", "empty")]
    body = " ".join(f"{filler} {passage}" for passage in passages)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "f", "title": "Notes", "body": body}) + "\n", encoding="utf-8")
    Indexer(IndexDir(tmp_path / "ix")).run([str(feed)])
    archive = Archive(tmp_path / "ix")
    for _ in range(5):
        (hit,) = archive.search("ferry").hits
        shown = [
            word for word in ("early", "late", "twice", "never", "slowly", "empty") if f"ran {word}" in hit.snippet
        ]
        assert shown == ["early", "late"], hit.snippet


def test_data_dir_is_what_the_sample_index_holds(sample_index):
    """Every article of data/, counted here from the files (one a DNAinfo text or HTML page,
    named by its file; one a JSON line, named by its id or, without one, FILE-N as README
    says), is in the index, and nothing else."""
    expected = {}  # id -> the file it comes from
    for path in sorted((DATA / "dnainfo").rglob("*.txt")) + sorted((DATA / "pages").glob("*.html")):
        expected[path.stem] = path
    wire = DATA / "feeds" / "wire.jsonl"
    for n, line in enumerate(wire.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            expected[json.loads(line).get("id") or f"wire-{n}"] = wire
    assert len(expected) == 30 + 2 + 8  # data/README.md: 30 DNAinfo files, 2 pages, 8 wire records
    stats = run_cli("stats", "--index", str(sample_index), "--format", "json")
    assert stats.exit_code == 0, stats.stderr
    assert json.loads(stats.stdout)["articles"] == len(expected)
    archive = Archive(sample_index)
    for key, path in expected.items():
        article = archive.get(key)
        assert article is not None, key
        assert article.path == str(path.resolve())
    with archive.ix.searcher() as searcher:
        assert sorted(stored["id"] for stored in searcher.all_stored_fields()) == sorted(expected)
