"""Hostile input at the command line's edges (issue 17): out-of-range dates, queries built to
backtrack, archives of huge articles, text that would forge output or hijack a terminal,
streams that cannot be written, queries that look like options, and a plain install."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import assert_no_traceback, run_cli
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from archive_search import query as query_module
from archive_search.archive import Archive, Hit, SearchResult
from archive_search.errors import QueryError
from archive_search.model import Article
from archive_search.query import Filters, parse_query
from archive_search.render import OutputFormat, render_article, render_hits
from archive_search.schema import build_schema

SCHEMA = build_schema()


def run_python(code: str, timeout: float) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter (the environment's PYTHONPATH, so the code under test);
    a run past the timeout fails the test instead of hanging it."""
    try:
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {timeout}s")


def shell(script: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=timeout)


def cli(index: Path, *args: str) -> str:
    """The shell words for archive-search with these arguments (for bash -c)."""
    words = [sys.executable, "-m", "archive_search", *args, "--index", str(index)]
    return " ".join(f"'{word}'" for word in words)


# -- item 4: dates outside datetime's range once converted to UTC ----------------------------

OUT_OF_RANGE = ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "9999-12-31T12:00:00-12:00"]


@pytest.mark.parametrize("option", ["--since", "--until"])
@pytest.mark.parametrize("bound", OUT_OF_RANGE)
def test_out_of_range_date_options_are_one_line_exit_2(sample_index, option, bound):
    result = run_cli("search", "rent", "--index", str(sample_index), option, bound)
    assert result.exit_code == 2
    assert_no_traceback(result.stderr)
    assert "internal error" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"archive-search: error: {option} '{bound}'") and "years 1 to 9999" in line


@pytest.mark.parametrize(
    "text",
    [
        "park published:[0001-01-01T00:00:00+05:00 to 2017]",
        "park published:[2016 to 9999-12-31T23:59:59-05:00]",
        "date:[9999-12-31T23:59:59-05:00 to]",
    ],
)
def test_out_of_range_dates_in_the_query_are_one_line_exit_2(sample_index, text):
    result = run_cli("search", text, "--index", str(sample_index), "--format", "json")
    assert result.exit_code == 2 and result.stdout == ""
    assert_no_traceback(result.stderr)
    (line,) = result.stderr.splitlines()
    assert line.startswith("archive-search: error: the date '") and "years 1 to 9999" in line


def test_out_of_range_is_an_error_when_dates_reports_it_as_value_error(monkeypatch):
    """dates.parse_date_bound may report such a bound as ValueError rather than OverflowError:
    the query says the same either way."""
    real = query_module.parse_date_bound

    def strict(text: str, *, end: bool = False) -> datetime:
        moment = real(text, end=end)
        try:
            moment.astimezone(timezone.utc)
        except OverflowError:
            raise ValueError(f"date out of range: {text!r}") from None
        return moment

    monkeypatch.setattr(query_module, "parse_date_bound", strict)
    for bound in OUT_OF_RANGE:
        with pytest.raises(QueryError, match="years 1 to 9999"):
            parse_query(SCHEMA, f"rent published:[{bound} to]")
        with pytest.raises(QueryError, match="years 1 to 9999"):
            Filters(until=bound).bounds()
    assert parse_query(SCHEMA, "rent published:[2016 to 2017]").query is not None


_EDGE_DAYS = [datetime(1, 1, 1), datetime(1, 1, 2), datetime(9999, 12, 30), datetime(9999, 12, 31)]


@given(
    day=st.sampled_from(_EDGE_DAYS),
    seconds=st.integers(0, 86_399),
    offset=st.integers(-(24 * 60 - 1), 24 * 60 - 1),
    end=st.booleans(),
)
def test_any_bound_near_the_ends_of_time_is_a_filter_or_a_query_error(day, seconds, offset, end):
    zone = timezone(timedelta(minutes=offset))
    text = (day + timedelta(seconds=seconds)).replace(tzinfo=zone).isoformat()
    # Whether it converts, worked out independently of the code under test.
    try:
        (day + timedelta(seconds=seconds) - timedelta(minutes=offset)).replace(tzinfo=timezone.utc)
        converts = True
    except OverflowError:
        converts = False
    for attempt in (
        lambda: Filters(**{"until" if end else "since": text}).bounds(),
        lambda: parse_query(SCHEMA, f"rent published:[{text} to]" if not end else f"rent published:[to {text}]"),
    ):
        if converts:
            attempt()
        else:
            with pytest.raises(QueryError, match="years 1 to 9999"):
                attempt()


# -- item 11: queries built to make a regex backtrack ----------------------------------------


def test_a_long_unclosed_date_range_query_is_fast(sample_index):
    """`published:[` and a long run of spaces took a minute: the date regex ran before the
    length check, and backtracked quadratically."""
    proc = run_python(
        """
        import time
        from archive_search.query import parse_query
        from archive_search.schema import build_schema
        schema = build_schema()
        worst = 0.0
        for text in ["published:[" + " " * 120_000 + "x", "published:[" + " " * 1_980 + "x",
                     "date:[ " * 280, '"' * 120_000, "a" + "?" * 120_000 + "b"]:
            started = time.perf_counter()
            parse_query(schema, text)
            worst = max(worst, time.perf_counter() - started)
        print(worst)
        """,
        timeout=20,
    )
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout) < 0.5
    result = run_cli("search", "published:[" + " " * 100_000 + "rent", "--index", str(sample_index), "-n", "1")
    assert result.exit_code == 0 and "over 2000 characters" in result.stderr


# What the query code's regexes and Whoosh's parser look for, repeated at length.
PIECES = [*"\"()?*:x-[]{}~^'<>=\t ", "published:[", "date:", " to ", "2017", "AND ", "NOT ", "title:"]


@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])  # a slow example is failure enough
@given(st.lists(st.tuples(st.sampled_from(PIECES), st.integers(1, 3000)), min_size=1, max_size=8))
@example([("published:[", 1), (" ", 30_000), ("x", 1)])
@example([('"', 30_001)])
@example([("x", 1), ("?", 30_000), ("x", 1)])
@example([(" ", 1), ("*", 30_000), ("x", 1)])
@example([("(", 15_000), (")", 14_999)])
@example([("date:", 1), ("-", 30_000), ("x", 1)])
@example([("~", 2000)])  # counting repeated words compared every pair of Whoosh's empty groups
@example([("{", 247), (" ", 213), (" to ", 385)])  # Whoosh's range expression, with nothing to close it
def test_adversarial_queries_parse_in_linear_time(parts):
    text = "".join(piece * count for piece, count in parts)
    started = time.perf_counter()
    parsed = parse_query(SCHEMA, text)
    assert time.perf_counter() - started < 1.0, len(text)
    assert parsed.query is not None


# -- item 12: archives of huge articles ------------------------------------------------------

ARTICLE_CHARS = 1_990_000  # just under the indexer's MAX_ARTICLE_CHARS


def _huge_archive(folder: Path) -> Path:
    """Six articles of ARTICLE_CHARS each, a few hundred words repeated, all with 'common'; the
    first ends in thirty thousand distinct words (what makes more-like-this costly)."""
    letters, vowels = "bcdfghjklmnpqrstvwz", "aeiou"

    def word(n: int) -> str:
        out = ""
        while True:
            out += letters[n % 19] + vowels[n // 19 % 5]
            n //= 95
            if not n:
                return out

    vocabulary = [word(n + 100) for n in range(500)]
    chunk = " ".join(vocabulary[(n * 7919) % len(vocabulary)] for n in range(40_000))
    feed = folder / "huge.jsonl"
    with open(feed, "w", encoding="utf-8") as out:
        for n in range(6):
            distinct = " " + " ".join(word(10**6 + i) for i in range(30_000)) if n == 0 else ""
            filler = ("common story " + (chunk + " ") * (ARTICLE_CHARS // len(chunk) + 1))[
                : ARTICLE_CHARS - len(distinct)
            ]
            body = filler + distinct
            out.write(json.dumps({"id": f"huge-{n}", "title": f"Common title {n}", "body": body}) + "\n")
    return feed


@pytest.fixture(scope="module")
def huge_index(tmp_path_factory) -> Path:
    from archive_search.indexing.indexer import Indexer
    from archive_search.store import IndexDir

    folder = tmp_path_factory.mktemp("huge")
    index = folder / "index"
    stats = Indexer(IndexDir(index)).run([str(_huge_archive(folder))])
    assert stats.total_articles == 6, [str(p) for p in stats.problems]
    return index


@pytest.mark.soak  # a timing trial over megabyte articles (.ci/run runs soak tests)
def test_searching_huge_articles_costs_what_searching_short_ones_does(huge_index):
    """Feedback, the latent space and snippets each read whole 2 MB bodies: seconds a search."""
    proc = run_python(
        f"""
        import json, time
        from archive_search.archive import Archive
        archive = Archive({str(huge_index)!r})
        archive.search("warm", snippets=False)  # opening the index and its latent space
        took = {{}}
        for name, run in [
            ("ids", lambda: archive.search("common", snippets=False, count=False)),
            ("json", lambda: archive.search("common", snippets=True, count=False)),
            ("similar", lambda: archive.similar("huge-0")),
        ]:
            started = time.perf_counter()
            result = run()
            took[name] = (time.perf_counter() - started, len(result.hits))
        print(json.dumps(took))
        """,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    took = json.loads(proc.stdout)
    assert {name: hits for name, (_, hits) in took.items()} == {"ids": 6, "json": 6, "similar": 5}
    assert all(seconds < 0.4 for seconds, _ in took.values()), took
    shown = run_cli("search", "common", "--index", str(huge_index), "--format", "json")
    hits = json.loads(shown.stdout)
    assert shown.exit_code == 0 and len(hits) == 6
    assert all("common" in hit["snippet"].lower() and len(hit["snippet"]) < 1000 for hit in hits)


# -- item 14: output that could forge lines or hijack a terminal ------------------------------

# Bidirectional controls, C1 controls (U+009B a CSI, U+0085 a newline), line separators.
INVISIBLE = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\x80\x85\x9b\x9f\u2028\u2029"
TEXT_FORMATS = ["rich", "plain", "tsv", "csv", "ids", "paths"]


@pytest.fixture(scope="module")
def bidi_index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bidi")
    records = [
        {
            "id": "bidi-\u202egpj.exe",
            "title": "Rent \u202egpj.exe\u202c \x9b31m red",
            "author": "Mallory \u2066Admin\u2069",
            "dateline": "SPOOF\u200fVILLE",
            "body": "Tenants said rent rose" + "".join(f" {c}mark" for c in INVISIBLE) + " again.",
        }
    ]
    feed = folder / "feed\u202eld.jsonl"  # the path, shown by every format, carries one too
    feed.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    index = folder / "index"
    result = run_cli("index", str(feed), "--index", str(index))
    assert result.exit_code == 0, result.stderr
    return index


def _no_raw(text: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in text if c in INVISIBLE})
    assert not found, found


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_text_formats_show_bidi_and_c1_controls_as_escapes(bidi_index, fmt):
    result = run_cli("search", "rent", "--index", str(bidi_index), "--format", fmt, "--color", "never")
    assert result.exit_code == 0, result.stderr
    _no_raw(result.stdout)
    assert "\\u202e" in result.stdout  # made visible, not dropped


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_formats_escape_them_and_read_back_the_same(bidi_index, fmt):
    result = run_cli("search", "rent", "--index", str(bidi_index), "--format", fmt)
    assert result.exit_code == 0, result.stderr
    _no_raw(result.stdout)
    hits = json.loads(result.stdout) if fmt == "json" else [json.loads(line) for line in result.stdout.splitlines()]
    stored = Archive(bidi_index).get("bidi-\u202egpj.exe")  # what the index holds, read without a renderer
    assert [h["id"] for h in hits] == [stored.id] and hits[0]["title"] == stored.title
    assert "\u202e" in stored.title and "\u202e" in hits[0]["path"]


@pytest.mark.parametrize("fmt", ["plain", "rich", "json"])
def test_show_and_stats_neutralise_them_too(bidi_index, fmt):
    shown = run_cli("show", "--index", str(bidi_index), "--format", fmt, "--", "bidi-\u202egpj.exe")
    assert shown.exit_code == 0, shown.stderr
    _no_raw(shown.stdout)
    if fmt == "json":
        assert json.loads(shown.stdout)["body"] == Archive(bidi_index).get("bidi-\u202egpj.exe").body
    stats = run_cli("stats", "--index", str(bidi_index), "--format", fmt)
    assert stats.exit_code == 0, stats.stderr
    _no_raw(stats.stdout)
    if fmt != "json":
        assert "Mallory \\u2066Admin\\u2069" in stats.stdout


def test_a_file_name_cannot_forge_a_diagnostic_line(tmp_path):
    """A name holding a newline gave two lines for one bad file, the second a fake summary."""
    folder = tmp_path / "archive"
    folder.mkdir()
    forged = "x\narchive-search: 9 files in 0.1s: 9 articles added, 0 updated\r\t\u202e.jsonl"
    (folder / forged).write_text("{not json}\n", encoding="utf-8")
    (folder / "good.jsonl").write_text(json.dumps({"id": "g", "title": "Rent", "body": "rent"}) + "\n")
    result = run_cli("index", str(folder), "--index", str(tmp_path / "index"))
    assert result.exit_code == 2
    assert_no_traceback(result.stderr)
    lines = result.stderr.split("\n")
    assert lines[-1] == "" and len(lines) == 3, lines  # one problem line, the summary, nothing else
    problem, summary = lines[:2]
    assert problem.startswith("archive-search: error: ") and "x\\narchive-search: 9 files" in problem
    assert "\\r\\t\\u202e.jsonl" in problem
    assert summary.startswith("archive-search: ") and "1 article added" in summary
    _no_raw(result.stderr)


LONE = "\udc80\ud800"


def _hit(**fields) -> Hit:
    values = {
        "rank": 1, "score": 1.0, "id": "s", "title": "t", "authors": [], "published": None,
        "dateline": "", "source": "", "url": "", "path": "p", "snippet": "",
    }  # fmt: skip
    values.update(fields)
    return Hit(**values)


@pytest.mark.parametrize("fmt", [f for f in OutputFormat if f is not OutputFormat.auto])
def test_lone_surrogates_never_reach_the_output_raw(fmt):
    """A surrogate left in an old index was written to JSON as bytes that are not UTF-8
    (or stopped the text formats with UnicodeEncodeError)."""
    hit = _hit(id=f"id{LONE}", title=f"title{LONE}", authors=[f"a{LONE}"], path=f"p{LONE}", snippet=f"s{LONE}")
    out = io.StringIO()
    render_hits(SearchResult([hit], 1), fmt, out)
    written = out.getvalue()
    written.encode("utf-8")  # strict: raises on a lone surrogate
    if fmt in (OutputFormat.json, OutputFormat.jsonl):
        back = json.loads(written if fmt is OutputFormat.json else f"[{written}]")
        assert back[0]["title"] == f"title{LONE}" and back[0]["authors"] == [f"a{LONE}"]
    if fmt in (OutputFormat.ids, OutputFormat.paths):  # with --null, values are kept as stored but these
        out = io.StringIO()
        render_hits(SearchResult([hit], 1), fmt, out, null=True)
        assert out.getvalue().encode("utf-8").endswith(b"\\udc80\\ud800\0")
    article = Article(id=f"a{LONE}", title=f"t{LONE}", body=f"b{LONE}\n\npara{INVISIBLE}", path="p")
    out = io.StringIO()
    render_article(article, fmt, out)
    out.getvalue().encode("utf-8")
    _no_raw(out.getvalue())


# -- item 15: streams that cannot be written, pipes closed early, queries like options --------


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("search", "--help")])
def test_help_and_version_into_a_full_disk_are_one_line_exit_2(args):
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full (Linux) to make every write fail")
    proc = shell(" ".join(f"'{a}'" for a in [sys.executable, "-m", "archive_search", *args]) + " > /dev/full")
    assert proc.returncode == 2
    assert_no_traceback(proc.stderr)
    assert proc.stderr.splitlines() == [
        "archive-search: error: cannot write the results to standard output (No space left on device); "
        "free some space or send the output elsewhere and run the command again"
    ]


def test_closed_stdout_is_one_line_exit_2_and_index_still_works(sample_index, tmp_path):
    for args in (("search", "rent"), ("stats",), ("show", "ny_003_l-train-delays")):
        proc = shell(cli(sample_index, *args) + " >&-")
        assert proc.returncode == 2, (args, proc.stderr)
        assert_no_traceback(proc.stderr)
        (line,) = proc.stderr.splitlines()
        assert line.startswith("archive-search: error: cannot write the results to standard output (")
    proc = shell(f"'{sys.executable}' -m archive_search --version >&-")
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc.stderr
    feed = tmp_path / "one.jsonl"
    feed.write_text(json.dumps({"id": "one", "title": "Rent", "body": "rent rose"}) + "\n")
    index = tmp_path / "index"
    proc = shell(cli(index, "index", str(feed)) + " >&-")  # writes nothing to stdout: unaffected
    assert proc.returncode == 0, proc.stderr
    proc = shell(cli(index, "search", "rent", "--format", "ids") + " 2>&-")
    assert proc.returncode == 0 and proc.stdout == "one\n"


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("search", "rent", "--format", "rich", "--color", "never"), 0),
        (("search", "rent", "--format", "rich", "--color", "always"), 0),
        (("search", "zzyzx", "--format", "json"), 1),  # "[]" is written, and nothing matched
        (("show", "ny_003_l-train-delays", "--format", "rich"), 0),
        (("stats", "--format", "rich"), 0),
    ],
)
def test_a_reader_gone_early_leaves_the_status_the_command_had(sample_index, args, status):
    """Rich caught the broken pipe itself and exited 1, as if nothing had matched."""
    proc = shell(cli(sample_index, *args) + ' | true; echo "status=${PIPESTATUS[0]}"')
    assert proc.stdout.strip() == f"status={status}", proc.stderr
    assert_no_traceback(proc.stderr)
    assert "Broken pipe" not in proc.stderr and "Exception ignored" not in proc.stderr


def test_a_query_or_id_starting_with_a_dash_goes_after_double_dash(sample_index):
    help_text = run_cli("search", "--help").stdout
    assert "A query starting with - goes after --" in " ".join(help_text.split())
    for command in ("show", "similar"):
        assert "starting with - goes after --" in " ".join(run_cli(command, "--help").stdout.split())
    result = run_cli("search", "--index", str(sample_index), "--format", "json", "--", "-h")
    assert result.exit_code in (0, 1) and isinstance(json.loads(result.stdout), list), result.stderr
    result = run_cli("search", "--index", str(sample_index), "--format", "ids", "--", "--help rent")
    assert result.exit_code == 0 and "Usage:" not in result.stdout and result.stdout.split()
    for command in ("show", "similar"):
        result = run_cli(command, "--index", str(sample_index), "--", "-id")
        assert result.exit_code == 1 and "no article with id '-id'" in result.stderr, result.stderr


def test_did_you_mean_leaves_field_names_alone(sample_index):
    """'published:[yesterday to today]' was answered 'did you mean: public:[yesterday to today]'."""
    result = run_cli("search", "published:[yesterday to today] zonning", "--index", str(sample_index))
    assert result.exit_code == 1
    assert result.stderr.endswith("did you mean: published:[yesterday to today] zoning\n"), result.stderr


def test_searching_an_index_with_no_articles_is_no_match(tmp_path):
    """An index whose only file failed has no segment: the first pass read Whoosh's
    EmptyReader's term table, and the index was reported as damaged."""
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json}\n")
    index = tmp_path / "index"
    assert run_cli("index", str(bad), "--index", str(index)).exit_code == 2
    result = run_cli("search", "rent", "--index", str(index))
    assert result.exit_code == 1 and "cannot be read" not in result.stderr, result.stderr
