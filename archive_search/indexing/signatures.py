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
from ..copies.text import words

# A band's values mixed into 40 bits: collisions of unrelated bands stay negligible at
# millions of articles, and the term stays short.
_MASK = (1 << 40) - 1
_MIX = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)


def band_terms(body: str, config: CopiesConfig) -> str:
    """The space-separated `lsh` terms of a body ("" for one too short to join any cluster)."""
    w = words(body[: config.max_chars])
    if len(w) < config.min_words:
        return ""
    # Repeated 3-shingles change no minimum: a list is as good as a set, and cheaper.
    grams = [f"{a} {b} {c}" for a, b, c in zip(w, w[1:], w[2:], strict=False)]
    terms = _bands(grams, config.bands, config.rows, config.seed, "m")
    terms += _bands(grams[: config.lead_words - 2], config.lead_bands, config.lead_rows, config.seed + 1, "l")
    return " ".join(terms)


def _bands(grams: list[str], bands: int, rows: int, seed: int, kind: str) -> list[str]:
    from rensa import RMinHash

    if rows > len(_MIX):
        raise ValueError(f"at most {len(_MIX)} rows a band")
    minhash = RMinHash(num_perm=bands * rows, seed=seed)
    minhash.update(grams)
    digest = minhash.digest()
    out = []
    for band in range(bands):
        value = 0
        for h, mix in zip(digest[band * rows : (band + 1) * rows], _MIX, strict=False):
            value ^= h * mix
        out.append(f"{kind}{band:02d}{value & _MASK:010x}")
    return out
