"""A latent semantic space of the archive's words (LSI), for the last step of ranking.

The indexer fits it once a run has changed the archive (indexing/refit.py): a truncated SVD
of the term-article matrix of a sample of articles, each word weighted (1 + log tf) * idf
(the rank, the sample's size and the rest: RankingConfig's latent_* settings).
What is kept is the words' coordinates, not the articles': an article's place in the
space is worked out at search time from its words (the SVD's fold-in), so articles
indexed after the fit, or replaced, need nothing stored, and a space fitted on an
older state of the archive still serves (its new words only go unplaced).

Search mixes the query's and each candidate's cosine in this space into the ranking
(mixing.py, the pipeline's third stage): articles about the query's subject in other words
move up. Each article's place is also kept in the index's vectors file (vectorstore.py,
written by the indexer), so that a search normally needs neither this module nor NumPy.
"""

from __future__ import annotations

import hashlib
import heapq
import io
import math
import os
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from ..atomic import write_atomic
from ..schema import is_content_word, stems
from .config import DEFAULT, RankingConfig

_OVERSAMPLE, _POWER_ITERATIONS, _SEED = 15, 4, 20170101
_BLOCK = 50_000  # nonzero entries multiplied at a time: bounds the products' memory


class LatentSpace:
    """Words' coordinates in a K-dimensional space: a sorted word list, idf, and vectors."""

    def __init__(self, words: np.ndarray, idf: np.ndarray, vectors: np.ndarray, articles: int = 0) -> None:
        self.words = words  # sorted, dtype str
        self.idf = idf  # float32, one per word
        self.vectors = vectors  # float32, one row per word
        self.articles = articles  # in the archive when it was fitted (the indexer's to set)
        self.fitted_on = 0  # articles fit() read (not stored)
        self._index: dict[str, int] | None = None
        self._longest = 0  # the longest word's length, known with the index

    def project(self, counts: dict[str, float]) -> np.ndarray | None:
        """The unit vector of a text's words ({word: count}); None if it has none placed."""
        index = self._index if self._index is not None else self._word_index()
        at, tf = [], []
        for word, n in counts.items():
            row = index.get(word)
            if row is not None:
                at.append(row)
                tf.append(n)
        return self._unit(at, tf)

    def project_parts(self, title: Mapping[str, int], body: Mapping[str, int], max_word: int) -> np.ndarray | None:
        """project() of an article's title and body stem counts summed, of the stems of at
        most max_word characters: the space places only content words (article_words), so
        the others need no check of their own. The words in project()'s order: the title's,
        then the body's others."""
        index = self._index if self._index is not None else self._word_index()
        keys = [w for w in title if w in index]
        keys += [w for w in body if w in index and w not in title]
        if max_word < self._longest:
            keys = [w for w in keys if len(w) <= max_word]
        in_title, in_body = title.get, body.get
        return self._unit(list(map(index.__getitem__, keys)), [in_title(w, 0) + in_body(w, 0) for w in keys])

    def _unit(self, at: list[int], tf: list[float]) -> np.ndarray | None:
        if not at:
            return None
        vector = ((1 + np.log(np.array(tf, dtype=np.float64))) * self.idf[at]) @ self.vectors[at]
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else None

    def _word_index(self) -> dict[str, int]:
        """word -> its row, made on first use: a dict lookup a word beats a binary search of
        the word array a text (which makes a NumPy string array of the text's words first)."""
        self._index = {word: row for row, word in enumerate(self.words.tolist())}
        self._longest = max(map(len, self._index), default=0)
        return self._index

    def save(self, path: Path) -> None:
        """Write atomically: a reader sees the old space or the new, never half of one."""
        buffer = io.BytesIO()
        np.savez(buffer, words=self.words, idf=self.idf, vectors=self.vectors, articles=self.articles)
        write_atomic(path, buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> LatentSpace:
        """Raises FileNotFoundError when there is none, another OSError when it cannot be
        read, ValueError when it is damaged."""
        try:
            with np.load(path, allow_pickle=False) as data:
                words, idf, vectors, articles = data["words"], data["idf"], data["vectors"], int(data["articles"])
        except (OSError, MemoryError):
            raise
        except Exception:  # zipfile's and NumPy's assorted errors on a damaged file
            raise ValueError("damaged: not the NumPy archive the indexer writes") from None
        if words.ndim != 1 or idf.shape != words.shape or vectors.ndim != 2 or len(vectors) != len(words):
            raise ValueError("arrays of the wrong shape")
        return cls(words, idf, vectors, articles)


def article_words(title: str, body: str, max_word: int = DEFAULT.latent_max_word) -> dict[str, float]:
    """{stem: count} of an article's title and body, the words the space places: content
    words (schema.is_content_word) of at most `max_word` characters (a run of letters with
    no space in it, such as an encoded image, would make every word in the word array that
    long). Title words count once here (measured better than the index's title weighting,
    docs/ranking.md)."""
    return content_words(Counter(stems(f"{title} {body}")), max_word)


def content_words(counts: Mapping[str, int], max_word: int = DEFAULT.latent_max_word) -> dict[str, float]:
    """The {stem: count} of a text's stems that the space places (see article_words)."""
    known = _content
    if len(known) > _CONTENT_MAX:
        known.clear()
    out = {}
    for stem, n in counts.items():
        placed = known.get(stem)
        if placed is None:
            placed = known[stem] = is_content_word(stem)
        if placed and len(stem) <= max_word:
            out[stem] = float(n)
    return out


# stem -> is_content_word(stem): a search asks it of every word of every candidate.
_content: dict[str, bool] = {}
_CONTENT_MAX = 300_000


def sample_ids(ids: Iterable[str], size: int = DEFAULT.latent_sample) -> list[str]:
    """Up to `size` of the ids, sorted, chosen by a hash of each: the same archive gives the
    same sample however its segments are laid out (--jobs), so it ranks the same."""
    keyed = ((hashlib.blake2b(i.encode("utf-8", "surrogatepass"), digest_size=8).digest(), i) for i in ids)
    return sorted(i for _, i in heapq.nsmallest(size, keyed))


def fit(articles: Iterable[dict[str, float]], config: RankingConfig = DEFAULT) -> LatentSpace | None:
    """The space of the given articles' words ({word: count} each); None if too few to fit.

    The articles are read once and not kept: only their (article, word, weight) triples,
    in typed arrays, 12 bytes a word an article."""
    column: dict[str, int] = {}  # every word seen -> its number
    rows, cols, tfs = array("i"), array("i"), array("f")
    count = 0
    for counts in articles:
        if not counts:
            continue
        for word, tf in counts.items():
            rows.append(count)
            cols.append(column.setdefault(word, len(column)))
            tfs.append(1 + math.log(tf))
        count += 1
    if not count:
        return None
    row, col = np.frombuffer(rows, dtype=np.int32), np.frombuffer(cols, dtype=np.int32)
    df = np.bincount(col, minlength=len(column))
    names = np.array(list(column))
    kept = np.flatnonzero(df >= config.latent_min_df)
    kept = kept[np.argsort(names[kept], kind="stable")]  # the space's words, sorted
    rank = min(config.latent_dims, count - 1, len(kept) - 1)
    if rank < 2:
        return None
    renumber = np.full(len(column), -1, dtype=np.int64)
    renumber[kept] = np.arange(len(kept))
    col = renumber[col]
    placed = col >= 0
    idf = np.log(count / df[kept])
    weights = (np.frombuffer(tfs, dtype=np.float32)[placed] * idf[col[placed]]).astype(np.float32)
    matrix = _Sparse(row[placed].astype(np.int64), col[placed], weights, (count, len(kept)))
    vectors = _top_right_singular_vectors(matrix, rank)
    space = LatentSpace(names[kept], idf.astype(np.float32), vectors.astype(np.float32))
    space.fitted_on = count
    return space


class _Sparse:
    """A sparse matrix as (row, column, value) triples, enough for A @ M and A.T @ M."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> None:
        self.shape = shape
        self._by_row = _grouped(rows, cols, values)
        self._by_col = _grouped(cols, rows, values)

    def __matmul__(self, m: np.ndarray) -> np.ndarray:
        return _product(self._by_row, m, self.shape[0])

    def rmatmul(self, m: np.ndarray) -> np.ndarray:
        """A.T @ m."""
        return _product(self._by_col, m, self.shape[1])


def _grouped(keys: np.ndarray, others: np.ndarray, values: np.ndarray) -> list:
    """The entries sorted by key, cut into blocks of about _BLOCK entries that never split a key."""
    order = np.argsort(keys, kind="stable")
    keys, others, values = keys[order], others[order], values[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.array([], dtype=int)
    blocks = []
    first = 0
    while first < len(starts):
        last = int(np.searchsorted(starts, starts[first] + _BLOCK, side="left"))
        last = max(last, first + 1)
        begin = starts[first]
        end = starts[last] if last < len(starts) else len(keys)
        blocks.append((keys[starts[first:last]], starts[first:last] - begin, others[begin:end], values[begin:end]))
        first = last
    return blocks


def _product(blocks, m: np.ndarray, size: int) -> np.ndarray:
    """Sum over entries (key, other, value) of value * m[other] into row `key`."""
    out = np.zeros((size, m.shape[1]), dtype=np.float32)
    m = m.astype(np.float32, copy=False)  # half the memory traffic of float64, and precise enough
    for keys, starts, others, values in blocks:
        out[keys] += np.add.reduceat(values[:, None] * m[others], starts, axis=0)
    return out


def _top_right_singular_vectors(a: _Sparse, k: int) -> np.ndarray:
    """The k leading right singular vectors of `a` (columns), by randomized SVD
    (Halko, Martinsson and Tropp 2011) with power iterations; the same every run."""
    rng = np.random.default_rng(_SEED)
    width = min(k + _OVERSAMPLE, min(a.shape))
    q, _ = np.linalg.qr(a @ rng.standard_normal((a.shape[1], width)))
    for _ in range(_POWER_ITERATIONS):
        z, _ = np.linalg.qr(a.rmatmul(q))
        q, _ = np.linalg.qr(a @ z)
    b = a.rmatmul(q).T  # q.T @ a
    _, _, vt = np.linalg.svd(b, full_matrices=False)
    return vt[:k].T


# -- at search time ---------------------------------------------------------------


class SpaceFile:
    """An index's latent space file, loaded once and again only when the indexer replaced it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._loaded: tuple[int, LatentSpace | Exception] | None = None  # (file's mtime_ns, space or error)

    def get(self, notes: list[str]) -> LatentSpace | None:
        """The space; None when there is none. A damaged one is left out, with a note."""
        try:
            stamp = os.stat(self.path).st_mtime_ns
        except OSError:
            return None
        if self._loaded is None or self._loaded[0] != stamp:
            try:
                self._loaded = (stamp, LatentSpace.load(self.path))
            except (OSError, ValueError) as exc:
                self._loaded = (stamp, exc)
        space = self._loaded[1]
        if isinstance(space, Exception):
            notes.append(
                f"note: {self.path} cannot be read ({space}); ranked without it."
                " Run archive-search index on the archive again to fit it anew"
            )
            return None
        return space


def closeness(
    space: LatentSpace,
    query_words: dict[str, float],
    scored: list[tuple[int, float]],
    counts: dict[int, tuple[Counter[str], ...]],
    config: RankingConfig = DEFAULT,
) -> list[float] | None:
    """Each candidate's cosine to the query in the space, placing it from its stem counts
    (`counts`: its title's and body's, summed here); None when the query has no place."""
    query = space.project(query_words)
    if query is None:
        return None
    out = []
    for docnum, _ in scored:
        vector = space.project_parts(*counts[docnum], config.latent_max_word)
        out.append(0.0 if vector is None else float(vector @ query))
    return out
