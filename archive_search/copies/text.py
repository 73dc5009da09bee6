"""The words, shingles and figures of an article's text, how alike two texts are, which tier
a pair falls in, and the passages two texts share.

Words are runs of letters and digits, lower-cased (one linear scan: no backtracking). The
body alone is compared: a headline changed on a re-send is still the same copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from .config import CopiesConfig

_WORD = re.compile(r"\w+")
ARTICLE, STORY = "article", "story"


@dataclass
class Words:
    """A text's words, with where each is in the text."""

    words: list[str]
    spans: list[tuple[int, int]]

    @classmethod
    def of(cls, text: str) -> Words:
        words, spans = [], []
        for match in _WORD.finditer(text):
            words.append(match.group().lower())
            spans.append(match.span())
        return cls(words, spans)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def shingles(words: list[str], n: int) -> set[str]:
    """The text's runs of n words (fewer words than n: the whole text as one)."""
    if len(words) <= n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


# Numbers written out count as figures too ("seven ships loading"): templates spell them.
_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand million billion trillion half quarter".split()
)


def figures(words: list[str]) -> set[str]:
    """The words holding a digit, and numbers written out: amounts, dates, prices. Copies
    keep them; a template filled in again changes them."""
    return {w for w in words if w in _NUMBER_WORDS or any(c.isdigit() for c in w)}


@dataclass
class Features:
    """What comparing a text needs, computed once."""

    words: int
    five: set[str]
    three: set[str]
    figures: set[str]
    names: set[str]

    @classmethod
    def of(cls, text: str, most: int = 100_000) -> Features:
        """The features of the text's first `most` characters (CopiesConfig.max_chars)."""
        head = text[:most]
        w = words(head)
        return cls(len(w), shingles(w, 5), shingles(w, 3), figures(w), names(head))


def names(text: str) -> set[str]:
    """The capitalised words: names of companies, people, places. Copies keep them; a
    template filled in for another company changes them."""
    return {m.group().lower() for m in _WORD.finditer(text) if m.group()[0].isupper()}


@dataclass
class Similarity:
    """How alike two texts are. Containment is of the shorter text's shingles (or figures)
    in the longer's."""

    jaccard5: float
    jaccard3: float
    containment3: float
    figures_jaccard: float
    figures_containment: float
    names_containment: float
    shorter_words: int
    longer_words: int

    def to_dict(self) -> dict:
        return {
            "jaccard5": round(self.jaccard5, 4),
            "jaccard3": round(self.jaccard3, 4),
            "containment3": round(self.containment3, 4),
            "figures_jaccard": round(self.figures_jaccard, 4),
            "figures_containment": round(self.figures_containment, 4),
        }


def _jaccard(a: set, b: set) -> float:
    if not a and not b:
        return 1.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def _containment(a: set, b: set) -> float:
    if not a or not b:
        return 1.0 if not a and not b else 0.0
    return len(a & b) / min(len(a), len(b))


def compare(a: Features, b: Features) -> Similarity:
    return Similarity(
        jaccard5=_jaccard(a.five, b.five),
        jaccard3=_jaccard(a.three, b.three),
        containment3=_containment(a.three, b.three),
        figures_jaccard=_jaccard(a.figures, b.figures),
        # No figures on one side only is no evidence against (a trimmed copy can lose them).
        figures_containment=_containment(a.figures, b.figures) if a.figures and b.figures else 1.0,
        names_containment=_containment(a.names, b.names) if a.names and b.names else 1.0,
        shorter_words=min(a.words, b.words),
        longer_words=max(a.words, b.words),
    )


def within_window(a: datetime | None, b: datetime | None, config: CopiesConfig) -> bool:
    """Whether two publication dates are close enough for copies (undated: no evidence against)."""
    if a is None or b is None:
        return True
    return abs((a - b).total_seconds()) <= config.window_days * 86400


def tier(sim: Similarity, config: CopiesConfig) -> str | None:
    """ARTICLE, STORY or None for a pair within the date window."""
    if sim.shorter_words < config.min_words or sim.names_containment < config.names_containment:
        return None
    if sim.jaccard5 >= config.article_jaccard5:
        return ARTICLE
    if (
        sim.jaccard3 >= config.article_jaccard3_same_figures
        and sim.figures_jaccard >= 1.0
        and sim.shorter_words >= config.article_min_words_same_figures
    ):
        return ARTICLE
    if sim.figures_containment < config.story_figures_containment:
        return None
    trimmed = sim.shorter_words <= config.trimmed_length * sim.longer_words
    if trimmed and sim.containment3 >= config.story_containment3:
        return STORY  # a trimmed copy: its figures went with its paragraphs, so containment alone
    if sim.jaccard3 >= config.story_jaccard3 and sim.figures_jaccard >= 1.0:
        return STORY  # re-worded, the facts unchanged: a report of another hour or day changes figures
    return None


@dataclass
class Passage:
    """A run of words two texts share: character offsets [start, end) in each, and its length."""

    start: int
    end: int
    other_start: int
    other_end: int
    words: int

    def to_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "other_start": self.other_start,
            "other_end": self.other_end,
            "words": self.words,
        }


def shared_passages(text: str, other: str, min_words: int = 5, top: int | None = None) -> list[Passage]:
    """The runs of at least `min_words` words `text` and `other` share, longest first (what
    passim calls text reuse). Linear in the two texts: each run is found from its first
    n-gram and extended word by word; a position is in at most one run."""
    a, b = Words.of(text), Words.of(other)
    n = min_words
    starts: dict[tuple[str, ...], list[int]] = {}
    for j in range(len(b.words) - n + 1):
        places = starts.setdefault(tuple(b.words[j : j + n]), [])
        if len(places) < 8:  # a phrase repeated more often than this adds nothing new
            places.append(j)
    found: list[Passage] = []
    i = 0
    while i <= len(a.words) - n:
        best_j, best_len = -1, 0
        for j in starts.get(tuple(a.words[i : i + n]), ()):
            length = n
            while (
                i + length < len(a.words) and j + length < len(b.words) and a.words[i + length] == b.words[j + length]
            ):
                length += 1
            if length > best_len:
                best_j, best_len = j, length
        if best_j < 0:
            i += 1
            continue
        found.append(
            Passage(
                a.spans[i][0],
                a.spans[i + best_len - 1][1],
                b.spans[best_j][0],
                b.spans[best_j + best_len - 1][1],
                best_len,
            )
        )
        i += best_len
    found.sort(key=lambda p: (-p.words, p.start))
    return found[:top] if top is not None else found
