"""kwic's output: the concordance aligned on the match (plain and rich), or its lines as
records (json, jsonl, tsv, csv) with render.py's writers.

The terminal views escape unsafe characters (render.escaped) before cutting the contexts to
width, so that an escape never breaks the match's column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from .fields import chosen_fields
from .kwic import squash
from .model_views import KWIC_FIELDS, KwicResult
from .render import VIEW_FORMATS, OutputFormat, Styling, _console, _csv, _json_array, _json_lines, _tsv, escaped

KWIC_FORMATS = VIEW_FORMATS
# The narrowest context a terminal's width cuts the lines to.
_MIN_FIT = 8


def render_kwic(
    result: KwicResult,
    fmt: OutputFormat,
    out: IO[str],
    *,
    color: Styling | bool = False,
    width: int | None = None,
    fields: str | None = None,
) -> None:
    """Write a KwicResult's lines in the given (resolved) format; `width` is the terminal's,
    which the rich view's lines are fitted to."""
    keys = chosen_fields(fields, KWIC_FIELDS, fmt.value)
    records = (line.to_dict() for line in result.lines)
    renderers: dict[OutputFormat, Callable[[], object]] = {
        OutputFormat.json: lambda: _json_array(records, out, keys),
        OutputFormat.jsonl: lambda: _json_lines(records, out, keys),
        OutputFormat.tsv: lambda: _tsv(records, out, keys),
        OutputFormat.csv: lambda: _csv(records, out, keys),
        OutputFormat.plain: lambda: kwic_plain(result, out),
        OutputFormat.rich: lambda: kwic_rich(result, out, color, width),
    }
    renderers[fmt]()


def _columns(result: KwicResult, context: int) -> list[tuple[str, str, str, str, str]]:
    """(left, match, right, id, offset) of each line, escaped, contexts cut to `context`
    characters and padded so that the match and the id each start a column."""
    rows = [
        (escaped(line.left), escaped(squash(line.match)), escaped(line.right), escaped(line.id), str(line.offset))
        for line in result.lines
    ]
    longest = max((len(match) for _, match, _, _, _ in rows), default=0)
    id_width = max((len(ident) for _, _, _, ident, _ in rows), default=0)
    offset_width = max((len(offset) for *_, offset in rows), default=0)
    shown = []
    for left, match, right, ident, offset in rows:
        right_room = context + longest - len(match)
        shown.append(
            (
                left[-context:].rjust(context) if context else "",
                match,
                right[:right_room].ljust(right_room),
                ident.ljust(id_width),
                offset.rjust(offset_width),
            )
        )
    return shown


def kwic_plain(result: KwicResult, out: IO[str]) -> None:
    """One line an occurrence: left context, match, right context, article id, offset."""
    for left, match, right, ident, offset in _columns(result, result.width):
        out.write(f"{left}{match}{right}  {ident}  {offset}".rstrip() + "\n")


def _fitted(result: KwicResult, width: int | None) -> int:
    """The context width that keeps a line within the terminal's width."""
    if width is None or not result.lines:
        return result.width
    longest = max(len(escaped(squash(line.match))) for line in result.lines)
    id_width = max(len(escaped(line.id)) for line in result.lines)
    offset_width = max(len(str(line.offset)) for line in result.lines)
    room = (width - longest - id_width - offset_width - 4) // 2
    return min(result.width, max(room, _MIN_FIT))


def kwic_rich(result: KwicResult, out: IO[str], color: Styling | bool, width: int | None = None) -> None:
    """The plain view styled, the match highlighted, fitted to the terminal's width; then
    which lines these are."""
    from rich.text import Text

    console = _console(out, color, width)
    for left, match, right, ident, offset in _columns(result, _fitted(result, width or console.width)):
        line = Text(left)
        line.append(match, style="bold yellow")
        line.append(right)
        line.append(f"  {ident}", style="cyan")
        line.append(f"  {offset}", style="dim")
        line.rstrip()
        console.print(line, no_wrap=True, overflow="crop", crop=True)
    if result.lines:
        console.print(Text(summary(result), style="dim"))


def summary(result: KwicResult) -> str:
    """Which lines of the concordance these are, and from how many articles."""
    n = len(result.lines)
    order = "oldest first" if result.sort == "date" else "in rank order"
    text = (
        f"{n:,} line{'s' if n != 1 else ''} from {result.articles_scanned:,} "
        f"article{'s' if result.articles_scanned != 1 else ''} read {order}"
    )
    return text + (f"; more with --offset {result.offset + n}" if result.more else "")
