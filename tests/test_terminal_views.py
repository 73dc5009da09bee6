"""The terminal views (issue 19): colour in a pipe, the pager, tables in wire copy, narrow
terminals, each command's formats, "no matches", NO_COLOR, messages, tags, show of several ids."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import REUTERS, assert_no_traceback, has_colour, need_shared, run_cli, sgr_codes, write_jsonl
from inprocess import invoke

# -- the fixture: a few articles of our own, one of them long, one a wire story with a table --

WORD = "quayside"  # in every JSON record below, and in nothing else
RECORDS = [
    {
        "id": f"qs-{n}",
        "title": f"Quayside Market Stall {n} Reopens After the Long Winter Closure on the Harbor Front",
        "body": f"The {WORD} stall number {n} sold smoked fish and lemons to the early crowd. " * 6,
        "author": "Mira Tolland",
        "published": f"2016-05-{n + 1:02d}T09:00:00Z",
        "dateline": "NORTH HARBOR",
        "source": "The Harbor Ledger",
        "tags": ["markets", "Markets", "harbor", "MARKETS", "Harbor Front"],
    }
    for n in range(1, 8)
]
LONG_ID = "qs-long"
LONG = {
    "id": LONG_ID,
    "title": "A Very Long Quayside Report",
    "body": "\n\n".join(f"Paragraph {n} about the {WORD} and the tides that came in." for n in range(400)),
    "tags": ["tides"],
}
TABLE_ROWS = [
    "              Week to    Previous",
    "              May 2      week",
    " Herring       1,204       1,150",
    " Mackerel        860         912",
    " Total-X       2,064       2,062",
]
WIRE = (
    '<REUTERS NEWID="501">\n<DATE> 2-MAY-1987 10:00:00.00</DATE>\n'
    "<TOPICS><D>fish</D><D>FISH</D></TOPICS><PLACES><D>norway</D><D>Norway</D></PLACES>\n"
    "<TEXT>\n<TITLE>HARBOR LANDINGS DETAILED</TITLE>\n"
    "<DATELINE>    BERGEN, May 2 - </DATELINE><BODY>The harbor board gave the week's dockside\n"
    "landings, in tonnes, with comparisons --\n" + "\n".join(TABLE_ROWS) + "\n"
    "    The board said the herring season would close\n"
    "at the end of the month.\n Reuter\n&#3;</BODY></TEXT>\n</REUTERS>\n"
)
PROSE_HEAD = "The harbor board gave the week's dockside landings, in tonnes, with comparisons --"
PROSE_TAIL = "The board said the herring season would close at the end of the month."


@pytest.fixture(scope="module")
def views(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("views")
    write_jsonl(folder / "archive" / "feed.jsonl", [*RECORDS, LONG])
    (folder / "archive" / "wire.sgm").write_text(WIRE, encoding="utf-8")
    index = folder / "index"
    result = run_cli("index", str(folder / "archive"), "--index", str(index))
    assert result.exit_code == 0, result.stderr
    return {"index": str(index), "folder": folder}


def _run(views, *args: str, **kwargs):
    return invoke(*args, "--index", views["index"], **kwargs)


def _pager_to(path: Path) -> str:
    """A pager that writes what it is given to a file, and the LESS it was given beside it."""
    return f"sh -c 'printf %s \"$LESS\" > {shlex.quote(str(path))}.less; cat > {shlex.quote(str(path))}'"


# -- 7: --color always in a pipe -----------------------------------------------------------


def test_color_always_in_a_pipe_is_the_coloured_terminal_view(views):
    result = _run(views, "search", WORD, "--color", "always")
    assert result.exit_code == 0, result.stderr
    assert has_colour(result.stdout) and result.stdout.startswith("\x1b[")
    assert " 1. " in result.stdout and "[1] " not in result.stdout  # rich, not plain
    shown = _run(views, "show", "qs-1", "--color", "always")
    assert has_colour(shown.stdout)
    explicit = _run(views, "search", WORD, "--color", "always", "--format", "plain")
    assert explicit.stdout.startswith("[1] ") and "\x1b" not in explicit.stdout
    assert "\x1b" not in _run(views, "search", WORD).stdout  # a pipe, --color auto: plain


# -- 9: the pager --------------------------------------------------------------------------


def test_a_terminal_pages_long_output_through_the_pager(views, tmp_path):
    paged = tmp_path / "paged"
    env = {"TERM": "xterm", "ARCHIVE_SEARCH_PAGER": _pager_to(paged)}
    result = _run(views, "show", LONG_ID, tty=True, env=env)
    direct = _run(views, "show", LONG_ID, "--no-pager", tty=True, env=env)
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == "", result.stderr
    assert paged.read_text() == direct.stdout and has_colour(direct.stdout)  # the colours kept for less -R
    assert direct.stdout.count("Paragraph ") == 400
    assert Path(f"{paged}.less").read_text() == "FRX"  # as git sets it when LESS is unset


def test_the_pager_is_not_used_when_not_wanted(views, tmp_path):
    paged = tmp_path / "paged"
    pager = _pager_to(paged)
    cases = [
        ((), {"ARCHIVE_SEARCH_PAGER": pager}, False),  # a pipe
        (("--no-pager",), {"ARCHIVE_SEARCH_PAGER": pager}, True),
        ((), {"PAGER": "cat"}, True),
        ((), {"ARCHIVE_SEARCH_PAGER": "", "PAGER": pager}, True),  # empty: none, whatever PAGER says
        ((), {"ARCHIVE_SEARCH_PAGER": "cat", "PAGER": pager}, True),
    ]
    for options, env, tty in cases:
        result = _run(views, "show", LONG_ID, *options, tty=tty, env={"TERM": "xterm", **env})
        assert result.exit_code == 0 and result.stdout.count("Paragraph ") == 400, (options, env)
        assert not paged.exists(), (options, env)


def test_output_that_fits_the_terminal_is_written_directly(views, tmp_path):
    paged = tmp_path / "paged"
    env = {"ARCHIVE_SEARCH_PAGER": _pager_to(paged)}
    short = _run(views, "show", "qs-1", tty=True, height=200, width=200, env=env)
    assert "Quayside Market Stall 1" in short.stdout and not paged.exists()
    tall = _run(views, "show", "qs-1", tty=True, height=5, width=200, env=env)
    assert tall.stdout == "" and "Quayside Market Stall 1" in paged.read_text()


def test_archive_search_pager_wins_over_pager_and_less_is_kept(views, tmp_path):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    env = {"ARCHIVE_SEARCH_PAGER": _pager_to(ours), "PAGER": _pager_to(theirs), "LESS": "-S"}
    result = _run(views, "search", WORD, "-n", "100", tty=True, env=env)
    assert result.exit_code == 0 and result.stdout == ""
    assert ours.read_text().count(" matching articles; showing 1–8") == 1 and not theirs.exists()
    assert Path(f"{ours}.less").read_text() == "-S"
    with_pager = _run(views, "search", WORD, "-n", "100", tty=True, env={"PAGER": _pager_to(theirs)})
    assert with_pager.stdout == "" and theirs.read_text() == ours.read_text()


def test_the_pager_leaves_exit_statuses_alone(views, tmp_path):
    env = {"ARCHIVE_SEARCH_PAGER": _pager_to(tmp_path / "paged")}
    assert _run(views, "search", "zzyzx", tty=True, env=env).exit_code == 1
    assert _run(views, "show", LONG_ID, "nope", tty=True, env=env).exit_code == 1
    assert _run(views, "stats", tty=True, env=env).exit_code == 0
    assert (tmp_path / "paged").read_text().startswith("articles:")


def test_a_pager_that_cannot_start_means_writing_directly(views):
    env = {"ARCHIVE_SEARCH_PAGER": "/nonexistent/pager -R"}
    result = _run(views, "show", LONG_ID, tty=True, env=env)
    assert result.exit_code == 0 and result.stdout.count("Paragraph ") == 400
    (line,) = result.stderr.splitlines()
    assert (
        line.startswith("archive-search: warning: cannot run the pager '/nonexistent/pager -R'")
        and "--no-pager" in line
    )
    assert_no_traceback(result.stderr)


def test_a_pager_quit_early_is_a_normal_end(views, tmp_path):
    head = tmp_path / "head"
    env = {"ARCHIVE_SEARCH_PAGER": f"sh -c 'head -c 100 > {shlex.quote(str(head))}'"}
    result = _run(views, "show", LONG_ID, tty=True, env=env)
    assert result.exit_code == 0 and result.stderr == "" and result.stdout == ""
    assert len(head.read_bytes()) == 100


def test_ctrl_c_while_paging_waits_for_the_pager(views, tmp_path):
    """The pager owns Ctrl-C (the terminal is its own until it exits): the command waits for
    it, then ends as it would have, with nothing on stderr."""
    paged = tmp_path / "paged"
    pager = f"sh -c 'sleep 0.5; kill -INT $PPID; sleep 0.3; cat > {shlex.quote(str(paged))}'"
    env = {k: v for k, v in os.environ.items() if k not in ("ARCHIVE_SEARCH_INDEX", "NO_COLOR", "PAGER", "LESS")}
    env.update({"ARCHIVE_SEARCH_PAGER": pager, "TERM": "xterm"})
    leader, follower = os.openpty()
    drain = threading.Thread(target=_drain, args=(leader,), daemon=True)  # what reaches the terminal
    drain.start()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "archive_search", "show", LONG_ID, "--index", views["index"]],
            stdout=follower,
            stderr=subprocess.PIPE,
            env=env,
            timeout=120,
        )
    finally:
        os.close(follower)
        drain.join(timeout=10)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    assert paged.read_text().count("Paragraph ") == 400


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


# -- 10: tables in wire copy ---------------------------------------------------------------


def test_a_wire_table_keeps_its_lines_and_prose_is_reflowed(views):
    article = json.loads(_run(views, "show", "reuters-501", "--format", "json").stdout)
    margin = min(len(row) - len(row.lstrip()) for row in TABLE_ROWS)
    table = "\n".join(row[margin:] for row in TABLE_ROWS)
    assert article["body"] == f"{PROSE_HEAD}\n\n{table}\n\n{PROSE_TAIL}"
    plain = _run(views, "show", "reuters-501", "--format", "plain").stdout
    assert f"\n{PROSE_HEAD}\n\n{table}\n\n{PROSE_TAIL}\n" in plain
    narrow = _run(views, "show", "reuters-501", "--format", "rich", "--color", "never", tty=True, width=30).stdout
    assert f"\n{table}\n" in narrow  # not re-wrapped at the width: a table's lines are kept whole
    assert [line for line in narrow.splitlines() if line not in table.splitlines() and len(line) > 30] == []
    hits = json.loads(_run(views, "search", "herring mackerel", "--format", "json").stdout)
    assert hits[0]["id"] == "reuters-501" and "\n" not in hits[0]["snippet"]  # snippets stay one line


def test_the_real_supply_table_keeps_its_rows(tmp_path):
    sgm = REUTERS / "reut2-015.sgm"
    need_shared(sgm)
    text = sgm.read_text(encoding="latin-1")
    start = text.index('NEWID="15875"')
    story = tmp_path / "story.sgm"  # the story alone: the whole file takes seconds to index
    story.write_text(text[text.rindex("<REUTERS", 0, start) : text.index("</REUTERS>", start) + 10], encoding="latin-1")
    index = tmp_path / "index"
    assert run_cli("index", str(story), "--index", str(index), "-q").exit_code == 0
    shown = invoke("show", "reuters-15875", "--index", str(index), "--format", "plain")
    assert shown.exit_code == 0, shown.stderr
    body = text[text.index("<BODY>", start) + len("<BODY>") : text.index("</BODY>", start)]
    rows = [line.strip() for line in body.splitlines() if re.search(r"\S {3,}\S", line)]
    assert len(rows) > 40  # the measurement works: the story is mostly table
    printed = {line.strip() for line in shown.stdout.splitlines()}
    assert [row for row in rows if row not in printed] == []
    assert "Yield (bu)  119.3   119.3    118.0   118.0" in printed


# -- 12: narrow terminals ------------------------------------------------------------------

_RANK = re.compile(r" ?\d+\. ")


@pytest.mark.parametrize("width", [40, 80])
def test_the_rich_results_fit_narrow_terminals(views, width):
    result = _run(views, "search", WORD, "-n", "3", "--color", "never", tty=True, width=width)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line for line in lines if len(line) > width] == []
    assert lines.pop().startswith(f"{len(RECORDS) + 1} matching articles")
    body = [line for line in lines if line]
    heads = [n for n, line in enumerate(body) if _RANK.match(line)]
    assert len(heads) == 3
    assert all(line.startswith("    ") for n, line in enumerate(body) if n not in heads)  # a hanging indent
    ids = _run(views, "search", WORD, "-n", "3", "--format", "ids").stdout.split()
    for ident, start in zip(ids, heads, strict=True):
        hit = body[start : start + 12]
        assert any(line.split()[-1] == ident for line in hit), hit  # whole, never cut
        if ident != LONG_ID:
            title_lines = hit[: next(n for n, line in enumerate(hit) if "Mira Tolland" in line)]
            title = " ".join(" ".join(title_lines).split()[1:-1])  # without the rank and the score
            assert title == next(r["title"] for r in RECORDS if r["id"] == ident)


def test_show_and_stats_fit_40_columns(views):
    shown = _run(views, "show", "qs-3", "--color", "never", tty=True, width=40)
    assert shown.exit_code == 0 and [line for line in shown.stdout.splitlines() if len(line) > 40] == []
    assert "tags: markets, harbor, Harbor" in " ".join(shown.stdout.split())
    stats = _run(views, "stats", "--color", "never", tty=True, width=40)
    lines = stats.stdout.splitlines()
    assert stats.exit_code == 0 and [line for line in lines if len(line) > 40] == []
    index_at = next(n for n, line in enumerate(lines) if line.startswith("index:"))
    assert lines[index_at + 1].startswith(" " * 14)  # the long path wraps under itself


# -- 13: each command's formats ------------------------------------------------------------

SHOW_FORMATS = "auto, rich, plain, json, jsonl, ids, paths"
STATS_FORMATS = "auto, rich, plain, json, jsonl"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "qs-1", "--format", "tsv"), f"show does not write tsv; use one of: {SHOW_FORMATS}"),
        (("show", "qs-1", "--format", "csv"), f"show does not write csv; use one of: {SHOW_FORMATS}"),
        (("stats", "--format", "tsv"), f"stats does not write tsv; use one of: {STATS_FORMATS}"),
        (("stats", "--format", "ids"), f"stats does not write ids; use one of: {STATS_FORMATS}"),
        (("stats", "--format", "paths"), f"stats does not write paths; use one of: {STATS_FORMATS}"),
        (("search", WORD, "--format", "json", "-0"), "--null (-0) works only with --format ids or paths, not json"),
        (("search", WORD, "-0"), "--null (-0) works only with --format ids or paths, not auto"),
        (("similar", "qs-1", "--format", "plain", "--null"), "--null (-0) works only with --format ids or paths"),
        (("show", "qs-1", "--format", "jsonl", "-0"), "--null (-0) works only with --format ids or paths"),
    ],
)
def test_a_format_a_command_does_not_write_is_an_error(views, args, message):
    result = _run(views, *args)
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"archive-search: error: {message}"), line


def test_each_command_lists_only_its_formats_in_help():
    for command, formats in (("show", SHOW_FORMATS), ("stats", STATS_FORMATS)):
        text = invoke(command, "--help").stdout
        assert "[" + formats.replace(", ", "|") + "]" in text, text
        assert "tsv" not in text and "csv" not in text
    assert "[auto|rich|plain|json|jsonl|tsv|csv|ids|paths]" in invoke("search", "--help").stdout


def test_show_writes_ids_and_paths(views):
    folder = views["folder"] / "archive"
    paths = _run(views, "show", "qs-1", "reuters-501", "qs-2", "--format", "paths").stdout
    assert paths.splitlines() == [str(folder / "feed.jsonl"), str(folder / "wire.sgm")]
    ids = _run(views, "show", "qs-2", "nope", "qs-1", "--format", "ids", "-0")
    assert ids.stdout == "qs-2\0qs-1\0" and ids.exit_code == 1


# -- 14: no matches, and the footer --------------------------------------------------------


def test_no_matches_is_said_on_a_terminal_only(views):
    on_tty = _run(views, "search", "zzyzx", tty=True)
    assert on_tty.exit_code == 1 and on_tty.stderr == "archive-search: no matches\n" and on_tty.stdout == ""
    in_pipe = _run(views, "search", "zzyzx")
    assert in_pipe.exit_code == 1 and in_pipe.stderr == "" and in_pipe.stdout == ""
    misspelt = _run(views, "search", "quaysdie", tty=True)
    assert misspelt.stderr == f"archive-search: no matches; did you mean: {WORD}\n"


def test_the_footer_is_on_every_page(views):
    total = sum(WORD in (r["title"] + r["body"]).lower() for r in [*RECORDS, LONG])
    for options, first, last in (
        (("-n", "3"), 1, 3),
        (("-n", "3", "--offset", "6"), 7, total),
        (("-n", "50"), 1, total),
    ):
        result = _run(views, "search", WORD, *options, "--color", "never", tty=True)
        footer = result.stdout.splitlines()[-1]
        assert footer == f"{total} matching articles; showing {first}–{last}", (options, footer)


# -- 18: NO_COLOR, messages, tags ----------------------------------------------------------


def test_no_color_keeps_bold_and_never_means_no_escapes(views):
    for args in (("search", WORD), ("show", "qs-1"), ("stats",)):
        styled = _run(views, *args, tty=True, env={"NO_COLOR": "1", "TERM": "xterm"})
        assert 1 in sgr_codes(styled.stdout) and not has_colour(styled.stdout), args
        never = _run(views, *args, "--color", "never", tty=True, env={"TERM": "xterm"})
        assert "\x1b" not in never.stdout and never.stdout.strip(), args


def test_notes_carry_the_program_name(views):
    result = _run(views, "search", f'"{WORD}')  # an unbalanced quote: searched as words, with a note
    assert result.exit_code == 0 and result.stderr
    assert all(line.startswith("archive-search: note: ") for line in result.stderr.splitlines()), result.stderr
    counted = _run(views, "search", f'"{WORD}', "--count")
    assert counted.stderr.startswith("archive-search: note: ")


def test_show_and_similar_say_the_same_of_an_unknown_id(views):
    expected = (
        "archive-search: no article with id 'nope'; ids are printed by: archive-search search QUERY --format ids\n"
    )
    for command in ("show", "similar"):
        result = _run(views, command, "nope")
        assert result.exit_code == 1 and result.stderr == expected, (command, result.stderr)


def test_tags_are_kept_once_whatever_their_case_and_shown(views):
    def unique(tags):
        kept = {}
        for tag in tags:
            kept.setdefault(tag.lower(), tag)
        return list(kept.values())

    article = json.loads(_run(views, "show", "qs-1", "--format", "json").stdout)
    assert article["tags"] == unique(RECORDS[0]["tags"]) == ["markets", "harbor", "Harbor Front"]
    wire = json.loads(_run(views, "show", "reuters-501", "--format", "json").stdout)
    assert wire["tags"] == ["fish", "norway"]
    plain = _run(views, "show", "qs-1", "--format", "plain").stdout
    assert "\ntags: markets, harbor, Harbor Front\n" in plain
    rich = _run(views, "show", "qs-1", "--format", "rich", "--color", "never").stdout
    assert "\ntags: markets, harbor, Harbor Front\n" in rich


def test_html_keywords_are_kept_once(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Ferry Fares Rise</title>"
        '<meta name="keywords" content="ferries, Ferries, fares, FERRIES">'
        "</head><body><article><h1>Ferry Fares Rise</h1><p>The harbor ferry fares rose by a quarter"
        " this spring, the board said, and riders were not pleased.</p></article></body></html>",
        encoding="utf-8",
    )
    index = tmp_path / "index"
    assert run_cli("index", str(page), "--index", str(index), "-q").exit_code == 0
    article = json.loads(invoke("show", "page", "--index", str(index), "--format", "json").stdout)
    assert article["tags"] == ["ferries", "fares"]


# -- show of several ids -------------------------------------------------------------------


def test_show_several_ids(views):
    plain = _run(views, "show", "qs-1", "qs-2", "--format", "plain")
    assert plain.exit_code == 0
    first, rule, second = plain.stdout.partition("\n" + "─" * 72 + "\n\n")
    assert rule and first.startswith("Quayside Market Stall 1 ") and second.startswith("Quayside Market Stall 2 ")
    rich = _run(views, "show", "qs-1", "qs-2", "--color", "never", tty=True, width=60)
    assert rich.stdout.count("─" * 60) == 1
    many = json.loads(_run(views, "show", "qs-2", "qs-1", "--format", "json").stdout)
    assert [a["id"] for a in many] == ["qs-2", "qs-1"]
    one = json.loads(_run(views, "show", "qs-1", "--format", "json").stdout)  # one id: the object, as before
    assert isinstance(one, dict) and one == many[1]
    lines = _run(views, "show", "qs-1", "qs-2", "reuters-501", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["qs-1", "qs-2", "reuters-501"]


def test_show_reports_unknown_ids_and_prints_the_others(views):
    result = _run(views, "show", "nope-1", "qs-1", "nope-2", "--format", "jsonl")
    assert result.exit_code == 1
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["qs-1"]
    assert [line.split("'")[1] for line in result.stderr.splitlines()] == ["nope-1", "nope-2"]
    none = _run(views, "show", "nope-1", "nope-2", "--format", "json")
    assert none.exit_code == 1 and json.loads(none.stdout) == []  # JSON stays JSON when empty


def test_show_reads_ids_from_stdin(views):
    ids = _run(views, "search", WORD, "-n", "3", "--format", "ids").stdout
    assert len(ids.split()) == 3
    result = _run(views, "show", "-", "--format", "json", input=ids)
    assert result.exit_code == 0 and [a["id"] for a in json.loads(result.stdout)] == ids.split()
    nul = _run(views, "search", WORD, "-n", "2", "--format", "ids", "-0").stdout
    one = _run(views, "show", "-", "--format", "json", input=nul.split("\0")[0] + "\n")
    assert isinstance(json.loads(one.stdout), list)  # - gives an array, whatever it reads
    both = _run(views, "show", "-", "--format", "ids", input=nul)
    assert both.stdout.split() == nul.split("\0")[:2]
