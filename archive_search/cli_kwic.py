"""`archive-search kwic`: keyword in context (the library's kwic.py, rendered by render_kwic.py)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import List

import typer

from .cli import (
    AuthorOption,
    ColorOption,
    DatelineOption,
    FieldsOption,
    IndexOption,
    NoPagerOption,
    SinceOption,
    SourceOption,
    UntilOption,
    _terminal,
    app,
    format_option,
    handles_errors,
    no_matches,
    open_archive,
    output,
    print_notes,
    reads_only,
)
from .cli_cite import CiteOption, check_cite, view_citation, write_cited_json, write_footer
from .render import VIEW_FORMATS, ColorMode, OutputFormat, check_format
from .status import ExitStatus

FORMATS = VIEW_FORMATS  # render_kwic's, not imported here: the library loads only when the command runs


class KwicSort(str, enum.Enum):
    article = "article"
    date = "date"
    left = "left"
    right = "right"


@app.command()
@reads_only
@handles_errors
def kwic(
    words: List[str] = typer.Argument(
        ...,
        metavar="QUERY...",
        help='Words, "phrases" (consecutive words), AND/OR/NOT, wildcards*, as search takes them.',
        show_default=False,
    ),
    index: Path | None = IndexOption,
    since: str | None = SinceOption,
    until: str | None = UntilOption,
    author: List[str] | None = AuthorOption,
    dateline: List[str] | None = DatelineOption,
    source: List[str] | None = SourceOption,
    sort: KwicSort = typer.Option(
        KwicSort.article,
        "--sort",
        help="Line order: article (rank, then place in the body), date (oldest first), "
        "left (words before the match, nearest first), right (words after it).",
        case_sensitive=False,
    ),
    width: int = typer.Option(30, "--width", "-w", min=0, help="Characters of context either side of the match."),
    limit: int = typer.Option(50, "--limit", "-n", min=0, help="Number of lines; 0 = every line of the articles read."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many lines first."),
    scan: int = typer.Option(
        1000,
        "--scan",
        min=1,
        help="Read at most this many matching articles (left and right sorts read them all; "
        "article and date orders stop when the page is full).",
    ),
    fmt: OutputFormat = format_option(FORMATS),
    color: ColorMode = ColorOption,
    no_pager: bool = NoPagerOption,
    fields: str | None = FieldsOption,
    cite: bool = CiteOption,
) -> None:
    """Keyword in context: each occurrence of the query's words in the matching articles' bodies, aligned.

    One line an occurrence: the context before it, the match, the context after it, the
    article id and the match's character offset in the body (as show --format json prints
    it). Articles are those search finds, with the same filters; titles are not searched.

    Exit status: 0 if a line was printed, 1 if nothing matched (or the page asked for is
    empty), 2 on error.

    Example: archive-search kwic '"bike lane"' --sort left --format jsonl | jq -r .id
    """
    from .kwic import kwic as concordance
    from .query import Filters
    from .render_kwic import render_kwic

    term = _terminal()
    check_format("kwic", fmt, FORMATS)
    archive = open_archive(index)
    filters = Filters(since=since, until=until, author=author, dateline=dateline, source=source)
    result = concordance(
        archive,
        " ".join(words),
        filters,
        width=width,
        sort=sort.value,
        limit=limit or None,
        offset=offset,
        scan=scan,
    )
    print_notes(result)
    resolved = term.resolve(fmt, color)
    citation = lines = None
    if cite:
        check_cite(resolved)
        options = {"width": width, "sort": sort.value, "limit": limit or None, "offset": offset, "scan": scan}
        lines = [line.to_dict() for line in result.lines]
        citation = view_citation(archive, "kwic", " ".join(words), filters, options, lines)
    with output(term, pager=not no_pager) as out:
        if citation is not None and resolved is OutputFormat.json:
            write_cited_json(out, lines, "lines", citation)
        else:
            render_kwic(result, resolved, out, color=term.color(color), width=term.width, fields=fields)
            if citation is not None:
                write_footer(out, citation, term.color(color), term.width)
    if not result.lines:
        no_matches(term, result)
        raise typer.Exit(ExitStatus.NO_MATCH)
    raise typer.Exit(ExitStatus.OK)
