"""The stored fields of the articles one search looks at: each read once, long texts cut."""

from __future__ import annotations

from collections import Counter

from .schema import TITLE_END, stem_counts


class StoredFields:
    """{docnum: stored fields} for one searcher, each article's read once (a large one's are
    costly to decompress), its body cut to the opening a search reads (`read_chars`)."""

    def __init__(self, searcher, read_chars: int) -> None:
        self.searcher = searcher
        self.read_chars = read_chars
        self.fields: dict[int, dict] = {}
        self.cut: set[int] = set()  # articles whose body or title is longer than what is read

    def __getitem__(self, docnum: int) -> dict:
        fields = self.fields.get(docnum)
        if fields is None:
            fields, cut = read_opening(self.searcher.stored_fields(docnum), self.read_chars)
            if cut:
                self.cut.add(docnum)
            self.fields[docnum] = fields
        return fields

    def opening(self, text: str) -> str:
        """The part of a stored text a search reads."""
        return text[: self.read_chars]


def read_opening(stored: dict, read_chars: int) -> tuple[dict, bool]:
    """An article's stored fields with its body cut to the first `read_chars` characters,
    and whether its body or title is longer than that."""
    fields = dict(stored)
    body = fields.get("body") or ""
    cut = len(body) > read_chars or len(fields.get("title") or "") > read_chars
    fields["body"] = body[:read_chars]
    return fields, cut


def opening_counts(fields: dict, read_chars: int) -> tuple[Counter[str], Counter[str]]:
    """The (title, body) stem counts of what a search reads of an article (fields as
    read_opening gives them): what feedback weighs and the latent space places."""
    return stem_counts(f"{fields.get('title', '')[:read_chars]}{TITLE_END}{fields.get('body', '')}")
