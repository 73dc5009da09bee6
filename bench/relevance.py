"""Ranking quality of archive-search's default search on classic IR test collections.

    python bench/relevance.py                                # CISI and Cranfield from ../shared/relevance
    python bench/relevance.py cranfield --markdown           # the table as Markdown, on stdout
    python bench/relevance.py --markdown docs/ranking.md     # the table written into docs/ranking.md
    python bench/relevance.py --shared DIR --markdown docs/ranking.md
    python bench/relevance.py --ablate --markdown docs/ranking.md  # what each ranking stage adds
    python bench/relevance.py --set feedback_terms=30 --set b=0.6   # try RankingConfig settings
    python bench/relevance.py --settings --markdown docs/ranking.md # the settings and their defaults

For each collection: index docs.jsonl with the product's own indexer into a
temporary index, run every query through `Archive.search` with the same defaults
as `archive-search search`, write a TREC run file to bench/out/, and score it
with ir-measures next to a reference BM25 (bm25s: Lucene BM25, English
stopwords, Snowball stemming) computed in the same run.
Needs the bench extra: pip install -e ".[bench]".

`--markdown` alone (or `--markdown -`) prints the table as Markdown. `--markdown FILE`
writes it into FILE instead, between the lines `<!-- begin relevance: COMMAND -->` and
`<!-- end relevance -->` (see bench/doc_tables.py), replacing what was there and leaving
the rest of the file alone; FILE must hold that pair of markers, and is checked before the
bench starts. Name the collections before `--markdown`, which takes the next word as FILE.

`--ablate` scores the ranking stage by stage instead (first pass only, + feedback, + the
latent space: archive_search/ranking/pipeline.py), on one index per collection, as the
table "ablation". `--set NAME=VALUE` (repeatable) changes a setting of RankingConfig
(archive_search/ranking/config.py) for the run, for the default table and the ablation
alike, without editing code; the settings changed are printed under the table.
`--settings` prints RankingConfig's settings and their defaults as the table "settings"
(no collection is read).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import ir_measures
from ir_measures import AP, P, R, nDCG

from archive_search import Archive, IndexDir, Indexer, RankingConfig

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "bench") not in sys.path:  # loaded by its path (tests/test_ranking.py), not run as a script
    sys.path.append(str(ROOT / "bench"))
from doc_tables import STDOUT, MarkerError, add_markdown_option, check_target, write_between  # noqa: E402

DEFAULT_SHARED = ROOT.parent / "shared" / "relevance"
MEASURES = [nDCG @ 10, AP, R @ 100, P @ 10]
DEPTH = 100
TABLE = "relevance"  # the table's name in its markers (<!-- begin relevance: ... -->)
ABLATION = "ablation"  # the --ablate table's name
SETTINGS = "settings"  # the --settings table's name


class BenchError(Exception):
    """What stops the bench before it measures anything: one line for stderr."""


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


@contextlib.contextmanager
def indexed(folder: Path, config: RankingConfig):
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


def search_run(archive: Archive, queries: dict[str, str]) -> tuple[dict[str, dict[str, float]], float]:
    """Every query searched as `archive-search search` does; the run and the mean query time in ms."""
    run: dict[str, dict[str, float]] = {}
    times = []
    for qid, text in queries.items():
        started = time.perf_counter()
        result = archive.search(text, limit=DEPTH, snippets=False)
        times.append(time.perf_counter() - started)
        run[qid] = {hit.id: hit.score for hit in result.hits}
    return run, statistics.mean(times) * 1000


def product_run(
    folder: Path, queries: dict[str, str], config: RankingConfig | None = None
) -> tuple[dict[str, dict[str, float]], float]:
    """Index and search with archive-search (default settings unless `config`); return the run
    and the mean query time in ms."""
    with indexed(folder, config or RankingConfig()) as archive:
        return search_run(archive, queries)


def stages(config: RankingConfig) -> list[tuple[str, RankingConfig]]:
    """The ranking pipeline cut after each stage, from `config`."""
    return [
        ("first pass (BM25)", config.replace(feedback=False, latent=False)),
        ("+ feedback (RM3)", config.replace(latent=False)),
        ("+ latent space", config),
    ]


def ablation_rows(name: str, folder: Path, qrels: list, queries: dict[str, str], config: RankingConfig) -> list:
    """One row a stage: its scores, and what it adds to the stage before in nDCG@10."""
    rows, previous = [], None
    with indexed(folder, config) as archive:
        for stage, settings in stages(config):
            archive.ranking = settings
            run, _ = search_run(archive, queries)
            scores = evaluate(qrels, run)
            ndcg = scores[str(nDCG @ 10)]
            gain = "" if previous is None else f"{ndcg - previous:+.4f}"
            rows.append([name, stage, *[score(v) for v in scores.values()], gain])
            previous = ndcg
    return rows


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


def collection(shared: Path, name: str) -> tuple[Path, list, dict[str, str]]:
    """A test collection's folder, its qrels and its judged queries; BenchError if it is missing."""
    folder = shared / name
    if not folder.is_dir():
        raise BenchError(f"{folder} not found; pass --shared DIR")
    qrels = list(ir_measures.read_trec_qrels(str(folder / "qrels.txt")))
    return folder, qrels, judged(qrels, load_queries(folder))


def changed_settings(config: RankingConfig) -> list[str]:
    """The note under a table run with settings other than the defaults (--set)."""
    import dataclasses

    changed = [
        f"{f.name}={getattr(config, f.name)!r}"
        for f in dataclasses.fields(config)
        if getattr(config, f.name) != f.default
    ]
    return [f"Ranking settings changed for this run: {', '.join(changed)}."] if changed else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("collections", nargs="*", default=["cisi", "cranfield"])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder holding cisi/ and cranfield/")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out", help="where run files go")
    add_markdown_option(parser, TABLE)
    parser.add_argument("--ablate", action="store_true", help="score the ranking stage by stage")
    parser.add_argument("--settings", action="store_true", help="the ranking settings and their defaults")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="change a RankingConfig setting"
    )
    args = parser.parse_args(argv)
    try:
        config = parse_settings(args.set)
        if args.settings:
            settings_table(args.markdown)
        elif args.ablate:
            check_target(args.markdown, ABLATION)
            ablate(args, config)
        else:
            check_target(args.markdown, TABLE)
            quality(args, config)
    except (BenchError, MarkerError) as exc:
        print(f"relevance: {exc}", file=sys.stderr)
        return 2
    return 0


def quality(args: argparse.Namespace, config: RankingConfig) -> None:
    """The main table: archive-search and the reference BM25 on each collection."""
    rows = []
    notes = []
    for name in args.collections:
        folder, qrels, queries = collection(args.shared, name)
        product, ms = product_run(folder, queries, config)
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
                f" {ndcg_over_run(qrels, product):.4f}, bm25s {ndcg_over_run(qrels, reference):.4f}."
            )
    header = ["collection", "queries", "system", *[str(m) for m in MEASURES], "ms/query"]
    lines = [[name, str(n), system, *[score(m[k]) for k in m], ms] for name, n, system, m, ms in rows]
    publish(TABLE, header, lines, notes + changed_settings(config), args.markdown)


def ablate(args: argparse.Namespace, config: RankingConfig) -> None:
    """The --ablate table: each collection scored after each ranking stage."""
    lines = []
    for name in args.collections:
        folder, qrels, queries = collection(args.shared, name)
        lines += ablation_rows(name, folder, qrels, queries, config)
    header = ["collection", "ranking", *[str(m) for m in MEASURES], "nDCG@10 added"]
    explained = "Each row adds one stage to the row above; the queries and means are as in the main table."
    publish(ABLATION, header, lines, [explained, *changed_settings(config)], args.markdown)


def settings_table(markdown: str | None) -> None:
    """The --settings table: every RankingConfig setting with its default, and the title weight."""
    import dataclasses

    from archive_search.schema import TITLE_WEIGHT

    stage = {"k1": "first pass, feedback", "b": "first pass, feedback", "read_chars": "feedback, latent space"}
    lines = [
        ["title weight (schema.TITLE_WEIGHT: title words counted in the body field)", f"{TITLE_WEIGHT:g}", "index"]
    ]
    for f in dataclasses.fields(RankingConfig):
        where = stage.get(f.name) or ("latent space" if f.name.startswith("latent") else "feedback")
        lines.append([f"`{f.name}`", repr(f.default), where])
    note = "Defaults of archive_search/ranking/config.py, where each is explained; `--set NAME=VALUE` tries another."
    publish(SETTINGS, ["setting", "default", "stage"], lines, [note], markdown)


def score(value: float) -> str:
    """A measure's mean as the tables show it: 4 decimals."""
    return f"{value:.4f}"


def publish(name: str, header: list[str], lines: list[list[str]], notes: list[str], markdown: str | None) -> None:
    """Output one table and the notes under it: aligned text on stdout (markdown None), Markdown
    on stdout (STDOUT), or Markdown written into the file `markdown` between the markers of
    table `name` (`<!-- begin NAME: COMMAND -->` ... `<!-- end NAME -->`).

    Any table of this bench goes through here: the default one as "relevance", and another
    (an ablation, say) under a name of its own, with its own marker pair in the document."""
    if markdown is None:
        print(aligned_table(header, lines))
        for note in notes:
            print(f"\n{note}")
        return
    text = "\n\n".join([markdown_table(header, lines), *notes])
    if markdown == STDOUT:
        print(text)
        return
    write_between(Path(markdown), name, text)
    print(f"relevance: table {name!r} written into {markdown}", file=sys.stderr)


def markdown_table(header: list[str], lines: list[list[str]]) -> str:
    rule = "|" + "---|" * len(header)
    return "\n".join(["| " + " | ".join(header) + " |", rule, *("| " + " | ".join(line) + " |" for line in lines)])


def aligned_table(header: list[str], lines: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *lines]
    )


if __name__ == "__main__":
    sys.exit(main())
