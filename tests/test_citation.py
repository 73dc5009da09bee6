"""search --cite and `archive-search verify`: unchanged, added, removed, changed, another
version, and what is not a citation."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import DATA, run_cli

from archive_search.archive import Archive
from archive_search.citation import cite, read_citation, register_rerun, verify

CHANGED = "dnainfo/chicago/chi_002_milwaukee-bike-lane.txt"
REMOVED = "dnainfo/new-york/ny_007_citi-bike-dock.txt"


def _cited_archive(folder):
    """An archive, its index, and the json of a cited search of it, in `folder`."""
    archive = folder / "archive"
    shutil.copytree(DATA, archive)
    index = folder / "index"
    assert run_cli("index", str(archive), "--index", str(index), "-q").exit_code == 0
    result = run_cli("search", "bike", "--index", str(index), "--cite", "-f", "json", "-n", "20")
    assert result.exit_code == 0, result.stderr
    saved = folder / "cited.json"
    saved.write_text(result.stdout, encoding="utf-8")
    return archive, index, saved


@pytest.fixture(scope="module")
def shared_cited(tmp_path_factory):
    return _cited_archive(tmp_path_factory.mktemp("cited"))


@pytest.fixture()
def cited(shared_cited, tmp_path):
    """The shared archive and index (left as they are), and a private copy of the citation."""
    archive, index, saved = shared_cited
    mine = tmp_path / "cited.json"
    shutil.copyfile(saved, mine)
    return archive, index, mine


@pytest.fixture()
def private(tmp_path):
    """A private archive, its index and citation, for tests that change the archive."""
    return _cited_archive(tmp_path)


def _verify(index, saved, *args):
    return run_cli("verify", str(saved), "--index", str(index), *args)


def _reindex(archive, index):
    assert run_cli("index", str(archive), "--index", str(index), "-q").exit_code == 0


def test_citation_shape(cited):
    _, _, saved = cited
    data = json.loads(saved.read_text())
    assert set(data) == {"hits", "citation"}
    citation = data["citation"]
    assert citation["command"] == "search" and citation["query"] == "bike"
    assert citation["index"]["articles"] == 40 and citation["count"] == len(data["hits"])
    assert citation["ids"] == [hit["id"] for hit in data["hits"]]
    assert citation["options"]["limit"] == 20 and citation["parsed"]
    assert len(json.dumps(citation)) < 4000  # small enough to keep beside a text


def test_unchanged_index_is_the_same(cited):
    _, index, saved = cited
    result = _verify(index, saved)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("same:")


def test_the_citation_alone_from_stdin(cited):
    _, index, saved = cited
    alone = json.dumps(json.loads(saved.read_text())["citation"]).encode()
    result = run_cli("verify", "-", "--index", str(index), "-f", "json", input=alone)
    assert result.exit_code == 0 and json.loads(result.stdout)["same"] is True


# An archive built for it alone: a soak test (.ci/run runs them); removed and changed keep
# the default run's check of a changed archive.
@pytest.mark.soak
def test_added_article_is_named(private):
    archive, index, saved = private
    (archive / "new.jsonl").write_text(json.dumps({"id": "new-1", "title": "Bike", "body": "bike bike"}) + "\n")
    _reindex(archive, index)
    result = _verify(index, saved)
    assert result.exit_code == 1
    assert "1 article added (new-1), 0 removed, 0 changed" in result.stdout
    assert "1 new (new-1)" in result.stdout


def test_removed_article_is_named(private):
    archive, index, saved = private
    (archive / REMOVED).unlink()
    _reindex(archive, index)
    result = _verify(index, saved, "-f", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["removed"] == 1 and data["added"] == 0
    assert data["removed_ids"] == ["ny_007_citi-bike-dock"] and data["results_gone"] == ["ny_007_citi-bike-dock"]


def test_changed_article_is_named(private):
    archive, index, saved = private
    path = archive / CHANGED
    path.write_text(path.read_text() + "\nOne more line about parking.\n")
    _reindex(archive, index)
    result = _verify(index, saved)
    assert result.exit_code == 1
    assert "0 articles added, 0 removed, 1 changed (chi_002_milwaukee-bike-lane) since" in result.stdout


def test_another_version_is_said(cited):
    _, index, saved = cited
    data = json.loads(saved.read_text())
    data["citation"]["version"] = "0.0.1"
    saved.write_text(json.dumps(data))
    result = _verify(index, saved)
    assert result.exit_code == 1
    assert "archive-search version changed: cited 0.0.1" in result.stdout
    assert "the index changed" not in result.stdout


@pytest.mark.parametrize("text", ["not json", "[]", '{"hits": []}', '{"citation": "archive-search/1"}'])
def test_malformed_file_says_what_to_do(cited, text):
    _, index, saved = cited
    saved.write_text(text)
    result = _verify(index, saved)
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--cite" in lines[0] and "--format json" in lines[0]


def test_a_command_verify_cannot_re_run_is_one_line(cited):
    _, index, saved = cited
    data = json.loads(saved.read_text())
    data["citation"]["command"] = "similar"
    saved.write_text(json.dumps(data))
    result = _verify(index, saved)
    assert result.exit_code == 2 and "cannot re-run 'similar'" in result.stderr


def test_a_view_without_ids_is_cited_by_its_json(sample_index):
    archive = Archive(sample_index)
    counts = {"2013": 3, "2014": 1}
    citation = cite(archive, "timeline", "bike", {"filters": {}, "by": "year"}, result=counts).to_dict()
    assert citation["ids"] is None and citation["count"] == 2
    assert verify(archive, read_citation(json.dumps(citation)), rerun=lambda c: dict(counts)).same
    changed = verify(archive, citation, rerun=lambda c: {"2013": 2})
    assert not changed.same and changed.index_same


def test_registered_rerun(sample_index):
    archive = Archive(sample_index)
    register_rerun("kwic-test", lambda archive, c: ["x", "y"])
    citation = cite(archive, "kwic-test", "bike", {}, ["x", "y"]).to_dict()
    assert verify(archive, citation).same


def test_cite_plain_footer_and_unsupported_formats(sample_index):
    result = run_cli("search", "bike", "--index", str(sample_index), "--cite", "-f", "plain")
    assert result.exit_code == 0 and "cited: search 'bike'" in result.stdout
    assert "archive-search verify FILE" in result.stdout
    result = run_cli("search", "bike", "--index", str(sample_index), "--cite", "-f", "jsonl")
    assert result.exit_code == 2 and "--format json" in result.stderr


def test_facets_and_citation_in_one_object(sample_index):
    result = run_cli("search", "bike", "--index", str(sample_index), "--cite", "--facet", "year", "-f", "json")
    assert set(json.loads(result.stdout)) == {"hits", "facets", "total", "citation"}
