"""Every ranking knob, its default, and why (docs/ranking.md has the method and the measurements).

The defaults were chosen on the development collections (bench/relevance.py); try another
value without editing code with `bench/relevance.py --set name=value`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class RankingConfig:
    """The settings of the ranking pipeline (pipeline.py) and of the latent space's fit."""

    # BM25 (bm25.py), for the first pass and for the feedback words alike. b below Lucene's
    # 0.75: news stories vary in length for reasons other than their subject.
    k1: float = 1.5
    b: float = 0.5

    # Pseudo-relevance feedback (feedback.py): the top `feedback_docs` articles of the first
    # pass lend their `feedback_terms` most typical words, which weigh, together, 1 -
    # `query_share` of the final score; the words typed weigh `query_share`.
    feedback: bool = True
    rerank_depth: int = 50  # candidates reordered; the articles past them keep their order
    feedback_docs: int = 10
    feedback_terms: int = 40
    # Chosen leave-one-collection-out over the six development collections (docs/ranking.md).
    query_share: float = 0.6

    # The latent space (latent.py): each candidate's closeness to the query in it weighs
    # `latent_share` of the final order, the feedback score the rest.
    latent: bool = True
    latent_share: float = 0.4

    # The latent space's fit, at indexing time.
    latent_dims: int = 75  # rank of the truncated SVD
    latent_sample: int = 20_000  # articles fitted on, at most: bounds the fit's time and memory
    latent_drift: float = 0.1  # refitted once the archive has changed by this share since the fit
    latent_min_df: int = 2  # a word must be in this many sampled articles to get a place
    latent_max_word: int = 32  # characters: longer "words" (encoded images) get no place

    # The most of an article's stored title and body that a search reads again (feedback,
    # the latent space, snippets, "did you mean"): more than news stories run to, so they
    # are read whole; of a longer text the opening is what it is about (news puts its
    # subject first), and a search's cost stays bounded however long the articles are.
    read_chars: int = 20_000

    def replace(self, **changes: object) -> RankingConfig:
        """A copy with some settings changed; unknown names and wrong types raise ValueError."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        typed = {}
        for name, value in changes.items():
            if name not in fields:
                raise ValueError(f"no ranking setting {name!r}; the settings are: {', '.join(fields)}")
            typed[name] = _coerce(name, value, type(getattr(self, name)))
        return dataclasses.replace(self, **typed)


def _coerce(name: str, value: object, kind: type) -> object:
    """A setting's value as its field's type; strings (from a command line) are parsed."""
    if isinstance(value, str):
        if kind is bool:
            if value.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                raise ValueError(f"{name} takes true or false, not {value!r}")
            return value.lower() in ("true", "1", "yes", "on")
        try:
            return kind(value)
        except ValueError:
            raise ValueError(f"{name} takes a {kind.__name__}, not {value!r}") from None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{name} takes a {kind.__name__}, not {value!r}")
    return value


DEFAULT = RankingConfig()
