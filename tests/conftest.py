"""Shared fixtures: paths to the sample archive and ../shared, and CLI runners."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "corpora" / "seed" / "000_c01eea9abb38bead.txt"
REUTERS = SHARED / "corpora" / "reuters21578"

# The default run is derandomized so that CI is reproducible; "dev" and "long" explore new examples.
_QUIET = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("default", max_examples=60, derandomize=True, **_QUIET)
settings.register_profile("dev", max_examples=200, **_QUIET)
settings.register_profile("long", max_examples=5000, **_QUIET)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# A resident server of the developer's own (archive-search serve) must not answer the tests'
# commands: they get a runtime directory of their own, where only test_resident.py starts one.
os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="archive-search-tests-")
os.environ.pop("ARCHIVE_SEARCH_NO_SERVER", None)


def need_shared(path: Path) -> None:
    """Skip (with the reason) when the shared material is not next to the project."""
    if not path.exists():
        pytest.skip(f"{path} not found: the real-corpus tests need ../shared beside the project checkout")


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str, env: dict | None = None, input: bytes | None = None, cwd: Path | None = None) -> Result:
    """Run archive-search in a real subprocess, stdout and stderr piped (so not terminals)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("ARCHIVE_SEARCH_INDEX", "NO_COLOR")}
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "archive_search", *args],
        capture_output=True,
        input=input,
        env=full_env,
        cwd=cwd,
        timeout=300,
    )
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


@pytest.fixture()
def archive_copy(tmp_path: Path) -> Path:
    """A private copy of data/ that a test may change."""
    target = tmp_path / "archive"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """An index of data/, built once per test session through the CLI."""
    index = tmp_path_factory.mktemp("sample") / "index"
    result = run_cli("index", str(DATA), "--index", str(index))
    assert result.exit_code == 0, result.stderr
    return index


def search_ids(index, query: str, *args: str) -> list[str]:
    """The ids `archive-search search` prints (up to 50), for a query that may match nothing."""
    result = run_cli("search", query, "--index", str(index), "--format", "ids", "-n", "50", *args)
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout.split()


def write_jsonl(path: Path, records: list[dict]) -> Path:
    """Write the records as JSON Lines (parent directories made); return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def index_jsonl(folder: Path, records: list[dict], *options: str, name: str = "feed.jsonl") -> Path:
    """Index the records, written as FOLDER/NAME, through the CLI into FOLDER/index."""
    feed = write_jsonl(folder / name, records)
    index = folder / "index"
    result = run_cli("index", str(feed), "--index", str(index), *options)
    assert result.exit_code == 0, result.stderr
    return index


def assert_no_traceback(text: str) -> None:
    assert "Traceback (most recent call last)" not in text, text


def sgr_codes(text: str) -> set[int]:
    """The SGR parameters (ESC [ ... m) a terminal output uses: 1 bold, 2 dim, 30-49 and 90-107 colours."""
    codes: set[int] = set()
    for chunk in text.split("\x1b[")[1:]:
        params, m, _ = chunk.partition("m")
        if m and all(p.isdigit() for p in params.split(";") if p):
            codes |= {int(p) for p in params.split(";") if p}
    return codes


def has_colour(text: str) -> bool:
    """Whether the output sets a colour (not only bold or dim)."""
    return any(30 <= code <= 49 or 90 <= code <= 107 for code in sgr_codes(text))
