"""The query language through the command line: words, phrases, fields, dates, operators,
ranking of all-words matches, "did you mean", and arbitrary text."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli, search_ids
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from archive_search import cli
from archive_search.render import Terminal


@pytest.mark.parametrize(
    ("query", "expected", "unexpected"),
    [
        ('"bike lane"', {"chi_002_milwaukee-bike-lane", "ny_002_columbus-bike-lane"}, set()),
        ('"protected lane"~2', {"chi_002_milwaukee-bike-lane", "ny_002_columbus-bike-lane"}, set()),
        ('"protected lane"', set(), {"chi_002_milwaukee-bike-lane"}),
        ("title:café", {"ny_005_cafe-lumiere-opens", "ny_013_cafe-lumiere-closes"}, set()),
        ("author:lindqvist", {"chi_002_milwaukee-bike-lane", "chi_009_uptown-runoff"}, {"ny_002_columbus-bike-lane"}),
        ("by:ødegård", {"chi_001_divvy-logan-square"}, set()),
        ("dateline:inwood", {"ny_010_inwood-landlord", "community-board-vote"}, set()),
        ("place:rogers", {"chi_012_rogers-park-sanctuary-church"}, set()),
        ('source:"metro wire"', {"mw-0003"}, {"ny_001_bakery-closes"}),
        ("tag:hoboken", {"mw-0004"}, set()),
        ("sanct*", {"chi_012_rogers-park-sanctuary-church"}, set()),
        ("sanctuery~", {"chi_012_rogers-park-sanctuary-church"}, set()),
        ("rent NOT café", {"ny_006_bedstuy-rent-strike"}, {"ny_013_cafe-lumiere-closes"}),
        (
            "bike AND published:2013",
            {"chi_002_milwaukee-bike-lane", "ny_007_citi-bike-dock"},
            {"chi_001_divvy-logan-square"},
        ),
        ("rent published:2015-10", {"chi_003_pilsen-rents"}, {"ny_010_inwood-landlord"}),
        ("park published:[2016 to 2017]", {"chi_006_humboldt-park-lagoon"}, {"chi_001_divvy-logan-square"}),
    ],
)
def test_query_language(sample_index, query, expected, unexpected):
    found = set(search_ids(sample_index, query))
    assert expected <= found, (query, found)
    assert not (unexpected & found), (query, found)


def test_articles_with_all_words_rank_first(sample_index):
    hits = [
        json.loads(line)
        for line in run_cli(
            "search", "humboldt park lagoon", "--index", str(sample_index), "--format", "jsonl"
        ).stdout.splitlines()
    ]
    assert hits[0]["id"] == "chi_006_humboldt-park-lagoon"
    assert len(hits) > 1  # others match only some of the words, and still come back


def test_did_you_mean(sample_index):
    result = run_cli("search", "sanctuery", "--index", str(sample_index))
    assert result.exit_code == 1 and result.stdout == ""
    assert "did you mean: sanctuary" in result.stderr


@given(st.text(max_size=300))
def test_arbitrary_query_text(sample_index, text):
    previous = cli.terminal
    cli.terminal = Terminal(stdout_tty=False, stderr_tty=False, env={})
    try:
        # After "--", as the help says: a query starting with "-" is not an option.
        args = ["search", "--index", str(sample_index), "--format", "json", "--", text]
        result = CliRunner().invoke(cli.app, args)
    finally:
        cli.terminal = previous
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code != 2:
        assert isinstance(json.loads(result.stdout), list)
