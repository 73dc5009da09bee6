"""The resident mode (archive-search serve): forwarded commands answer byte for byte as
in-process ones, and every fault ends in a right answer or one clear line."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import Result, _unclocked, run_cli, write_jsonl

from archive_search.resident import protocol

NO_SERVER = {"ARCHIVE_SEARCH_NO_SERVER": "1"}


def runtime_env() -> dict:
    """A private runtime directory, as a login session has: one server per test that starts one."""
    return {"XDG_RUNTIME_DIR": tempfile.mkdtemp(prefix="archive-search-rt-")}


def socket_path(env: dict) -> str:
    return protocol.paths(env)[0]


def server_info(env: dict) -> dict | None:
    result = run_cli("serve", "--status", "--format", "json", env=env)
    return json.loads(result.stdout) if result.exit_code == 0 else None


def served(env: dict) -> int:
    info = server_info(env)
    return info["requests"] if info else -1


@pytest.fixture()
def server_env(sample_index):
    env = runtime_env()
    started = run_cli("serve", "--index", str(sample_index), env=env)
    assert started.exit_code == 0, started.stderr
    assert "serving on" in started.stderr
    yield env
    run_cli("serve", "--stop", env=env)
    shutil.rmtree(env["XDG_RUNTIME_DIR"], ignore_errors=True)


def both(env: dict, *args: str, input: bytes | None = None) -> tuple[Result, Result]:
    """The command in-process and forwarded (the callers check the server's count of requests)."""
    local = run_cli(*args, env={**env, **NO_SERVER}, input=input)
    remote = run_cli(*args, env=env, input=input)
    return local, remote


def assert_same(local: Result, remote: Result) -> None:
    """The same answer (a citation's "created" second aside: the time each run made it)."""
    assert (remote.exit_code, _unclocked(remote.stdout), remote.stderr) == (
        local.exit_code,
        _unclocked(local.stdout),
        local.stderr,
    )


CASES = [
    ("search", "bike lane"),
    ("search", "bike lane", "--format", "json"),
    ("search", "bike lane", "--format", "jsonl", "-n", "3"),
    ("search", "bike lane", "--format", "tsv"),
    ("search", "bike lane", "--format", "csv", "--fields", "id,title,published"),
    ("search", "bike lane", "--format", "ids"),
    ("search", "bike lane", "--format", "paths", "-0"),
    ("search", "bike lane", "--format", "plain"),
    ("search", "bike lane", "--format", "rich", "--color", "always"),
    ("search", "bike lane", "--count"),
    ("search", "bike lane", "--facet", "source", "--format", "json"),
    ("search", "bike lane", "--cite", "--format", "json"),
    ("search", "bike lane", "--collapse", "--format", "jsonl"),
    ("search", "zzyzxnothing"),  # nothing matches: 1
    ("search", "bikee lanee"),  # 1, with a suggestion on stderr
    ("search", "title:("),  # a query error: 2
    ("search", "bike", "--format", "nope"),  # a usage error: 2, Click's message
    ("search", "bike", "--since", "not a date"),
    ("search", "bike", "--sort", "newest", "--format", "ids", "--since", "2015"),
    ("search", "--source", "DNAinfo Chicago", "--format", "ids"),
    ("show", "ny_002_columbus-bike-lane", "--format", "json"),
    ("show", "ny_002_columbus-bike-lane", "--format", "plain"),
    ("show", "ny_002_columbus-bike-lane", "no-such-id"),  # 1, one reported on stderr
    ("similar", "ny_002_columbus-bike-lane", "--format", "jsonl"),
    ("stats", "--format", "plain"),
    ("list", "--format", "tsv"),
    ("list", "--since", "2016", "--format", "json"),
    ("timeline", "bike", "--format", "tsv"),
    ("timeline", "bike", "--format", "rich", "--color", "always", "--by", "year"),
    ("kwic", "bike", "--format", "plain"),
    ("terms", "bike", "--format", "json"),
    ("dupes", "ny_002_columbus-bike-lane", "--format", "json"),
]


@pytest.mark.soak  # some 15 s; .ci/run's both-ways run of the whole suite checks the same in the default set
def test_forwarded_commands_answer_as_in_process(server_env, sample_index):
    """Every output format and exit status of the commands a server runs, byte for byte."""
    statuses = set()
    for case in CASES:
        local, remote = both(server_env, *case, "--index", str(sample_index))
        assert_same(local, remote)
        statuses.add(local.exit_code)
    assert statuses == {0, 1, 2}  # the cases cover them all
    assert served(server_env) == len(CASES)  # and every one was the server's


def test_stdin_ids_and_relative_paths_are_forwarded(server_env, sample_index, tmp_path):
    before = served(server_env)
    ids = b"ny_002_columbus-bike-lane\nchi_002_milwaukee-bike-lane\n"
    local, remote = both(server_env, "show", "-", "--format", "jsonl", "--index", str(sample_index), input=ids)
    assert_same(local, remote)
    assert local.exit_code == 0 and local.stdout.count("\n") == 2
    # The working directory goes along: --index given relative to it.
    relative = os.path.relpath(sample_index, Path.cwd())
    local, remote = both(server_env, "search", "bike", "--format", "ids", "--index", relative)
    assert_same(local, remote)
    assert local.exit_code == 0
    assert served(server_env) == before + 2


def test_the_environment_goes_along(server_env, sample_index):
    """$ARCHIVE_SEARCH_INDEX, TZ and NO_COLOR are the client's, not the server's."""
    env = {**server_env, "ARCHIVE_SEARCH_INDEX": str(sample_index), "TZ": "Asia/Tokyo", "NO_COLOR": "1"}
    before = served(server_env)
    for args in (("search", "bike lane", "--format", "tsv"), ("list", "--format", "plain")):
        local = run_cli(*args, env={**env, **NO_SERVER})
        remote = run_cli(*args, env=env)
        assert_same(local, remote)
    assert served(server_env) == before + 2


def test_a_search_right_after_index_sees_the_new_articles(tmp_path):
    env = runtime_env()
    feed = write_jsonl(
        tmp_path / "feed" / "a.jsonl", [{"id": "first", "title": "Ferry", "body": "A ferry route. " * 5}]
    )
    index = tmp_path / "index"
    assert run_cli("index", str(feed.parent), "--index", str(index)).exit_code == 0
    assert run_cli("serve", "--index", str(index), env=env).exit_code == 0
    try:
        assert run_cli("search", "ferry", "--format", "ids", "--index", str(index), env=env).stdout == "first\n"
        write_jsonl(
            tmp_path / "feed" / "b.jsonl", [{"id": "second", "title": "Ferry two", "body": "Ferry again. " * 5}]
        )
        assert run_cli("index", str(feed.parent), "--index", str(index)).exit_code == 0
        got = run_cli("search", "ferry", "--format", "ids", "--index", str(index), env=env)
        assert sorted(got.stdout.split()) == ["first", "second"]
        # A rebuild from other files replaces the generation the server had open.
        other = write_jsonl(tmp_path / "other" / "c.jsonl", [{"id": "third", "title": "Ferry", "body": "Boats. " * 5}])
        assert run_cli("index", str(other.parent), "--index", str(index), "--rebuild").exit_code == 0
        got = run_cli("search", "ferry", "--format", "ids", "--index", str(index), env=env)
        assert got.stdout == "third\n", got.stderr
        assert served(env) == 3
    finally:
        run_cli("serve", "--stop", env=env)


def test_serve_status_and_stop(sample_index):
    env = runtime_env()
    none = run_cli("serve", "--status", env=env)
    assert none.exit_code == 1 and none.stderr == "archive-search: no server is running\n"
    assert run_cli("serve", "--index", str(sample_index), env=env).exit_code == 0
    again = run_cli("serve", env=env)
    assert again.exit_code == 2 and "already running" in again.stderr and "serve --stop" in again.stderr
    info = server_info(env)
    assert info["archives"] == [str(sample_index.resolve())] and info["version"] == protocol.__version__
    mode = os.stat(info["socket"]).st_mode
    assert mode & 0o777 == 0o600 and os.stat(os.path.dirname(info["socket"])).st_mode & 0o777 == 0o700
    stopped = run_cli("serve", "--stop", env=env)
    assert stopped.exit_code == 0 and "stopped the server" in stopped.stderr
    assert not os.path.exists(info["socket"])
    assert run_cli("serve", "--stop", env=env).exit_code == 1


def test_a_killed_server_leaves_a_stale_socket_that_changes_nothing(sample_index):
    env = runtime_env()
    assert run_cli("serve", "--index", str(sample_index), env=env).exit_code == 0
    info = server_info(env)
    os.kill(info["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(info["pid"]):
        time.sleep(0.05)
    assert os.path.exists(info["socket"])  # stale: nobody listens
    local = run_cli("search", "bike lane", "--index", str(sample_index), env={**env, **NO_SERVER})
    remote = run_cli("search", "bike lane", "--index", str(sample_index), env=env)
    assert_same(local, remote)
    assert run_cli("serve", "--status", env=env).exit_code == 1
    restarted = run_cli("serve", "--index", str(sample_index), env=env)  # takes the stale socket's place
    assert restarted.exit_code == 0, restarted.stderr
    assert served(env) == 0
    run_cli("serve", "--stop", env=env)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie of ours counts as gone
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


def _python_for_anyone() -> str:
    """A Python another user can run (this one may live in root's home)."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"):
        if os.path.exists(candidate) and os.stat(os.path.realpath(candidate)).st_mode & 0o001:
            return candidate
    pytest.skip("no Python that another user may run (needed to play the other user)")


class FakeServer:
    """A server that misbehaves as told: to show the client falls back and prints the right answer."""

    def __init__(self, env: dict, behaviour) -> None:
        folder = os.path.dirname(socket_path(env))
        os.makedirs(folder, mode=0o700, exist_ok=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(socket_path(env))
        self.sock.listen(4)
        self.behaviour = behaviour
        self.calls = 0
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.calls += 1
            with conn:
                try:
                    protocol.read_frame(conn)
                    self.behaviour(conn)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


def _dies_mid_answer(conn) -> None:
    conn.sendall(protocol.frame(protocol.ACCEPTED) + protocol.frame(protocol.OUT, b"half an answ"))


def _refuses(conn) -> None:
    conn.sendall(protocol.frame(protocol.REFUSED, b"version 9.9 serves, not 0.1.0"))


def _silent(conn) -> None:
    time.sleep(3)


def _garbage(conn) -> None:
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")


@pytest.mark.parametrize("behaviour", [_dies_mid_answer, _refuses, _silent, _garbage])
def test_a_server_that_does_not_answer_right_leaves_the_answer_to_the_process(sample_index, behaviour):
    env = {**runtime_env(), protocol.TIMEOUT_ENV: "0.5"}
    fake = FakeServer(env, behaviour)
    try:
        args = ("search", "bike lane", "--format", "jsonl", "--index", str(sample_index))
        local = run_cli(*args, env={**env, **NO_SERVER})
        started = time.monotonic()
        remote = run_cli(*args, env=env)
        elapsed = time.monotonic() - started
        assert fake.calls == 1
        assert_same(local, remote)
        assert elapsed < 2.5  # the silent one: the timeout, then in-process
    finally:
        fake.close()


def test_a_server_of_another_version_is_not_asked_and_is_refused(server_env, sample_index):
    """A client of another version talks to another socket (its install's); a request
    naming another version that reaches this server anyway is refused, not answered."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(socket_path(server_env))
    req = {"version": "0.0.1", "argv": ["stats"], "cwd": "/", "env": {}, "ttys": (False,) * 3}
    sock.sendall(protocol.frame(protocol.REQUEST, protocol.pack(req)))
    kind, payload = protocol.read_frame(sock)
    sock.close()
    assert kind == protocol.REFUSED and b"0.0.1" in payload


def test_a_server_whose_code_changed_on_disk_refuses_and_stops(server_env, sample_index):
    import archive_search.resident as module

    path = Path(module.__file__)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    try:
        args = ("search", "bike lane", "--format", "ids", "--index", str(sample_index))
        local = run_cli(*args, env={**server_env, **NO_SERVER})
        remote = run_cli(*args, env=server_env)
        assert_same(local, remote)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and os.path.exists(socket_path(server_env)):
            time.sleep(0.05)
        assert not os.path.exists(socket_path(server_env))  # it stopped, and took its socket
    finally:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_another_users_directory_in_the_way_is_one_clear_error(sample_index, tmp_path):
    """Without a runtime directory the sockets go under TMPDIR; a directory there of
    another user's (squatting the name) is refused, and commands run in-process."""
    if os.getuid() != 0:
        pytest.skip("needs root to make a directory of another user's")
    env = {"TMPDIR": str(tmp_path), "XDG_RUNTIME_DIR": ""}
    squat = tmp_path / f"archive-search-{os.getuid()}"
    squat.mkdir(mode=0o777)
    os.chown(squat, 65534, 65534)
    started = run_cli("serve", "--index", str(sample_index), env=env)
    assert started.exit_code == 2
    assert started.stderr.count("\n") == 1 and "is not a directory of yours" in started.stderr
    assert run_cli("search", "bike lane", "--format", "ids", "--index", str(sample_index), env=env).exit_code == 0


def test_another_user_cannot_use_the_server(server_env, sample_index, tmp_path):
    """Another user on the machine cannot reach this user's socket (its directory is the
    owner's alone); were the directory opened to them, the server would not answer them."""
    if os.getuid() != 0:
        pytest.skip("needs root to run a command as another user")
    folder = os.path.dirname(socket_path(server_env))
    code = (
        "import socket, sys\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "s.settimeout(5)\n"
        "try:\n"
        "    s.connect(sys.argv[1]); s.sendall(bytes.fromhex(sys.argv[2])); print(repr(s.recv(10)))\n"
        "except OSError as e:\n"
        "    print(type(e).__name__)\n"
    )
    req = protocol.frame(protocol.STATUS).hex()
    python = _python_for_anyone()
    as_nobody = [python, "-S", "-c", code, socket_path(server_env), req]
    blocked = subprocess.run(as_nobody, capture_output=True, text=True, user=65534, group=65534, timeout=30)
    assert blocked.stdout.strip() == "PermissionError", blocked.stderr
    before = served(server_env)
    opened = (server_env["XDG_RUNTIME_DIR"], folder)
    for path in opened:
        os.chmod(path, 0o711)
    os.chmod(socket_path(server_env), 0o666)
    try:
        refused = subprocess.run(as_nobody, capture_output=True, text=True, user=65534, group=65534, timeout=30)
    finally:
        for path in opened:
            os.chmod(path, 0o700)
        os.chmod(socket_path(server_env), 0o600)
    # closed without a word (before or after the request was sent)
    assert refused.stdout.strip() in ("b''", "BrokenPipeError", "ConnectionResetError"), refused.stderr
    assert served(server_env) == before


def test_a_forwarded_command_imports_neither_typer_nor_whoosh(server_env, sample_index):
    """The client decides to forward, and gets its answer, before any heavy import."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "archive_search", "search", "bike", "--index", str(sample_index)],
        capture_output=True,
        text=True,
        env={**os.environ, **server_env},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "archive_search.resident.client" in modules  # the measurement works
    heavy = sorted(m for m in modules if m.split(".")[0] in ("typer", "click", "whoosh", "numpy", "rich", "json"))
    assert heavy == [], heavy
    assert served(server_env) == 1


def run_in_terminal(args: list[str], env: dict, columns: int, rows: int) -> tuple[int, bytes]:
    """The command on a pseudo-terminal of this size (stdout and stderr both on it): its
    exit status and every byte the terminal got."""
    import fcntl
    import pty
    import struct
    import termios

    full = {**os.environ, "TERM": "xterm-256color", **env}
    full.pop("COLUMNS", None)
    full.pop("LINES", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: its terminal sized, then the command
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        os.execve(sys.executable, [sys.executable, "-m", "archive_search", *args], full)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), b"".join(chunks)


TERMINAL_CASES = [
    (["search", "bike lane"], {}, 100, 200),
    (["search", "bike lane"], {}, 60, 200),
    (["search", "bike lane"], {"NO_COLOR": "1"}, 80, 200),
    (["search", "bike lane"], {"TERM": "dumb"}, 80, 200),
    (["search", "bike lane", "--format", "plain"], {}, 80, 200),
    (["search", "zzyzxnothing"], {}, 80, 200),  # "no matches" said to a person
    (["show", "ny_002_columbus-bike-lane"], {}, 70, 200),
    (["timeline", "bike", "--by", "year"], {}, 90, 200),
    (["kwic", "bike"], {}, 90, 200),
    (["stats"], {}, 100, 200),
    (["list", "--since", "2016"], {}, 120, 200),
]


@pytest.mark.parametrize(
    "args,extra,columns,rows",
    [TERMINAL_CASES[0], *(pytest.param(*case, marks=pytest.mark.soak) for case in TERMINAL_CASES[1:])],
)
def test_on_a_terminal_colour_and_width_are_the_terminals(server_env, sample_index, args, extra, columns, rows):
    args = [*args, "--index", str(sample_index)]
    env = {**server_env, **extra, "ARCHIVE_SEARCH_PAGER": ""}
    before = served(server_env)
    local = run_in_terminal(args, {**env, **NO_SERVER}, columns, rows)
    remote = run_in_terminal(args, env, columns, rows)
    assert remote == local
    assert served(server_env) == before + 1
    if not extra and "plain" not in args and "zzyzxnothing" not in args:
        assert b"\x1b[" in local[1]  # the case is a styled one


def test_on_a_terminal_long_output_is_paged_by_the_client(server_env, sample_index, tmp_path):
    """The pager runs where the terminal is: in the forwarding process, on the text the
    in-process command would page, with the same environment."""
    args = ["show", "ny_002_columbus-bike-lane", "chi_002_milwaukee-bike-lane", "--index", str(sample_index)]
    paged = {}
    for mode, extra in (("local", NO_SERVER), ("remote", {})):
        target = tmp_path / f"{mode}.txt"
        pager = f"sh -c 'cat > {target}; echo LESS=$LESS >> {target}'"
        status, screen = run_in_terminal(args, {**server_env, **extra, "ARCHIVE_SEARCH_PAGER": pager}, 80, 12)
        paged[mode] = (status, screen, target.read_bytes())
    assert paged["remote"] == paged["local"]
    assert paged["local"][2].count(b"\n") > 12 and b"LESS=FRX" in paged["local"][2]


def test_on_a_terminal_a_pager_that_cannot_start_is_met_as_in_process(server_env, sample_index):
    """The text is written to the terminal instead, with one warning saying what to set,
    the same bytes in the same order whether the server answered or the process did."""
    args = ["show", "ny_002_columbus-bike-lane", "chi_002_milwaukee-bike-lane", "--index", str(sample_index)]
    env = {**server_env, "ARCHIVE_SEARCH_PAGER": "/nonexistent/archive-search-test-pager"}
    before = served(server_env)
    local = run_in_terminal(args, {**env, **NO_SERVER}, 80, 12)
    remote = run_in_terminal(args, env, 80, 12)
    assert remote == local
    assert served(server_env) == before + 1
    status, screen = local
    assert status == 0 and b"cannot run the pager" in screen and b"--no-pager" in screen
    assert screen.count(b"\n") > 12  # the whole text, not paged


def _takes_forever(conn) -> None:
    conn.sendall(protocol.frame(protocol.ACCEPTED))
    time.sleep(30)


def test_ctrl_c_while_the_server_works_exits_130_as_in_process(sample_index):
    env = {**os.environ, **runtime_env()}
    fake = FakeServer(env, _takes_forever)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "archive_search", "search", "bike", "--index", str(sample_index)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            # A run started in the background (CI) ignores SIGINT, and Python then installs no
            # handler: the child gets SIGINT's default back first, as a terminal's command has it.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 20
        while fake.calls == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the client is waiting for the answer
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        fake.close()
    assert (proc.returncode, out, err) == (130, b"", b"archive-search: interrupted\n")
