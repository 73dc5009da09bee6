"""Output of `terms`: a table of significant terms in each format (render.py has the rest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from .model_views import CRITICAL_G2, TERM_FIELDS, TermsResult
from .render import VIEW_FORMATS, OutputFormat, Styling, _console, _csv, _json_lines, _tsv, json_text, one_line

TERMS_FORMATS = VIEW_FORMATS
# Marks a score significant at p < 0.001 in the text views.
MARK = "*"


def render_terms(
    result: TermsResult, fmt: OutputFormat, out: IO[str], *, color: Styling | bool = False, width: int | None = None
) -> None:
    """Write a TermsResult in the given (resolved) format. json is one object, even when
    nothing matched; the text views write nothing then (the notes say why)."""
    renderers: dict[OutputFormat, Callable[[], object]] = {
        OutputFormat.json: lambda: out.write(json_text(result.to_dict(), indent=2) + "\n"),
        OutputFormat.jsonl: lambda: _json_lines(_records(result), out, None),
        OutputFormat.tsv: lambda: _tsv(_records(result, text=True), out, TERM_FIELDS),
        OutputFormat.csv: lambda: _csv(_records(result, text=True), out, TERM_FIELDS),
        OutputFormat.plain: lambda: _plain(result, out),
        OutputFormat.rich: lambda: _rich(result, out, color, width),
    }
    renderers[fmt]()


def _records(result: TermsResult, *, text: bool = False) -> list[dict]:
    """The terms' JSON forms; with text, "true"/"false" for tsv and csv, as JSON writes them."""
    records = [t.to_dict() for t in result.terms]
    if text:
        for record in records:
            record["significant"] = "true" if record["significant"] else "false"
    return records


def _cells(result: TermsResult) -> list[tuple[str, str, str, str, str]]:
    """term, kind, foreground, background and score of each term, as the text views show them."""
    return [
        (
            one_line(t.term),
            t.kind,
            f"{t.foreground:,}",
            f"{t.background:,}",
            f"{t.score:,.1f}{MARK if t.significant else ' '}",
        )
        for t in result.terms
    ]


def summary(result: TermsResult) -> list[str]:
    """What the counts are counted in, and what was left out: the lines under the table."""
    read = f"the best-ranked of {result.matched:,} matching" if result.matched > result.sampled else "all that match"
    lines = [
        f"fg: articles containing it of the {result.sampled:,} read ({read})",
        f"bg: articles containing it of the {result.background:,} in the archive",
        f"score: log-likelihood G²; {MARK} p < 0.001 (G² > {CRITICAL_G2})",
    ]
    if result.left_out:
        lines.append("left out, as words of the query: " + ", ".join(one_line(w) for w in result.left_out))
    return lines


# The score's header has the mark's place too, so that it stands over the numbers.
HEADER = ("term", "kind", "fg", "bg", "score ")


def _plain(result: TermsResult, out: IO[str]) -> None:
    """An aligned table, then the summary; nothing when nothing matched."""
    if not result.matched:
        return
    rows = [HEADER, *_cells(result)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    for row in rows:
        cells = [cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        out.write("  ".join(cells).rstrip() + "\n")
    out.write("\n" + "\n".join(summary(result)) + "\n")


def _rich(result: TermsResult, out: IO[str], color: Styling | bool, width: int | None) -> None:
    """The table styled by Rich, within the terminal's width, a term too long for it folded."""
    if not result.matched:
        return
    from rich.table import Table
    from rich.text import Text

    console = _console(out, color, width)
    table = Table(box=None, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("term", style="bold cyan", overflow="fold")
    table.add_column("kind", style="dim", no_wrap=True)
    table.add_column("fg", justify="right", no_wrap=True)
    table.add_column("bg", justify="right", no_wrap=True)
    table.add_column("score ", justify="right", no_wrap=True)
    for term, kind, fg, bg, score in _cells(result):
        table.add_row(Text(term), kind, fg, bg, Text(score, style="" if score.endswith(MARK) else "dim"))
    console.print(table)
    console.print()
    for line in summary(result):
        console.print(Text(line, style="dim"))
