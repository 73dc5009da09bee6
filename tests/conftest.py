"""Shared fixtures: paths to the sample archive and ../shared, and CLI runners."""

from __future__ import annotations

import json
import os
import re
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
    """Run archive-search in a real subprocess, stdout and stderr piped (so not terminals).

    With ARCHIVE_SEARCH_TEST_RESIDENT=1, a command a resident server would answer runs a
    second time, forwarded to one, and the two answers must be the same byte for byte:
    the whole suite's cases both ways (.ci/run does this)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("ARCHIVE_SEARCH_INDEX", "NO_COLOR")}
    full_env.update(env or {})
    if not RESIDENT or (env and ("XDG_RUNTIME_DIR" in env or "ARCHIVE_SEARCH_NO_SERVER" in env)):
        return _run(args, full_env, input, cwd)
    from archive_search.resident.client import wanted

    local = _run(args, {**full_env, "ARCHIVE_SEARCH_NO_SERVER": "1"}, input, cwd)
    if wanted(list(args), full_env):
        remote = _run(args, {**full_env, **_resident_server()}, input, cwd)
        same = [_unclocked(r.stdout) for r in (local, remote)], [r.exit_code for r in (local, remote)]
        assert same[0][0] == same[0][1] and same[1][0] == same[1][1] and local.stderr == remote.stderr, (
            f"archive-search {' '.join(args)}: the resident server answered otherwise:\n"
            f"{remote.exit_code} {remote.stdout[:2000]!r} {remote.stderr!r}\n"
            f"{local.exit_code} {local.stdout[:2000]!r} {local.stderr!r}"
        )
    return local


# A citation's "created" time: the second each run made it, not part of the answer.
_CREATED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


def _unclocked(text: str) -> str:
    return _CREATED.sub("(created)", text) if "archive-search/1" in text or "articles indexed" in text else text


def _run(args, env: dict, input: bytes | None, cwd: Path | None) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "archive_search", *args],
        capture_output=True,
        input=input,
        env=env,
        cwd=cwd,
        timeout=300,
    )
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


RESIDENT = os.environ.get("ARCHIVE_SEARCH_TEST_RESIDENT") == "1"
_resident: dict = {}


def _resident_server() -> dict:
    """The environment that reaches the suite's resident server, started on first use and
    stopped when the tests end."""
    if not _resident:
        import atexit

        env = {"XDG_RUNTIME_DIR": tempfile.mkdtemp(prefix="archive-search-resident-")}
        started = _run(("serve",), {**os.environ, **env}, None, None)
        assert started.exit_code == 0, started.stderr
        _resident.update(env)
        atexit.register(_run, ("serve", "--stop"), {**os.environ, **env}, None, None)
    return _resident


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


def write_notices(folder: Path, articles: int, files: int, prefix: str = "n") -> list[dict]:
    """A generated archive big enough to take seconds to index (for kill trials): `articles`
    notices of made-up words, spread over `files` JSON Lines files; the records."""
    records = [
        {"id": f"{prefix}{n:05d}", "title": f"Notice {n}", "body": " ".join(f"w{(n * k) % 997}" for k in range(1, 180))}
        for n in range(articles)
    ]
    for part in range(files):
        write_jsonl(folder / f"part-{part:02d}.jsonl", records[part::files])
    return records


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
