"""Write the man page, man/archive-search.1, from the command line's own definitions.

Usage: python tools/manpage.py [--output FILE | --check FILE]

Every command, argument and option comes from the Click command tree Typer builds, with
the help texts `--help` prints, so the page cannot say something the program does not
do; the sections no command knows of (exit statuses, environment, files) are written
here. `--check` exits 1 when FILE differs from what would be written (the tests use it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import click
import typer.main

from archive_search import __version__
from archive_search.cli import app

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "man" / "archive-search.1"

EXIT_STATUSES = (
    ("0", "Something matched or was listed; for index and remove, every input was handled."),
    ("1", "Nothing matched, the page asked for is empty, or an id is unknown."),
    ("2", "An error: bad usage, bad input, a missing or unreadable index, output that cannot be written."),
    ("75", "The index is locked by a running indexer, or is being built (try again, or use --wait)."),
    ("130", "Interrupted (Ctrl-C)."),
)

ENVIRONMENT = (
    ("ARCHIVE_SEARCH_INDEX", "The index directory when --index is not given."),
    ("XDG_DATA_HOME", "The index is $XDG_DATA_HOME/archive-search/index when neither --index nor the above is set."),
    ("ARCHIVE_SEARCH_PAGER", "The pager for long output on a terminal; empty or cat turns paging off."),
    ("PAGER", "The pager when ARCHIVE_SEARCH_PAGER is not set (default: less -FRX)."),
    ("NO_COLOR", "When set and not empty, no colour on a terminal (styles such as bold stay)."),
    ("TERM", "TERM=dumb turns colour off."),
    ("ARCHIVE_SEARCH_DEBUG", "When set, an internal error shows its Python traceback."),
)

FILES = (
    ("~/.local/share/archive-search/index", "The default index directory."),
    ("INDEX/archive-search.json", "The index's format, current generation and the generations it started."),
    ("INDEX/write.lock", "Held by the running indexer; names its process."),
)


def roff(text: str) -> str:
    """Text safe in a roff line: backslashes escaped, and no line read as a request."""
    lines = []
    for line in text.replace("\\", "\\e").replace("-", "\\-").splitlines():
        lines.append("\\&" + line if line.startswith((".", "'")) else line)
    return "\n".join(lines)


def paragraphs(text: str) -> str:
    """A help text's paragraphs, each a roff paragraph."""
    parts = [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]
    return "\n.PP\n".join(roff(p) for p in parts)


def command_section(name: str, command: click.Command, parent: click.Context) -> list[str]:
    ctx = click.Context(command, info_name=name, parent=parent)
    usage = " ".join(command.collect_usage_pieces(ctx))
    out = [f'.SS "{roff(f"archive-search {name} {usage}")}"', paragraphs(command.help or "")]
    for param in command.params:
        record = param.get_help_record(ctx)
        if record is None or getattr(param, "hidden", False):
            continue
        label, help_text = record
        if isinstance(param, click.Argument) and getattr(param, "help", None):
            help_text = f"{param.help} {help_text}"  # Click leaves an argument's own help out
        out += [".TP", f"\\fB{roff(label)}\\fR", roff(" ".join(help_text.split()))]
    return out


def manpage() -> str:
    group = typer.main.get_command(app)
    ctx = click.Context(group, info_name="archive-search")
    summary = (group.help or "").strip().split("\n\n")[0].rstrip(".")
    out = [
        f'.TH ARCHIVE\\-SEARCH 1 "" "archive-search {__version__}" "User Commands"',
        ".SH NAME",
        f"archive\\-search \\- {roff(summary[0].lower() + summary[1:])}",
        ".SH SYNOPSIS",
        "\\fBarchive\\-search\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]",
        ".br",
        "\\fBarchive\\-search\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR",
        ".SH DESCRIPTION",
        paragraphs(group.help or ""),
        ".SH COMMANDS",
    ]
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is not None and not command.hidden:
            out += command_section(name, command, ctx)
    for title, rows in (("EXIT STATUS", EXIT_STATUSES), ("ENVIRONMENT", ENVIRONMENT), ("FILES", FILES)):
        out.append(f".SH {title}")
        for term, text in rows:
            out += [".TP", f"\\fB{roff(term)}\\fR", roff(text)]
    out += [".SH SEE ALSO", "The README of the project: its manual, with examples of every command."]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="file to write")
    group.add_argument("--check", type=Path, help="exit 1 if this file is not what would be written")
    args = parser.parse_args(argv)
    text = manpage()
    if args.check is not None:
        current = args.check.read_text(encoding="utf-8") if args.check.exists() else ""
        if current != text:
            print(f"{args.check} is out of date; regenerate it with: python tools/manpage.py", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
