"""Date filters at the edges of their periods: --since and --until, and published: in the query text.

Every story is made up and sits just inside or just outside a period's bound, some of them with
a UTC offset that puts their local date on the other side of the bound from their UTC date. A
day, month or year is a calendar period in each story's own zone (as its date is shown); a full
time is that moment. The expected ids are worked out here from the timestamps, with datetime.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
from conftest import index_jsonl, run_cli
from inprocess import invoke

# id -> published, as the feed gives it
STORIES = {
    "may-31-last-second": "2015-05-31T23:59:59Z",
    "jun-01-midnight": "2015-06-01T00:00:00Z",
    "dec-01-noon": "2015-12-01T12:00:00Z",
    "dec-15": "2015-12-15T09:30:00Z",
    "dec-31-last-second": "2015-12-31T23:59:59Z",
    "dec-31-evening-new-york": "2015-12-31T19:30:00-05:00",  # 2016-01-01T00:30Z: December where filed
    "jan-01-midnight": "2016-01-01T00:00:00Z",
    "may-01-midnight": "2016-05-01T00:00:00Z",
    "may-01-last-second": "2016-05-01T23:59:59Z",
    "may-01-last-microsecond": "2016-05-01T23:59:59.999999Z",
    "may-02-midnight": "2016-05-02T00:00:00Z",
    "nye-new-york": "2016-12-31T20:00:00-05:00",  # 2017-01-01T01:00Z: 2016 where filed
    "new-year-tokyo": "2017-01-01T08:00:00+09:00",  # 2016-12-31T23:00Z: 2017 where filed
    "jan-01-2017-midnight": "2017-01-01T00:00:00Z",
    "far-future": "9999-08-01T00:00:00Z",  # late in the last year a date can have
}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _moment(text: str) -> datetime:
    """A bound as written here: a date is midnight UTC, a time without a zone is UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _local(text: str) -> datetime:
    """The story's wall-clock time, in its own zone, as it is shown."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def _is_day(bound: str) -> bool:
    return len(bound) == len("2016-05-01")


def _as(when: str, bound: str) -> datetime:
    """A story's time as compared with a bound: its local time against a day, UTC against a moment."""
    return _local(when) if _is_day(bound) else _utc(when)


def _bound(bound: str) -> datetime:
    return datetime.fromisoformat(bound) if _is_day(bound) else _moment(bound)


def _between(start: str | None, before: str | None, *, through: str | None = None) -> set[str]:
    """The stories published at or after `start` and strictly before `before` (or at the
    latest at `through`): from and to midnight in each story's own zone for a day (YYYY-MM-DD),
    that moment for a full time."""
    return {
        key
        for key, when in STORIES.items()
        if (start is None or _as(when, start) >= _bound(start))
        and (before is None or _as(when, before) < _bound(before))
        and (through is None or _as(when, through) <= _bound(through))
    }


@pytest.fixture(scope="module")
def dated_index(tmp_path_factory):
    records = [
        {"id": key, "title": f"Harbor notes {n}", "body": "The harbor ferry ran on time.", "published": when}
        for n, (key, when) in enumerate(STORIES.items())
    ]
    return index_jsonl(tmp_path_factory.mktemp("dates"), records, "-q")


def _found(index, query: str, *options: str) -> set[str]:
    result = invoke("search", query, "--index", str(index), "--format", "ids", "-n", "100", *options)
    assert result.exit_code in (0, 1), result.stderr
    return set(result.stdout.split())


@pytest.mark.parametrize(
    ("options", "start", "before"),
    [
        (["--until", "2016-05-01"], None, "2016-05-02"),  # the whole day, not a microsecond more
        (["--since", "2016-05-02"], "2016-05-02", None),
        (["--until", "2015-12"], None, "2016-01-01"),  # all of December
        (["--since", "2015-12", "--until", "2015-12"], "2015-12-01", "2016-01-01"),
        (["--since", "2017"], "2017-01-01", None),  # New York's New Year's Eve at 8 pm is 2017 in UTC, not there
        (["--until", "2016"], None, "2017-01-01"),  # Tokyo's New Year's morning is 2016 in UTC, not there
        (["--since", "2015-06", "--until", "2015-06"], "2015-06-01", "2015-07-01"),
        (["--until", "9999-06"], None, "9999-07-01"),
        (["--since", "2016-05-01T12:00:00Z"], "2016-05-01T12:00:00Z", None),  # a full time is that moment
        (["--since", "2016-05-01T23:59:59"], "2016-05-01T23:59:59", None),  # without a zone: UTC
        (["--since", "2016-05-01T23:59:59." + "9" * 79 + "Z"], "2016-05-01T23:59:59.999999", None),  # 100 characters
    ],
    ids=[
        "until-day",
        "since-day",
        "until-month",
        "one-month",
        "since-year-ny-eve",
        "until-year-tokyo-morning",
        "june",
        "until-june-9999",
        "since-moment",
        "since-moment-no-zone",
        "since-moment-100-characters",
    ],
)
def test_option_bounds_cover_whole_periods_in_each_storys_zone(dated_index, options, start, before):
    expected = _between(start, before)
    assert expected  # every case selects something, and leaves something out
    assert expected != set(STORIES)
    assert _found(dated_index, "harbor", *options) == expected


@pytest.mark.parametrize(
    ("options", "through"),
    [
        (["--until", "2016-12-31T20:00:00-05:00"], "2017-01-01T01:00:00Z"),  # that moment included
        (["--until", "2016-05-01T23:59:59"], "2016-05-01T23:59:59Z"),
    ],
    ids=["until-moment-with-offset", "until-moment-no-zone"],
)
def test_full_times_as_bounds_are_those_moments(dated_index, options, through):
    assert _found(dated_index, "harbor", *options) == _between(None, None, through=through)


@pytest.mark.parametrize("until", ["9999", "9999-12", "9999-12-31"])
def test_the_last_period_runs_to_the_end_of_time(dated_index, until):
    assert _found(dated_index, "harbor", "--until", until) == set(STORIES)


@pytest.mark.parametrize("zone", ["JST-9", "PST+8"])  # POSIX TZ strings: no zoneinfo files needed
def test_the_machines_time_zone_changes_nothing(dated_index, zone, monkeypatch):
    """Days are each story's own, and moments UTC, whatever TZ says (the machine's zone is no story's)."""
    cases = [
        (["--until", "2016-05-01"], _between(None, "2016-05-02")),
        (["--until", "2015-12"], _between(None, "2016-01-01")),
        (["--until", "2016"], _between(None, "2017-01-01")),
        (["--since", "2017"], _between("2017-01-01", None)),
        (["--since", "2016-05-01T23:59:59"], _between("2016-05-01T23:59:59Z", None)),
    ]
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        assert datetime(2016, 5, 2).astimezone(timezone.utc).hour != 0  # the zone is in force
        for options, expected in cases:
            assert _found(dated_index, "harbor", *options) == expected, options
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yesterday", "not a date: 'yesterday' (use YYYY, YYYY-MM or YYYY-MM-DD)"),
        ("7" * 45, f"not a date: '{'7' * 40}' (use YYYY, YYYY-MM or YYYY-MM-DD)"),  # quoted up to 40 characters
        ("2017-13", "month must be in 1..12"),
        ("9999-12-31T23:00:00-05:00", "--since '9999-12-31T23:00:00-05:00' is outside the years 1 to 9999"),
        ("2016-05-01T00:00:00." + "0" * 80 + "Z", "not a date: '2016-05-01T00:00:00.00000"),  # 101 characters
    ],
    ids=["word", "long", "month-13", "past-9999-in-utc", "time-over-100-characters"],
)
def test_a_bound_that_is_no_date_is_a_clear_error(dated_index, value, message):
    result = invoke("search", "harbor", "--index", str(dated_index), "--since", value)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("archive-search: error: "), result.stderr
    assert message in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("query", "start", "before"),
    [
        ("harbor published:[2015-06 to 2015-12]", "2015-06-01", "2016-01-01"),
        ("harbor published:[2016-05-01 to 2016-05-01]", "2016-05-01", "2016-05-02"),
        ("harbor published:2015-12", "2015-12-01", "2016-01-01"),
        ("harbor published:2016-05-01", "2016-05-01", "2016-05-02"),
        ("harbor date:[2017 to]", "2017-01-01", None),
        ("harbor published:[to 2016]", None, "2017-01-01"),
    ],
    ids=["months", "one-day", "month", "day", "open-end", "open-start"],
)
def test_query_text_ranges_cover_whole_periods_in_each_storys_zone(dated_index, query, start, before):
    assert _found(dated_index, query) == _between(start, before)


def test_dates_keep_their_own_offset_in_output(dated_index):
    """Shown as the feed gave them."""
    result = run_cli("search", "harbor", "--index", str(dated_index), "--format", "jsonl", "-n", "100")
    shown = {hit["id"]: hit["published"] for hit in map(json.loads, result.stdout.splitlines())}
    assert shown == {
        key: datetime.fromisoformat(when.replace("Z", "+00:00")).isoformat() for key, when in STORIES.items()
    }
