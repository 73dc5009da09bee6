"""Each ranking stage the default keeps earns its place: switched off through RankingConfig,
the ranking of a real development collection falls below the floor the default keeps.

MED is the collection where both stages count most (docs/ranking.md, the ablation table):
small enough to index in seconds, with queries of many relevant articles."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from conftest import SHARED, need_shared

from archive_search.ranking.config import DEFAULT

MED = SHARED / "relevance" / "med"
# Between the default's nDCG@10 on MED and that of the ranking without the latent space,
# the nearer of the two stages below it.
MED_FLOOR = 0.75
OFF = {"feedback (and the stages after it)": {"feedback": False}, "latent space": {"latent": False}}


def _relevance_bench():
    path = Path(__file__).resolve().parent.parent / "bench" / "relevance.py"
    if not path.exists():
        pytest.skip("bench/relevance.py is not beside the tests (not a checkout)")
    pytest.importorskip("ir_measures", reason="ir-measures (test extra) is not installed")
    spec = importlib.util.spec_from_file_location("bench_relevance_stages", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def med_ndcg() -> dict[str, float]:
    """nDCG@10 on MED of the default ranking and of the default with each stage switched off."""
    need_shared(MED / "docs.jsonl")
    bench = _relevance_bench()
    import ir_measures

    qrels = list(ir_measures.read_trec_qrels(str(MED / "qrels.txt")))
    queries = bench.judged(qrels, bench.load_queries(MED))
    scores = {}
    with bench.indexed(MED, DEFAULT) as archive:
        for name, changes in [("default", {}), *OFF.items()]:
            archive.ranking = DEFAULT.replace(**changes)
            run, _ = bench.search_run(archive, queries)
            scores[name] = bench.evaluate(qrels, run)["nDCG@10"]
    return scores


@pytest.mark.soak  # a whole test collection indexed and searched (.ci/run runs soak tests)
def test_the_default_ranking_keeps_its_floor(med_ndcg):
    assert med_ndcg["default"] >= MED_FLOOR, med_ndcg


@pytest.mark.soak  # a whole test collection indexed and searched (.ci/run runs soak tests)
@pytest.mark.parametrize("stage", OFF)
def test_without_a_stage_the_floor_is_lost(med_ndcg, stage):
    assert med_ndcg[stage] < MED_FLOOR, med_ndcg
