"""Throughput and memory of the WARC/ARC reader (archive_search/readers/webarchive.py).

Builds one large WARC in a temporary directory by concatenating copies of the real
`.warc.gz` files in ../shared/webarchive (gzip members concatenate into a valid multi-member
file) up to --mib MiB, then times `read_captures` over it and prints records/s, captures/s,
MiB/s, wall time and the process's peak RSS.

    python bench/webarchive.py --mib 512
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from archive_search.readers.common import Problem
from archive_search.readers.webarchive import ArchiveCounts, read_captures

SOURCE = Path(__file__).resolve().parent.parent.parent / "shared" / "webarchive"


class BenchError(Exception):
    """What stops the bench before it measures anything: one line for stderr."""


def build(target: Path, mib: int) -> int:
    """Write copies of the real .warc.gz files to `target` until it holds `mib` MiB; its size."""
    sources = sorted(SOURCE.glob("*.warc.gz"))
    if not sources:
        raise BenchError(f"no .warc.gz files in {SOURCE}: the bench needs ../shared beside the checkout")
    blobs = [path.read_bytes() for path in sources]
    size, wanted = 0, mib * 2**20
    with target.open("wb") as out:
        while size < wanted:
            for blob in blobs:
                out.write(blob)
                size += len(blob)
    return size


def peak_rss_mib() -> float:
    """The peak resident set of this process so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def measure(path: Path) -> dict[str, float]:
    counts = ArchiveCounts()
    problems = payload = 0
    started = time.perf_counter()
    with path.open("rb") as handle:
        for item in read_captures(handle, str(path), counts):
            if isinstance(item, Problem):
                problems += 1
            else:
                payload += len(item.payload)
    wall = time.perf_counter() - started
    size = path.stat().st_size / 2**20
    return {
        "file MiB": size,
        "records": counts.records,
        "captures": counts.html,
        "problems": problems,
        "payload MiB": payload / 2**20,
        "wall s": wall,
        "records/s": counts.records / wall,
        "captures/s": counts.html / wall,
        "MiB/s": size / wall,
        "peak RSS MiB": peak_rss_mib(),
    }


def table(rows: dict[str, float]) -> str:
    width = max(len(name) for name in rows)
    lines = []
    for name, value in rows.items():
        shown = f"{value:,.0f}" if isinstance(value, int) or value >= 1000 else f"{value:,.2f}"
        lines.append(f"{name:<{width}}  {shown:>14}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=512, help="size of the WARC to build (default 512)")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="webarchive-bench-") as tmp:
            target = Path(tmp) / "big.warc.gz"
            build(target, args.mib)
            before = peak_rss_mib()
            rows = measure(target)
    except BenchError as exc:
        print(f"bench/webarchive.py: {exc}", file=sys.stderr)
        return 2
    rows["peak RSS before MiB"] = before
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
