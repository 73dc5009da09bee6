"""The `terms` command: the words and phrases that stand out in a query's articles."""

from __future__ import annotations

from pathlib import Path

import typer

from .cli import (
    AuthorOption,
    ColorOption,
    DatelineOption,
    IndexOption,
    NoPagerOption,
    SinceOption,
    SourceOption,
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
from .render_terms import TERMS_FORMATS
from .status import ExitStatus

# terms.DEFAULT_SAMPLE and DEFAULT_TOP, repeated so that the options are defined without
# importing the library (and Whoosh) at start-up; tests/test_terms.py checks they agree.
SAMPLE = 200
TOP = 20


@app.command()
@reads_only
@handles_errors
def terms(
    words: list[str] | None = typer.Argument(
        None,
        metavar="[QUERY]...",
        help="A query, as search takes it; several words are joined with spaces. Optional with a filter.",
        show_default=False,
    ),
    index: Path | None = IndexOption,
    since: str | None = SinceOption,
    until: str | None = UntilOption,
    author: list[str] | None = AuthorOption,
    dateline: list[str] | None = DatelineOption,
    source: list[str] | None = SourceOption,
    top: int = typer.Option(TOP, "--top", "-n", help="Number of terms.", min=0),
    sample: int = typer.Option(
        SAMPLE, "--sample", help="Read this many of the best-ranked matching articles (the foreground).", min=1
    ),
    min_count: int | None = typer.Option(
        None,
        "--min-count",
        help="Leave out terms in fewer of the articles read [default: 3; 2 when fewer than 30 are read].",
        min=1,
        show_default=False,
    ),
    fmt: OutputFormat = format_option(TERMS_FORMATS),
    color: ColorMode = ColorOption,
    no_pager: bool = NoPagerOption,
    cite: bool = CiteOption,
) -> None:
    """The words and two-word phrases far more frequent in the matching articles than in
    the whole archive, by log-likelihood (G²), with their counts in both.

    Exit status: 0 if something matched, 1 if nothing did (or no term stands out), 2 on error.

    Example: archive-search terms coffee --since 1987-03 --top 10 --format tsv
    """
    from .query import Filters
    from .render_terms import render_terms
    from .terms import significant_terms

    term = _terminal()
    check_format("terms", fmt, TERMS_FORMATS)
    archive = open_archive(index)
    filters = Filters(since=since, until=until, author=author, dateline=dateline, source=source)
    query = " ".join(words or [])
    result = significant_terms(archive, query, filters, top=top, sample=sample, min_count=min_count)
    print_notes(result)
    resolved = term.resolve(fmt, color)
    citation = None
    if cite:
        check_cite(resolved)
        options = {"top": top, "sample": sample, "min_count": min_count}
        citation = view_citation(archive, "terms", query, filters, options, result.to_dict())
    with output(term, pager=not no_pager) as out:
        if citation is not None and resolved is OutputFormat.json:
            write_cited_json(out, result.to_dict(), "terms", citation)
        else:
            render_terms(result, resolved, out, color=term.color(color), width=term.width)
            if citation is not None:
                write_footer(out, citation, term.color(color), term.width)
    if not result.matched:
        no_matches(term, result)
        raise typer.Exit(ExitStatus.NO_MATCH)
    if not result.terms and top:
        err(
            f"archive-search: note: no word or phrase of {result.min_count} or more of the {result.sampled:,} "
            "articles read is more frequent there than in the rest of the archive; "
            "try a lower --min-count or a larger --sample"
        )
        raise typer.Exit(ExitStatus.NO_MATCH)
    raise typer.Exit(ExitStatus.OK)
