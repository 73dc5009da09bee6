"""The DNAinfo archive text format (one article per file).

    The DNAinfo archives brought to you by WNYC.      <- banner (optional)
    Read the press release here.

    Title line

    By Name[, Name and Name] | Month D, YYYY h:mmam[ | Updated on Month D, YYYY h:mmpm]

    CHICAGO — First paragraph ...                     <- dateline (optional)

    More paragraphs ...

Files without a byline still parse: the first line is the title, the rest the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import tzinfo
from zoneinfo import ZoneInfo

from ..dates import parse_us_date
from ..model import Article
from .common import Problem, clean_text, file_stem, paragraphs, split_authors, split_dateline, squash

_UPDATED = re.compile(r"\bUpdated\s+(?:on\s+)?", re.IGNORECASE)
_BANNER = re.compile(r"DNAinfo archives|press release", re.IGNORECASE)

# DNAinfo ran two sites; the byline times are local to each.
NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
CHICAGO_PLACES = (
    "chicago",
    "albany park",
    "andersonville",
    "archer heights",
    "ashburn",
    "auburn gresham",
    "austin",
    "avondale",
    "back of the yards",
    "beverly",
    "bridgeport",
    "brighton park",
    "bronzeville",
    "bucktown",
    "chatham",
    "chinatown",
    "edgewater",
    "englewood",
    "gage park",
    "garfield park",
    "gold coast",
    "hegewisch",
    "hermosa",
    "humboldt park",
    "hyde park",
    "irving park",
    "jefferson park",
    "kenwood",
    "lakeview",
    "lake view",
    "lincoln park",
    "lincoln square",
    "little village",
    "logan square",
    "the loop",
    "mckinley park",
    "morgan park",
    "mount greenwood",
    "north center",
    "north lawndale",
    "norwood park",
    "old town",
    "pilsen",
    "portage park",
    "pullman",
    "river north",
    "rogers park",
    "roscoe village",
    "roseland",
    "south loop",
    "south shore",
    "streeterville",
    "ukrainian village",
    "uptown",
    "west loop",
    "west ridge",
    "west town",
    "wicker park",
    "woodlawn",
    "wrigleyville",
)
_CHICAGO_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, CHICAGO_PLACES)) + r")\b", re.I)


def _site(path: str, dateline: str) -> tuple[str, tzinfo]:
    if "chicago" in path.lower().replace("\\", "/").split("/")[:-1] or (dateline and _CHICAGO_RE.search(dateline)):
        return "DNAinfo Chicago", CHICAGO
    return "DNAinfo New York", NEW_YORK


def split_byline(line: str) -> tuple[str, str] | None:
    """'By A and B | date[ | Updated on date]' -> ('A and B', 'date...'); None if not a byline.

    String operations, not a regular expression: a line of "By" and thousands of spaces
    with no "|" made the old pattern backtrack cubically.
    """
    text = line.lstrip()
    if text[:2].lower() != "by" or not text[2:3].isspace():
        return None
    names, bar, dates = text[2:].partition("|")
    # As before: at least one character of names after the space, and a date after the bar.
    if not bar or len(names) < 2 or not dates:
        return None
    return names.strip(), dates.lstrip() or dates


def parse(text: str, path: str) -> Iterator[Article | Problem]:
    """Yield the one article in a DNAinfo archive text file."""
    lines = clean_text(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    byline_at = next((i for i, line in enumerate(lines[:40]) if split_byline(line)), None)
    if byline_at is None:
        head, rest, byline = _head_without_byline(lines)
    else:
        head, rest, byline = lines[:byline_at], lines[byline_at + 1 :], lines[byline_at]
    # The title is the last non-banner line before the byline.
    head = [squash(line) for line in head if line.strip() and not _BANNER.search(line)]
    title = head[-1] if head else ""
    paras = paragraphs("\n".join(rest))
    dateline = ""
    if paras:
        dateline, first = split_dateline(paras[0])
        paras[0] = first
    authors: list[str] = []
    published = updated = None
    source, tz = _site(path, dateline)
    if byline:
        names, when = split_byline(byline) or ("", "")
        authors = split_authors(names)
        dates = _UPDATED.split(when, maxsplit=1)
        published = parse_us_date(dates[0], tz)
        updated = parse_us_date(dates[1], tz) if len(dates) > 1 else None
    if not title and not paras:
        yield Problem(path, "no title or text found in this DNAinfo-style text file")
        return
    if byline and published is None and _looks_dated(dates[0]):
        shown = squash(dates[0])[:60]
        yield Problem(path, f"byline date {shown!r} is not a date in range; indexed without it", warning=True)
    yield Article(
        id=file_stem(path),
        title=title,
        body="\n\n".join(paras),
        authors=authors,
        published=published,
        updated=updated,
        dateline=dateline,
        source=source,
        path=path,
    )


def _looks_dated(text: str) -> bool:
    """Whether a byline's date part has a four-digit run (a year): then a failed parse is worth a word."""
    digits = 0
    for ch in text[:200]:
        digits = digits + 1 if "0" <= ch <= "9" else 0
        if digits == 4:
            return True
    return False


def _head_without_byline(lines: list[str]) -> tuple[list[str], list[str], str]:
    """No byline: the first non-banner line is the title, everything after it the body."""
    for i, line in enumerate(lines):
        if line.strip() and not _BANNER.search(line):
            return [line], lines[i + 1 :], ""
    return [], [], ""
