"""Structure-aware fuzzing: valid files of every format, mutated, never make a reader raise
anything but InputError (a whole-file problem)."""

from __future__ import annotations

from pathlib import Path

from conftest import DATA
from hypothesis import given
from hypothesis import strategies as st

from archive_search.errors import InputError
from archive_search.model import Article
from archive_search.readers import Problem, parse_bytes

REUTERS_SAMPLE = b"""<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="1" NEWID="1">
<DATE>26-FEB-1987 15:01:01.79</DATE>
<TOPICS><D>grain</D></TOPICS><PLACES><D>usa</D></PLACES>
<TEXT>&#2;
<TITLE>FARMERS PLANT MORE WHEAT</TITLE>
<DATELINE>    CHICAGO, Feb 26 - </DATELINE><BODY>Farmers planted more wheat this year, a survey said.
&#3;</BODY></TEXT>
</REUTERS>
"""

SAMPLES = {
    "story.txt": (DATA / "dnainfo" / "new-york" / "ny_006_bedstuy-rent-strike.txt").read_bytes(),
    "wire.jsonl": (DATA / "feeds" / "wire.jsonl").read_bytes(),
    "page.html": (DATA / "pages" / "harbor-ferry-route.html").read_bytes(),
    "reut2-000.sgm": REUTERS_SAMPLE,
}

mutation = st.tuples(
    st.sampled_from(["delete", "duplicate", "insert", "truncate", "flip"]),
    st.floats(0, 1),
    st.floats(0, 1),
    st.binary(min_size=1, max_size=40),
)


def mutate(data: bytes, steps) -> bytes:
    for kind, a, b, extra in steps:
        i, j = sorted((int(a * len(data)), int(b * len(data))))
        if kind == "delete":
            data = data[:i] + data[j:]
        elif kind == "duplicate":
            data = data[:j] + data[i:j] + data[j:]
        elif kind == "insert":
            data = data[:i] + extra + data[i:]
        elif kind == "truncate":
            data = data[:i]
        elif kind == "flip" and data:
            k = min(i, len(data) - 1)
            data = data[:k] + bytes([data[k] ^ extra[0]]) + data[k + 1 :]
    return data


@given(st.sampled_from(sorted(SAMPLES)), st.lists(mutation, min_size=1, max_size=4))
def test_mutated_files_never_break_a_reader(name, steps):
    data = mutate(SAMPLES[name], steps)
    try:
        items = list(parse_bytes(data, str(Path("/fuzz") / name)))
    except InputError:
        return
    for item in items:
        assert isinstance(item, (Article, Problem))
        if isinstance(item, Article):
            assert item.id and isinstance(item.body, str) and isinstance(item.authors, list)
