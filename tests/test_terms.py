"""`terms`: significant words and phrases, checked against counts made here from the fixture's text."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from itertools import pairwise

import pytest
from conftest import index_jsonl
from inprocess import invoke

from archive_search.schema import stems

PLACES = ["park", "school", "library", "bridge", "market", "station", "garden", "plaza"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
TOPIC = 12  # articles about the harbor: the query's
OTHER = 40


def _common(i: int) -> str:
    """A sentence every article has: its words are everywhere, so never significant."""
    return f"The city said work began near the {PLACES[i % len(PLACES)]} on {DAYS[i % len(DAYS)]}."


def _records() -> list[dict]:
    records = []
    for i in range(TOPIC):
        # The word before "dredging" varies, so that no phrase stands for it.
        verb = ["needs", "awaits", "plans"][i % 3]
        body = _common(i) + (f" The harbor {verb} dredging." if i < TOPIC - 1 else " The harbor needs paint.")
        body += " A silt barge waited." if i < 6 else ""
        author = "Ana Ruiz" if i % 2 == 0 else "Tom Becker"
        records.append(_record(f"topic-{i}", body, author, i))
    for i in range(OTHER):
        body = _common(i + 3) + " The park needs benches. A bus waited."
        records.append(_record(f"other-{i}", body, "Lee Park", i))
    return records


def _record(ident: str, body: str, author: str, i: int) -> dict:
    return {
        "id": ident,
        "title": f"Report {i}",
        "body": body,
        "authors": [author],
        "published": f"2016-03-{i % 28 + 1:02d}T10:00:00-05:00",
    }


RECORDS = _records()


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return index_jsonl(tmp_path_factory.mktemp("terms"), RECORDS)


def _words(record: dict) -> list[str]:
    return stems(record["title"]) + stems(record["body"])


def _df(stem_or_pair: str, records: list[dict]) -> int:
    """Articles whose title or body holds the stem, or the two stems side by side."""
    parts = stem_or_pair.split(" ")
    found = 0
    for record in records:
        texts = [stems(record["title"]), stems(record["body"])]
        if len(parts) == 1:
            found += any(parts[0] in words for words in texts)
        else:
            found += any(tuple(parts) in set(pairwise(words)) for words in texts)
    return found


def _g2(a: int, n: int, df: int, total: int) -> float:
    """G² as 2N times the mutual information of the 2x2 table, from its cells' entropies."""
    cells = [a, n - a, df - a, total - n - df + a]
    rows, cols = [n, total - n], [df, total - df]

    def xlogx(values):
        return sum(v * math.log(v) for v in values if v)

    return 2 * (xlogx(cells) - xlogx(rows) - xlogx(cols) + xlogx([total]))


def _json(index, *args: str) -> dict:
    result = invoke("terms", *args, "--index", str(index), "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_planted_word_ranks_first_and_the_everywhere_word_is_absent(index):
    data = _json(index, "harbor")
    stems_listed = [t["stem"] for t in data["terms"]]
    assert data["terms"][0]["term"] == "dredging"
    assert data["terms"][0]["significant"] is True
    for everywhere in ("citi", "said", "work", "began", "report", "need", "harbor"):
        assert everywhere not in stems_listed
    assert data["left_out"] == ["harbor"]
    assert "paint" not in stems_listed  # one article: under the default --min-count of 2


def test_counts_are_those_of_the_fixture_text(index):
    data = _json(index, "harbor")
    topic = [r for r in RECORDS if "harbor" in _words(r)]
    assert (data["matched"], data["sampled"], data["background"]) == (len(topic), len(topic), len(RECORDS))
    assert data["terms"]
    for term in data["terms"]:
        assert term["foreground"] == _df(term["stem"], topic), term
        assert term["background"] == _df(term["stem"], RECORDS), term


def test_scores_are_the_log_likelihood_of_the_counts(index):
    data = _json(index, "harbor")
    n, total = data["sampled"], data["background"]
    for term in data["terms"]:
        expected = _g2(term["foreground"], n, term["background"], total)
        assert term["score"] == pytest.approx(expected, abs=1e-3), term
        assert term["significant"] is (expected > 10.83)
    scores = [t["score"] for t in data["terms"]]
    assert scores == sorted(scores, reverse=True)


def test_a_phrase_is_found_and_stands_for_its_words(index):
    data = _json(index, "harbor")
    phrases = {t["term"]: t for t in data["terms"] if t["kind"] == "phrase"}
    assert "silt barge" in phrases
    assert phrases["silt barge"]["stem"] == "silt barg"
    assert (phrases["silt barge"]["foreground"], phrases["silt barge"]["background"]) == (6, 6)
    # Every article with "silt" or "barge" has the phrase: the words are left to it.
    assert not {"silt", "barg"} & {t["stem"] for t in data["terms"] if t["kind"] == "word"}


def test_phrase_counts_agree_with_whoosh_phrase_queries(index):
    from whoosh import query as wq

    from archive_search.archive import Archive
    from archive_search.terms import phrase_frequency

    archive = Archive(index)
    with archive._searcher() as searcher:
        for pair in [("silt", "barg"), ("barg", "silt"), ("citi", "said"), ("bus", "wait"), ("harbor", "need")]:
            expected = sum(1 for _ in wq.Phrase("body", list(pair)).docs(searcher))
            assert phrase_frequency(searcher, *pair) == expected, pair


def test_a_sample_smaller_than_the_matches_says_so(index):
    result = invoke("terms", "harbor", "--sample", "5", "--index", str(index), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["matched"], data["sampled"]) == (TOPIC, 5)
    assert "read the 5 best-ranked of 12 matching articles" in result.stderr
    plain = invoke("terms", "harbor", "--sample", "5", "--index", str(index))
    assert "of the 5 read (the best-ranked of 12 matching)" in plain.stdout


def test_filters_narrow_the_foreground(index):
    data = _json(index, "harbor", "--author", "Ana Ruiz")
    hers = [r for r in RECORDS if "harbor" in _words(r) and r["authors"] == ["Ana Ruiz"]]
    assert (data["matched"], data["sampled"]) == (len(hers), len(hers))
    dredging = next(t for t in data["terms"] if t["stem"] == "dredg")
    assert dredging["foreground"] == _df("dredg", hers)
    assert dredging["background"] == _df("dredg", RECORDS)


def test_min_count_and_top(index):
    data = _json(index, "harbor", "--min-count", "7", "--top", "3")
    assert len(data["terms"]) <= 3
    assert data["min_count"] == 7
    assert all(t["foreground"] >= 7 for t in data["terms"])


def test_plain_is_a_table_with_the_totals_under_it(index):
    result = invoke("terms", "harbor", "--index", str(index))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["term", "kind", "fg", "bg", "score"]
    assert lines[1].split()[:4] == ["dredging", "word", "11", "11"]
    assert lines[1].endswith("*")
    assert "bg: articles containing it of the 52 in the archive" in result.stdout
    assert "left out, as words of the query: harbor" in result.stdout


def test_tsv_csv_and_jsonl_have_a_term_a_row(index):
    data = _json(index, "harbor")
    tsv = invoke("terms", "harbor", "--index", str(index), "--format", "tsv").stdout.splitlines()
    assert tsv[0].split("\t") == ["term", "stem", "kind", "foreground", "background", "score", "significant"]
    assert tsv[1].split("\t")[:5] == ["dredging", "dredg", "word", "11", "11"]
    assert tsv[1].split("\t")[6] == "true"
    rows = list(csv.reader(io.StringIO(invoke("terms", "harbor", "--index", str(index), "--format", "csv").stdout)))
    assert len(rows) == len(data["terms"]) + 1
    jsonl = invoke("terms", "harbor", "--index", str(index), "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line) for line in jsonl] == data["terms"]


def test_rich_fits_the_terminal(index):
    result = invoke("terms", "harbor", "--index", str(index), "--format", "rich", width=60)
    assert result.exit_code == 0, result.stderr
    assert "dredging" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 60


def test_nothing_matching_exits_1_and_json_stays_json(index):
    result = invoke("terms", "zeppelin", "--index", str(index), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["matched"], data["terms"]) == (0, [])
    assert invoke("terms", "zeppelin", "--index", str(index)).stdout == ""


def test_no_term_standing_out_exits_1_and_says_what_to_try(index):
    result = invoke("terms", "harbor", "--min-count", "12", "--index", str(index))
    assert result.exit_code == 1
    assert "try a lower --min-count or a larger --sample" in result.stderr


def test_an_empty_query_is_an_error_saying_what_to_give(index):
    result = invoke("terms", "--index", str(index))
    assert result.exit_code == 2
    assert "give some words" in result.stderr


def test_a_format_terms_does_not_write_is_refused(index):
    result = invoke("terms", "harbor", "--index", str(index), "--format", "ids")
    assert result.exit_code == 2
    assert "use one of: auto, rich, plain, json, jsonl, tsv, csv" in result.stderr


def test_the_cli_defaults_are_the_library_defaults():
    from archive_search import cli_terms, terms

    assert (cli_terms.SAMPLE, cli_terms.TOP) == (terms.DEFAULT_SAMPLE, terms.DEFAULT_TOP)


def test_piped_terms_does_not_load_rich(index):
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "archive_search",
            "terms",
            "harbor",
            "-f",
            "jsonl",
            "-i",
            str(index),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "whoosh.searching" in modules
    assert "rich.console" not in modules
