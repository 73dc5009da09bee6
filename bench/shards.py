"""Sharded archives: exactness against one index, and what sharding and a Dask cluster cost.

    python bench/shards.py exact --work /tmp/shards-exact --markdown docs/performance.md
    python bench/shards.py scale --articles 100000 --work /tmp/shards-100k --markdown docs/performance.md
    python bench/shards.py scale --articles 300000 --work /tmp/shards-300k --markdown docs/performance.md
    python bench/shards.py single --index /tmp/shards-exact/single --before 5dd2de7 --markdown docs/performance.md

exact: Reuters-21578 indexed as one index (--jobs 2), and as 4 and 7 shards, built locally
(--jobs 2) and on a local Dask cluster of 2 workers (dask scheduler, dask worker
--nworkers 2 --nthreads 1, started here). For 200 queries (made from the titles of every
n-th article in id order: the first three words of four letters or more), each layout's
top 20 (default ranking: BM25, feedback, the latent space) is compared with one index's:
ids in order, scores to 1e-9. A cluster-built archive is searched on the cluster (the two
rounds on the workers) and locally. The build times are whole processes, one run each.

scale: bench/make_corpus.py's archive of --articles articles (DNAinfo text, one file an
article) indexed as one index with --jobs 2, and as 8 shards on a local cluster of 2
workers; each build's wall time, the indexing process's peak RSS, and the workers' (the
largest peak of a worker process, sampled). Then the 20 queries of bench/speed.py, each
a whole `archive-search search QUERY --format jsonl` process (median of 3 runs, after a
warm-up), with and without a resident server (`serve`, `serve --cluster`): median and
p90 over the queries, and the ratio to one index in the same run.

single: one index searched by this tree's code and by an earlier commit's (extracted with
git archive), interleaved, whole processes: a search of one index must be no slower.

Needs the `cluster` extra (distributed) and ../shared; the cluster runs on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from doc_tables import add_markdown_option, check_target, write_between

ROOT = Path(__file__).resolve().parent.parent
REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578"
EXE = [sys.executable, "-m", "archive_search"]
_WORD = re.compile(r"[a-z]{4,}")


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class LocalCluster:
    """dask scheduler and dask worker --nworkers N --nthreads 1, as an operator starts them."""

    def __init__(self, folder: Path, workers: int = 2) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.file = folder / "scheduler.json"
        self.file.unlink(missing_ok=True)
        self.log = open(folder / "dask.log", "wb")  # noqa: SIM115
        common = ["--dashboard-address", ":0", "--scheduler-file", str(self.file)]
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", *common],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        while not self.file.exists() or not self.file.read_text().strip():
            time.sleep(0.2)
        time.sleep(0.3)
        self.address = json.loads(self.file.read_text())["address"]
        one = ["--nthreads", "1"]
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", *common, "--nworkers", str(workers), *one],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        from distributed import Client

        self.client = Client(self.address, set_as_default=False)
        self.client.wait_for_workers(workers, timeout=120)

    def worker_pids(self) -> list[int]:
        return list(self.client.run(os.getpid).values())

    def stop(self) -> None:
        self.client.close()
        for proc in (self.worker, self.scheduler):
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.log.close()


def build(source: Path, index: Path, *options: str, sample_pids=None) -> tuple[float, float, float]:
    """Index `source` into a new `index`; (seconds, the process's peak RSS MiB, the peak RSS
    MiB of the processes `sample_pids()` names, sampled every 0.2 s: the cluster's workers)."""
    shutil.rmtree(index, ignore_errors=True)
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        import psutil

        while not stop.wait(0.2):
            for pid in sample_pids() if sample_pids else []:
                try:
                    peak[0] = max(peak[0], psutil.Process(pid).memory_info().rss / 2**20)
                except psutil.Error:
                    pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    proc = subprocess.Popen([*EXE, "index", str(source), "--index", str(index), "-q", *options])
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"indexing {source} into {index} failed")
    return seconds, usage.ru_maxrss / 1024, peak[0]


def reuters_queries(index: Path, count: int) -> list[str]:
    from archive_search import Archive

    entries = sorted(Archive(index).list(), key=lambda e: e.id)
    step = max(1, len(entries) // (count * 2))
    queries: list[str] = []
    for entry in entries[::step]:
        words = _WORD.findall((entry.title or "").lower())[:3]
        if len(words) >= 2 and " ".join(words) not in queries:
            queries.append(" ".join(words))
        if len(queries) == count:
            break
    return queries


def top(archive, query: str) -> list[tuple[str, float]]:
    return [(hit.id, hit.score) for hit in archive.search(query, limit=20, snippets=False).hits]


def compare(expected: dict, got: dict) -> tuple[int, float]:
    same, worst = 0, 0.0
    for query, ranked in expected.items():
        other = got[query]
        ids_equal = [i for i, _ in ranked] == [i for i, _ in other]
        diff = max((abs(a - b) for (_, a), (_, b) in zip(ranked, other, strict=False)), default=0.0)
        worst = max(worst, diff if ids_equal else float("inf"))
        same += ids_equal and diff <= 1e-9
    return same, worst


def exact(args) -> None:
    from archive_search import Archive

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    cluster = LocalCluster(work / "dask")
    rows = []
    try:
        single = work / "single"
        seconds, _, _ = build(REUTERS, single, "--jobs", "2")
        note(f"one index: {seconds:.1f} s")
        queries = reuters_queries(single, args.queries)
        expected = {q: top(Archive(single), q) for q in queries}
        rows.append(("one index, --jobs 2", seconds, "local", len(queries), 0.0))
        for count in (1, 4, 7):
            index = work / f"local{count}"
            seconds, _, _ = build(REUTERS, index, "--shards", str(count), "--jobs", "2")
            same, worst = compare(expected, {q: top(Archive(index), q) for q in queries})
            rows.append((f"{count} shards, built with --jobs 2", seconds, "local", same, worst))
            note(f"{count} shards local: {seconds:.1f} s, {same}/{len(queries)}")
        for count in (4, 7):
            index = work / f"cluster{count}"
            seconds, _, _ = build(REUTERS, index, "--shards", str(count), "--cluster", cluster.address)
            same, worst = compare(expected, {q: top(Archive(index, cluster=cluster.address), q) for q in queries})
            rows.append((f"{count} shards, built on the cluster", seconds, "on the cluster", same, worst))
            same, worst = compare(expected, {q: top(Archive(index), q) for q in queries})
            rows.append((f"{count} shards, built on the cluster", seconds, "local", same, worst))
            note(f"{count} shards cluster: {seconds:.1f} s, {same}/{len(queries)}")
        recovery = recover(cluster, work / "cluster4", queries[0])
    finally:
        cluster.stop()
    lines = [
        f"Reuters-21578 ({len(queries)} queries, top 20, default ranking); a local Dask cluster of 2 workers "
        "(1 thread each) on this machine's 2 CPUs; build: one run each, whole process.",
        "",
        "| archive | build, s | searched | top 20 as one index's (ids, scores to 1e-9) | largest score difference |",
        "|---|--:|---|--:|--:|",
    ]
    for name, seconds, where, same, worst in rows:
        shown = "reference" if name.startswith("one index") else f"{same} of {len(queries)}"
        lines.append(f"| {name} | {seconds:.1f} | {where} | {shown} | {worst:.1e} |")
    answered, replaced = recovery
    lines += [
        "",
        "A worker killed (SIGKILL) while `serve --cluster` serves the 4-shard archive: the next search "
        f"answered (whole process, the same bytes as before the kill) {answered:.2f} s after the kill; "
        f"the nanny's new worker had registered and opened the 4 shards {replaced:.2f} s after it.",
    ]
    emit(args, "shards-exact", "\n".join(lines))


def recover(cluster, index: Path, query: str) -> tuple[float, float]:
    """serve --cluster on `index`; a worker killed; (seconds until a search answers as before,
    seconds until a new worker has the shards open)."""
    runtime = tempfile.mkdtemp(prefix="shards-recover-")
    env = {**os.environ, "XDG_RUNTIME_DIR": runtime}
    subprocess.run([*EXE, "serve", "--index", str(index), "--cluster", cluster.address], env=env, check=True)
    command = [*EXE, "search", query, "--index", str(index), "--format", "jsonl"]
    try:
        before = subprocess.run(command, env=env, capture_output=True).stdout
        name, pid = next(iter(cluster.client.run(os.getpid).items()))
        killed = time.perf_counter()
        os.kill(pid, signal.SIGKILL)
        while subprocess.run(command, env=env, capture_output=True).stdout != before:
            time.sleep(0.05)
        answered = time.perf_counter() - killed
        while True:
            opened = cluster.client.run(_opened, str(index))
            if name not in opened and len(opened) == 2 and all(n == 4 for n in opened.values()):
                break
            time.sleep(0.05)
        return answered, time.perf_counter() - killed
    finally:
        subprocess.run([*EXE, "serve", "--stop"], env=env, stderr=subprocess.DEVNULL)


def _opened(index: str) -> int:
    workers = sys.modules.get("archive_search.shards.workers")
    return sum(1 for key in getattr(workers, "_open", {}) if key[0] == index)


def scale(args) -> None:
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"
    if not corpus.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_corpus.py"), str(corpus), "-n", str(args.articles)])
    from speed import QUERIES

    cluster = LocalCluster(work / "dask")
    try:
        single = work / "single"
        one = build(corpus, single, "--jobs", "2")
        note(f"one index: {one[0]:.1f} s")
        sharded = work / "sharded"
        eight = build(corpus, sharded, "--shards", "8", "--cluster", cluster.address, sample_pids=cluster.worker_pids)
        note(f"8 shards on the cluster: {eight[0]:.1f} s")
        timings = {
            "one index": query_times(QUERIES, single, []),
            "8 shards, searched locally": query_times(QUERIES, sharded, []),
            "8 shards, on the cluster": query_times(QUERIES, sharded, ["--cluster", cluster.address]),
        }
    finally:
        cluster.stop()
    base = {mode: statistics.median(timings["one index"][mode]) for mode in ("alone", "serve")}
    lines = [
        f"bench/make_corpus.py archive of {args.articles:,} articles; a local Dask cluster of 2 workers (1 thread "
        "each) on this machine's 2 CPUs; builds one run each; searches: the 20 queries of bench/speed.py, each the "
        "median of 3 whole processes after a warm-up, `search QUERY --format jsonl`.",
        "",
        "| build | wall, s | indexing process peak RSS, MiB | a worker's peak RSS, MiB |",
        "|---|--:|--:|--:|",
        f"| one index, --jobs 2 | {one[0]:.0f} | {one[1]:.0f} | |",
        f"| 8 shards on the cluster | {eight[0]:.0f} | {eight[1]:.0f} | {eight[2]:.0f} |",
        "",
        "| search | median, ms | p90, ms | median ÷ one index | with serve: median, ms | p90, ms | ÷ one index |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for name, modes in timings.items():
        cells = []
        for mode in ("alone", "serve"):
            values = sorted(modes[mode])
            median, p90 = statistics.median(values), values[int(0.9 * (len(values) - 1))]
            cells += [f"{median * 1000:.0f}", f"{p90 * 1000:.0f}", f"{median / base[mode]:.2f}×"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    emit(args, f"shards-scale-{args.articles}", "\n".join(lines))


def query_times(queries: list[str], index: Path, options: list[str]) -> dict[str, list[float]]:
    """Each query's median whole-process time, in-process and with a resident server."""
    found: dict[str, list[float]] = {"alone": [], "serve": []}
    runtime = tempfile.mkdtemp(prefix="shards-bench-")
    alone = {**os.environ, "ARCHIVE_SEARCH_NO_SERVER": "1"}
    served = {**os.environ, "XDG_RUNTIME_DIR": runtime}
    subprocess.run([*EXE, "serve", "--index", str(index), *options], env=served, check=True)
    try:
        for query in queries:
            for mode, env in (("alone", alone), ("serve", served)):
                command = [*EXE, "search", query, "--index", str(index), "--format", "jsonl", *options]
                runs = []
                for _ in range(4):
                    started = time.perf_counter()
                    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    runs.append(time.perf_counter() - started)
                found[mode].append(statistics.median(runs[1:]))
    finally:
        subprocess.run([*EXE, "serve", "--stop"], env=served, stderr=subprocess.DEVNULL)
    return found


def single(args) -> None:
    """One index searched by this tree's code and by --before's, side by side, interleaved."""
    from speed import QUERIES

    before = Path(tempfile.mkdtemp(prefix="shards-before-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.before, "archive_search"], capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(before)], input=archive.stdout, check=True)
    env = {**os.environ, "ARCHIVE_SEARCH_NO_SERVER": "1"}
    trees = {f"before ({args.before})": before, "now": ROOT}
    found: dict[str, list[float]] = {name: [] for name in trees}
    for query in QUERIES:
        runs: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(args.runs + 1):
            for name, tree in trees.items():  # interleaved: the machine's noise falls on both alike
                command = [sys.executable, "-m", "archive_search", "search", query, "--index", args.index]
                started = time.perf_counter()
                subprocess.run([*command, "--format", "jsonl"], cwd=tree, env=env, stdout=subprocess.DEVNULL)
                runs[name].append(time.perf_counter() - started)
        for name in trees:
            found[name].append(statistics.median(runs[name][1:]))
    shutil.rmtree(before, ignore_errors=True)
    base = statistics.median(found[f"before ({args.before})"])
    lines = [
        f"One index ({args.index}), the 20 queries of bench/speed.py, each the median of {args.runs} whole "
        "processes `python -m archive_search search QUERY --format jsonl` after a warm-up, the two trees "
        "interleaved, in-process (no server).",
        "",
        "| code | median over the queries, ms | p90, ms | ÷ before |",
        "|---|--:|--:|--:|",
    ]
    for name, values in found.items():
        values.sort()
        median, p90 = statistics.median(values), values[int(0.9 * (len(values) - 1))]
        lines.append(f"| {name} | {median * 1000:.0f} | {p90 * 1000:.0f} | {median / base:.3f}× |")
    emit(args, "shards-single", "\n".join(lines))


def emit(args, table: str, text: str) -> None:
    print(text)
    if args.markdown not in (None, "-"):
        write_between(Path(args.markdown), table, text + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("exact", help="exactness on Reuters-21578, 1, 4 and 7 shards, local and on a cluster")
    one.add_argument("--work", required=True)
    one.add_argument("--queries", type=int, default=200)
    add_markdown_option(one, "shards-exact")
    two = sub.add_parser("scale", help="build and search a generated archive: one index vs 8 shards on a cluster")
    two.add_argument("--work", required=True)
    two.add_argument("--articles", type=int, default=100_000)
    add_markdown_option(two, "shards-scale-N")
    three = sub.add_parser("single", help="one index searched before this issue's code and now, side by side")
    three.add_argument("--index", required=True)
    three.add_argument("--before", required=True, help="the commit to compare with")
    three.add_argument("--runs", type=int, default=5)
    add_markdown_option(three, "shards-single")
    args = parser.parse_args()
    if not REUTERS.exists():
        raise SystemExit(f"{REUTERS} not found: the bench needs ../shared beside the project")
    table = {"exact": "shards-exact", "scale": f"shards-scale-{getattr(args, 'articles', 0)}"}.get(args.what)
    check_target(args.markdown, table or "shards-single")
    {"exact": exact, "scale": scale, "single": single}[args.what](args)


if __name__ == "__main__":
    main()
