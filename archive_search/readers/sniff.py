"""Choosing a reader: the content decides where it is clear, else the file extension."""

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
IGNORED_NAMES = re.compile(
    r"^(readme|license|licence|copying|changelog|changes|notice|authors|contributing|manifest)\b", re.I
)


def ignored_in_walk(path: str) -> bool:
    """Whether a directory walk skips this file without comment."""
    name = os.path.basename(path)
    return os.path.splitext(name)[1].lower() in IGNORED_EXTENSIONS or bool(IGNORED_NAMES.match(name))


_HTML_START = re.compile(r"<(!doctype\s+html|html\b|head\b|body\b|meta\b|title\b)", re.I)


def sniff_format(path: str, text: str) -> str:
    """Return the name of the reader for this file: dnainfo, json, jsonl, html or reuters."""
    head = text[:4096].lstrip("\ufeff \t\r\n")
    ext = os.path.splitext(path)[1].lower()
    if "<REUTERS" in head[:2048] or head.startswith("<!DOCTYPE lewis"):
        return "reuters"
    if head[:1] in ("{", "["):
        if ext in (".jsonl", ".ndjson", ".jsonlines"):
            return "jsonl"
        if ext == ".json":
            return "json"
        looks = _json_kind(text)
        if looks:
            return looks
    if _HTML_START.match(head) or (head.startswith("<") and _HTML_START.search(head[:1024])):
        return "html"
    return EXTENSIONS.get(ext, "dnainfo")


def _json_kind(text: str) -> str | None:
    """For files whose extension does not say: 'jsonl' or 'json' if the text really is JSON."""
    stripped = text.lstrip("\ufeff \t\r\n")
    first, _, rest = stripped.partition("\n")
    try:
        json.loads(first)
    except ValueError:
        pass
    else:
        return "jsonl" if rest.strip() else "json"
    try:
        json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    return "json"
