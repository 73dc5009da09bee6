"""search --facet and --facets-only: counts over every match, checked against counts made
here from the articles themselves."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import index_jsonl, run_cli
from inprocess import invoke

from archive_search.archive import Archive
from archive_search.errors import QueryError
from archive_search.facets import facet_counts

AUTHORS = [["Ana Ruiz", "Ben Ode"], ["Ana Ruiz"], [], ["Cy Tam", "Ben Ode"], ["Dee Vo"], ["Eli Wu"]]
DATELINES = ["HARLEM", "HARLEM", "", "SOHO", "BRONX", "QUEENS"]
DATES = [
    "2015-03-01T10:00:00+00:00",
    "2016-12-31T23:30:00-05:00",  # 2017 in UTC, 2016 by its own clock
    None,
    "2016-07-04T09:00:00+00:00",
    "2017-01-15T12:00:00+00:00",
    "2015-03-20T08:00:00+00:00",
]


def _records() -> list[dict]:
    records = []
    for n, (authors, dateline, date) in enumerate(zip(AUTHORS, DATELINES, DATES, strict=True)):
        record = {"id": f"f{n}", "title": f"Zoning story {n}", "body": "zoning board vote", "authors": authors}
        if dateline:
            record["dateline"] = dateline
        if date:
            record["published"] = date
        if n == 5:
            record["title"], record["body"] = "Parks story", "a story about parks"  # not a match
        records.append(record)
    return records


@pytest.fixture(scope="module")
def facet_index(tmp_path_factory):
    return index_jsonl(tmp_path_factory.mktemp("facets"), _records())


def _expected(facet: str, top: int) -> tuple[list[tuple[str, int]], int, int, int]:
    """(top values, other, none, total) counted from the records written."""
    matches = [r for r in _records() if "zoning" in r["body"]]
    if facet == "author":
        values = [r["authors"] for r in matches]
    elif facet == "dateline":
        values = [[r["dateline"]] if r.get("dateline") else [] for r in matches]
    else:
        values = [[r["published"][:4]] if r.get("published") else [] for r in matches]
    if facet == "year":  # f1 is of 2016 by its own clock, 2017 in UTC
        values = [["2016"] if r["id"] == "f1" else v for r, v in zip(matches, values, strict=True)]
    counts = Counter(v for vs in values for v in vs)
    shown = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    names = {name for name, _ in shown}
    other = sum(1 for vs in values if vs and names.isdisjoint(vs))
    none = sum(1 for vs in values if not vs)
    return shown, other, none, len(matches)


@pytest.mark.parametrize("facet", ["author", "dateline", "year"])
@pytest.mark.parametrize("top", [1, 2, 10])
def test_counts_match_the_articles(facet_index, facet, top):
    counts = facet_counts(Archive(facet_index), "zoning", None, [facet], top=top)[facet]
    shown, other, none, total = _expected(facet, top)
    assert (counts.values, counts.other, counts.none, counts.total) == (shown, other, none, total)
    if facet != "author":  # single-valued: the rows add up to the matches
        assert sum(n for _, n, _ in counts.rows()) == total


def test_year_is_the_articles_own(facet_index):
    counts = facet_counts(Archive(facet_index), "", _filters(), ["year", "month"], top=10)
    assert dict(counts["year"].values)["2016"] == 2
    assert ("2016-12", 1) in counts["month"].values


def _filters():
    from archive_search.query import Filters

    return Filters(since="2000")


def test_unknown_facet_says_which_there_are(facet_index):
    with pytest.raises(QueryError, match="use one of: author, dateline, source, tag, year, month"):
        facet_counts(Archive(facet_index), "zoning", None, ["colour"])
    result = invoke("search", "zoning", "--index", str(facet_index), "--facet", "colour")
    assert result.exit_code == 2 and "use one of" in result.stderr


def test_json_object_with_facets(facet_index):
    result = invoke("search", "zoning", "--index", str(facet_index), "--facet", "dateline", "-n", "2", "-f", "json")
    data = json.loads(result.stdout)
    assert set(data) == {"hits", "facets", "total"} and data["total"] == 5 and len(data["hits"]) == 2
    rows = data["facets"]["dateline"]
    assert rows[0] == {"value": "HARLEM", "count": 2}
    assert {"value": None, "count": 1, "rest": "none"} in rows
    assert sum(row["count"] for row in rows) == 5


def test_json_without_flags_stays_an_array(sample_index):
    result = run_cli("search", "bike", "--index", str(sample_index), "-f", "json")
    assert isinstance(json.loads(result.stdout), list)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "tsv", "csv", "plain"])
def test_facets_only(facet_index, fmt):
    result = invoke("search", "zoning", "--index", str(facet_index), "--facet", "year", "--facets-only", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    if fmt == "json":
        assert json.loads(out)["facets"]["year"][0] == {"value": "2016", "count": 2}
    elif fmt == "jsonl":
        assert json.loads(out.splitlines()[0]) == {"facet": "year", "value": "2016", "count": 2}
    elif fmt in ("tsv", "csv"):
        sep = "\t" if fmt == "tsv" else ","
        assert out.splitlines()[0] == sep.join(["facet", "value", "count"])
        assert sep.join(["year", "(none)", "1"]) in out.splitlines()
    else:
        assert "year (5 matches, 3 values):" in out and "(none)" in out


def test_facet_with_jsonl_hits_says_what_to_do(facet_index):
    result = invoke("search", "zoning", "--index", str(facet_index), "--facet", "year", "-f", "jsonl")
    assert result.exit_code == 2 and "--facets-only" in result.stderr


def test_tables_after_the_hits(sample_index):
    result = run_cli("search", "bike", "--index", str(sample_index), "--facet", "source", "-f", "plain")
    assert result.exit_code == 0
    hits, _, tables = result.stdout.rpartition("source (")
    assert "[1]" in hits and "(none)" in tables


def test_filters_alone(sample_index):
    result = run_cli(
        "search", "--author", "kate lindqvist", "--index", str(sample_index), "--facet", "author", "-f", "json"
    )
    data = json.loads(result.stdout)
    assert data["facets"]["author"][0]["value"] == "Kate Lindqvist"
    assert data["facets"]["author"][0]["count"] == data["total"]


def test_nothing_matched_is_still_json(sample_index):
    result = run_cli("search", "zzzqqq", "--index", str(sample_index), "--facet", "year", "--facets-only", "-f", "json")
    assert result.exit_code == 1 and json.loads(result.stdout) == {"facets": {"year": []}, "total": 0}
