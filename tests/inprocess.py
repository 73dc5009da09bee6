"""The command line run inside the test process (Click's runner): the app `python -m archive_search`
runs, without a Python start-up for every call, for tests that make many queries."""

from __future__ import annotations

from conftest import Result
from typer.testing import CliRunner

from archive_search import cli
from archive_search.render import Terminal

PAGERS = ("ARCHIVE_SEARCH_PAGER", "PAGER")


def invoke(
    *args: str,
    env: dict | None = None,
    tty: bool = False,
    width: int | None = None,
    height: int | None = None,
    input: str | bytes | None = None,
) -> Result:
    """Run archive-search ARGS with stdout a pipe (or a terminal of the given size, with tty)
    and the given environment. A terminal's output is paged only through a pager the
    environment names (the default, less, would write to the test process's own stdout)."""
    env = dict(env or {})
    if tty and not any(name in env for name in PAGERS):
        env["ARCHIVE_SEARCH_PAGER"] = ""
    previous = cli.terminal
    size = {name: value for name, value in (("width", width), ("height", height)) if value is not None}
    cli.terminal = Terminal(stdout_tty=tty, stderr_tty=False, env=env, **size)
    try:
        result = CliRunner().invoke(cli.app, list(args), input=input)
    finally:
        cli.terminal = previous
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return Result(result.exit_code, result.stdout, result.stderr)
