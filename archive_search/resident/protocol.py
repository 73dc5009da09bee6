"""The resident server's socket and wire: where the socket lives, who may use it, and frames.

The forwarding client imports this before it knows whether a server will answer, so it
uses only what Python has loaded at start-up anyway (os, sys, marshal) and the C socket
module (socket.py would bring enum and selectors).

A frame is one kind byte, a 4-byte big-endian length and the payload. Requests and the
structured replies are marshal data: both ends are the same user's processes (the socket
sits in a directory only its owner can enter, and the server checks the peer's uid), and
both are this version of the program, which the request names first.
"""

from __future__ import annotations

import marshal
import os
import stat
import sys

from .. import __version__

# A server serves the install that started it: the interpreter's prefix names it, so two
# virtualenvs (or versions) each have their own socket, and never answer for each other.
SOCKET_NAME = "serve-{tag}.sock"
LOCK_NAME = "serve-{tag}.lock"
LOG_NAME = "serve-{tag}.log"
NO_SERVER_ENV = "ARCHIVE_SEARCH_NO_SERVER"
TIMEOUT_ENV = "ARCHIVE_SEARCH_SERVER_TIMEOUT"
# How long a client waits for the server to take its request before running in-process.
DEFAULT_TIMEOUT = 1.0
# A request's size bound: arguments, environment and the stdin a command reads (show -).
MAX_REQUEST = 64 * 1024 * 1024

REQUEST, STATUS, STOP = b"Q", b"?", b"!"  # client to server
ACCEPTED, REFUSED, OUT, ERR, PAGE, EXIT, INFO = b"A", b"R", b"O", b"E", b"P", b"X", b"I"  # server to client


class ProtocolError(Exception):
    """The other end sent something that is not a frame of this protocol, or went away."""


def install_tag() -> str:
    """A short name for this install: the version and the interpreter's prefix, hashed."""
    import zlib

    key = f"{__version__}\0{sys.prefix}\0{sys.version}".encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(key):08x}"


def runtime_dir(env: dict | os._Environ | None = None) -> str:
    """The directory of this user's server sockets: $XDG_RUNTIME_DIR/archive-search when the
    runtime directory is set (and absolute), else $TMPDIR (or /tmp)/archive-search-UID,
    as tmux and emacs place theirs."""
    env = os.environ if env is None else env
    base = env.get("XDG_RUNTIME_DIR", "")
    if base and os.path.isabs(base):
        return os.path.join(base, "archive-search")
    tmp = env.get("TMPDIR", "") or "/tmp"
    return os.path.join(tmp, f"archive-search-{os.getuid()}")


def paths(env: dict | os._Environ | None = None) -> tuple[str, str, str]:
    """(socket, lock, log) of this install's server."""
    folder, tag = runtime_dir(env), install_tag()
    return tuple(os.path.join(folder, name.format(tag=tag)) for name in (SOCKET_NAME, LOCK_NAME, LOG_NAME))  # type: ignore[return-value]


def private_dir(folder: str) -> bool:
    """Whether the folder is a real directory of this user's that nobody else may enter."""
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077


def own_socket(path: str) -> bool:
    """Whether the path is a socket of this user's (not a file or link another planted)."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISSOCK(st.st_mode) and st.st_uid == os.getuid()


def frame(kind: bytes, payload: bytes = b"") -> bytes:
    return kind + len(payload).to_bytes(4, "big") + payload


def pack(value) -> bytes:
    return marshal.dumps(value)


def unpack(payload: bytes):
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError) as exc:
        raise ProtocolError(f"bad payload: {exc}") from None


def read_exact(sock, size: int) -> bytes:
    """Exactly size bytes from the socket; ProtocolError when it closes first."""
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise ProtocolError("connection closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(sock, limit: int = MAX_REQUEST) -> tuple[bytes, bytes]:
    head = read_exact(sock, 5)
    size = int.from_bytes(head[1:], "big")
    if size > limit:
        raise ProtocolError(f"frame of {size} bytes")
    return head[:1], read_exact(sock, size)
