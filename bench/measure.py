"""Measuring a system on one test collection: load it, index it, run its queries, score the run.

A collection is a folder holding docs.jsonl, queries.tsv (and perhaps queries.original.tsv,
the queries as first published) and qrels.txt. The product is measured through its own
Indexer and `Archive.search`; the reference is bm25s (Lucene BM25, English stopwords,
Snowball stemming), computed from the same files.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ir_measures
from ir_measures import AP, P, R, nDCG
from significance import ratio

from archive_search import Archive, IndexDir, Indexer, RankingConfig

MEASURES = [nDCG @ 10, AP @ 100, R @ 100, P @ 10]
NDCG = str(nDCG @ 10)
DEPTH = 100
QUERY_FILES = {"default": "queries.tsv", "original": "queries.original.tsv"}

Run = dict[str, dict[str, float]]


class BenchError(Exception):
    """What stops the bench before it measures anything: one line for stderr."""


@dataclass(frozen=True)
class Collection:
    """A test collection: its judged queries that have text, and its qrels."""

    name: str
    folder: Path
    qrels: list
    queries: dict[str, str]
    judged_ids: int  # query ids the qrels judge, with text or not: the means divide by these
    query_file: str


@dataclass(frozen=True)
class Scored:
    """One system's run on a collection, scored: the table's means and nDCG@10 per query."""

    means: dict[str, float]
    per_query: list[float]  # in the order of the collection's queries
    ms: float | None = None

    @property
    def ndcg(self) -> float:
        """The mean nDCG@10, as the tables show it."""
        return self.means[NDCG]


@dataclass(frozen=True)
class Measured:
    """A collection's runs scored: the product, the reference, and the product's first pass alone."""

    coll: Collection
    product: Scored
    reference: Scored
    first_pass: Scored

    @property
    def ratio(self) -> float:
        """The product's nDCG@10 over the reference's."""
        return ratio(self.product.ndcg, self.reference.ndcg)


def load_queries(folder: Path, variant: str = "default") -> dict[str, str]:
    """The queries of `folder`, {id: text}: queries.tsv, or queries.original.tsv where there is one."""
    path = folder / QUERY_FILES[variant]
    if not path.exists():
        path = folder / QUERY_FILES["default"]
    queries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        qid, _, text = line.partition("\t")
        if qid.strip():
            queries[qid.strip()] = text.strip()
    return queries


def judged(qrels: list, queries: dict[str, str]) -> dict[str, str]:
    """Only queries with at least one judgment count (CISI has 57 queries, 50 judged)."""
    with_judgments = {q.query_id for q in qrels}
    return {qid: text for qid, text in queries.items() if qid in with_judgments}


def load_collection(shared: Path, name: str, variant: str = "default") -> Collection:
    """A test collection of `shared`; BenchError if it is missing."""
    folder = shared / name
    if not (folder / "docs.jsonl").is_file():
        raise BenchError(f"{folder / 'docs.jsonl'} not found; pass --shared DIR")
    qrels = list(ir_measures.read_trec_qrels(str(folder / "qrels.txt")))
    queries = judged(qrels, load_queries(folder, variant))
    used = QUERY_FILES[variant] if (folder / QUERY_FILES[variant]).exists() else QUERY_FILES["default"]
    return Collection(name, folder, qrels, queries, len({q.query_id for q in qrels}), used)


@contextlib.contextmanager
def indexed(folder: Path, config: RankingConfig) -> Iterator[Archive]:
    """An Archive of the collection's docs.jsonl, indexed by the product's own indexer into a
    temporary index (the latent space fitted with `config`'s settings)."""
    with tempfile.TemporaryDirectory() as tmp:
        index = IndexDir(Path(tmp) / "index")
        stats = Indexer(index, ranking=config).run([str(folder / "docs.jsonl")])
        for problem in stats.problems:  # Cranfield has two empty documents
            print(f"relevance: note: {problem}", file=sys.stderr)
        if not stats.total_articles:
            raise SystemExit(f"relevance: nothing indexed from {folder / 'docs.jsonl'}")
        yield Archive(index, ranking=config)


def search_run(archive: Archive, queries: dict[str, str]) -> tuple[Run, float]:
    """Every query searched as `archive-search search` does; the run and the mean query time in ms."""
    run: Run = {}
    times = []
    for qid, text in queries.items():
        started = time.perf_counter()
        result = archive.search(text, limit=DEPTH, snippets=False)
        times.append(time.perf_counter() - started)
        run[qid] = {hit.id: hit.score for hit in result.hits}
    return run, statistics.mean(times) * 1000


def product_run(folder: Path, queries: dict[str, str], config: RankingConfig | None = None) -> tuple[Run, float]:
    """Index and search with archive-search (default settings unless `config`); return the run
    and the mean query time in ms."""
    with indexed(folder, config or RankingConfig()) as archive:
        return search_run(archive, queries)


def reference_run(folder: Path, queries: dict[str, str]) -> Run:
    """bm25s: Lucene BM25 (k1=1.5, b=0.75) over title + body, English stopwords, Snowball stemming."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    ids, texts = [], []
    for line in (folder / "docs.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        ids.append(str(doc["id"]))
        texts.append(f"{doc.get('title', '')} {doc.get('body', '')}")
    retriever = bm25s.BM25(method="lucene")
    retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    run = {}
    for qid, text in queries.items():
        tokens = bm25s.tokenize([text], stopwords="en", stemmer=stemmer, show_progress=False)
        k = min(DEPTH, len(ids))
        docs, scores = retriever.retrieve(tokens, k=k, show_progress=False)
        run[qid] = {ids[d]: float(s) for d, s in zip(docs[0], scores[0], strict=True) if s > 0}
    return run


def write_run(run: Run, path: Path, tag: str) -> None:
    """The run as a TREC run file, for other tools (trec_eval) to read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for qid, docs in run.items():
            ranked = sorted(docs.items(), key=lambda item: -item[1])
            for rank, (doc, score) in enumerate(ranked, start=1):
                out.write(f"{qid} Q0 {doc} {rank} {score:.6f} {tag}\n")


def evaluate(qrels: list, run: Run) -> dict[str, float]:
    """The table's measures, each a mean over every query id the qrels judge."""
    # Every judged query counts, including those a system returns nothing for: ir-measures
    # divides by the query ids the qrels judge, as the reference figures do.
    scores = ir_measures.calc_aggregate(MEASURES, qrels, run)
    return {str(m): scores[m] for m in MEASURES}


def per_query_ndcg(qrels: list, run: Run, qids: list[str]) -> list[float]:
    """nDCG@10 of each of `qids`, in that order; a query with no results scores 0."""
    # ir-measures yields nothing for a query whose run is empty, hence the default.
    values = {m.query_id: m.value for m in ir_measures.iter_calc([nDCG @ 10], qrels, run)}
    return [values.get(qid, 0.0) for qid in qids]


def score_run(coll: Collection, run: Run, ms: float | None = None) -> Scored:
    """A run on `coll` scored for the tables and the paired tests."""
    return Scored(evaluate(coll.qrels, run), per_query_ndcg(coll.qrels, run, list(coll.queries)), ms)


def measure_reference(coll: Collection) -> tuple[Run, Scored]:
    """The reference's run on `coll`, and its scores."""
    run = reference_run(coll.folder, coll.queries)
    return run, score_run(coll, run)
