"""CopiesConfig: every setting of near-duplicate detection, its default and the reason for it.

The defaults were chosen on the development sets of the hand-labelled Reuters pairs
(tests/data/reuters_dupe_pairs.tsv, sets "dev" and "dev2") and the generated cases of
tests/test_copies.py; the set "test" measures them (bench/copies_pairs.py, docs/copies.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CopiesConfig:
    # -- the two tiers ------------------------------------------------------------
    # "Same article": the same copy again (a re-send, a re-capture, a headline or a typo
    # changed). Word 5-shingles at Jaccard >= 0.9 allow about one changed word in fifty.
    article_jaccard5: float = 0.9
    # Re-issues with a few words fixed fall below that but keep every figure; a template
    # filled in again (a weekly report, another company's dividend) shares its words and
    # changes its figures. So: 3-shingles at Jaccard >= this, with identical figures.
    article_jaccard3_same_figures: float = 0.7
    # ... for texts of this many words or more: two short notices (one fund's payout and
    # another's) can differ in one name only.
    article_min_words_same_figures: int = 40
    # "Same story": re-edited, trimmed, a correction appended. 3-shingles, the shorter
    # copy contained in the longer (a paper running the first paragraphs) or Jaccard.
    story_containment3: float = 0.8
    story_jaccard3: float = 0.5
    # A trimmed copy is shorter: containment counts only when the shorter text has at most
    # this share of the longer's words (two reports of one template are of a length).
    trimmed_length: float = 0.8
    # ... and the figures agree: most of the shorter copy's figures are in the longer (a
    # correction changes one; another week's report most of them). Copies of about the same
    # length must keep every figure: the same market's table an hour later, or the same
    # template another day, re-uses the words and changes some figures. (A trimmed copy
    # loses figures with its paragraphs: it is judged by the containment alone.)
    story_figures_containment: float = 0.8
    # Texts shorter than this are templates more often than stories (a dividend notice, a
    # price quote): too short to tell a copy from another item, they join no cluster.
    min_words: int = 20
    # Texts are compared (and signed) on their first this many characters: a copy shows in
    # its opening, and a stranger's ten-megabyte "article" must not cost seconds.
    max_chars: int = 100_000
    # Both tiers: most of the shorter copy's names (capitalised words) are in the longer;
    # the same notice from another company or place names others.
    names_containment: float = 0.8
    # Copies run within days of each other; the same boilerplate years apart must not chain
    # stories into one. Both tiers (so every same-article cluster lies within one story).
    window_days: int = 30

    # -- finding candidates (indexing/signatures.py) --------------------------------
    # MinHash of the body's 3-shingles, banded: a pair sharing any band is a candidate.
    # bands x rows = 24 x 3 finds a pair at Jaccard 0.5 with probability 0.96, at 0.4 with 0.80.
    bands: int = 24
    rows: int = 3
    # A trimmed copy shares its opening: a second, small signature of the first words.
    lead_words: int = 40
    lead_bands: int = 4
    lead_rows: int = 3
    seed: int = 23
    # A band value shared by more articles than this is boilerplate, not a copy: skipped.
    bucket_cap: int = 100

    # -- incremental runs (indexing/clustering.py) ----------------------------------
    # Up to this many changed articles are looked up one by one; beyond it (and on every
    # first build or rebuild) one pass over all band values is faster.
    incremental_max: int = 20_000

    def version(self) -> str:
        """What the copies file must have been computed with to be current."""
        return repr(self)


DEFAULT = CopiesConfig()
