"""The resident server: one background process per user and install, its modules loaded and
its archives open, that runs forwarded commands as the forwarding process would.

Each request runs in a child forked for it: the child takes the client's working
directory, environment and streams (terminal or not, size, encoding), runs the very
command line the in-process command runs (cli.main), and sends back what it wrote, in
order, with its exit status. A child is private to its request, so nothing one command
changes (the directory, the environment, a module's state) reaches the next; what the
children share is what the server loaded before forking: the modules, and each archive's
schema and latent space, read again when the indexer has replaced them.

Nothing is shared that a fork would break: no open searcher, file or SQLite connection
crosses into a child (each opens its own, on the index's current state, so a search
right after an index run sees its articles).
"""

from __future__ import annotations

import errno
import fcntl
import gc
import io
import os
import select
import signal
import socket
import struct
import sys
import time
from pathlib import Path

from . import protocol as p

# Modules every forwarded command may need, loaded before the first fork so that no child
# pays for them; what a warm-up run on an archive loads besides comes along too.
PRELOAD = (
    "archive_search.cli",
    "archive_search.archive",
    "archive_search.render",
    "archive_search.pager",
    "archive_search.snippets",
    "archive_search.suggest",
    "archive_search.facets",
    "archive_search.timeline",
    "archive_search.kwic",
    "archive_search.terms",
    "archive_search.citation",
    "archive_search.listing",
    "archive_search.cli_facets",
    "archive_search.cli_cite",
    "archive_search.render_citation",
    "archive_search.render_copies",
    "archive_search.render_facets",
    "archive_search.render_kwic",
    "archive_search.render_terms",
    "archive_search.render_timeline",
    "archive_search.copies.store",
    "archive_search.copies.fold",
    "archive_search.copies.dupes",
    "archive_search.ranking.latent",
    "whoosh.highlight",
    "sqlite3",
    "rich.console",
    "rich.text",
    "rich.table",
    "rich.panel",
    "rich.rule",
)
# How long a client may take to send its request once connected.
REQUEST_TIMEOUT = 5.0


class ServeError(Exception):
    """The server cannot start (or be reached), said in one line."""


# -- the parent ------------------------------------------------------------------------


class Server:
    """The listening process: accepts requests and forks a child for each."""

    def __init__(self, socket_path: str, indexes: list[Path], log, cluster: str | None = None) -> None:
        self.socket_path = socket_path
        self.cluster = cluster  # the Dask scheduler the sharded archives' searches spread over
        self.log = log
        self.started = time.time()
        self.requests = 0
        self.archives: dict[str, object] = {}  # index directory (resolved) -> Archive
        self.wanted = [str(Path(ix).resolve()) for ix in indexes]
        self.children: set[int] = set()
        self.listener: socket.socket | None = None
        self.inode: tuple[int, int] | None = None
        self.code: dict[str, tuple[int, int]] = {}
        self.learned_r, self.learned_w = os.pipe()
        os.set_blocking(self.learned_r, False)
        self.stopping = False
        self.spare: tuple[int, socket.socket] | None = None

    # start-up

    def listen(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            sock.bind(self.socket_path)
        finally:
            os.umask(old)
        os.chmod(self.socket_path, 0o600)
        sock.listen(64)
        st = os.lstat(self.socket_path)
        self.inode = (st.st_dev, st.st_ino)
        self.listener = sock

    def warm(self) -> None:
        """Load the modules and open the archives, so that the first request is as fast as the next."""
        import importlib

        from .. import _entry

        _entry.quiet_whoosh_warnings()
        _entry.defer_unused_imports()
        for name in PRELOAD:
            try:
                importlib.import_module(name)
            except ImportError:  # an optional module (rich) missing: its commands load nothing more
                pass
        from .. import cli

        cli.click_command()  # every command made once, not once a request
        for path in self.wanted:
            self.open_archive(path)
            self.rehearse(path)
        if self.cluster:
            self.spread_over_cluster()
        gc.collect()  # the rehearsals' own archives (and any SQLite connection of theirs) closed before a fork
        self.code = _code_stamps()

    def open_archive(self, path: str) -> None:
        """Keep an archive open: its schema and latent space, read before any fork."""
        from ..archive import Archive

        archive = Archive(path)
        try:
            archive.ix  # noqa: B018 -- opening is the point
            archive._space([])
        except Exception as exc:  # not an index (yet): a child opens it afresh, and says why
            self.log(f"not keeping {path} open: {exc}")
            return
        self.archives[path] = archive

    def spread_over_cluster(self) -> None:
        """Have every worker of the cluster keep the sharded archives' shards open (a worker
        plugin, set up again on each worker started later), and the archives' searches
        spread over them. Each child connects to the cluster itself: a connection's thread
        does not survive a fork, so none is held here."""
        from .. import cluster

        for path, archive in self.archives.items():
            if archive.index_dir.shards() is None:
                continue
            cluster.keep_shards_open(self.cluster, path).close()
            archive.cluster = self.cluster
            self.log(f"{path}: its shards kept open on the workers of {self.cluster}")

    def rehearse(self, path: str) -> None:
        """Run a few commands on the kept archive, output thrown away: what they load or
        make lazily (the renderers, Whoosh's highlighter, NumPy's routines, the query
        parser, the latent space's word index) is then there for every child. The
        archive's copies file, which SQLite must not carry across a fork, is closed after."""
        from .. import cli
        from ..render import Terminal

        kept = self.archives.get(path)
        saved = sys.stdout, sys.stderr, cli.terminal, cli.archives
        try:
            sys.stdout = sys.stderr = io.StringIO()
            cli.terminal = Terminal(True, False, {"ARCHIVE_SEARCH_PAGER": ""}, 100, 40)
            if kept is not None:
                cli.archives = lambda _: kept
            for argv in (
                ["search", "the", "--format", "jsonl"],
                ["search", "the", "--format", "rich", "--color", "always"],
                ["search", "the", "--count"],
                ["stats", "--format", "json"],
            ):
                cli.main([*argv, "--index", path])
            if kept is not None:
                _learn_words(kept)
        except Exception as exc:  # a warm-up only
            self.log(f"warm-up on {path}: {type(exc).__name__}: {exc}")
        finally:
            sys.stdout, sys.stderr, cli.terminal, cli.archives = saved
            if kept is not None and kept._copies:
                kept._copies.close()
            if kept is not None:
                kept._copies = None

    # the loop

    def run(self) -> None:
        assert self.listener is not None
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        self.log(f"serving on {self.socket_path} (pid {os.getpid()})")
        while not self.stopping:
            self._spawn_spare()
            try:
                ready, _, _ = select.select([self.listener, self.learned_r], [], [], 1.0)
            except InterruptedError:
                continue
            self._reap()
            if self.learned_r in ready:
                self._learn()
            if self.listener in ready:
                try:
                    conn, _ = self.listener.accept()
                except OSError:
                    continue
                with conn:
                    self._serve_connection(conn)
            if not self._socket_is_ours():
                self.log("the socket was removed or replaced: stopping")
                break
        self.close()

    def _stop(self, signum, frame) -> None:
        self.stopping = True

    def close(self) -> None:
        if self.spare is not None:  # its end of the pair closed: it exits
            self.spare[1].close()
            self.spare = None
        if self.listener is not None:
            self.listener.close()
            if self._socket_is_ours():
                os.unlink(self.socket_path)
            self.listener = None
        self.log(f"stopped after {self.requests} requests")

    def _socket_is_ours(self) -> bool:
        try:
            st = os.lstat(self.socket_path)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == self.inode

    def _reap(self) -> None:
        for pid in list(self.children):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                self.children.discard(pid)
                if self.spare is not None and self.spare[0] == pid:  # the spare died waiting
                    self.spare[1].close()
                    self.spare = None

    def _learn(self) -> None:
        """Keep open the archives the children opened afresh, for the next request."""
        try:
            data = os.read(self.learned_r, 65536)
        except BlockingIOError:
            return
        for line in data.decode("utf-8", "surrogateescape").splitlines():
            if line and line not in self.archives and len(self.archives) < 16:
                self.open_archive(line)
                self._retire_spare()

    def _serve_connection(self, conn: socket.socket) -> None:
        if not _same_user(conn):
            return  # not a peer of ours: nothing said to it
        conn.settimeout(REQUEST_TIMEOUT)
        try:
            kind, payload = p.read_frame(conn)
            if kind == p.STATUS:
                conn.sendall(p.frame(p.INFO, p.pack(self.info())))
                return
            if kind == p.STOP:
                conn.sendall(p.frame(p.INFO, p.pack(self.info())))
                self.stopping = True
                return
            if kind != p.REQUEST:
                return
            req = p.unpack(payload)
            refusal = self._refusal(req)
            if refusal:
                conn.sendall(p.frame(p.REFUSED, refusal.encode()))
                if refusal.startswith("code"):
                    self.stopping = True
                return
            self.requests += 1
            if self._hand_to_spare(conn, payload):
                if self._fresh_archives():  # after the hand-over: the next spare gets the new state
                    self._retire_spare()
                return
            self._fresh_archives()
            pid = _fork()
        except (OSError, p.ProtocolError) as exc:
            self.log(f"request dropped: {exc}")
            return
        if pid:
            self.children.add(pid)
            return
        try:
            _child(conn, req, self)
        finally:
            os._exit(0)

    # A child forked ahead of the next request, waiting for it: forking a process of this
    # size is a good part of a short request, and this way it is done between requests.

    def _spawn_spare(self) -> None:
        if self.spare is not None or self.stopping:
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = _fork()
        if pid == 0:
            try:
                ours.close()
                _spare(theirs, self)
            finally:
                os._exit(0)
        theirs.close()
        self.children.add(pid)
        self.spare = (pid, ours)

    def _hand_to_spare(self, conn: socket.socket, payload: bytes) -> bool:
        """Give the connection and its request to the waiting child; False when none waits."""
        if self.spare is None:
            return False
        _, ours = self.spare
        self.spare = None
        try:
            socket.send_fds(ours, [len(payload).to_bytes(8, "big")], [conn.fileno()])
            ours.sendall(payload)
        except OSError:  # it died waiting: fork one for this request instead
            return False
        finally:
            ours.close()
        return True

    def _refusal(self, req) -> str | None:
        if not isinstance(req, dict) or req.get("version") != p.__version__:
            found = req.get("version") if isinstance(req, dict) else None
            return f"version {p.__version__} serves, not {found}"
        if _code_stamps() != self.code:
            return "code changed on disk since the server started"
        return None

    def _fresh_archives(self) -> bool:
        """An archive rebuilt, removed or refitted since is read again; whether any was."""
        changed = False
        for path, archive in list(self.archives.items()):
            try:
                switched = archive._reopen_if_switched()
            except Exception:
                switched = True
            if switched or not os.path.isdir(path):
                changed = True
                del self.archives[path]
                if os.path.isdir(path):
                    self.open_archive(path)
            else:
                before = _space_stamp(archive)
                archive._space([])  # reads the file again only if the indexer replaced it
                changed |= _space_stamp(archive) != before
        return changed

    def _retire_spare(self) -> None:
        """The waiting child has an older state of the archives than the server now: replace it."""
        if self.spare is not None:
            self.spare[1].close()  # it sees its pair closed, and exits
            self.spare = None

    def info(self) -> dict:
        return {
            "pid": os.getpid(),
            "version": p.__version__,
            "socket": self.socket_path,
            "started": self.started,
            "requests": self.requests,
            "archives": sorted(self.archives),
            "cluster": self.cluster,
            "python": sys.executable,
        }


# How many of an archive's articles the server stems before its first request: a search
# stems the words of the hits it shows snippets of (and of its candidates, when the vectors
# file does not match the index), and those the server knows are looked up, not stemmed,
# in every child (which keeps nothing it learns).
WARM_ARTICLES = 5_000


def _learn_words(archive) -> None:
    """Stem the words of the archive's first WARM_ARTICLES articles, into the stem cache."""
    from itertools import islice

    from ..schema import stems

    with archive._searcher() as searcher:
        for fields in islice(searcher.all_stored_fields(), WARM_ARTICLES):
            stems(f"{fields.get('title', '')} {fields.get('body', '')}"[:20_000])


def _fork() -> int:
    """Fork a request's child. The server's objects are frozen out of the garbage collector
    first, and the child collects nothing: a collection in the child would touch every
    object the server holds, and so copy all of its memory, page by page, for one request."""
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        gc.disable()
    return pid


def _space_stamp(archive) -> object:
    space = archive._space_file
    return space._loaded[0] if space is not None and space._loaded is not None else None


def _same_user(conn: socket.socket) -> bool:
    """Whether the peer runs as this user (Linux's SO_PEERCRED; elsewhere the socket's
    owner-only directory and mode are the check)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True
    try:
        _, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    except OSError:
        return False
    return uid == os.getuid()


# The libraries whose upgrade in place must stop a server too (their package's __init__
# is rewritten by pip); this package's every module is checked.
_STAMPED_LIBRARIES = ("whoosh", "typer", "click", "rich", "numpy", "Stemmer")


def _code_stamps() -> dict[str, tuple[int, int]]:
    """(mtime, size) of this package's loaded modules and of the libraries' packages: a
    change means an upgrade or an edit, and a server running old code must not answer
    for the new."""
    stamps = {}
    for name, module in list(sys.modules.items()):
        if not (name == "archive_search" or name.startswith("archive_search.") or name in _STAMPED_LIBRARIES):
            continue
        path = getattr(module, "__file__", None)
        if not path:
            continue
        try:
            st = os.stat(path)
        except OSError:
            st = None
        stamps[path] = (st.st_mtime_ns, st.st_size) if st else (0, -1)
    return stamps


# -- a request's child -------------------------------------------------------------------


class _Capture(io.RawIOBase):
    """One of the client's standard streams, as the command sees it: writes are kept, in
    order with the other stream's, and it is a terminal if the client's is."""

    def __init__(self, fd: int, kind: bytes, tty: bool, frames: list) -> None:
        self.fd, self.kind, self.tty, self.frames = fd, kind, tty, frames

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.frames.append((self.kind, bytes(data)))
        return len(data)

    def isatty(self) -> bool:
        return self.tty

    def fileno(self) -> int:
        return self.fd


def _text_stream(raw: io.RawIOBase, encoding: str, errors: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BufferedWriter(raw, 1 << 16), encoding=encoding, errors=errors)


def _spare(theirs: socket.socket, server: Server) -> None:
    """A child waiting for the request the server will hand it; it serves that one, as a
    child forked for it would, the index's state checked now rather than at its fork."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server's to stop: it closes our pair
    if server.listener is not None:
        server.listener.close()
        server.listener = None
    try:
        head, fds, _, _ = socket.recv_fds(theirs, 8, 1)
    except OSError:
        return
    if not fds:  # the server stopped (or went away): nothing to serve
        return
    conn = socket.socket(fileno=fds[0])
    try:
        req = p.unpack(p.read_exact(theirs, int.from_bytes(head, "big")))
    except (OSError, p.ProtocolError):
        return
    theirs.close()
    server._fresh_archives()
    _child(conn, req, server)


def _child(conn: socket.socket, req: dict, server: Server) -> None:
    """Run the request as the client's own process would, and send what it wrote."""
    from .. import cli, pager
    from ..archive import Archive
    from ..render import Terminal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if server.listener is not None:
        server.listener.close()
    conn.settimeout(None)
    try:
        conn.sendall(p.frame(p.ACCEPTED))
        os.chdir(req["cwd"])
    except OSError:
        return
    os.environ.clear()
    os.environ.update(req["env"])
    time.tzset()
    ttys, sizes, streams = req["ttys"], req["sizes"], req["streams"]
    frames: list = []
    out = _text_stream(_Capture(1, p.OUT, ttys[1], frames), *streams[1])
    err = _text_stream(_Capture(2, p.ERR, ttys[2], frames), *streams[2])
    err.reconfigure(line_buffering=True)
    stdin_bytes = req.get("stdin") or b""
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin_bytes), encoding=streams[0][0], errors=streams[0][1])
    sys.stdout, sys.stderr = out, err
    sys.__stdout__, sys.__stderr__, sys.__stdin__ = out, err, sys.stdin
    _mirror_terminal(ttys, sizes)
    width, height = sizes[1] if ttys[1] and sizes[1] else (None, None)
    cli.terminal = Terminal(ttys[1], ttys[2], dict(req["env"]), width, height)

    def page(text, command, env, encoding):
        out.flush()
        frames.append((p.PAGE, p.pack((list(command), text, dict(env), encoding))))
        return None

    pager.page = page

    def archive_for(path: Path):
        key = str(Path(path).resolve())
        cached = server.archives.get(key)
        if cached is not None:
            return cached
        if os.path.isdir(key):
            try:
                os.write(server.learned_w, key.encode("utf-8", "surrogateescape") + b"\n")
            except OSError:
                pass
        return Archive(path, cluster=server.cluster)

    cli.archives = archive_for
    try:
        status = cli.main(list(req["argv"]))
    except BaseException as exc:  # cli.main reports its own; this is a bug in the server
        status = 2
        err.write(f"archive-search: internal error in the server: {type(exc).__name__}: {exc}\n")
    for stream in (out, err):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    frames.append((p.EXIT, str(int(status)).encode()))
    try:
        conn.sendall(b"".join(p.frame(kind, payload) for kind, payload in frames))
    except OSError as exc:
        if exc.errno not in (errno.EPIPE, errno.ECONNRESET):
            raise


def _mirror_terminal(ttys, sizes) -> None:
    """os.isatty and os.get_terminal_size answer for the client's descriptors 0-2 (Rich and
    shutil ask them directly), everything else as before."""
    isatty, get_size = os.isatty, os.get_terminal_size

    def mirrored_isatty(fd: int) -> bool:
        return bool(ttys[fd]) if fd in (0, 1, 2) else isatty(fd)

    def mirrored_size(fd: int = 1):
        if fd in (0, 1, 2):
            if not (ttys[fd] and sizes[fd]):
                raise OSError(errno.ENOTTY, os.strerror(errno.ENOTTY))
            return os.terminal_size(sizes[fd])
        return get_size(fd)

    os.isatty = mirrored_isatty
    os.get_terminal_size = mirrored_size


# -- starting, stopping, asking ------------------------------------------------------------


def _lock(lock_path: str):
    """Hold the install's server lock; None when another server holds it."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def prepare_dir(folder: str) -> None:
    """Make the socket directory, private, or refuse one that is not."""
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise ServeError(f"cannot make {folder}: {exc.strerror}") from None
    if not p.private_dir(folder):
        raise ServeError(
            f"{folder} is not a directory of yours that only you can enter; "
            "remove it, or set XDG_RUNTIME_DIR to such a directory"
        )


def ask(kind: bytes, timeout: float = 2.0) -> dict | None:
    """The running server's info (after a stop, its last); None when none answers."""
    socket_path = p.paths()[0]
    if not (p.private_dir(os.path.dirname(socket_path)) and p.own_socket(socket_path)):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(socket_path)
        sock.sendall(p.frame(kind))
        got, payload = p.read_frame(sock)
    except (OSError, p.ProtocolError):
        return None
    finally:
        sock.close()
    return p.unpack(payload) if got == p.INFO else None


def stop(timeout: float = 10.0) -> dict | None:
    """Stop the server; its info, or None when none was running."""
    info = ask(p.STOP)
    if info is None:
        return None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and p.own_socket(info["socket"]):
        time.sleep(0.02)
    return info


def start(indexes: list[Path], foreground: bool, cluster: str | None = None) -> dict:
    """Start this install's server (in the background unless foreground); its info."""
    socket_path, lock_path, log_path = p.paths()
    prepare_dir(os.path.dirname(socket_path))
    running = ask(p.STATUS)
    if running is not None:
        raise ServeError(f"a server is already running (pid {running['pid']}); archive-search serve --stop ends it")
    lock = _lock(lock_path)
    if lock is None:
        raise ServeError("another server is starting or stopping; try again in a moment")
    if os.path.lexists(socket_path):
        if not p.own_socket(socket_path):
            raise ServeError(f"{socket_path} is in the way and is not a socket of yours; remove it")
        os.unlink(socket_path)  # left by a server that is gone: the lock it held is free
    if foreground:
        return _run_server(socket_path, indexes, lock, _logger(None), None, cluster)
    return _daemonize(socket_path, indexes, lock, log_path, cluster)


def _logger(log_path: str | None):
    def log(message: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} archive-search serve[{os.getpid()}]: {message}\n"
        try:
            if log_path is None:
                sys.stderr.write(line)
                sys.stderr.flush()
            else:
                fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, line.encode("utf-8", "backslashreplace"))
                finally:
                    os.close(fd)
        except OSError:
            pass

    return log


def _run_server(socket_path, indexes, lock, log, ready_fd, cluster=None) -> dict:
    server = Server(socket_path, indexes, log, cluster)
    try:
        server.warm()
        server.listen()
    except Exception as exc:
        message = f"cannot start the server: {type(exc).__name__}: {exc}"
        if ready_fd is None:
            raise ServeError(message) from None
        os.write(ready_fd, b"E" + message.encode("utf-8", "replace"))
        os.close(ready_fd)
        return {}
    info = server.info()
    if ready_fd is not None:
        os.write(ready_fd, b"K" + p.pack(info))
        os.close(ready_fd)
    try:
        server.run()
    finally:
        server.close() if server.listener is not None else None
        os.close(lock)
    return info


def _daemonize(socket_path, indexes, lock, log_path, cluster=None) -> dict:
    """Fork the server off (a new session, no terminal, stdio on /dev/null); return once it
    listens, with its info, or raise what kept it from starting."""
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid:
        os.close(ready_w)
        os.close(lock)  # the server's copy holds it
        data = b""
        while chunk := os.read(ready_r, 65536):
            data += chunk
        os.close(ready_r)
        os.waitpid(pid, 0)
        if data[:1] == b"K":
            return p.unpack(data[1:])
        raise ServeError(data[1:].decode("utf-8", "replace") or "the server exited before it listened")
    # the intermediate child: a session of its own, and a grandchild that can never get a terminal back
    try:
        os.close(ready_r)
        os.setsid()
        if os.fork():
            os._exit(0)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        sys.stdin = open(os.devnull)  # noqa: SIM115 -- the daemon's own streams
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115
        os.chdir("/")
        _run_server(socket_path, indexes, lock, _logger(log_path), ready_w, cluster)
    except BaseException:
        pass
    os._exit(0)
