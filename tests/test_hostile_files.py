"""Hostile trees and careless paths (issue 17): code in the current directory, an --index
that is not an index, links out of the tree, pipes, deep trees, floods of bad records,
ordinary files with documentation-like names, and duplicate ids on stdin."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import assert_no_traceback, run_cli

from archive_search.archive import Archive
from archive_search.indexing.indexer import Indexer
from archive_search.indexing.problems import SHOWN_ALIKE
from archive_search.store import IndexDir

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file types and permissions")

STORY = "{title}\n\nBy Ana Ruiz | June 22, 2010 12:30pm\n\nBROOKLYN — Tenants said the rent rose again, {n}.\n"


def write_story(path: Path, n: int | str, title: str = "Rent Rises") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(STORY.format(title=title, n=n), encoding="utf-8")
    return path


def ids(index: Path, query: str = "rent") -> list[str]:
    result = run_cli("search", query, "--index", str(index), "--format", "ids", "-n", "1000")
    assert_no_traceback(result.stderr)
    return result.stdout.split()


def index_within(seconds: float, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`archive-search index ARGS`, killed (and the test failed) if it takes over `seconds`."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "archive_search", "index", *args],
            capture_output=True,
            text=True,
            timeout=seconds,
            cwd=cwd,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"index {' '.join(args)} took over {seconds} s")


# -- 1. nothing is imported from the current directory ------------------------------------

TRAP = "import pathlib; pathlib.Path({marker!r}).write_text('ran {name}')\n"


def test_the_helper_process_never_imports_from_the_current_directory(tmp_path):
    """An unpacked archive holding look-alike packages is the current directory of a
    two-process run: none of their code runs, and the helper did its share."""
    archive = tmp_path / "untrusted"
    marker = tmp_path / "trap-sprung"
    for name in ("archive_search", "whoosh", "Stemmer", "numpy", "json", "pickle"):
        (archive / name).mkdir(parents=True)
        (archive / name / "__init__.py").write_text(TRAP.format(marker=str(marker), name=name))
    feed = archive / "feed.jsonl"
    feed.write_text(
        "".join(json.dumps({"id": f"a{n}", "title": "Rent", "body": f"rent {n}"}) + "\n" for n in range(10))
    )
    # Started from a script outside the archive, as the installed command is: the program
    # itself is imported from where it is installed, and the archive is only the cwd.
    launcher = tmp_path / "bin" / "archive-search"
    launcher.parent.mkdir()
    launcher.write_text("import sys\nfrom archive_search._entry import console_main\nsys.exit(console_main())\n")
    index = tmp_path / "index"
    result = subprocess.run(
        [
            sys.executable,
            str(launcher),
            "index",
            "feed.jsonl",
            "--index",
            str(index),
            "--jobs",
            "2",
            "--commit-every",
            "10",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=archive,
    )
    assert not marker.exists(), marker.read_text()
    assert result.returncode == 0, result.stderr
    with IndexDir(index).open().reader() as reader:
        assert len(list(reader.leaf_readers())) == 2  # the helper wrote its segment
    assert sorted(ids(index)) == sorted(f"a{n}" for n in range(10))


# -- 2. an --index that is not an index: refused, nothing deleted ------------------------


def _strangers_files(folder: Path) -> dict[str, bytes]:
    """Files named as a generation's would be: a photo folder, tax papers, a backup."""
    (folder / "g2_photos").mkdir(parents=True)
    (folder / "g2_photos" / "cat.jpg").write_bytes(b"\xff\xd8 not really a cat")
    (folder / "g7_taxes.txt").write_text("2025 return")
    (folder / "_g3_backup").write_text("backup")
    (folder / "g4.tmp").mkdir()
    (folder / "g4.tmp" / "draft.txt").write_text("draft")
    (folder / "_g5_1.toc").write_text("not a table of contents")
    names = ("g2_photos/cat.jpg", "g7_taxes.txt", "_g3_backup", "g4.tmp/draft.txt", "_g5_1.toc")
    return {name: (folder / name).read_bytes() for name in names}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_index_into_a_directory_of_other_files_is_refused_and_nothing_is_touched(tmp_path):
    docs = tmp_path / "mydocs"
    before = _strangers_files(docs)
    result = run_cli("index", str(write_story(tmp_path / "a" / "one.txt", 1).parent), "--index", str(docs))
    assert_no_traceback(result.stderr)
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert f"not an archive-search index: {docs} holds other files" in line
    assert "choose an empty or new directory" in line
    assert _snapshot(docs) == {n.replace("/", os.sep): b for n, b in before.items()}
    expected = ["g2_photos", "g7_taxes.txt", "_g3_backup", "g4.tmp", "_g5_1.toc"]
    assert sorted(os.listdir(docs)) == sorted(expected)  # not even a lock file was written


def test_files_dropped_into_an_index_directory_survive_updates_and_rebuilds(tmp_path):
    index = tmp_path / "index"
    archive = write_story(tmp_path / "a" / "one.txt", 1).parent
    assert run_cli("index", str(archive), "--index", str(index)).exit_code == 0
    before = _strangers_files(index)
    for extra in ([], ["--rebuild"], ["--rebuild"], []):
        write_story(archive / f"{len(os.listdir(archive))}.txt", len(os.listdir(archive)))
        result = run_cli("index", str(archive), "--index", str(index), *extra)
        assert result.exit_code == 0, result.stderr
    after = _snapshot(index)
    assert {name: after.get(name) for name in before} == before
    assert len(ids(index)) == 5
    generation = IndexDir(index).generation()
    ours = [n for n in os.listdir(index) if re.fullmatch(r"_?g\d+_[0-9a-z]{16}\..*|_g\d+_\d+\.toc", n)]
    assert ours and all(n.lstrip("_").startswith(f"{generation}_") for n in ours if n not in before)


@posix_only
@pytest.mark.parametrize("kind", ["file", "dangling link"])
def test_index_that_is_a_file_or_a_dangling_link_is_one_clear_line(tmp_path, kind):
    target = tmp_path / "place"
    if kind == "file":
        target.write_text("my notes")
        reason = "is a file, not a directory"
    else:
        target.symlink_to(tmp_path / "nowhere")
        reason = "is a symbolic link to nothing"
    archive = write_story(tmp_path / "a" / "one.txt", 1).parent
    for command in (["index", str(archive)], ["search", "rent"]):
        result = run_cli(*command, "--index", str(target))
        assert_no_traceback(result.stderr)
        assert result.exit_code == 2, result.stderr
        if command[0] == "index":
            (line,) = result.stderr.strip().splitlines()
            assert reason in line and "File exists" not in line
    assert kind != "file" or target.read_text() == "my notes"
    assert not (tmp_path / "nowhere").exists()


def _generation_files(index: Path) -> set[str]:
    return {n for n in os.listdir(index) if re.match(r"_?g\d+[_.]", n)}


def test_a_failed_first_run_leaves_no_generation_behind(tmp_path):
    archive = tmp_path / "a"
    for n in range(6):
        write_story(archive / f"{n}.txt", n)
    index = tmp_path / "index"

    def interrupt(progress) -> None:
        if progress.files_done == 4:
            raise KeyboardInterrupt

    for _ in range(3):  # every retry fails the same way: nothing piles up
        with pytest.raises(KeyboardInterrupt):
            Indexer(IndexDir(index), commit_every=1, on_progress=interrupt).run([str(archive)])
        assert _generation_files(index) == set()
    stats = Indexer(IndexDir(index)).run([str(archive)])
    assert stats.total_articles == 6
    generation = IndexDir(index).generation()
    assert {n.lstrip("_").split("_")[0] for n in _generation_files(index)} == {generation}


# -- 5. 6. 17. what a walk reads: regular files in the tree, at any depth ------------------


def test_a_tree_a_thousand_levels_deep_is_walked(tmp_path):
    archive = tmp_path / "deep"
    write_story(archive / "top.txt", "top")
    bottom = str(archive)  # a string, made a level at a time: pathlib and os.makedirs recurse
    for _ in range(1000):
        bottom = os.path.join(bottom, "d")
        os.mkdir(bottom)
    with open(os.path.join(bottom, "bottom.txt"), "w", encoding="utf-8") as f:
        f.write(STORY.format(title="Rent Rises", n="bottom"))
    try:
        result = index_within(60, str(archive), "--index", str(tmp_path / "index"))
    finally:  # bottom up: pytest's own clean-up of tmp_path recurses and would fail
        os.remove(os.path.join(bottom, "bottom.txt"))
        for _ in range(1000):
            os.rmdir(bottom)
            bottom = os.path.dirname(bottom)
    assert_no_traceback(result.stderr)
    assert result.returncode == 0, result.stderr
    assert sorted(ids(tmp_path / "index")) == ["bottom", "top"]


@posix_only
def test_pipes_and_sockets_in_a_tree_are_passed_over_and_never_opened(tmp_path):
    archive = tmp_path / "a"
    write_story(archive / "good.txt", 1)
    os.mkfifo(archive / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(archive / "sock.txt"))
        result = index_within(60, str(archive), "--index", str(tmp_path / "index"))
    finally:
        sock.close()
    assert result.returncode == 0, result.stderr
    assert "skipped 2 special files" in result.stderr
    assert ids(tmp_path / "index") == ["good"]
    named = index_within(60, str(archive / "pipe.txt"), "--index", str(tmp_path / "index"))
    assert named.returncode == 2
    assert "pipe.txt: is a named pipe, not a regular file" in named.stderr
    assert "archive-search index -" in named.stderr


@posix_only
def test_links_out_of_the_tree_are_not_followed_unless_asked(tmp_path):
    outside = write_story(tmp_path / "private" / "secret.txt", "secret", title="Secret Rent Ledger")
    archive = tmp_path / "a"
    write_story(archive / "good.txt", 1)
    (archive / "passwd.txt").symlink_to(outside)
    (archive / "private").symlink_to(outside.parent, target_is_directory=True)
    index = tmp_path / "index"
    result = index_within(60, str(archive), "--index", str(index))
    assert result.returncode == 0, result.stderr
    assert "skipped 2 symbolic links not followed (--follow-symlinks follows them)" in result.stderr
    assert ids(index) == ["good"]
    followed = index_within(60, str(archive), "--index", str(index), "--follow-symlinks")
    assert followed.returncode == 0, followed.stderr
    found = ids(index, "ledger")
    assert len(found) == 2 and all(i.startswith("passwd") or i.startswith("secret") for i in found)
    # A link named on the command line is read, as cat would read it.
    named = tmp_path / "named-index"
    assert index_within(60, str(archive / "passwd.txt"), "--index", str(named)).returncode == 0
    assert ids(named) == ["passwd"]


# -- 8. a flood of bad records: a few lines and a count -----------------------------------


def test_a_flood_of_bad_records_prints_a_few_lines_and_counts_the_rest(tmp_path):
    bad = 2_000
    feed = tmp_path / "a" / "feed.jsonl"
    feed.parent.mkdir()
    lines = ["{}"] * bad + [json.dumps({"id": "ok", "title": "Rent", "body": "rent"})] + ["{nope"] * 7
    feed.write_text("\n".join(lines) + "\n")
    started = time.monotonic()
    result = index_within(60, str(feed.parent), "--index", str(tmp_path / "index"))
    assert time.monotonic() - started < 30
    assert result.returncode == 2
    about_feed = [line for line in result.stderr.splitlines() if "feed.jsonl" in line]
    assert len(about_feed) == 2 * (SHOWN_ALIKE + 1)  # two kinds: a few of each, then a count
    assert f"...and {bad - SHOWN_ALIKE:,} more like the above" in result.stderr
    assert f"...and {7 - SHOWN_ALIKE:,} more like the above" in result.stderr
    assert f"{bad + 7:,} problems" in result.stderr.splitlines()[-1]
    assert ids(tmp_path / "index") == ["ok"]


def test_problems_kept_for_the_caller_are_bounded_and_all_are_counted(tmp_path):
    from archive_search.indexing.problems import KEPT_PROBLEMS

    folder = tmp_path / "a"
    files = KEPT_PROBLEMS // SHOWN_ALIKE + 20
    for n in range(files):  # many files, each with more bad records than are shown
        (folder / f"{n}.jsonl").parent.mkdir(exist_ok=True)
        (folder / f"{n}.jsonl").write_text("{}\n" * (SHOWN_ALIKE + 2))
    stats = Indexer(IndexDir(tmp_path / "index")).run([str(folder)])
    assert stats.errors == files * (SHOWN_ALIKE + 2)
    assert len(stats.problems) == KEPT_PROBLEMS and stats.failed


# -- 9. ordinary articles with documentation-like names -----------------------------------


def test_only_exact_documentation_names_are_skipped_and_they_are_counted(tmp_path):
    archive = tmp_path / "a"
    articles = ["license-plate-readers-expand.txt", "authors-guild-strike.txt", "readme-the-riot-act.txt"]
    articles += ["changes-to-bus-routes.txt", "notice_of_hearing.txt", "Manifesto.txt"]
    for n, name in enumerate(articles):
        write_story(archive / name, n)
    for name in ("README", "README.md", "LICENSE.txt", "Changelog.rst", "AUTHORS", "MANIFEST.in"):
        (archive / name).write_text("Not an article\n\nJust the collection's documentation.\n")
    result = index_within(60, str(archive), "--index", str(tmp_path / "index"))
    assert result.returncode == 0, result.stderr
    assert sorted(ids(tmp_path / "index")) == sorted(name.split(".")[0] for name in articles)
    assert "skipped 6 files not articles" in result.stderr


# -- 10. duplicate ids in one stdin run ---------------------------------------------------


def test_duplicate_ids_on_stdin_are_kept_apart_and_a_resent_stream_updates_in_place(tmp_path):
    index = tmp_path / "index"
    stream = "".join(
        json.dumps({"id": i, "title": t, "body": "rent rose"}) + "\n"
        for i, t in (("x", "First"), ("y", "Other"), ("x", "Second"), ("x", "Third"))
    ).encode()
    first = run_cli("index", "-", "--index", str(index), input=stream)
    assert first.exit_code == 0, first.stderr
    assert first.stderr.count("is already used by an earlier record of this stream") == 2
    assert "4 articles added" in first.stderr
    found = ids(index)
    assert len(found) == len(set(found)) == 4
    shown = run_cli("show", "x", "--index", str(index), "--format", "json")
    assert json.loads(shown.stdout)["title"] == "First"
    again = run_cli("index", "-", "--index", str(index), input=stream)
    assert again.exit_code == 0, again.stderr
    assert "0 articles added, 4 updated" in again.stderr
    assert sorted(ids(index)) == sorted(found)
    assert Archive(index).stats().articles == 4


@posix_only
def test_a_link_planted_as_the_lock_file_is_not_written_through(tmp_path):
    index = tmp_path / "index"
    archive = write_story(tmp_path / "a" / "one.txt", 1).parent
    assert run_cli("index", str(archive), "--index", str(index)).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (index / "write.lock").unlink()
    (index / "write.lock").symlink_to(victim)
    result = run_cli("index", str(archive), "--index", str(index))
    assert_no_traceback(result.stderr)
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert victim.read_text() == "precious"


def test_a_gigantic_line_on_stdin_is_refused_in_bounded_memory(tmp_path):
    """Standard input is read a bounded piece of a line at a time: a line of 120 MB is
    refused in one line and costs a fraction of its size, and the next record is indexed."""
    pytest.importorskip("resource")
    code = (
        "import json, resource, subprocess, sys\n"
        "good = json.dumps({'id': 'after', 'title': 'Rent', 'body': 'rent rose'}).encode()\n"
        "proc = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stderr=subprocess.PIPE)\n"
        'proc.stdin.write(b\'{"title": "x", "body": "\'); chunk = b\'word \' * 200_000\n'
        "for _ in range(120): proc.stdin.write(chunk)\n"
        "proc.stdin.write(b'\"}\\n' + good + b'\\n'); proc.stdin.close()\n"
        "err = proc.stderr.read().decode(); proc.wait()\n"
        "print(json.dumps([proc.returncode, err, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))\n"
    )
    index = tmp_path / "index"
    command = [sys.executable, "-m", "archive_search", "index", "-", "--index", str(index)]
    out = subprocess.run([sys.executable, "-c", code, *command], capture_output=True, text=True, timeout=120)
    status, stderr, peak_kb = json.loads(out.stdout)
    assert status == 2 and "<stdin>:1: line is" in stderr and "over the" in stderr, stderr
    assert peak_kb < 400 * 1024  # the line is 120 MB
    assert ids(index) == ["after"]


@posix_only
def test_index_with_standard_input_closed_is_an_input_error_not_the_indexes(tmp_path):
    index = tmp_path / "index"
    command = f"exec {sys.executable} -m archive_search index - --index {index} <&-"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)
    assert_no_traceback(result.stderr)
    assert result.returncode == 2
    assert "<stdin>: cannot read standard input" in result.stderr
    assert "check that the directory is writable" not in result.stderr


def test_an_article_that_mentions_a_reuters_tag_is_not_read_as_sgml(tmp_path):
    story = STORY.format(title="Wire Archive", n=1) + "\nThe files hold tags such as <REUTERS> and <BODY>.\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "wire-archive.txt").write_text(story, encoding="utf-8")
    result = index_within(60, str(tmp_path / "a"), "--index", str(tmp_path / "index"))
    assert result.returncode == 0, result.stderr
    assert ids(tmp_path / "index") == ["wire-archive"]


def test_a_taken_id_in_a_json_array_is_reported_by_its_record_number(tmp_path):
    (tmp_path / "a").mkdir()
    records = [{"id": "x", "title": "Rent", "body": "rent"}, {"id": "y", "title": "Rent", "body": "rent"}]
    (tmp_path / "a" / "one.json").write_text(json.dumps(records[:1]))
    (tmp_path / "a" / "two.json").write_text(json.dumps([records[1], records[0]]))
    result = index_within(60, str(tmp_path / "a"), "--index", str(tmp_path / "index"))
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "is already used by" in line]
    assert "two.json: record 2: id 'x' is already used by" in line
