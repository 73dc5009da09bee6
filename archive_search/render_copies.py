"""Output of `dupes`: an article's copies in each format (render.py has the rest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from .model_views import COPY_FIELDS, CopyCluster
from .render import VIEW_FORMATS, OutputFormat, Styling, _console, _csv, _json_lines, _tsv, json_text, one_line

COPIES_FORMATS = VIEW_FORMATS


def render_copies(
    result: CopyCluster, fmt: OutputFormat, out: IO[str], *, color: Styling | bool = False, width: int | None = None
) -> None:
    """Write a CopyCluster: json is one object (copies [] when there are none); the other
    formats one record or line a copy."""
    renderers: dict[OutputFormat, Callable[[], object]] = {
        OutputFormat.json: lambda: out.write(json_text(result.to_dict(), indent=2) + "\n"),
        OutputFormat.jsonl: lambda: _json_lines(_records(result), out, None),
        OutputFormat.tsv: lambda: _tsv(_records(result, text=True), out, COPY_FIELDS),
        OutputFormat.csv: lambda: _csv(_records(result, text=True), out, COPY_FIELDS),
        OutputFormat.plain: lambda: _plain(result, out),
        OutputFormat.rich: lambda: _rich(result, out, color, width),
    }
    renderers[fmt]()


def _records(result: CopyCluster, *, text: bool = False) -> list[dict]:
    records = [c.to_dict() for c in result.copies]
    if text:  # one line a copy: the passages as start-end/other_start-other_end, the longest first
        for record in records:
            record["passages"] = " ".join(
                f"{p['start']}-{p['end']}/{p['other_start']}-{p['other_end']}" for p in record["passages"]
            )
    return records


def _line(copy) -> str:
    when = copy.published.strftime("%Y-%m-%d %H:%M") if copy.published else "undated"
    shared = sum(p.words for p in copy.passages)
    kind = copy.tier or "joined through others"
    return one_line(
        f"{copy.id} {when} {kind} jaccard {copy.jaccard5:.2f} (5-word) {copy.jaccard3:.2f} (3-word), "
        f"contained {copy.containment3:.2f}, {shared:,} words shared {copy.title}"
    )


def _plain(result: CopyCluster, out: IO[str]) -> None:
    out.write(one_line(f"{result.id}: {len(result.copies) + 1} in {result.tier} cluster {result.cluster}") + "\n")
    for copy in result.copies:
        out.write(_line(copy) + "\n")
        for p in copy.passages[:3]:
            out.write(f"    shared {p.words} words: {p.start}-{p.end} here, {p.other_start}-{p.other_end} there\n")


def _rich(result: CopyCluster, out: IO[str], color: Styling | bool, width: int | None) -> None:
    from rich.text import Text

    console = _console(out, color, width)
    head = Text(one_line(f"{result.id}"), style="bold cyan")
    head.append(f"  {len(result.copies) + 1} in {result.tier} cluster {result.cluster}", style="dim")
    console.print(head)
    for copy in result.copies:
        console.print(Text(_line(copy)))
        for p in copy.passages[:3]:
            console.print(
                Text(
                    f"    shared {p.words} words: {p.start}-{p.end} here, {p.other_start}-{p.other_end} there",
                    style="dim",
                )
            )
