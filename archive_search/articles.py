"""The Article record: what every reader yields and the indexer stores."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Article:
    """One news article, independent of the file format it came from."""

    id: str
    title: str = ""
    body: str = ""
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None  # always timezone-aware when set
    updated: datetime | None = None
    dateline: str = ""  # place the story was filed from, e.g. "WILLIAMSBURG"
    source: str = ""  # publication or site, e.g. "DNAinfo New York"
    url: str = ""
    tags: list[str] = field(default_factory=list)  # section, topics, keywords
    path: str = ""  # file the article was read from
    position: int = 0  # 1-based record number (or line) inside a multi-record file; 0 = whole file

    @property
    def has_text(self) -> bool:
        return bool(self.title.strip() or self.body.strip())

    def to_dict(self) -> dict:
        """A JSON-ready dict: datetimes as ISO 8601 strings."""
        out = dataclasses.asdict(self)
        for key in ("published", "updated"):
            value = out[key]
            out[key] = value.isoformat() if value else None
        return out
