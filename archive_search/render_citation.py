"""Citations on a terminal (search --cite) and what `verify` found."""

from __future__ import annotations

from typing import IO

from .model_views import Citation, Verification
from .render import OutputFormat, Styling, _console, json_text, one_line


def citation_lines(citation: Citation) -> list[str]:
    """The footer of a cited result: what was asked, of which index, by which program."""
    query = one_line(citation.query) or "(filters only)"
    return [
        f"cited: {citation.command} {query!r} · {citation.count:,} result{'s' if citation.count != 1 else ''}"
        f" · {citation.articles:,} articles indexed · archive-search {citation.version} · {citation.created}",
        f"index {citation.fingerprint}",
        f"results {citation.results}",
        "to check it later, save the output of --format json and run: archive-search verify FILE",
    ]


def citation_footer(
    citation: Citation, out: IO[str], *, color: Styling | bool = False, width: int | None = None
) -> None:
    lines = citation_lines(citation)
    if not color:
        out.write("\n" + "\n".join(lines) + "\n")
        return
    from rich.text import Text

    console = _console(out, color, width)
    console.print()
    for line in lines:
        console.print(Text(line, style="dim"), overflow="fold")


def _ids(ids: list[str], count: int | None) -> str:
    """Up to a few ids named, and how many more there are."""
    shown = ", ".join(one_line(i) for i in ids[:5])
    more = (count or len(ids)) - len(ids[:5])
    if not shown:
        return ""
    return f" ({shown}{f' and {more} more' if more > 0 else ''})"


def verification_lines(found: Verification) -> list[str]:
    """What verify found, a line a difference; "same" alone when there is none."""
    if found.same:
        return [f"same: the index and archive-search {found.version} give the cited result"]
    lines = []
    if not found.index_same:
        lines.append(_index_line(found))
    if not found.version_same:
        lines.append(f"archive-search version changed: cited {found.cited_version}, now {found.version}")
    if found.results_same:
        lines.append("the results are the same")
    elif found.new or found.gone:
        new, gone = f"{len(found.new)} new{_ids(found.new, None)}", f"{len(found.gone)} gone{_ids(found.gone, None)}"
        lines.append(f"the results differ: {new}, {gone}")
    elif found.reordered:
        lines.append("the results differ: the same articles, in another order")
    else:
        lines.append("the results differ")
    return lines


def _index_line(found: Verification) -> str:
    if found.added is None or found.removed is None:
        return (
            f"the index changed: {found.then:,} articles then, {found.now:,} now; "
            "more changes than the citation can tell apart"
        )
    parts = [
        f"{found.added} article{'s' if found.added != 1 else ''} added{_ids(found.added_ids, found.added)}",
        f"{found.removed} removed{_ids(found.removed_ids, found.removed)}",
    ]
    if found.changed is None:
        parts.append("files changed")
    else:
        parts.append(f"{found.changed} changed{_ids(found.changed_ids, found.changed)}")
    return "the index changed: " + ", ".join(parts) + " since"


def render_verification(found: Verification, fmt: OutputFormat, out: IO[str]) -> None:
    if fmt in (OutputFormat.json, OutputFormat.jsonl):
        out.write(json_text(found.to_dict(), indent=2 if fmt is OutputFormat.json else None) + "\n")
        return
    out.write("".join(one_line(line) + "\n" for line in verification_lines(found)))
