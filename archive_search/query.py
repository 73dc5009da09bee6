"""Turning query text and filter options into a Whoosh query."""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from whoosh import qparser, query
from whoosh.qparser import syntax
from whoosh.qparser.dateparse import DateParserPlugin

from .daterange import PublishedRange
from .dates import is_period, naive_utc, parse_date_bound
from .errors import QueryError
from .schema import STOPWORDS

# Searched when a word names no field. The body field holds the title too, title words
# weighted (schema.TITLE_WEIGHT); author lets "flooding Prieve" find Prieve's articles.
DEFAULT_FIELDS = ("body", "author")
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
    """Restrictions given as options rather than in the query text. Author, dateline and
    source each take one value or several (a list or tuple): an article matching any of them
    passes, as with `git log --author A --author B`."""

    since: str | None = None
    until: str | None = None
    author: str | Sequence[str] | None = None
    dateline: str | Sequence[str] | None = None
    source: str | Sequence[str] | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The date bounds: a moment (aware) for a full time, a wall-clock time in each
        article's own zone (naive) for a day, month or year."""
        return _option_bound("--since", self.since, end=False), _option_bound("--until", self.until, end=True)

    def values(self, fieldname: str) -> list[str]:
        """The values given for author, dateline or source, empty ones left out."""
        value = getattr(self, fieldname)
        if not value:
            return []
        return [value] if isinstance(value, str) else [v for v in value if v]


_EXAMPLE = "for example --since 2016 or --until 2017-08-31"


def _option_bound(option: str, text: str | None, *, end: bool) -> datetime | None:
    if not text:
        return None
    try:
        return _bound(text, end=end)
    except OutOfRange:
        raise QueryError(f"{option} {text!r} {OutOfRange.reason}; {_EXAMPLE}") from None
    except ValueError as exc:
        raise QueryError(f"{exc}; {_EXAMPLE}") from None


class OutOfRange(ValueError):
    """A date bound that is a date, but not one an index can hold once converted to UTC."""

    reason = "is outside the years 1 to 9999 once converted to UTC"

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _bound(text: str, *, end: bool) -> datetime:
    """parse_date_bound's bound, checked to convert to UTC. Raises OutOfRange when it does not
    (whether dates.py reports that as ValueError or OverflowError), ValueError when not a date.

    A day, month or year is a calendar period in each article's own zone, so its bound is
    returned as a wall-clock time (naive); a full time is that moment (aware)."""
    try:
        moment = parse_date_bound(text, end=end)
        if is_period(text):
            return moment.replace(tzinfo=None)
        naive_utc(moment)
    except OverflowError:
        raise OutOfRange(text) from None
    except ValueError:
        if _overflows(text):
            raise OutOfRange(text) from None
        raise
    return moment


def _overflows(text: str) -> bool:
    """Whether the text is an ISO 8601 time with a UTC offset that takes it past datetime's range."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment.astimezone(timezone.utc)
    except OverflowError:
        return True
    except ValueError:
        pass
    return False


@dataclass
class ParsedQuery:
    query: query.Query
    notes: list[str] = field(default_factory=list)  # told to the user on stderr
    plain_words: bool = False
    has_words: bool = False  # the text searches for something, beyond dates and filters


def date_range(start: datetime | None, end: datetime | None) -> query.Query:
    """Articles published from start to end (either open): an aware bound is a moment, a naive
    one a wall-clock time in each article's own zone (daterange.py). Raises QueryError when a
    bound is out of range."""
    try:
        if any(bound is not None and bound.tzinfo is None for bound in (start, end)):
            return PublishedRange(start, end)
        return query.DateRange("published", start and naive_utc(start), end and naive_utc(end))
    except OverflowError:
        raise QueryError(f"a date bound {OutOfRange.reason}; {_EXAMPLE}") from None


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


def make_parser(schema, *, operators: bool = True) -> qparser.QueryParser:
    parser = _base_parser(schema)
    # Only the operators the README documents: Whoosh's others (ANDNOT, ANDMAYBE, REQUIRE)
    # are words, as a user who has not read Whoosh's manual means them.
    parser.remove_plugin_class(qparser.OperatorsPlugin)
    if operators:
        parser.add_plugin(qparser.OperatorsPlugin(AndNot=None, AndMaybe=None, Require=None))
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.add_plugin(DateParserPlugin(basedate=datetime(2017, 1, 1), free=False))
    parser.add_plugin(qparser.GtLtPlugin())
    return parser


# The date terms' field names; what follows each is read by hand (_date_term), not by one
# regex: a lazy `[^\]]*?\s+to\s+` over a bracket holding a long run of spaces backtracks
# quadratically.
_DATE_FIELD = re.compile(r"\b(?:published|date):", re.I)
_ONE_DATE = re.compile(r"[\d-]+(?=\s|$)")  # anchored where the field name ends: one pass


def _replace_date_terms(text: str) -> tuple[str, list[query.Query]]:
    """Pull `published:2017-08` and `published:[2016 to 2017]` out of the text.

    Whoosh 2.7.4 gets ISO ranges in query strings wrong, so they become DateRange
    queries built here from properly parsed bounds; a term that is no date is left to
    Whoosh, and one out of range is a QueryError, as it is for --since and --until."""
    ranges: list[query.Query] = []
    pieces: list[str] = []
    done = 0  # text[:done] is in pieces
    for match in _DATE_FIELD.finditer(text):
        if match.start() < done:  # inside a term already taken
            continue
        term = _date_term(text, match.end())
        if term is None:
            continue
        stop, start, end = term
        pieces += [text[done : match.start()], " "]
        ranges.append(date_range(start, end))
        done = stop
    return "".join([*pieces, text[done:]]), ranges


def _date_term(text: str, at: int) -> tuple[int, datetime | None, datetime | None] | None:
    """(where it ends, start, end) of the date or bracketed range at text[at:]; None if there is none."""
    if text.startswith("[", at):
        close = text.find("]", at)
        if close < 0:
            return None
        words = text[at + 1 : close].split()
        to = next((i for i, word in enumerate(words) if word.lower() == "to"), None)
        if to is None:
            return None
        a, b = " ".join(words[:to]), " ".join(words[to + 1 :])
        bounds = _term_bounds(a, b)
        return None if bounds is None else (close + 1, *bounds)
    one = _ONE_DATE.match(text, at)
    if one is None:
        return None
    bounds = _term_bounds(one[0], one[0])
    return None if bounds is None else (one.end(), *bounds)


def _term_bounds(a: str, b: str) -> tuple[datetime | None, datetime | None] | None:
    """The bounds from a to b (either may be empty: open); None when one is not a date."""
    try:
        return (_bound(a, end=False) if a else None), (_bound(b, end=True) if b else None)
    except OutOfRange as exc:
        raise QueryError(
            f"the date {exc.text!r} in the query {OutOfRange.reason}; give one within them, "
            "as in published:[2016 to 2017]"
        ) from None
    except ValueError:
        return None


def plain_words(schema, text: str) -> query.Query:
    """The text as bare words (OR), every query-language character ignored."""
    words = _first_words(text)
    parser = _base_parser(schema)
    parser.remove_plugin_class(qparser.WildcardPlugin)
    kept = " ".join(w for w in words if w.upper() not in OPERATORS)
    return merge_repeats(parser.parse(kept, normalize=False)).normalize()


def _first_words(text: str, most: int = 200) -> list[str]:
    """The text's first words, up to `most` and MAX_QUERY_CHARS characters of them, skipping
    any longer: Whoosh's parser takes time that grows with the square of a word's length,
    and an over-long query can be one word."""
    words: list[str] = []
    room = MAX_QUERY_CHARS
    for match in re.finditer(r"\w+", text):
        if len(words) == most:
            break
        if len(match[0]) <= room:
            words.append(match[0])
            room -= len(match[0])
    return words


# "?" is a one-letter wildcard only inside a word (`wom?n`). Anywhere else it is punctuation:
# ending a question ("who owns it?"), after a bracket ("(MEDLARS)?") or opening a word, where
# as a wildcard it would match every one-letter word, or every word ending so (Lucene refuses
# leading wildcards by default for the same reason).
_QUESTION = re.compile(r"(?<!\w)\?+|\?+(?!\w)")


# (id(schema), operators) -> (schema, its parser): a parser is made of a dozen plugins,
# each compiling its expressions, and parses any number of queries alike.
_parsers: dict[tuple[int, bool], tuple[object, qparser.QueryParser]] = {}


def _parser(schema, operators: bool) -> qparser.QueryParser:
    made = _parsers.get((id(schema), operators))
    if made is None or made[0] is not schema:
        if len(_parsers) > 16:
            _parsers.clear()
        made = _parsers[(id(schema), operators)] = (schema, make_parser(schema, operators=operators))
    return made[1]


def _parse(schema, text: str, *, operators: bool = True) -> query.Query:
    q = _parser(schema, operators).parse(text, normalize=False)
    return lift_negations(merge_repeats(q)).normalize()


# The query language's operators (make_parser), which it matches only in capitals.
OPERATORS = frozenset(["AND", "OR", "NOT"])


def operators_count(text: str) -> bool:
    """Whether AND, OR and NOT in the text are operators: not when it is all in capitals."""
    # Pasted wire copy and caps lock put every word in capitals, their ANDs and ORs too;
    # someone writing operators writes the other words in lower case. Capitals that are all
    # operators (`2016 AND 2017`, `東京 AND 大阪`) cannot be shouting, so they count there.
    if any(ch.islower() for ch in text):
        return True
    return not any(word.isupper() and word not in OPERATORS for word in re.findall(r"\w+", text))


def merge_repeats(q: query.Query) -> query.Query:
    """A word typed n times counts n times: Whoosh would keep one copy of repeated words, and
    in a long query the repeated ones are usually what it is about."""
    if not isinstance(q, query.compound.CompoundQuery):
        return q
    subqueries = [merge_repeats(sub) for sub in q.subqueries]
    if isinstance(q, query.Or):
        # An empty group matches nothing, and Whoosh's never equal each other while all
        # hashing alike: counting a run of them (`~~~~`) compared every pair.
        subqueries = [sub for sub in subqueries if not _empty_group(sub)]
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


def _empty_group(q: query.Query) -> bool:
    return isinstance(q, query.compound.CompoundQuery) and not q.subqueries


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
    if text.count('"') % 2:
        return "unbalanced quotes"
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            break
    if depth != 0:
        return "unbalanced parentheses"
    if _unclosed_range(text):
        return "a [ or { that no ] or } closes"
    if re.search(r"(^|\s):|:(\s|$)", text):
        return "a ':' with no field name or value"
    if re.search(r"(^|\s)[*?]+(\s|$)", text):
        return "a wildcard with no word"
    return None


def _unclosed_range(text: str) -> bool:
    """Whether a bracket opens a range (a "to" follows it) that nothing closes: Whoosh's range
    expression then tries each "to" after it against all the rest of the text."""
    tail = text[max(text.rfind("]"), text.rfind("}")) + 1 :]
    opened = [at for at in (tail.find("["), tail.find("{")) if at >= 0]
    return bool(opened) and "to" in tail[min(opened) :].lower()


def parse_query(schema, text: str, filters: Filters | None = None) -> ParsedQuery:
    """Query text + filters -> one Whoosh query. Bad syntax falls back to plain words."""
    filters = filters or Filters()
    notes: list[str] = []
    text = text.strip()
    # Length first: every step after it is then bounded, whatever the query holds.
    if len(text) > MAX_QUERY_CHARS:
        rest, ranges = text, []
    else:
        rest, ranges = _replace_date_terms(_QUESTION.sub(" ", text))
    problem = _looks_broken(rest)
    fallback = False
    if problem:
        main = plain_words(schema, rest)
        notes.append(f"note: {problem}; searching for the words only")
        fallback = True
    else:
        try:
            main = _parse(schema, rest, operators=operators_count(text)) if rest.strip() else query.NullQuery
        except Exception as exc:  # Whoosh's parser raises assorted errors on odd input
            main = plain_words(schema, rest)
            notes.append(f"note: could not parse the query ({type(exc).__name__}); searching for the words only")
            fallback = True
    parts = [q for q in [main, *ranges] if q is not query.NullQuery]
    start, end = filters.bounds()
    if start or end:
        parts.append(date_range(start, end))
    for fieldname in ("author", "dateline", "source"):
        phrases = [_phrase_filter(schema, fieldname, value) for value in filters.values(fieldname)]
        if phrases:
            parts.append(phrases[0] if len(phrases) == 1 else query.Or(phrases))
    has_words = main is not query.NullQuery
    if not parts:
        return ParsedQuery(query.NullQuery, notes, fallback, has_words)
    if len(parts) == 1:
        return ParsedQuery(parts[0], notes, fallback, has_words)
    # Filters must match; the query text, if any, does the ranking.
    return ParsedQuery(query.And(parts), notes, fallback, has_words)


def _phrase_filter(schema, fieldname: str, value: str) -> query.Query:
    """`--author "Tanveer Ali"`: all the words, in order, in that field."""
    words = [t.text for t in schema[fieldname].analyzer(value)]
    if not words:
        raise QueryError(f"--{fieldname} {value!r} has no words to match")
    if len(words) == 1:
        return query.Term(fieldname, words[0])
    return query.Phrase(fieldname, words)
