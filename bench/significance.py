"""Paired significance tests on per-query nDCG@10, and the ratio summaries of the tables.

Two systems are compared on the same queries: a two-sided paired t-test (scipy.stats.ttest_rel)
over the queries of one collection, or pooled over the queries of several.
"""

from __future__ import annotations

import math
import statistics
import warnings
from collections.abc import Sequence

from scipy.stats import ttest_rel

ALPHA = 0.05  # the p-value under which a difference is marked
MARK = "*"


def paired_p(a: Sequence[float], b: Sequence[float]) -> float:
    """The two-sided p-value of a paired t-test of `a` against `b` (the same queries, in order)."""
    if len(a) != len(b):
        raise ValueError(f"paired samples differ in length: {len(a)} and {len(b)}")
    differences = [x - y for x, y in zip(a, b, strict=True)]
    if len(differences) < 2 or not any(differences):
        return 1.0  # no difference at all (or one query): nothing to test
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a constant difference: scipy warns, p is 0
        p = float(ttest_rel(a, b).pvalue)
    return 0.0 if math.isnan(p) else p


def pooled_p(pairs: Sequence[tuple[Sequence[float], Sequence[float]]]) -> float:
    """The paired test over the queries of every (a, b) pair together (one pair a collection)."""
    a = [x for first, _ in pairs for x in first]
    b = [y for _, second in pairs for y in second]
    return paired_p(a, b)


def p_text(p: float) -> str:
    """A p-value as the tables show it: three decimals, <0.001 below, marked under ALPHA."""
    text = "<0.001" if p < 0.001 else f"{p:.3f}"
    return text + MARK if p < ALPHA else text


def p_phrase(p: float) -> str:
    """A p-value in a sentence: "p = 0.012*", "p < 0.001*"."""
    text = p_text(p)
    return f"p < {text[1:]}" if text.startswith("<") else f"p = {text}"


def ratio(product: float, reference: float) -> float:
    """The product's measure over the reference's; nan when the reference scores 0."""
    return product / reference if reference else math.nan


def mean_ratio(ratios: Sequence[float]) -> float:
    """The mean of per-collection ratios: each collection weighs the same, whatever its size."""
    return statistics.fmean(ratios)


def marked_note() -> str:
    """The line under a table with p-values, saying what they are."""
    return (
        f"p: two-sided paired t-test on per-query nDCG@10 (scipy.stats.ttest_rel), over the queries"
        f" with text; {MARK} marks p < {ALPHA}."
    )
