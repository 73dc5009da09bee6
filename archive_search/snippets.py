"""Snippets: the passages of an article that best show a query's words, with the words' offsets."""

from __future__ import annotations

from whoosh import highlight
from whoosh import query as wq

from .schema import matched_tokens

BETWEEN = " … "  # between two passages of one snippet
LEAD_CHARS = 200  # the opening shown when no passage matches


class _SnippetFormatter(highlight.Formatter):
    """Collects fragments as (text, [(start, end)]) instead of marked-up strings."""

    between = BETWEEN

    def format_fragment(self, fragment, replace=False):
        text = fragment.text
        spans = [
            (t.startchar - fragment.startchar, t.endchar - fragment.startchar)
            for t in fragment.matches
            if t.startchar is not None and t.startchar >= fragment.startchar
        ]
        return text[fragment.startchar : fragment.endchar], spans

    def format(self, fragments, replace=False):
        return [self.format_fragment(f) for f in fragments]


def highlight_words(searcher, q: wq.Query) -> frozenset[str]:
    """The indexed words (stems) of the query's title and body terms, wildcards expanded."""
    words = set()
    for fieldname, text in q.existing_terms(searcher.reader(), expand=True):
        if fieldname in ("title", "body"):
            words.add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return frozenset(words)


def snippet(title: str, body: str, words: frozenset[str]) -> tuple[str, list[tuple[int, int]]]:
    """The best two passages of the body for the words (else the title, else the body's
    opening), white space squashed, and the matched words' (start, end) offsets in it."""
    fragments = passages(body, words, 2) or passages(title, words, 1)
    if fragments:
        return _join_fragments(fragments)
    return lead(body), []


def lead(body: str, chars: int = LEAD_CHARS) -> str:
    """The opening of an article, for a snippet when there is no match to show."""
    text = " ".join(body.split())
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + " …"


def passages(text: str, words: frozenset[str], top: int) -> list:
    """The `top` best passages of the text for the words, in text order.

    Whoosh's highlight(), with two changes: the title field's analysis (the body's words,
    without the title weighting) is done a list at a time (schema.matched_tokens, tested
    against the analyzer), and passages that score the same are taken first come, first
    served -- Whoosh breaks the tie by the passages' memory addresses, so the same search
    could show different snippets from one run to the next."""
    if not text or not words:
        return []
    fragmenter = highlight.ContextFragmenter(maxchars=160, surround=50)
    scorer = highlight.BasicFragmentScorer()
    scored = [(scorer(f), f) for f in fragmenter.fragment_tokens(text, matched_tokens(text, words))]
    scored.sort(key=lambda item: (-item[0], item[1].startchar))
    best = sorted((f for score, f in scored[:top] if score >= 1), key=lambda f: f.startchar)
    return _SnippetFormatter().format(best)


def _squash_with_spans(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """Collapse white space runs (paragraph breaks included) to one space, moving the spans along."""
    out: list[str] = []
    where = [0] * (len(text) + 1)  # old offset -> new offset
    for i, ch in enumerate(text):
        where[i] = len(out)
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(ch)
    where[len(text)] = len(out)
    return "".join(out), [(where[s], where[e]) for s, e in spans]


def _join_fragments(fragments: list[tuple[str, list[tuple[int, int]]]]) -> tuple[str, list[tuple[int, int]]]:
    text, spans = "", []
    for piece, piece_spans in fragments:
        piece, piece_spans = _squash_with_spans(piece, piece_spans)
        lead_space = len(piece) - len(piece.lstrip())
        piece = piece.strip()
        if text:
            text += BETWEEN
        base = len(text) - lead_space
        text += piece
        spans.extend((base + s, base + e) for s, e in piece_spans if s >= lead_space and base + e <= len(text))
    return text, spans
