"""A latent semantic space of the archive's words (LSI), for the last step of ranking.

The indexer fits it once a run has changed the archive: a rank-K truncated SVD of the
term-article matrix of up to SAMPLE articles, each word weighted (1 + log tf) * idf.
What is kept is the words' coordinates, not the articles': an article's place in the
space is worked out at search time from its words (the SVD's fold-in), so articles
indexed after the fit, or replaced, need nothing stored, and a space fitted on an
older state of the archive still serves (its new words only go unplaced).

Search mixes the query's and each candidate's cosine in this space into the ranking
(search.py): articles about the query's subject in other words move up.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import os
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from .query import stopword_stems
from .schema import stems

K = 75  # dimensions of the space (README, "How ranking works")
SAMPLE = 20_000  # articles the space is fitted on, at most: bounds the fit's time and memory
DRIFT = 0.1  # refitted once the archive has changed by this share since the fit
MIN_DF = 2  # a word must be in this many sampled articles to get a place
MAX_WORD = 32  # characters: longer "words" get no place
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

    def project(self, counts: dict[str, float]) -> np.ndarray | None:
        """The unit vector of a text's words ({word: count}); None if it has none placed."""
        if not counts or not len(self.words):
            return None
        names = np.array(list(counts))
        at = np.minimum(np.searchsorted(self.words, names), len(self.words) - 1)
        known = self.words[at] == names
        if not known.any():
            return None
        at = at[known]
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))[known]
        vector = ((1 + np.log(tf)) * self.idf[at]) @ self.vectors[at]
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else None

    def save(self, path: Path) -> None:
        """Write atomically: a reader sees the old space or the new, never half of one."""
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as handle:
                np.savez(handle, words=self.words, idf=self.idf, vectors=self.vectors, articles=self.articles)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

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


def article_words(title: str, body: str) -> dict[str, float]:
    """{stem: count} of an article's title and body, the words the space places: no
    stopwords, numbers, one-letter words or words over MAX_WORD characters (a run of
    letters with no space in it, such as an encoded image, would make every word in
    the word array that long). Title words count once here (measured better than
    the index's title weighting, README)."""
    return content_words(Counter(stems(f"{title} {body}")))


def content_words(counts: Mapping[str, int]) -> dict[str, float]:
    """The {stem: count} of a text's stems that the space places (see article_words)."""
    skip = stopword_stems()
    return {
        stem: float(n)
        for stem, n in counts.items()
        if stem not in skip and 1 < len(stem) <= MAX_WORD and not stem.isdigit()
    }


def sample_ids(ids: Iterable[str], size: int = SAMPLE) -> list[str]:
    """Up to `size` of the ids, sorted, chosen by a hash of each: the same archive gives the
    same sample however its segments are laid out (--jobs), so it ranks the same."""
    keyed = ((hashlib.blake2b(i.encode("utf-8", "surrogatepass"), digest_size=8).digest(), i) for i in ids)
    return sorted(i for _, i in heapq.nsmallest(size, keyed))


def fit(articles: Iterable[dict[str, float]], k: int = K) -> LatentSpace | None:
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
    kept = np.flatnonzero(df >= MIN_DF)
    kept = kept[np.argsort(names[kept], kind="stable")]  # the space's words, sorted
    rank = min(k, count - 1, len(kept) - 1)
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
