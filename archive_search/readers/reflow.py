"""Re-flowing wire copy: prose joined into paragraphs, tables kept line for line.

Wire copy (Reuters) wraps its prose at a fixed width and starts each paragraph with an
indent; its tables are lines of columns aligned with runs of spaces. A line is tabular
when a run of spaces of at least TABLE_GAP separates text on it. A table is a run of
consecutive lines that each are tabular or indented, holding at least one tabular line;
the last line of such a run is a paragraph's first line instead when the next line
continues it (a line starting at the margin). A table keeps its lines (its common indent
removed, its columns aligned as they were); every other run of lines is prose, split into
paragraphs at blank lines and at lines indented by two spaces or more, each squashed to one
line.

The result holds "\n\n" between blocks (paragraphs and tables) and "\n" between a
table's lines only. Every step is one pass over the lines, with no regular expression.
"""

from __future__ import annotations

from .common import clean_text, squash

TABLE_GAP = 3  # spaces between columns: prose puts at most two after a full stop


def reflow(text: str) -> str:
    """The text's paragraphs, each on one line, and its tables line for line (see above)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").expandtabs().split("\n")]
    blocks: list[str] = []
    prose: list[str] = []
    start = 0
    while start < len(lines):
        end = _run_end(lines, start)
        table = _table(lines, start, end)
        if table is None:  # the whole run is prose: each line is looked at once
            end = max(end, start + 1)
            prose += lines[start:end]
            start = end
            continue
        blocks += _paragraphs(prose)
        prose = []
        blocks.append(table[0])
        start = table[1]
    blocks += _paragraphs(prose)
    return "\n\n".join(blocks)


def _tabular(line: str) -> bool:
    return " " * TABLE_GAP in line.strip()


def _indented(line: str) -> bool:
    return line[:1] == " "


def _starts_paragraph(line: str) -> bool:
    """Wire copy indents a paragraph's first line; a single space is only a stray one."""
    return line[:2] == "  "


def _run_end(lines: list[str], start: int) -> int:
    """The end of the run of tabular or indented lines from start (start itself if none)."""
    end = start
    while end < len(lines) and lines[end] and (_indented(lines[end]) or _tabular(lines[end])):
        end += 1
    return end


def _table(lines: list[str], start: int, end: int) -> tuple[str, int] | None:
    """The table the run lines[start:end] holds, and where the text after it starts; None
    when the run holds no tabular line (it is prose)."""
    if end < len(lines) and lines[end] and end - start > 1 and not _tabular(lines[end - 1]):
        end -= 1  # the run's last line starts the paragraph that the next line continues
    rows = lines[start:end]
    if not any(_tabular(row) for row in rows):
        return None
    margin = min(len(row) - len(row.lstrip()) for row in rows)
    return "\n".join(row[margin:] for row in rows), end


def _paragraphs(lines: list[str]) -> list[str]:
    """Prose lines as paragraphs: one starts at a blank line or an indented line."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if not line or _starts_paragraph(line):
            paragraphs.append([])
        if line:
            paragraphs[-1].append(line)
    return [p for p in (squash(" ".join(para)) for para in paragraphs) if p]


def blocks(text: str) -> list[str]:
    """Text already in paragraphs (JSON's body, an export's): split at blank lines, each
    part squashed to one line, except a part holding a tabular line, which keeps its lines
    as they are (each stripped at its end). Reading what this gives, joined by blank lines,
    gives it again: an export reads back as it was."""
    found: list[str] = []
    part: list[str] = []
    for line in [*text.replace("\r\n", "\n").replace("\r", "\n").expandtabs().split("\n"), ""]:
        if line.strip():
            part.append(clean_text(line).rstrip())
            continue
        if any(_tabular(kept) for kept in part):
            found.append("\n".join(kept for kept in part if kept.strip()))
        elif part:
            found.append(squash(" ".join(part)))
        part = []
    return [block for block in found if block]
