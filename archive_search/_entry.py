"""The archive-search console command's start-up and exit: what it changes in its process.

Importing the library changes nothing; running the command does, here and only here:
Ctrl-C is caught from the first moment, closed standard streams are held with /dev/null,
Whoosh's warnings are silenced, modules a search never uses are imported only if used,
and a command that only read the index exits without Python's teardown.
"""

from __future__ import annotations

import errno
import io
import os
import sys
import types
import warnings

_interrupted_in_finalizer = False
_exit_without_teardown = False


def exit_without_teardown() -> None:
    """Let this run end without Python's teardown: for commands that only read the index.

    Freeing every module and object at exit is a good share of a short search's whole run
    (python -X importtime and hyperfine show it); a command that wrote nothing has nothing
    to release that the system does not."""
    global _exit_without_teardown
    _exit_without_teardown = True


def interrupted_in_finalizer() -> bool:
    """Whether a Ctrl-C landed inside a finalizer (__del__), where Python cannot raise it."""
    return _interrupted_in_finalizer


def _unraisable(info) -> None:
    # Python prints a traceback for an exception it cannot raise, such as a KeyboardInterrupt
    # arriving while Whoosh's lock finalizer runs. Note it instead; long runs check for it.
    global _interrupted_in_finalizer
    if info.exc_type is not None and issubclass(info.exc_type, KeyboardInterrupt):
        _interrupted_in_finalizer = True
        return
    sys.__unraisablehook__(info)


def _closed() -> OSError:
    return OSError(errno.EBADF, os.strerror(errno.EBADF))


class _ClosedInput(io.RawIOBase):
    """Standard input the caller closed (`<&-`): reading fails as on a closed descriptor."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        raise _closed()


class _ClosedOutput(io.TextIOBase):
    """Standard output the caller closed (`>&-`): every write fails as on a closed descriptor,
    so a command reports it as output it cannot write (exit 2). Nothing is buffered, so
    the exit's flush has nothing to fail on."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise _closed()


def _guard_standard_streams() -> None:
    """Hold a closed standard descriptor with /dev/null, so that no file this program opens
    (the index's, an article's) lands on it and gets another's output or is handed to a
    helper process as its stdout; then give Python streams for the ones it had none for."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            held = os.open(os.devnull, os.O_RDWR)  # the lowest free descriptor: this one
            if held != fd:
                os.dup2(held, fd)
                os.close(held)
    if sys.stdin is None:
        sys.stdin = io.TextIOWrapper(io.BufferedReader(_ClosedInput()))
    if sys.stdout is None:
        sys.stdout = _ClosedOutput()
    if sys.stderr is None:  # nobody is listening: diagnostics go nowhere
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 -- the process's own stream


def console_main() -> None:
    """The archive-search command. Ctrl-C while it is still starting (importing its
    modules takes a good part of a short run) exits 130 with one line, as later does."""
    sys.unraisablehook = _unraisable
    _guard_standard_streams()
    try:
        from .resident.client import forward

        status, stdin = forward(sys.argv[1:])
        if status is not None:
            _exit(status, teardown=False)
        if stdin is not None:  # read for a server that did not answer: the command reads it here
            sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding=sys.stdin.encoding, errors=sys.stdin.errors)
        quiet_whoosh_warnings()
        defer_unused_imports()
        from .cli import main

        status = main()
    except KeyboardInterrupt:
        sys.stderr.write("archive-search: interrupted before it started; nothing was changed\n")
        from .status import ExitStatus  # here: enum is not imported before a forwarded run

        status = ExitStatus.INTERRUPTED
    _exit(status, teardown=not _exit_without_teardown)


def _exit(status: int, teardown: bool) -> None:
    # The work is done and its status decided: a Ctrl-C now, while Python tears down (when
    # it has put back the default handler), would end the process by the signal instead.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not teardown:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            sys.exit(status)  # Python's exit reports what could not be written, as usual
        os._exit(status)
    sys.exit(status)


def _defer(module: str, functions: tuple[str, ...], why: str) -> None:
    """Stand in for `module` until something in it is used, then import the real one.

    `functions` are the names other modules bind with `from module import name` at their
    own import time: the stand-in gives them wrappers that load the real module on call.

    The parent package is imported first (they are near-empty ones here) and the stand-in
    bound in it: the import system binds a submodule in its package only when it loads
    it, and a module already in sys.modules is never loaded, so a package imported after
    the stand-in was put there would lack it (`urllib.request.Request`: AttributeError).
    An editable install hid this: its path finder imports pathlib, hence urllib, first."""
    if module in sys.modules:
        return
    import importlib

    parent_name, _, child = module.rpartition(".")
    parent = importlib.import_module(parent_name)

    def load(name: str):
        if name.startswith("__"):  # the import system probing for __path__ and the like
            raise AttributeError(name)
        if sys.modules.get(module) is stand_in:
            del sys.modules[module]
        real = importlib.import_module(module)
        setattr(parent, child, real)
        return getattr(real, name)

    def wrapper(name: str):
        def call(*args, **kwargs):
            return load(name)(*args, **kwargs)

        call.__name__ = name
        return call

    stand_in = types.ModuleType(module, f"Imported on first use (archive_search/_entry.py): {why}")
    stand_in.__getattr__ = load  # type: ignore[attr-defined]
    for name in functions:
        setattr(stand_in, name, wrapper(name))
    sys.modules[module] = stand_in
    setattr(parent, child, stand_in)


def quiet_whoosh_warnings() -> None:
    """Whoosh 2.7.4's modules carry invalid-escape SyntaxWarnings when compiled from source
    (compile-time warnings name the file, hence the path pattern), and a few
    DeprecationWarnings at run time: none are the user's business."""
    warnings.filterwarnings("ignore", category=SyntaxWarning, module=r".*whoosh")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"whoosh")


def defer_unused_imports() -> None:
    """Whoosh 2.7 imports these at start-up for features this program does not use on its
    usual paths; together a good part of a short search's start (python -X importtime)."""
    _defer(
        "urllib.request",
        ("urlretrieve",),
        "Whoosh's compat module imports it for a download helper; it brings http.client, email and ssl",
    )
    _defer("whoosh.lang.morph_en", ("variations",), "Whoosh's Variations query (not used) compiles ~800 regexes")
    _defer("whoosh.lang.porter", ("stem",), "Whoosh's Porter stemmer; this program stems with PyStemmer")
