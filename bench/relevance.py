"""Ranking quality of archive-search's default search on classic IR test collections.

    python bench/relevance.py                 # CISI and Cranfield from ../shared/relevance
    python bench/relevance.py cranfield --markdown

For each collection: index docs.jsonl with the product's own indexer into a
temporary index, run every query through `Archive.search` with the same defaults
as `archive-search search`, write a TREC run file to bench/out/, and score it
with ir-measures next to a reference BM25 (bm25s: Lucene BM25, English
stopwords, Snowball stemming) computed in the same run.
Needs the bench extra: pip install -e ".[bench]".
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import ir_measures
from ir_measures import AP, P, R, nDCG

from archive_search import Archive, IndexDir, Indexer

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = ROOT.parent / "shared" / "relevance"
MEASURES = [nDCG @ 10, AP, R @ 100, P @ 10]
DEPTH = 100


def load_queries(folder: Path) -> dict[str, str]:
    queries = {}
    for line in (folder / "queries.tsv").read_text(encoding="utf-8").splitlines():
        qid, _, text = line.partition("\t")
        if qid.strip():
            queries[qid.strip()] = text.strip()
    return queries


def judged(qrels: list, queries: dict[str, str]) -> dict[str, str]:
    """Only queries with at least one judgment count (CISI has 57 queries, 50 judged)."""
    with_judgments = {q.query_id for q in qrels}
    return {qid: text for qid, text in queries.items() if qid in with_judgments}


def product_run(folder: Path, queries: dict[str, str]) -> tuple[dict[str, dict[str, float]], float]:
    """Index and search with archive-search; return the run and the mean query time in ms."""
    with tempfile.TemporaryDirectory() as tmp:
        index = IndexDir(Path(tmp) / "index")
        stats = Indexer(index).run([str(folder / "docs.jsonl")])
        for problem in stats.problems:  # Cranfield has two empty documents
            print(f"relevance: note: {problem}", file=sys.stderr)
        if not stats.total_articles:
            raise SystemExit(f"relevance: nothing indexed from {folder / 'docs.jsonl'}")
        archive = Archive(index)
        run: dict[str, dict[str, float]] = {}
        times = []
        for qid, text in queries.items():
            started = time.perf_counter()
            result = archive.search(text, limit=DEPTH, snippets=False)
            times.append(time.perf_counter() - started)
            run[qid] = {hit.id: hit.score for hit in result.hits}
    return run, statistics.mean(times) * 1000


def reference_run(folder: Path, queries: dict[str, str]) -> dict[str, dict[str, float]]:
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


def write_run(run: dict[str, dict[str, float]], path: Path, tag: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for qid, docs in run.items():
            ranked = sorted(docs.items(), key=lambda item: -item[1])
            for rank, (doc, score) in enumerate(ranked, start=1):
                out.write(f"{qid} Q0 {doc} {rank} {score:.6f} {tag}\n")


def evaluate(qrels: list, run: dict[str, dict[str, float]]) -> dict[str, float]:
    # Every judged query counts, including those a system returns nothing for: ir-measures
    # divides by the query ids the qrels judge, as the reference figures do.
    scores = ir_measures.calc_aggregate(MEASURES, qrels, run)
    return {str(m): scores[m] for m in MEASURES}


def ndcg_over_run(qrels: list, run: dict[str, dict[str, float]]) -> float:
    """nDCG@10 averaged over the queries that were run only (those with text)."""
    values = [m.value for m in ir_measures.iter_calc([nDCG @ 10], qrels, run) if m.query_id in run]
    return statistics.fmean(values) if values else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("collections", nargs="*", default=["cisi", "cranfield"])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder holding cisi/ and cranfield/")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out", help="where run files go")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)

    rows = []
    notes = []
    for name in args.collections:
        folder = args.shared / name
        if not folder.is_dir():
            print(f"relevance: {folder} not found; pass --shared DIR", file=sys.stderr)
            return 2
        qrels = list(ir_measures.read_trec_qrels(str(folder / "qrels.txt")))
        queries = judged(qrels, load_queries(folder))
        product, ms = product_run(folder, queries)
        reference = reference_run(folder, queries)
        write_run(product, args.out / f"{name}.archive-search.run", "archive-search")
        write_run(reference, args.out / f"{name}.bm25s.run", "bm25s")
        ids = len({q.query_id for q in qrels})
        counted = str(len(queries)) if ids == len(queries) else f"{len(queries)} of {ids}"
        rows.append((name, counted, "archive-search", evaluate(qrels, product), f"{ms:.1f}"))
        rows.append((name, counted, "bm25s (reference)", evaluate(qrels, reference), ""))
        if ids != len(queries):
            # CISI's qrels judge 76 query ids and its query file has text for 50 of them.
            notes.append(
                f"{name}: the qrels judge {ids} query ids, {len(queries)} of which have text; the means"
                f" above divide by {ids} (the other {ids - len(queries)} score 0 for every system)."
                f" Over the {len(queries)} with text, nDCG@10: archive-search"
                f" {ndcg_over_run(qrels, product):.3f}, bm25s {ndcg_over_run(qrels, reference):.3f}."
            )
    print_table(rows, args.markdown)
    for note in notes:
        print(f"\n{note}")
    return 0


def print_table(rows: list, markdown: bool) -> None:
    header = ["collection", "queries", "system", *[str(m) for m in MEASURES], "ms/query"]
    lines = [[name, str(n), system, *[f"{m[k]:.3f}" for k in m], ms] for name, n, system, m, ms in rows]
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in lines:
            print("| " + " | ".join(line) + " |")
        return
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    for row in [header, *lines]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    sys.exit(main())
