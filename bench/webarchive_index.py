"""Indexing web archives: the whole `archive-search index` process, its time and peak memory.

Two archives are built in a temporary directory:

- "crawl": copies of the real `.warc.gz` files of ../shared/webarchive concatenated up to
  --mib MiB (gzip members concatenate into a valid file). Its pages repeat, as in a crawl
  captured again and again: it measures records read per second and that memory stays flat.
- "pages": the article pages of ../shared/extraction, each captured --copies times under its
  own URL, as one WARC; and the same pages saved as HTML files, the reference measured in
  the same run. It measures articles indexed per second.

    python bench/webarchive_index.py [--mib 1024] [--copies 10] [--runs 3] [--markdown docs/webarchive.md]

`--acceptance` instead indexes ../shared/acceptance/webarchive's constructed WARC (once, at
the end of an issue: nothing is chosen by it) and prints how many articles it yields and how
many of their URLs are those its listing names.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
MARKER = "webarchive-index"

# Run in a child of a fresh interpreter, so that ru_maxrss is the indexer's alone.
_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "proc = subprocess.run([sys.executable, '-m', 'archive_search', *sys.argv[1:]], capture_output=True, text=True)\n"
    "print(proc.returncode, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.stderr.write(proc.stderr)\n"
)


class BenchError(Exception):
    """What stops the bench before it measures anything: one line for stderr."""


def build_crawl(target: Path, mib: int) -> int:
    sources = sorted((SHARED / "webarchive").glob("*.warc.gz"))
    if not sources:
        raise BenchError(f"no .warc.gz files in {SHARED / 'webarchive'}: the bench needs ../shared beside the checkout")
    blobs = [path.read_bytes() for path in sources]
    size = 0
    with target.open("wb") as out:
        while size < mib * 2**20:
            for blob in blobs:
                out.write(blob)
                size += len(blob)
    return size


def build_pages(folder: Path, copies: int) -> tuple[Path, Path, int]:
    """The dev article pages `copies` times: as one WARC, and as HTML files."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    pages = sorted((SHARED / "extraction" / "pages").glob("*.html.gz"))
    if not pages:
        raise BenchError(f"no pages in {SHARED / 'extraction' / 'pages'}: the bench needs ../shared")
    files = folder / "pages"
    files.mkdir()
    warc = folder / "pages.warc.gz"
    with warc.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for copy in range(copies):
            for page in pages:
                html = gzip.decompress(page.read_bytes())
                name = page.name.removesuffix(".html.gz")
                (files / f"{name}-{copy}.html").write_bytes(html)
                headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
                url = f"https://news.example/{copy}/{name}"
                record = writer.create_warc_record(url, "response", payload=io.BytesIO(html), http_headers=headers)
                writer.write_record(record)
    return warc, files, copies * len(pages)


def run(target: Path, index: Path, *, check: bool = True) -> tuple[float, float, str]:
    """One whole `index` run into a new index: seconds, peak RSS in MiB, its summary line
    (and with `check`, BenchError unless it exits 0)."""
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, "index", str(target), "--index", str(index), "--jobs", "1"],
        capture_output=True,
        text=True,
    )
    status, took, rss = proc.stdout.split()
    if check and status != "0":
        raise BenchError(f"index {target} exited {status}: {proc.stderr.strip().splitlines()[-1:]}")
    summary = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    return float(took), int(rss) / 1024, summary if status == "0" else f"(exit {status}) {summary}"


def median_run(target: Path, scratch: Path, runs: int) -> tuple[float, float, str]:
    results = []
    for n in range(runs):
        results.append(run(target, scratch / f"{target.stem}-{n}.idx"))
    return statistics.median(r[0] for r in results), max(r[1] for r in results), results[-1][2]


def _count(pattern: str, line: str) -> int:
    match = re.search(pattern, line)
    return int(match.group(1).replace(",", "")) if match else 0


def measure(mib: int, copies: int, runs: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        crawl = scratch / "crawl.warc.gz"
        size = build_crawl(crawl, mib)
        took, rss, line = median_run(crawl, scratch, runs)
        records = _count(r"([\d,]+) HTML captures", line) + _count(r"([\d,]+) other records", line)
        rows.append(
            {
                "input": f"crawl: real WARCs concatenated, {size / 2**20:,.0f} MiB",
                "seconds": took,
                "records/s": records / took,
                "articles/s": _count(r"([\d,]+) articles? added", line) / took,
                "MiB/s": size / 2**20 / took,
                "peak RSS MiB": rss,
            }
        )
        warc, files, pages = build_pages(scratch, copies)
        for label, target in (("pages: one WARC", warc), ("pages: the same as HTML files (reference)", files)):
            took, rss, line = median_run(target, scratch, runs)
            size = target.stat().st_size if target.is_file() else sum(p.stat().st_size for p in target.iterdir())
            rows.append(
                {
                    "input": f"{label}, {pages:,} pages, {size / 2**20:,.0f} MiB",
                    "seconds": took,
                    "records/s": None,
                    "articles/s": _count(r"([\d,]+) articles? added", line) / took,
                    "MiB/s": size / 2**20 / took,
                    "peak RSS MiB": rss,
                }
            )
    return rows


def acceptance() -> str:
    """The constructed WARC's articles against its listing: counts only."""
    folder = SHARED / "acceptance" / "webarchive"
    warcs = sorted(folder.glob("*.warc.gz"))
    if not warcs or not (folder / "expected.jsonl").exists():
        raise BenchError(f"no WARC and expected.jsonl in {folder}: the acceptance run needs ../shared")
    lines = (folder / "expected.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    # The listing names every record; the articles are its pages' responses (not the revisit, not the 404).
    expected = {r["warc_target_uri"] for r in records if r.get("record") == "response" and r.get("id")}
    with tempfile.TemporaryDirectory() as tmp:
        _, _, summary = run(warcs[0], Path(tmp) / "idx", check=False)
        listed = subprocess.run(
            [sys.executable, "-m", "archive_search", "list", "--format", "jsonl", "--index", str(Path(tmp) / "idx")],
            capture_output=True,
            text=True,
        )
        urls = [json.loads(line)["url"] for line in listed.stdout.splitlines()]
    found = set(urls)
    rows = [
        "| file | expected articles | articles | their URLs in the listing | listed URLs missing | other articles |",
        "|---|---|---|---|---|---|",
        f"| {warcs[0].name} | {len(expected)} | {len(urls)} | {len(found & expected)} | {len(expected - found)} "
        f"| {len(found - expected)} |",
        "",
        f"The run: {summary.removeprefix('archive-search: ')}",
    ]
    return "\n".join(rows)


def table(rows: list[dict], runs: int) -> str:
    lines = [
        "| input | seconds | records/s | articles/s | MiB/s | peak RSS MiB |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        records = f"{row['records/s']:,.0f}" if row["records/s"] is not None else ""
        lines.append(
            f"| {row['input']} | {row['seconds']:.1f} | {records} | {row['articles/s']:,.1f} | "
            f"{row['MiB/s']:.1f} | {row['peak RSS MiB']:.0f} |"
        )
    ratio = rows[1]["articles/s"] / rows[2]["articles/s"] if rows[2]["articles/s"] else float("nan")
    lines.append("")
    lines.append(
        f"Whole `archive-search index --jobs 1` processes, median of {runs} runs (peak RSS: the largest). "
        f"Articles/s from the WARC ÷ from the same pages as files: {ratio:.2f}."
    )
    return "\n".join(lines)


def write_markdown(path: Path, text: str, command: str, marker: str = MARKER) -> None:
    doc = path.read_text(encoding="utf-8") if path.exists() else ""
    begin, end = f"<!-- begin {marker}: {command} -->", f"<!-- end {marker} -->"
    block = f"{begin}\n\n{text}\n\n{end}"
    if begin in doc and end in doc:
        doc = doc[: doc.index(begin)] + block + doc[doc.index(end) + len(end) :]
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(doc, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="size of the crawl WARC (default 1024)")
    parser.add_argument("--copies", type=int, default=10, help="captures of each dev page (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each, the median reported (default 3)")
    parser.add_argument("--markdown", type=Path, help="write the table into this file between its markers")
    parser.add_argument("--acceptance", action="store_true", help="the closing measurement on ../shared/acceptance")
    args = parser.parse_args(argv)
    if args.acceptance:
        try:
            text = acceptance()
        except BenchError as exc:
            print(f"webarchive_index: {exc}", file=sys.stderr)
            return 2
        print(text)
        if args.markdown:
            command = f"python bench/webarchive_index.py --acceptance --markdown {args.markdown}"
            write_markdown(args.markdown, text, command, marker="webarchive-acceptance")
        return 0
    try:
        rows = measure(args.mib, args.copies, args.runs)
    except BenchError as exc:
        print(f"webarchive_index: {exc}", file=sys.stderr)
        return 2
    text = table(rows, args.runs)
    print(text)
    if args.markdown:
        command = f"python bench/webarchive_index.py --mib {args.mib} --copies {args.copies} --runs {args.runs}"
        write_markdown(args.markdown, text, command + f" --markdown {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
