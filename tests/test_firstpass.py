"""The first pass of a ranked search (firstpass.py) scores every match exactly as Whoosh's
own BM25F does: same articles, same scores, same count, deleted articles left out."""

from __future__ import annotations

import json
import math
import pickle
import random
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from archive_search.archive import Archive
from archive_search.indexing.indexer import Indexer
from archive_search.ranking.bm25 import BM25, LuceneBM25
from archive_search.ranking.config import DEFAULT
from archive_search.store import IndexDir

# Invented words with made-up frequencies: a few common, most rare, as in news text.
WORDS = "tram ferry pier bakery rent tenant council budget school flood park mural garden harbor".split()
COMMON = ["the", "and", "block", "city", "said"]
AUTHORS = ["Ada Brennan", "Tomas Quill", "Rosa Ferry", "Ike Harbor"]


def _article(rng: random.Random, n: int, tag: str) -> dict:
    def words(k: int) -> str:
        return " ".join(rng.choice(COMMON) if rng.random() < 0.4 else rng.choice(WORDS) for _ in range(k))

    return {
        "id": f"{tag}-{n}",
        "title": words(rng.randint(2, 6)).capitalize(),
        "author": rng.choice(AUTHORS),
        "body": words(rng.randint(5, 120)) + ".",
    }


def _write(path: Path, records: list[dict]) -> None:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Archive:
    """Three segments, one of them with deleted articles (its file changed and re-indexed)."""
    folder = tmp_path_factory.mktemp("firstpass")
    rng = random.Random(7)
    index = IndexDir(folder / "index")
    first, second, third = folder / "a.jsonl", folder / "b.jsonl", folder / "c.jsonl"
    _write(first, [_article(rng, n, "a") for n in range(150)])
    Indexer(index).run([str(first)])
    _write(second, [_article(rng, n, "b") for n in range(150)])
    Indexer(index).run([str(first), str(second)])
    _write(first, [_article(rng, n, "a2") for n in range(40)])  # a's 150 articles are deleted
    _write(third, [_article(rng, n, "c") for n in range(60)])
    stats = Indexer(index).run([str(first), str(second), str(third)])
    assert stats.total_articles == 250
    archive = Archive(index)
    assert len(archive.ix._segments()) >= 2 and archive.ix.reader().has_deletions()
    return archive


def _whoosh_scores(archive: Archive, text: str) -> dict[str, float]:
    """Every match's score by Whoosh's own matchers: each word's scores, added up.

    Whoosh's search for the whole OR would do, but this leaves out its matcher tree and its
    block-skipping, which drops matches when scores can be negative."""
    q = archive.parse(text).query
    terms = [q] if isinstance(q, wq.Term) else q.subqueries
    scores: dict[str, float] = {}
    with archive.ix.searcher(weighting=LuceneBM25(B=DEFAULT.b, K1=DEFAULT.k1)) as searcher:
        for term in terms:
            assert isinstance(term, wq.Term), text
            for hit in searcher.search(term, limit=None, optimize=False):
                key = searcher.stored_fields(hit.docnum)["id"]
                scores[key] = scores.get(key, 0.0) + hit.score
    return scores


def _whoosh_count(archive: Archive, text: str) -> int:
    with archive.ix.searcher(weighting=LuceneBM25(B=DEFAULT.b, K1=DEFAULT.k1)) as searcher:
        return len(searcher.search(archive.parse(text).query, limit=None, optimize=False))


def _check(archive: Archive, text: str, limit: int = 25) -> None:
    expected = _whoosh_scores(archive, text)
    result = archive.search(text, limit=limit, snippets=False, feedback=False)
    assert result.total == len(expected)
    assert all(not hit.id.startswith("a-") for hit in result.hits), "a deleted article was found"
    best = sorted(expected.values(), reverse=True)[:limit]
    assert [hit.score for hit in result.hits] == pytest.approx(best, rel=1e-9)
    for hit in result.hits:
        assert hit.score == pytest.approx(expected[hit.id], rel=1e-9)


@pytest.mark.parametrize(
    "text",
    [
        "tram",
        "ferry pier",
        "rent tenant council",
        "the block",
        "brennan",
        "harbor^3 garden",
        "title:mural flood",
        "zzz",
    ],
)
def test_examples_score_as_whoosh_does(archive, text):
    _check(archive, text)


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([*WORDS, *COMMON, "quill", "nowhere", "title:school", "author:rosa"]),
            st.sampled_from(["", "^2", "^0.5"]),
        ),
        min_size=1,
        max_size=7,
    ),
    st.integers(min_value=1, max_value=120),
)
def test_any_plain_query_scores_as_whoosh_does(archive, words, limit):
    _check(archive, " ".join(word + boost for word, boost in words), limit)


def _hits(archive: Archive, text: str, limit: int, count: bool, feedback: bool = False) -> list:
    result = archive.search(text, limit=limit, snippets=False, feedback=feedback, count=count)
    return [(hit.id, hit.score) for hit in result.hits]


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(st.sampled_from([*WORDS, *COMMON, "quill", "title:school"]), st.sampled_from(["", "^2", "^0.5"])),
        min_size=2,
        max_size=6,
    ),
    st.integers(min_value=1, max_value=60),
)
def test_pruning_finds_the_same_best_articles_and_scores(archive, words, limit):
    """Without a count (scripts' formats), the first pass stops taking in articles that cannot
    reach the top and skips blocks: the hits and their scores are exactly those of the full pass."""
    text = " ".join(word + boost for word, boost in words)
    assert _hits(archive, text, limit, count=False) == _hits(archive, text, limit, count=True)


def test_pruning_happens_and_keeps_feedback_results(archive):
    from archive_search.ranking.firstpass import first_pass

    with archive._searcher() as searcher:
        for text in ("tram ferry", "mural city", "tram tenant said"):
            q = archive.parse(text).query
            ranked, matched = first_pass(searcher, q, 5, BM25(DEFAULT.k1, DEFAULT.b), count=False)
            assert matched is None, f"{text!r} was not pruned"  # the count is what pruning gives up
            assert ranked == first_pass(searcher, q, 5, BM25(DEFAULT.k1, DEFAULT.b), count=True)[0]
    for text in ("tram ferry pier", "mural city"):
        assert _hits(archive, text, 10, count=False, feedback=True) == _hits(archive, text, 10, True, True)


def test_pruning_bound_is_reached_by_the_article_that_sets_it(tmp_path):
    """ "short" holds only the commoner word (alpha, added last), as often and in as short a
    text as any article: it scores that word's bound exactly, and ranks 4th, above one of
    the rarer word's articles. A bound set 10% too low would stop taking articles in before
    alpha's turn, and lose it."""

    def filler(n: int) -> str:
        return " ".join(["harbor"] * n)

    records = [{"id": f"f{n}", "title": "Other", "body": filler(30)} for n in range(100)]
    records += [{"id": f"b{n}", "title": "Beta", "body": f"beta {filler(10 if n < 3 else 40)}"} for n in range(6)]
    records += [{"id": f"a{n}", "title": "Other", "body": f"alpha {filler(30)}"} for n in range(8)]
    records.append({"id": "short", "title": "Alpha", "body": "alpha alpha alpha"})
    feed = tmp_path / "feed.jsonl"
    _write(feed, records)
    index = IndexDir(tmp_path / "index")
    Indexer(index).run([str(feed)])
    archive = Archive(index)
    full = _hits(archive, "alpha beta", 4, count=True)
    assert [key for key, _ in full] == ["b0", "b1", "b2", "short"]
    assert _hits(archive, "alpha beta", 4, count=False) == full


def test_equal_scores_rank_in_id_order(archive):
    """Not in index order: the same articles laid out otherwise rank the same (test_ties.py)."""
    result = archive.search("tram", limit=200, snippets=False, feedback=False)
    keys = [(-hit.score, hit.id) for hit in result.hits]
    assert keys == sorted(keys) and len({hit.score for hit in result.hits}) < len(keys)


def test_every_article_with_any_of_the_words_is_found(archive):
    """With idf below 0 for common words (deleted articles counted in df, not in N), Whoosh's
    search found 34 of these 242 articles, sorted by date 33."""
    texts = {}
    with archive.ix.searcher() as searcher:
        for stored in searcher.all_stored_fields():
            words = set(f"{stored['title']} {stored['body']}".lower().replace(".", "").split())
            texts[stored["id"]] = words | {"ferry"} if "Rosa Ferry" in stored["authors"] else words
    expected = {key for key, words in texts.items() if {"ferry", "pier"} & words}
    for sort in ("relevance", "newest"):
        result = archive.search("ferry pier", limit=1000, snippets=False, sort=sort)
        assert {hit.id for hit in result.hits} == expected and result.total == len(expected) == 242
    assert all(hit.score > 0 for hit in result.hits)


def test_articles_replaced_in_a_segment_that_keeps_others_are_left_out(tmp_path):
    """A segment with live articles before deleted ones: every deleted one is left out (a
    one-pass iterator of deletions once let all but the first through)."""
    rng = random.Random(11)
    kept, changed = tmp_path / "kept.jsonl", tmp_path / "changed.jsonl"
    _write(kept, [_article(rng, n, "k") for n in range(100)])
    _write(changed, [_article(rng, n, "y") for n in range(30)])
    index = IndexDir(tmp_path / "index")
    Indexer(index).run([str(kept), str(changed)])  # one segment: k-0..99, then y-0..29
    _write(changed, [_article(rng, n, "z") for n in range(5)])
    Indexer(index).run([str(kept), str(changed)])
    archive = Archive(index)
    with archive.ix.searcher() as searcher:
        assert any(
            0 < len(list(s.reader().all_doc_ids())) < s.reader().doc_count_all() for s, _ in searcher.leaf_searchers()
        )
    for text in ("the", "tram ferry", "said block"):
        result = archive.search(text, limit=200, snippets=False, feedback=False)
        assert result.total == _whoosh_count(archive, text) == len(result.hits) > 0
        assert not [hit.id for hit in result.hits if hit.id.startswith("y-")]


def test_posting_blocks_read_as_whoosh_reads_them(archive):
    """codec.posting_blocks (one read per term) gives every term's postings as Whoosh's matcher does."""
    from archive_search.whoosh_ext.codec import posting_blocks

    with archive.ix.searcher() as searcher:
        for sub, _ in searcher.leaf_searchers():
            reader = sub.reader()
            for fieldname, btext in reader.all_terms():
                # Whoosh's own matcher over the stored blocks, deleted articles included, as ours
                matcher = reader._terms.matcher(fieldname, btext, searcher.schema[fieldname].format)
                whoosh = []
                while matcher.is_active():
                    whoosh.append((matcher.id(), matcher.weight()))
                    matcher.next()
                ours = [
                    (d, w)
                    for ids, weights in posting_blocks(reader, reader.term_info(fieldname, btext))
                    for d, w in zip(ids, weights, strict=True)
                ]
                assert ours == whoosh, (fieldname, btext)


def test_other_queries_are_left_to_whoosh(archive):
    """Phrases, wildcards, negations, required words and filters are not plain ORs of words:
    the first pass declines them (None) and Whoosh ranks them."""
    from archive_search.query import Filters
    from archive_search.ranking.firstpass import first_pass

    others = [
        ('"block city"', None),
        ("tra*", None),
        ("tram NOT ferry", None),
        ("tram AND ferry", None),
        ("tram", Filters(author="Ada Brennan")),
    ]
    with archive.ix.searcher(weighting=LuceneBM25(B=DEFAULT.b, K1=DEFAULT.k1)) as searcher:
        for text, filters in others:
            q = archive.parse(text, filters).query
            for count in (True, False):
                assert first_pass(searcher, q, 10, BM25(DEFAULT.k1, DEFAULT.b), count=count) is None, (text, filters, q)
        plain = archive.parse("tram ferry").query  # the case it does take
        assert first_pass(searcher, plain, 10, BM25(DEFAULT.k1, DEFAULT.b)) is not None
    for text, filters in others:
        expected = _whoosh_count(archive, text) if filters is None else None
        result = archive.search(text, filters, feedback=False)
        assert result.total > 0
        if expected is not None:
            assert result.total == expected


def _block_protocols(index: Path, word: bytes) -> set[int]:
    """The pickle protocol of each stored posting block of a body word."""
    archive = Archive(index)
    protocols = set()
    with archive.ix.searcher() as searcher:
        for sub, _ in searcher.leaf_searchers():
            reader = sub.reader()
            if ("body", word) not in reader:
                continue
            matcher = reader._terms.matcher("body", word, searcher.schema["body"].format)
            while matcher.is_active():
                raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
                data = zlib.decompress(raw) if matcher._compression else raw
                protocols.add(data[1])  # PROTO opcode, then the protocol number
                matcher._next_block()
    return protocols


def test_posting_blocks_are_written_with_pickle_protocol_4(archive):
    assert _block_protocols(archive.index_dir.path, b"the") == {4}


def test_indexes_with_whoosh_protocol_2_blocks_read_the_same(tmp_path, monkeypatch):
    """Indexes written before the change (protocol 2 blocks) rank exactly as new ones."""
    from whoosh.codec import whoosh3

    rng = random.Random(3)
    feed = tmp_path / "feed.jsonl"
    _write(feed, [_article(rng, n, "p") for n in range(200)])
    new = IndexDir(tmp_path / "new")
    Indexer(new).run([str(feed)])
    monkeypatch.setattr(whoosh3, "dumps", lambda obj, protocol=2: pickle.dumps(obj, 2))
    old = IndexDir(tmp_path / "old")
    Indexer(old).run([str(feed)])
    monkeypatch.undo()
    assert _block_protocols(old.path, b"the") == {2} and _block_protocols(new.path, b"the") == {4}
    for text in ("the tram", "ferry pier school", "said"):
        a = Archive(old).search(text, limit=50, snippets=False)
        b = Archive(new).search(text, limit=50, snippets=False)
        assert [(h.id, h.score) for h in a.hits] == [(h.id, h.score) for h in b.hits]
        assert a.total == b.total and not math.isnan(a.hits[0].score)


def test_scores_are_lucene_bm25_computed_by_hand(tmp_path):
    """The score of a one-word query, worked out here from numbers known by construction:
    Lucene's BM25, idf = ln(1 + (N - df + 0.5) / (df + 0.5)), k1 = 1.5, b = 0.5, on the body
    field, which holds the title too, each title word weighing 3 in the word's frequency and
    counting once in the article's length. Whoosh keeps each article's length in one byte:
    lengths up to 10 are exact, 11 is kept as 12 (whoosh.util.numeric.length_to_byte)."""
    filler = "alpha bravo delta echo golf hotel india juliet kilo lima mike oscar papa romeo sierra tango".split()

    def text(n: int, start: int) -> str:
        return " ".join(filler[(start + i) % len(filler)] for i in range(n))

    # id: (title, body) -- "quokka" is in 4 of the 10 articles
    articles = {
        "one-in-4": ("", f"quokka {text(3, 0)}"),
        "two-in-6": ("", f"quokka {text(2, 1)} quokka {text(2, 5)}"),
        "three-in-11": ("", f"{text(4, 2)} quokka quokka {text(4, 7)} quokka"),
        "title-in-9": ("Quokka", text(8, 3)),  # tf 3 (title weight), length 1 + 8
    }
    for n in range(6):
        articles[f"none-{n}"] = ("", text(5 + n, n))
    records = [{"id": key, "title": title, "body": body} for key, (title, body) in articles.items()]
    feed = tmp_path / "feed.jsonl"
    _write(feed, records)
    index = IndexDir(tmp_path / "index")
    Indexer(index).run([str(feed)])

    lengths = {key: len(title.split()) + len(body.split()) for key, (title, body) in articles.items()}
    tfs = {"one-in-4": 1.0, "two-in-6": 2.0, "three-in-11": 3.0, "title-in-9": 3.0}
    assert [lengths[key] for key in tfs] == [4, 6, 11, 9]
    stored_length = {4: 4, 6: 6, 9: 9, 11: 12}  # Whoosh's one-byte length
    n, df = len(articles), len(tfs)
    avg = sum(lengths.values()) / n  # the field's total length is kept exactly
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    k1, b = 1.5, 0.5
    expected = {
        key: idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * stored_length[lengths[key]] / avg))
        for key, tf in tfs.items()
    }
    result = Archive(index).search("quokka", limit=10, snippets=False, feedback=False)
    assert result.total == df
    assert {hit.id: hit.score for hit in result.hits} == pytest.approx(expected, rel=1e-9)
    assert [hit.id for hit in result.hits] == sorted(expected, key=expected.get, reverse=True)
