"""--cite on the research views (timeline, kwic, terms), and verify re-running them."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import DATA, run_cli

VIEWS = [
    ("timeline", ["bike", "--by", "year"], "periods"),
    ("kwic", ["bike", "-n", "5"], "lines"),
    ("terms", ["rent", "--top", "5"], "terms"),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("views")
    shutil.copytree(DATA, folder / "archive")
    assert run_cli("index", str(folder / "archive"), "--index", str(folder / "index"), "-q").exit_code == 0
    return folder


@pytest.mark.parametrize(("view", "args", "key"), VIEWS)
def test_a_cited_view_keeps_its_json_and_adds_the_citation(archive, view, args, key):
    plain = run_cli(view, *args, "--index", str(archive / "index"), "-f", "json")
    cited = run_cli(view, *args, "--index", str(archive / "index"), "-f", "json", "--cite")
    assert cited.exit_code == 0, cited.stderr
    data = json.loads(cited.stdout)
    citation = data.pop("citation")
    assert citation["command"] == view and citation["query"] == args[0]
    assert citation["index"]["articles"] == 40
    # The view's own JSON, unchanged (an array becomes the value of its key).
    original = json.loads(plain.stdout)
    assert (data if isinstance(original, dict) else data[key]) == original


@pytest.mark.soak  # a long trial: run by .ci/run with the soak tests
@pytest.mark.parametrize(("view", "args", "key"), VIEWS)
def test_verify_re_runs_a_view_and_finds_it_the_same_then_names_a_change(tmp_path, view, args, key):
    shutil.copytree(DATA, tmp_path / "archive")
    index = str(tmp_path / "index")
    assert run_cli("index", str(tmp_path / "archive"), "--index", index, "-q").exit_code == 0
    cited = run_cli(view, *args, "--index", index, "-f", "json", "--cite")
    (tmp_path / "cited.json").write_text(cited.stdout, encoding="utf-8")
    same = run_cli("verify", str(tmp_path / "cited.json"), "--index", index)
    assert same.exit_code == 0 and same.stdout.startswith("same"), same.stdout + same.stderr
    # One more article on the subject: the index and the result both change.
    word = args[0]
    record = {
        "id": "added-1",
        "title": f"A new {word} story",
        "body": f"The {word} {word} report, about {word} in a neighborhood, filed this week. " * 5,
        "published": "2016-05-01T10:00:00Z",
    }
    (tmp_path / "archive" / "added.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert run_cli("index", str(tmp_path / "archive"), "--index", index, "-q").exit_code == 0
    changed = run_cli("verify", str(tmp_path / "cited.json"), "--index", index)
    assert changed.exit_code == 1, changed.stdout + changed.stderr
    assert "1 article added (added-1)" in changed.stdout


@pytest.mark.parametrize("fmt", ["jsonl", "tsv", "csv"])
def test_cite_goes_with_json_rich_and_plain_only(archive, fmt):
    result = run_cli("timeline", "bike", "--index", str(archive / "index"), "-f", fmt, "--cite")
    assert result.exit_code == 2
    assert "--cite writes a citation with --format json, rich or plain" in result.stderr


def test_a_plain_view_gets_the_citation_as_a_footer(archive):
    result = run_cli("kwic", "bike", "-n", "2", "--index", str(archive / "index"), "-f", "plain", "--cite")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("cited: kwic 'bike' · 2 results · 40 articles indexed") for line in lines), lines
    assert lines[-1] == "to check it later, save the output of --format json and run: archive-search verify FILE"
