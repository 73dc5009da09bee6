"""Search behaviour: query language, ranking, suggestions, terminals and pipes, arbitrary input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import DATA, assert_no_traceback, run_cli
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from archive_search import cli
from archive_search.archive import Archive
from archive_search.render import Terminal
from archive_search.store import IndexDir


def ids(index, query, *args) -> list[str]:
    result = run_cli("search", query, "--index", str(index), "--format", "ids", "-n", "50", *args)
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout.split()


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
    found = set(ids(sample_index, query))
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


def test_offset_and_limit(sample_index):
    everything = ids(sample_index, "park")
    assert ids(sample_index, "park", "--offset", "2", "-n", "3") == everything[2:5]


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
        assert ids(sample_index, "rent")


def test_library_search_returns_hits_with_offsets(sample_index):
    result = Archive(sample_index).search("lagoon")
    hit = result.hits[0]
    assert hit.id == "chi_006_humboldt-park-lagoon" and hit.published.year == 2016
    assert hit.highlights and all(hit.snippet[s:e].lower().startswith("lagoon") for s, e in hit.highlights)


# -- terminals and pipes --------------------------------------------------------------


def invoke(args, *, tty: bool, env: dict | None = None):
    """Run the app in-process with the terminal check answered by the test."""
    previous = cli.terminal
    cli.terminal = Terminal(stdout_tty=tty, stderr_tty=False, env=env or {})
    try:
        return CliRunner().invoke(cli.app, args)
    finally:
        cli.terminal = previous


def test_auto_format_is_rich_on_a_terminal(sample_index):
    on_tty = invoke(["search", "rent", "--index", str(sample_index)], tty=True, env={"TERM": "xterm"})
    assert on_tty.exit_code == 0 and "\x1b[" in on_tty.stdout and " 1. " in on_tty.stdout
    in_pipe = invoke(["search", "rent", "--index", str(sample_index)], tty=False)
    assert "\x1b[" not in in_pipe.stdout and in_pipe.stdout.startswith("[1] ")


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_no_color_and_dumb_terminals(sample_index, env):
    result = invoke(["search", "rent", "--index", str(sample_index)], tty=True, env=env)
    assert result.exit_code == 0 and "\x1b[" not in result.stdout and " 1. " in result.stdout


def test_explicit_format_and_color_win(sample_index):
    result = invoke(
        ["search", "rent", "--index", str(sample_index), "--format", "jsonl"], tty=True, env={"TERM": "xterm"}
    )
    assert json.loads(result.stdout.splitlines()[0])["rank"] == 1
    forced = invoke(
        ["search", "rent", "--index", str(sample_index), "--color", "never"], tty=True, env={"TERM": "xterm"}
    )
    assert "\x1b[" not in forced.stdout


def test_closed_pipe_ends_quietly(sample_index):
    script = f'"{sys.executable}" -m archive_search search park -n 50 --format plain --index "{sample_index}" | head -1; echo "status=${{PIPESTATUS[0]}}" >&2'
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.stdout.startswith("[1] ") and proc.stdout.count("\n") == 1
    assert "status=0" in proc.stderr
    assert_no_traceback(proc.stderr)
    assert "Broken pipe" not in proc.stderr and "Exception ignored" not in proc.stderr


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
