"""The command line run inside the test process (Click's runner): the app `python -m archive_search`
runs, without a Python start-up for every call, for tests that make many queries."""

from __future__ import annotations

from conftest import Result
from typer.testing import CliRunner

from archive_search import cli
from archive_search.render import Terminal


def invoke(*args: str, env: dict | None = None, tty: bool = False) -> Result:
    """Run archive-search ARGS with stdout a pipe (or a terminal, with tty) and the given environment."""
    previous = cli.terminal
    cli.terminal = Terminal(stdout_tty=tty, stderr_tty=False, env=env or {})
    try:
        result = CliRunner().invoke(cli.app, list(args))
    finally:
        cli.terminal = previous
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return Result(result.exit_code, result.stdout, result.stderr)
