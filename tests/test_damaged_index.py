"""A damaged index is reported in one line that says how to recover, never as a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import assert_no_traceback, run_cli


def _truncate(pattern: str):
    def damage(index: Path) -> None:
        for path in index.glob(pattern):
            with open(path, "r+b") as f:
                f.truncate(100)

    return damage


def _delete(pattern: str):
    def damage(index: Path) -> None:
        for path in index.glob(pattern):
            path.unlink()

    return damage


def _future_schema(index: Path) -> None:
    meta_path = index / "archive-search.json"
    meta = json.loads(meta_path.read_text())
    meta["schema"] = 999
    meta_path.write_text(json.dumps(meta))


DAMAGE = {
    "truncated postings": _truncate("*.pst"),
    "truncated term dictionary": _truncate("*.trm"),
    "missing table of contents": _delete("*.toc"),
    "missing stored fields": _delete("*_stored.col"),
    "missing segment": _delete("*.pst"),
    "incompatible version": _future_schema,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_gives_one_line_and_exit_2(sample_index, tmp_path, damage):
    index = tmp_path / "index"
    shutil.copytree(sample_index, index)
    DAMAGE[damage](index)
    for args in (
        ["search", "bike lane"],
        ["search", "bike", "--format", "json"],
        ["show", "chi_002_milwaukee-bike-lane"],
    ):
        result = run_cli(*args, "--index", str(index))
        assert_no_traceback(result.stderr)
        assert result.exit_code == 2, (damage, args, result.stderr)
        assert "archive-search index --rebuild" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_rebuild_recovers(sample_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(sample_index, index)
    DAMAGE["truncated postings"](index)
    data = Path(__file__).resolve().parent.parent / "data"
    result = run_cli("index", "--rebuild", str(data), "--index", str(index))
    assert result.exit_code == 0, result.stderr
    assert run_cli("search", "bike lane", "--index", str(index), "--format", "ids").exit_code == 0
