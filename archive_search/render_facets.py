"""Facet counts (search --facet), and search output carrying facets or a citation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import IO

from .model_views import FacetCounts
from .render import OutputFormat, Styling, _console, _csv, _only, _tsv, json_text, one_line

FACET_ROW_FIELDS = ("facet", "value", "count")
_REST_LABELS = {"other": "(other)", "none": "(none)"}


def render_with_extras(
    result,
    fmt: OutputFormat,
    out: IO[str],
    hits: Callable[[], None],
    keys: Sequence[str],
    *,
    color: Styling | bool = False,
    width: int | None = None,
) -> None:
    """Hits with their facets and citation: one JSON object, or (rich, plain) the hits
    followed by a table per facet and the citation's footer."""
    if fmt is OutputFormat.json:
        out.write(json_text(result_object(result, keys), indent=2) + "\n")
        return
    hits()
    if result.facets is not None:
        render_facets(result.facets, fmt, out, color=color, width=width, heading=True)
    if result.citation is not None:
        from .render_citation import citation_footer

        citation_footer(result.citation, out, color=color, width=width)


def result_object(result, keys: Sequence[str]) -> dict:
    """search --facet/--cite --format json: {"hits", "facets", "total", "citation"}."""
    data: dict = {"hits": [_only(hit.to_dict(), keys) for hit in result.hits]}
    if result.facets is not None:
        data.update(facets_object(result.facets))
    if result.citation is not None:
        data["citation"] = result.citation.to_dict()
    return data


def facets_object(facets: dict[str, FacetCounts]) -> dict:
    """{"facets": {name: rows}, "total": the matches counted}."""
    total = next(iter(facets.values())).total if facets else 0
    return {"facets": {name: counts.to_dict() for name, counts in facets.items()}, "total": total}


def _records(facets: dict[str, FacetCounts]) -> list[dict]:
    """One {"facet", "value", "count"} a row; the rests' rows with value null and "rest"."""
    records = []
    for name, counts in facets.items():
        for row in counts.to_dict():
            records.append({"facet": name, **row})
    return records


def _text_value(record: dict) -> str:
    return _REST_LABELS[record["rest"]] if record.get("rest") else record["value"]


def render_facets(
    facets: dict[str, FacetCounts],
    fmt: OutputFormat,
    out: IO[str],
    *,
    color: Styling | bool = False,
    width: int | None = None,
    heading: bool = False,
) -> None:
    """search --facets-only (and the tables after the hits, with heading): json, jsonl, tsv,
    csv, or a small table per facet."""
    if fmt is OutputFormat.json:
        out.write(json_text(facets_object(facets), indent=2) + "\n")
    elif fmt is OutputFormat.jsonl:
        for record in _records(facets):
            out.write(json_text(record) + "\n")
    elif fmt in (OutputFormat.tsv, OutputFormat.csv):
        rows = [{**record, "value": _text_value(record)} for record in _records(facets)]
        (_tsv if fmt is OutputFormat.tsv else _csv)(rows, out, FACET_ROW_FIELDS)
    else:
        _facet_tables(facets, fmt, out, color, width, heading)


def _table_lines(counts: FacetCounts) -> tuple[str, list[tuple[str, str]]]:
    """A facet's heading and its (count, value) lines; a value that looks like a rest row is
    told apart by quotes, as in stats."""
    matches = f"{counts.total:,} match{'es' if counts.total != 1 else ''}"
    values = f"{counts.distinct:,} value{'s' if counts.distinct != 1 else ''}"
    lines = []
    for value, n, kind in counts.rows():
        if kind != "value":
            text = _REST_LABELS[kind]
        else:
            text = repr(value) if str(value).startswith("(") else one_line(str(value))
        lines.append((f"  {n:>8,}  ", text))
    return f"{counts.facet} ({matches}, {values}):", lines


def _facet_tables(facets, fmt: OutputFormat, out: IO[str], color, width: int | None, heading: bool) -> None:
    tables = [_table_lines(counts) for counts in facets.values()]
    if fmt is OutputFormat.rich:
        from rich.text import Text

        from .render import _hanging

        console = _console(out, color, width)
        for title, lines in tables:
            console.print(Text(title, style="bold"))
            for head, value in lines:
                _hanging(console, Text(head), Text(value), len(head))
        return
    text = "\n".join(title + "\n" + "".join(head + value + "\n" for head, value in lines) for title, lines in tables)
    out.write(("\n" if heading else "") + text)
