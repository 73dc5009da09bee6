"""Leave-one-collection-out choice of ranking settings (`relevance.py --folds loco --grid ...`).

For each collection held out, the combination of the grids' values that has the best mean
nDCG@10 ratio to the reference over the other collections is chosen, then measured on the
one held out: an estimate of how well settings chosen on some collections carry to another.

Each collection is indexed once for each distinct combination of the index-time settings
(those the latent space's fit reads), and searched once for each combination.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from measure import BenchError, Collection, Scored, indexed, score_run, search_run
from significance import mean_ratio, p_phrase, p_text, paired_p, pooled_p, ratio

from archive_search import RankingConfig

Combo = tuple[tuple[str, str], ...]  # (setting, value) pairs, in the order the grids were given
Grid = list[tuple[str, list[str]]]

# Read at search time although named like the fit's settings: changing it needs no new index.
SEARCH_TIME_LATENT = {"latent_share"}


def index_time(name: str) -> bool:
    """Whether a setting is read by the latent space's fit, so that a new value needs a new index."""
    return name.startswith("latent_") and name not in SEARCH_TIME_LATENT


def parse_grid(specs: Sequence[str], base: RankingConfig) -> Grid:
    """The --grid NAME=V1,V2,... options as (name, values); BenchError names a bad one."""
    grid: Grid = []
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip()
        choices = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not choices:
            raise BenchError(f"--grid takes NAME=V1,V2,..., not {spec!r}")
        if name in (n for n, _ in grid):
            raise BenchError(f"--grid {name} is given twice; list its values in one")
        for value in choices:
            try:
                base.replace(**{name: value})
            except ValueError as exc:  # an unknown setting, or a value of the wrong type
                raise BenchError(str(exc)) from None
        grid.append((name, choices))
    return grid


def combinations(grid: Grid) -> list[Combo]:
    """Every combination of the grids' values (their Cartesian product), in grid order."""
    names = [name for name, _ in grid]
    return [tuple(zip(names, values, strict=True)) for values in itertools.product(*(v for _, v in grid))]


def index_part(combo: Combo) -> Combo:
    """The index-time settings of a combination: combinations that share them share an index."""
    return tuple((name, value) for name, value in combo if index_time(name))


def applied(base: RankingConfig, combo: Combo) -> RankingConfig:
    """`base` with the combination's settings."""
    return base.replace(**dict(combo))


def combo_text(combo: Combo) -> str:
    """A combination as the table shows it: name=value, ..."""
    return ", ".join(f"{name}={value}" for name, value in combo)


def choose(ratios: Mapping[str, Mapping[Combo, float]], combos: Sequence[Combo], held_out: str | None) -> Combo:
    """The combination with the best mean ratio over the collections other than `held_out`
    (over all of them when None); on a tie, the first in grid order."""
    others = [name for name in ratios if name != held_out]
    if not others:
        raise BenchError("leave-one-collection-out needs two collections or more")

    def mean_over_others(combo: Combo) -> float:
        values = [ratios[name][combo] for name in others]
        return -math.inf if any(math.isnan(v) for v in values) else mean_ratio(values)

    return max(combos, key=mean_over_others)  # max keeps the first of equal keys


def measure_variants(
    collections: Sequence[Collection], bases: Sequence[RankingConfig], combos: Sequence[Combo]
) -> list[dict[str, dict[Combo, Scored]]]:
    """Every combination's scores on every collection, for each of `bases` (which differ in
    search-time settings only, such as the stages switched off): one index per index-time
    part, one search of the queries per base and combination."""
    scored: list[dict[str, dict[Combo, Scored]]] = [{} for _ in bases]
    for coll in collections:
        for by_base in scored:
            by_base[coll.name] = {}
        for part, members in itertools.groupby(sorted(combos, key=index_part), key=index_part):
            with indexed(coll.folder, applied(bases[0], part)) as archive:
                for combo in members:
                    for base, by_base in zip(bases, scored, strict=True):
                        archive.ranking = applied(base, combo)
                        run, _ = search_run(archive, coll.queries)
                        by_base[coll.name][combo] = score_run(coll, run)
    return scored


@dataclass(frozen=True)
class HeldOut:
    """One fold: the collection held out, the settings chosen on the others, and its scores."""

    name: str
    combo: Combo
    product: Scored
    reference: Scored


def ratio_table(
    scored: Mapping[str, Mapping[Combo, Scored]], references: Mapping[str, Scored]
) -> dict[str, dict[Combo, float]]:
    """Each combination's nDCG@10 ratio to the reference, on each collection."""
    return {
        name: {combo: ratio(s.ndcg, references[name].ndcg) for combo, s in by_combo.items()}
        for name, by_combo in scored.items()
    }


def folds(
    scored: Mapping[str, Mapping[Combo, Scored]], references: Mapping[str, Scored], combos: Sequence[Combo]
) -> list[HeldOut]:
    """Each collection held out in turn, measured with the settings chosen on the others."""
    ratios = ratio_table(scored, references)
    chosen = {name: choose(ratios, combos, name) for name in scored}
    return [HeldOut(name, chosen[name], scored[name][chosen[name]], references[name]) for name in scored]


def overall_choice(
    scored: Mapping[str, Mapping[Combo, Scored]], references: Mapping[str, Scored], combos: Sequence[Combo]
) -> tuple[Combo, float]:
    """The combination that wins on all the collections together, and its mean ratio."""
    ratios = ratio_table(scored, references)
    best = choose(ratios, combos, None)
    return best, mean_ratio([ratios[name][best] for name in ratios])


def fold_lines(held: Sequence[HeldOut]) -> list[list[str]]:
    """The table's rows: one a held-out collection."""
    return [
        [
            h.name,
            combo_text(h.combo),
            f"{h.product.ndcg:.4f}",
            f"{h.reference.ndcg:.4f}",
            f"{ratio(h.product.ndcg, h.reference.ndcg):.4f}",
            p_text(paired_p(h.product.per_query, h.reference.per_query)),
        ]
        for h in held
    ]


FOLD_HEADER = ["held out", "settings chosen on the others", "nDCG@10", "bm25s", "ratio", "p vs bm25s"]


def fold_notes(held: Sequence[HeldOut], overall: tuple[Combo, float], base: RankingConfig) -> list[str]:
    """The summary under the table: the held-out mean ratio, the pooled test, the overall winner."""
    held_mean = mean_ratio([ratio(h.product.ndcg, h.reference.ndcg) for h in held])
    pooled = pooled_p([(h.product.per_query, h.reference.per_query) for h in held])
    queries = sum(len(h.product.per_query) for h in held)
    best, best_mean = overall
    fixed = [
        f"{f.name}={getattr(base, f.name)!r}" for f in dataclasses.fields(base) if getattr(base, f.name) != f.default
    ]
    return [
        f"Mean held-out nDCG@10 ratio to bm25s over the {len(held)} folds: {held_mean:.4f}.",
        f"Pooled paired test of the held-out runs against bm25s over all {queries} queries: {p_phrase(pooled)}.",
        f"Chosen on all {len(held)} collections together (what a default would take): {combo_text(best)},"
        f" mean ratio {best_mean:.4f}.",
        "Settings not in a grid: " + (", ".join(fixed) if fixed else "the defaults") + ".",
    ]


STAGE_HEADER = [
    "ranking, each chosen leave-one-collection-out",
    "held-out mean ratio",
    "pooled nDCG@10",
    "p vs the row above",
]


def stage_lines(stage_folds: Sequence[tuple[str, Sequence[HeldOut]]]) -> list[list[str]]:
    """One row a stage: the held-out runs of the pipeline cut after it, their mean ratio to
    the reference, their pooled nDCG@10, and the pooled paired test against the row above."""
    lines, previous = [], None
    for label, held in stage_folds:
        per_query = [v for h in held for v in h.product.per_query]
        p = (
            ""
            if previous is None
            else p_text(
                pooled_p([(h.product.per_query, b.product.per_query) for h, b in zip(held, previous, strict=True)])
            )
        )
        lines.append(
            [
                label,
                f"{mean_ratio([ratio(h.product.ndcg, h.reference.ndcg) for h in held]):.4f}",
                f"{sum(per_query) / len(per_query):.4f}" if per_query else "",
                p,
            ]
        )
        previous = held
    return lines
