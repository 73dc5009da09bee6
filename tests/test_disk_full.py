"""A disk that fills up during `index`: one clear line, exit 2, the committed index intact and
searchable, and the space the failed write took given back. Needs a small tmpfs, so root on Linux."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, assert_no_traceback, run_cli

from archive_search.archive import Archive


@pytest.fixture()
def small_disk(tmp_path):
    """A 2 MiB file system of its own, so that filling it harms nothing else."""
    mount = tmp_path / "small"
    mount.mkdir()
    if not sys.platform.startswith("linux") or shutil.which("mount") is None:
        pytest.skip("needs Linux mount to make a small file system")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


@pytest.fixture(scope="module")
def big_feed(tmp_path_factory) -> Path:
    """About 6 MB of made-up articles: more than the small disk holds once indexed."""
    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 10))) for _ in range(8000)]
    path = tmp_path_factory.mktemp("feed") / "feed.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for n in range(3000):
            body = " ".join(rng.choices(words, k=300))
            f.write(json.dumps({"id": f"filler-{n}", "title": f"Filler {n}", "body": body}) + "\n")
    return path


def _used(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@pytest.mark.soak  # a long trial: run by .ci/run with the soak tests
@pytest.mark.parametrize("rebuild", [False, True], ids=["update", "rebuild"])
def test_disk_full_keeps_the_committed_index_and_frees_the_space(small_disk, big_feed, rebuild):
    index = small_disk / "index"
    assert run_cli("index", str(DATA), "--index", str(index), "-q").exit_code == 0
    before = _used(index)
    extra = ["--rebuild"] if rebuild else []
    result = run_cli("index", str(big_feed), "--index", str(index), *extra)
    assert_no_traceback(result.stderr)
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr and "free some space" in result.stderr
    assert "run the same command again" in result.stderr
    assert Archive(index).stats().articles == 40  # as committed before the failed run
    assert run_cli("search", "school", "--index", str(index), "--format", "ids").exit_code == 0
    assert _used(index) <= before + 4096  # the failed write's files are gone
    again = run_cli("index", str(DATA), "--index", str(index), "-q")  # and the index still takes writes
    assert again.exit_code == 0, again.stderr


def test_disk_full_on_the_first_run_leaves_no_index_behind(small_disk, big_feed):
    index = small_disk / "index"
    result = run_cli("index", str(big_feed), "--index", str(index))
    assert_no_traceback(result.stderr)
    assert result.exit_code == 2 and "No space left on device" in result.stderr
    assert _used(index) < 4096
    assert run_cli("search", "filler", "--index", str(index)).exit_code == 2  # no index: say so, exit 2
