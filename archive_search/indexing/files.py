"""The files an indexing run reads: the walk of the trees named, reading one file safely,
content hashes, the record of what was indexed before, and JSON Lines from standard input."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from ..errors import InputError
from ..model import STDIN_PATH
from ..model_runs import IndexStats
from ..readers import MAX_FILE_BYTES, Problem, too_big
from ..readers.jsonrecords import MAX_RECORD_CHARS
from ..readers.sniff import ignored_in_walk
from ..store import META_FILE, IndexDir
from .exclude import Excluder

STDIN = "-"  # the path argument that means standard input


def digest(data: bytes) -> str:
    """A file's content hash, as the index records it."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def walk(
    root: str,
    problems: list[Problem],
    stats: IndexStats | None,
    follow: bool,
    *,
    exclude: Excluder | None = None,
    own_index: tuple[int, int] | None = None,
    on_size: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """Regular files under root, depth first, each directory's files in name order, hidden
    entries left out. Iterative, so any depth of tree is walked. Symbolic links are not
    followed unless `follow` (a link may lead out of the tree: to /etc, to ~/.ssh); pipes,
    sockets and devices are never opened. Each is counted in `stats` when given; `on_size`
    hears each file's size (as listed) before the file is yielded.

    Index directories are passed over, as tools pass over .git: any that holds this
    program's metadata file, and `own_index` (the run's own, perhaps not written yet), by
    (device, inode). Entries matching `exclude` are left out."""
    seen: set[tuple[int, int]] = set()  # directories entered, against loops (links, bind mounts)
    stack = [root]
    base = len(root.rstrip(os.sep)) + 1  # where a path relative to the root starts
    while stack:
        folder = stack.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as entries:
                listing = sorted((e for e in entries if not e.name.startswith(".")), key=lambda e: e.name)
        except OSError as exc:
            problems.append(Problem(exc.filename or folder, f"cannot read directory: {exc.strerror or exc}"))
            continue
        if (info.st_dev, info.st_ino) == own_index or _is_index(folder, listing):
            if stats is not None:
                stats.indexes_skipped += 1
            continue
        # Every entry's kind as listed, before any file is read: one that vanishes meanwhile
        # is still met, and reported as gone.
        subfolders = []
        for entry, kind in [(entry, _kind(entry, follow)) for entry in listing]:
            if exclude and exclude.excludes(entry.path[base:].replace(os.sep, "/"), entry.name, kind == "dir"):
                if stats is not None:
                    stats.dirs_excluded += kind == "dir"
                    stats.files_excluded += kind != "dir"
            elif kind == "dir":
                subfolders.append(entry.path)
            elif kind == "file":
                if on_size is not None:
                    on_size(_size(entry, follow))
                yield entry.path
            elif stats is not None and kind == "link":
                stats.links_skipped += 1
            elif stats is not None and kind == "special":
                stats.specials_skipped += 1
        stack.extend(reversed(subfolders))


def _is_index(folder: str, listing: list[os.DirEntry]) -> bool:
    """Whether a directory is an archive-search index: it holds this program's metadata file."""
    return any(entry.name == META_FILE for entry in listing) and IndexDir(folder).claimed()


def identity(path: str | os.PathLike | None) -> tuple[int, int] | None:
    """(device, inode) of a directory, None when there is none."""
    try:
        info = os.stat(path) if path is not None else None
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if info is not None else None


def _kind(entry: os.DirEntry, follow: bool) -> str:
    """What a directory entry is: "dir", "file", "link" (not followed) or "special"."""
    try:
        if entry.is_symlink() and not follow:
            return "link"
        mode = entry.stat(follow_symlinks=follow).st_mode
    except OSError:  # vanished since listed, or a link to nothing
        return "link" if not follow or entry.is_symlink() else "file"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "special"


def _size(entry: os.DirEntry, follow: bool) -> int:
    """A listed file's size, from the status its kind was told by (kept by the entry)."""
    try:
        return entry.stat(follow_symlinks=follow).st_size
    except OSError:
        return 0


def _named_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


_SKIPPED = "skipped"


class Files:
    """The files named by the command-line paths, as (absolute path, path as shown, named).

    An archive of a million articles is a million files, and a list of their paths would
    make the indexer's memory grow with the archive. So the paths are walked twice: once
    up front, to count the files and note a 64-bit hash of each path (8 bytes a file; two
    paths sharing a hash among a million is a chance in tens of millions, and would make
    one of them look already listed), then again while indexing. A path named twice (a
    file and its directory) is indexed once, where first named."""

    def __init__(
        self,
        paths: list[str],
        *,
        follow_symlinks: bool = False,
        stats: IndexStats | None = None,
        exclude: Excluder | None = None,
        index_path: str | os.PathLike | None = None,
        keep: Callable[[str], bool] | None = None,
    ) -> None:
        self._paths = paths
        self._keep = keep  # a shard's run: only the files that go to it (by absolute path)
        self._follow = follow_symlinks
        self._exclude = exclude
        self._index_path = index_path  # the run's own index directory, never walked into
        self._stats = stats  # counts the links and special files passed over, while discovering
        self._hashes = array("q")  # of every path found, sorted once discovery ends
        self._repeats: set[tuple[int, int]] = set()  # (argument number, hash): already listed
        self.roots: list[str] = []  # the directories named, absolute
        self.bytes = 0  # the size of the files found, each counted once (standard input has none)
        self._size = 0  # of the file the walk found last

    def discover(self, on_found: Callable[[int, int], None] | None = None) -> Iterator[Problem | str]:
        """Walk once: count and note the files and their sizes; yield each problem, and
        _SKIPPED for each file that is not an article format. `on_found` hears the files
        and bytes found so far, after each file."""
        seen: set[int] = set()  # while discovering only
        for number, found in self._walk(collect=True):
            if not isinstance(found, tuple):
                yield found
                continue
            if self._keep is not None and not self._keep(found[0]):
                continue
            key = hash(found[0])
            if key in seen:
                self._repeats.add((number, key))
            else:
                seen.add(key)
                self.bytes += self._size
                if on_found is not None:
                    on_found(len(seen), self.bytes)
        self._hashes = array("q", sorted(seen))

    def __len__(self) -> int:
        """How many files discovery found, each counted once."""
        return len(self._hashes)

    def __iter__(self) -> Iterator[tuple[str, str, bool]]:
        """(absolute path, path as shown, named on the command line) of every file."""
        for number, found in self._walk(collect=False):
            if not isinstance(found, tuple) or (self._keep is not None and not self._keep(found[0])):
                continue
            if (number, hash(found[0])) not in self._repeats:
                yield found

    def __contains__(self, path: str) -> bool:
        """Whether the walk found this absolute path."""
        return _position(self._hashes, hash(path)) is not None

    def _walk(self, *, collect: bool) -> Iterator[tuple[int, tuple[str, str, bool] | Problem | str]]:
        """(argument number, what was found); problems and skipped files only when collecting.
        A path named on the command line is read as named, a link included (as cat does)."""
        for number, arg in enumerate(self._paths):
            if arg == STDIN:
                self._size = 0
                yield number, (STDIN, STDIN_PATH, True)
            elif os.path.isdir(arg):
                if collect:
                    self.roots.append(os.path.abspath(arg))
                walk_problems: list[Problem] = []
                stats = self._stats if collect else None
                sized = self._sized if collect else None
                own = identity(self._index_path)
                for path in walk(
                    arg, walk_problems, stats, self._follow, exclude=self._exclude, own_index=own, on_size=sized
                ):
                    if ignored_in_walk(path):
                        if collect:
                            yield number, _SKIPPED
                    else:
                        yield number, (os.path.abspath(path), path, False)
                if collect:
                    for problem in walk_problems:
                        yield number, problem
            elif os.path.lexists(arg):
                if collect:
                    self._size = _named_size(arg)
                yield number, (os.path.abspath(arg), arg, True)
            elif collect:
                yield number, Problem(arg, "no such file or directory")

    def _sized(self, size: int) -> None:
        self._size = size


class Digests:
    """{path: content hash} of the files indexed before the run, in 24 bytes a file.

    A dict of path strings would make a re-run over a million files hold some 250 MB.
    Paths are kept as 64-bit hashes (two sharing one among a million is a chance in tens
    of millions, and would only make a file look changed and be indexed again), sorted,
    with their 16-byte content hashes alongside in the same order."""

    _SIZE = 16  # bytes of a content hash (digest)

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        keys, raw = array("q"), bytearray()
        for path, digest in pairs:
            keys.append(hash(path))
            raw += _unhex(digest, self._SIZE)
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self._keys = array("q", (keys[i] for i in order))
        size = self._SIZE
        self._digests = b"".join(raw[i * size : (i + 1) * size] for i in order)

    def get(self, path: str) -> str | None:
        at = _position(self._keys, hash(path))
        return None if at is None else self._digests[at * self._SIZE : (at + 1) * self._SIZE].hex()


def _position(keys: array, key: int) -> int | None:
    """Where a path's hash sits in a sorted array of them; None when it is not there."""
    at = bisect_left(keys, key)
    return at if at < len(keys) and keys[at] == key else None


def _unhex(digest: str, size: int) -> bytes:
    """A content hash as bytes; anything else (never written by this version) as zeros,
    which match no file's hash, so that the file is indexed again."""
    try:
        raw = bytes.fromhex(digest)
    except ValueError:
        raw = b""
    return raw if len(raw) == size else bytes(size)


# A line of standard input is read up to this many bytes: enough UTF-8 for one record over
# the readers' limit (MAX_RECORD_CHARS characters, at most four bytes each), which they then
# refuse. The rest of a longer line is read and dropped a piece at a time, so one line of
# gigabytes costs this much memory, not its size.
_MAX_LINE_BYTES = 4 * MAX_RECORD_CHARS + 4


def stream_lines(stream: BinaryIO) -> Iterator[str]:
    """The stream's lines, decoded (a bad byte becomes U+FFFD); an over-long line is cut
    at _MAX_LINE_BYTES, still over the readers' limit, so they report it."""
    while True:
        line = _read_line(stream)
        if not line:
            return
        if len(line) == _MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := _read_line(stream)) and not rest.endswith(b"\n"):
                pass
        yield line.decode("utf-8", errors="replace")


def _read_line(stream: BinaryIO) -> bytes:
    """A line of standard input; one that cannot be read is the input's fault, not the index's."""
    try:
        return stream.readline(_MAX_LINE_BYTES)
    except (OSError, ValueError) as exc:  # ValueError: the stream is closed
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "it is closed"
        raise InputError(STDIN_PATH, f"cannot read standard input ({reason})") from None


_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


_BECAME_LINK = "became a symbolic link during the run; not followed (see --follow-symlinks)"


def _not_regular(mode: int) -> str:
    """Why a file of this mode is not read: what it is instead."""
    what = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    hint = "; to index JSON Lines from a pipe use: archive-search index -" if stat.S_ISFIFO(mode) else ""
    return f"is {what}, not a regular file; skipped{hint}"


def read_all(handle: BinaryIO, path: str) -> bytes:
    """The rest of an open file, up to MAX_FILE_BYTES (a larger file is an InputError)."""
    size = os.fstat(handle.fileno()).st_size
    if size > MAX_FILE_BYTES:
        raise InputError(path, too_big(size))
    try:
        data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:  # it grew while being read
        raise InputError(path, too_big(len(data)))
    return data


def stream_digest(handle: BinaryIO, path: str, chunk: int = 2**20) -> str:
    """digest() of a whole open file, read a chunk at a time (a web archive may be gigabytes)."""
    hasher = hashlib.blake2b(digest_size=16)
    handle.seek(0)
    try:
        while block := handle.read(chunk):
            hasher.update(block)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    return hasher.hexdigest()


def open_regular(path: str, *, follow: bool = False) -> BinaryIO:
    """The file opened for reading, or InputError with a reason a person can act on. Only a
    regular file is opened: it is checked before opening (opening a pipe waits for a writer,
    opening a device can act on it) and again on the open descriptor, which never blocks and,
    unless `follow`, refuses a link put in the file's place since the walk."""
    try:
        mode = (os.stat if follow else os.lstat)(path).st_mode
        if stat.S_ISLNK(mode):
            raise InputError(path, _BECAME_LINK)
        if not stat.S_ISREG(mode):
            raise InputError(path, _not_regular(mode))
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
        if not follow:
            flags |= getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags)
        handle = open(fd, "rb", closefd=True)  # noqa: SIM115 - returned to the caller, who closes it
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            handle.close()
            raise InputError(path, _not_regular(info.st_mode))
        return handle
    except IsADirectoryError:
        raise InputError(path, "is a directory") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except FileNotFoundError:
        raise InputError(path, "file disappeared before it could be read") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise InputError(path, _BECAME_LINK) from None
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None


def paths_from(source: str, *, null: bool = False, stdin: BinaryIO | None = None) -> list[str]:
    """The paths listed in `source` (a file, or "-" for standard input), one a line, or each
    ended by NUL with `null` (find -print0). Empty entries are dropped; names are decoded as
    the file system's, so a name that is not UTF-8 reaches the indexer, which reports it."""
    shown = "standard input" if source == STDIN else source
    try:
        if source == STDIN:
            data = (stdin if stdin is not None else sys.stdin.buffer).read()
        else:
            with open(source, "rb") as handle:
                data = handle.read()
    except OSError as exc:
        raise InputError(shown, f"cannot read the list of paths ({exc.strerror or exc}); check --files-from") from None
    entries = data.split(b"\0") if null else data.split(b"\n")
    if not null:
        entries = [e[:-1] if e.endswith(b"\r") else e for e in entries]
    return [os.fsdecode(e) for e in entries if e]
