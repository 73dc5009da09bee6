"""archive-search: index news archives with Whoosh and search them from the terminal.

The library's public names are importable from here; each is loaded on first use, so
that importing the package costs nothing and changes nothing else in the process.
"""

from __future__ import annotations

from ._lazy import lazy_names

__version__ = "0.1.0"

# public name -> the module defining it
_PUBLIC = {
    "Archive": "archive",
    "Article": "model",
    "ArchiveStats": "model_runs",
    "Entry": "model",
    "Hit": "model",
    "IndexStats": "model_runs",
    "Progress": "model_runs",
    "SearchResult": "model",
    "Filters": "query",
    "IndexDir": "store",
    "Indexer": "indexing.indexer",
    "RankingConfig": "ranking.config",
    "ArchiveSearchError": "errors",
    "ExitStatus": "status",
}

__all__ = ["__version__", *_PUBLIC]


__getattr__ = lazy_names(globals(), _PUBLIC, __name__)


def __dir__() -> list[str]:
    return sorted(__all__)
