"""Re-flowing wire copy (readers/reflow.py): prose joined, tables kept line for line, in linear time."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from archive_search.readers.reflow import blocks, reflow

WORDS = st.sampled_from(["grain", "1,204", "--", "Wheat", "of", "the", "X-Includes", "(mln", "bu)", "69.2"])
GAPS = st.sampled_from([" ", " ", " ", "  ", "   ", "       "])
INDENTS = st.sampled_from(["", "", "", " ", "    ", "           "])


@st.composite
def wire_lines(draw) -> str:
    """Lines as wire copy has them: words with gaps, some indented, some blank."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(["", "   "]))
    words = draw(st.lists(WORDS, min_size=1, max_size=6))
    line = draw(INDENTS) + words[0]
    for word in words[1:]:
        line += draw(GAPS) + word
    return line + draw(st.sampled_from(["", "", "  "]))


def _tabular(line: str) -> bool:
    """A run of three spaces between text, computed here on its own."""
    text = line.strip()
    return any(text[i : i + 3] == "   " for i in range(len(text)))


@given(st.lists(wire_lines(), max_size=40))
def test_reflow_keeps_every_word_and_every_tabular_line(lines):
    text = "\n".join(lines)
    out = reflow(text)
    assert out.split() == text.split()  # nothing lost, nothing moved
    kept = {line.strip() for line in out.split("\n")}
    assert [line for line in lines if _tabular(line) and line.strip() not in kept] == []
    assert "\n\n\n" not in out and out == out.strip("\n")
    for block in out.split("\n\n") if out else []:
        assert block.strip(), repr(out)
        rows = block.split("\n")
        if not any(_tabular(row) for row in rows):
            assert rows == [" ".join(block.split())]  # prose: one squashed line (lines kept only in tables)


def test_prose_paragraphs_are_joined_at_their_indents():
    text = "    The board met on Friday and\nagreed to the plan.\n    It will vote\nagain in May.\n"
    assert reflow(text) == "The board met on Friday and agreed to the plan.\n\nIt will vote again in May."


def test_reflow_is_linear_in_the_lines():
    """Runs of indented lines without a table were scanned again from each of their lines."""
    for text in ("   indented prose line\n" * 100_000, " a   b\n" * 100_000, "x\n" * 100_000):
        start = time.perf_counter()
        reflow(text)
        assert time.perf_counter() - start < 5, text[:20]


@given(st.lists(wire_lines(), max_size=30))
def test_blocks_read_back_as_they_were(lines):
    """What a JSON body's blocks give, written out with blank lines between (as an export
    writes a body), gives the same blocks again; words are never lost."""
    text = "\n".join(lines)
    first = blocks(text)
    assert blocks("\n\n".join(first)) == first
    assert " ".join(" ".join(first).split()) == " ".join(text.split())


def test_a_json_body_keeps_its_table_and_squashes_its_prose(tmp_path):
    from conftest import write_jsonl

    from archive_search.readers import parse_bytes

    body = "Grain stocks were   reported\nhigher this week.\n\nCrop     1986    1987\nWheat    2.40    2.55\n\nEnd."
    feed = write_jsonl(tmp_path / "feed.jsonl", [{"id": "t1", "title": "Grain", "body": body}])
    (article,) = [a for a in parse_bytes(feed.read_bytes(), str(feed)) if hasattr(a, "body")]
    assert article.body.split("\n\n") == [
        "Grain stocks were   reported\nhigher this week.",
        "Crop     1986    1987\nWheat    2.40    2.55",
        "End.",
    ]
