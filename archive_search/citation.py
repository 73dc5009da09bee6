"""Citable results: what identifies a result (the index, the program, the query and its
options, the result itself), and verifying that the same index still gives it.

An index is identified by its live articles' ids and its files' content hashes (the filesig
terms, "path\\0hash"), both read from the terms table, never from stored fields. Besides
their hash (the fingerprint), a citation carries a sketch of them: two small invertible
Bloom lookup tables (one of ids, one of files) that `verify` subtracts its own from. What
is left decodes into the ids added and removed and the files changed, as long as they are
few next to a table's cells; beyond that verify says only how many articles the index held
then and now. Added and changed articles are named from the index as it is
now; removed ones only if the citation lists them among its result ids.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from . import __version__
from .errors import ArchiveSearchError, QueryError
from .model_views import CITATION_FORMAT, Citation, Verification
from .store import survive_switches
from .whoosh_ext.codec import deleted_docs

# Cells in each table, and the cells each element goes to. More cells tell more changes
# apart, and make every citation longer.
CELLS = 40
_HASHES = 3
_ID_CELL = struct.Struct("<iQI")  # count, xor of the ids' keys, xor of their checks
_FILE_CELL = struct.Struct("<iQQI")  # count, xor of the files' keys, of their paths' keys, of their checks
_LENGTHS = struct.Struct("!ii")  # Whoosh's terms table: key length, value length
_READ_BLOCK = 1 << 20


class CitationError(ArchiveSearchError):
    """What verify was given is no citation (or one of a later format)."""


class UnsupportedCitation(ArchiveSearchError):
    """A citation of a command verify cannot re-run."""


def _h64(data: bytes, salt: bytes = b"k") -> int:
    """A 64-bit key of the data; salts keep the keys of ids and of paths apart."""
    return int.from_bytes(hashlib.blake2b(salt + data, digest_size=8).digest(), "little")


def _check(key: int) -> int:
    """The key's check, which tells a cell holding one element from a mixture."""
    return ((key * 0x9E3779B97F4A7C15) >> 29) & 0xFFFFFFFF


# -- what the index holds -----------------------------------------------------------


@dataclass
class IndexState:
    """An index's live article ids and its files ("path\\0hash"), each sorted."""

    ids: list[bytes]
    files: list[bytes]

    def fingerprint(self, version: str) -> str:
        """The hash of the ids and the files' contents (not their paths: an archive moved
        or copied elsewhere and indexed there is the same), bound to the version."""
        contents = sorted(filesig.rpartition(b"\0")[2] for filesig in self.files)
        digest = hashlib.sha256(f"archive-search {version}\n".encode())
        digest.update(b"\n".join(self.ids) + b"\n\n" + b"\n".join(contents))
        return digest.hexdigest()


def index_state(archive) -> IndexState:
    """The live articles' ids and the files they came from, read from the terms table."""
    return survive_switches(lambda: _read_state(archive), archive._reopen_if_switched)


def _read_state(archive) -> IndexState:
    ids: set[bytes] = set()
    files: set[bytes] = set()
    with archive._searcher() as searcher:
        for subsearcher, _ in searcher.leaf_searchers():
            reader = subsearcher.reader()
            ids.update(_live_terms(reader, "id"))
            files.update(_live_terms(reader, "filesig"))
    return IndexState(sorted(ids), sorted(files))


def _live_terms(reader, fieldname: str) -> Iterator[bytes]:
    """A segment's terms of a field, those of its deleted articles alone left out: Whoosh keeps
    a deleted article's terms until the segment is merged away. Only the terms of deleted
    articles' ids and paths are looked up."""
    terms = _field_terms(reader, fieldname)
    gone = _deleted_values(reader, fieldname)
    if not gone:
        yield from terms
        return
    for term in terms:
        value = _split_file(term) if fieldname == "filesig" else term
        if value not in gone or reader.postings(fieldname, term).is_active():
            yield term


def _deleted_values(reader, fieldname: str) -> set[bytes]:
    """The ids (for "id") or paths (for "filesig") of a segment's deleted articles."""
    stored = "id" if fieldname == "id" else "path"
    return {
        str(reader.stored_fields(docnum).get(stored, "")).encode("utf-8", "surrogateescape")
        for docnum in deleted_docs(reader)
    }


def _field_terms(reader, fieldname: str) -> Iterator[bytes]:
    """A segment's terms of a field, read from its terms table a block at a time: Whoosh's
    lexicon reads each key with a call of its own, several times slower for every id."""
    try:
        table = reader._terms._tindex
        prefix = struct.pack("!H", reader._terms._fieldmap[fieldname])
    except (AttributeError, KeyError):
        yield from reader.lexicon(fieldname)  # another codec, or a segment without the field
        return
    pos, end = table.closest_key_pos(prefix), table.endofdata
    if pos is None:
        return
    buffer, start = b"", pos
    while pos < end:
        if pos + _LENGTHS.size > start + len(buffer):
            start, buffer = pos, table.dbfile.get(pos, min(_READ_BLOCK, end - pos))
        keylen, datalen = _LENGTHS.unpack_from(buffer, pos - start)
        if pos + _LENGTHS.size + keylen > start + len(buffer):
            start, buffer = pos, table.dbfile.get(pos, max(min(_READ_BLOCK, end - pos), _LENGTHS.size + keylen))
        at = pos - start + _LENGTHS.size
        key = buffer[at : at + keylen]
        if key[:2] != prefix:
            return
        yield key[2:]
        pos += _LENGTHS.size + keylen + datalen


# -- the sketch: invertible Bloom lookup tables -----------------------------------------


class _Table:
    """An invertible Bloom lookup table of keys, each with a second key (a file's path) that
    decoding gives back alongside."""

    def __init__(self, with_names: bool, cells: int = CELLS) -> None:
        self.with_names = with_names
        self.counts = [0] * cells
        self.keys = [0] * cells
        self.names = [0] * cells
        self.checks = [0] * cells

    def _cells(self, key: int) -> list[int]:
        """One cell in each of _HASHES equal parts of the table, so that no two coincide."""
        part = len(self.counts) // _HASHES
        return [i * part + (key >> (16 * i)) % part for i in range(_HASHES)]

    def add(self, key: int, name: int = 0, sign: int = 1) -> None:
        check = _check(key)
        for cell in self._cells(key):
            self.counts[cell] += sign
            self.keys[cell] ^= key
            self.names[cell] ^= name
            self.checks[cell] ^= check

    def subtract(self, other: _Table) -> _Table:
        out = _Table(self.with_names, len(self.counts))
        out.counts = [a - b for a, b in zip(self.counts, other.counts, strict=True)]
        out.keys = [a ^ b for a, b in zip(self.keys, other.keys, strict=True)]
        out.names = [a ^ b for a, b in zip(self.names, other.names, strict=True)]
        out.checks = [a ^ b for a, b in zip(self.checks, other.checks, strict=True)]
        return out

    def decode(self) -> list[tuple[int, int, int]] | None:
        """(sign, key, name) of each element of a difference: +1 in the first table only, -1
        in the second only; None when the difference is too large to take apart."""
        found = []
        progress = True
        while progress:
            progress = False
            for cell, count in enumerate(self.counts):
                key = self.keys[cell]
                if count in (1, -1) and self.checks[cell] == _check(key):
                    name = self.names[cell]
                    found.append((count, key, name))
                    self.add(key, name, -count)
                    progress = True
        if any(self.counts) or any(self.keys) or any(self.checks):
            return None
        return found

    def to_bytes(self) -> bytes:
        if self.with_names:
            cells = zip(self.counts, self.keys, self.names, self.checks, strict=True)
            return b"".join(_FILE_CELL.pack(*cell) for cell in cells)
        return b"".join(_ID_CELL.pack(*cell) for cell in zip(self.counts, self.keys, self.checks, strict=True))

    @classmethod
    def from_bytes(cls, data: bytes, with_names: bool) -> _Table:
        layout = _FILE_CELL if with_names else _ID_CELL
        if len(data) % layout.size:
            raise ValueError("a table's size is not a whole number of cells")
        table = cls(with_names, len(data) // layout.size)
        for n, cell in enumerate(layout.iter_unpack(data)):
            if with_names:
                table.counts[n], table.keys[n], table.names[n], table.checks[n] = cell
            else:
                table.counts[n], table.keys[n], table.checks[n] = cell
        return table


def _split_file(filesig: bytes) -> bytes:
    return filesig.partition(b"\0")[0]


def _tables(state: IndexState) -> tuple[_Table, _Table]:
    ids, files = _Table(with_names=False), _Table(with_names=True)
    for article_id in state.ids:
        ids.add(_h64(article_id))
    for filesig in state.files:
        files.add(_h64(filesig), _h64(_split_file(filesig), b"p"))
    return ids, files


def _sketch(state: IndexState) -> str:
    ids, files = _tables(state)
    return base64.b64encode(ids.to_bytes() + files.to_bytes()).decode("ascii")


def _unsketch(text: str) -> tuple[_Table, _Table]:
    data = base64.b64decode(text.encode("ascii"), validate=True)
    split = len(data) * _ID_CELL.size // (_ID_CELL.size + _FILE_CELL.size)
    return _Table.from_bytes(data[:split], False), _Table.from_bytes(data[split:], True)


# -- citing -----------------------------------------------------------------------------


def results_hash(result_ids: list[str] | None, result: Any = None) -> str:
    """The hash of a result: of its ordered ids, or (a view without ids) of its canonical JSON."""
    if result_ids is not None:
        data = "\n".join(result_ids).encode("utf-8", "surrogatepass")
    else:
        data = json.dumps(result, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def cite(
    archive,
    command: str,
    query: str,
    options: dict,
    result_ids: list[str] | None = None,
    *,
    result: Any = None,
    parsed: str | None = None,
) -> Citation:
    """The citation of a result of `command`: its ordered ids, or for a view without ids its
    JSON form (`result`). `options` are those that change the result, as JSON values; the
    command's re-run (register_rerun) gets them back. `parsed` is the query as parsed, when
    the command parses it otherwise than search does."""
    if parsed is None:
        parsed = _parsed(archive, query, options)
    state = index_state(archive)
    return Citation(
        command=command,
        query=query,
        parsed=parsed,
        options=options,
        version=__version__,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        fingerprint="sha256:" + state.fingerprint(__version__),
        articles=len(state.ids),
        sketch=_sketch(state),
        results=results_hash(result_ids, result),
        count=len(result_ids) if result_ids is not None else _count(result),
        ids=list(result_ids) if result_ids is not None else None,
    )


def _count(result: Any) -> int:
    return len(result) if isinstance(result, (list, dict)) else 1


def _parsed(archive, query: str, options: dict) -> str:
    from .query import Filters

    try:
        return str(archive.parse(query, Filters(**options.get("filters", {}))).query)
    except (TypeError, QueryError):
        return query


# -- re-running and verifying ---------------------------------------------------------------

Rerun = Callable[[dict], "list[str] | Any"]
_RERUNS: dict[str, Callable[[Any, dict], Any]] = {}


def register_rerun(command: str, rerun: Callable[[Any, dict], Any]) -> None:
    """Let verify re-run a command's citations: rerun(archive, citation) gives the result
    again, as the command cited it (its ordered ids, or its JSON form)."""
    _RERUNS[command] = rerun


def _filters(cited: dict):
    """The filters a citation records (cli_cite.filter_options), as Filters again."""
    from .query import Filters

    return Filters(**(cited.get("options") or {}).get("filters", {}))


def search_ids(archive, cited: dict) -> list[str]:
    """A cited search run again: the ids of its hits, in order."""
    options = cited.get("options") or {}
    result = archive.search(
        cited.get("query", ""),
        _filters(cited),
        sort=options.get("sort"),
        limit=options.get("limit", 10),
        offset=options.get("offset", 0),
        snippets=False,
        count=False,
        collapse=options.get("collapse"),
    )
    return [hit.id for hit in result.hits]


register_rerun("search", search_ids)


def _timeline_result(archive, cited: dict) -> Any:
    from .timeline import timeline

    options = cited.get("options") or {}
    found = timeline(
        archive,
        cited.get("query", ""),
        _filters(cited),
        by=options.get("by"),
        split=options.get("split"),
        top=options.get("top", 5),
        collapse=options.get("collapse"),
    )
    return found.to_dict()


def _kwic_result(archive, cited: dict) -> Any:
    from .kwic import kwic

    options = cited.get("options") or {}
    keys = ("width", "sort", "limit", "offset", "scan")
    found = kwic(archive, cited.get("query", ""), _filters(cited), **{k: options[k] for k in keys if k in options})
    return [line.to_dict() for line in found.lines]


def _terms_result(archive, cited: dict) -> Any:
    from .terms import significant_terms

    options = cited.get("options") or {}
    keys = ("top", "sample", "min_count")
    found = significant_terms(
        archive, cited.get("query", ""), _filters(cited), **{k: options[k] for k in keys if k in options}
    )
    return found.to_dict()


# The research views' results as their --cite gave them: their JSON form, computed again.
register_rerun("timeline", _timeline_result)
register_rerun("kwic", _kwic_result)
register_rerun("terms", _terms_result)


def read_citation(text: str, source: str = "the input") -> dict:
    """The citation in a --cite run's JSON output, or a citation object alone."""
    hint = "give the json output of a --cite run, e.g. archive-search search WORDS --cite --format json > cited.json"
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise CitationError(f"{source} is not JSON ({exc}); {hint}") from None
    cited = data.get("citation") if isinstance(data, dict) else None
    if isinstance(cited, dict):
        data = cited
    if not isinstance(data, dict) or not isinstance(data.get("citation"), str):
        raise CitationError(f"{source} holds no citation; {hint}")
    if data["citation"] != CITATION_FORMAT:
        raise CitationError(
            f"{source} is a citation of format {data['citation']!r}, not {CITATION_FORMAT!r}; "
            "verify it with the archive-search version that wrote it"
        )
    needed = {"command": str, "query": str, "options": dict, "version": str, "index": dict, "results": str}
    wrong = [key for key, kind in needed.items() if not isinstance(data.get(key), kind)]
    if wrong:
        raise CitationError(f"{source}: the citation lacks a valid {wrong[0]!r}; {hint}")
    return data


def verify(archive, cited: dict, rerun: Rerun | None = None) -> Verification:
    """Run a citation (a Citation's to_dict, as read_citation checks it) again on the archive
    and compare: the index, the program's version, the result. `rerun(cited)` gives the
    result again; by default the command's registered re-run."""
    command = cited["command"]
    if rerun is None:
        registered = _RERUNS.get(command)
        if registered is None:
            raise UnsupportedCitation(
                f"verify cannot re-run {command!r} citations yet (it re-runs: {', '.join(sorted(_RERUNS))}); "
                f"run the cited command again by hand with the query and options the citation lists"
            )
        rerun = lambda c: registered(archive, c)  # noqa: E731
    index = cited["index"]
    cited_version = cited["version"]
    state = index_state(archive)
    now = rerun(cited)
    cited_ids = cited.get("ids")
    ids_now = now if cited_ids is not None else None
    outcome = Verification(
        command=command,
        # The fingerprint binds the version that wrote it; a citation whose version alone
        # was changed still names the same articles.
        index_same=index.get("fingerprint") in {"sha256:" + state.fingerprint(v) for v in (cited_version, __version__)},
        version_same=cited_version == __version__,
        results_same=results_hash(ids_now, None if cited_ids is not None else now) == cited["results"],
        cited_version=cited_version,
        version=__version__,
        then=int(index.get("articles") or 0),
        now=len(state.ids),
    )
    if not outcome.index_same:
        _what_changed(archive, outcome, state, index.get("sketch"), cited_ids or [])
    if cited_ids is not None and not outcome.results_same:
        _result_changes(outcome, cited_ids, ids_now or [])
    return outcome


def _result_changes(outcome: Verification, cited: list[str], now: list[str]) -> None:
    before, after = set(cited), set(now)
    outcome.new = [i for i in now if i not in before]
    outcome.gone = [i for i in cited if i not in after]
    outcome.reordered = not outcome.new and not outcome.gone


def _what_changed(archive, outcome: Verification, state: IndexState, sketch: Any, cited_ids: list[str]) -> None:
    """Count, and name where the index can, the articles added, removed and changed since."""
    outcome.added = outcome.removed = outcome.changed = None
    try:
        cited_ids_table, cited_files = _unsketch(sketch) if isinstance(sketch, str) else (None, None)
    except (ValueError, binascii.Error):
        cited_ids_table = cited_files = None
    if cited_ids_table is None or cited_files is None:
        return
    ids_now, files_now = _tables(state)
    id_diff = cited_ids_table.subtract(ids_now).decode() if len(cited_ids_table.counts) == CELLS else None
    file_diff = cited_files.subtract(files_now).decode() if len(cited_files.counts) == CELLS else None
    added: list[str] = []
    if id_diff is not None:
        by_key = _names(state.ids, {key for sign, key, _ in id_diff if sign < 0})
        added = sorted(by_key[key] for sign, key, _ in id_diff if sign < 0 if key in by_key)
        cited_by_key = {_h64(i.encode("utf-8", "surrogatepass")): i for i in cited_ids}
        removed_keys = [key for sign, key, _ in id_diff if sign > 0]
        outcome.added, outcome.removed = len(added), len(removed_keys)
        outcome.added_ids = added
        outcome.removed_ids = sorted(cited_by_key[key] for key in removed_keys if key in cited_by_key)
    if file_diff is not None and id_diff is not None:
        changed = _changed_articles(archive, state, file_diff)
        outcome.changed_ids = sorted(set(changed) - set(added))
        outcome.changed = len(outcome.changed_ids)


def _names(values: list[bytes], keys: set[int]) -> dict[int, str]:
    """{key: value} for the values (ids) whose key is among those asked for."""
    out = {}
    if keys:
        for value in values:
            key = _h64(value)
            if key in keys:
                out[key] = value.decode("utf-8", "surrogateescape")
    return out


def _changed_articles(archive, state: IndexState, file_diff: list[tuple[int, int, int]]) -> list[str]:
    """The ids of the articles now in the files whose content differs from the cited index's
    (a path in both with another hash): read from the index, file by file."""
    then = {name for sign, _, name in file_diff if sign > 0}
    now = {name for sign, _, name in file_diff if sign < 0}
    edited = then & now
    if not edited:
        return []
    filesigs = [f for f in state.files if _h64(_split_file(f), b"p") in edited]
    from whoosh import query as wq

    ids: list[str] = []
    with archive._searcher() as searcher:
        for filesig in filesigs:
            term = wq.Term("filesig", filesig.decode("utf-8", "surrogateescape"))
            ids += [searcher.stored_fields(docnum).get("id", "") for docnum in searcher.docs_for_query(term)]
    return ids
