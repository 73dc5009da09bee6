"""`timeline`: matches per period, zero-filled, with the filtered articles per period.

The expected counts are worked out here from the fixture's own records (their local dates,
authors and words), never from the program's output."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date

import pytest
from conftest import index_jsonl, run_cli
from inprocess import invoke

from archive_search.archive import Archive
from archive_search.query import Filters
from archive_search.timeline import timeline

# (id, published as the feed gives it, authors, dateline, words): gaps of empty months and
# years, times near midnight in far zones (their local day is not their UTC day), undated ones.
RECORDS = [
    ("a1", "2015-01-10T12:00:00+00:00", ["Ana Ruiz"], "BROOKLYN", "flood water rising"),
    ("a2", "2015-01-31T23:30:00-06:00", ["Ana Ruiz"], "BROOKLYN", "flood in the street"),  # Feb 1 in UTC
    ("a3", "2015-02-01T00:30:00+09:00", ["Tom Becker"], "QUEENS", "garden party"),  # Jan 31 in UTC
    ("a4", "2015-02-14T09:00:00+00:00", ["Tom Becker"], "QUEENS", "flood insurance"),
    ("a5", "2015-05-03T10:00:00-04:00", ["Kate Lind"], "HARLEM", "rent strike"),
    ("a6", "2015-05-03T22:00:00-04:00", ["Ana Ruiz", "Kate Lind"], "HARLEM", "flood and rent"),  # May 4 in UTC
    ("a7", "2017-03-01T08:00:00+00:00", ["Zoe Brown"], "BRONX", "flood warning"),
    ("a8", "2017-03-01T15:00:00+00:00", ["Omar Said"], "BRONX", "school budget"),
    ("a9", "2017-12-31T23:00:00-10:00", ["Omar Said"], "BRONX", "flood on new year"),  # 2018 in UTC
    ("a10", "2017-06-15T12:00:00+00:00", [], "", "flood without a byline"),
    ("u1", None, ["Ana Ruiz"], "BROOKLYN", "flood of undated memories"),
    ("u2", None, ["Tom Becker"], "QUEENS", "undated bake sale"),
]


def _records() -> list[dict]:
    out = []
    for rid, published, authors, dateline, words in RECORDS:
        record = {"id": rid, "title": f"Story {rid}", "body": words, "authors": authors, "dateline": dateline}
        if published:
            record["published"] = published
        out.append(record)
    return out


def _local(published: str) -> date:
    """The article's local day: the date part of the time as the feed wrote it."""
    return date.fromisoformat(published[:10])


def _key(day: date, by: str) -> str:
    if by == "year":
        return f"{day.year}"
    if by == "month":
        return f"{day.year}-{day.month:02d}"
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def _expected(by: str, word: str, keep=lambda record: True) -> tuple[Counter, Counter]:
    """(matches, all) per period, from the records themselves."""
    count, total = Counter(), Counter()
    for record in RECORDS:
        if record[1] is None or not keep(record):
            continue
        key = _key(_local(record[1]), by)
        total[key] += 1
        count[key] += word in record[4].split()
    return count, total


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return index_jsonl(tmp_path_factory.mktemp("timeline"), _records(), "-q")


def _json(index, *args):
    result = invoke("timeline", *args, "--index", str(index), "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("by", ["year", "month", "week", "day"])
def test_counts_totals_ratios_per_period(index, by):
    data = _json(index, "flood", "--by", by)
    count, total = _expected(by, "flood")
    got = {p["period"]: p for p in data["periods"]}
    for key in total:
        assert got[key]["count"] == count[key], key
        assert got[key]["total"] == total[key], key
        assert got[key]["ratio"] == pytest.approx(count[key] / total[key], abs=1e-6)
    assert sum(p["count"] for p in data["periods"]) == sum(count.values())
    assert data["periods"][0]["period"] == min(total) and data["periods"][-1]["period"] == max(total)
    assert data["by"] == by and data["query"] == "flood"


def test_gaps_are_zero_filled(index):
    periods = _json(index, "flood", "--by", "month")["periods"]
    labels = [p["period"] for p in periods]
    months = [f"{y}-{m:02d}" for y in (2015, 2016, 2017) for m in range(1, 13)]
    assert labels == months  # Jan 2015 to Dec 2017, every month
    empty = [p for p in periods if p["period"] not in _expected("month", "flood")[1]]
    assert empty and all(p["count"] == 0 and p["total"] == 0 and p["ratio"] == 0 for p in empty)
    assert periods[1]["start"] == "2015-02-01"


def test_default_is_month_over_a_short_span_and_year_over_a_long_one(index, tmp_path):
    assert _json(index, "flood", "--since", "2015-01", "--until", "2017-12")["by"] == "month"  # 36 months
    assert _json(index, "flood", "--since", "2016")["by"] == "month"
    long = index_jsonl(tmp_path, [*_records(), {"id": "old", "title": "old flood", "published": "2009-06-01"}], "-q")
    data = _json(long, "flood")
    assert data["by"] == "year"
    assert [p["period"] for p in data["periods"]] == [str(y) for y in range(2009, 2018)]


def test_local_days_agree_with_search_since_until(index):
    data = _json(index, "flood", "--by", "day", "--since", "2015-01-01", "--until", "2015-02-28")
    archive = Archive(index)
    for period in data["periods"]:
        day = period["period"]
        assert period["count"] == archive.count("flood", Filters(since=day, until=day)), day
    got = {p["period"]: p["count"] for p in data["periods"]}
    assert got["2015-01-31"] == 1 and got["2015-02-01"] == 0  # a2 by its own day, not UTC's
    assert len(data["periods"]) == 59  # the bounds' days, all of them


def test_week_labels_are_iso(index):
    data = _json(index, "flood", "--by", "week", "--since", "2017-12-25", "--until", "2018-01-07")
    assert [p["period"] for p in data["periods"]] == ["2017-W52", "2018-W01"]
    assert [p["start"] for p in data["periods"]] == ["2017-12-25", "2018-01-01"]
    assert data["periods"][0]["count"] == 1  # a9, Dec 31 where it was written


def test_undated_counted_apart(index):
    data = _json(index, "flood")
    flooded = [r for r in RECORDS if "flood" in r[4].split()]
    assert data["undated"] == {"count": sum(r[1] is None for r in flooded), "total": sum(r[1] is None for r in RECORDS)}
    assert data["count"] == len(flooded)
    tsv = invoke("timeline", "flood", "--index", str(index), "--format", "tsv")
    assert "1 match has no date" in tsv.stderr


def test_split_top_and_other(index):
    data = _json(index, "flood", "--by", "year", "--split", "author", "--top", "2")
    counts = Counter(a for r in RECORDS if "flood" in r[4].split() for a in r[2])
    top = sorted(counts, key=lambda a: (-counts[a], a))[:2]
    series = {s["series"]: s for s in data["series"]}
    assert [s["series"] for s in data["series"] if s["kind"] == "value"] == top
    assert series["Ana Ruiz"]["count"] == counts["Ana Ruiz"]
    others = [r for r in RECORDS if "flood" in r[4].split() and r[2] and not set(r[2]) & set(top)]
    assert series["(other)"]["count"] == len(others)
    assert series["(none)"]["count"] == 1  # a10, no byline
    ana_2015 = next(p for p in series["Ana Ruiz"]["periods"] if p["period"] == "2015")
    assert ana_2015["total"] == sum(1 for r in RECORDS if r[1] and r[1][:4] == "2015" and "Ana Ruiz" in r[2])


def test_filters_restrict_total_too(index):
    data = _json(index, "flood", "--by", "year", "--dateline", "bronx")
    count, total = _expected("year", "flood", lambda r: r[3] == "BRONX")
    assert {p["period"]: (p["count"], p["total"]) for p in data["periods"]} == {
        y: (count[y], total[y]) for y in ("2017",)
    }


def test_filters_alone(index):
    data = _json(index, "", "--author", "omar said", "--by", "year")
    assert [(p["period"], p["count"], p["total"]) for p in data["periods"]] == [("2017", 2, 2)]


def test_tsv_and_csv_columns(index):
    tsv = invoke("timeline", "flood", "--by", "year", "--index", str(index), "--format", "tsv")
    rows = [line.split("\t") for line in tsv.stdout.splitlines()]
    assert rows[0] == ["period", "start", "count", "total", "ratio"]
    assert rows[1][:4] == ["2015", "2015-01-01", "4", "6"]
    split = invoke("timeline", "flood", "--by", "year", "--split", "dateline", "--index", str(index), "--format", "csv")
    table = list(csv.reader(io.StringIO(split.stdout)))
    assert table[0] == ["period", "start", "count", "total", "ratio", "series"]
    assert ["2017", "2017-01-01", "2", "3", "0.666667", "BRONX"] in table


def test_jsonl_rows(index):
    result = invoke("timeline", "flood", "--by", "year", "--index", str(index), "--format", "jsonl")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["period"] for r in rows] == ["2015", "2016", "2017"]
    assert rows[1] == {"period": "2016", "start": "2016-01-01", "count": 0, "total": 0, "ratio": 0}


def test_chart_fits_and_normalize(index):
    result = invoke("timeline", "flood", "--by", "year", "--index", str(index), "--format", "plain")
    lines = result.stdout.splitlines()
    assert lines[0] == f"flood by year: {sum('flood' in r[4].split() for r in RECORDS)} matches"
    assert all(len(line) <= 80 for line in lines)
    assert lines[1].startswith("2015 #") and lines[1].endswith("4 / 6  66.7%")
    assert lines[-1] == "undated: 1 of 2"
    rich = invoke("timeline", "flood", "--by", "year", "--normalize", "--index", str(index), tty=True, width=60)
    assert rich.exit_code == 0 and all(len(line) <= 60 for line in rich.stdout.splitlines())
    assert "█" in rich.stdout


def test_nothing_matches_is_exit_1(index):
    assert invoke("timeline", "zeppelin", "--index", str(index)).exit_code == 1
    empty = invoke("timeline", "zeppelin", "--index", str(index), "--format", "json")
    assert empty.exit_code == 1 and json.loads(empty.stdout)["periods"] == []


def test_bad_by_names_the_choices(index):
    result = invoke("timeline", "flood", "--by", "fortnight", "--index", str(index))
    assert result.exit_code == 2
    assert all(name in result.stderr for name in ("year", "month", "week", "day"))


def test_empty_query_needs_a_filter(index):
    result = invoke("timeline", "--index", str(index))
    assert result.exit_code == 2 and "--author" in result.stderr


def test_library_rejects_bad_choices(index):
    from archive_search.errors import QueryError

    with pytest.raises(QueryError, match="year, month, week, day"):
        timeline(Archive(index), "flood", by="decade")
    with pytest.raises(QueryError, match="author, dateline, source, tag"):
        timeline(Archive(index), "flood", split="colour")


def test_too_many_periods_says_what_to_do(index):
    result = invoke("timeline", "flood", "--by", "day", "--since", "1000", "--until", "9999", "--index", str(index))
    assert result.exit_code == 2 and "--since and --until closer together" in result.stderr


def test_subprocess_run(index):
    result = run_cli("timeline", "flood", "--by", "year", "--index", str(index), "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["count"] == sum("flood" in r[4].split() for r in RECORDS)
