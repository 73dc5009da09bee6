"""A sharded archive's shards built on a Dask cluster (`index --cluster tcp://HOST:PORT`).

Dask is an optional extra (`pip install "archive-search[cluster]"`) and this is the only
module that imports it, only when --cluster is given. Each shard's job (indexing/shardjob.py)
is one task; the workers write the shards straight into the index directory, so that must
be on storage every worker mounts at the same path: checked on every worker before the
first task, and one clear error when a worker cannot see it. A task whose worker dies is run
again on another worker by Dask; the shard is then at its last commit, and its job goes on
from there (the files already indexed are skipped as unchanged).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

from .errors import ArchiveSearchError

CLUSTER_ENV = "ARCHIVE_SEARCH_CLUSTER"
# Seconds to wait for the scheduler to answer before saying it does not.
CONNECT_TIMEOUT = 10
# glibc's M_TRIM_THRESHOLD, and the value a task sets it to: Dask's nanny starts workers with
# MALLOC_TRIM_THRESHOLD_=65536, which makes Whoosh's writer hand memory back to the system
# and take it again all the time (measurably slower: see docs/performance.md).
_M_TRIM_THRESHOLD = -1
_TRIM_AT = 128 * 2**20


class ClusterError(ArchiveSearchError):
    """The cluster cannot be used: Dask missing, no scheduler at the address, a worker that
    cannot see the index directory."""


def connect(address: str):
    """A Dask client of the scheduler at `address`; ClusterError if there is none."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError('--cluster needs Dask: install it with: pip install "archive-search[cluster]"') from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = (str(exc).splitlines() or ["no answer"])[0]
        raise ClusterError(
            f"no Dask scheduler answers at {address} ({reason}); start one (dask scheduler, then dask worker "
            "ADDRESS on each machine) or give --cluster / $ARCHIVE_SEARCH_CLUSTER its address"
        ) from None


@contextlib.contextmanager
def workers_for(address: str, index_path: str) -> Iterator:
    """A client of the cluster at `address` whose every worker can write `index_path`."""
    client = connect(address)
    try:
        check_workers(client, index_path)
        yield client
    finally:
        client.close()


def run_jobs(client, specs: list[dict]) -> dict[int, dict]:
    """Every shard's job as a task on the cluster; their answers by shard number."""
    key = uuid.uuid4().hex[:12]
    futures = [
        client.submit(_task, spec, key=f"archive-search-shard-{spec['number']}-{key}", pure=False) for spec in specs
    ]
    try:
        return {spec["number"]: _answer(future) for spec, future in zip(specs, futures, strict=True)}
    finally:
        client.cancel(futures)  # Ctrl-C: those not started yet never start


def _answer(future) -> dict:
    """A task's answer, once it has one; a task that raised (lost on more workers than Dask
    tries, or the scheduler gone) answers with that as its error."""
    try:
        return future.result()
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return {"error": f"its task failed on the cluster ({reason})"}


def check_workers(client, index_path: str) -> None:
    """Every worker sees the index directory, writable, and runs this very version."""
    from . import __version__

    try:
        seen = client.run(_sees, index_path)
    except Exception as exc:  # a worker gone while asked: said as the cluster's failure
        raise ClusterError(f"the cluster's workers could not be asked about {index_path}: {exc}") from None
    if not seen:
        raise _no_workers(client)
    for worker, answer in sorted(seen.items()):
        if answer != ("ok", __version__):
            problem = answer[0] if answer[0] != "ok" else f"runs archive-search {answer[1]}, not {__version__}"
            raise ClusterError(
                f"worker {worker} {problem}; the index directory must be on storage every worker mounts at the "
                "same path, and every worker must run the same archive-search"
            )


def _no_workers(client) -> ClusterError:
    address = client.scheduler.address
    return ClusterError(f"the Dask cluster has no workers; start some with: dask worker {address}")


def _sees(index_path: str) -> tuple[str, str]:
    """On a worker: whether it can read and write the index directory; its version."""
    try:
        from archive_search import __version__
    except ImportError:
        return ("cannot import archive_search", "")
    if not os.path.isdir(index_path):
        return (f"cannot see {index_path}", __version__)
    if not os.access(index_path, os.R_OK | os.W_OK | os.X_OK):
        return (f"cannot write to {index_path}", __version__)
    return ("ok", __version__)


def _task(spec: dict) -> dict:
    """On a worker: one shard's job."""
    _trim_less()
    from archive_search.indexing.shardjob import run_job

    return run_job(spec)


def _trim_less() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(_M_TRIM_THRESHOLD, _TRIM_AT)
    except (OSError, AttributeError):  # not glibc: nothing to undo
        pass


class ClusterShards:
    """fanout.Shards on a Dask cluster: each round one task a shard, shard k preferably on
    the same worker every time (its shards stay open there, shards/workers.py)."""

    def __init__(self, client, index_path: str, generation: str, count: int) -> None:
        self.client = client
        self.index_path, self.generation, self.count = index_path, generation, count
        workers = sorted(client.scheduler_info()["workers"])
        if not workers:
            raise _no_workers(client)
        self.preferred = [workers[k % len(workers)] for k in range(count)]

    @classmethod
    def connect(cls, address: str, index_path: str, generation: str, count: int) -> ClusterShards:
        return cls(connect(address), index_path, generation, count)

    def counts(self, q) -> list[dict]:
        from .shards.workers import counts_task

        return self._round(counts_task, q)

    def best(self, q, depth, count, config, totals) -> list[dict]:
        from .shards.workers import best_task

        return self._round(best_task, q, depth, count, config, totals)

    def _round(self, task, *args) -> list[dict]:
        futures = [
            self.client.submit(
                task,
                self.index_path,
                self.generation,
                k,
                *args,
                workers=[self.preferred[k]],
                allow_other_workers=True,  # its worker gone: another opens the shard
                pure=False,
            )
            for k in range(self.count)
        ]
        try:
            return self.client.gather(futures)
        except Exception as exc:
            reason = (f"{type(exc).__name__}: {exc}".splitlines() or [""])[0]
            raise ClusterError(f"a search task failed on the cluster ({reason}); search again") from None

    def close(self) -> None:
        self.client.close()


def keep_shards_open(address: str, index_path: str):
    """Register the worker plugin that opens the archive's shards on every worker, now and on
    each worker started later (serve --cluster); the client, for the caller to close."""
    from .shards.workers import ShardsPlugin

    client = connect(address)
    check_workers(client, index_path)
    client.register_plugin(ShardsPlugin(index_path))
    return client
