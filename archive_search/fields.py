"""`--fields id,title,published`: which keys of a record the json, jsonl, tsv and csv
formats write, in which order."""

from __future__ import annotations

from .errors import QueryError

# The formats that write records' fields by name.
FIELD_FORMATS = ("json", "jsonl", "tsv", "csv")


def chosen_fields(spec: str | None, available: tuple[str, ...], fmt: str) -> tuple[str, ...]:
    """The fields `spec` names (comma-separated, in its order), or all of `available` when
    it is None. Raises QueryError for an unknown name or a format that has no fields."""
    if spec is None:
        return available
    if fmt not in FIELD_FORMATS:
        raise QueryError(f"--fields needs --format json, jsonl, tsv or csv, not {fmt}; add one of them")
    names = tuple(dict.fromkeys(name.strip() for name in spec.split(",") if name.strip()))
    if not names:
        raise QueryError(f"--fields names no field; fields are: {', '.join(available)}")
    for name in names:
        if name not in available:
            raise QueryError(f"unknown field {name!r}; fields are: {', '.join(available)}")
    return names
