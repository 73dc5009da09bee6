"""--cite on the research views (timeline, kwic, terms): the option, the formats it goes with,
the citation made from the view's result, and the output with it: json gets one object with a
"citation" key, rich and plain a footer. search's own --cite is in cli_facets.py."""

from __future__ import annotations

from typing import IO, Any

import typer

from .errors import UsageError
from .render import OutputFormat, json_text

CiteOption = typer.Option(
    False, "--cite", help="Add a citation of the result (json, rich, plain), for: archive-search verify FILE."
)
_BESIDE = (OutputFormat.json, OutputFormat.rich, OutputFormat.plain)


def check_cite(resolved: OutputFormat) -> None:
    if resolved not in _BESIDE:
        raise UsageError(f"--cite writes a citation with --format json, rich or plain, not {resolved.value}")


def filter_options(filters) -> dict:
    """The filters as a citation records them (and verify gives them back to Filters)."""
    return {
        "since": filters.since,
        "until": filters.until,
        "author": filters.values("author"),
        "dateline": filters.values("dateline"),
        "source": filters.values("source"),
    }


def view_citation(archive, command: str, query: str, filters, options: dict, result: Any):
    """The citation of a view's result (its JSON form, as citation.RERUN_VIEWS gives it again)."""
    from .citation import cite

    return cite(archive, command, query, {"filters": filter_options(filters), **options}, result=result)


def write_cited_json(out: IO[str], payload: Any, key: str, citation) -> None:
    """The view's JSON with its citation: an object's keys and "citation", or {key: array, "citation"}."""
    data = {**payload} if isinstance(payload, dict) else {key: payload}
    data["citation"] = citation.to_dict()
    out.write(json_text(data, indent=2) + "\n")


def write_footer(out: IO[str], citation, color, width) -> None:
    from .render_citation import citation_footer

    citation_footer(citation, out, color=color, width=width)
