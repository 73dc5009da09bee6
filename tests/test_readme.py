"""The README's examples, run as written: every `$ command` of its console blocks, in order,
in a copy of the sample archive, with the installed command, must print what the README
shows (up to the clone's path, the index's place, times and dates of the run)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, ROOT

README = ROOT / "README.md"
CLONE = "/home/me/archive-search"  # where the README says its examples were run
INDEX = "/home/me/.local/share/archive-search/index"  # the default index there


def _examples(text: str) -> list[tuple[str, list[str]]]:
    """(command, the lines the README shows after it) of every console block, in order."""
    examples: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                examples.append((line[2:], []))
            elif examples:
                examples[-1][1].append(line)
    return examples


def _normal(line: str) -> str:
    """A line without what differs from run to run: times taken, the time of the update."""
    line = re.sub(r"in [0-9]+\.[0-9]s", "in Ns", line)
    return re.sub(r"(last update: +)\S+", r"\1T", line).rstrip()


def _command_dir() -> Path:
    folder = Path(sys.executable).parent
    if not (folder / "archive-search").exists():
        pytest.skip(f"no archive-search command beside {sys.executable}: install the project to run the README")
    return folder


@pytest.mark.soak  # every example of the README, some 15 s: run by .ci/run with the soak tests
def test_the_readme_examples_print_what_it_shows(tmp_path):
    if not README.exists():
        pytest.skip("README.md is not beside the tests (not a checkout)")
    clone, home = tmp_path / "archive-search", tmp_path / "home"
    shutil.copytree(DATA, clone / "data")
    shutil.copytree(ROOT / "examples", clone / "examples")  # the web archive of "Indexing a web archive"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARCHIVE_SEARCH", "XDG_", "NO_COLOR"))}
    env.update(HOME=str(home), PATH=f"{_command_dir()}{os.pathsep}{env.get('PATH', '')}", COLUMNS="200")
    index = str(home / ".local" / "share" / "archive-search" / "index")
    examples = _examples(README.read_text(encoding="utf-8"))
    assert len(examples) >= 8
    for command, shown in examples:
        run = subprocess.run(["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True, timeout=120)
        printed = [_normal(line) for line in (run.stdout + run.stderr).splitlines()]
        expected = [_normal(line.replace(INDEX, index).replace(CLONE, str(clone))) for line in shown]
        if expected and expected[-1] == "...":  # the README shows the beginning only
            expected = expected[:-1]
            printed = printed[: len(expected)]
        assert printed == expected, f"README example: $ {command}"
