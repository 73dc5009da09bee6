"""Terminal safety: hostile article text is shown literally, and tabular output stays well-formed."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from conftest import index_jsonl, run_cli

HOSTILE = [
    {
        "id": "esc-1",
        "title": "Rent \x1b[2J\x1b[31mcleared\x1b[0m [bold red]boom[/bold red]",
        "author": "[link=http://evil.example]Mallory[/link]",
        "body": "Tenants said \x1b]8;;http://evil.example\x07click\x1b]8;;\x07 rent rose \x07\x08 again.",
    },
    {
        "id": "tab-2",
        "title": 'Rent\ttabs and "quotes", commas\nand a newline',
        "author": 'O\'Brien, "Pat"',
        "body": 'Rent\tand\nmore rent, "quoted" text.',
    },
]


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory):
    return index_jsonl(tmp_path_factory.mktemp("hostile"), HOSTILE, name="hostile.jsonl")


def _no_escapes(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x08" not in text


@pytest.mark.parametrize("fmt", ["plain", "rich"])
def test_terminal_formats_show_text_literally(hostile_index, fmt):
    result = run_cli("search", "rent", "--index", str(hostile_index), "--format", fmt, "--color", "never")
    assert result.exit_code == 0, result.stderr
    _no_escapes(result.stdout)
    assert "[bold red]boom[/bold red]" in result.stdout  # Rich markup is not interpreted
    assert "[link=http://evil.example]Mallory[/link]" in result.stdout


def test_forced_colour_adds_only_our_own_styles(hostile_index):
    result = run_cli("search", "rent", "--index", str(hostile_index), "--format", "rich", "--color", "always")
    assert result.exit_code == 0
    assert "\x1b]8;" not in result.stdout and "\x1b[2J" not in result.stdout and "\x07" not in result.stdout
    assert "[bold red]boom[/bold red]" in result.stdout


@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_show_is_safe(hostile_index, fmt):
    result = run_cli("show", "esc-1", "--index", str(hostile_index), "--format", fmt)
    assert result.exit_code == 0, result.stderr
    _no_escapes(result.stdout)
    if fmt == "json":
        # What was stored: the record with its control characters dropped (README: "control
        # characters are dropped from every field"), white space runs in the body made one space.
        record = HOSTILE[0]
        controls = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
        article = json.loads(result.stdout)
        assert article["id"] == "esc-1"
        assert article["title"] == controls.sub("", record["title"])
        assert article["body"] == " ".join(controls.sub("", record["body"]).split())
        assert article["authors"] == [record["author"]]  # markup and all, one name
        assert "[bold red]boom[/bold red]" in article["title"] and "]8;;http://evil.example" in article["body"]
        assert article["path"] == str(hostile_index.parent / "hostile.jsonl") and article["position"] == 1
        # One record a line in jsonl, the same values, nothing raw but the line's end.
        line = run_cli("show", "esc-1", "--index", str(hostile_index), "--format", "jsonl").stdout
        assert line.endswith("\n") and line.count("\n") == 1
        assert json.loads(line) == article
        assert not [ch for ch in line[:-1] if ch < " " or "\x7f" <= ch <= "\x9f"]


def test_tsv_has_one_well_formed_row_per_hit(hostile_index):
    result = run_cli("search", "rent", "--index", str(hostile_index), "--format", "tsv")
    lines = result.stdout.splitlines()
    header = lines[0].split("\t")
    assert len(lines) == 3
    assert all(len(line.split("\t")) == len(header) for line in lines[1:])
    _no_escapes(result.stdout)


def test_csv_parses_back_to_one_record_per_hit(hostile_index):
    result = run_cli("search", "rent", "--index", str(hostile_index), "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) == 3 and len({len(r) for r in rows}) == 1
    titles = {r[rows[0].index("title")] for r in rows[1:]}
    assert any('"quotes", commas' in t for t in titles)


def test_json_stays_valid(hostile_index):
    result = run_cli("search", "rent", "--index", str(hostile_index), "--format", "json")
    hits = json.loads(result.stdout)
    assert {h["id"] for h in hits} == {"esc-1", "tab-2"}
    _no_escapes(result.stdout)
