"""Where a search finds what it needs of its candidates beyond their scores (feedback's words,
their places in the latent space): the index's vectors file (vectorstore.py) when it matches
the index, else their texts, stemmed again, and the space itself (latent.py, with NumPy)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..schema import TITLE_WEIGHT
from ..stored import StoredFields, opening_counts
from .config import RankingConfig
from .vectorstore import DAMAGED, Row, StoredVectors, cosine, settings

Ranked = list[tuple[int, float]]


class Places:
    """One search's view of the vectors file (None when it is not current) and of the space."""

    def __init__(self, vectors: StoredVectors | None, space: Callable[[], object], config: RankingConfig) -> None:
        self.vectors = vectors
        self.space = space  # -> latent.LatentSpace or None, loaded on call
        self.config = config

    @classmethod
    def open(
        cls,
        index_path: Path,
        space_path: Path,
        generation: str,
        toc: int,
        space: Callable[[], object],
        config: RankingConfig,
    ) -> Places:
        wanted = settings(config.read_chars, config.latent_max_word, TITLE_WEIGHT)
        return cls(StoredVectors.open(index_path, generation, toc, space_path, wanted), space, config)

    def close(self) -> None:
        if self.vectors is not None:
            self.vectors.close()

    def _leave_aside(self) -> None:
        """The file could not be read (damaged): the rest of the search works without it."""
        self.close()
        self.vectors = None

    def rows(self, stored: StoredFields, candidates: Ranked) -> dict[int, Row]:
        """{docnum: its row in the vectors file} of the candidates that have one."""
        if self.vectors is None:
            return {}
        ids = {stored[docnum].get("id", ""): docnum for docnum, _ in candidates}
        try:
            return {ids[i]: row for i, row in self.vectors.rows(ids).items()}
        except DAMAGED:
            self._leave_aside()
            return {}

    def closeness(
        self, query_words: dict[str, float], stored: StoredFields, scored: Ranked, known: dict[int, Row], counts: dict
    ) -> list[float] | None:
        """Each candidate's cosine to the query, in order; None when the query has no place
        in the space, or there is no space. `known`: rows(); `counts`: the (title, body)
        stem counts of the candidates not known (those of the others are made if needed)."""
        if self.vectors is not None and all(docnum in known for docnum, _ in scored):
            try:
                query = self.vectors.query_vector(query_words) if query_words else None
                if query is None:
                    return None
                return [cosine(known[docnum].place, query) for docnum, _ in scored]
            except DAMAGED:
                self._leave_aside()
        space = self.space()
        if space is None:
            return None
        from .latent import closeness

        for docnum, _ in scored:
            if docnum not in counts:
                counts[docnum] = opening_counts(stored[docnum], stored.read_chars)
        return closeness(space, query_words, scored, counts, self.config)
