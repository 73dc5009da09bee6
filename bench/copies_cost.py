"""What finding copies costs: a Reuters-21578 build, and search --collapse beside a plain search.

    python bench/copies_cost.py --reference /tmp/ref [--runs 3] [--markdown docs/copies.md]

--reference is a checkout of archive-search from before copies were added (git worktree add
/tmp/ref 8b869f7); its package is run from that checkout with this Python. Builds of both
are interleaved (the machine is shared: only ratios of one run mean something), whole
processes, median of --runs; then whole-process searches on the new index, each query
plain and with --collapse, interleaved after one warm-up of each, median of SEARCH_RUNS.
--skip-build searches the index kept by an earlier run (--keep), with that run's build times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from doc_tables import check_markers, write_between

ROOT = Path(__file__).resolve().parent.parent
REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578"
QUERIES = ("oil prices", "coffee", "grain ships", "prime rate")
MARKER = "copies-cost"
SEARCH_RUNS = 11


def run(args: list[str], pythonpath: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    started = time.perf_counter()
    subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def builds(reference: Path, runs: int, keep: Path) -> tuple[list[float], list[float]]:
    new, old = [], []
    for _ in range(runs):
        for times, root in ((new, ROOT), (old, reference)):
            with tempfile.TemporaryDirectory() as tmp:
                index = Path(tmp) / "index"
                times.append(
                    run([sys.executable, "-m", "archive_search", "index", str(REUTERS), "--index", str(index)], root)
                )
                if root == ROOT:
                    shutil.rmtree(keep, ignore_errors=True)
                    shutil.copytree(index, keep)
    return new, old


def searches(index: Path) -> list[tuple[str, float, float]]:
    out = []
    for query in QUERIES:
        plain, folded = [], []
        base = [sys.executable, "-m", "archive_search", "search", query, "--format", "jsonl", "--index", str(index)]
        run(base, ROOT), run([*base, "--collapse"], ROOT)  # warm-up: the index's files into the page cache
        for _ in range(SEARCH_RUNS):
            plain.append(run(base, ROOT))
            folded.append(run([*base, "--collapse"], ROOT))
        out.append((query, statistics.median(plain), statistics.median(folded)))
    return out


def table(new: list[float], old: list[float], found: list[tuple[str, float, float]], runs: int) -> str:
    n, o = statistics.median(new), statistics.median(old)
    lines = [
        f"| Reuters-21578 build | median of {runs} | ratio |",
        "|---|---|---|",
        f"| before copies (8b869f7) | {o:.1f} s | 1.00 |",
        f"| with copies | {n:.1f} s | **{n / o:.2f}** |",
        "",
        "| query | search --format jsonl | with --collapse | ratio |",
        "|---|---|---|---|",
    ]
    for query, p, f in found:
        lines.append(f"| {query} | {p * 1000:.0f} ms | {f * 1000:.0f} ms | **{f / p:.2f}** |")
    lines += ["", f"Whole processes; searches median of {SEARCH_RUNS}, interleaved, after a warm-up."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "copies-cost.idx")
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args(argv)
    if args.markdown:
        check_markers(args.markdown, MARKER)  # before the run, not after it
    saved = args.keep.with_name(args.keep.name + ".builds.json")
    if args.skip_build:
        new, old = json.loads(saved.read_text())
    else:
        new, old = builds(args.reference, args.runs, args.keep)
        saved.write_text(json.dumps([new, old]))
    text = table(new, old, searches(args.keep), args.runs)
    print(text)
    if args.markdown:
        write_between(args.markdown, MARKER, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
