"""The index directory: where it lives, its generations, its write lock.

Layout of an index directory:

    archive-search.json     which Whoosh index generation is current, and the format
    write.lock              held (flock) by the one running indexer; names it
    latent.npz              the latent space of the archive's words (latent.py), refitted by
                            every run that changes the archive; replaced atomically
    _g1_4.toc, g1_*.seg     Whoosh's files for generation "g1"

Incremental runs commit into the current generation (each Whoosh commit is
atomic: a new table of contents is written last). `--rebuild` builds a new
generation beside the old one and switches `archive-search.json` with an atomic
rename, so searches never see a half-built index.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from .errors import IndexCorruptError, IndexLockedError, IndexNotFoundError

INDEX_ENV = "ARCHIVE_SEARCH_INDEX"
META_FILE = "archive-search.json"
LOCK_FILE = "write.lock"
LATENT_FILE = "latent.npz"  # latent.py's space of the archive's words
FORMAT = "archive-search-index"
FORMAT_VERSION = 1


def default_index_dir(explicit: str | os.PathLike | None = None) -> Path:
    """--index, else $ARCHIVE_SEARCH_INDEX, else $XDG_DATA_HOME/archive-search/index."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(INDEX_ENV):
        return Path(os.environ[INDEX_ENV]).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(data_home) / "archive-search" / "index"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # a full disk must not leave the half-written copy behind
            os.remove(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


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
        return self.meta_path.is_file()

    def read_meta(self) -> dict:
        """The metadata file; raises IndexNotFoundError or IndexCorruptError."""
        try:
            text = self.meta_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise IndexNotFoundError(str(self.path)) from None
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
        if not re.fullmatch(r"g\d+", str(meta.get("generation", ""))):
            raise IndexCorruptError(str(self.path), f"{META_FILE} names no index generation")
        return meta

    def generation(self) -> str:
        return self.read_meta()["generation"]

    def open(self):
        """Open the current generation for reading (a whoosh Index)."""
        from whoosh.index import EmptyIndexError, open_dir

        from .codec import install

        install()
        for attempt in range(3):
            name = self.generation()
            try:
                return open_dir(str(self.path), indexname=name)
            except EmptyIndexError:
                # A rebuild may have switched generations between the two reads.
                if attempt == 2 or self.generation() == name:
                    raise IndexCorruptError(
                        str(self.path), f"the table of contents of generation {name} is missing"
                    ) from None
            except (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError) as exc:
                if attempt == 2 or self.generation() == name:
                    raise IndexCorruptError(str(self.path), f"{type(exc).__name__}: {exc}") from None
        raise AssertionError("unreachable")

    def create_generation(self, schema):
        """Create an empty Whoosh index under a fresh generation name; return (name, index)."""
        from whoosh.index import create_in

        self.path.mkdir(parents=True, exist_ok=True)
        used = [int(m[1]) for f in os.listdir(self.path) if (m := re.match(r"_?g(\d+)_", f))]
        name = f"g{max(used, default=0) + 1}"
        return name, create_in(str(self.path), schema, indexname=name)

    def publish(self, generation: str, **extra: object) -> None:
        """Make `generation` the current one (atomically), then delete the others' files."""
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "schema": _schema_version(),
            "generation": generation,
            "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **extra,
        }
        _write_atomic(self.meta_path, json.dumps(meta, indent=2) + "\n")
        self.remove_other_generations(generation)

    def touch(self, **extra: object) -> None:
        """Record an update of the current generation."""
        self.publish(self.generation(), **extra)

    def remove_other_generations(self, keep: str) -> None:
        for name, generation in self._generation_files():
            if generation != keep:
                _remove(self.path / name)

    def remove_debris(self, generation: str, ix, *, unpublished: bool) -> None:
        """Delete what a failed write left behind: the writer's temporary files and segment
        files no commit refers to; all of `generation` when it was never published."""
        if unpublished:
            for name, owner in self._generation_files():
                if owner == generation:
                    _remove(self.path / name)
            return
        from whoosh.index import TOC, clean_files

        _remove(self.path / f"{generation}.tmp")
        toc = TOC.read(ix.storage, generation)
        clean_files(ix.storage, generation, toc.generation, toc.segments)

    def _generation_files(self) -> list[tuple[str, str]]:
        """(file name, generation) for every file of every generation, temporary ones included."""
        found = []
        for name in os.listdir(self.path):
            match = re.match(r"_?(g\d+)(?:_|\.tmp$)", name)
            if match:
                found.append((name, match[1]))
        return found

    @contextlib.contextmanager
    def write_lock(self, *, wait: bool = False, command: str = "archive-search index") -> Iterator[None]:
        """Hold the directory's write lock; raise IndexLockedError if another run has it."""
        self.path.mkdir(parents=True, exist_ok=True)
        lock_path = self.path / LOCK_FILE
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
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


def _remove(path: Path) -> None:
    """Delete a file or a directory tree, if it can be deleted."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            os.remove(path)


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


def _holder(lock_path: Path) -> str:
    try:
        text = lock_path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        text = ""
    return text or "another process"


def _schema_version() -> int:
    from .schema import SCHEMA_VERSION

    return SCHEMA_VERSION
