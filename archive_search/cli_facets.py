"""search --facet, --facets-only and --cite: the options checked, the library called, the
result rendered; cli.search hands these runs over here."""

from __future__ import annotations

from dataclasses import dataclass

from .cli import output, print_notes, search_page, search_status
from .errors import UsageError
from .render import OutputFormat, check_format
from .status import ExitStatus

# The formats that show facets beside the hits, and those --facets-only writes.
_BESIDE_HITS = (OutputFormat.json, OutputFormat.rich, OutputFormat.plain)
_FACETS_ONLY = (*_BESIDE_HITS, OutputFormat.jsonl, OutputFormat.tsv, OutputFormat.csv)


@dataclass
class Extras:
    """What search was asked for besides its hits."""

    facets: list[str]
    top: int
    facets_only: bool
    cite: bool
    count: bool
    pager: bool = True
    fields: str | None = None
    collapse: str | None = None  # --collapse: its tier


def _check(resolved: OutputFormat, facets: list[str], facets_only: bool, cite: bool, count: bool) -> None:
    if count:
        raise UsageError("--count prints a number alone; drop --facet, --facets-only and --cite, or --count")
    if facets_only and not facets:
        raise UsageError("--facets-only needs a facet: add e.g. --facet year")
    if facets_only and cite:
        raise UsageError("--cite cites the hits; drop --facets-only to cite them")
    if cite and resolved not in _BESIDE_HITS:
        raise UsageError(f"--cite writes a citation with --format json, rich or plain, not {resolved.value}")
    formats = _FACETS_ONLY if facets_only else _BESIDE_HITS
    if facets and resolved not in formats:
        raise UsageError(
            f"--facet counts go beside the hits in json, rich and plain output; with --format {resolved.value}"
            " add --facets-only to print the counts alone"
        )
    check_format("search", resolved, formats)


def run_search_extras(archive, query, filters, term, resolved, color, order, limit, offset, extras: Extras) -> int:
    """Run the search, count its facets and cite it as asked; write it all; the exit status."""
    from .facets import check_facets, facet_counts

    facets, top, facets_only, cite = extras.facets, extras.top, extras.facets_only, extras.cite
    styling = term.color(color)
    _check(resolved, facets, facets_only, cite, extras.count)
    names = check_facets(facets)
    parsed = archive.parse(query, filters)
    if facets_only:
        counts = facet_counts(archive, query, filters, names, top=top, collapse=extras.collapse)
        print_notes(parsed)
        with output(term, pager=extras.pager) as out:
            from .render_facets import render_facets

            render_facets(counts, resolved, out, color=styling, width=term.width)
        total = next(iter(counts.values())).total
        return ExitStatus.OK if total else ExitStatus.NO_MATCH
    result = search_page(archive, query, filters, resolved, order, limit, offset, extras.collapse)
    if names:
        result.facets = facet_counts(archive, parsed, filters, names, top=top, collapse=extras.collapse)
    if cite:
        result.citation = _cite(archive, query, filters, order, limit, offset, result, extras.collapse)
    print_notes(result)
    from .render import render_hits

    with output(term, pager=extras.pager) as out:
        render_hits(result, resolved, out, color=styling, width=term.width, fields=extras.fields)
    return search_status(term, result, limit)


def _cite(archive, query, filters, order, limit, offset, result, collapse=None):
    from .citation import cite
    from .cli_cite import filter_options

    options = {
        "filters": filter_options(filters),
        "sort": order,
        "limit": limit,
        "offset": offset,
    }
    if collapse:
        options["collapse"] = collapse
    return cite(archive, "search", query, options, [hit.id for hit in result.hits])
