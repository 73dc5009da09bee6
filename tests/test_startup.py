"""Start-up: a search piped to a script imports only what it needs."""

from __future__ import annotations

import subprocess
import sys

import pytest

# What the console command does at start-up, before its first import of Whoosh.
DEFER = "from archive_search._entry import defer_unused_imports\ndefer_unused_imports()\n"


def imported_modules(*args: str, index) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "archive_search", *args, "--index", str(index)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}


def test_piped_search_skips_rich_pydantic_and_the_network_stack(sample_index):
    modules = imported_modules("search", "bike lane", "--format", "jsonl", index=sample_index)
    assert "whoosh.searching" in modules  # the measurement works
    for heavy in ("rich.console", "pydantic", "http.client", "ssl", "email.parser", "email.utils"):
        assert heavy not in modules, f"{heavy} imported by a piped search"


def test_rich_is_loaded_for_rich_output(sample_index):
    modules = imported_modules("search", "bike lane", "--format", "rich", index=sample_index)
    assert "rich.console" in modules


def test_urllib_request_still_works_after_import():
    """As in a plain install, where nothing has imported urllib before archive_search (an
    editable install's path finder imports it at start-up, which hid the bug): the stand-in
    was then never bound in its package, and urllib.request.Request raised AttributeError."""
    code = (
        "import sys\n"
        "for name in [m for m in sys.modules if m == 'urllib' or m.startswith('urllib.')]:\n"
        "    del sys.modules[name]\n"
        "from archive_search._entry import defer_unused_imports\n"
        "defer_unused_imports()\n"
        "import whoosh.compat, urllib.request\n"
        "print(urllib.request.Request('http://example.invalid/').full_url)\n"
        "from urllib.request import urlopen\n"
        "print(callable(urlopen))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["http://example.invalid/", "True"]


def test_deferred_whoosh_modules_are_reachable_from_their_package():
    """`import whoosh.lang.porter` found the stand-in in sys.modules and so imported neither
    whoosh.lang nor bound porter in it: whoosh.lang.porter raised AttributeError."""
    use = "import whoosh.lang.porter, whoosh.lang.morph_en\nprint(whoosh.lang.porter.stem('generalizations'))\n"
    deferred = subprocess.run([sys.executable, "-c", DEFER + use], capture_output=True, text=True)
    plain = subprocess.run([sys.executable, "-c", use], capture_output=True, text=True)
    assert deferred.returncode == 0 and plain.returncode == 0, deferred.stderr + plain.stderr
    assert deferred.stdout == plain.stdout != ""


def test_deferred_whoosh_modules_load_on_first_use():
    """The stand-ins give the same answers as Whoosh imported without them."""
    use = (
        "from whoosh.analysis import StemmingAnalyzer\n"
        "from whoosh.lang.morph_en import variations\n"
        "import whoosh.lang.porter as porter\n"
        "print([t.text for t in StemmingAnalyzer()('running ponies caresses')])\n"
        "print(sorted(variations('render'))[:5], porter.stem('generalizations'))\n"
    )
    deferred = subprocess.run([sys.executable, "-c", DEFER + use], capture_output=True, text=True)
    plain = subprocess.run([sys.executable, "-c", use], capture_output=True, text=True)
    assert deferred.returncode == 0 and plain.returncode == 0, deferred.stderr + plain.stderr
    assert "poni" in plain.stdout and deferred.stdout == plain.stdout


# What only indexing uses: the readers' libraries (HTML extraction, web archives), MinHash,
# and this package's readers and indexer. A search imports none of them.
INDEXING_ONLY = (
    "selectolax",
    "trafilatura",
    "htmldate",
    "justext",
    "lxml",
    "warcio",
    "brotli",
    "rensa",
    "archive_search.readers",
    "archive_search.indexing",
    "archive_search.whoosh_ext.parallel",
    "archive_search.helpers",
    # and what only a sharded archive or a cluster uses: not a search of one index
    "dask",
    "distributed",
    "archive_search.cluster",
    "archive_search.shards",
)


@pytest.mark.parametrize(
    "args",
    [
        ("search", "bike lane", "--format", "jsonl"),
        ("show", "ny_002_columbus-bike-lane", "--format", "json"),
        *(
            pytest.param(args, marks=pytest.mark.soak)
            for args in [
                ("search", "bike lane", "--format", "rich", "--color", "always"),
                ("similar", "ny_002_columbus-bike-lane", "--format", "jsonl"),
                ("list", "--format", "tsv"),
                ("timeline", "bike", "--format", "json"),
            ]
        ),
    ],
)
def test_reading_commands_import_nothing_only_indexing_needs(sample_index, args):
    modules = imported_modules(*args, index=sample_index)
    assert "whoosh.searching" in modules or "whoosh.index" in modules  # the measurement works
    loaded = sorted(m for m in modules if any(m == name or m.startswith(name + ".") for name in INDEXING_ONLY))
    assert loaded == [], f"{args[0]} imported indexing-only modules: {loaded}"


def test_a_search_makes_only_its_own_command(sample_index):
    """Typer makes a Click command of every registered command when the app runs: a search
    has only `search` made (cli.click_command), which the other commands' modules show."""
    code = (
        "import sys\n"
        "from archive_search import cli\n"
        "cli.main(sys.argv[1:])\n"
        "print(sorted(k for k in cli._made), file=sys.stderr)\n"
    )
    args = ["search", "bike", "--format", "ids", "--index", str(sample_index)]
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "['search']"


def test_piped_search_defers_unused_whoosh_modules(sample_index):
    modules = imported_modules("search", "bike lane", "--format", "jsonl", index=sample_index)
    loaded = [m for m in ("whoosh.lang.morph_en", "whoosh.lang.porter") if m in modules]
    assert loaded == [], f"imported by a piped search: {loaded}"


def test_reading_commands_end_without_teardown_and_lose_no_output(sample_index, tmp_path):
    """search/show/stats skip Python's teardown (os._exit) once their output is flushed:
    everything written arrives, through a pipe or into a file, and the status is kept."""
    import json

    def run(*args: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "archive_search", *args, "--index", str(sample_index)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )

    piped = run("search", "the", "-n", "40", "--format", "jsonl")
    hits = [json.loads(line) for line in piped.stdout.splitlines()]
    assert piped.returncode == 0 and len(hits) == 40 and hits[-1]["rank"] == 40
    with open(tmp_path / "out.json", "w") as out:
        assert run("search", "the", "-n", "40", "--format", "json", stdout=out).returncode == 0
    assert len(json.loads((tmp_path / "out.json").read_text())) == 40
    assert run("search", "zzyzx", "--format", "jsonl").returncode == 1
    shown = run("show", hits[0]["id"], "--format", "json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["id"] == hits[0]["id"]
    missing = run("show", "no-such-id")
    assert missing.returncode == 1 and "no article with id" in missing.stderr


def test_importing_the_library_changes_nothing_else_in_the_process():
    """No stand-in modules, no warning filters: those are the console command's (_entry.py)."""
    code = (
        "import sys, warnings\n"
        "before = list(warnings.filters)\n"
        "import archive_search\n"
        "print('urllib.request' in sys.modules, warnings.filters == before)\n"
        "from archive_search import Archive, Indexer, IndexDir, RankingConfig\n"
        "import urllib.request\n"  # imported by Whoosh now: the real module, no stand-in
        "print(warnings.filters == before, hasattr(urllib.request, 'Request') and urllib.request.__file__ is not None)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True", "True", "True"]


def test_an_unexpected_whoosh_version_is_refused_in_one_line(sample_index):
    """whoosh_ext/ reaches into Whoosh's internals: another version is named and refused, exit 2."""
    code = (
        "import sys, whoosh\n"
        "whoosh.__version__ = (2, 8, 0)\n"
        "sys.argv = ['archive-search', *sys.argv[1:]]\n"
        "from archive_search._entry import console_main\n"
        "console_main()\n"
    )
    for args in (["search", "bike", "--index", str(sample_index)], ["index", "-q", "--index", str(sample_index)]):
        if args[0] == "index":
            args.append(str(sample_index.parent / "nothing-here"))
        proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "Whoosh 2.8.0 is installed" in lines[0] and "Whoosh 2.7.4" in lines[0], lines
