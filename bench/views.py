"""The research views' speed: whole processes on an index, side by side with a plain search.

Each view of each query runs --runs times, interleaved with the plain
`search QUERY --format jsonl` of the same query (the machine is shared, so only the ratio
of figures of one run means something); the table gives the medians and the ratios.

    python bench/views.py --index /tmp/reuters.idx [--runs 5] [--markdown docs/research.md]

Build the index first: archive-search index ../shared/corpora/reuters21578 --index /tmp/reuters.idx
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from doc_tables import check_markers, write_between

QUERIES = ("oil prices", "coffee", "trade deficit")
VIEWS = (
    ("timeline", ["timeline"]),
    ("timeline --by day", ["timeline", "--by", "day"]),
    (
        "search --facet year --facet dateline --format json",
        ["search", "--facet", "year", "--facet", "dateline", "-f", "json"],
    ),
    ("kwic -n 100", ["kwic", "-n", "100"]),
    ("terms", ["terms"]),
    ("search --cite --format json", ["search", "--cite", "-f", "json"]),
)
MARKER = "views-speed"


def command() -> list[str]:
    found = shutil.which("archive-search", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "archive_search"]


def seconds(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def measure(index: Path, runs: int) -> list[list[str]]:
    base = command()
    rows = []
    for query in QUERIES:
        plain = [*base, "search", query, "--format", "jsonl", "--index", str(index)]
        views = [[*base, args[0], query, *args[1:], "--index", str(index)] for _, args in VIEWS]
        times: list[list[float]] = [[] for _ in range(len(VIEWS) + 1)]
        for _ in range(runs):
            for n, args in enumerate([plain, *views]):
                times[n].append(seconds(args))
        medians = [statistics.median(t) * 1000 for t in times]
        rows.append([query, f"{medians[0]:.0f} ms", *(f"{m:.0f} ms ({m / medians[0]:.2f}×)" for m in medians[1:])])
    return rows


def table(rows: list[list[str]], runs: int) -> str:
    head = ["query", "search --format jsonl", *(name for name, _ in VIEWS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", f"Whole processes, median of {runs} runs each, interleaved; in brackets: ÷ the plain search."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="the index to search (e.g. of Reuters-21578)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    parser.add_argument("--markdown", type=Path, help="write the table into this file between its markers")
    args = parser.parse_args(argv)
    if args.markdown:
        check_markers(args.markdown, MARKER)  # before the run, not after it
    if not (args.index / "archive-search.json").exists():
        print(f"views: no index at {args.index}; build one with archive-search index ... --index {args.index}")
        return 2
    text = table(measure(args.index, args.runs), args.runs)
    print(text)
    if args.markdown:
        write_between(args.markdown, MARKER, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
