"""Paging output on a terminal, as git and gh do: through $ARCHIVE_SEARCH_PAGER, else $PAGER,
else `less -FRX`, with LESS=FRX when LESS is unset.

Whether to page at all is Terminal.pager's to decide (it alone looks at the streams); this
module only reads the pager's name, measures the text and runs the pager. Nothing here is
imported by a search in a pipe, and subprocess only when a pager is started.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import IO

DEFAULT_PAGER = "less -FRX"
# F: quit if the text fits the screen; R: show the colours; X: leave the text on the screen.
DEFAULT_LESS = "FRX"
# The terminal view's own escapes (SGR): they take no room on the screen.
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def pager_command(env: Mapping[str, str]) -> list[str] | None:
    """The pager the environment names, as arguments; None when it names none (empty, cat)."""
    value = env.get("ARCHIVE_SEARCH_PAGER", env.get("PAGER", DEFAULT_PAGER))
    import shlex

    try:
        argv = shlex.split(value)
    except ValueError:  # unbalanced quotes: run as named, and report it if it cannot start
        argv = [value]
    if not argv or argv == ["cat"]:
        return None
    return argv


def fits(text: str, width: int | None, height: int | None) -> bool:
    """Whether the text fits the terminal, its long lines wrapped; an unknown height never
    fits (the pager's -F then decides)."""
    if height is None:
        return False
    if text.count("\n") >= height:
        return False
    lines = _SGR.sub("", text).split("\n")
    if text.endswith("\n"):
        lines.pop()
    rows = sum(1 + max(len(line) - 1, 0) // width for line in lines) if width else len(lines)
    return rows < height


def deliver(
    text: str,
    command: list[str],
    out: IO[str],
    *,
    env: Mapping[str, str],
    width: int | None = None,
    height: int | None = None,
) -> str | None:
    """Write the text to out, through the pager when it does not fit the terminal.

    Returns None, or why the pager could not be started: the text is then written to out."""
    if not text or fits(text, width, height):
        out.write(text)
        return None
    return page_or_write(text, command, out, env, getattr(out, "encoding", None) or "utf-8")


def page_or_write(text: str, command: list[str], out: IO[str], env: Mapping[str, str], encoding: str) -> str | None:
    """Page the text; if the pager cannot start, write it to out instead and say why (else
    None). What out held before goes first."""
    out.flush()
    problem = page(text, command, env, encoding)
    if problem:
        out.write(text)
    return problem


def page(text: str, command: list[str], env: Mapping[str, str], encoding: str) -> str | None:
    """Feed the text to the pager and wait for it to exit; None, or why it could not start.

    A pager quit early (a closed pipe) ends the paging quietly. Ctrl-C belongs to the pager
    while it runs (less uses it to stop a search): this process ignores it and waits, so
    that the terminal is the pager's until it has restored it."""
    import signal
    import subprocess

    try:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, env=pager_env(env))
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return (
            f"cannot run the pager {' '.join(command)!r} ({reason}); writing directly. "
            "Set ARCHIVE_SEARCH_PAGER or PAGER to a pager (or to cat for none), or use --no-pager"
        )
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the pager, started, keeps its own
    except ValueError:  # not the main thread, where Ctrl-C never lands anyway
        previous = False
    try:
        proc.communicate(text.encode(encoding, "replace"))  # a closed pipe is ignored there
    finally:
        if previous is not False:
            signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
    return None


def pager_env(env: Mapping[str, str]) -> dict[str, str]:
    """The pager's environment: this one, with LESS=FRX when LESS is unset (as git does)."""
    full = dict(env)
    full.setdefault("LESS", DEFAULT_LESS)
    return full
