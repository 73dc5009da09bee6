"""The stored fields of the articles one search looks at: each read once, long texts cut."""

from __future__ import annotations


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
            fields = dict(self.searcher.stored_fields(docnum))
            body = fields.get("body") or ""
            if len(body) > self.read_chars or len(fields.get("title") or "") > self.read_chars:
                self.cut.add(docnum)
            fields["body"] = self.opening(body)
            self.fields[docnum] = fields
        return fields

    def opening(self, text: str) -> str:
        """The part of a stored text a search reads."""
        return text[: self.read_chars]
