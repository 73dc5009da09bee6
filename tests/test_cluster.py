"""A sharded archive built on a Dask cluster (index --cluster): a local one of two workers,
started here as an operator starts one (dask scheduler, dask worker). The shards it builds
rank exactly as one index; a worker killed in the middle of a build is replaced and the
build finishes; a worker that cannot see the index directory is one clear error."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import assert_no_traceback, run_cli, write_jsonl, write_notices
from test_shards import QUERIES, _ranked, _records, _same

pytest.importorskip("distributed", reason="the cluster extra (archive-search[cluster]) is not installed")

pytestmark = pytest.mark.soak


class LocalCluster:
    """A scheduler and a worker process of `workers` workers (each under a nanny, which
    restarts it when it dies), as `dask scheduler` and `dask worker` start them."""

    def __init__(self, folder: Path, workers: int = 2, wrap: list[str] | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.file = folder / "scheduler.json"
        self.logs = [open(folder / name, "wb") for name in ("scheduler.log", "worker.log")]  # noqa: SIM115
        python = [sys.executable, "-m"]
        self.scheduler = subprocess.Popen(
            [*python, "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", *self._quiet()],
            stdout=self.logs[0],
            stderr=subprocess.STDOUT,
        )
        self.address = self._address()
        one = ["--nthreads", "1"]
        self.worker = subprocess.Popen(
            [*(wrap or []), *python, "distributed.cli.dask_worker", *self._quiet(), "--nworkers", str(workers), *one],
            stdout=self.logs[1],
            stderr=subprocess.STDOUT,
        )
        self.client = self._client(workers)

    def _quiet(self) -> list[str]:
        """No dashboard; the address in a file."""
        return ["--dashboard-address", ":0", "--scheduler-file", str(self.file)]

    def _address(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                return json.loads(self.file.read_text())["address"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.2)
        raise AssertionError("the scheduler did not start")

    def _client(self, workers: int):
        from distributed import Client

        client = Client(self.address, timeout=30, set_as_default=False)
        client.wait_for_workers(workers, timeout=90)
        return client

    def worker_pids(self) -> dict[str, int]:
        return self.client.run(os.getpid)

    def stop(self) -> None:
        self.client.close()
        for proc in (self.worker, self.scheduler):
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in self.logs:
            log.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    started = LocalCluster(tmp_path_factory.mktemp("dask"))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clustered") / "archive"
    for name, records in _records().items():
        write_jsonl(folder / name, records)
    single = folder.parent / "single"
    assert run_cli("index", str(folder), "--index", str(single), "-q").exit_code == 0
    return folder


@pytest.mark.parametrize("count", [4, 7])
def test_shards_built_on_a_cluster_rank_exactly_as_one_index(cluster, archive, tmp_path, count):
    index = tmp_path / "index"
    result = run_cli("index", str(archive), "--index", str(index), "--shards", str(count), "--cluster", cluster.address)
    assert result.exit_code == 0, result.stderr
    single = archive.parent / "single"
    for query in QUERIES:
        assert _same(_ranked(index, query), _ranked(single, query)), query
    local = tmp_path / "local"
    assert run_cli("index", str(archive), "--index", str(local), "--shards", str(count), "-q").exit_code == 0
    assert _members(index) == _members(local)


def test_the_cluster_address_may_come_from_the_environment(cluster, archive, tmp_path):
    index = tmp_path / "index"
    result = run_cli(
        "index", str(archive), "--index", str(index), "--shards", "2", env={"ARCHIVE_SEARCH_CLUSTER": cluster.address}
    )
    assert result.exit_code == 0, result.stderr
    assert len(_members(index)) == 2


def _members(index: Path) -> list[tuple[str, int]]:
    meta = json.loads((index / "archive-search.json").read_text())
    manifest = json.loads((index / f"{meta['generation']}.shards" / "shards.json").read_text())
    return [(m["path"], m["articles"]) for m in manifest["members"]]


@pytest.fixture(scope="module")
def sharded(archive) -> Path:
    index = archive.parent / "sharded4"
    assert run_cli("index", str(archive), "--index", str(index), "--shards", "4", "-q").exit_code == 0
    return index


SEARCHES = [
    ["harbor", "ferry", "--format", "jsonl"],
    ["school budget hearing", "--format", "json", "-n", "15"],
    ['"bike lane"', "--format", "tsv"],
    ["title:budget", "--count"],
    ["police", "--since", "2012", "--format", "ids", "-n", "40"],
]


@pytest.mark.parametrize("search", SEARCHES)
def test_a_search_scored_on_the_cluster_answers_as_one_index(cluster, archive, sharded, search):
    expected = run_cli("search", *search, "--index", str(archive.parent / "single"))
    got = run_cli("search", *search, "--index", str(sharded), "--cluster", cluster.address)
    assert (got.exit_code, got.stdout, got.stderr) == (expected.exit_code, expected.stdout, expected.stderr)


def test_serve_on_a_cluster_answers_as_one_index_and_a_killed_worker_is_replaced(cluster, archive, sharded, tmp_path):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {"XDG_RUNTIME_DIR": str(runtime)}
    started = run_cli("serve", "--index", str(sharded), "--cluster", cluster.address, env=env)
    assert started.exit_code == 0, started.stderr
    try:
        status = run_cli("serve", "--status", "--format", "json", env=env)
        assert json.loads(status.stdout)["cluster"] == cluster.address
        assert _opened_on_each_worker(cluster, sharded) == [[0, 1, 2, 3]] * 2  # the plugin, on every worker
        single = str(archive.parent / "single")
        for search in SEARCHES:
            expected = run_cli("search", *search, "--index", single)
            got = run_cli("search", *search, "--index", str(sharded), env=env)
            assert (got.exit_code, got.stdout) == (expected.exit_code, expected.stdout), search
        victim = next(iter(cluster.worker_pids().items()))
        os.kill(victim[1], signal.SIGKILL)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            workers = cluster.client.scheduler_info()["workers"]
            if len(workers) == 2 and victim[0] not in workers:
                break
            time.sleep(0.1)
        assert victim[0] not in cluster.client.scheduler_info()["workers"]
        expected = run_cli("search", *SEARCHES[0], "--index", single)
        got = run_cli("search", *SEARCHES[0], "--index", str(sharded), env=env)
        assert (got.exit_code, got.stdout) == (expected.exit_code, expected.stdout)
        cluster.client.wait_for_workers(2, timeout=60)
        assert _opened_on_each_worker(cluster, sharded) == [[0, 1, 2, 3]] * 2  # the new worker opened them too
    finally:
        run_cli("serve", "--stop", env=env)


def _opened_on_each_worker(cluster, index: Path) -> list[list[int]]:
    """The shards of `index` each worker has open (asked of the workers themselves; a lambda,
    so that it travels by value: the workers cannot import this module)."""
    asked = cluster.client.run(
        lambda path: sorted(
            k[2] for k in getattr(sys.modules.get("archive_search.shards.workers"), "_open", {}) if k[0] == path
        ),
        str(index),
    )
    return sorted(asked.values())


def test_a_worker_killed_during_a_build_is_replaced_and_the_build_finishes(cluster, tmp_path):
    folder = tmp_path / "archive"
    records = write_notices(folder, 6000, 12)
    index = tmp_path / "index"
    options = ["--shards", "4", "--cluster", cluster.address]
    build = subprocess.Popen(
        [sys.executable, "-m", "archive_search", "index", str(folder), "--index", str(index), "-q", *options],
        stderr=subprocess.PIPE,
    )
    killed = _kill_a_busy_worker(cluster)
    _, stderr = build.communicate(timeout=600)
    assert build.returncode == 0, stderr.decode()
    assert killed, "no worker was busy with a shard: the build was over before one could be killed"
    listed = run_cli("list", "--index", str(index), "--format", "ids").stdout.split()
    assert sorted(listed) == sorted(r["id"] for r in records)
    single = tmp_path / "single"
    assert run_cli("index", str(folder), "--index", str(single), "-q").exit_code == 0
    for query in ("notice", "w17 w34", "w500"):
        assert _same(_ranked(index, query), _ranked(single, query)), query
    cluster.client.wait_for_workers(2, timeout=60)  # the nanny has started another


def _kill_a_busy_worker(cluster) -> bool:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        busy = [w for w, keys in cluster.client.processing().items() if any("archive-search-shard" in k for k in keys)]
        if busy:
            time.sleep(1.0)  # well into its shard
            pid = cluster.worker_pids().get(busy[0])
            if pid:
                os.kill(pid, signal.SIGKILL)
                return True
        time.sleep(0.05)
    return False


def test_a_worker_that_cannot_see_the_index_directory_is_one_error(tmp_path):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("hiding a directory from one worker needs root and unshare(1)")
    hidden = tmp_path / "storage"
    hidden.mkdir()
    # The worker runs in a mount namespace of its own, where the storage is an empty tmpfs.
    wrap = ["unshare", "-m", "sh", "-c", f'mount -t tmpfs none "{hidden}" && exec "$0" "$@"']
    cluster = LocalCluster(tmp_path / "dask", workers=1, wrap=wrap)
    try:
        feed = write_jsonl(tmp_path / "feed" / "a.jsonl", [{"id": "a", "title": "Harbor", "body": "ferry"}])
        index = hidden / "index"
        result = run_cli("index", str(feed), "--index", str(index), "--shards", "2", "--cluster", cluster.address)
    finally:
        cluster.stop()
    assert result.exit_code == 2, result.stderr
    assert f"cannot see {index}" in result.stderr and "storage every worker mounts" in result.stderr
    assert result.stderr.count("\n") == 1
    assert_no_traceback(result.stderr)
    assert not (index / "g1.shards").exists()  # refused before the shards were begun
