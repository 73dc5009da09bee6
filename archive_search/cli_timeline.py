# ruff: noqa: UP045  (Optional[...] in the options, as cli.py writes them for Typer)
"""The `timeline` command: matches per period, as a bar chart or rows."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import List, Optional

import typer

from .cli import (
    AuthorOption,
    CollapseOption,
    ColorOption,
    CopyTier,
    DatelineOption,
    IndexOption,
    NoPagerOption,
    SinceOption,
    SourceOption,
    TierOption,
    UntilOption,
    _terminal,
    app,
    err,
    format_option,
    handles_errors,
    no_matches,
    open_archive,
    output,
    print_notes,
    reads_only,
)
from .cli_cite import CiteOption, check_cite, view_citation, write_cited_json, write_footer
from .render import ColorMode, OutputFormat, check_format
from .render_timeline import TIMELINE_FORMATS
from .status import ExitStatus


class By(str, enum.Enum):
    year = "year"
    month = "month"
    week = "week"
    day = "day"


class Split(str, enum.Enum):
    author = "author"
    dateline = "dateline"
    source = "source"
    tag = "tag"


@app.command()
@reads_only
@handles_errors
def timeline(
    words: Optional[List[str]] = typer.Argument(
        None,
        metavar="[QUERY]...",
        help="What to count, as search takes it; optional with a filter (then every filtered article counts).",
        show_default=False,
    ),
    index: Optional[Path] = IndexOption,
    since: Optional[str] = SinceOption,
    until: Optional[str] = UntilOption,
    author: Optional[List[str]] = AuthorOption,
    dateline: Optional[List[str]] = DatelineOption,
    source: Optional[List[str]] = SourceOption,
    by: Optional[By] = typer.Option(
        None,
        "--by",
        help="Period length [default: month, or year when the dates span over three years].",
        case_sensitive=False,
        show_default=False,
    ),
    split: Optional[Split] = typer.Option(
        None,
        "--split",
        help="One series per value of this field (the --top values, then the others).",
        case_sensitive=False,
    ),
    top: int = typer.Option(5, "--top", min=1, help="With --split: how many values get a series of their own."),
    normalize: bool = typer.Option(
        False, "--normalize", help="Draw each period's share of the articles (count/total) instead of its count."
    ),
    fmt: OutputFormat = format_option(TIMELINE_FORMATS),
    color: ColorMode = ColorOption,
    no_pager: bool = NoPagerOption,
    cite: bool = CiteOption,
    collapse: bool = CollapseOption,
    tier: CopyTier = TierOption,
) -> None:
    """Matching articles per year, month, ISO week or day, with all the articles of each period.

    Periods are calendar periods in each article's own time zone, as --since and --until
    take them; every period from the first to the last with an article (or the --since and
    --until periods) is shown, empty ones too. total is the period's articles under the
    same filters without the query words; ratio is count/total. Undated matches are counted
    apart.

    Exit status: 0 if something matched, 1 if nothing did, 2 on error.

    Example: archive-search timeline "bike lane" --by year --split author --format tsv
    """
    from .query import Filters
    from .render_timeline import render_timeline, undated_note
    from .timeline import timeline as count_timeline

    term = _terminal()
    check_format("timeline", fmt, TIMELINE_FORMATS)
    filters = Filters(since=since, until=until, author=author, dateline=dateline, source=source)
    archive = open_archive(index)
    result = count_timeline(
        archive,
        " ".join(words or []),
        filters,
        by=by.value if by else None,
        split=split.value if split else None,
        top=top,
        collapse=tier.value if collapse else None,
    )
    print_notes(result)
    resolved = term.resolve(fmt, color)
    if not result.count and resolved is not OutputFormat.json:
        no_matches(term, result)
        raise typer.Exit(ExitStatus.NO_MATCH)
    note = undated_note(result) if resolved in (OutputFormat.jsonl, OutputFormat.tsv, OutputFormat.csv) else None
    if note:
        err(f"archive-search: {note}")
    citation = None
    if cite:
        check_cite(resolved)
        options = {"by": by.value if by else None, "split": split.value if split else None, "top": top}
        if collapse:
            options["collapse"] = tier.value
        citation = view_citation(archive, "timeline", " ".join(words or []), filters, options, result.to_dict())
    with output(term, pager=not no_pager) as out:
        if citation is not None and resolved is OutputFormat.json:
            write_cited_json(out, result.to_dict(), "timeline", citation)
        else:
            render_timeline(result, resolved, out, color=term.color(color), width=term.width, normalize=normalize)
            if citation is not None:
                write_footer(out, citation, term.color(color), term.width)
    raise typer.Exit(ExitStatus.OK if result.count else ExitStatus.NO_MATCH)
