"""`archive-search dupes ID`: the copies of an article, as copies/dupes.py finds them."""

from __future__ import annotations

from pathlib import Path

import typer

from .cli import (
    ColorOption,
    CopyTier,
    IndexOption,
    NoPagerOption,
    _terminal,
    app,
    format_option,
    handles_errors,
    open_archive,
    output,
    print_notes,
    reads_only,
)
from .render import ColorMode, OutputFormat, check_format
from .render_copies import COPIES_FORMATS
from .status import ExitStatus


@app.command()
@reads_only
@handles_errors
def dupes(
    article_id: str = typer.Argument(..., metavar="ID", help="An article id, as search prints it.", show_default=False),
    index: Path | None = IndexOption,
    tier: CopyTier = typer.Option(
        CopyTier.story,
        "--tier",
        help="The article's story (re-edited, trimmed, corrected copies too) or only copies of the same article.",
        case_sensitive=False,
    ),
    fmt: OutputFormat = format_option(COPIES_FORMATS),
    color: ColorMode = ColorOption,
    no_pager: bool = NoPagerOption,
) -> None:
    """The other copies of an article (wire copy, re-runs, re-captures), earliest published
    first, each with its similarity and the passages the two texts share, as character
    offsets in both bodies.

    Exit status: 0 if the article has copies, 1 if it has none (or no article has the id), 2 on error.

    Example: archive-search dupes reuters-12327 --format json | jq '.copies[].passages[0]'
    """
    from .copies.dupes import dupes as find_dupes
    from .render_copies import render_copies

    term = _terminal()
    check_format("dupes", fmt, COPIES_FORMATS)
    archive = open_archive(index)
    result = find_dupes(archive, article_id, tier.value)
    print_notes(result)
    resolved = term.resolve(fmt, color)
    with output(term, pager=not no_pager) as out:
        render_copies(result, resolved, out, color=term.color(color), width=term.width)
    raise typer.Exit(ExitStatus.OK if result.copies else ExitStatus.NO_MATCH)
