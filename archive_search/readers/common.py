"""Helpers shared by the readers: decoding, problems, text clean-up, bylines and datelines."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import InputError

# Larger files are reported and skipped: no news article comes near this, and it
# bounds the memory one file can take (multi-record files are read whole).
MAX_FILE_BYTES = 256 * 2**20
# The longest news features run to some 20,000 words; an "article" of more than this many
# characters (title + body) is a broken or hostile file, and indexing it would take minutes
# and gigabytes. Skipped with a message.
MAX_ARTICLE_CHARS = 2_000_000


def too_big(size: int) -> str:
    """The reason a file over MAX_FILE_BYTES is not read."""
    return f"file is {size / 2**20:.0f} MiB, over the {MAX_FILE_BYTES // 2**20} MiB limit for one file"


def too_long(chars: int) -> str:
    """The reason an article over MAX_ARTICLE_CHARS is skipped."""
    return f"article is {chars:,} characters, over the {MAX_ARTICLE_CHARS:,}-character limit; skipped"


@dataclass
class Problem:
    """A record that was skipped (or, with warning=True, indexed with a caveat).

    `line` is the line the record (or the fault) is on; `record` the record's number in a
    file whose records are not one a line (a JSON array), shown after the line.
    """

    path: str
    reason: str
    line: int | None = None
    warning: bool = False
    record: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        if self.record:
            where += f": record {self.record}"
        return f"{where}: {self.reason}"


# C0 and C1 controls except tab, newline and carriage return: never text, and the C1 ones
# are terminal escapes (U+009B is CSI).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Lone surrogates come only from JSON escapes ("\udc80"); UTF-8 cannot encode them, so
# the index (and any JSON output) would fail on them.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """Replace lone surrogates (not encodable as UTF-8) with U+FFFD."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def looks_binary(data: bytes) -> bool:
    """NUL bytes, or many control bytes, in the first 8 KiB: not a text file."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return bool(head) and controls / len(head) > 0.1


def _looks_binary_text(text: str) -> bool:
    """The same test on text decoded from a UTF-16/32 file."""
    head = text[:8192]
    if "\x00" in head:
        return True
    controls = sum(1 for ch in head if ch < " " and ch not in "\t\n\f\r\x1b")
    return bool(head) and controls / len(head) > 0.1


# Byte order marks, longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def sniff_encoding(data: bytes) -> tuple[str, int]:
    """The file's Unicode encoding, from its byte order mark or the NUL-byte pattern of
    mostly-ASCII UTF-16/32; and the length of the mark. UTF-8 when neither says otherwise."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    return _wide_encoding(data[:4096]) or "utf-8", 0


def _wide_encoding(head: bytes) -> str | None:
    """UTF-16 or UTF-32 without a mark: the high-order bytes of ASCII characters are NUL."""
    if b"\x00" not in head or len(head) < 4:
        return None
    size = len(head) // 4 * 4
    units = size // 4
    nuls = [head[i:size:4].count(0) for i in range(4)]
    if nuls[3] == units and nuls[2] * 10 >= units * 9 and nuls[0] * 2 < units:
        return "utf-32-le"
    if nuls[0] == units and nuls[1] * 10 >= units * 9 and nuls[3] * 2 < units:
        return "utf-32-be"
    pairs, even, odd = units * 2, nuls[0] + nuls[2], nuls[1] + nuls[3]
    # Text that is not mostly ASCII still has some (spaces, newlines, digits): a tenth of the
    # characters with a NUL high byte, and NUL low bytes (almost) never.
    if odd * 10 >= pairs and even * 20 <= odd:
        return "utf-16-le"
    if even * 10 >= pairs and odd * 20 <= even:
        return "utf-16-be"
    return None


def decode_head(data: bytes, size: int) -> str:
    """The first `size` bytes as text, for sniffing the format before the whole file is decoded."""
    codec, bom = sniff_encoding(data)
    return data[bom : bom + size].decode(codec, "replace")


def decode(data: bytes, path: str) -> tuple[str, Problem | None]:
    """Decode a file: a BOM or UTF-16/32 pattern, else UTF-8, else a charset the page
    declares, else UTF-8 with its few bad bytes read as Windows-1252 (or all of it as
    Windows-1252 when most of it is not UTF-8), with a warning. Binary data is refused."""
    codec, bom = sniff_encoding(data)
    if codec != "utf-8":
        return _decode_wide(data[bom:], codec, path)
    if looks_binary(data):
        raise InputError(path, "binary file, not an article (no text format recognised)")
    data = data[bom:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    declared = _declared_codec(data[:4096])
    if declared:
        return _decode_declared(data, declared, path)
    line = data.count(b"\n", 0, first_bad) + 1
    if _mostly_not_utf8(data):
        text = codecs.charmap_decode(data, "strict", _CP1252)[0]
        return text, Problem(path, "not valid UTF-8; decoded as Windows-1252 instead", line=line, warning=True)
    # surrogateescape turns each invalid byte b into U+DC00+b, and only those: mapped back
    # through Windows-1252, a stray byte damages only itself.
    text = data.decode("utf-8", "surrogateescape").translate(_ESCAPED_CP1252)
    reason = "not valid UTF-8; the invalid bytes (the first on this line) were read as Windows-1252"
    return text, Problem(path, reason, line=line, warning=True)


def _decode_wide(data: bytes, codec: str, path: str) -> tuple[str, Problem | None]:
    """UTF-16/32 text; invalid code units become U+FFFD, with a warning."""
    warning = None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        text = data.decode(codec, "replace")
        line = data[: exc.start].decode(codec, "replace").count("\n") + 1
        warning = Problem(path, f"not valid {codec.upper()}; invalid bytes replaced", line=line, warning=True)
    if _looks_binary_text(text):
        raise InputError(path, "binary file, not an article (no text format recognised)")
    return text, warning


# Windows-1252 leaves five bytes undefined: those map through Latin-1 (to C1 controls,
# which clean_text drops), so that this table decodes any byte.
_CP1252 = "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in range(256))
_ESCAPED_CP1252 = {0xDC00 + b: _CP1252[b] for b in range(0x80, 0x100)}


def _mostly_not_utf8(data: bytes, chunk: int = 2**20) -> bool:
    """Whether most non-ASCII sequences in the data are invalid UTF-8 (a Windows-1252 file),
    rather than a few stray bytes in UTF-8 text. Counted a chunk at a time: memory stays flat."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    invalid = non_ascii = 0
    for start in range(0, len(data), chunk):
        text = decoder.decode(data[start : start + chunk], start + chunk >= len(data))
        invalid += text.count("\ufffd")
        non_ascii += len(text) - len(text.encode("ascii", "ignore"))
    invalid -= data.count("\ufffd".encode())  # U+FFFD written as such is valid UTF-8
    return invalid * 2 > non_ascii


# <meta charset="x">, <meta http-equiv="Content-Type" content="text/html; charset=x">,
# <?xml version="1.0" encoding="x"?>: matched in the first 4 KiB only, in bounded steps.
_CHARSET = re.compile(rb"""charset[ \t\r\n]*=[ \t\r\n]*["']?([A-Za-z0-9_.:-]{1,40})""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^<>]{0,200}?encoding[ \t\r\n]*=[ \t\r\n]*["']([A-Za-z0-9_.:-]{1,40})""")
# Labels a page may declare that are not what they say (WHATWG Encoding): Latin-1 and ASCII
# mean Windows-1252; UTF-16/32 cannot be declared inside ASCII-compatible bytes. Codecs that
# turn escapes into characters (and can make lone surrogates) are never used for a file.
_NOT_DECLARABLE = frozenset(
    "utf_8 utf_16 utf_16_le utf_16_be utf_32 utf_32_le utf_32_be utf_7 unicode_escape raw_unicode_escape "
    "idna punycode mbcs oem charmap undefined".split()
)
_MEANS_CP1252 = frozenset(("latin_1", "iso8859_1", "ascii", "cp1252"))


def _declared_codec(head: bytes) -> str | None:
    """The codec an HTML or XML head declares, if Python knows it as a text encoding."""
    match = _XML_ENCODING.match(head.lstrip()) or _CHARSET.search(head)
    if not match:
        return None
    try:
        info = codecs.lookup(match[1].decode("ascii"))
    except LookupError:
        return None
    name = info.name.replace("-", "_")
    if not getattr(info, "_is_text_encoding", True) or name in _NOT_DECLARABLE:
        return None
    return "cp1252" if name in _MEANS_CP1252 else info.name


def _decode_declared(data: bytes, codec: str, path: str) -> tuple[str, Problem | None]:
    """Decode with the declared charset; bytes it does not define become U+FFFD, with a warning."""
    if codec == "cp1252":
        return codecs.charmap_decode(data, "strict", _CP1252)[0], None
    try:
        return data.decode(codec), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        reason = f"not valid {codec} as the page declares; invalid bytes replaced"
        return data.decode(codec, "replace"), Problem(path, reason, line=line, warning=True)


def clean_text(text: str) -> str:
    """Normalise to NFC, turn no-break spaces into spaces, drop control characters and
    replace lone surrogates."""
    text = unicodedata.normalize("NFC", without_surrogates(text))
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
# The place may hold spaces and the dash may have them around it, so the pattern is only
# ever matched against the paragraph's head: its work is bounded whatever the paragraph.
_DATELINE = re.compile(r"(?P<place>[^\W\d_a-z][^a-z—–]{0,58}?)\s*(?:—|–|--)\s*(?=\S)")
_DATELINE_HEAD = 200


def split_dateline(paragraph: str) -> tuple[str, str]:
    """Split 'PLACE — text' into ('PLACE', 'text'); ('', paragraph) when there is none."""
    match = _DATELINE.match(paragraph[:_DATELINE_HEAD])
    if match:
        place = match["place"].strip(" ,")
        letters = [ch for ch in place if ch.isalpha()]
        if len(letters) >= 2 and place.upper() == place and place[-1] != "-":
            return place, paragraph[match.end() :]
    return "", paragraph


# No white space around the separators: the parts are stripped anyway, and "\s*" before
# an alternation would rescan a run of spaces from each of its characters.
_AUTHOR_SPLIT = re.compile(r";|&|\band\b|\bwith\b", re.IGNORECASE)


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


# -- names and tags in JSON and JSON-LD (jsonrecords.py, html.py) -----------------


def json_name(value: Any) -> str:
    """A name from a string or an object like {"name": ...} (JSON-LD Person, Organization)."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@id") or ""
    return squash(clean_text(str(value))) if isinstance(value, (str, int, float)) else ""


def json_names(value: Any) -> list[str]:
    """Names from a string ("A and B"), an object, or a list of either (JSON and JSON-LD authors)."""
    if isinstance(value, list):
        names = [json_name(v) for v in value]
        return [n for n in names if n]
    if isinstance(value, dict):
        return [n for n in [json_name(value)] if n]
    if isinstance(value, str):
        return split_authors(value)
    return []


def json_tags(value: Any) -> list[str]:
    """Tags from a comma-separated string, an object, or a list (each once: unique_tags)."""
    if isinstance(value, str):
        items = value.split(",") if "," in value else [value]
    elif isinstance(value, list):
        items = [json_name(v) for v in value]
    else:
        items = [json_name(value)]
    return unique_tags(squash(clean_text(i)) for i in items)


def unique_tags(tags: Iterable[str]) -> list[str]:
    """The non-empty tags, each once whatever its case ("transit", "Transit"), in the first spelling met."""
    seen: dict[str, str] = {}
    for tag in tags:
        if tag:
            seen.setdefault(tag.casefold(), tag)
    return list(seen.values())
