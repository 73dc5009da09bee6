"""Copies at scale: a synthetic archive's build, the copies' share of it and peak memory.

    python bench/make_corpus.py /tmp/syn-21k -n 21578 --format jsonl
    python bench/make_corpus.py /tmp/syn-100k -n 100000 --format jsonl
    python bench/copies_scale.py /tmp/syn-21k /tmp/syn-100k [--markdown docs/copies.md]

For each archive: a whole-process build into a fresh index (wall time and peak RSS, from
os.wait4), then, each in a process of its own on that index: the copies' full pass (what
a first build runs after its commit: candidates from the band terms, verification,
clusters, the file written) and the signing of every stored body (what indexing adds to
each article). Per-article figures are those times over the archive's articles.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from doc_tables import check_markers, write_between

ROOT = Path(__file__).resolve().parent.parent
MARKER = "copies-scale"

PASS = """
import sys, time
from archive_search.store import IndexDir
from archive_search.indexing.clustering import update_copies
d = IndexDir(sys.argv[1]); ix = d.open()
started = time.perf_counter()
found = update_copies(ix, d.path, d.generation(), None, None, print)
print(time.perf_counter() - started, *found)
"""
SIGN = """
import sys, time
from archive_search.store import IndexDir
from archive_search.indexing.signatures import band_terms
from archive_search.copies.config import DEFAULT
ix = IndexDir(sys.argv[1]).open()
with ix.searcher() as s:
    bodies = [f.get("body") or "" for f in s.all_stored_fields()]
started = time.perf_counter()
for body in bodies:
    band_terms(body, DEFAULT)
print(time.perf_counter() - started, len(bodies))
"""


def child(args: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) and stdout of a child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status:
        raise SystemExit(f"{args[:4]} failed: {status}")
    return time.perf_counter() - started, usage.ru_maxrss, out


def measure(corpus: Path, work: Path) -> list[str]:
    index = work / f"{corpus.name}.idx"
    build, rss, _ = child([sys.executable, "-m", "archive_search", "index", str(corpus), "--index", str(index)])
    _, pass_rss, out = child([sys.executable, "-c", PASS, str(index)])
    seconds, clustered, stories = out.split()[-3:]
    _, _, out = child([sys.executable, "-c", SIGN, str(index)])
    sign_seconds, articles = out.split()
    n = int(articles)
    copies = float(seconds) + float(sign_seconds)
    return [
        f"{n:,}",
        f"{build:.0f} s",
        f"{rss / 1024:.0f} MiB",
        f"{float(sign_seconds) / n * 1e6:.0f} µs",
        f"{float(seconds) / n * 1e6:.0f} µs",
        f"{copies / build:.1%}",
        f"{pass_rss / 1024:.0f} MiB",
        f"{int(clustered):,} in {int(stories):,}",
    ]


def table(rows: list[list[str]]) -> str:
    head = [
        "articles",
        "build",
        "build peak RSS",
        "signing, an article",
        "copies pass, an article",
        "copies' share of the build",
        "copies pass peak RSS",
        "clustered (stories)",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += ["", "Synthetic archives of bench/make_corpus.py (JSON Lines); one build each, whole processes."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)
    if args.markdown:
        check_markers(args.markdown, MARKER)  # before the run, not after it
    text = table([measure(c, args.work) for c in args.corpora])
    print(text)
    if args.markdown:
        write_between(args.markdown, MARKER, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
