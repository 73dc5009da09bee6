"""Ranking quality of archive-search's default search on classic IR test collections.

    python bench/relevance.py                                # the six development collections
    python bench/relevance.py cranfield adi --markdown       # some of them, the table as Markdown on stdout
    python bench/relevance.py --markdown docs/ranking.md     # the table written into docs/ranking.md
    python bench/relevance.py --shared DIR --markdown docs/ranking.md
    python bench/relevance.py --ablate --markdown docs/ranking.md  # what each ranking stage adds
    python bench/relevance.py --set feedback_terms=30 --set b=0.6   # try RankingConfig settings
    python bench/relevance.py --folds loco --grid query_share=0.3,0.5,0.7 --grid latent_share=0,0.4
    python bench/relevance.py --acceptance                   # the held-back collections, once, at the end
    python bench/relevance.py --queries original             # LISA's and NPL's queries in capitals
    python bench/relevance.py --settings --markdown docs/ranking.md # the settings and their defaults

For each collection (cisi, cranfield, med, npl, lisa and adi of ../shared/relevance by
default): index docs.jsonl with the product's own indexer into a temporary index, run every
judged query through `Archive.search` with the same defaults as `archive-search search`,
write a TREC run file to bench/out/, and score it with ir-measures next to a reference
BM25 (bm25s: Lucene BM25, English stopwords, Snowball stemming) computed in the same run.
Each collection's product row has the ratio of its nDCG@10 to the reference's and the
p-value of a paired t-test on per-query nDCG@10 (bench/significance.py); under the table
come the mean ratio over the collections (each weighs the same) and the tests pooled over
all their queries, against the reference and against the first pass alone.
Needs the bench extra: pip install -e ".[bench]".

`--markdown` alone (or `--markdown -`) prints the table as Markdown. `--markdown FILE`
writes it into FILE instead, between the lines `<!-- begin NAME: COMMAND -->` and
`<!-- end NAME -->` (see bench/doc_tables.py), replacing what was there and leaving the
rest of the file alone; FILE must hold that pair of markers, and is checked before the
bench starts. NAME is "relevance" for the default table, and "ablation", "loco",
"acceptance" or "settings" for the others. Name the collections before `--markdown`,
which takes the next word as FILE.

`--ablate` scores the ranking stage by stage instead (first pass only, + feedback, + the
latent space: archive_search/ranking/pipeline.py), on one index per collection, with each
stage's mean ratio to the reference and the pooled test of each stage against the one
before. `--set NAME=VALUE` (repeatable) changes a setting of RankingConfig
(archive_search/ranking/config.py) for the run, for every table, without editing code;
the settings changed are printed under the table.

`--folds loco --grid NAME=V1,V2,...` (repeatable) chooses settings leave-one-collection-out
(bench/loco.py): for each collection, the combination of the grids' values with the best
mean ratio over the others, measured on the one left out.

`--acceptance` measures, with the defaults (or --set), the collections under
../shared/acceptance/relevance (or `--acceptance-dir DIR`): held back for a closing
measurement, not for choosing settings. `--queries original` reads queries.original.tsv
where a collection has one (the queries as published, in capitals). `--settings` prints
RankingConfig's settings and their defaults (no collection is read).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "bench") not in sys.path:  # loaded by its path (tests/test_ranking.py), not run as a script
    sys.path.append(str(ROOT / "bench"))
from doc_tables import STDOUT, MarkerError, add_markdown_option, check_target, write_between  # noqa: E402
from loco import (  # noqa: E402
    FOLD_HEADER,
    STAGE_HEADER,
    combinations,
    fold_lines,
    fold_notes,
    folds,
    measure_variants,
    overall_choice,
    parse_grid,
    stage_lines,
)
from measure import (  # noqa: E402
    MEASURES,
    QUERY_FILES,
    BenchError,
    Collection,
    Measured,
    Scored,
    evaluate,
    indexed,
    judged,
    load_collection,
    load_queries,
    measure_reference,
    product_run,
    score_run,
    search_run,
    write_run,
)
from significance import marked_note, mean_ratio, p_text, paired_p, pooled_p, ratio  # noqa: E402

from archive_search import RankingConfig  # noqa: E402

__all__ = ["evaluate", "judged", "load_queries", "main", "product_run"]  # what tests/test_ranking.py uses

DEFAULT_SHARED = ROOT.parent / "shared" / "relevance"
DEFAULT_ACCEPTANCE = ROOT.parent / "shared" / "acceptance" / "relevance"
DEVELOPMENT = ["cisi", "cranfield", "med", "npl", "lisa", "adi"]
TABLE = "relevance"  # the table's name in its markers (<!-- begin relevance: ... -->)
ABLATION = "ablation"  # the --ablate table's name
LOCO = "loco"  # the --folds loco table's name
ACCEPTANCE = "acceptance"  # the --acceptance table's name
SETTINGS = "settings"  # the --settings table's name
ORIGINAL_QUERIES = "original-queries"  # the main table with --queries original
PRODUCT, REFERENCE = "archive-search", "bm25s (reference)"

Table = tuple[list[str], list[list[str]]]  # a header and its rows


def first_pass(config: RankingConfig) -> RankingConfig:
    """`config` with the stages after the first pass turned off."""
    return config.replace(feedback=False, latent=False)


def stages(config: RankingConfig) -> list[tuple[str, RankingConfig]]:
    """The ranking pipeline cut after each stage, from `config`."""
    return [
        ("first pass (BM25)", first_pass(config)),
        ("+ feedback (RM3)", config.replace(latent=False)),
        ("+ latent space", config),
    ]


def parse_settings(pairs: list[str]) -> RankingConfig:
    """RankingConfig with the --set NAME=VALUE changes; BenchError names a bad one."""
    changes = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise BenchError(f"--set takes NAME=VALUE, not {pair!r}")
        changes[name.strip()] = value.strip()
    try:
        return RankingConfig().replace(**changes)
    except ValueError as exc:  # an unknown setting, or a value of the wrong type
        raise BenchError(str(exc)) from None


def measure_collection(coll: Collection, config: RankingConfig, out: Path) -> Measured:
    """Index `coll` once; search it with `config` and with its first pass alone; the reference too."""
    with indexed(coll.folder, config) as archive:
        run, ms = search_run(archive, coll.queries)
        archive.ranking = first_pass(config)  # the same index: only the search changes
        plain, _ = search_run(archive, coll.queries)
    reference_run, reference = measure_reference(coll)
    write_run(run, out / f"{coll.name}.archive-search.run", "archive-search")
    write_run(reference_run, out / f"{coll.name}.bm25s.run", "bm25s")
    return Measured(coll, score_run(coll, run, ms), reference, score_run(coll, plain))


def changed_settings(config: RankingConfig) -> list[str]:
    """The note under a table run with settings other than the defaults (--set)."""
    changed = [
        f"{f.name}={getattr(config, f.name)!r}"
        for f in dataclasses.fields(config)
        if getattr(config, f.name) != f.default
    ]
    return [f"Ranking settings changed for this run: {', '.join(changed)}."] if changed else []


def query_note(colls: Sequence[Collection]) -> list[str]:
    """The note naming the collections whose queries came from queries.original.tsv."""
    original = [c.name for c in colls if c.query_file == QUERY_FILES["original"]]
    return [f"Queries from queries.original.tsv for: {', '.join(original)}."] if original else []


def uncounted_note(m: Measured) -> list[str]:
    """The note for a collection whose qrels judge query ids that have no text."""
    coll, shown = m.coll, len(m.coll.queries)
    if coll.judged_ids == shown:
        return []
    # CISI's qrels judge 76 query ids and its query file has text for 50 of them.
    return [
        f"{coll.name}: the qrels judge {coll.judged_ids} query ids, {shown} of which have text; the means"
        f" above divide by {coll.judged_ids} (the other {coll.judged_ids - shown} score 0 for every system)."
        f" Over the {shown} with text, nDCG@10: archive-search {statistics.fmean(m.product.per_query):.4f},"
        f" bm25s {statistics.fmean(m.reference.per_query):.4f}."
    ]


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        config = parse_settings(args.set)
        if (args.acceptance or args.acceptance_dir) and (args.ablate or args.folds):
            raise BenchError("--acceptance measures the chosen settings only: not with --ablate or --folds")
        if args.settings:
            check_target(args.markdown, SETTINGS)
            settings_table(args.markdown)
        elif args.folds:
            check_target(args.markdown, LOCO)
            loco(args, config)
        elif args.ablate:
            check_target(args.markdown, ABLATION)
            ablate(args, config)
        elif args.acceptance or args.acceptance_dir:
            check_target(args.markdown, ACCEPTANCE)
            quality(args, config, acceptance_collections(args), ACCEPTANCE)
        else:
            table = TABLE if args.queries == "default" else ORIGINAL_QUERIES
            check_target(args.markdown, table)
            quality(args, config, development_collections(args), table)
    except (BenchError, MarkerError) as exc:
        print(f"relevance: {exc}", file=sys.stderr)
        return 2
    return 0


def parser() -> argparse.ArgumentParser:
    """The bench's command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("collections", nargs="*", help=f"collections of --shared (default: {' '.join(DEVELOPMENT)})")
    p.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder holding the development collections")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "out", help="where run files go")
    add_markdown_option(p, TABLE)
    p.add_argument("--ablate", action="store_true", help="score the ranking stage by stage")
    p.add_argument("--settings", action="store_true", help="the ranking settings and their defaults")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="change a RankingConfig setting")
    p.add_argument("--queries", choices=sorted(QUERY_FILES), default="default", help="original: queries.original.tsv")
    p.add_argument("--folds", choices=["loco"], help="choose settings leave-one-collection-out over --grid")
    p.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2", help="values to choose among")
    p.add_argument("--acceptance", action="store_true", help="measure the acceptance collections")
    p.add_argument("--acceptance-dir", type=Path, metavar="DIR", help=f"instead of {DEFAULT_ACCEPTANCE}")
    return p


def development_collections(args: argparse.Namespace) -> list[Collection]:
    """The collections named (the six development ones by default), loaded from --shared."""
    return [load_collection(args.shared, name, args.queries) for name in args.collections or DEVELOPMENT]


def acceptance_collections(args: argparse.Namespace) -> list[Collection]:
    """Every collection folder of the acceptance directory (or those named), in name order."""
    root = args.acceptance_dir or DEFAULT_ACCEPTANCE
    if not root.is_dir():
        raise BenchError(f"{root} not found; pass --acceptance-dir DIR")
    names = args.collections or sorted(d.name for d in root.iterdir() if (d / "docs.jsonl").is_file())
    if not names:
        raise BenchError(f"no collection (a folder with docs.jsonl) in {root}")
    return [load_collection(root, name, args.queries) for name in names]


def quality(args: argparse.Namespace, config: RankingConfig, colls: list[Collection], name: str) -> None:
    """The main table (or the acceptance one): archive-search and the reference on each collection."""
    measured = [measure_collection(coll, config, args.out) for coll in colls]
    header = ["collection", "queries", "system", *[str(m) for m in MEASURES], "ms/query", "ratio", "p vs bm25s"]
    lines = []
    for m in measured:
        ids, shown = m.coll.judged_ids, len(m.coll.queries)
        counted = str(shown) if ids == shown else f"{shown} of {ids}"
        p = p_text(paired_p(m.product.per_query, m.reference.per_query))
        lines.append([m.coll.name, counted, PRODUCT, *scores(m.product), f"{m.product.ms:.1f}", f"{m.ratio:.4f}", p])
        lines.append([m.coll.name, counted, REFERENCE, *scores(m.reference), "", "", ""])
    notes = [note for m in measured for note in uncounted_note(m)]
    notes += [summary_note(measured), marked_note(), *query_note(colls), *changed_settings(config)]
    publish(name, [(header, lines)], notes, args.markdown)


def summary_note(measured: Sequence[Measured]) -> str:
    """The mean ratio over the collections, and the pooled tests against bm25s and the first pass."""
    queries = sum(len(m.coll.queries) for m in measured)
    vs_reference = pooled_p([(m.product.per_query, m.reference.per_query) for m in measured])
    vs_first = pooled_p([(m.product.per_query, m.first_pass.per_query) for m in measured])
    pooled = {
        label: statistics.fmean(x for m in measured for x in getattr(m, attr).per_query)
        for label, attr in [("product", "product"), ("reference", "reference"), ("first", "first_pass")]
    }
    return (
        f"Mean over {counted_collections(len(measured))} of archive-search's nDCG@10 / bm25s's (each weighs the same):"
        f" {mean_ratio([m.ratio for m in measured]):.4f}. Pooled over their {queries} queries with text,"
        f" nDCG@10 archive-search {pooled['product']:.4f}, bm25s {pooled['reference']:.4f}"
        f" (p {p_text(vs_reference)}), archive-search's first pass alone (no feedback, no latent space)"
        f" {pooled['first']:.4f} (p {p_text(vs_first)} against archive-search)."
    )


def counted_collections(count: int) -> str:
    """A count of collections in words, singular for one."""
    return f"{count} collection" + ("" if count == 1 else "s")


def ablate(args: argparse.Namespace, config: RankingConfig) -> None:
    """The --ablate table: each collection scored after each ranking stage, and a summary a stage."""
    colls = development_collections(args)
    by_stage: dict[str, list[tuple[Scored, Scored]]] = {stage: [] for stage, _ in stages(config)}
    lines = []
    for coll in colls:
        _, reference = measure_reference(coll)
        previous = None
        with indexed(coll.folder, config) as archive:
            for stage, settings in stages(config):
                archive.ranking = settings  # one index for every stage: only the search changes
                run, _ = search_run(archive, coll.queries)
                scored = score_run(coll, run)
                gain = "" if previous is None else f"{scored.ndcg - previous:+.4f}"
                lines.append([coll.name, stage, *scores(scored), gain, f"{ratio(scored.ndcg, reference.ndcg):.4f}"])
                by_stage[stage].append((scored, reference))
                previous = scored.ndcg
    header = ["collection", "ranking", *[str(m) for m in MEASURES], "nDCG@10 added", "ratio to bm25s"]
    explained = "Each row adds one stage to the row above; the queries and means are as in the main table."
    tables = [(header, lines), stage_summary(by_stage, len(colls))]
    publish(ABLATION, tables, [explained, marked_note(), *query_note(colls), *changed_settings(config)], args.markdown)


def stage_summary(by_stage: dict[str, list[tuple[Scored, Scored]]], count: int) -> Table:
    """A row a stage: its mean ratio to bm25s, and the pooled test against the stage before."""
    lines, previous = [], None
    for stage, pairs in by_stage.items():
        runs = [s for s, _ in pairs]
        mean = mean_ratio([ratio(s.ndcg, r.ndcg) for s, r in pairs])
        pooled = statistics.fmean(x for s in runs for x in s.per_query)
        test = "" if previous is None else p_text(stage_p(runs, previous))
        lines.append([stage, f"{mean:.4f}", f"{pooled:.4f}", test])
        previous = runs
    header = [
        "ranking",
        f"mean ratio to bm25s ({counted_collections(count)})",
        "nDCG@10, all queries",
        "p vs the stage before",
    ]
    return header, lines


def stage_p(runs: Sequence[Scored], previous: Sequence[Scored]) -> float:
    """The pooled paired test of a stage's runs against the stage before's, collection by collection."""
    return pooled_p([(now.per_query, before.per_query) for now, before in zip(runs, previous, strict=True)])


def loco(args: argparse.Namespace, config: RankingConfig) -> None:
    """The --folds loco table: settings chosen on all collections but one, measured on that one."""
    grid = parse_grid(args.grid, config)
    if not grid:
        raise BenchError("--folds loco needs at least one --grid NAME=V1,V2,...")
    colls = development_collections(args)
    if len(colls) < 2:
        raise BenchError("--folds loco needs two collections or more")
    combos = combinations(grid)
    references = {coll.name: measure_reference(coll)[1] for coll in colls}
    cuts = stages(config)  # each stage is judged on held-out runs too: with it, and without
    by_stage = measure_variants(colls, [settings for _, settings in cuts], combos)
    scored = by_stage[-1]
    held = folds(scored, references, combos)
    stage_folds = [(label, folds(s, references, combos)) for (label, _), s in zip(cuts, by_stage, strict=True)]
    notes = [*fold_notes(held, overall_choice(scored, references, combos), config), marked_note(), *query_note(colls)]
    publish(LOCO, [(FOLD_HEADER, fold_lines(held)), (STAGE_HEADER, stage_lines(stage_folds))], notes, args.markdown)


def settings_table(markdown: str | None) -> None:
    """The --settings table: every RankingConfig setting with its default, and the title weight."""
    from archive_search.schema import TITLE_WEIGHT

    stage = {"k1": "first pass, feedback", "b": "first pass, feedback", "read_chars": "feedback, latent space"}
    lines = [
        ["title weight (schema.TITLE_WEIGHT: title words counted in the body field)", f"{TITLE_WEIGHT:g}", "index"]
    ]
    for f in dataclasses.fields(RankingConfig):
        where = stage.get(f.name) or ("latent space" if f.name.startswith("latent") else "feedback")
        lines.append([f"`{f.name}`", repr(f.default), where])
    note = "Defaults of archive_search/ranking/config.py, where each is explained; `--set NAME=VALUE` tries another."
    publish(SETTINGS, [(["setting", "default", "stage"], lines)], [note], markdown)


def scores(scored: Scored) -> list[str]:
    """A run's measures as the tables show them: 4 decimals."""
    return [f"{value:.4f}" for value in scored.means.values()]


def publish(name: str, tables: list[Table], notes: list[str], markdown: str | None) -> None:
    """Output the tables and the notes under them: aligned text on stdout (markdown None),
    Markdown on stdout (STDOUT), or Markdown written into the file `markdown` between the
    markers of table `name` (`<!-- begin NAME: COMMAND -->` ... `<!-- end NAME -->`).

    Any table of this bench goes through here: the default one as "relevance", and another
    (an ablation, say) under a name of its own, with its own marker pair in the document."""
    if markdown is None:
        print("\n\n".join([*(aligned_table(h, rows) for h, rows in tables), *notes]))
        return
    text = "\n\n".join([*(markdown_table(h, rows) for h, rows in tables), *notes])
    if markdown == STDOUT:
        print(text)
        return
    write_between(Path(markdown), name, text)
    print(f"relevance: table {name!r} written into {markdown}", file=sys.stderr)


def markdown_table(header: list[str], lines: list[list[str]]) -> str:
    """A Markdown table."""
    rule = "|" + "---|" * len(header)
    return "\n".join(["| " + " | ".join(header) + " |", rule, *("| " + " | ".join(line) + " |" for line in lines)])


def aligned_table(header: list[str], lines: list[list[str]]) -> str:
    """A table for a terminal: columns padded with spaces."""
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *lines]
    )


if __name__ == "__main__":
    sys.exit(main())
