"""search --queries FILE: many queries in one process, each hit tagged with its query's id,
checked against the same queries run one command each."""

from __future__ import annotations

import csv
import io
import json

from conftest import assert_no_traceback, run_cli
from hypothesis import given
from hypothesis import strategies as st
from inprocess import invoke

QUERIES = ["bike lane", "ferry", "rent", "zzyzxnothing", "school budget"]


def single(index, query: str, *options: str) -> list[dict]:
    """One query's hits as its own command prints them."""
    result = invoke("search", query, "--index", str(index), "--format", "jsonl", *options)
    assert result.exit_code in (0, 1), result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def batch(index, tmp_path, lines: list[str], *options: str, name: str = "queries.txt"):
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return invoke("search", "--queries", str(path), "--index", str(index), *options), path


def test_every_hit_as_the_query_run_alone_gives_it(sample_index, tmp_path):
    result, _ = batch(sample_index, tmp_path, QUERIES)
    assert result.exit_code == 0, result.stderr
    got = [json.loads(line) for line in result.stdout.splitlines()]
    expected = []
    for number, query in enumerate(QUERIES, start=1):
        expected += [{"query_id": str(number), **hit} for hit in single(sample_index, query)]
    assert got == expected
    assert {hit["query_id"] for hit in got} == {"1", "2", "3", "5"}  # the fourth matches nothing


def test_json_lines_carry_ids_filters_and_pages(sample_index, tmp_path):
    lines = [
        json.dumps({"id": "ferries", "query": "ferry", "limit": 1}),
        json.dumps({"id": 7, "query": "bike", "since": "2015", "sort": "newest"}),
        json.dumps({"query": "bike", "source": ["DNAinfo Chicago"], "offset": 1}),
        "",
        "bike lane",
    ]
    result, _ = batch(sample_index, tmp_path, lines, "--until", "2017")
    assert result.exit_code == 0, result.stderr
    got: dict[str, list[dict]] = {}
    for line in result.stdout.splitlines():
        hit = json.loads(line)
        got.setdefault(hit.pop("query_id"), []).append(hit)
    assert got["ferries"] == single(sample_index, "ferry", "-n", "1", "--until", "2017")
    assert got["7"] == single(sample_index, "bike", "--since", "2015", "--sort", "newest", "--until", "2017")
    assert got["3"] == single(sample_index, "bike", "--source", "DNAinfo Chicago", "--offset", "1", "--until", "2017")
    assert got["5"] == single(sample_index, "bike lane", "--until", "2017")  # line 5: blank lines count


def test_tsv_csv_and_json(sample_index, tmp_path):
    tsv, _ = batch(sample_index, tmp_path, QUERIES, "--format", "tsv", "--fields", "query_id,id,rank")
    rows = [line.split("\t") for line in tsv.stdout.splitlines()]
    assert rows[0] == ["query_id", "id", "rank"]
    assert [r[1] for r in rows[1:] if r[0] == "2"] == [h["id"] for h in single(sample_index, "ferry")]
    table = list(csv.reader(io.StringIO(batch(sample_index, tmp_path, QUERIES, "--format", "csv")[0].stdout)))
    assert table[0][:3] == ["query_id", "rank", "score"] and len(table) == len(rows)
    whole = json.loads(batch(sample_index, tmp_path, QUERIES, "--format", "json")[0].stdout)
    assert [h["id"] for h in whole] == [r[1] for r in rows[1:]]
    empty, _ = batch(sample_index, tmp_path, ["zzyzxnothing"], "--format", "json")
    assert (empty.exit_code, empty.stdout) == (1, "[]\n")


def test_counts_per_query(sample_index, tmp_path):
    result, _ = batch(sample_index, tmp_path, QUERIES, "--count", "--format", "tsv")
    assert result.exit_code == 0
    counts = dict(line.split("\t") for line in result.stdout.splitlines()[1:])
    for number, query in enumerate(QUERIES, start=1):
        alone = invoke("search", query, "--count", "--index", str(sample_index))
        assert counts[str(number)] == alone.stdout.strip()


def test_bad_lines_are_reported_by_number_and_the_rest_answered(sample_index, tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes(
        b"ferry\n"
        b"{not json\n"
        b'{"query": "rent", "colour": "red"}\n'
        b"caf\xe9\n"
        b'{"query": "rent", "since": "someday"}\n'
        b"[1, 2]\n" + b"x" * 100_001 + b"\n"  # not an object: a query text that happens to start with [
        b"bike lane\n"
    )
    result = invoke("search", "--queries", str(path), "--index", str(sample_index), "--format", "tsv")
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    assert [e.split(": ")[2] for e in errors] == [f"{path} line {n}" for n in (2, 3, 4, 5, 7)]
    assert "unknown key 'colour'" in errors[1] and "not UTF-8" in errors[2] and "someday" in errors[3]
    ids = {line.split("\t")[0] for line in result.stdout.splitlines()[1:]}
    assert {"1", "8"} <= ids
    assert_no_traceback(result.stderr)


def test_stdin_and_the_usage_errors(sample_index, tmp_path):
    piped = run_cli("search", "--queries", "-", "--index", str(sample_index), "--format", "ids")
    assert piped.exit_code == 2 and "writes jsonl, json, tsv, csv" in piped.stderr
    piped = run_cli("search", "--queries", "-", "--index", str(sample_index), input=b"ferry\nrent\n")
    assert piped.exit_code == 0 and {json.loads(x)["query_id"] for x in piped.stdout.splitlines()} == {"1", "2"}
    both = invoke("search", "ferry", "--queries", "-", "--index", str(sample_index))
    assert both.exit_code == 2 and "not both" in both.stderr
    folder = invoke("search", "--queries", str(tmp_path), "--index", str(sample_index))
    assert folder.exit_code == 2 and "is a directory" in folder.stderr and folder.stderr.count("\n") == 1
    missing = invoke("search", "--queries", str(tmp_path / "nope"), "--index", str(sample_index))
    assert missing.exit_code == 2 and "cannot read --queries" in missing.stderr
    facet = invoke("search", "--queries", "-", "--facet", "source", "--index", str(sample_index))
    assert facet.exit_code == 2 and "one query at a time" in facet.stderr


@given(st.lists(st.binary(max_size=40), max_size=6))
def test_any_file_gives_an_answer_or_errors_by_line(sample_index, tmp_path_factory, chunks):
    path = tmp_path_factory.mktemp("q") / "q.txt"
    path.write_bytes(b"\n".join(chunks))
    result = invoke("search", "--queries", str(path), "--index", str(sample_index), "--format", "jsonl")
    assert result.exit_code in (0, 1, 2)
    assert_no_traceback(result.stderr)
    for line in result.stderr.splitlines():
        assert line.startswith(f"archive-search: error: {path} line ") or line.startswith("archive-search: note: ")
    for line in result.stdout.splitlines():
        assert "query_id" in json.loads(line)


def test_a_co_process_batch_sees_what_was_indexed_meanwhile(tmp_path):
    """A long batch (a script feeding queries and reading each answer) sees each commit,
    as a search run alone would: its searcher is kept open, and refreshed after a commit."""
    import subprocess
    import sys

    from conftest import write_jsonl

    feed = tmp_path / "feed"
    write_jsonl(feed / "a.jsonl", [{"id": "one", "title": "Ferry", "body": "A new ferry route. " * 5}])
    index = tmp_path / "index"
    assert run_cli("index", str(feed), "--index", str(index)).exit_code == 0
    batch = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archive_search",
            "search",
            "--queries",
            "-",
            "--count",
            "--format",
            "tsv",
            "--index",
            str(index),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        batch.stdin.write("ferry\n")
        batch.stdin.flush()
        assert batch.stdout.readline() == "query_id\tcount\n"
        assert batch.stdout.readline() == "1\t1\n"
        write_jsonl(feed / "b.jsonl", [{"id": "two", "title": "Ferry", "body": "The ferry again. " * 5}])
        assert run_cli("index", str(feed), "--index", str(index)).exit_code == 0
        batch.stdin.write("ferry\n")
        batch.stdin.flush()
        assert batch.stdout.readline() == "2\t2\n"
        batch.stdin.close()
        assert batch.wait(timeout=60) == 0
    finally:
        batch.kill()
