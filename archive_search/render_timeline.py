"""The timeline's output: a bar chart a line a period on a terminal, rows for scripts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from .model_views import Period, Timeline
from .render import VIEW_FORMATS, OutputFormat, Styling, _console, _csv, _json_lines, _tsv, json_text, one_line

TIMELINE_FORMATS = VIEW_FORMATS
ROW_FIELDS = ("period", "start", "count", "total", "ratio")
SPLIT_FIELDS = (*ROW_FIELDS, "series")
DEFAULT_WIDTH = 80
NARROWEST_BAR = 10


def render_timeline(
    result: Timeline,
    fmt: OutputFormat,
    out: IO[str],
    *,
    color: Styling | bool = False,
    width: int | None = None,
    normalize: bool = False,
) -> None:
    if fmt is OutputFormat.json:
        out.write(json_text(result.to_dict(), indent=2) + "\n")
    elif fmt in (OutputFormat.jsonl, OutputFormat.tsv, OutputFormat.csv):
        fields = SPLIT_FIELDS if result.split else ROW_FIELDS
        writer = {OutputFormat.jsonl: _json_lines, OutputFormat.tsv: _tsv, OutputFormat.csv: _csv}[fmt]
        writer(_rows(result), out, fields)
    else:
        lines = chart_lines(result, width or DEFAULT_WIDTH, normalize=normalize, ascii_bars=fmt is OutputFormat.plain)
        if fmt is OutputFormat.rich:
            from rich.text import Text

            console = _console(out, color, width)
            for line, heading in lines:
                console.print(Text(line, style="bold" if heading else ""), overflow="ignore", crop=False)
        else:
            out.write("".join(line + "\n" for line, _ in lines))


def _rows(result: Timeline) -> Iterator[dict]:
    """A row a period; with --split, a row a (period, series)."""
    if not result.split:
        yield from (p.to_dict() for p in result.periods)
        return
    for series in result.series:
        for period in series.periods:
            yield {**period.to_dict(), "series": series.label}


def chart_lines(
    result: Timeline, width: int, *, normalize: bool = False, ascii_bars: bool = False
) -> list[tuple[str, bool]]:
    """The chart's lines, each with whether it is a heading: a line a period (label, bar,
    count, total and ratio); with --split, one chart a series, on one scale."""
    words = one_line(result.query) or "(filters only)"
    head = f"{words} by {result.by}: {result.count:,} {_plural(result.count, 'match', 'matches')}"
    groups = [(None, result.periods, result.undated)]
    if result.split:
        # A value that looks like the "(other)" and "(none)" series is told apart by quotes.
        groups = [(_series_name(s.label, s.kind), s.periods, s.undated) for s in result.series]
    every = [p for _, periods, _ in groups for p in periods]
    scale = max((p.ratio if normalize else p.count for p in every), default=0) or 1
    counts = max((len(f"{p.count:,}") for p in every), default=1)
    totals = max((len(f"{p.total:,}") for p in every), default=1)
    label = max((len(p.period) for p in every), default=4)
    bar = max(width - label - counts - totals - 14, NARROWEST_BAR)
    lines = [(head, True)]
    for name, periods, undated in groups:
        if name is not None:
            lines.append(("", False))
            lines.append((f"{result.split} {name}", True))
        for p in periods:
            value = p.ratio if normalize else p.count
            blocks = ("#" if ascii_bars else "█") * round(bar * value / scale)
            lines.append(
                (
                    f"{p.period:<{label}} {blocks:<{bar}} {p.count:>{counts},} / {p.total:>{totals},} {_percent(p)}",
                    False,
                )
            )
        if undated.total:
            lines.append((f"undated: {undated.count:,} of {undated.total:,}", False))
    return lines


def _series_name(label: str, kind: str) -> str:
    return repr(label) if kind == "value" and label.startswith("(") else one_line(label)


def _percent(period: Period) -> str:
    return f"{period.ratio * 100:5.1f}%"


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def undated_note(result: Timeline) -> str | None:
    """What the row formats say on stderr of the undated matches, which have no period row."""
    if not result.undated.count:
        return None
    n = result.undated.count
    return f"note: {n:,} {_plural(n, 'match has', 'matches have')} no date and {_plural(n, 'is', 'are')} in no period"
