"""Turning query text and filter options into a Whoosh query."""

from __future__ import annotations

import copy
import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from whoosh import qparser, query
from whoosh.lang.stopwords import stoplists
from whoosh.qparser import syntax
from whoosh.qparser.dateparse import DateParserPlugin

from .dates import parse_date_bound
from .errors import QueryError
from .schema import stems

# Searched when a word names no field. The body field holds the title too, title words
# weighted (schema.TITLE_WEIGHT); author lets "flooding Prieve" find Prieve's articles.
DEFAULT_FIELDS = ("body", "author")
# Words too common to help rank free text ("what", "the", "of"): Whoosh's English list
# (127 words). Dropped from free-text queries only: "to be or not to be" in quotes, and a
# query made of nothing else, still search for them; the index keeps every word.
STOPWORDS = frozenset(stoplists["en"])


@functools.cache
def stopword_stems() -> frozenset[str]:
    """STOPWORDS as the index holds them (stemmed): what feedback and the latent space leave out."""
    return frozenset(stem for word in STOPWORDS for stem in stems(word))


# What people type -> the schema's field.
FIELD_ALIASES = {
    "author": ["author", "authors", "by", "byline"],
    "dateline": ["dateline", "place"],
    "source": ["source", "site"],
    "tag": ["tag", "tags", "topic", "section"],
    "published": ["published", "date"],
}
MAX_QUERY_CHARS = 2000


@dataclass
class Filters:
    """Restrictions given as options rather than in the query text."""

    since: str | None = None
    until: str | None = None
    author: str | None = None
    dateline: str | None = None
    source: str | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        try:
            start = parse_date_bound(self.since) if self.since else None
            end = parse_date_bound(self.until, end=True) if self.until else None
        except ValueError as exc:
            raise QueryError(f"{exc}; for example --since 2016 or --until 2017-08-31") from None
        return start, end


@dataclass
class ParsedQuery:
    query: query.Query
    notes: list[str] = field(default_factory=list)  # told to the user on stderr
    plain_words: bool = False


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def date_range(start: datetime | None, end: datetime | None) -> query.Query:
    return query.DateRange("published", start and _naive_utc(start), end and _naive_utc(end))


class StopwordPlugin(qparser.Plugin):
    """Drop stopwords that stand alone among other words of a free-text query.

    Runs after field names are attached (100) and before words are spread over the default
    fields (110). A word next to an operator, boost or field name is kept (`NOT the`); so
    are all of a group's words when they are all stopwords (`the who`)."""

    def filters(self, parser):
        return [(self.drop_stopwords, 105)]

    def drop_stopwords(self, parser, group):
        nodes = list(group)
        for i, node in enumerate(nodes):
            if isinstance(node, syntax.GroupNode):
                nodes[i] = self.drop_stopwords(parser, node)
        solid = [n for n in nodes if not isinstance(n, syntax.Whitespace)]
        droppable = {id(n) for k, n in enumerate(solid) if self._droppable(solid, k)}
        words = [n for n in solid if isinstance(n, syntax.WordNode)]
        if not droppable or len(droppable) == len(words):
            group.nodes = nodes
            return group
        group.nodes = [n for n in nodes if id(n) not in droppable]
        return group

    @staticmethod
    def _droppable(solid: list, k: int) -> bool:
        node = solid[k]
        if not isinstance(node, syntax.WordNode) or node.fieldname or node.boost != 1.0:
            return False
        parts = re.findall(r"\w+", node.text.lower())  # "themselves," is a stopword too
        if not parts or not all(part in STOPWORDS for part in parts):
            return False
        neighbours = solid[max(k - 1, 0) : k] + solid[k + 1 : k + 2]
        return all(isinstance(n, (syntax.WordNode, syntax.GroupNode)) for n in neighbours)


def _base_parser(schema) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(DEFAULT_FIELDS), schema, group=qparser.OrGroup)
    parser.add_plugin(StopwordPlugin())
    return parser


def make_parser(schema) -> qparser.QueryParser:
    parser = _base_parser(schema)
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.add_plugin(DateParserPlugin(basedate=datetime(2017, 1, 1), free=False))
    parser.add_plugin(qparser.GtLtPlugin())
    return parser


_PUBLISHED = re.compile(
    r"\b(?:published|date):(?:\[(?P<a>[^\]]*?)\s+to\s+(?P<b>[^\]]*?)\]|(?P<one>[\d-]+)(?=\s|$))", re.I
)
_UNBALANCED = re.compile(r'^[^"]*("[^"]*"[^"]*)*"[^"]*$')


def _replace_date_terms(text: str) -> tuple[str, list[query.Query]]:
    """Pull `published:2017-08` and `published:[2016 to 2017]` out of the text.

    Whoosh 2.7.4 gets ISO ranges in query strings wrong, so they become
    DateRange queries built here from properly parsed bounds.
    """
    ranges: list[query.Query] = []

    def replace(match: re.Match) -> str:
        try:
            if match["one"]:
                start, end = parse_date_bound(match["one"]), parse_date_bound(match["one"], end=True)
            else:
                a, b = (match["a"] or "").strip(), (match["b"] or "").strip()
                start = parse_date_bound(a) if a else None
                end = parse_date_bound(b, end=True) if b else None
        except ValueError:
            return match[0]
        ranges.append(date_range(start, end))
        return " "

    return _PUBLISHED.sub(replace, text), ranges


def plain_words(schema, text: str) -> query.Query:
    """The text as bare words (OR), every query-language character ignored."""
    words = re.findall(r"\w+", text)[:200]
    parser = _base_parser(schema)
    parser.remove_plugin_class(qparser.WildcardPlugin)
    kept = " ".join(w for w in words if w.upper() not in ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"))
    return merge_repeats(parser.parse(kept, normalize=False)).normalize()


# "?" is a one-letter wildcard only inside a word (`wom?n`). Anywhere else it is punctuation:
# ending a question ("who owns it?"), after a bracket ("(MEDLARS)?") or opening a word, where
# as a wildcard it would match every one-letter word, or every word ending so (Lucene refuses
# leading wildcards by default for the same reason).
_QUESTION = re.compile(r"(?<!\w)\?+|\?+(?!\w)")


def _parse(schema, text: str) -> query.Query:
    q = make_parser(schema).parse(text, normalize=False)
    return lift_negations(merge_repeats(q)).normalize()


def merge_repeats(q: query.Query) -> query.Query:
    """A word typed n times counts n times: Whoosh would keep one copy of repeated words, and
    in a long query the repeated ones are usually what it is about."""
    if not isinstance(q, query.compound.CompoundQuery):
        return q
    subqueries = [merge_repeats(sub) for sub in q.subqueries]
    if isinstance(q, query.Or):
        counts = Counter(subqueries)
        merged = []
        for sub in subqueries:
            n = counts.pop(sub, 0)
            if n:
                merged.append(sub.with_boost(sub.boost * n) if n > 1 else sub)
        subqueries = merged
    q = copy.copy(q)  # keeps whatever else the query holds (slop, minmatch...)
    q.subqueries = subqueries
    return q


def lift_negations(q: query.Query) -> query.Query:
    """With OR as the default, `rent NOT cafe` would parse as `rent OR (NOT cafe)` and match
    nearly everything; people mean `rent`, excluding `cafe`. Turn negated children of an OR
    into exclusions from it."""
    if isinstance(q, query.compound.CompoundQuery):
        q = q.__class__([lift_negations(sub) for sub in q.subqueries], boost=q.boost)
    if isinstance(q, query.Or):
        negated = [sub.query for sub in q.subqueries if isinstance(sub, query.Not)]
        kept = [sub for sub in q.subqueries if not isinstance(sub, query.Not)]
        if negated and kept:
            positive = kept[0] if len(kept) == 1 else query.Or(kept, boost=q.boost, scale=q.scale)
            return query.AndNot(positive, negated[0] if len(negated) == 1 else query.Or(negated))
    return q


def _looks_broken(text: str) -> str | None:
    """Why this text is not sensible query syntax, or None."""
    if len(text) > MAX_QUERY_CHARS:
        return f"query is over {MAX_QUERY_CHARS} characters"
    if _UNBALANCED.match(text):
        return "unbalanced quotes"
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            break
    if depth != 0:
        return "unbalanced parentheses"
    if re.search(r"(^|\s):|:(\s|$)", text):
        return "a ':' with no field name or value"
    if re.search(r"(^|\s)[*?]+(\s|$)", text):
        return "a wildcard with no word"
    return None


def parse_query(schema, text: str, filters: Filters | None = None) -> ParsedQuery:
    """Query text + filters -> one Whoosh query. Bad syntax falls back to plain words."""
    filters = filters or Filters()
    notes: list[str] = []
    text = text.strip()
    rest, ranges = _replace_date_terms(_QUESTION.sub(" ", text))
    problem = _looks_broken(rest)
    fallback = False
    if problem:
        main = plain_words(schema, rest)
        notes.append(f"note: {problem}; searching for the words only")
        fallback = True
    else:
        try:
            main = _parse(schema, rest) if rest.strip() else query.NullQuery
        except Exception as exc:  # Whoosh's parser raises assorted errors on odd input
            main = plain_words(schema, rest)
            notes.append(f"note: could not parse the query ({type(exc).__name__}); searching for the words only")
            fallback = True
    parts = [q for q in [main, *ranges] if q is not query.NullQuery]
    start, end = filters.bounds()
    if start or end:
        parts.append(date_range(start, end))
    for fieldname, value in (("author", filters.author), ("dateline", filters.dateline), ("source", filters.source)):
        if value:
            parts.append(_phrase_filter(schema, fieldname, value))
    if not parts:
        return ParsedQuery(query.NullQuery, notes, fallback)
    if len(parts) == 1:
        return ParsedQuery(parts[0], notes, fallback)
    # Filters must match; the query text, if any, does the ranking.
    return ParsedQuery(query.And(parts), notes, fallback)


def _phrase_filter(schema, fieldname: str, value: str) -> query.Query:
    """`--author "Tanveer Ali"`: all the words, in order, in that field."""
    words = [t.text for t in schema[fieldname].analyzer(value)]
    if not words:
        raise QueryError(f"--{fieldname} {value!r} has no words to match")
    if len(words) == 1:
        return query.Term(fieldname, words[0])
    return query.Phrase(fieldname, words)
