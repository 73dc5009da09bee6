"""`export`: the articles as JSON Lines, to standard output or to a file replaced whole."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from .atomic import replacing
from .errors import OutputFileError
from .model import Article
from .render import export_jsonl


def export_to(articles: Iterable[Article], path: Path | None, out: IO[str] | None = None) -> int:
    """Write the articles to `out`, or to the file at `path` (it appears whole, when they are
    all written, or not at all); return how many were written."""
    if path is None:
        assert out is not None
        return export_jsonl(articles, out)
    try:
        with replacing(path) as handle:
            text = io.TextIOWrapper(handle, encoding="utf-8", newline="\n")
            written = export_jsonl(articles, text)
            text.flush()
            text.detach()
    except OSError as exc:
        raise OutputFileError(str(path), exc) from None
    return written
