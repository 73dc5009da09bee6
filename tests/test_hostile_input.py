"""Hostile and odd input: each bad file is reported and skipped, in bounded time and memory,
and the good articles next to them are indexed."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from conftest import assert_no_traceback, run_cli

from archive_search.readers import MAX_ARTICLE_CHARS

GOOD = "Good Title {n}\n\nBy Ana Ruiz | June 22, 2010 12:30pm\n\nBROOKLYN — Tenants said the rent rose again {n}.\n"


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "archive"
    folder.mkdir()
    for n in range(3):
        (folder / f"good-{n}.txt").write_text(GOOD.format(n=n), encoding="utf-8")
    with open(folder / "huge-line.txt", "w", encoding="utf-8") as f:  # 48 MB, one line
        f.write("Huge\n\nBy Ana Ruiz | June 22, 2010 12:30pm\n\n")
        f.write("word " * 9_600_000)
    (folder / "long-article.txt").write_text(
        "Long\n\nBy Ana Ruiz | June 22, 2010 12:30pm\n\n" + "word " * (MAX_ARTICLE_CHARS // 5 + 10), encoding="utf-8"
    )
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (folder / "deep.jsonl").write_text(
        '{"title": "t", "body": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8"
    )
    (folder / "deep.html").write_text(
        "<html><body>" + "<div>" * 100_000 + "<p>deep</p>" + "</div>" * 100_000 + "</body></html>", encoding="utf-8"
    )
    (folder / "random.bin").write_bytes(os.urandom(50_000))
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "loop").symlink_to(".", target_is_directory=True)
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to("..", target_is_directory=True)
    if sys.platform.startswith("linux"):
        name = os.fsencode(str(folder)) + b"/caf\xe9-latin1.txt"
        with open(name, "wb") as f:
            f.write(GOOD.format(n="latin").encode())
    return folder


def test_hostile_files_are_reported_and_skipped(hostile_dir, tmp_path):
    index = tmp_path / "index"
    started = time.monotonic()
    result = run_cli("index", str(hostile_dir), "--index", str(index))
    elapsed = time.monotonic() - started
    assert_no_traceback(result.stderr)
    assert result.exit_code == 2  # some inputs failed
    assert elapsed < 60
    errors = result.stderr
    assert "huge-line.txt: file is" in errors and "too big for one article" in errors
    assert "long-article.txt: article is" in errors and "character limit" in errors
    assert "deep.json: JSON is nested too deeply" in errors
    assert "deep.jsonl:1: JSON is nested too deeply" in errors
    assert "deep.html: HTML is nested 100,000 elements deep" in errors
    assert "random.bin: binary file" in errors
    assert "empty.txt: empty file" in errors
    if sys.platform.startswith("linux"):
        assert "file name is not valid UTF-8; rename the file" in errors
    found = run_cli("search", "tenants rent", "--index", str(index), "--format", "ids", "-n", "50")
    assert sorted(found.stdout.split()) == ["good-0", "good-1", "good-2"]


def test_indexing_hostile_files_stays_within_memory(hostile_dir, tmp_path):
    pytest.importorskip("resource")
    import subprocess

    # A fresh parent whose only child is the indexer, so the peak is the indexer's own.
    code = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], capture_output=True, timeout=120)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    command = [sys.executable, "-m", "archive_search", "index", str(hostile_dir), "--index", str(tmp_path / "ix"), "-q"]
    out = subprocess.run([sys.executable, "-c", code, *command], capture_output=True, text=True, timeout=180)
    peak_kb = int(out.stdout.strip())
    assert 0 < peak_kb < 400 * 1024  # the 48 MB file is refused before it is decoded


def test_file_vanishing_mid_run_is_reported_and_the_rest_indexed(tmp_path):
    from archive_search.indexing.indexer import Indexer
    from archive_search.store import IndexDir

    folder = tmp_path / "archive"
    folder.mkdir()
    for n in range(4):
        (folder / f"good-{n}.txt").write_text(GOOD.format(n=n), encoding="utf-8")
    problems = []

    def remove_the_last_file(progress) -> None:  # called after each file
        if progress.files_done == 1:
            (folder / "good-3.txt").unlink()

    indexer = Indexer(IndexDir(tmp_path / "index"), on_problem=problems.append, on_progress=remove_the_last_file)
    stats = indexer.run([str(folder)])
    assert stats.total_articles == 3
    assert len(problems) == 1 and "good-3.txt" in str(problems[0])


# Run as a user the file modes apply to: root reads a file whatever its mode, so as root the
# child first warms its imports with a run of its own (the interpreter may live where "nobody"
# cannot read), then takes "nobody"'s identity for file access.
_LOSE_PERMISSION = """
import json, os, sys
from archive_search.indexing.indexer import Indexer
from archive_search.store import IndexDir

folder, index = sys.argv[1], sys.argv[2]
if os.geteuid() == 0:
    warm = os.path.join(os.path.dirname(folder), "warm")
    os.makedirs(warm)
    for n in range(4):  # enough articles to fit a latent space: its imports are warmed too
        with open(os.path.join(warm, f"w{n}.txt"), "w", encoding="utf-8") as f:
            f.write(sys.argv[3].format(n=f"warm{n}"))
    Indexer(IndexDir(warm + "-index"), on_problem=print).run([warm])
    Indexer(IndexDir(warm + "-index"), on_problem=print).run([warm])  # and reading it back
    os.setegid(65534)
    os.seteuid(65534)
os.makedirs(os.path.join(folder, "locked"))
for n in range(4):
    with open(os.path.join(folder, f"good-{n}.txt"), "w", encoding="utf-8") as f:
        f.write(sys.argv[3].format(n=n))
problems = []

def lose_access(progress):  # called after each file: the next files become unreadable
    if progress.files_done == 1:
        os.chmod(os.path.join(folder, "good-3.txt"), 0)

os.chmod(os.path.join(folder, "locked"), 0)  # a directory unreadable from the start
first = Indexer(IndexDir(index), on_problem=problems.append, on_progress=lose_access).run([folder])
os.chmod(os.path.join(folder, "good-3.txt"), 0o644)
second = Indexer(IndexDir(index), on_problem=problems.append).run([folder])
print(json.dumps({"first": first.total_articles, "second": second.total_articles,
                  "problems": [str(p) for p in problems]}))
"""


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="file modes are POSIX")
def test_file_losing_read_permission_mid_run_is_reported_and_indexed_once_readable():
    import json
    import shutil
    import subprocess
    import tempfile

    if os.geteuid() == 0 and not hasattr(os, "setuid"):
        pytest.skip("running as root without setuid: file modes cannot be tested")
    work = tempfile.mkdtemp(prefix="archive-search-perm-")  # under /tmp, reachable by "nobody"
    try:
        os.chmod(work, 0o777)
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        out = subprocess.run(
            [sys.executable, "-c", _LOSE_PERMISSION, f"{work}/archive", f"{work}/index", GOOD],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=work,
        )
        assert out.returncode == 0, out.stderr
        assert_no_traceback(out.stderr)
        report = json.loads(out.stdout)
        assert report["first"] == 3 and report["second"] == 4  # skipped once, indexed when readable
        first_run = [p for p in report["problems"][:2]]
        assert any("good-3.txt" in p and "permission denied" in p for p in first_run), report
        assert any("locked" in p and "cannot read directory" in p for p in first_run), report
    finally:
        for dirpath, dirnames, _ in os.walk(work):
            for name in dirnames:
                os.chmod(os.path.join(dirpath, name), 0o755)
        shutil.rmtree(work, ignore_errors=True)
