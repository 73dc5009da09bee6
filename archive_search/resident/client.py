"""The forwarding client: hand a command to the resident server, print its answer as it came.

Every start of the command tries this first (archive_search/_entry.py), so it must cost
next to nothing when no server runs: a stat of the socket, no Typer, no Whoosh, no enum.
The answer is held whole until the server says the command's exit status; only then is
anything written. A server that goes away mid-answer, refuses the request (another
version, or its code changed on disk) or does not take it within the timeout leaves
nothing written, and the command runs in-process as it would without a server.
"""

from __future__ import annotations

import os
import sys

from ..streams import drop_stdout
from . import protocol as p

# The commands a server runs: those that only read the index. index, remove and export
# (which writes files, and whole archives) always run in-process, as do serve itself,
# --help and --version (their layout follows this process's terminal), and search
# --queries (a batch already pays the start-up once).
FORWARDED = frozenset({"search", "show", "similar", "stats", "list", "dupes", "kwic", "terms", "timeline", "verify"})
_IN_PROCESS_OPTIONS = frozenset({"--help", "-h", "--version", "--queries"})


class Unanswered(Exception):
    """The server did not answer; run in-process."""


def wanted(argv: list[str], env=None) -> bool:
    """Whether these arguments go to a server (if one answers)."""
    env = os.environ if env is None else env
    if env.get(p.NO_SERVER_ENV, "") not in ("", "0") or not argv or argv[0] not in FORWARDED:
        return False
    for arg in argv[1:]:
        if arg == "--":
            break
        if arg in _IN_PROCESS_OPTIONS or arg.startswith("--queries="):
            return False
    return True


def forward(argv: list[str]) -> tuple[int | None, bytes | None]:
    """Run argv on this user's server: (exit status, None) when it answered, else (None,
    the stdin bytes read for the request, if any: the in-process run reads those)."""
    if not wanted(argv):
        return None, None
    socket_path = p.paths()[0]
    if not (p.private_dir(os.path.dirname(socket_path)) and p.own_socket(socket_path)):
        return None, None
    try:
        for fd in (1, 2):
            os.fstat(fd)  # a closed stdout or stderr: the in-process run reports it as it does
    except OSError:
        return None, None
    sock = _connect(socket_path)
    if sock is None:
        return None, None
    stdin = None
    try:
        if "-" in argv[1:]:
            if os.isatty(0):
                return None, None  # typed ids: read by the in-process run, as they are typed
            stdin = sys.stdin.buffer.read()
        answer = _ask(sock, request(argv, stdin))
    except (Unanswered, p.ProtocolError, OSError):
        return None, stdin
    finally:
        sock.close()
    return replay(answer), None


def request(argv: list[str], stdin: bytes | None) -> dict:
    """What the server needs to run argv as this process would: the place, the environment,
    and what the standard streams are (terminal or not, size, encoding)."""
    ttys = tuple(os.isatty(fd) for fd in (0, 1, 2))
    sizes = []
    for fd, tty in enumerate(ttys):
        try:
            sizes.append(tuple(os.get_terminal_size(fd)) if tty else None)
        except OSError:
            sizes.append(None)
    streams = [(getattr(s, "encoding", None), getattr(s, "errors", None)) for s in (sys.stdin, sys.stdout, sys.stderr)]
    return {
        "version": p.__version__,
        "argv": list(argv),
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "ttys": ttys,
        "sizes": tuple(sizes),
        "streams": tuple((e or "utf-8", r or "strict") for e, r in streams),
        "stdin": stdin,
    }


def _timeout() -> float:
    try:
        return max(0.01, float(os.environ.get(p.TIMEOUT_ENV, p.DEFAULT_TIMEOUT)))
    except ValueError:
        return p.DEFAULT_TIMEOUT


def _connect(path: str):
    import _socket

    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    sock.settimeout(_timeout())
    try:
        sock.connect(path)
    except OSError:  # no server (a stale socket), or not this user's to talk to
        sock.close()
        return None
    return sock


def _ask(sock, req: dict) -> list[tuple[bytes, bytes]]:
    """Send the request; the answer's frames once the exit status has come."""
    sock.sendall(p.frame(p.REQUEST, p.pack(req)))
    kind, payload = p.read_frame(sock)  # within the timeout: the server takes it, or not
    if kind != p.ACCEPTED:
        raise Unanswered(payload.decode("utf-8", "replace"))
    sock.settimeout(None)  # taken: the command runs as long as it runs
    frames = []
    try:
        while True:
            kind, payload = p.read_frame(sock, limit=1 << 40)
            frames.append((kind, payload))
            if kind == p.EXIT:
                return frames
    except KeyboardInterrupt:
        # As the in-process command says it (cli.handles_errors); the server's run ends
        # when it finds nobody to answer.
        return [(p.ERR, b"archive-search: interrupted\n"), (p.EXIT, b"130")]


def replay(frames: list[tuple[bytes, bytes]]) -> int:
    """Write the answer's output and diagnostics in the order the command wrote them; its
    exit status. A reader that went away ends the output quietly, as in-process."""
    out, err = sys.stdout.buffer, sys.stderr.buffer
    status, stdout_gone = 0, False
    for kind, payload in frames:
        if kind == p.OUT and not stdout_gone:
            try:
                out.write(payload)
                out.flush()
            except BrokenPipeError:
                drop_stdout()
                stdout_gone = True
            except OSError as exc:
                return _output_failed(exc)
        elif kind == p.ERR:
            _write_err(err, payload)
        elif kind == p.PAGE and not stdout_gone:
            _page(*p.unpack(payload))
        elif kind == p.EXIT:
            status = int(payload)
    return status


def _write_err(err, payload: bytes) -> None:
    try:
        err.write(payload)
        err.flush()
    except (OSError, ValueError):  # nowhere left to report it; the status still tells
        pass


def _output_failed(exc: OSError) -> int:
    """Output that cannot be written: reported as the in-process command reports it."""
    from ..errors import OutputError
    from ..status import ExitStatus

    drop_stdout()
    _write_err(sys.stderr.buffer, f"archive-search: error: {OutputError(exc)}\n".encode("utf-8", "replace"))
    return ExitStatus.ERROR


def _page(command: list[str], text: str, env: dict, encoding: str) -> None:
    """Page the text here, where the terminal is, as cli.output does in-process."""
    from ..pager import page_or_write

    problem = page_or_write(text, command, sys.stdout, env, encoding)
    sys.stdout.flush()
    if problem:
        from ..render import escaped

        _write_err(sys.stderr.buffer, (escaped(f"archive-search: warning: {problem}") + "\n").encode("utf-8"))
