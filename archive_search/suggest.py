"""'Did you mean': a query's plain words the index lacks, each replaced by the nearest word it has.

Only plain words are corrected: field names, the values of fields other than title and body
(names, places, dates, ids), numbers, ranges, wildcards, fuzzy terms and operators are left
as typed, and so is everything between the words (quotes, brackets, fields). The nearest word
is the one fewest edits away (Damerau-Levenshtein: a transposed pair is one edit); of those,
the one that sounds most like the typed word, then the one in most articles.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import islice

from whoosh import query as wq

from .schema import matched_tokens, stems

# Articles looked at for the way one writes a suggested word: the word can lie past the
# opening of the first, or only in its title.
SURFACE_DOCS = 5
# Indexed stems whose articles are read for their words, at each distance: each costs up to
# SURFACE_DOCS stored articles.
MAX_STEMS = 12
# Longer "words" are pasted identifiers or noise; their edits would cost most of a search.
MAX_WORD = 30
MIN_WORD = 3
OPERATORS = frozenset(["AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"])
# Fields whose values are words of the text, corrected like free text.
TEXT_FIELDS = frozenset(["title", "body"])
_TOKENS = re.compile(r"\w+|\s+|.", re.S)  # words, runs of space, single other characters
_OPENING = ('"', "(", "[", "{")


def suggest(searcher, text: str, read_chars: int) -> str | None:
    """The query with each plain word the index lacks replaced by the nearest one it has; None
    when there is nothing to suggest.

    The body lexicon holds stems, so candidates are the stems of the words one edit away, or
    the stems near the typed word, and each is shown as the word an article actually writes
    (suggesting stems gives nonsense)."""
    changed = False
    out = []
    for piece, correctable in _pieces(text[:500]):
        better = _better(searcher, piece, read_chars) if correctable else None
        changed |= better is not None
        out.append(better or piece)
    return "".join(out) if changed else None


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The text as (piece, whether it is a plain word to check): one pass over its tokens."""
    tokens = _TOKENS.findall(text)
    out: list[tuple[str, bool]] = []
    at = 0
    while at < len(tokens):
        token = tokens[at]
        if token in ("[", "{"):  # a range: its bounds are values, not words
            stop = _closing(tokens, at)
            out.extend((t, False) for t in tokens[at:stop])
            at = stop
        elif token[0].isalnum() and at + 1 < len(tokens) and tokens[at + 1] == ":":
            stop = _value_end(tokens, at + 2)
            text_field = token.lower() in TEXT_FIELDS
            out += [(token, False), (":", False)]
            out.extend((tokens[k], text_field and _plain(tokens, k)) for k in range(at + 2, stop))
            at = stop
        else:
            out.append((token, _plain(tokens, at)))
            at += 1
    return out


def _closing(tokens: list[str], at: int) -> int:
    """Just past the token that closes the quote, group or range opened at tokens[at]; the
    end if none does."""
    opening = tokens[at]
    if opening == '"':
        return next((k + 1 for k in range(at + 1, len(tokens)) if tokens[k] == '"'), len(tokens))
    closes = "]}" if opening in "[{" else ")"
    depth = 0
    for k in range(at, len(tokens)):
        if tokens[k] == opening:
            depth += 1
        elif tokens[k] in closes:
            depth -= 1
            if depth == 0:
                return k + 1
    return len(tokens)


def _value_end(tokens: list[str], at: int) -> int:
    """Just past a field's value starting at tokens[at]: a quoted phrase, a group, a range or one term."""
    if at < len(tokens) and tokens[at] in _OPENING:
        return _closing(tokens, at)
    stop = at
    while stop < len(tokens) and not tokens[stop].isspace() and tokens[stop] not in ")]}":
        stop += 1
    return stop


def _plain(tokens: list[str], k: int) -> bool:
    """Whether tokens[k] is a plain word: letters only, not an operator, not part of a
    wildcard or fuzzy term, not a field name."""
    word = tokens[k]
    if not (MIN_WORD <= len(word) <= MAX_WORD and word.isalpha()) or word.upper() in OPERATORS:
        return False
    before = tokens[k - 1] if k else ""
    after = tokens[k + 1] if k + 1 < len(tokens) else ""
    if "*" in (before, after) or after in ("~", ":"):
        return False
    # `?` is a wildcard only inside a word (query.py); ending or opening one, it is punctuation.
    inside_after = after == "?" and k + 2 < len(tokens) and tokens[k + 2][0].isalnum()
    inside_before = before == "?" and k >= 2 and tokens[k - 2][0].isalnum()
    return not (inside_after or inside_before)


def _better(searcher, word: str, read_chars: int) -> str | None:
    """The nearest indexed word to a word the index lacks, in the word's case; None if the
    index has the word or nothing near it."""
    reader = searcher.reader()
    if any(reader.doc_frequency(f, s) for f in ("title", "body") for s in stems(word)):
        return None
    names = [t.text for t in searcher.schema["author"].analyzer(word)]
    if any(reader.doc_frequency("author", name) for name in names):
        return None  # a name: free text also searches the authors
    found = _nearest(searcher, word.lower(), read_chars)
    return _same_case(found, word) if found else None


def _nearest(searcher, typed: str, read_chars: int) -> str | None:
    """The word articles write that is nearest the typed one: within one edit, else two."""
    reader = searcher.reader()
    near = _one_edit(typed)
    by_stem: dict[str, set[str]] = {}
    for edit, stem in zip(near, stems(" ".join(near)), strict=True):
        by_stem.setdefault(stem, set()).add(edit)
    df = {stem: reader.doc_frequency("body", stem) for stem in by_stem}
    held = sorted((s for s in by_stem if df[s]), key=lambda s: (min(_sounds(e, typed) for e in by_stem[s]), -df[s], s))
    for stem in held[:MAX_STEMS]:
        forms = _forms(searcher, stem, read_chars)
        written = [edit for edit in by_stem[stem] if edit in forms]
        if written:
            return min(written, key=lambda e: (_sounds(e, typed), -forms[e], e))
    return _two_edits(searcher, typed, set(by_stem), read_chars)


def _two_edits(searcher, typed: str, seen: set[str], read_chars: int) -> str | None:
    """The nearest written word two edits away, from the indexed stems near the typed word."""
    reader = searcher.reader()
    (own,) = stems(typed) or [typed]
    near = set(reader.terms_within("body", typed, 2, prefix=1)) | set(reader.terms_within("body", own, 2, prefix=1))
    ranked = sorted(near - seen, key=lambda s: (distance(s, own), -reader.doc_frequency("body", s), s))
    best = None
    for stem in ranked[:MAX_STEMS]:
        frequency = reader.doc_frequency("body", stem)
        for form, count in _forms(searcher, stem, read_chars).items():
            edits = distance(form, typed)
            if edits <= 2:
                key = (edits, _sounds(form, typed), -frequency, -count, form)
                best = min(best, key) if best else key
    return best[-1] if best else None


def _one_edit(word: str) -> list[str]:
    """Every string one edit (deletion, transposition, substitution, insertion) from the word."""
    letters = sorted(set("abcdefghijklmnopqrstuvwxyz") | set(word))
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = {a + b[1:] for a, b in splits if b}
    edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits |= {a + c + b[1:] for a, b in splits if b for c in letters}
    edits |= {a + c + b for a, b in splits for c in letters}
    edits.discard(word)
    return sorted(e for e in edits if e)


def _forms(searcher, stem: str, read_chars: int) -> Counter[str]:
    """How often each word analysed to `stem` is written (lower-cased) in the first articles holding it."""
    stem_only = frozenset([stem])
    forms: Counter[str] = Counter()
    for docnum in islice(searcher.docs_for_query(wq.Term("body", stem)), SURFACE_DOCS):
        stored = searcher.stored_fields(docnum)
        for text in (stored.get("body", "")[:read_chars], stored.get("title", "")[:read_chars]):
            forms.update(text[t.startchar : t.endchar].lower() for t in matched_tokens(text, stem_only) if t.matched)
    return forms


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): a transposed pair is one edit."""
    before, row = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (ca != cb))
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        before, row = row, current
    return row[-1]


def _sounds(word: str, typed: str) -> int:
    """How far apart two words sound: the distance of their sound keys."""
    return distance(_sound_key(word), _sound_key(typed))


def _sound_key(word: str) -> str:
    """The word as it sounds, roughly: c, k and q alike (c before e, i, y as s), s and z,
    i and y, ph and f, doubled letters as one."""
    word = word.replace("ph", "f")
    out: list[str] = []
    for at, ch in enumerate(word):
        after = word[at + 1 : at + 2]
        if ch == "c":
            ch = "s" if after and after in "eiy" else "k"
        ch = {"q": "k", "z": "s", "y": "i"}.get(ch, ch)
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def _same_case(found: str, typed: str) -> str:
    """The suggestion in the case the word was typed in: COFEE -> COFFEE, Cofee -> Coffee."""
    if len(typed) > 1 and typed.isupper():
        return found.upper()
    if typed[0].isupper():
        return found[:1].upper() + found[1:]
    return found
