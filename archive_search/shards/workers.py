"""What a Dask worker runs for a search spread over a sharded archive (fanout.py's rounds),
and the worker plugin that `serve --cluster` registers so each worker keeps its shards open.

A worker keeps every shard it has been asked about open, in this module (one per worker
process), and reads it again only when the shard has a newer commit. A worker that dies
is started again by its nanny; the plugin, registered with the scheduler, is set up on the
new worker too, and opens the archive's shards before its first task.
"""

from __future__ import annotations

import threading
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

PLUGIN_NAME = "archive-search-shards"


class _OpenShard:
    def __init__(self, path: Path) -> None:
        from ..store import IndexDir

        self.ix = IndexDir(path).open()
        self.reader = self.ix.reader()
        self.lock = threading.Lock()  # a worker's threads take turns on one shard's reader

    def current(self):
        """The reader, read again if the shard has a newer commit."""
        if self.ix.latest_generation() != self.reader.generation():
            self.reader.close()
            self.reader = self.ix.reader()
        return self.reader


_open: dict[tuple[str, str, int], _OpenShard] = {}
_opening = threading.Lock()


def _shard(index_path: str, generation: str, number: int) -> _OpenShard:
    key = (index_path, generation, number)
    with _opening:
        shard = _open.get(key)
        if shard is None:
            from . import layout

            path = layout.set_dir(Path(index_path), generation) / layout.shard_name(number)
            shard = _open[key] = _OpenShard(path)
        return shard


def counts_task(index_path: str, generation: str, number: int, q) -> dict:
    from .fanout import shard_counts

    shard = _shard(index_path, generation, number)
    with shard.lock:
        return shard_counts(shard.current(), q)


def best_task(index_path: str, generation: str, number: int, q, depth, count, config, totals) -> dict:
    from .fanout import shard_best

    shard = _shard(index_path, generation, number)
    with shard.lock:
        return shard_best(shard.current(), q, depth, count, config, totals)


def open_shards(index_path: str) -> int:
    """Open the archive's current shards here; how many."""
    from ..store import IndexDir

    meta = IndexDir(index_path).read_meta()
    count = meta.get("shards") or 0
    for number in range(count):
        _shard(index_path, meta["generation"], number)
    return count


class ShardsPlugin(WorkerPlugin):
    """Set up on every worker, those started later included: opens the archive's shards."""

    name = PLUGIN_NAME

    def __init__(self, index_path: str) -> None:
        self.index_path = index_path

    def setup(self, worker) -> None:
        try:
            open_shards(self.index_path)
        except Exception:  # the archive is being rebuilt, or gone: the tasks open what they need
            pass

    def teardown(self, worker) -> None:
        with _opening:
            for shard in _open.values():
                shard.reader.close()
            _open.clear()
