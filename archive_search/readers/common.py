"""Helpers shared by the readers: decoding, problems, text clean-up, bylines and datelines."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass

from ..errors import InputError

# Larger files are reported and skipped: no news article comes near this, and it
# bounds the memory one file can take (multi-record files are read whole).
MAX_FILE_BYTES = 256 * 2**20
# The longest news features run to some 20,000 words; an "article" of more than this many
# characters (title + body) is a broken or hostile file, and indexing it would take minutes
# and gigabytes. Skipped with a message.
MAX_ARTICLE_CHARS = 2_000_000


@dataclass
class Problem:
    """A record that was skipped (or, with warning=True, indexed with a caveat)."""

    path: str
    reason: str
    line: int | None = None
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def looks_binary(data: bytes) -> bool:
    """NUL bytes, or many control bytes, in the first 8 KiB: not a text file."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return bool(head) and controls / len(head) > 0.1


def decode(data: bytes, path: str) -> tuple[str, Problem | None]:
    """Decode UTF-8 (BOM allowed), else Windows-1252 with a warning; reject binary data."""
    if looks_binary(data):
        raise InputError(path, "binary file, not an article (no text format recognised)")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        # cp1252 leaves five bytes undefined; map those through latin-1 so decoding never fails.
        text = data.decode("cp1252", errors="replace")
        if "\ufffd" in text:
            text = data.decode("latin-1")
        line = data.count(b"\n", 0, exc.start) + 1
        return text, Problem(path, "not valid UTF-8; decoded as Windows-1252 instead", line=line, warning=True)


def clean_text(text: str) -> str:
    """Normalise to NFC, turn no-break spaces into spaces and drop control characters."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    return _CONTROL.sub("", text)


def squash(text: str) -> str:
    """Collapse all runs of white space to single spaces."""
    return " ".join(text.split())


def paragraphs(text: str) -> list[str]:
    """Split text into paragraphs at blank lines, each squashed to one line."""
    parts = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [p for p in (squash(clean_text(part)) for part in parts) if p]


# An upper-case place, then a dash: "CHICAGO —", "BEDFORD-STUYVESANT --", "UPPER WEST SIDE –".
_DATELINE = re.compile(r"^(?P<place>[^\W\d_a-z][^a-z—–]{0,58}?)\s*(?:—|–|--)\s*(?P<rest>\S.*)$", re.S)


def split_dateline(paragraph: str) -> tuple[str, str]:
    """Split 'PLACE — text' into ('PLACE', 'text'); ('', paragraph) when there is none."""
    match = _DATELINE.match(paragraph)
    if match:
        place = match["place"].strip(" ,")
        letters = [ch for ch in place if ch.isalpha()]
        if len(letters) >= 2 and place.upper() == place and place[-1] != "-":
            return place, match["rest"]
    return "", paragraph


_AUTHOR_SPLIT = re.compile(r"\s*(?:;|&|\band\b|\bwith\b)\s*", re.IGNORECASE)


def split_authors(byline: str) -> list[str]:
    """'By A, B and C' -> ['A', 'B', 'C']; keeps 'Last, First' together."""
    byline = squash(clean_text(byline))
    byline = re.sub(r"^by\s+", "", byline, flags=re.IGNORECASE)
    names: list[str] = []
    for chunk in _AUTHOR_SPLIT.split(byline):
        parts = [p.strip() for p in chunk.split(",") if p.strip()]
        # "Ali, Tanveer" or "Comaromi, J.P." is one name; "Ana Ruiz, Tom Becker" is two.
        if len(parts) > 1 and all(" " in p for p in parts):
            names.extend(parts)
        elif parts:
            names.append(", ".join(parts))
    return [n for n in names if n]


def file_stem(path: str) -> str:
    """The file name without directory and extension, as a default article id."""
    base = os.path.basename(path.rstrip("/")) or "stdin"
    stem = base.split(".")[0] if not base.startswith(".") else base
    return stem or base


def short_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=4).hexdigest()
