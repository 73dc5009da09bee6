"""Precision and recall of the copies' two tiers on the hand-labelled Reuters pairs.

    python bench/copies_pairs.py --index /tmp/reuters.idx --set dev            # choosing settings
    python bench/copies_pairs.py --index /tmp/reuters.idx --set test [--markdown docs/copies.md]

tests/data/reuters_dupe_pairs.tsv holds labelled pairs (ids only), each with a verdict
(same-article, same-story, different) and a one-line reason, in three sets: "dev", 324 pairs
drawn by bench/dupes_sample.py across the whole similarity range; "dev2", 150 pairs drawn
from those an earlier version joined (to see its mistakes); both used to choose the settings;
and "test", 216 more pairs drawn like "dev" (none of the others), measuring them once.
A pair counts as joined when archive-search put both in the same cluster of the tier (as a
user sees it), in an index of Reuters-21578 built with the settings to measure:

    archive-search index ../shared/corpora/reuters21578 --index /tmp/reuters.idx
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from doc_tables import check_markers, write_between

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "tests" / "data" / "reuters_dupe_pairs.tsv"
MARKER = "copies-pairs"


def labelled(which: str) -> list[tuple[str, str, str, str]]:
    rows = [line.split("\t") for line in PAIRS.read_text(encoding="utf-8").splitlines()[1:]]
    wanted = set(which.split(","))
    return [(a, b, verdict, reason) for a, b, kind, verdict, reason in rows if wanted & {kind, "all"}]


def clusters(index: Path) -> dict[str, tuple[str, str]]:
    db = sqlite3.connect(f"{(index / 'copies.sqlite').resolve().as_uri()}?mode=ro", uri=True)
    return {i: (story, article) for i, story, article in db.execute("SELECT id, story, article FROM member")}


def score(pairs, found) -> dict[str, tuple[int, int, int, int]]:
    """Per tier: (true positives, joined, labelled positives, pairs)."""
    out = {}
    for tier, position, positive in (
        ("same article", 1, {"same-article"}),
        ("same story", 0, {"same-article", "same-story"}),
    ):
        tp = joined = wanted = 0
        for a, b, verdict, _ in pairs:
            same = a in found and b in found and found[a][position] == found[b][position]
            joined += same
            wanted += verdict in positive
            tp += same and verdict in positive
        out[tier] = (tp, joined, wanted, len(pairs))
    return out


def table(scores, which: str) -> str:
    lines = [
        "| tier | pairs | joined by archive-search | of those, judged copies | precision | judged copies | recall |",
        "|---|---|---|---|---|---|---|",
    ]
    for tier, (tp, joined, wanted, n) in scores.items():
        precision = f"{tp / joined:.3f}" if joined else "–"
        recall = f"{tp / wanted:.3f}" if wanted else "–"
        lines.append(f"| {tier} | {n} | {joined} | {tp} | **{precision}** | {wanted} | **{recall}** |")
    lines += [
        "",
        f'Set "{which}". "Judged copies": same-article for the same-article tier; same-article or same-story'
        " for the same-story tier.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--set", dest="which", default="dev", help="dev, dev2, test, all, or several: dev,dev2")
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--show", action="store_true", help="list the pairs the tiers get wrong (dev only)")
    args = parser.parse_args(argv)
    if args.markdown:
        check_markers(args.markdown, MARKER)  # before the run, not after it
    if not (args.index / "copies.sqlite").exists():
        print(f"copies_pairs: no copies file in {args.index}; index Reuters-21578 there first")
        return 2
    pairs, found = labelled(args.which), clusters(args.index)
    text = table(score(pairs, found), args.which)
    print(text)
    if args.show and "test" not in args.which and "all" not in args.which:
        for a, b, verdict, reason in pairs:
            same_story = a in found and b in found and found[a][0] == found[b][0]
            same_article = a in found and b in found and found[a][1] == found[b][1]
            if same_story != (verdict != "different") or same_article != (verdict == "same-article"):
                print(f"{a} {b} judged {verdict}, joined story={same_story} article={same_article}: {reason}")
    if args.markdown:
        write_between(args.markdown, MARKER, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
