"""How well archive-search reads article pages: body, title, date and authors, next to trafilatura.

    python bench/extraction.py                               # the development pages of ../shared/extraction
    python bench/extraction.py --markdown                    # the tables as Markdown on stdout
    python bench/extraction.py --markdown docs/extraction.md # the tables written into docs/extraction.md
    python bench/extraction.py --shared DIR                  # pages and expected.jsonl of another folder
    python bench/extraction.py --acceptance                  # the held-back pages, once, at the end

Each page of `pages/*.html.gz` is decompressed and read through the library, as indexing
reads a saved page (`archive_search.readers.parse_bytes`, no URL given); trafilatura alone
(`bare_extraction` with metadata, no URL given) reads the same bytes in the same run, as the
reference. `expected.jsonl` holds the truth for each page (see ../shared/extraction/MANIFEST.md).

Measures, per subset of pages: pages that failed (no article); body snippets (trafilatura's
own evaluation: a `body_with` snippet found in the text is a true positive, one not found a
false negative, a `body_without` snippet found a false positive; precision, recall and F1
pooled over the pages); the whole-body measure where the truth has the whole body (`body`,
the aeb subset: 4-word shingles of the whitespace-collapsed text, case kept, precision and
recall per page, their means, and the F1 of the means); titles (exactly `title` or one of
`title_alt`, white space collapsed); same-day dates (`published` or one of `published_also`,
over the pages whose date is known); authors (the same set of names, case aside, over the
pages whose authors are known); milliseconds per page.

`--markdown FILE` writes the tables into FILE between `<!-- begin NAME: COMMAND -->` and
`<!-- end NAME -->` (bench/doc_tables.py); NAME is "extraction", or "extraction-acceptance"
with `--acceptance`, which reads ../shared/acceptance/extraction (or `--acceptance-dir DIR`):
held back for a closing measurement, never for choosing rules.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "bench") not in sys.path:  # loaded by its path (tests/test_html_extraction.py), not run as a script
    sys.path.append(str(ROOT / "bench"))
from doc_tables import STDOUT, MarkerError, add_markdown_option, check_target, write_between  # noqa: E402

DEFAULT_SHARED = ROOT.parent / "shared" / "extraction"
DEFAULT_ACCEPTANCE = ROOT.parent / "shared" / "acceptance" / "extraction"
TABLE = "extraction"
ACCEPTANCE = "extraction-acceptance"
PRODUCT = "archive-search"
REFERENCE = "trafilatura"
SHINGLE = 4


class BenchError(Exception):
    """The pages or their truth cannot be read."""


@dataclass
class Extracted:
    """What one system read from one page (None: no article)."""

    body: str
    title: str
    published: date | None
    authors: list[str]


@dataclass
class Score:
    """One system's counts over one subset of pages."""

    pages: int = 0
    failed: list[str] = field(default_factory=list)
    snippets: Counter = field(default_factory=Counter)  # tp, fn, fp
    body_precision: list[float] = field(default_factory=list)
    body_recall: list[float] = field(default_factory=list)
    titles: list[bool] = field(default_factory=list)
    dates: list[bool] = field(default_factory=list)
    authors: list[bool] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def snippet_prf(self) -> tuple[float, float, float]:
        tp, fn, fp = self.snippets["tp"], self.snippets["fn"], self.snippets["fp"]
        return prf(tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0)

    @property
    def body_prf(self) -> tuple[float, float, float]:
        if not self.body_precision:
            return (float("nan"),) * 3
        return prf(statistics.fmean(self.body_precision), statistics.fmean(self.body_recall))


def prf(precision: float, recall: float) -> tuple[float, float, float]:
    """Precision, recall and their harmonic mean."""
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def squash(text: str) -> str:
    return " ".join(text.split())


def shingles(text: str) -> Counter:
    """The text's 4-word shingles (case kept), counted."""
    words = text.split()
    if len(words) < SHINGLE:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def shingle_pr(extracted: str, truth: str) -> tuple[float, float]:
    """The benchmark's whole-body precision and recall on one page."""
    got, want = shingles(squash(extracted)), shingles(squash(truth))
    if not got and not want:
        return 1.0, 1.0
    common = sum((got & want).values())
    precision = common / sum(got.values()) if got else 0.0
    recall = common / sum(want.values()) if want else 0.0
    return precision, recall


def day_of(value: object) -> date | None:
    """A datetime, a date or an ISO string as a calendar day."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value[:10]:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def name_set(names: Iterable[str]) -> set[str]:
    return {squash(n).casefold() for n in names if squash(n)}


def score_page(score: Score, truth: dict, got: Extracted | None) -> None:
    """Add one page's outcome to the subset's counts."""
    score.pages += 1
    if got is None:
        score.failed.append(truth["id"])
    text = squash(got.body) if got else ""
    for snippet in truth.get("body_with") or []:
        score.snippets["tp" if got and squash(snippet) in text else "fn"] += 1
    for snippet in truth.get("body_without") or []:
        if got and squash(snippet) in text:
            score.snippets["fp"] += 1
    if truth.get("body") is not None:
        precision, recall = shingle_pr(got.body if got else "", truth["body"])
        score.body_precision.append(precision)
        score.body_recall.append(recall)
    titles = {squash(t) for t in [truth.get("title") or "", *(truth.get("title_alt") or [])] if t}
    score.titles.append(bool(got) and squash(got.title) in titles)
    if truth.get("published"):
        days = {day_of(d) for d in [truth["published"], *(truth.get("published_also") or [])]}
        score.dates.append(bool(got) and got.published is not None and got.published in days)
    if truth.get("authors") is not None:
        score.authors.append(bool(got) and name_set(got.authors) == name_set(truth["authors"]))


def product(data: bytes, name: str) -> Extracted | None:
    """archive-search's reading of a saved page, through the library."""
    from archive_search.model import Article
    from archive_search.readers import parse_bytes

    for item in parse_bytes(data, name):
        if isinstance(item, Article):
            day = item.published.date() if item.published else None  # the day in the publisher's own zone
            return Extracted(item.body, item.title, day, list(item.authors))
    return None


def reference(data: bytes, name: str) -> Extracted | None:
    """trafilatura alone, with its metadata, no URL given."""
    import trafilatura

    doc = trafilatura.bare_extraction(data, with_metadata=True)
    if doc is None or not (doc.text or "").strip():
        return None
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return Extracted(doc.text or "", doc.title or "", day_of(doc.date), authors)


SYSTEMS: dict[str, Callable[[bytes, str], Extracted | None]] = {PRODUCT: product, REFERENCE: reference}


def load(folder: Path) -> list[dict]:
    """The truth of each page in `folder`/expected.jsonl, each checked to have its page."""
    expected = folder / "expected.jsonl"
    if not expected.is_file():
        raise BenchError(f"{expected} not found; pass --shared DIR (or --acceptance-dir DIR)")
    truths = [json.loads(line) for line in expected.read_text(encoding="utf-8").splitlines() if line.strip()]
    for truth in truths:
        if not (folder / "pages" / f"{truth['file']}.gz").is_file():
            raise BenchError(f"{folder / 'pages' / truth['file']}.gz not found")
    return truths


def measure(folder: Path) -> dict[str, dict[str, Score]]:
    """Every system's scores on every subset of the pages in `folder`: {subset: {system: Score}}."""
    scores: dict[str, dict[str, Score]] = {}
    for truth in load(folder):
        data = gzip.decompress((folder / "pages" / f"{truth['file']}.gz").read_bytes())
        for system, read in SYSTEMS.items():
            score = scores.setdefault(truth.get("subset") or "all", {}).setdefault(system, Score())
            start = time.perf_counter()
            got = read(data, truth["file"])
            score.seconds += time.perf_counter() - start
            score_page(score, truth, got)
    return scores


HEADER = ["subset", "pages", "system", "failed", "snippet P", "snippet R", "snippet F1"]
HEADER += ["body P", "body R", "body F1", "title", "date", "authors", "ms/page"]


def share(hits: list[bool]) -> str:
    return f"{sum(hits) / len(hits):.1%} ({sum(hits)}/{len(hits)})" if hits else "–"


def number(value: float) -> str:
    return "–" if value != value else f"{value:.3f}"  # NaN: no such truth in the subset


def row(subset: str, system: str, score: Score) -> list[str]:
    has_snippets = bool(sum(score.snippets.values()))
    snippet = [number(v) for v in score.snippet_prf] if has_snippets else ["–"] * 3
    return [
        subset,
        str(score.pages),
        system,
        str(len(score.failed)),
        *snippet,
        *(number(v) for v in score.body_prf),
        share(score.titles),
        share(score.dates),
        share(score.authors),
        f"{score.seconds * 1000 / max(score.pages, 1):.1f}",
    ]


def tables(scores: dict[str, dict[str, Score]]) -> tuple[list[list[str]], list[str]]:
    """The rows (one per subset and system) and the notes under them (the failed pages)."""
    lines = [row(subset, system, score) for subset, by in scores.items() for system, score in by.items()]
    notes = []
    for subset, by in scores.items():
        for system, score in by.items():
            failed = ", ".join(score.failed) or "none"
            notes.append(f"Failed pages ({subset}, {system}): {failed}.")
    return lines, notes


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    name = ACCEPTANCE if args.acceptance or args.acceptance_dir else TABLE
    folder = (args.acceptance_dir or DEFAULT_ACCEPTANCE) if name == ACCEPTANCE else args.shared
    try:
        check_target(args.markdown, name)
        lines, notes = tables(measure(folder))
        publish(name, lines, notes, args.markdown)
    except (BenchError, MarkerError) as exc:
        print(f"extraction: {exc}", file=sys.stderr)
        return 2
    return 0


def parser() -> argparse.ArgumentParser:
    """The bench's command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder holding pages/ and expected.jsonl")
    add_markdown_option(p, TABLE)
    p.add_argument("--acceptance", action="store_true", help="measure the acceptance pages")
    p.add_argument("--acceptance-dir", type=Path, metavar="DIR", help=f"instead of {DEFAULT_ACCEPTANCE}")
    return p


def publish(name: str, lines: list[list[str]], notes: list[str], markdown: str | None) -> None:
    """The table and its notes: aligned on stdout, Markdown on stdout, or written into a file."""
    if markdown is None:
        print("\n\n".join([aligned_table(HEADER, lines), *notes]))
        return
    text = "\n\n".join([markdown_table(HEADER, lines), *notes])
    if markdown == STDOUT:
        print(text)
        return
    write_between(Path(markdown), name, text)
    print(f"extraction: table {name!r} written into {markdown}", file=sys.stderr)


def markdown_table(header: list[str], lines: list[list[str]]) -> str:
    """A Markdown table."""
    rule = "|" + "---|" * len(header)
    return "\n".join(["| " + " | ".join(header) + " |", rule, *("| " + " | ".join(line) + " |" for line in lines)])


def aligned_table(header: list[str], lines: list[list[str]]) -> str:
    """A table for a terminal: columns padded with spaces."""
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip() for r in [header, *lines]
    )


if __name__ == "__main__":
    sys.exit(main())
