# ruff: noqa: UP045  (Optional[...] in the options, as cli.py writes them for Typer)
"""`archive-search serve`: start, stop or ask about the resident server (resident/server.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .cli import app, cluster_option, err, handles_errors, writing_output
from .render import STATS_FORMATS, OutputFormat, check_format, json_text
from .status import ExitStatus


@app.command()
@handles_errors
def serve(
    index: Optional[List[Path]] = typer.Option(
        None,
        "--index",
        "-i",
        help="An index to keep open; repeat for several [default: $ARCHIVE_SEARCH_INDEX, else the default index]. "
        "Others are opened on first use.",
        show_default=False,
    ),
    stop: bool = typer.Option(False, "--stop", help="Stop the running server."),
    status: bool = typer.Option(False, "--status", help="Say whether a server runs, and what it serves."),
    foreground: bool = typer.Option(
        False, "--foreground", help="Run in this process, logging to stderr, until Ctrl-C (for a service manager)."
    ),
    fmt: OutputFormat = typer.Option(
        OutputFormat.auto, "--format", "-f", metavar="[plain|json]", help="With --status: plain or json."
    ),
    cluster: Optional[str] = cluster_option(
        "Spread the sharded archives' searches over this Dask cluster, its workers keeping the shards open."
    ),
) -> None:
    """Keep the archive open in a background process, so that commands answer at once.

    While it runs, search, show, similar, list, stats, timeline, kwic, terms, dupes and
    verify hand their arguments to it and print its answer, byte for byte what they print
    themselves; without it, or with ARCHIVE_SEARCH_NO_SERVER=1, they run in-process.

    Exit status: 0 done (--status: a server runs), 1 --status or --stop found none, 2 on error.

    Example: archive-search serve && archive-search search "bike lane"
    """
    from .resident import protocol
    from .resident.server import ServeError, ask, start
    from .resident.server import stop as stop_server
    from .store import default_index_dir

    check_format("serve --status", fmt, (*STATS_FORMATS[:1], OutputFormat.plain, OutputFormat.json))
    if stop and status:
        raise typer.BadParameter("give --stop or --status, not both")
    if status or stop:
        info = stop_server() if stop else ask(protocol.STATUS)
        if info is None:
            err("archive-search: no server is running")
            raise typer.Exit(ExitStatus.NO_MATCH)
        if stop:
            err(f"archive-search: stopped the server (pid {info['pid']}) after {info['requests']} requests")
        else:
            _write_info(info, fmt)
        raise typer.Exit(ExitStatus.OK)
    indexes = list(index or [])
    if not indexes and default_index_dir(None).is_dir():
        indexes = [default_index_dir(None)]
    try:
        info = start(indexes, foreground, cluster)
    except ServeError as exc:
        err(f"archive-search: error: {exc}")
        raise typer.Exit(ExitStatus.ERROR) from None
    if not foreground:
        err(f"archive-search: serving on {info['socket']} (pid {info['pid']}); archive-search serve --stop ends it")


def _write_info(info: dict, fmt: OutputFormat) -> None:
    import time

    with writing_output():
        if fmt is OutputFormat.json:
            sys.stdout.write(json_text(info, indent=2) + "\n")
            return
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["started"]))
        lines = [
            f"pid: {info['pid']}",
            f"version: {info['version']}",
            f"socket: {info['socket']}",
            f"started: {started}",
            f"requests: {info['requests']}",
            f"python: {info['python']}",
            *(f"open: {path}" for path in info["archives"]),
            *([f"cluster: {info['cluster']}"] if info.get("cluster") else []),
        ]
        sys.stdout.write("\n".join(lines) + "\n")
