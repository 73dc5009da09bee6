"""The fast indexing path gives exactly the analyzers' terms (queries and snippets use the analyzers)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive_search.schema import TITLE_END, body_analyzer, index_terms, text_analyzer


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


@pytest.mark.parametrize(
    "value",
    ["Café Owners\x1eThe owners of a café said", "U.S. e.g. 3.5 x.y.z ÉCOLE naïve", "\x1ebody only", "title only\x1e"],
)
def test_fast_terms_examples(value):
    for titled in (True, False):
        assert index_terms(value, titled) == analyzed(value, titled)
