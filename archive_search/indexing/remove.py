"""`archive-search remove`: taking articles out of the index, by id or by file.

The index remembers a file by its articles' filesig terms. Removing all of a file's
articles forgets the file, so the next `index` run over it reads it again (it is still
there); removing only some of them leaves the rest recorded with a content hash no file
has, for the same reason. A removed article stays removed only when its file is deleted
or left out of later runs (--exclude).
"""

from __future__ import annotations

import os

from ..schema import article_from_stored
from .files import STDIN_PATH
from .session import Session, _filesig

# The content hash recorded for a file some of whose articles were removed: no file has it
# (files.Digests reads it as zeros), so the next run over the file reads it again.
_NO_HASH = "removed"


def remove_ids(session: Session, ids: list[str]) -> None:
    """Remove the articles with these ids; the ones not in the index go to stats.missing.
    Runs after remove_paths: an article of a file it removed is removed already."""
    by_path: dict[str, set[str]] = {}
    for article_id in ids:
        docnum = session.searcher.document_number(id=article_id)
        if docnum is None:
            session.stats.missing.append(article_id)
        else:
            by_path.setdefault(session.searcher.stored_fields(docnum).get("path", ""), set()).add(article_id)
    for path, doomed in by_path.items():
        if path in session.replaced:  # all its articles are removed already (remove_paths)
            continue
        if path == STDIN_PATH:  # records of standard input: no file to remember
            for article_id in doomed:
                session.writer.delete_by_term("id", article_id)
            session.stats.articles_removed += len(doomed)
        else:
            _remove_from_file(session, path, doomed)


def _remove_from_file(session: Session, path: str, doomed: set[str]) -> None:
    """Remove some articles of one file: the others are written again, the file recorded as
    changed (see the module's docstring)."""
    docs = session.stored_for_path(path)
    session.writer.delete_by_term("path", path)
    session.replaced.add(path)
    kept = [doc for doc in docs if doc.get("id") not in doomed]
    for doc in kept:
        session.writer.add_document(**session.document(article_from_stored(doc), _filesig(path, _NO_HASH)))
    session.stats.articles_removed += len(docs) - len(kept)
    session.stats.files_removed += not kept


def remove_paths(session: Session, paths: list[str]) -> None:
    """Remove every article of these files, and of every indexed file under a directory
    given; the paths that match no indexed file go to stats.missing."""
    for given in paths:
        path = given if given == STDIN_PATH else os.path.abspath(given)
        found = [path] if session.stored_for_path(path) else []
        found += sorted(session.indexed_under(path))
        if not found:
            session.stats.missing.append(given)
        session.remove_vanished([p for p in found if p not in session.replaced])
