"""`archive-search verify FILE`: run a cited result again and say what, if anything, changed."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .cli import IndexOption, _terminal, app, format_option, handles_errors, open_archive, output, reads_only
from .errors import ArchiveSearchError
from .render import STATS_FORMATS, OutputFormat, check_format


def _read(source: str) -> str:
    """The text of FILE, or of standard input for -."""
    from .citation import CitationError

    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CitationError(
            f"cannot read {source}: {reason}; give the file a --cite run's json output was saved to"
        ) from None


@app.command()
@reads_only
@handles_errors
def verify(
    source: str = typer.Argument(
        ...,
        metavar="FILE",
        help="The json output of a --cite run, or its citation object alone; - reads stdin.",
        show_default=False,
    ),
    index: Path | None = IndexOption,
    fmt: OutputFormat = format_option(STATS_FORMATS),
) -> None:
    """Run a cited result again on the index and say whether it is the same.

    Exit status: 0 if the same index and version give the same result, 1 if anything
    changed (the index's articles, the program's version, the result), 2 on error.

    Example: archive-search search rent --cite --format json > rent.json && archive-search verify rent.json
    """
    from .citation import read_citation
    from .citation import verify as verify_citation
    from .render_citation import render_verification

    term = _terminal()
    check_format("verify", fmt, STATS_FORMATS)
    cited = read_citation(_read(source), "standard input" if source == "-" else source)
    archive = open_archive(index)
    try:
        found = verify_citation(archive, cited)
    except (KeyError, TypeError, ValueError) as exc:  # a citation edited by hand into nonsense
        raise ArchiveSearchError(
            f"{source}: the citation cannot be re-run ({type(exc).__name__}: {exc}); give an unedited --cite output"
        ) from None
    with output(term, pager=False) as out:
        render_verification(found, term.resolve(fmt), out)
    raise typer.Exit(0 if found.same else 1)
