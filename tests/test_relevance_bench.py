"""The relevance bench's pure parts: the leave-one-collection-out choice and the paired tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("scipy", reason="scipy (bench extra) is not installed")
ir_measures = pytest.importorskip("ir_measures", reason="ir-measures (test extra) is not installed")

BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(BENCH) not in sys.path:
    sys.path.append(str(BENCH))

import loco  # noqa: E402
import measure  # noqa: E402
import significance  # noqa: E402
from scipy.stats import ttest_rel  # noqa: E402

from archive_search import RankingConfig  # noqa: E402

LOW, HIGH = (("query_share", "0.3"),), (("query_share", "0.7"),)


def test_loco_chooses_on_the_other_collections_only():
    # "a" alone prefers LOW; the others prefer HIGH, so only the fold holding "a" out differs.
    ratios = {"a": {LOW: 2.0, HIGH: 1.0}, "b": {LOW: 1.0, HIGH: 1.1}, "c": {LOW: 1.0, HIGH: 1.2}}
    combos = [LOW, HIGH]
    assert loco.choose(ratios, combos, "a") == HIGH
    assert loco.choose(ratios, combos, "b") == LOW  # mean over a and c: LOW 1.5, HIGH 1.15
    assert loco.choose(ratios, combos, None) == LOW  # over all three: LOW 4/3, HIGH 1.1


def test_loco_ties_go_to_the_first_combination_in_grid_order():
    ratios = {"a": {LOW: 1.0, HIGH: 1.0}, "b": {LOW: 1.0, HIGH: 1.0}}
    assert loco.choose(ratios, [HIGH, LOW], "a") == HIGH


def test_loco_folds_measure_the_held_out_collection_with_its_choice():
    def scored(ndcg: float) -> measure.Scored:
        return measure.Scored({measure.NDCG: ndcg}, [ndcg, ndcg])

    grid = {"a": {LOW: scored(0.6), HIGH: scored(0.3)}, "b": {LOW: scored(0.2), HIGH: scored(0.4)}}
    references = {"a": scored(0.3), "b": scored(0.2)}
    held = loco.folds(grid, references, [LOW, HIGH])
    assert [(h.name, h.combo, h.product.ndcg) for h in held] == [("a", HIGH, 0.3), ("b", LOW, 0.2)]
    assert loco.overall_choice(grid, references, [LOW, HIGH]) == (LOW, pytest.approx(1.5))


def test_grid_combinations_and_index_time_settings():
    grid = loco.parse_grid(["query_share=0.3,0.5", "latent_dims=50,75", "latent_share=0,0.4"], RankingConfig())
    combos = loco.combinations(grid)
    assert len(combos) == 8
    assert combos[0] == (("query_share", "0.3"), ("latent_dims", "50"), ("latent_share", "0"))
    assert {loco.index_part(c) for c in combos} == {(("latent_dims", "50"),), (("latent_dims", "75"),)}
    assert loco.applied(RankingConfig(), combos[-1]).latent_share == 0.4
    with pytest.raises(measure.BenchError):
        loco.parse_grid(["no_such_setting=1,2"], RankingConfig())
    with pytest.raises(measure.BenchError):
        loco.parse_grid(["query_share"], RankingConfig())


def test_per_query_ndcg_scores_a_query_without_results_as_zero():
    qrels = [ir_measures.Qrel("1", "d1", 1), ir_measures.Qrel("2", "d2", 1), ir_measures.Qrel("3", "d3", 1)]
    run = {"1": {"d1": 2.0, "x": 1.0}, "2": {}, "3": {"x": 2.0, "d3": 1.0}}
    values = measure.per_query_ndcg(qrels, run, ["1", "2", "3"])
    assert values[0] == pytest.approx(1.0)
    assert values[1] == 0.0
    assert 0 < values[2] < 1


def test_paired_and_pooled_tests_agree_with_scipy():
    a, b = [0.5, 0.6, 0.7, 0.2], [0.4, 0.6, 0.5, 0.1]
    c, d = [0.3, 0.9], [0.2, 0.5]
    assert significance.paired_p(a, b) == pytest.approx(ttest_rel(a, b).pvalue)
    assert significance.pooled_p([(a, b), (c, d)]) == pytest.approx(ttest_rel(a + c, b + d).pvalue)
    assert significance.paired_p(a, a) == 1.0
    with pytest.raises(ValueError):
        significance.paired_p(a, b[:2])


def test_p_values_as_the_tables_show_them():
    assert significance.p_text(0.0004) == "<0.001*"
    assert significance.p_text(0.0031) == "0.003*"
    assert significance.p_text(0.2) == "0.200"
    assert significance.mean_ratio([1.0, 2.0]) == 1.5
