"""Speed of archive-search next to SQLite FTS5 and Tantivy, measured side by side in one run.

    python bench/speed.py                                   # Reuters-21578 from ../shared/corpora
    python bench/speed.py --corpus DIR --runs 3 --markdown  # the table as Markdown, on stdout
    python bench/speed.py --runs 3 --markdown docs/performance.md  # the table written into the document
    python bench/speed.py --work /tmp/speed                 # keep the indexes in /tmp/speed
    python bench/speed.py --work /tmp/speed --skip-build    # re-run only the search timings

Every engine indexes the same texts, read by the product's own reader
(`archive_search.readers.parse_bytes`). Builds are timed as whole processes
(parsing included), engines taking turns in each round, each into a fresh
directory; peak RSS is the child's own, from `os.wait4`. Then: a re-index of the
unchanged corpus (the incremental no-op), `archive-search search` as a whole
process next to `python -c pass` (interleaved), and per-query latency in-process
for the three engines (top 10 with snippets). Figures are medians of --runs.
The table goes to stdout (or into a document, see --markdown below), progress to
stderr. Needs `pip install tantivy` for the Tantivy column (skipped with a note
otherwise); Unix only (os.wait4).

The product's whole-process timings (builds and searches) run in a virtualenv made in
the work directory with the project installed the Quick start way (`pip install .`:
not editable, byte-compiled), and `python -c pass` is that virtualenv's interpreter.
An editable install adds an import hook to every start of its interpreter (about 8 ms,
reference included) and, with PYTHONDONTWRITEBYTECODE set, compiles the package from
source on every start: both distort the ratio. `--this-env` measures the current
environment instead (no package index needed).

`--markdown` alone (or `--markdown -`) prints the table as Markdown. `--markdown FILE`
writes it into FILE instead, between the lines `<!-- begin speed: COMMAND -->` and
`<!-- end speed -->` (see bench/doc_tables.py), replacing what was there and leaving the
rest of the file alone. FILE must hold that pair of markers; it is checked before the
bench starts, so a missing marker costs no run.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from doc_tables import STDOUT, MarkerError, add_markdown_option, check_target, write_between

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "reuters21578"
BUILD_RUNS = 3
QUERY_RUNS = 5
PRODUCT, FTS5, TANTIVY = "archive-search", "SQLite FTS5", "Tantivy"
TABLE = "speed"  # the table's name in its markers (<!-- begin speed: ... -->)
QUERIES = [
    "oil prices",
    "coffee exports brazil",
    "interest rates federal reserve",
    "gold mining south africa",
    "merger talks",
    "wheat crop",
    "trade deficit japan",
    "opec production quota",
    "dollar yen exchange rate",
    "bank of england money market",
    "takeover bid shares",
    "sugar imports",
    "crude oil refinery",
    "soybean futures",
    "corporate earnings quarter",
    "bundesbank monetary policy",
    "tin council debt",
    "grain shipments soviet union",
    "stock market crash",
    "natural gas pipeline",
]
Search = Callable[[str], int]
# The interpreter the product's whole-process timings run with (see the module docstring).
PYTHON = Path(sys.executable)


@dataclass
class Measured:
    """One whole-process run of a command."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


class BenchError(Exception):
    """A failure worth one line on stderr, not a traceback."""


# ---------------------------------------------------------------- the texts (also used by the build children)


def corpus_files(corpus: Path) -> list[Path]:
    """The files a directory walk of the product would read (README, .dtd and the like skipped)."""
    from archive_search.readers.sniff import ignored_in_walk

    return sorted(p for p in corpus.rglob("*") if p.is_file() and not ignored_in_walk(str(p)))


def iter_articles(corpus: Path) -> Iterator[tuple[str, str, str]]:
    """(id, title, body) of every article the product's reader finds; Problems are skipped."""
    from archive_search.errors import InputError
    from archive_search.model import Article
    from archive_search.readers import parse_bytes

    for path in corpus_files(corpus):
        with contextlib.suppress(InputError):
            for item in parse_bytes(path.read_bytes(), str(path)):
                if isinstance(item, Article):
                    yield item.id, item.title, item.body


def build_fts5(corpus: Path, db: Path) -> int:
    """Child mode: every article into one FTS5 table, in one transaction."""
    conn = sqlite3.connect(db)
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, title, body, tokenize='porter unicode61')")
    with conn:
        conn.executemany("INSERT INTO t (id, title, body) VALUES (?, ?, ?)", iter_articles(corpus))
    count = conn.execute("SELECT count(*) FROM t").fetchone()[0]
    conn.close()
    return count


def build_tantivy(corpus: Path, folder: Path) -> int:
    """Child mode: every article into a Tantivy index (en_stem, default writer heap), one commit."""
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
    folder.mkdir(parents=True)
    index = tantivy.Index(builder.build(), path=str(folder))
    writer = index.writer()
    for article_id, title, body in iter_articles(corpus):
        writer.add_document(tantivy.Document(id=article_id, title=title, body=body))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index.searcher().num_docs


# ---------------------------------------------------------------- whole-process measurements


def run_measured(cmd: list[str], ok: tuple[int, ...] = (0,)) -> Measured:
    """Run cmd; wall time and the peak RSS of that child alone (os.wait4 gives its own rusage)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    measured = Measured(seconds, maxrss_mb(usage.ru_maxrss), proc.returncode, stdout, stderr)
    if measured.returncode not in ok:
        tail = " | ".join(measured.stderr.strip().splitlines()[-3:])
        raise BenchError(f"{' '.join(cmd[:5])} … exited {measured.returncode}: {tail}")
    return measured


def maxrss_mb(maxrss: int) -> float:
    """ru_maxrss is in KiB on Linux, bytes on macOS."""
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 1024


def source_digest() -> str:
    """A digest of what `pip install .` installs, to know when the bench's virtualenv is stale."""
    digest = hashlib.blake2b(digest_size=16)
    for path in [ROOT / "pyproject.toml", *sorted((ROOT / "archive_search").rglob("*.py"))]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def installed_python(work: Path) -> Path:
    """The interpreter of WORK/venv, holding the project as the README's Quick start installs it."""
    venv = work / "venv"
    python = venv / "bin" / "python"
    stamp = venv / "archive-search-source.txt"
    digest = source_digest()
    if python.is_file() and stamp.is_file() and stamp.read_text() == digest:
        return python
    note(f"installing the project into {venv} (pip install ., as the Quick start does)")
    shutil.rmtree(venv, ignore_errors=True)
    for cmd in ([sys.executable, "-m", "venv", str(venv)], [str(python), "-m", "pip", "install", "-q", str(ROOT)]):
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, check=False)
        if done.returncode:
            tail = " | ".join(done.stderr.decode(errors="replace").strip().splitlines()[-3:])
            raise BenchError(f"{' '.join(cmd[:4])} … failed: {tail}; or run with --this-env")
    stamp.write_text(digest)
    return python


def build_command(engine: str, corpus: Path, target: Path) -> tuple[list[str], tuple[int, ...]]:
    if engine == PRODUCT:
        cmd = [str(PYTHON), "-m", "archive_search", "index", str(corpus), "--index", str(target), "--quiet"]
        return cmd, (0, 2)  # 2: some inputs warned or failed
    mode = "fts5" if engine == FTS5 else "tantivy"
    script = str(Path(__file__).resolve())
    return [sys.executable, script, "--corpus", str(corpus), "--_build", mode, "--_target", str(target)], (0,)


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def measure_builds(corpus: Path, targets: dict[str, Path], runs: int) -> dict[str, list[Measured]]:
    """Engines take turns in every round, each building into a fresh (removed) target."""
    results: dict[str, list[Measured]] = {engine: [] for engine in targets}
    for round_no in range(1, runs + 1):
        for engine, target in targets.items():
            remove(target)
            cmd, ok = build_command(engine, corpus, target)
            measured = run_measured(cmd, ok)
            results[engine].append(measured)
            note(f"build {round_no}/{runs}: {engine} {measured.seconds:.1f} s, {measured.peak_rss_mb:.0f} MB")
    return results


def measure_reindex(corpus: Path, ix: Path, runs: int) -> list[float]:
    times = []
    for round_no in range(1, runs + 1):
        cmd, ok = build_command(PRODUCT, corpus, ix)
        times.append(run_measured(cmd, ok).seconds)
        note(f"re-index {round_no}/{runs}: {times[-1]:.2f} s")
    return times


def cli_commands(ix: Path) -> dict[str, Callable[[str], list[str]]]:
    """The reference and `archive-search search` as a whole process, from the same interpreter."""
    script = PYTHON.with_name("archive-search")
    if not (script.is_file() and os.access(script, os.X_OK)):
        raise BenchError(f"no archive-search script next to {PYTHON}; install the project (pip install .)")
    return {
        "python -c pass": lambda q: [str(PYTHON), "-c", "pass"],
        "archive-search": lambda q: [str(script), *search_args(q, ix)],
    }


def product_script() -> Path:
    script = PYTHON.with_name("archive-search")
    if not (script.is_file() and os.access(script, os.X_OK)):
        raise BenchError(f"no archive-search script next to {PYTHON}; install the project (pip install .)")
    return script


def search_args(query: str, ix: Path) -> list[str]:
    return ["search", query, "--format", "jsonl", "--index", str(ix)]


def timed_run(cmd: list[str], env: dict | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, check=False, env=env)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # search: 1 = nothing matched
        tail = " | ".join(done.stderr.decode(errors="replace").strip().splitlines()[-3:])
        raise BenchError(f"{' '.join(cmd[:6])} … exited {done.returncode}: {tail}")
    return seconds


IN_PROCESS = {**os.environ, "ARCHIVE_SEARCH_NO_SERVER": "1"}  # no resident server answers


def measure_cli(ix: Path, runs: int, commands: dict | None = None, envs: dict | None = None) -> dict[str, list[float]]:
    """Per-query medians (s); one warm-up each, then the commands interleaved, order rotating per run."""
    commands = commands or cli_commands(ix)
    envs = envs or {}
    medians: dict[str, list[float]] = {label: [] for label in commands}
    for number, query in enumerate(QUERIES, start=1):
        for label, make in commands.items():
            timed_run(make(query), envs.get(label, IN_PROCESS))
        times: dict[str, list[float]] = {label: [] for label in commands}
        labels = list(commands)
        for run in range(runs):
            for label in labels[run % len(labels) :] + labels[: run % len(labels)]:
                times[label].append(timed_run(commands[label](query), envs.get(label, IN_PROCESS)))
        for label, values in times.items():
            medians[label].append(statistics.median(values))
        shown = ", ".join(f"{label} {statistics.median(v) * 1000:.0f} ms" for label, v in times.items())
        note(f"search {number}/{len(QUERIES)} {query!r}: {shown}")
    return medians


# ---------------------------------------------------------------- in-process searches


def product_search(ix: Path) -> Search:
    from archive_search import Archive

    archive = Archive(ix)
    # snippets and feedback, no total count: what `search --format jsonl` does
    return lambda q: len(archive.search(q, limit=10, count=False).hits)


def fts5_query(text: str) -> str:
    """Words of the query, each double-quoted, joined with OR: no FTS5 syntax can leak in."""
    words = re.findall(r"\w+", text)
    return " OR ".join('"' + word.replace('"', '""') + '"' for word in words)


def fts5_search(db: Path) -> Search:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
    sql = "SELECT id, title, snippet(t, 2, '[', ']', '…', 16) FROM t WHERE t MATCH ? ORDER BY rank LIMIT 10"
    return lambda q: len(conn.execute(sql, (fts5_query(q),)).fetchall())


def tantivy_search(folder: Path) -> Search:
    import tantivy

    index = tantivy.Index.open(str(folder))
    searcher = index.searcher()

    def search(text: str) -> int:
        query = index.parse_query(text, ["title", "body"])
        snippets = tantivy.SnippetGenerator.create(searcher, query, index.schema, "body")
        hits = 0
        for _, address in searcher.search(query, 10).hits:
            doc = searcher.doc(address)
            doc.get_first("id")
            snippets.snippet_from_doc(doc).to_html()
            hits += 1
        return hits

    return search


def measure_in_process(searches: dict[str, Search], runs: int) -> dict[str, list[float]]:
    """Per-query medians (s) for each engine; a warm-up per query, engines interleaved."""
    medians: dict[str, list[float]] = {engine: [] for engine in searches}
    empty: dict[str, list[str]] = {engine: [] for engine in searches}
    for query in QUERIES:
        times: dict[str, list[float]] = {engine: [] for engine in searches}
        for engine, search in searches.items():
            if not search(query):
                empty[engine].append(query)
        for _ in range(runs):
            for engine, search in searches.items():
                started = time.perf_counter()
                search(query)
                times[engine].append(time.perf_counter() - started)
        for engine, values in times.items():
            medians[engine].append(statistics.median(values))
    for engine, queries in empty.items():
        if queries:
            note(f"note: {engine} finds nothing for {len(queries)} of {len(QUERIES)} queries: {', '.join(queries)}")
    return medians


# ---------------------------------------------------------------- counting and the table


def doc_counts(paths: dict[str, Path]) -> dict[str, int]:
    counts = {}
    for engine, path in paths.items():
        if engine == PRODUCT:
            from archive_search.store import IndexDir

            counts[engine] = IndexDir(path).open().doc_count()
        elif engine == FTS5:
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
                counts[engine] = conn.execute("SELECT count(*) FROM t").fetchone()[0]
        else:
            import tantivy

            counts[engine] = tantivy.Index.open(str(path)).searcher().num_docs
    return counts


def disk_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) > 1 else values[0]


def ratio(value: float | None, reference: float | None, name: str) -> str:
    if not value or not reference:
        return ""
    x = value / reference
    shown = f"{x:.3f}×" if x < 0.1 else f"{x:.2f}×" if x < 10 else f"{x:.1f}×"  # 0.005× is not 0.00×
    return shown + (f" {name}" if name else "")


def figure_row(
    measure: str, figures: dict[str, float], engines: list[str], fmt: str, versus: str = "", tantivy: str = ""
) -> list[str]:
    """measure | one cell per engine | archive-search ÷ its reference | (Tantivy ÷ FTS5, with a Tantivy column)"""
    cells = [format(figures[e], fmt) if e in figures else "–" for e in engines]
    return [measure, *cells, versus, *([tantivy] if TANTIVY in engines else [])]


def build_rows(
    builds: dict[str, list[Measured]], counts: dict[str, int], sizes: dict[str, float], engines: list[str]
) -> tuple[list[list[str]], float]:
    seconds = {e: statistics.median(m.seconds for m in runs) for e, runs in builds.items()}
    rates = {e: counts[e] / seconds[e] for e in builds}
    rss = {e: statistics.median(m.peak_rss_mb for m in runs) for e, runs in builds.items()}

    def vs(values: dict[str, float]) -> tuple[str, str]:
        return ratio(values.get(PRODUCT), values.get(FTS5), "FTS5"), ratio(values.get(TANTIVY), values.get(FTS5), "")

    return [
        figure_row("documents indexed", counts, engines, ",d"),
        figure_row("full build, s", seconds, engines, ".2f", *vs(seconds)),
        figure_row("full build, articles/s", rates, engines, ",.0f", *vs(rates)),
        figure_row("full build, peak RSS, MB", rss, engines, ".0f", *vs(rss)),
        figure_row("index on disk, MB", sizes, engines, ".1f", *vs(sizes)),
    ], seconds[PRODUCT]


def reindex_row(times: list[float], full_build: float, engines: list[str]) -> list[str]:
    median = statistics.median(times)
    return figure_row(
        "re-index, corpus unchanged, s", {PRODUCT: median}, engines, ".2f", ratio(median, full_build, "full build")
    )


def cli_rows(medians: dict[str, list[float]], engines: list[str]) -> list[list[str]]:
    """Both figures of each way in, divided by the median of `python -c pass` timed alongside."""
    reference = statistics.median(medians.pop("python -c pass")) * 1000
    versus = f"python -c pass ({reference:.0f} ms)"
    rows = []
    for label, values in medians.items():
        for stat, figure in (("median", statistics.median(values)), ("p90", p90(values))):
            measure = f"search, whole process ({label}), ms {stat}"
            rows.append(
                figure_row(measure, {PRODUCT: figure * 1000}, engines, ".0f", ratio(figure * 1000, reference, versus))
            )
    return rows


def in_process_rows(medians: dict[str, list[float]], engines: list[str]) -> list[list[str]]:
    rows = []
    for stat, pick in (("median", statistics.median), ("p90", p90)):
        ms = {engine: pick(values) * 1000 for engine, values in medians.items()}
        versus = ratio(ms.get(PRODUCT), ms.get(FTS5), "FTS5"), ratio(ms.get(TANTIVY), ms.get(FTS5), "")
        rows.append(figure_row(f"search in-process, top 10 + snippets, ms {stat}", ms, engines, ".2f", *versus))
    return rows


def format_table(title: str, header: list[str], rows: list[list[str]], numbers: int, markdown: bool) -> str:
    """Plain aligned text or Markdown; the `numbers` columns after the first are right-aligned."""
    if markdown:
        rule = "|---|" + "--:|" * numbers + "---|" * (len(header) - 1 - numbers)
        table = ["| " + " | ".join(header) + " |", rule, *("| " + " | ".join(row) + " |" for row in rows)]
        return title + "\n\n" + "\n".join(table)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [title]
    for row in [header, *rows]:
        cells = enumerate(zip(row, widths, strict=True))
        lines.append("  ".join(c.rjust(w) if 0 < i <= numbers else c.ljust(w) for i, (c, w) in cells).rstrip())
    return "\n".join(lines)


def publish(text: str, markdown: str | None) -> None:
    """The table on stdout, or (--markdown FILE) written into FILE between the speed markers."""
    if markdown in (None, STDOUT):
        print(text)
        return
    write_between(Path(markdown), TABLE, text)
    note(f"table {TABLE!r} written into {markdown}")


def machine_line(articles: int, files: int | None, build_runs: int | None, query_runs: int, this_env: bool) -> str:
    installed = f"product run by {PYTHON} (--this-env)" if this_env else "product installed by pip install ."
    corpus = f"{articles:,} articles" + (f" in {plural(files, 'file')}" if files is not None else "")
    builds = f"builds and re-index: median of {plural(build_runs, 'run')}; " if build_runs else ""
    return (
        f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; corpus: {corpus}; "
        f"{builds}searches: median and p90 over {len(QUERIES)} queries of each query's median "
        f"of {plural(query_runs, 'run')} (+1 warm-up); {installed}"
    )


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def note(text: str) -> None:
    print(f"speed: {text}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="Reuters-21578 SGML folder")
    default = f"default {BUILD_RUNS} for builds, {QUERY_RUNS} for searches"
    parser.add_argument("--runs", type=int, help=f"runs of every measure ({default})")
    parser.add_argument("--build-runs", type=int, help="runs of each build and of the re-index (overrides --runs)")
    parser.add_argument("--query-runs", type=int, help="runs of each search (overrides --runs)")
    add_markdown_option(parser, TABLE)
    parser.add_argument("--skip-build", action="store_true", help="reuse the indexes in --work DIR; time searches only")
    parser.add_argument(
        "--work",
        type=Path,
        help="keep the indexes and the virtualenv here (DIR/ix, DIR/fts5.db, DIR/tantivy, DIR/venv)",
    )
    parser.add_argument(
        "--this-env", action="store_true", help="time the product as installed in this environment (no new virtualenv)"
    )
    parser.add_argument(
        "--startup",
        action="store_true",
        help="only the start-up table (in-process, with serve running, --queries batch); "
        f"--markdown FILE writes it between its {STARTUP_TABLE!r} markers",
    )
    parser.add_argument("--_build", choices=["fts5", "tantivy"], help=argparse.SUPPRESS)
    parser.add_argument("--_target", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if any(n is not None and n < 1 for n in (args.runs, args.build_runs, args.query_runs)):
        parser.error("runs must be 1 or more")
    args.build_runs = args.build_runs or args.runs or BUILD_RUNS
    args.query_runs = args.query_runs or args.runs or QUERY_RUNS
    return args


@contextlib.contextmanager
def work_dir(path: Path | None) -> Iterator[Path]:
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="archive-search-speed-") as tmp:
        yield Path(tmp)


def engine_paths(work: Path, with_tantivy: bool) -> dict[str, Path]:
    paths = {PRODUCT: work / "ix", FTS5: work / "fts5.db"}
    if with_tantivy:
        paths[TANTIVY] = work / "tantivy"
    return paths


def searches_for(paths: dict[str, Path]) -> dict[str, Search]:
    makers = {PRODUCT: product_search, FTS5: fts5_search, TANTIVY: tantivy_search}
    return {engine: makers[engine](path) for engine, path in paths.items()}


def bench(args: argparse.Namespace, work: Path, with_tantivy: bool) -> None:
    global PYTHON
    PYTHON = Path(sys.executable) if args.this_env else installed_python(work)
    paths = engine_paths(work, with_tantivy)
    if args.skip_build:
        for engine in [e for e, path in paths.items() if e != PRODUCT and not path.exists()]:
            note(f"note: no {paths.pop(engine)}; {engine} left out")
    engines = list(paths)
    rows: list[list[str]] = []
    files: int | None = None
    build_runs: int | None = None
    if args.skip_build:
        counts = doc_counts(paths)
    else:
        files, build_runs = len(corpus_files(args.corpus)), args.build_runs
        builds = measure_builds(args.corpus, paths, args.build_runs)
        counts = doc_counts(paths)
        if not counts[PRODUCT]:
            raise BenchError(f"no articles found in {args.corpus}")
        sizes = {engine: disk_mb(path) for engine, path in paths.items()}
        build_table, full_build = build_rows(builds, counts, sizes, engines)
        rows += build_table
        rows.append(reindex_row(measure_reindex(args.corpus, paths[PRODUCT], args.build_runs), full_build, engines))
    rows += cli_rows(measure_cli(paths[PRODUCT], args.query_runs), engines)
    rows += in_process_rows(measure_in_process(searches_for(paths), args.query_runs), engines)
    header = ["measure", *engines, "archive-search ÷", *(["Tantivy ÷ FTS5"] if TANTIVY in engines else [])]
    title = machine_line(counts[PRODUCT], files, build_runs, args.query_runs, args.this_env)
    publish(format_table(title, header, rows, len(engines), args.markdown is not None), args.markdown)


# ---------------------------------------------------------------- start-up: in-process, resident, batch

STARTUP_TABLE = "startup"


def startup(args: argparse.Namespace, work: Path) -> None:
    """The start-up table: a search as a whole process in-process and with `serve` running,
    next to `python -c pass` (interleaved, a median per query), and the bench queries as
    one `search --queries` batch next to one process a query."""
    global PYTHON
    PYTHON = Path(sys.executable) if args.this_env else installed_python(work)
    ix = work / "ix"
    if not ix.is_dir():
        cmd, ok = build_command(PRODUCT, args.corpus, ix)
        note(f"building {ix}")
        run_measured(cmd, ok)
    script = product_script()
    runtime = Path(tempfile.mkdtemp(prefix="archive-search-speed-run-"))
    served = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    served.pop("ARCHIVE_SEARCH_NO_SERVER", None)
    started = subprocess.run([str(script), "serve", "--index", str(ix)], env=served, capture_output=True, text=True)
    if started.returncode:
        raise BenchError(f"archive-search serve failed: {started.stderr.strip()}")
    try:
        floor = floor_code(search_imports(script, ix))
        commands = {
            "python -c pass": lambda q: [str(PYTHON), "-c", "pass"],
            "floor": lambda q: [str(PYTHON), "-c", floor],
            "in-process": lambda q: [str(script), *search_args(q, ix)],
            "with serve running": lambda q: [str(script), *search_args(q, ix)],
        }
        medians = measure_cli(ix, args.query_runs, commands, {"with serve running": served})
        batch = measure_batch(script, ix, work, args.query_runs)
        status = subprocess.run([str(script), "serve", "--status", "--format", "json"], env=served, capture_output=True)
        requests = json.loads(status.stdout)["requests"] if status.returncode == 0 else 0
    finally:
        subprocess.run([str(script), "serve", "--stop"], env=served, capture_output=True)
        shutil.rmtree(runtime, ignore_errors=True)
    expected = len(QUERIES) * (args.query_runs + 1)
    if requests != expected:
        raise BenchError(f"the server answered {requests} of the {expected} searches meant for it")
    text = startup_table(medians, batch, args)
    if args.markdown in (None, STDOUT):
        print(text)
    else:
        write_between(Path(args.markdown), STARTUP_TABLE, text)
        note(f"table {STARTUP_TABLE!r} written into {args.markdown}")


def search_imports(script: Path, ix: Path) -> list[str]:
    """The Whoosh modules an in-process search imports, in order (python -X importtime)."""
    done = subprocess.run(
        [str(PYTHON), "-X", "importtime", str(script), *search_args(QUERIES[0], ix)],
        env=IN_PROCESS,
        capture_output=True,
        text=True,
        check=False,
    )
    names = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    found = [name for name in names if name == "whoosh" or name.startswith("whoosh.")]
    if done.returncode not in (0, 1) or not found:
        raise BenchError(f"could not list the modules a search imports: {done.stderr.strip()[-300:]}")
    return found


def floor_code(modules: list[str]) -> str:
    """A program that imports Typer and those Whoosh modules, as the command does (Whoosh's
    unused modules deferred, its warnings off), and does nothing else: what any in-process
    search with this stack costs before it opens an index."""
    return (
        "from archive_search._entry import defer_unused_imports, quiet_whoosh_warnings\n"
        "quiet_whoosh_warnings()\n"
        "defer_unused_imports()\n"
        "import importlib, typer\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
    )


def measure_batch(script: Path, ix: Path, work: Path, runs: int) -> list[float]:
    """Whole-process seconds of the bench queries as one `search --queries` run (+1 warm-up)."""
    queries = work / "queries.txt"
    queries.write_text("".join(q + "\n" for q in QUERIES), encoding="utf-8")
    cmd = [str(script), "search", "--queries", str(queries), "--format", "jsonl", "--index", str(ix)]
    timed_run(cmd, IN_PROCESS)
    times = [timed_run(cmd, IN_PROCESS) for _ in range(runs)]
    note(f"batch of {len(QUERIES)}: {statistics.median(times) * 1000:.0f} ms")
    return times


def startup_table(medians: dict[str, list[float]], batch: list[float], args: argparse.Namespace) -> str:
    reference = statistics.median(medians["python -c pass"]) * 1000
    rows = [["python -c pass", f"{reference:.0f}", f"{p90(medians['python -c pass']) * 1000:.0f}", "1×", ""]]
    floor, floor_high = statistics.median(medians["floor"]) * 1000, p90(medians["floor"]) * 1000
    rows.append(
        [
            "import Typer and the Whoosh modules a search imports, nothing else",
            f"{floor:.0f}",
            f"{floor_high:.0f}",
            ratio(floor, reference, ""),
            ratio(floor_high, reference, ""),
        ]
    )
    for label in ("in-process", "with serve running"):
        median, high = statistics.median(medians[label]) * 1000, p90(medians[label]) * 1000
        rows.append(
            [
                f"search … --format jsonl, {label}",
                f"{median:.0f}",
                f"{high:.0f}",
                ratio(median, reference, ""),
                ratio(high, reference, ""),
            ]
        )
    one_each = len(QUERIES) / sum(medians["in-process"])
    in_batch = len(QUERIES) / statistics.median(batch)
    rows.append(
        [
            f"search --queries (the {len(QUERIES)} queries in one process), per query",
            f"{statistics.median(batch) / len(QUERIES) * 1000:.0f}",
            "",
            ratio(in_batch, one_each, "the queries/s of one process a query"),
            "",
        ]
    )
    header = ["whole process, ms", "median", "p90", "÷ python -c pass (median)", "÷ python -c pass (p90)"]
    lines = ["| " + " | ".join(header) + " |", "|---|--:|--:|---|---|", *("| " + " | ".join(r) + " |" for r in rows)]
    title = (
        f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
        f"{len(QUERIES)} queries over Reuters-21578, each a median of {plural(args.query_runs, 'run')} (+1 warm-up), "
        f"the four interleaved; batch: median of {plural(args.query_runs, 'run')}; queries/s: {in_batch:.1f} in one "
        f"batch, {one_each:.1f} one process a query; "
        + ("product run by this environment (--this-env)" if args.this_env else "product installed by pip install .")
    )
    return title + "\n\n" + "\n".join(lines)


def child(args: argparse.Namespace) -> int:
    """Hidden mode: one build, as its own process; prints the number of documents."""
    build = build_fts5 if args._build == "fts5" else build_tantivy
    print(json.dumps({"documents": build(args.corpus, args._target)}))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args._build:
        return child(args)
    try:
        check_target(args.markdown, STARTUP_TABLE if args.startup else TABLE)
    except MarkerError as exc:
        print(f"speed: {exc}", file=sys.stderr)
        return 2
    if args.skip_build and (args.work is None or not (args.work / "ix").is_dir()):
        print("speed: --skip-build needs --work DIR holding an index built before (DIR/ix)", file=sys.stderr)
        return 2
    if not args.skip_build and not args.corpus.is_dir():
        print(f"speed: corpus not found at {args.corpus}; pass --corpus DIR (Reuters-21578 SGML)", file=sys.stderr)
        return 2
    with_tantivy = importlib.util.find_spec("tantivy") is not None
    if not with_tantivy:
        note("note: tantivy is not installed (pip install tantivy); Tantivy column left out")
    started = time.perf_counter()
    try:
        with work_dir(args.work) as work:
            startup(args, work) if args.startup else bench(args, work, with_tantivy)
    except (BenchError, MarkerError) as exc:
        print(f"speed: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("speed: interrupted", file=sys.stderr)
        return 130
    note(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
