"""Draw candidate near-duplicate pairs from Reuters-21578 for hand labelling (issue 23).

    python bench/dupes_sample.py --out tests/data/reuters_dupe_pairs.tsv [--per-bin 30] [--seed 23]
    python bench/dupes_sample.py --show reuters-12 reuters-14      # both texts, for the labeller
    python bench/dupes_sample.py --show-file pairs.tsv             # every pair's texts
    python bench/dupes_sample.py --out new.tsv --seed 2324 --per-bin 24 --exclude tests/data/reuters_dupe_pairs.tsv

The pairs are found by a computation of its own, independent of archive-search's signatures:
every pair of stories sharing at least a few word 3-shingles (through an inverted list of the
shingles, leaving out those in more than MAX_DF stories) gets its exact Jaccard similarity and
containment, and pairs are drawn evenly from bins of max(Jaccard, containment) across the whole
range, so that the sample holds clear duplicates, borderline pairs and clear non-duplicates.

Only ids go in the output (no Reuters text is committed); the labeller adds a verdict and a
one-line reason in their own words.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578"
MAX_DF = 40  # a shingle in more stories than this is boilerplate, not evidence of a copy
MIN_SHARED = 4
BINS = [(0.1, 0.2), (0.2, 0.3), (0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0)]
WORD = re.compile(r"\w+")


def stories(folder: Path) -> dict[str, object]:
    """Every Reuters story with some text, by id, read with archive-search's own reader."""
    sys.path.insert(0, str(ROOT))
    from archive_search.model import Article
    from archive_search.readers import parse_bytes

    out = {}
    for path in sorted(folder.glob("reut2-*.sgm")):
        for item in parse_bytes(path.read_bytes(), str(path)):
            if isinstance(item, Article) and item.body.strip():
                out[item.id] = item
    return out


def shingles(text: str, n: int) -> set[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(max(0, len(words) - n + 1))}


def similarity(a: set, b: set) -> tuple[float, float]:
    """Exact Jaccard and containment of the smaller set in the larger."""
    if not a or not b:
        return 0.0, 0.0
    shared = len(a & b)
    return shared / len(a | b), shared / min(len(a), len(b))


def candidate_pairs(sets: dict[str, set]) -> Counter:
    postings: dict[tuple, list[str]] = defaultdict(list)
    for key, s in sets.items():
        for sh in s:
            postings[sh].append(key)
    shared: Counter = Counter()
    for keys in postings.values():
        if 2 <= len(keys) <= MAX_DF:
            for i, a in enumerate(keys):
                for b in keys[i + 1 :]:
                    shared[(a, b) if a < b else (b, a)] += 1
    return shared


def sample(per_bin: int, seed: int, exclude: set[frozenset] = frozenset()) -> list[tuple[str, str, float, float]]:
    articles = stories(REUTERS)
    sets = {key: shingles(a.body, 3) for key, a in articles.items()}
    counted = candidate_pairs(sets)
    binned: dict[int, list] = defaultdict(list)
    for (a, b), n in counted.items():
        if n < MIN_SHARED or frozenset((a, b)) in exclude:
            continue
        j, c = similarity(sets[a], sets[b])
        s = max(j, c)
        for i, (lo, hi) in enumerate(BINS):
            if lo <= s < hi or (i == len(BINS) - 1 and s >= lo):
                binned[i].append((a, b, j, c))
    rng = random.Random(seed)
    drawn = []
    for i in range(len(BINS)):
        pool = sorted(binned[i])
        drawn += rng.sample(pool, min(per_bin, len(pool)))
        print(f"bin {BINS[i]}: {len(pool)} pairs, drew {min(per_bin, len(pool))}", file=sys.stderr)
    rng.shuffle(drawn)  # the labeller meets them in no order of similarity
    return drawn


def show(pairs: list[tuple[str, str]]) -> None:
    articles = stories(REUTERS)
    for n, (a, b) in enumerate(pairs, start=1):
        print(f"################ pair {n}: {a} {b}")
        for key in (a, b):
            art = articles[key]
            print(f"=== {key} | {art.published} | {art.dateline} | {art.title}")
            print(art.body)
            print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--per-bin", type=int, default=30)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--show", nargs=2, metavar="ID")
    parser.add_argument("--show-file", type=Path, help="every pair of a TSV (columns a, b first)")
    parser.add_argument("--exclude", type=Path, action="append", default=[], help="leave out the pairs of this TSV")
    args = parser.parse_args()
    if args.show or args.show_file:
        rows = [line.split("\t")[:2] for line in args.show_file.read_text().splitlines()[1:]] if args.show_file else []
        show([tuple(args.show)] if args.show else [tuple(r) for r in rows])
        return
    exclude = {frozenset(line.split("\t")[:2]) for path in args.exclude for line in path.read_text().splitlines()[1:]}
    pairs = sample(args.per_bin, args.seed, exclude)
    lines = ["a\tb"] + [f"{a}\t{b}" for a, b, _, _ in pairs]
    args.out.write_text("\n".join(lines) + "\n")
    print(f"{len(pairs)} pairs -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
