"""The fast indexing path gives exactly the analyzers' terms (queries and snippets use the analyzers)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive_search.schema import (
    TITLE_END,
    body_analyzer,
    index_terms,
    matched_tokens,
    stem_counts,
    text_analyzer,
    weighted,
)


def analyzed(value: str, titled: bool) -> list[tuple[str, int, float]]:
    analyzer = body_analyzer() if titled else text_analyzer()
    return [(t.text, t.pos, t.boost) for t in analyzer(value, positions=True, boosts=True)]


WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)


@given(WORDS, st.booleans())
def test_fast_terms_equal_analyzer_terms(value, titled):
    assert index_terms(value, titled) == analyzed(value, titled)


@given(WORDS, WORDS)
def test_fast_terms_equal_analyzer_terms_for_title_and_body(title, body):
    value = f"{title}{TITLE_END}{body}"
    assert index_terms(value, True) == analyzed(value, True)


@given(WORDS, WORDS)
def test_term_weights_are_the_sums_of_the_analyzer_boosts(title, body):
    value = f"{title}{TITLE_END}{body}"
    expected: dict[str, float] = {}
    for stem, _, boost in analyzed(value, True):
        expected[stem] = expected.get(stem, 0.0) + boost
    assert weighted(*stem_counts(value)) == expected


@given(WORDS, st.lists(st.sampled_from(["cafe", "own", "the", "run", "a", "x", "é"]), max_size=4))
def test_matched_tokens_are_the_highlighters_tokens(value, words):
    """Same words, offsets and matches as Whoosh's highlight() makes of the analyzer, and
    so the same passages."""
    from whoosh import highlight

    termset = frozenset(words) | frozenset(t.text for t in list(text_analyzer()(value))[::3])
    ours = [(t.text, t.startchar, t.endchar, t.matched) for t in matched_tokens(value, termset)]
    theirs = highlight.set_matched_filter(text_analyzer()(value, chars=True, mode="query", removestops=False), termset)
    assert ours == [(t.text, t.startchar, t.endchar, t.matched) for t in theirs]

    def passages(tokens):
        fragments = highlight.ContextFragmenter(maxchars=40, surround=10).fragment_tokens(value, tokens)
        return [(f.startchar, f.endchar, [(t.startchar, t.endchar) for t in f.matches]) for f in fragments]

    assert passages(matched_tokens(value, termset)) == passages(
        highlight.set_matched_filter(text_analyzer()(value, chars=True, mode="query", removestops=False), termset)
    )


@pytest.mark.parametrize(
    "value",
    ["Café Owners\x1eThe owners of a café said", "U.S. e.g. 3.5 x.y.z ÉCOLE naïve", "\x1ebody only", "title only\x1e"],
)
def test_fast_terms_examples(value):
    for titled in (True, False):
        assert index_terms(value, titled) == analyzed(value, titled)


def test_stem_cache_overflow_gives_the_same_terms(monkeypatch):
    import archive_search.schema as schema

    monkeypatch.setattr(schema, "_STEM_CACHE_MAX", 3)
    text = "Tenants running meetings ran; landlords' buildings rented. Café owners cafés"
    assert index_terms(text, False) == analyzed(text, False)
    assert len(schema._stem_cache) <= 10


def test_fast_segment_writer_writes_the_same_segment_as_whoosh(tmp_path):
    """The writer with lengths in memory gives byte-for-byte Whoosh's own segment files."""
    from conftest import DATA
    from whoosh.index import create_in
    from whoosh.writing import SegmentWriter

    from archive_search.readers import parse_bytes
    from archive_search.schema import build_schema, document_fields
    from archive_search.whoosh_ext.segments import FastSegmentWriter

    articles = [
        item
        for path in sorted((DATA).rglob("*"))
        if path.is_file() and path.suffix in (".txt", ".html", ".jsonl", ".json")
        for item in parse_bytes(path.read_bytes(), str(path))
        if not hasattr(item, "reason")
    ]
    assert len(articles) > 20
    files = {}
    for name, writer_class in (("whoosh", SegmentWriter), ("fast", FastSegmentWriter)):
        folder = tmp_path / name
        folder.mkdir()
        ix = create_in(str(folder), build_schema())
        writer = writer_class(ix, compound=False)
        for article in articles:
            writer.add_document(**document_fields(article, None))
        writer.commit()
        files[name] = {
            p.name.split(".", 1)[1]: p.read_bytes() for p in folder.iterdir() if "." in p.name and ".toc" not in p.name
        }
    assert files["fast"].keys() == files["whoosh"].keys() and "pst" in files["fast"]
    for kind, data in files["whoosh"].items():
        assert files["fast"][kind] == data, kind


def test_stored_fields_read_the_same_with_or_without_written_offsets(tmp_path, monkeypatch):
    """New segments store their stored fields' offsets ("X" at the column's end); segments
    written by Whoosh's own column (no offsets under 32,768 articles) read the same."""
    import json

    from whoosh import columns
    from whoosh.codec import whoosh3

    from archive_search.archive import Archive
    from archive_search.indexing.indexer import Indexer
    from archive_search.store import IndexDir

    feed = tmp_path / "feed.jsonl"
    records = [{"id": f"n{i}", "title": f"Item {i}", "body": "word " * (i % 7 + 1) + str(i)} for i in range(300)]
    feed.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")

    def build(name: str) -> Archive:
        index = IndexDir(tmp_path / name)
        Indexer(index).run([str(feed)])
        return Archive(index)

    def column_ends(archive: Archive) -> set[bytes]:
        folder = archive.index_dir.path
        return {p.read_bytes()[-1:] for p in folder.iterdir() if p.name.endswith("._stored.col")}

    new = build("new")
    whoosh_own = columns.PickleColumn(columns.CompressedBytesColumn())
    monkeypatch.setattr("archive_search.whoosh_ext.codec.STORED_COLUMN", whoosh_own)
    monkeypatch.setattr(whoosh3, "STORED_COLUMN", whoosh_own)
    old = build("old")
    monkeypatch.undo()
    assert column_ends(new) == {b"X"} and column_ends(old) != {b"X"}
    for archive in (Archive(new.index_dir), Archive(old.index_dir)):
        hits = archive.search("word", limit=300, snippets=False).hits
        assert sorted(h.id for h in hits) == sorted(r["id"] for r in records)
        assert archive.get("n123").body == records[123]["body"]
