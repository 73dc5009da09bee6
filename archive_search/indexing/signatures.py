"""Each article's MinHash signature, cut into bands: the terms of the `lsh` field.

Two articles sharing a band term are candidate copies (indexing/clustering.py verifies every
candidate by its real similarity). The body's word 3-shingles make the main signature; the
opening words make a small second one, so that a trimmed copy (the first paragraphs of a
story) meets its full version. The terms are written with the article, in the same commit:
a crash never leaves a signature without its article or the other way round.

rensa (MinHash in Rust) is imported here only, by indexing: a search never signs anything.
"""

from __future__ import annotations

from ..copies.config import CopiesConfig
from ..copies.text import shingles, words

_MASK = (1 << 40) - 1  # 40 bits a band: collisions between unrelated bands stay negligible at millions of articles


def band_terms(body: str, config: CopiesConfig) -> str:
    """The space-separated `lsh` terms of a body ("" for one too short to join any cluster)."""
    w = words(body)
    if len(w) < config.min_words:
        return ""
    terms = _bands(shingles(w, 3), config.bands, config.rows, config.seed, "m")
    terms += _bands(shingles(w[: config.lead_words], 3), config.lead_bands, config.lead_rows, config.seed + 1, "l")
    return " ".join(terms)


def _bands(grams: set[str], bands: int, rows: int, seed: int, kind: str) -> list[str]:
    from rensa import RMinHash

    minhash = RMinHash(num_perm=bands * rows, seed=seed)
    minhash.update(list(grams))
    digest = minhash.digest()
    out = []
    for band in range(bands):
        value = 0
        for h in digest[band * rows : (band + 1) * rows]:
            value = (value * 0x100000001B3 ^ h) & 0xFFFFFFFFFFFFFFFF
        out.append(f"{kind}{band:02d}{value & _MASK:010x}")
    return out
