"""The index directory: where it lives, its generations, its write lock.

Layout of an index directory:

    archive-search.json     which Whoosh index generation is current, and the format
    write.lock              held (flock) by the one running indexer; names it
    copies.sqlite           the verified pairs of copies and their clusters (copies/store.py),
                            brought up to date by every run that changes the archive
    latent.npz              the latent space of the archive's words (ranking/latent.py), refitted by
                            every run that changes the archive; replaced atomically
    vectors.sqlite          each article's place in that space and its words as feedback weighs
                            them, made ahead for searches (ranking/vectorstore.py), brought up to
                            date by every run that changes the archive or the space
    _g1_4.toc, g1_*.seg     Whoosh's files for generation "g1"
    g2.shards/              or, in a sharded archive, generation "g2": a set of shards, each an
                            index directory of its own, and their manifest (shards/layout.py)

Incremental runs commit into the current generation (each Whoosh commit is
atomic: a new table of contents is written last). `--rebuild` builds a new
generation beside the old one and switches `archive-search.json` with an atomic
rename, so searches never see a half-built index.

The program deletes only what it can prove it wrote: `archive-search.json` lists every
generation it has started in the directory (written before the generation's first file),
and only files named exactly as Whoosh names a listed generation's files are ever
deleted. A directory that holds other files and no `archive-search.json` is not an index
and is refused before anything is written into it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from .atomic import write_atomic
from .errors import IndexBeingBuiltError, IndexCorruptError, IndexLockedError, IndexNotFoundError, NotAnIndexError

T = TypeVar("T")

INDEX_ENV = "ARCHIVE_SEARCH_INDEX"
META_FILE = "archive-search.json"
LOCK_FILE = "write.lock"
LATENT_FILE = "latent.npz"  # ranking/latent.py's space of the archive's words
FORMAT = "archive-search-index"
FORMAT_VERSION = 1
# The names Whoosh gives a generation's files (whoosh.index.TOC, codec.base.Segment,
# writing.SegmentWriter): its tables of contents, its segments' files (16-character ids),
# its lock file, and the directory of its writer's temporary files.
_GENERATION = re.compile(r"g[1-9][0-9]{0,8}")
_WHOOSH_FILE = re.compile(
    r"_(?P<toc>g[0-9]+)_[0-9]+\.toc|(?P<seg>g[0-9]+)_[0-9a-z]{16}\.[A-Za-z0-9_.]+|(?P<lock>g[0-9]+)_WRITELOCK"
)
_WHOOSH_TEMP_DIR = re.compile(r"(?P<tmp>g[0-9]+)\.tmp")
_SHARD_SET_DIR = re.compile(r"(?P<set>g[0-9]+)\.shards")
# Any name that Whoosh's own clean-up of a generation would take for one of its files: a new
# generation is never given a name that an entry already in the directory has this way.
_CLAIMED_NAME = re.compile(r"_?g([0-9]+)[_.]")
# What write_lock writes into the lock file: "pid N, started DATE TIME, COMMAND".
_HOLDER = re.compile(r"pid (?P<pid>[0-9]{1,10}), started (?P<started>[^,\n]{1,40}),")


def default_index_dir(explicit: str | os.PathLike | None = None) -> Path:
    """--index, else $ARCHIVE_SEARCH_INDEX, else $XDG_DATA_HOME/archive-search/index."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(INDEX_ENV):
        return Path(os.environ[INDEX_ENV]).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(data_home) / "archive-search" / "index"


class IndexDir:
    """One index directory on disk."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def __str__(self) -> str:
        return str(self.path)

    @property
    def meta_path(self) -> Path:
        return self.path / META_FILE

    def exists(self) -> bool:
        """Whether a published index is here (not merely a first run's claim on the directory)."""
        try:
            return self.read_meta().get("generation") is not None
        except (IndexNotFoundError, IndexCorruptError, IndexBeingBuiltError):
            return False

    def claimed(self) -> bool:
        """Whether the directory holds this program's metadata file (published or not)."""
        return bool(self._own_meta())

    def _own_meta(self) -> dict:
        """The metadata file as written by any version of this program, else {}: what a
        rebuild of a damaged or incompatible index still needs of it."""
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return meta if isinstance(meta, dict) and meta.get("format") == FORMAT else {}

    def read_meta(self) -> dict:
        """The metadata file of a published index; raises IndexNotFoundError or IndexCorruptError."""
        try:
            text = self.meta_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise self._not_found() from None
        except OSError as exc:
            raise IndexCorruptError(str(self.path), f"cannot read {META_FILE}: {exc.strerror}") from None
        try:
            meta = json.loads(text)
        except ValueError:
            raise IndexCorruptError(str(self.path), f"{META_FILE} is not valid JSON") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise IndexCorruptError(str(self.path), f"{META_FILE} is not an archive-search index file")
        if meta.get("version") != FORMAT_VERSION or meta.get("schema") != _schema_version():
            raise IndexCorruptError(
                str(self.path),
                f"it was written by an incompatible version (format {meta.get('version')}, "
                f"schema {meta.get('schema')}; this is format {FORMAT_VERSION}, schema {_schema_version()})",
            )
        if meta.get("generation") is None:  # a first run that has not finished
            raise self._not_found()
        if not _GENERATION.fullmatch(str(meta["generation"])):
            raise IndexCorruptError(str(self.path), f"{META_FILE} names no index generation")
        shards = meta.get("shards")
        if shards is not None and (type(shards) is not int or not 1 <= shards <= _max_shards()):
            raise IndexCorruptError(str(self.path), f"{META_FILE} gives no valid number of shards")
        return meta

    def shards(self) -> int | None:
        """The number of shards of a published sharded archive; None for one index."""
        return self.read_meta().get("shards")

    def _not_found(self) -> IndexNotFoundError | IndexBeingBuiltError:
        """No published index here: being built by a running indexer, or none at all."""
        builder = self.builder()
        return IndexBeingBuiltError(str(self.path), builder) if builder else IndexNotFoundError(str(self.path))

    def builder(self) -> str | None:
        """'pid N (started ...)' of another process holding the write lock, else None."""
        lock_path = self.path / LOCK_FILE
        try:
            fd = os.open(lock_path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return None
        try:
            text = os.read(fd, 4096).decode("utf-8", errors="replace")
            match = _HOLDER.match(text)
            pid = int(match["pid"]) if match else None
            # The holder's own reads (a run checking what it is writing) are not a stranger's build;
            # a dead holder leaves the file, never the lock, and a live one is asked the kernel.
            if pid == os.getpid() or (pid is not None and not _alive(pid)) or not _held(fd):
                return None
        finally:
            os.close(fd)
        return f"pid {pid} (started {match['started']})" if match else "another process"

    def generation(self) -> str:
        return self.read_meta()["generation"]

    def open(self):
        """Open the current generation for reading (a whoosh Index)."""
        from .whoosh_ext import install

        install()
        opened: list[str] = []  # the generation each try opened
        return survive_switches(
            lambda: self._open_current(opened), lambda: bool(opened) and self._switched_from(opened[-1])
        )

    def _open_current(self, opened: list[str]):
        from whoosh.index import EmptyIndexError, open_dir

        meta = self.read_meta()
        name = meta["generation"]
        opened.append(name)
        if meta.get("shards") is not None:
            from .shards.multi import ShardedIndex

            return ShardedIndex(self.path, name, meta["shards"])
        try:
            return open_dir(str(self.path), indexname=name)
        except EmptyIndexError:
            raise IndexCorruptError(str(self.path), f"the table of contents of generation {name} is missing") from None
        except (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError) as exc:
            raise IndexCorruptError(str(self.path), f"{type(exc).__name__}: {exc}") from None

    def _switched_from(self, name: str) -> bool:
        """Whether the directory now names another generation than `name` (a rebuild finished)."""
        try:
            return self.generation() != name
        except (IndexNotFoundError, IndexCorruptError, IndexBeingBuiltError):
            return False

    def check_usable(self) -> None:
        """Refuse, before anything is written, a path that cannot be an index directory:
        a file, a dangling link, or a directory holding files but no index."""
        path = self.path
        if path.is_symlink() and not path.exists():
            raise NotAnIndexError(str(path), "is a symbolic link to nothing")
        if path.exists() and not path.is_dir():
            raise NotAnIndexError(str(path), "is a file, not a directory")
        if not path.is_dir() or self.claimed():
            return
        others = [name for name in os.listdir(path) if name != LOCK_FILE]
        if others:
            raise NotAnIndexError(str(path), f"holds other files ({_shown_names(others)})")

    def _generations(self) -> list[str]:
        """The generations this program started here (and may still have files of)."""
        meta = self._own_meta()
        listed = meta.get("generations")
        if isinstance(listed, list):
            return [g for g in listed if isinstance(g, str) and _GENERATION.fullmatch(g)]
        # Written before generations were listed: its current one, and any others whose
        # files carry Whoosh's exact names in this directory, which holds our metadata.
        if not isinstance(meta.get("generation"), str) or not _GENERATION.fullmatch(meta["generation"]):
            return []
        found = {owner for _, owner in self._whoosh_entries()}
        return sorted(found | {meta["generation"]}, key=_number)

    def create_generation(self, schema):
        """Create an empty Whoosh index under a fresh generation name; return (name, index).
        The name is recorded in the metadata file before any of its files is written."""
        from whoosh.index import create_in

        from .whoosh_ext import install

        install()
        name = self._claim_generation()
        return name, create_in(str(self.path), schema, indexname=name)

    def _claim_generation(self) -> str:
        """A fresh generation name, recorded in the metadata file (the directory made first)."""
        self.path.mkdir(parents=True, exist_ok=True)
        known = self._generations()
        taken = [int(m[1]) for entry in os.listdir(self.path) if (m := _CLAIMED_NAME.match(entry))]
        name = f"g{max([*map(_number, known), *taken], default=0) + 1}"
        meta = self._own_meta() or self._meta(None)
        self._write_meta({**meta, "generations": [*known, name]})
        return name

    def create_shard_set(self, count: int) -> str:
        """Create an empty shard set of `count` shards under a fresh generation name; return
        the name. As with create_generation, the name is recorded first."""
        from .shards import layout

        name = self._claim_generation()
        directory = layout.set_dir(self.path, name)
        directory.mkdir()
        layout.write_manifest(directory, layout.empty_manifest(count))
        return name

    def unpublished_set(self, count: int) -> str | None:
        """A shard set of `count` shards that a run began here and did not publish (it was
        killed): a first build takes it up where it stopped, its finished shards kept."""
        from .shards import layout

        meta = self._own_meta()
        if meta.get("generation") is not None:
            return None
        for name in reversed(self._generations()):
            directory = layout.set_dir(self.path, name)
            try:
                layout.read_manifest(directory, self.path, count)
            except IndexCorruptError:
                continue
            return name
        return None

    def publish(self, generation: str, **extra: object) -> None:
        """Make `generation` the current one (atomically), then delete the others' files."""
        generations = sorted({*self._generations(), generation}, key=_number)
        self._write_meta({**self._meta(generation, **extra), "generations": generations})
        self.remove_other_generations(generation)

    def _meta(self, generation: str | None, **extra: object) -> dict:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "schema": _schema_version(),
            "generation": generation,
            "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **extra,
        }

    def _write_meta(self, meta: dict) -> None:
        write_atomic(self.meta_path, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))

    def touch(self, **extra: object) -> None:
        """Record an update of the current generation."""
        meta = self.read_meta()
        if meta.get("shards") is not None:
            extra = {"shards": meta["shards"], **extra}
        self.publish(meta["generation"], **extra)

    def remove_other_generations(self, keep: str | None) -> None:
        """Delete the files of every generation this program started here but `keep`
        (None: keep only the published one, if any), and list only those left."""
        meta = self._own_meta()
        keep = keep or meta.get("generation")
        doomed = {g for g in self._generations() if g != keep}
        if not doomed:
            return
        for name, owner in self._whoosh_entries():
            if owner in doomed:
                if _SHARD_SET_DIR.fullmatch(name):
                    _remove_shard_set(self.path / name)
                else:
                    _remove_ours(self.path / name)
        left = {owner for _, owner in self._whoosh_entries()} & doomed
        self._write_meta({**meta, "generations": sorted({*left, *([keep] if keep else [])}, key=_number)})

    def remove_all(self) -> None:
        """Delete this index directory's every file this program wrote (a shard of a set
        being deleted): each generation's, the metadata and lock files; then the directory,
        if nothing else is in it."""
        meta = self._own_meta()
        if not meta:
            return
        for name, owner in self._whoosh_entries():
            if owner in {*self._generations(), meta.get("generation")}:
                _remove_ours(self.path / name)
        for name in (META_FILE, LOCK_FILE):
            _remove_ours(self.path / name)
        with contextlib.suppress(OSError):
            os.rmdir(self.path)

    def remove_debris(self, generation: str, ix, *, unpublished: bool) -> None:
        """Delete what a failed write left behind: the writer's temporary files and segment
        files no commit refers to; all of `generation` when it was never published."""
        if unpublished:
            self.remove_other_generations(None)
            return
        from whoosh.index import TOC

        _remove_ours(self.path / f"{generation}.tmp")
        toc = TOC.read(ix.storage, generation)
        remove_stale_files(str(self.path), generation, toc.generation, toc.segments)

    def _whoosh_entries(self) -> list[tuple[str, str]]:
        """(name, generation) of every entry named as Whoosh names a generation's files."""
        found = []
        for name in os.listdir(self.path):
            match = _WHOOSH_FILE.fullmatch(name) or _WHOOSH_TEMP_DIR.fullmatch(name) or _SHARD_SET_DIR.fullmatch(name)
            if match:
                found.append((name, next(g for g in match.groups() if g)))
        return found

    @contextlib.contextmanager
    def write_lock(self, *, wait: bool = False, command: str = "archive-search index") -> Iterator[None]:
        """Hold the directory's write lock; raise IndexLockedError if another run has it."""
        self.path.mkdir(parents=True, exist_ok=True)
        lock_path = self.path / LOCK_FILE
        # Never through a link: the lock file is truncated and written, and a link named
        # write.lock would truncate whatever it points at.
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            if not _flock(fd, wait):
                raise IndexLockedError(str(self.path), _holder(lock_path))
            # The kernel drops the lock when this process dies, however it dies:
            # a stale write.lock file is never a held lock.
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}, {command}\n".encode())
            yield
        finally:
            os.close(fd)  # closing releases the lock


def survive_switches(read: Callable[[], T], switched: Callable[[], bool], tries: int = 3) -> T:
    """`read()`, tried again (up to `tries` in all) when it fails because a rebuild switched
    the directory to a new generation meanwhile, as `switched()` tells; a failure without a
    switch, and the last try's, are the caller's."""
    for _ in range(tries - 1):
        try:
            return read()
        except Exception:  # Whoosh's own (a missing table of contents) or IndexCorruptError
            if not switched():
                raise
    return read()


def remove_stale_files(folder: str, generation: str, toc_number: int, segments) -> None:
    """Delete a generation's files that its current table of contents no longer lists.

    Whoosh's own clean-up (whoosh.index.clean_files) takes any "g7_<letters>.<ext>" for a
    file of generation g7, a user's "g7_taxes.txt" included; this takes only the names
    Whoosh gives its files."""
    keep = {segment.segment_id() for segment in segments}
    for name in os.listdir(folder):
        match = _WHOOSH_FILE.fullmatch(name)
        if match is None:
            continue
        stale_toc = match["toc"] == generation and name != f"_{generation}_{toc_number}.toc"
        if stale_toc or (match["seg"] == generation and name.partition(".")[0] not in keep):
            _remove_ours(Path(folder, name))


def _remove_ours(path: Path) -> None:
    """Delete one of a generation's files, or its writer's temporary directory with the
    regular files in it; never follows a link, never descends further, never raises."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return
    with contextlib.suppress(OSError):
        if stat.S_ISDIR(mode):
            with os.scandir(path) as entries:
                for entry in entries:
                    if entry.is_file(follow_symlinks=False):
                        os.remove(entry.path)
            os.rmdir(path)
        elif stat.S_ISREG(mode):
            os.remove(path)


def _remove_shard_set(path: Path) -> None:
    """Delete a shard set this program made: each shard's files as its own metadata lists
    them, the manifest, then the directories, if nothing else is in them; never follows a link."""
    from .shards import layout

    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            return
        entries = os.listdir(path)
    except OSError:
        return
    for name in entries:
        shard = path / name
        with contextlib.suppress(OSError):
            if layout.is_shard_name(name) and stat.S_ISDIR(os.lstat(shard).st_mode):
                IndexDir(shard).remove_all()
    _remove_ours(path / layout.MANIFEST)
    with contextlib.suppress(OSError):
        os.rmdir(path)


def _max_shards() -> int:
    from .shards.layout import MAX_SHARDS

    return MAX_SHARDS


def _number(generation: str) -> int:
    return int(generation[1:])


def _shown_names(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in sorted(names)[:3])
    return shown + (f" and {len(names) - 3:,} more" if len(names) > 3 else "")


def _flock(fd: int, wait: bool) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; Whoosh's own lock still guards its files
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        return True
    except BlockingIOError:
        return False


def _held(fd: int) -> bool:
    """Whether another open of the lock file holds its lock (a shared lock taken and let go at once)."""
    try:
        import fcntl
    except ImportError:  # Windows: the live pid is all there is to go by
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False


def _alive(pid: int) -> bool:
    if os.name == "nt":  # there os.kill(pid, 0) would send Ctrl-C, not ask
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):  # someone else's process, or a pid we cannot ask about
        return True
    return True


def _holder(lock_path: Path) -> str:
    try:
        text = lock_path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        text = ""
    return text or "another process"


def _schema_version() -> int:
    from .schema import SCHEMA_VERSION

    return SCHEMA_VERSION
