"""Output formats: one renderer per format, shared by every command.

Data goes to the `out` stream given; nothing here decides whether that is a
terminal (see `Terminal`), so every renderer can be tested on a StringIO.

Article text comes from strangers' archives, so no format writes it raw (see _UNSAFE_PAST_C0
for the characters): the terminal views (rich, plain, show, stats) and the plain-text
formats that end up in terminals too (tsv, csv, ids, paths) show them as visible escapes
(safe, one_line); json and jsonl write them as \\uXXXX escapes (json_text). Only ids and
paths with --null give values as stored, for xargs -0, lone surrogates excepted.
"""

from __future__ import annotations

import csv
import enum
import errno
import functools
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timezone
from typing import IO, TYPE_CHECKING, Any

from .errors import FormatError
from .fields import chosen_fields
from .model import COLLAPSED_FIELDS, ENTRY_FIELDS, HIT_FIELDS, Article

if TYPE_CHECKING:  # annotations only: a search does not import what index runs report
    from .model_runs import IndexStats


class OutputFormat(str, enum.Enum):
    """Every command's output formats; `auto` is resolved by Terminal.resolve."""

    auto = "auto"
    rich = "rich"
    plain = "plain"
    json = "json"
    jsonl = "jsonl"
    tsv = "tsv"
    csv = "csv"
    ids = "ids"
    paths = "paths"

    @property
    def shows_snippets(self) -> bool:
        """Whether the format prints hits' snippets (so a search must make them)."""
        return self not in (OutputFormat.ids, OutputFormat.paths)

    @property
    def shows_total(self) -> bool:
        """Whether the format prints how many articles matched in all (so a search must count
        them: counting every match of common words is most of a search's time on a large
        archive, and only the terminal view says it)."""
        return self is OutputFormat.rich


class ColorMode(str, enum.Enum):
    auto = "auto"
    always = "always"
    never = "never"


class Styling(enum.Enum):
    """How much of the terminal view's style an output gets."""

    none = "none"  # no escape codes at all: a pipe, --color never, TERM=dumb
    mono = "mono"  # bold and dim but no colours: NO_COLOR (no-color.org is about colour only)
    color = "color"

    def __bool__(self) -> bool:
        return self is not Styling.none


# The formats each command writes: one OutputFormat enum for every command (so that a
# format's name means the same everywhere), and each command's own subset of it.
HIT_FORMATS = tuple(OutputFormat)
ARTICLE_FORMATS = (
    OutputFormat.auto,
    OutputFormat.rich,
    OutputFormat.plain,
    OutputFormat.json,
    OutputFormat.jsonl,
    OutputFormat.ids,
    OutputFormat.paths,
)
# The research views (timeline, kwic, terms): the terminal's views and the formats for scripts.
VIEW_FORMATS = (
    OutputFormat.auto,
    OutputFormat.rich,
    OutputFormat.plain,
    OutputFormat.json,
    OutputFormat.jsonl,
    OutputFormat.tsv,
    OutputFormat.csv,
)
STATS_FORMATS = (OutputFormat.auto, OutputFormat.rich, OutputFormat.plain, OutputFormat.json, OutputFormat.jsonl)
NULL_FORMATS = (OutputFormat.ids, OutputFormat.paths)


def check_format(command: str, fmt: OutputFormat, formats: Sequence[OutputFormat], *, null: bool = False) -> None:
    """Refuse a format the command does not write, and --null with a format other than ids or paths."""
    if fmt not in formats:
        names = ", ".join(f.value for f in formats)
        raise FormatError(f"{command} does not write {fmt.value}; use one of: {names}")
    if null and fmt not in NULL_FORMATS:
        raise FormatError(
            f"--null (-0) works only with --format ids or paths, not {fmt.value}; add --format ids, or drop -0"
        )


@dataclass
class Terminal:
    """What the output streams are connected to: the one place that asks."""

    stdout_tty: bool
    stderr_tty: bool
    env: dict
    width: int | None = None  # stdout's size, when it is a terminal that says
    height: int | None = None

    @classmethod
    def detect(cls) -> Terminal:
        tty = _isatty(sys.stdout)
        width, height = _size(sys.stdout) if tty else (None, None)
        return cls(tty, _isatty(sys.stderr), dict(os.environ), width, height)

    def resolve(self, fmt: OutputFormat, color: ColorMode = ColorMode.auto) -> OutputFormat:
        """`auto` is `rich` on a terminal, and with --color always (colour through `less -R`), else `plain`."""
        if fmt is OutputFormat.auto:
            return OutputFormat.rich if self.stdout_tty or color is ColorMode.always else OutputFormat.plain
        return fmt

    def color(self, mode: ColorMode, *, stream_tty: bool | None = None) -> Styling:
        """An explicit --color always wins; else the tty, TERM=dumb and NO_COLOR decide."""
        if mode is ColorMode.always:
            return Styling.color
        if mode is ColorMode.never or not (self.stdout_tty if stream_tty is None else stream_tty):
            return Styling.none
        if self.env.get("TERM") == "dumb":
            return Styling.none
        if self.env.get("NO_COLOR", "") != "":
            return Styling.mono
        return Styling.color

    def pager(self, wanted: bool = True) -> list[str] | None:
        """The pager to page this terminal's output through: None in a pipe, when not wanted
        (--no-pager), or when ARCHIVE_SEARCH_PAGER or PAGER is empty or cat."""
        if not (wanted and self.stdout_tty):
            return None
        from .pager import pager_command

        return pager_command(self.env)


def _size(stream: Any) -> tuple[int | None, int | None]:
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, ValueError, OSError):
        return None, None
    return size.columns or None, size.lines or None


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# Never written raw, in any format: C0 controls and DEL (a terminal's commands begin with
# ESC or act alone, as a carriage return does), C1 controls (U+009B is a whole CSI to some
# terminals, U+0085 a newline), the bidirectional controls (they reorder what follows on
# screen, so that a name shows as something it is not), the line and paragraph separators
# (str.splitlines ends a line at them) and lone surrogates (UTF-8 has no bytes for them).
_UNSAFE_PAST_C0 = r"\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff"
# Character classes: every match is one character, so escaping is linear in the text.
_UNSAFE_ANY = re.compile(rf"[\x00-\x1f{_UNSAFE_PAST_C0}]")
_UNSAFE_BUT_LINES = re.compile(rf"[\x00-\x08\x0b-\x1f{_UNSAFE_PAST_C0}]")  # tab and newline kept
_UNSAFE_IN_JSON = re.compile(f"[{_UNSAFE_PAST_C0}]")  # json.dumps escapes C0 itself
_SURROGATE = re.compile(r"[\ud800-\udfff]")


_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _visible(match: re.Match) -> str:
    char = match[0]
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def _json_escape(match: re.Match) -> str:
    return f"\\u{ord(match[0]):04x}"


def safe(text: str) -> str:
    """Text for a terminal, over several lines: every unsafe character but tab and newline
    shown as a visible escape (\\x1b, \\x9b, \\u202e, \\udc80)."""
    return _UNSAFE_BUT_LINES.sub(_visible, text)


def escaped(text: str) -> str:
    """Every unsafe character as a visible escape, tab and newline included: a diagnostic
    built from a file name or a record stays one line, and shows what the name holds."""
    return _UNSAFE_ANY.sub(_visible, text)


def one_line(text: str) -> str:
    """Safe, and on a single line (white space runs made one space): for fields and list rows."""
    return " ".join(safe(text).split())


def json_text(value: Any, indent: int | None = None) -> str:
    """JSON of the value, readable (ensure_ascii=False) but with every unsafe character
    escaped as \\uXXXX: still valid JSON, always valid UTF-8 (a lone surrogate becomes its
    escape, as Python's json reads it back), and nothing raw reaches a terminal via `cat`."""
    return _UNSAFE_IN_JSON.sub(_json_escape, json.dumps(value, ensure_ascii=False, indent=indent))


def _date(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


# -- search hits -----------------------------------------------------------------


def hits_json(hits: Sequence, out: IO[str], fields: Sequence[str] = HIT_FIELDS) -> None:
    """One JSON array of hits; unsafe characters as \\uXXXX escapes (json_text)."""
    out.write(json_text([_only(h.to_dict(), fields) for h in hits], indent=2) + "\n")


def hits_jsonl(hits: Sequence, out: IO[str], fields: Sequence[str] = HIT_FIELDS) -> None:
    """One JSON object a line; unsafe characters as \\uXXXX escapes (json_text)."""
    for hit in hits:
        out.write(json_text(_only(hit.to_dict(), fields)) + "\n")


def _only(record: dict, fields: Sequence[str]) -> dict:
    """The record's keys named in `fields`, in that order (--fields)."""
    return record if tuple(record) == tuple(fields) else {k: record[k] for k in fields}


def _hit_row(hit, fields: Sequence[str] = HIT_FIELDS) -> list[str]:
    return _row(hit.to_dict(), fields)


def _row(record: dict, fields: Sequence[str]) -> list[str]:
    """A record's fields as one-line texts: lists (authors, tags) joined by "; ", null as empty."""
    values = [record[k] for k in fields]
    return [one_line("; ".join(v) if isinstance(v, list) else str(v)) if v is not None else "" for v in values]


def hits_tsv(hits: Sequence, out: IO[str], fields: Sequence[str] = HIT_FIELDS) -> None:
    """A header and one row a hit, each field on one line with unsafe characters escaped."""
    _tsv((h.to_dict() for h in hits), out, fields)


def _tsv(records: Iterable[dict], out: IO[str], fields: Sequence[str]) -> int:
    out.write("\t".join(fields) + "\n")
    written = 0
    for record in records:
        out.write("\t".join(field.replace("\t", " ") for field in _row(record, fields)) + "\n")
        written += 1
    return written


def hits_csv(hits: Sequence, out: IO[str], fields: Sequence[str] = HIT_FIELDS) -> None:
    """RFC 4180 rows, each field on one line with unsafe characters escaped."""
    _csv((h.to_dict() for h in hits), out, fields)


def _csv(records: Iterable[dict], out: IO[str], fields: Sequence[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    written = 0
    for record in records:
        writer.writerow(_row(record, fields))
        written += 1
    return written


class RecordStream:
    """Records written as they come, in jsonl, tsv or csv (the header first), or json (one
    array, written at close): a batch's output, one query's records at a time."""

    def __init__(self, fmt: OutputFormat, out: IO[str], fields: Sequence[str]) -> None:
        self.fmt, self.out, self.fields = fmt, out, tuple(fields)
        self.kept: list[dict] = []
        self.csv = csv.writer(out, lineterminator="\n") if fmt is OutputFormat.csv else None
        if fmt is OutputFormat.tsv:
            out.write("\t".join(self.fields) + "\n")
        elif self.csv is not None:
            self.csv.writerow(self.fields)

    def write(self, records: Iterable[dict]) -> None:
        for record in records:
            if self.fmt is OutputFormat.jsonl:
                self.out.write(json_text(_only(record, self.fields)) + "\n")
            elif self.fmt is OutputFormat.json:
                self.kept.append(_only(record, self.fields))
            elif self.csv is not None:
                self.csv.writerow(_row(record, self.fields))
            else:
                self.out.write("\t".join(f.replace("\t", " ") for f in _row(record, self.fields)) + "\n")

    def close(self) -> None:
        if self.fmt is OutputFormat.json:
            self.out.write(json_text(self.kept, indent=2) + "\n")


def _lines(values: Sequence[str], out: IO[str], null: bool) -> None:
    """One value a line, escaped (one_line); with null, as stored and NUL-ended, for xargs -0
    (which wants the exact names), only lone surrogates escaped, having no UTF-8 bytes."""
    end = "\0" if null else "\n"
    for value in values:
        out.write((_SURROGATE.sub(_visible, value) if null else one_line(value)) + end)


def hits_ids(hits: Sequence, out: IO[str], null: bool = False) -> None:
    """The hits' ids, one a line (see _lines)."""
    _lines([h.id for h in hits], out, null)


def hits_paths(hits: Sequence, out: IO[str], null: bool = False) -> None:
    """The hits' files, each once, one a line (see _lines)."""
    _lines(list(dict.fromkeys(h.path for h in hits)), out, null)


def byline(authors: Sequence[str], published, dateline: str, source: str) -> str:
    parts = []
    if authors:
        parts.append("by " + ", ".join(authors))
    if published:
        parts.append(_date(published))
    parts += [p for p in (dateline, source) if p]
    return " · ".join(parts)


def _hit_byline(hit) -> str:
    """A hit's byline; for a web-archive capture, with its URL and the day it was captured."""
    line = byline(hit.authors, hit.published, hit.dateline, hit.source)
    if hit.captured:
        capture = f"{hit.url} captured {hit.captured.strftime('%Y-%m-%d')}"
        line = f"{line} · {capture}" if line else capture
    return line


def hits_plain(hits: Sequence, out: IO[str]) -> None:
    """The terminal view without styles: a few lines a hit, unsafe characters escaped."""
    for hit in hits:
        out.write(f"[{hit.rank}] {one_line(hit.title) or '(untitled)'}\n")
        out.write(f"    id: {one_line(hit.id)}  score: {hit.score:.4f}\n")
        line = _hit_byline(hit)
        if line:
            out.write(f"    {one_line(line)}\n")
        out.write(f"    path: {one_line(hit.path)}\n")
        if hit.copies is not None and hit.copies > 1:
            out.write(f"    {_copies_line(hit)}\n")
        if hit.snippet:
            out.write(f"    {one_line(hit.snippet)}\n")
        out.write("\n")


def _copies_line(hit) -> str:
    """search --collapse: the copies folded into a hit."""
    others = [m for m in hit.members or [] if m != hit.id]
    return one_line(f"{hit.copies} copies (cluster {hit.cluster}); also: {' '.join(others)}")


def hits_rich(hits: Sequence, out: IO[str], color: Styling | bool, total: int | None, width: int | None = None) -> None:
    """The terminal view, styled by Rich (markup never read from the text), unsafe characters
    escaped; every line within the width, continuation lines indented under the title."""
    from rich.text import Text

    console = _console(out, color, width)
    digits = max(2, len(str(hits[-1].rank))) if hits else 2
    indent = digits + 2
    for hit in hits:
        title = Text(one_line(hit.title) or "(untitled)", style="bold cyan")
        title.append(f"  {hit.score:.2f}", style="dim")
        _hanging(console, Text(f"{hit.rank:>{digits}}. ", style="bold"), title, indent)
        _meta_lines(console, one_line(_hit_byline(hit)), hit, indent)
        if hit.copies is not None and hit.copies > 1:
            _hanging(console, Text(" " * indent), Text(_copies_line(hit), style="yellow"), indent)
        if hit.snippet:
            _hanging(console, Text(" " * indent), _highlighted(hit.snippet, hit.highlights), indent)
        console.print()
    if hits and total is not None:
        found = f"{total:,} matching article{'s' if total != 1 else ''}"
        console.print(Text(f"{found}; showing {hits[0].rank}–{hits[-1].rank}", style="dim"))


def _meta_lines(console, line: str, hit, indent: int) -> None:
    """The byline and the id: on one line where they fit, else each on lines of its own (the
    id whole, to be copied), wrapped under the title."""
    from rich.cells import cell_len
    from rich.text import Text

    ident = one_line(hit.id)
    pad = Text(" " * indent)
    if cell_len(line) + 2 + cell_len(ident) <= console.width - indent or not line:
        meta = Text(line, style="green")
        meta.append(("  " if line else "") + ident, style="dim")
        _hanging(console, pad, meta, indent)
        return
    _hanging(console, pad, Text(line, style="green"), indent)
    _hanging(console, pad, Text(ident, style="dim"), indent)


def _hanging(console, head, text, indent: int) -> None:
    """The text wrapped to the console's width less the indent: its first line after head,
    the others after the indent's spaces."""
    from rich.text import Text

    lines = text.wrap(console, max(console.width - indent, 1), overflow="fold") or [Text()]
    for n, line in enumerate(lines):
        line.rstrip()
        console.print(Text.assemble(head if n == 0 else " " * indent, line))


def _highlighted(text: str, spans):
    """Snippet text with the matched words styled; spans are (start, end) offsets."""
    from rich.text import Text

    out = Text()
    pos = 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(safe(text[pos:start]))
        out.append(safe(text[start:end]), style="bold yellow")
        pos = end
    out.append(safe(text[pos:]))
    return out


@functools.cache
def _console_class() -> type:
    from rich.console import Console

    class PipeConsole(Console):
        """Rich's Console, leaving a closed pipe (`| head -1`) to the command: Rich's own
        handling exits with status 1, as if nothing had matched."""

        def on_broken_pipe(self) -> None:
            self.quiet = True  # nothing more to write
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    return PipeConsole


def _console(out: IO[str], color: Styling | bool, width: int | None = None):
    """A Console writing to out with the styling asked for (True: colour; False: none), as
    wide as the terminal says (Rich's own guess when width is None)."""
    styling = color if isinstance(color, Styling) else (Styling.color if color else Styling.none)
    return _console_class()(
        file=out,
        force_terminal=styling is not Styling.none,
        no_color=styling is not Styling.color,
        color_system={Styling.none: None, Styling.mono: "standard", Styling.color: "auto"}[styling],
        width=width,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )


def render_hits(
    result,
    fmt: OutputFormat,
    out: IO[str],
    *,
    color: Styling | bool = False,
    null: bool = False,
    width: int | None = None,
    fields: str | None = None,
) -> None:
    """Write a SearchResult's hits in the given (resolved) format; `fields` as --fields gives
    them (checked before anything is written)."""
    hits = result.hits
    keys = chosen_fields(fields, COLLAPSED_FIELDS if result.collapsed else HIT_FIELDS, fmt.value)
    renderers: dict[OutputFormat, Callable[[], None]] = {
        OutputFormat.json: lambda: hits_json(hits, out, keys),
        OutputFormat.jsonl: lambda: hits_jsonl(hits, out, keys),
        OutputFormat.tsv: lambda: hits_tsv(hits, out, keys),
        OutputFormat.csv: lambda: hits_csv(hits, out, keys),
        OutputFormat.ids: lambda: hits_ids(hits, out, null),
        OutputFormat.paths: lambda: hits_paths(hits, out, null),
        OutputFormat.plain: lambda: hits_plain(hits, out),
        OutputFormat.rich: lambda: hits_rich(hits, out, color, result.total, width),
    }
    if result.facets is None and result.citation is None:
        renderers[fmt]()
        return
    from .render_facets import render_with_extras

    render_with_extras(result, fmt, out, renderers[fmt], keys, color=color, width=width)


# -- listed and exported articles ------------------------------------------------


def render_entries(
    entries: Iterable,
    fmt: OutputFormat,
    out: IO[str],
    *,
    color: Styling | bool = False,
    null: bool = False,
    fields=None,
    width: int | None = None,
) -> int:
    """Write `list`'s entries (model.Entry) as they come, in the given (resolved) format;
    return how many were written. `fields` as --fields gives them (checked first)."""
    keys = chosen_fields(fields, ENTRY_FIELDS, fmt.value)
    renderers: dict[OutputFormat, Callable[[], int]] = {
        OutputFormat.json: lambda: _json_array((e.to_dict() for e in entries), out, keys),
        OutputFormat.jsonl: lambda: _json_lines((e.to_dict() for e in entries), out, keys),
        OutputFormat.tsv: lambda: _tsv((e.to_dict() for e in entries), out, keys),
        OutputFormat.csv: lambda: _csv((e.to_dict() for e in entries), out, keys),
        OutputFormat.ids: lambda: _stream_lines((e.id for e in entries), out, null),
        OutputFormat.paths: lambda: _stream_lines(_distinct(e.path for e in entries), out, null),
        OutputFormat.plain: lambda: _entries_plain(entries, out),
        OutputFormat.rich: lambda: _entries_rich(entries, out, color, width),
    }
    return renderers[fmt]()


def export_jsonl(articles: Iterable[Article], out: IO[str]) -> int:
    """Whole articles (Article.to_dict()), one JSON object a line, as `index -` reads them
    back; unsafe characters as \\uXXXX escapes (json_text). Returns how many were written."""
    return _json_lines((a.to_dict() for a in articles), out, None)


def _json_lines(records: Iterable[dict], out: IO[str], fields: Sequence[str] | None) -> int:
    written = 0
    for record in records:
        out.write(json_text(record if fields is None else _only(record, fields)) + "\n")
        written += 1
    return written


def _json_array(records: Iterable[dict], out: IO[str], fields: Sequence[str]) -> int:
    """One JSON array, as json.dumps(indent=2) writes it, one record at a time ("[]" for none)."""
    written = 0
    for record in records:
        item = json_text(_only(record, fields), indent=2).replace("\n", "\n  ")
        out.write(("[\n  " if not written else ",\n  ") + item)
        written += 1
    out.write("\n]\n" if written else "[]\n")
    return written


def _stream_lines(values: Iterable[str], out: IO[str], null: bool) -> int:
    """_lines, for values that come one at a time."""
    written = 0
    for value in values:
        _lines([value], out, null)
        written += 1
    return written


def _distinct(values: Iterable[str]) -> Iterator[str]:
    seen: set[str] = set()
    for value in values:
        if value not in seen:
            seen.add(value)
            yield value


def _entry_line(entry) -> tuple[str, str, str]:
    """id, date (and for a web-archive capture, when it was captured), title."""
    date = entry.published.strftime("%Y-%m-%d") if entry.published else "-" * 10
    if entry.captured:
        date += f"  captured {_capture_time(entry.captured)}"
    return one_line(entry.id), date, one_line(entry.title) or "(untitled)"


def _entries_plain(entries: Iterable, out: IO[str]) -> int:
    """One line an article: id, date, title (unsafe characters escaped)."""
    written = 0
    for entry in entries:
        out.write("  ".join(_entry_line(entry)) + "\n")
        written += 1
    return written


def _entries_rich(entries: Iterable, out: IO[str], color: Styling | bool, width: int | None) -> int:
    """One line an article, styled, cut to the terminal's width."""
    from rich.text import Text

    console = _console(out, color, width)
    written = 0
    for entry in entries:
        ident, date, title = _entry_line(entry)
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(ident, style="dim")
        line.append(f"  {date}  ", style="green")
        line.append(title, style="bold cyan")
        console.print(line, no_wrap=True, overflow="ellipsis")
        written += 1
    return written


# -- articles ------------------------------------------------------------------

RULE_WIDTH = 72  # the plain view's rule between articles: the width wire copy is written to


def render_articles(
    articles: Sequence[Article],
    fmt: OutputFormat,
    out: IO[str],
    *,
    color: Styling | bool = False,
    null: bool = False,
    array: bool = False,
    width: int | None = None,
) -> None:
    """Whole articles (show): json as one object, or with array an array of them; jsonl one a
    line; ids and paths as for hits; plain and rich one after another, with a rule between."""
    if fmt is OutputFormat.json and array:
        out.write(json_text([a.to_dict() for a in articles], indent=2) + "\n")
    elif fmt is OutputFormat.ids:
        _lines([a.id for a in articles], out, null)
    elif fmt is OutputFormat.paths:
        _lines(list(dict.fromkeys(a.path for a in articles)), out, null)
    elif fmt is OutputFormat.rich:
        console = _console(out, color, width)
        for n, article in enumerate(articles):
            if n:
                console.rule(style="dim")
                console.print()
            _article_rich(article, console)
    else:
        for n, article in enumerate(articles):
            if n and fmt is OutputFormat.plain:
                out.write("─" * RULE_WIDTH + "\n\n")
            render_article(article, fmt, out)


def render_article(
    article: Article, fmt: OutputFormat, out: IO[str], *, color: Styling | bool = False, width: int | None = None
) -> None:
    """One whole article: JSON (json_text) or, in every other format, as text with unsafe
    characters escaped, the body's paragraphs re-flowed and its line breaks (tables) kept."""
    if fmt in (OutputFormat.json, OutputFormat.jsonl):
        indent = 2 if fmt is OutputFormat.json else None
        out.write(json_text(article.to_dict(), indent=indent) + "\n")
        return
    if fmt is OutputFormat.rich:
        _article_rich(article, _console(out, color, width))
        return
    out.write(f"{one_line(article.title)}\n{one_line(_article_meta(article))}\n")
    out.write(f"id: {one_line(article.id)}\nfile: {one_line(_where(article))}\n")
    if article.url:
        out.write(f"url: {one_line(article.url)}\n")
    if article.captures:
        out.write(f"captured: {_captured(article)}\n")
    if article.tags:
        out.write(f"tags: {one_line(_tags(article))}\n")
    out.write("\n")
    for para in article.body.split("\n\n"):
        out.write(safe(para) + "\n\n")


def _article_rich(article: Article, console) -> None:
    """The rich view of one article: prose wrapped to the width; a block of lines (a table)
    printed line for line, unwrapped, as `cat` would (long lines are the terminal's to wrap)."""
    from rich.cells import cell_len
    from rich.text import Text

    console.print(Text(safe(article.title) or "(untitled)", style="bold cyan"))
    console.print(Text(safe(_article_meta(article)), style="green"))
    where = safe(f"id: {article.id}   file: {_where(article)}")
    if cell_len(where) > console.width:  # each on a line of its own, as in the plain view
        where = safe(f"id: {article.id}\nfile: {_where(article)}")
    console.print(Text(where, style="dim"))
    if article.url:
        console.print(Text(safe(f"url: {article.url}"), style="dim"))
    if article.captures:
        console.print(Text(f"captured: {_captured(article)}", style="dim"))
    if article.tags:
        console.print(Text(safe(f"tags: {_tags(article)}"), style="dim"))
    console.print()
    for para in article.body.split("\n\n"):
        if "\n" in para:
            console.print(Text(safe(para)), soft_wrap=True)
        else:
            console.print(Text(safe(para)))
        console.print()


def _captured(article: Article) -> str:
    """When a web page was captured: the latest time, and how often since when."""
    shown = _capture_time(article.captures[-1])
    if len(article.captures) == 1:
        return shown
    return f"{shown} ({len(article.captures)} captures since {_capture_time(article.captures[0])})"


def _capture_time(moment) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _tags(article: Article) -> str:
    return ", ".join(article.tags)


def _article_meta(article: Article) -> str:
    line = byline(article.authors, article.published, article.dateline, article.source)
    if article.updated:
        line += f" · updated {_date(article.updated)}"
    return line


def _where(article: Article) -> str:
    return f"{article.path}#{article.position}" if article.position else article.path


# -- stats -----------------------------------------------------------------------


def _biggest(stats) -> list[tuple[str, int]]:
    if stats.copies is None:
        return []
    return [(f"{cluster}  {title}", n) for cluster, n, title in stats.copies.biggest]


def render_stats(
    stats, fmt: OutputFormat, out: IO[str], *, color: Styling | bool = False, width: int | None = None
) -> None:
    """The index's description: JSON (json_text), or lines of text with unsafe characters
    escaped; in the rich view a long value wraps under itself."""
    data = stats.to_dict()
    if fmt in (OutputFormat.json, OutputFormat.jsonl):
        out.write(json_text(data, indent=2 if fmt is OutputFormat.json else None) + "\n")
        return
    rows = [
        ("articles:     ", f"{stats.articles:,}"),
        ("published:    ", f"{_date(stats.first) or '?'} to {_date(stats.last) or '?'}"),
        ("index:        ", f"{one_line(stats.index_dir)} ({stats.index_bytes / 2**20:.1f} MiB)"),
        ("last update:  ", one_line(str(stats.updated or "?"))),
    ]
    if stats.shards is not None:
        counts = ", ".join(f"{n:,}" for n in stats.shards)
        rows.append(("shards:       ", f"{len(stats.shards)} ({counts} articles)"))
    if stats.copies is not None:
        c = stats.copies
        rows.append(
            (
                "copies:       ",
                f"{c.clustered:,} articles in {c.stories:,} stories of two or more; "
                f"{c.same_article:,} in {c.article_clusters:,} same-article clusters",
            )
        )
    for title, counts, rest in (
        ("sources", stats.sources, (("(other sources)", stats.other_sources), ("(none)", stats.without_source))),
        (
            "top authors",
            stats.top_authors,
            (("(other authors)", stats.other_authors), ("(none)", stats.without_author)),
        ),
        (
            "top datelines",
            stats.top_datelines,
            (("(other datelines)", stats.other_datelines), ("(none)", stats.without_dateline)),
        ),
        ("articles per year", stats.per_year, (("(undated)", stats.undated),)),
        ("biggest stories (search --collapse)", _biggest(stats), ()),
    ):
        # Names are escaped, and a name that looks like a remainder row is told apart by quotes.
        named = [(repr(name) if str(name).startswith("(") else one_line(str(name)), n) for name, n in counts]
        named += [(label, n) for label, n in rest if n]
        if named:
            rows.append((f"{title}:", ""))
            rows += [(f"  {n:>8,}  ", name) for name, n in named]
    if fmt is OutputFormat.rich:
        from rich.text import Text

        console = _console(out, color, width)
        for head, value in rows:
            if not value and head.endswith(":"):
                console.print(Text(head, style="bold"))
            else:
                _hanging(console, Text(head), Text(value), len(head))
        return
    out.write("\n".join(head + value for head, value in rows) + "\n")


# -- indexing runs ---------------------------------------------------------------


def index_summary(stats: IndexStats, index_dir: object) -> str:
    """The one line an indexing run ends with: what it did, what it skipped, what the index holds."""
    files = _inputs(stats)
    moved = f", {_many(stats.files_moved, 'file')} moved" if stats.files_moved else ""
    failed = f"; {_many(stats.files_failed, 'file')} failed" if stats.files_failed else ""
    records = f", {_many(stats.errors, 'problem')}" if stats.errors else ""
    warnings = f", {_many(stats.warnings, 'warning')}" if stats.warnings else ""
    latent = f"latent space fitted to {_many(stats.latent_fitted, 'article')}; " if stats.latent_fitted else ""
    held = (
        f"{_many(stats.total_articles, 'article')} in {index_dir}"
        if stats.published
        else f"nothing indexed, so no index was made at {index_dir}"
    )
    return (
        f"archive-search: {files} in {stats.elapsed:.1f}s: {_many(stats.articles_added, 'article')} added, "
        f"{stats.articles_updated:,} updated, {stats.articles_removed:,} removed, "
        f"{_many(stats.files_unchanged, 'file')} unchanged{moved}{failed}{records}{warnings}; {_captures(stats)}"
        f"{_skipped(stats)}{latent}{held}"
    )


def _captures(stats: IndexStats) -> str:
    """What the web archives read held, if any were: 'web archives: ...; '."""
    if not stats.captures_read:
        return ""
    return (
        f"web archives: {_many(stats.captures_read, 'HTML capture')} ({stats.repeats:,} repeated, "
        f"{stats.not_articles:,} not articles), {_many(stats.records_skipped, 'other record')}; "
    )


def remove_summary(stats: IndexStats, index_dir: object) -> str:
    """The one line `remove` ends with: what it removed, what the index holds."""
    files = f" (all of {_many(stats.files_removed, 'file')})" if stats.files_removed else ""
    return (
        f"archive-search: removed {_many(stats.articles_removed, 'article')}{files} in {stats.elapsed:.1f}s; "
        f"{_many(stats.total_articles, 'article')} in {index_dir}"
    )


def _inputs(stats: IndexStats) -> str:
    """What a run read: "N files", "standard input", or both."""
    if not stats.streams_read:
        return _many(stats.files_seen, "file")
    return f"{_many(stats.files_seen, 'file')} and standard input" if stats.files_seen else "standard input"


def _skipped(stats) -> str:
    """What the directory walks passed over, if anything: 'skipped ...; '."""
    parts = [
        f"{_many(stats.files_skipped, 'file')} not articles (images, README...)" if stats.files_skipped else "",
        f"{_many(stats.links_skipped, 'symbolic link')} not followed (--follow-symlinks follows them)"
        if stats.links_skipped
        else "",
        f"{_many(stats.specials_skipped, 'special file')} (pipes, sockets, devices)" if stats.specials_skipped else "",
        f"{_many(stats.files_excluded, 'file')} excluded" if stats.files_excluded else "",
        f"{_many(stats.dirs_excluded, 'directory', 'directories')} excluded" if stats.dirs_excluded else "",
        f"{_many(stats.indexes_skipped, 'index directory', 'index directories')}" if stats.indexes_skipped else "",
    ]
    shown = ", ".join(p for p in parts if p)
    return f"skipped {shown}; " if shown else ""


def _many(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


# Seconds between two updates of the bar within a phase: as often as a person can read it.
_BAR_INTERVAL = 0.1
# What the bar says in each phase of a run (model.PHASES).
_PHASE_TEXT = {
    "discover": "finding files…",
    "indexing": "indexing",
    "commit": "committing…",
    "fit": "fitting the latent space…",
    "copies": "finding copies…",
    "places": "placing articles in the latent space…",
}


class ProgressBar:
    """A Rich progress bar on stderr (or `file`): the input's bytes read, files, articles and
    their rate, the time taken and left, and the phase of the run (committing, fitting...)."""

    def __init__(self, file: IO[str] | None = None, width: int | None = None) -> None:
        self.file = file
        self.width = width
        self._phase = ""  # of the progress shown last
        self._shown = float("-inf")  # when it was shown

    def __enter__(self):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.table import Column
        from rich.text import Text

        class Counts(ProgressColumn):
            """The counts, last and cut short (…) on a narrow terminal: the columns before stay whole."""

            def render(self, task) -> Text:
                return Text(task.fields["counts"], no_wrap=True, overflow="ellipsis")

        self.console = Console(
            file=self.file, stderr=self.file is None, width=self.width, highlight=False, markup=False, emoji=False
        )
        whole = {"table_column": Column(no_wrap=True)}
        self.bar = Progress(
            TextColumn("{task.description}", **whole),
            BarColumn(bar_width=12, **whole),
            TimeElapsedColumn(**whole),
            TextColumn("left", **whole),
            TimeRemainingColumn(**whole),
            Counts(),
            console=self.console,
            transient=True,
        )
        self.task = self.bar.add_task(_PHASE_TEXT["discover"], total=None, counts="")
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def update(self, progress) -> None:
        """Show the progress; within a phase, at most every _BAR_INTERVAL seconds (the library
        reports every file, and a run of small files is thousands a second)."""
        now = time.monotonic()
        if progress.phase == self._phase and now - self._shown < _BAR_INTERVAL:
            return
        self._phase, self._shown = progress.phase, now
        task = self.bar.tasks[0]
        elapsed = task.elapsed or 0.0
        rate = progress.articles / elapsed if elapsed > 0 else 0.0
        phase = _PHASE_TEXT.get(progress.phase, escaped(progress.phase))
        if progress.phase == "discover":
            description, counts = f"{phase} {progress.files_total:,}", ""
        else:
            description = phase
            size = f" · {_mib(progress.bytes_done)}/{_mib(progress.bytes_total)} MiB" if progress.bytes_total else ""
            counts = (
                f"{progress.files_done:,}/{progress.files_total:,} files · {progress.articles:,} articles"
                f" · {rate:,.0f}/s{size}"
            )
        # A total only while indexing, never reached: Rich stops a finished task's clock, and
        # committing and fitting take time too.
        measured = (
            progress.phase == "indexing" and progress.bytes_total > 0 and progress.bytes_done < progress.bytes_total
        )
        if not measured:
            self.bar.tasks[0].total = None  # Rich's update() leaves a total as it was when given None
        self.bar.update(
            self.task,
            description=description,
            total=progress.bytes_total if measured else None,
            completed=progress.bytes_done,
            counts=counts,
        )

    def snapshot(self) -> str:
        """The bar as it now reads, as plain text (one line at a wide enough console)."""
        from rich.console import Console

        console = Console(width=self.width or 160, color_system=None, highlight=False, markup=False)
        with console.capture() as captured:
            console.print(self.bar.get_renderable())
        return captured.get().rstrip("\n")

    def print(self, message: str) -> None:
        from rich.text import Text

        self.console.print(Text(escaped(message)))


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f}"
