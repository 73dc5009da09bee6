"""The man page: written from the command line's own definitions, and kept current."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

TOOL = ROOT / "tools" / "manpage.py"
PAGE = ROOT / "man" / "archive-search.1"


def _skip_without_checkout() -> None:
    if not TOOL.exists():
        pytest.skip("tools/manpage.py is not beside the tests (not a checkout)")


def test_the_man_page_is_what_the_command_line_defines():
    _skip_without_checkout()
    result = subprocess.run([sys.executable, str(TOOL), "--check", str(PAGE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_man_page_names_every_command_and_option(tmp_path):
    _skip_without_checkout()
    from typer.main import get_command

    from archive_search.cli import app

    page = PAGE.read_text(encoding="utf-8").replace("\\-", "-")
    group = get_command(app)
    for name, command in group.commands.items():
        assert f'.SS "archive-search {name} ' in page
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("-"):
                    assert opt in page, (name, opt)
    for status in ("0", "1", "2", "75", "130"):
        assert f"\\fB{status}\\fR" in page


def test_help_says_what_every_argument_is():
    """Click 8.5 drops the help text of Typer's arguments; each must still be in --help."""
    from inprocess import invoke
    from typer.main import get_command

    from archive_search.cli import app

    for name, command in get_command(app).commands.items():
        shown = " ".join(invoke(name, "--help").stdout.split())
        for param in command.params:
            if param.param_type_name == "argument":
                assert param.help, f"{name}'s {param.name} has no help text"
                assert " ".join(param.help.split()) in shown, (name, param.name)
