"""Days, months and years in date filters are calendar periods in each article's own zone, as
its date is shown: --since/--until and published: agree, and counts and pages stay exact.

The expected articles are worked out from the feed's own text: the date part of an ISO time
with an offset is the article's local date (a time without a zone is its own local time)."""

from __future__ import annotations

import pytest
from conftest import index_jsonl
from hypothesis import given
from hypothesis import strategies as st
from inprocess import invoke

# id -> published as the feed gives it: times near midnight in zones far apart.
STORIES = {
    "chicago-late": "2017-02-12T22:55:00-06:00",  # 2017-02-13 in UTC
    "tokyo-early": "2017-02-13T00:30:00+09:00",  # 2017-02-12 in UTC
    "kiritimati-early": "2017-02-13T00:05:00+14:00",  # 2017-02-12 10:05 in UTC
    "baker-late": "2017-02-12T23:59:00-12:00",  # 2017-02-13 11:59 in UTC
    "kathmandu": "2017-02-12T04:00:00+05:45",
    "utc-midnight": "2017-02-13T00:00:00Z",
    "no-zone": "2017-02-13T23:30:00",
    "leap-night-la": "2016-02-29T21:00:00-08:00",  # March in UTC
    "march-first-auckland": "2016-03-01T06:00:00+13:00",  # February in UTC
    "nye-honolulu": "2016-12-31T22:00:00-10:00",  # 2017 in UTC
    "new-year-sydney": "2017-01-01T05:00:00+11:00",  # 2016 in UTC
    "spring": "2016-04-10T12:00:00+02:00",
}
PERIODS = [
    "2016",
    "2017",
    "2016-02",
    "2016-03",
    "2016-12",
    "2017-01",
    "2017-02",
    "2016-02-29",
    "2016-03-01",
    "2016-12-31",
    "2017-01-01",
    "2017-02-12",
    "2017-02-13",
    "2017-02-14",
]


@pytest.fixture(scope="module")
def day_index(tmp_path_factory):
    records = [
        {"id": key, "title": f"Tide table {n}", "body": "The tide came in at the pier.", "published": when}
        for n, (key, when) in enumerate(STORIES.items())
    ]
    return index_jsonl(tmp_path_factory.mktemp("days"), records, "-q")


def _expected(since: str | None, until: str | None) -> set[str]:
    """The stories whose local date (the feed's own date text) lies in the periods, compared as text."""
    return {
        key
        for key, when in STORIES.items()
        if (since is None or when[: len(since)] >= since) and (until is None or when[: len(until)] <= until)
    }


def _ids(index, *args: str) -> set[str]:
    result = invoke("search", *args, "--index", str(index), "--format", "ids", "-n", "100")
    assert result.exit_code in (0, 1), result.stderr
    return set(result.stdout.split())


def test_a_day_is_the_day_the_article_shows(day_index):
    assert _ids(day_index, "tide", "--since", "2017-02-12", "--until", "2017-02-12") == {
        "chicago-late",
        "baker-late",
        "kathmandu",
    }
    assert "chicago-late" not in _ids(day_index, "tide", "--since", "2017-02-13")


# Every pair of periods: a soak test (.ci/run runs them); test_one_period_in_the_query_text
# keeps a check of the local days in the default run.
@pytest.mark.soak
@given(since=st.none() | st.sampled_from(PERIODS), until=st.none() | st.sampled_from(PERIODS))
def test_counts_and_ids_are_those_of_the_local_days(day_index, since, until):
    options = [*(["--since", since] if since else []), *(["--until", until] if until else [])]
    expected = _expected(since, until)
    result = invoke("search", "tide", *options, "--index", str(day_index), "--count")
    assert (result.exit_code, result.stdout) == ((0 if expected else 1), f"{len(expected)}\n")
    assert _ids(day_index, "tide", *options) == expected
    assert _ids(day_index, "", *options) == expected if options else True
    # The query language's published: says the same as the options.
    assert _ids(day_index, f"tide published:[{since or ''} to {until or ''}]") == expected


@pytest.mark.parametrize("period", PERIODS)
def test_one_period_in_the_query_text(day_index, period):
    assert _ids(day_index, f"tide published:{period}") == _expected(period, period)


def test_pages_of_a_day_filter_are_slices_of_one_list(day_index):
    options = ["--since", "2017-02-12", "--until", "2017-02-13", "--sort", "oldest"]
    whole = invoke("search", "tide", *options, "--index", str(day_index), "--format", "ids", "-n", "100")
    everything = whole.stdout.split()
    assert set(everything) == _expected("2017-02-12", "2017-02-13")
    pages = [
        invoke("search", "tide", *options, "--index", str(day_index), "--format", "ids", "-n", "2", "--offset", str(at))
        for at in range(0, len(everything), 2)
    ]
    assert [line for page in pages for line in page.stdout.split()] == everything
