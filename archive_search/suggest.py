"""'Did you mean': a query's words the index lacks, each replaced by the closest word it has."""

from __future__ import annotations

import re
from itertools import islice

from whoosh import query as wq

from .schema import matched_tokens

# Articles looked at for the way one writes a suggested word: the word can lie past the
# opening of the first, or only in its title.
SURFACE_DOCS = 5
_PIECES = re.compile(r"\w+|\W+")  # words and what is between them: every character in one match


def suggest(searcher, text: str, read_chars: int) -> str | None:
    """The query with each word the index lacks replaced by the closest one it has; None when
    there is nothing to suggest.

    The body lexicon holds stems, so candidates are found among stems and then shown as
    the word an article actually uses (suggesting stems gives nonsense)."""
    analyzer = searcher.schema["body"].analyzer
    reader = searcher.reader()
    changed = False
    out = []
    pieces = _PIECES.findall(text[:500])
    for at, word in enumerate(pieces):
        field_name = at + 1 < len(pieces) and pieces[at + 1].startswith(":")  # `published:` is no typo
        if not word[0].isalnum() or word.upper() in ("AND", "OR", "NOT") or len(word) < 3 or field_name:
            out.append(word)
            continue
        stems = [t.text for t in analyzer(word)]
        if not stems or any(reader.doc_frequency(f, s) for f in ("title", "body") for s in stems):
            out.append(word)
            continue
        better = _closest(searcher, stems[0], word.lower(), read_chars)
        changed |= better is not None
        out.append(better or word)
    return "".join(out) if changed else None


def _closest(searcher, stem: str, typed: str, read_chars: int) -> str | None:
    """The most frequent indexed stem within one (else two) edits of `stem`, as an article writes it."""
    reader = searcher.reader()
    for maxdist in (1, 2):
        candidates = [
            (reader.doc_frequency("body", term), term) for term in reader.terms_within("body", stem, maxdist, prefix=1)
        ]
        if candidates:
            _, best = max(candidates)
            return _surface_form(searcher, best, typed, read_chars)
    return None


def _surface_form(searcher, stem: str, typed: str, read_chars: int) -> str | None:
    """The word, as some article writes it, that is analysed to `stem` and looks most like `typed`."""
    from whoosh.support.levenshtein import distance

    stem_only = frozenset([stem])
    for docnum in islice(searcher.docs_for_query(wq.Term("body", stem)), SURFACE_DOCS):
        stored = searcher.stored_fields(docnum)
        for text in (stored.get("body", "")[:read_chars], stored.get("title", "")[:read_chars]):
            forms = {text[t.startchar : t.endchar].lower() for t in matched_tokens(text, stem_only) if t.matched}
            if forms:
                return min(forms, key=lambda form: (distance(form, typed), len(form)))
    return None
