"""Terminals and pipes: auto format, colour (NO_COLOR, TERM=dumb, --color), a reader that stops early."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import assert_no_traceback, has_colour, sgr_codes
from inprocess import invoke


def test_auto_format_is_rich_on_a_terminal(sample_index):
    on_tty = invoke(*["search", "rent", "--index", str(sample_index)], tty=True, env={"TERM": "xterm"})
    assert on_tty.exit_code == 0 and "\x1b[" in on_tty.stdout and " 1. " in on_tty.stdout
    in_pipe = invoke(*["search", "rent", "--index", str(sample_index)], tty=False)
    assert "\x1b[" not in in_pipe.stdout and in_pipe.stdout.startswith("[1] ")


def test_no_color_and_dumb_terminals(sample_index):
    """NO_COLOR removes colours only (no-color.org): bold and dim stay; TERM=dumb gets no escapes."""
    result = invoke(*["search", "rent", "--index", str(sample_index)], tty=True, env={"NO_COLOR": "1"})
    assert result.exit_code == 0 and " 1. " in result.stdout
    assert not has_colour(result.stdout) and {1, 2} <= sgr_codes(result.stdout), sgr_codes(result.stdout)
    dumb = invoke(*["search", "rent", "--index", str(sample_index)], tty=True, env={"TERM": "dumb"})
    assert dumb.exit_code == 0 and "\x1b[" not in dumb.stdout and " 1. " in dumb.stdout


def test_explicit_format_and_color_win(sample_index):
    result = invoke(
        *["search", "rent", "--index", str(sample_index), "--format", "jsonl"], tty=True, env={"TERM": "xterm"}
    )
    assert json.loads(result.stdout.splitlines()[0])["rank"] == 1
    forced = invoke(
        *["search", "rent", "--index", str(sample_index), "--color", "never"], tty=True, env={"TERM": "xterm"}
    )
    assert "\x1b[" not in forced.stdout


def test_closed_pipe_ends_quietly(sample_index):
    script = f'"{sys.executable}" -m archive_search search park -n 50 --format plain --index "{sample_index}" | head -1; echo "status=${{PIPESTATUS[0]}}" >&2'
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.stdout.startswith("[1] ") and proc.stdout.count("\n") == 1
    assert "status=0" in proc.stderr
    assert_no_traceback(proc.stderr)
    assert "Broken pipe" not in proc.stderr and "Exception ignored" not in proc.stderr
