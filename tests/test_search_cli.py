"""Searching, showing and describing the sample archive through the command line."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import assert_no_traceback, run_cli


def search(index, *args, env=None):
    return run_cli("search", *args, "--index", str(index), env=env)


def test_quick_start_search(sample_index):
    result = search(sample_index, "bike lane")
    assert result.exit_code == 0
    assert "Bike Lane" in result.stdout.split("\n", 1)[0]
    assert "\x1b[" not in result.stdout  # a pipe gets no colour


def test_accent_folding_and_stemming(sample_index):
    ids = search(sample_index, "cafe", "--format", "ids").stdout.split()
    assert ids[:2] and all(i.startswith("ny_0") for i in ids[:2]) and "ny_005_cafe-lumiere-opens" in ids
    assert "ny_006_bedstuy-rent-strike" in search(sample_index, "strikes", "--format", "ids").stdout.split()


def test_json_fields(sample_index):
    result = search(sample_index, "landlord", "--format", "json")
    hits = json.loads(result.stdout)
    assert hits and [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    assert set(hits[0]) == {
        "rank",
        "score",
        "id",
        "title",
        "authors",
        "published",
        "dateline",
        "source",
        "url",
        "path",
        "snippet",
        "tags",
        "updated",
        "captured",
    }
    assert isinstance(hits[0]["authors"], list) and hits[0]["published"][4] == "-"


def test_no_match_exit_1_and_empty_json(sample_index):
    result = search(sample_index, "xylophonist", "--format", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (1, [])


def test_formats_parse(sample_index):
    tsv = search(sample_index, "rent", "--format", "tsv").stdout.splitlines()
    assert tsv[0].split("\t")[:3] == ["rank", "score", "id"] and all(len(r.split("\t")) == 14 for r in tsv)
    rows = list(csv.reader(io.StringIO(search(sample_index, "rent", "--format", "csv").stdout)))
    assert rows[0][0] == "rank" and all(len(r) == 14 for r in rows)
    lines = search(sample_index, "rent", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["rank"] for line in lines] == list(range(1, len(lines) + 1))
    paths = search(sample_index, "rent", "--format", "paths", "-0").stdout
    assert paths.endswith("\0") and "\n" not in paths


def test_filters(sample_index):
    chicago = search(sample_index, "park", "--source", "DNAinfo Chicago", "--format", "jsonl").stdout.splitlines()
    assert chicago and all(json.loads(h)["source"] == "DNAinfo Chicago" for h in chicago)
    dated = [
        json.loads(h)
        for h in search(
            sample_index, "rent", "--since", "2015", "--until", "2015-12", "--format", "jsonl"
        ).stdout.splitlines()
    ]
    assert dated and all(h["published"].startswith("2015") for h in dated)
    by = search(sample_index, "bike", "--author", "Søren Ødegård", "--format", "ids").stdout.split()
    assert by == ["chi_001_divvy-logan-square"]
    place = search(sample_index, "tenants", "--place", "bedford-stuyvesant", "--format", "ids").stdout.split()
    assert place == ["ny_006_bedstuy-rent-strike"]


def test_sort_newest(sample_index):
    hits = [
        json.loads(h)
        for h in search(sample_index, "park", "--sort", "newest", "--format", "jsonl", "-n", "50").stdout.splitlines()
    ]
    dates = [h["published"] for h in hits if h["published"]]
    assert len(dates) > 3 and dates == sorted(
        dates, key=lambda d: __import__("datetime").datetime.fromisoformat(d), reverse=True
    )


def test_count(sample_index):
    result = search(sample_index, "rent", "--count")
    assert result.exit_code == 0 and int(result.stdout) >= 4


@pytest.mark.parametrize("query", ['"unbalanced', "(open", "title:", "*", 'a:b:c "', "x" * 10000, "AND OR NOT", ")))"])
def test_malformed_queries_never_trace(sample_index, query):
    result = search(sample_index, query, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    assert_no_traceback(result.stderr)
    json.loads(result.stdout)


def test_missing_index_says_how_to_create_one(tmp_path):
    result = run_cli("search", "anything", "--index", str(tmp_path / "none"))
    assert result.exit_code == 2
    assert "no index at" in result.stderr and "archive-search index PATH" in result.stderr
    assert_no_traceback(result.stderr)


def test_bad_date_option(sample_index):
    result = search(sample_index, "rent", "--since", "last tuesday")
    assert result.exit_code == 2 and "--since 2016" in result.stderr


def test_show_and_unknown_id(sample_index):
    shown = run_cli("show", "chi_012_rogers-park-sanctuary-church", "--index", str(sample_index), "--format", "json")
    article = json.loads(shown.stdout)
    assert article["title"] == "Rogers Park Congregation Votes to Become a Sanctuary Church"
    assert article["published"] == "2017-02-26T16:20:00-06:00" and article["dateline"] == "ROGERS PARK"
    plain = run_cli("show", "chi_012_rogers-park-sanctuary-church", "--index", str(sample_index))
    assert plain.stdout.startswith("Rogers Park Congregation") and "by Renée Lafontaine" in plain.stdout
    missing = run_cli("show", "no-such-id", "--index", str(sample_index))
    assert missing.exit_code == 1 and "no article with id" in missing.stderr


def test_stats(sample_index):
    stats = json.loads(run_cli("stats", "--index", str(sample_index), "--format", "json").stdout)
    assert stats["articles"] == 40
    assert {y["year"] for y in stats["per_year"]} >= set(range(2009, 2018))
    assert stats["top_authors"][0]["articles"] >= 3


def test_color_always_and_no_color(sample_index):
    forced = search(sample_index, "rent", "--format", "rich", "--color", "always")
    assert "\x1b[" in forced.stdout
    never = search(sample_index, "rent", "--format", "rich", "--color", "auto", env={"NO_COLOR": "1"})
    assert "\x1b[" not in never.stdout


def test_version_and_help():
    assert run_cli("--version").stdout.startswith("archive-search ")
    for command in ("index", "search", "show", "stats"):
        result = run_cli(command, "--help")
        assert result.exit_code == 0 and "Example:" in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ("search", "bike", "--format", "jsonl"),
        ("search", "bike", "--count"),
        ("stats",),
        ("show", "ny_003_l-train-delays"),
    ],
)
def test_output_that_cannot_be_written_is_one_line_exit_2(sample_index, command):
    import os
    import subprocess
    import sys

    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full (Linux) to make every write fail")
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "archive_search", *command, "--index", str(sample_index)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    assert proc.returncode == 2
    assert_no_traceback(proc.stderr)
    assert proc.stderr.splitlines() == [
        "archive-search: error: cannot write the results to standard output (No space left on device); "
        "free some space or send the output elsewhere and run the command again"
    ]
