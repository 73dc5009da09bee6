"""Choosing a reader: a JSON extension, unless the content plainly is markup; else the content
where it is clear; else the file extension."""

from __future__ import annotations

import json
import os
import re

EXTENSIONS = {
    ".txt": "dnainfo",
    ".text": "dnainfo",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonlines": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".sgm": "reuters",
    ".sgml": "reuters",
}
# Files a directory walk passes over without comment: not article formats.
IGNORED_EXTENSIONS = frozenset(
    (
        ".jpg .jpeg .png .gif .webp .svg .ico .bmp .tif .tiff .css .js .mjs .map .woff .woff2 .ttf .otf .eot "
        ".mp3 .mp4 .m4a .wav .ogg .webm .mov .avi .zip .gz .tgz .bz2 .xz .7z .rar .tar .pdf .doc .docx .xls "
        ".xlsx .ppt .pptx .exe .dll .so .dylib .pyc .dtd .db .sqlite .lock .toc .seg .pst"
    ).split()
)

# Files a directory walk passes over by name: a collection's documentation, not its articles.
# Only these names exactly (any case), bare or with a documentation extension: an article
# file may well be called "license-plate-readers.txt" or "authors-guild-strike.txt".
IGNORED_STEMS = frozenset(
    "readme license licence copying changelog changes notice authors contributors contributing manifest".split()
)
IGNORED_STEM_EXTENSIONS = frozenset(("", ".md", ".txt", ".rst", ".markdown", ".in"))


# Web archives, by name: a walk reads these although .gz files are otherwise passed over. A
# file named or listed on the command line is sniffed by content whatever its name.
WEB_ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")


def ignored_in_walk(path: str) -> bool:
    """Whether a directory walk skips this file without comment (it is counted as skipped)."""
    name = os.path.basename(path).lower()
    if name.endswith(WEB_ARCHIVE_SUFFIXES):
        return False
    stem, ext = os.path.splitext(name)
    return ext in IGNORED_EXTENSIONS or (stem in IGNORED_STEMS and ext in IGNORED_STEM_EXTENSIONS)


_HTML_START = re.compile(r"<(!doctype\s+html|html\b|head\b|body\b|meta\b|title\b)", re.I)


_JSON_EXTENSIONS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl"}


def sniff_format(path: str, text: str) -> str:
    """Return the name of the reader for this file: dnainfo, json, jsonl, html or reuters.

    A JSON extension is believed unless the file opens with markup instead of JSON: records
    quoting SGML or HTML (or a stray line of it) stay JSON records."""
    head = text[:4096].lstrip("\ufeff \t\r\n")
    ext = os.path.splitext(path)[1].lower()
    if ext in _JSON_EXTENSIONS and not head.startswith("<"):
        return _JSON_EXTENSIONS[ext]
    # A story element opening a line: an article that only mentions "<REUTERS" is not SGML.
    if head.startswith(("<REUTERS", "<!DOCTYPE lewis")) or "\n<REUTERS" in head[:2048]:
        return "reuters"
    if head[:1] in ("{", "["):
        looks = _json_kind(text)
        if looks:
            return looks
    if _HTML_START.match(head) or (head.startswith("<") and _HTML_START.search(head[:1024])):
        return "html"
    return EXTENSIONS.get(ext, "dnainfo")


_LEADING = re.compile(r"[\ufeff \t\r\n]*")
_NON_SPACE = re.compile(r"\S")


def _json_kind(text: str) -> str | None:
    """For files whose extension does not say: 'jsonl' or 'json' if the text really is JSON.

    Neither test decodes more than one record of an array, and an over-long first line is
    not tried as a record: sniffing must not cost what parsing would.
    """
    from .jsonrecords import MAX_RECORD_CHARS, is_json_document

    start = _LEADING.match(text).end()
    newline = text.find("\n", start)
    if 0 <= newline - start <= MAX_RECORD_CHARS and _NON_SPACE.search(text, newline):
        try:
            json.loads(text[start:newline])
        except (ValueError, RecursionError):
            pass
        else:
            return "jsonl"
    return "json" if is_json_document(text, start) else None
