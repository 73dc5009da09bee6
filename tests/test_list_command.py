"""`archive-search list`: every article (or those the filters match) in a stable order and in
every format; `--fields` for list, search and similar; tags and updated in the hit object."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import DATA, write_jsonl
from inprocess import invoke

from archive_search.model import ENTRY_FIELDS, HIT_FIELDS

# Two feeds, in an order their names do not have, so that path order is the listing's own.
_B = [
    {
        "id": f"b{n}",
        "title": f"Harbour ferry story {n}",
        "body": f"Ferry text {n}.",
        "published": f"2016-0{n}-10T09:00:00+02:00",
    }
    for n in range(1, 4)
]
_A = [
    {
        "id": "a1",
        "title": "Library reopens",
        "body": "The library reopened on Monday with a ferry exhibit.",
        "authors": ["Ines Adeyemi", "Tomas Berg"],
        "published": "2014-03-02T10:00:00-05:00",
        "updated": "2014-03-03T08:00:00-05:00",
        "tags": ["culture", "books"],
        "dateline": "RIVERTON",
        "source": "Harbor Ledger",
    },
    {"id": "a2", "title": "Undated notice", "body": "A notice without any date."},
]


@pytest.fixture(scope="module")
def feeds(tmp_path_factory) -> tuple[Path, list[tuple[str, int, str]]]:
    """An index of the two feeds, and (path, position, id) of every record, as written."""
    folder = tmp_path_factory.mktemp("list")
    b = write_jsonl(folder / "b.jsonl", _B)
    a = write_jsonl(folder / "a.jsonl", _A)
    index = folder / "index"
    result = invoke("index", str(b), str(a), "--index", str(index), "-q")
    assert result.exit_code == 0, result.stderr
    places = [(str(b.resolve()), n, r["id"]) for n, r in enumerate(_B, 1)]
    places += [(str(a.resolve()), n, r["id"]) for n, r in enumerate(_A, 1)]
    return index, places


def listed(index: Path, *args: str) -> list[str]:
    result = invoke("list", "--index", str(index), "--format", "ids", *args)
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout.split()


def test_list_is_in_path_then_position_order(feeds):
    index, places = feeds
    assert listed(index) == [ident for *_, ident in sorted(places)]


def test_list_of_the_sample_archive_has_every_article_once(sample_index):
    ids = listed(sample_index)
    stats = json.loads(invoke("stats", "--index", str(sample_index), "--format", "json").stdout)
    assert len(ids) == len(set(ids)) == stats["articles"]
    dnainfo = sorted(p.stem for p in (DATA / "dnainfo").rglob("*.txt"))
    assert set(dnainfo) <= set(ids)


def test_list_sorts_by_date_with_undated_last(feeds):
    index, _ = feeds
    dated = sorted([*_A, *_B], key=lambda r: r.get("published") or "")
    dated = [r["id"] for r in dated if r.get("published")]
    assert listed(index, "--sort", "oldest") == [*dated, "a2"]
    assert listed(index, "--sort", "newest") == [*reversed(dated), "a2"]


def test_list_limit_and_offset_slice_the_one_order(feeds):
    index, places = feeds
    everything = [ident for *_, ident in sorted(places)]
    assert listed(index, "-n", "2", "--offset", "1") == everything[1:3]
    assert listed(index, "--offset", "4") == everything[4:]
    assert listed(index, "-n", "0") == []


def test_list_filters_like_search(feeds):
    index, _ = feeds
    assert listed(index, "--author", "tomas berg") == ["a1"]
    assert listed(index, "--since", "2016-02", "--until", "2016-03") == ["b2", "b3"]
    assert listed(index, "--source", "harbor ledger", "--place", "riverton") == ["a1"]


def test_list_exit_status_is_1_when_nothing_is_listed_and_json_stays_json(feeds, tmp_path):
    index, _ = feeds
    result = invoke("list", "--index", str(index), "--author", "nobody here", "--format", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (1, [])
    assert invoke("list", "--index", str(index), "--format", "jsonl", "--since", "2030").exit_code == 1
    assert invoke("list", "--index", str(index)).exit_code == 0
    assert invoke("list", "--index", str(tmp_path / "none")).exit_code == 2


def test_list_json_and_jsonl_records_are_the_article_without_its_body(feeds):
    index, places = feeds
    records = json.loads(invoke("list", "--index", str(index), "--format", "json").stdout)
    lines = invoke("list", "--index", str(index), "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == records
    assert [(r["path"], r["position"], r["id"]) for r in records] == sorted(places)
    assert all(list(r) == list(ENTRY_FIELDS) and "body" not in r for r in records)
    a1 = next(r for r in records if r["id"] == "a1")
    assert a1["authors"] == ["Ines Adeyemi", "Tomas Berg"] and a1["tags"] == ["culture", "books"]
    assert (a1["published"], a1["updated"]) == ("2014-03-02T10:00:00-05:00", "2014-03-03T08:00:00-05:00")


def test_list_tsv_csv_plain_and_paths(feeds):
    index, places = feeds
    tsv = invoke("list", "--index", str(index), "--format", "tsv").stdout.splitlines()
    assert tsv[0].split("\t") == list(ENTRY_FIELDS) and len(tsv) == len(places) + 1
    rows = list(csv.reader(io.StringIO(invoke("list", "--index", str(index), "--format", "csv").stdout)))
    assert rows[0] == list(ENTRY_FIELDS) and all(len(row) == len(ENTRY_FIELDS) for row in rows)
    a1 = next(row for row in rows if row[0] == "a1")
    assert a1[ENTRY_FIELDS.index("authors")] == "Ines Adeyemi; Tomas Berg"
    plain = invoke("list", "--index", str(index), "--format", "plain").stdout.splitlines()
    assert plain[0].split("  ") == ["a1", "2014-03-02", "Library reopens"] and len(plain) == len(places)
    assert invoke("list", "--index", str(index), "--format", "paths").stdout.splitlines() == sorted(
        {path for path, *_ in places}
    )
    nul = invoke("list", "--index", str(index), "--format", "ids", "-0").stdout
    assert nul.split("\0")[:-1] == [ident for *_, ident in sorted(places)] and nul.endswith("\0")


def test_list_rich_gives_one_line_an_article_cut_to_the_width(feeds, monkeypatch):
    index, places = feeds
    monkeypatch.setenv("COLUMNS", "30")  # Rich's width where it cannot ask the terminal
    result = invoke("list", "--index", str(index), "--format", "rich")
    lines = result.stdout.splitlines()
    assert result.exit_code == 0 and len(lines) == len(places) and all(len(line) <= 30 for line in lines)


def test_list_escapes_hostile_titles(tmp_path):
    feed = write_jsonl(tmp_path / "evil.jsonl", [{"id": "e1", "title": "Evil \u202e\x1b[31m title", "body": "x"}])
    index = tmp_path / "index"
    assert invoke("index", str(feed), "--index", str(index), "-q").exit_code == 0
    for fmt in ("plain", "tsv", "csv", "json"):
        result = invoke("list", "--index", str(index), "--format", fmt)
        out = result.stdout
        assert result.exit_code == 0 and "\x1b" not in out and "\u202e" not in out, fmt
        assert "u202e" in out, (fmt, out)  # shown as an escape (the reader drops ESC itself)


# -- --fields ---------------------------------------------------------------------


def test_fields_choose_and_order_the_keys_of_list(feeds):
    index, places = feeds
    records = json.loads(invoke("list", "--index", str(index), "--format", "json", "--fields", "published,id").stdout)
    assert [list(r) for r in records] == [["published", "id"]] * len(places)
    tsv = invoke("list", "--index", str(index), "--format", "tsv", "--fields", "id,title").stdout.splitlines()
    assert tsv[0] == "id\ttitle" and tsv[1] == "a1\tLibrary reopens"


def test_fields_choose_and_order_the_keys_of_search_and_similar(sample_index):
    ix = str(sample_index)
    lines = invoke("search", "rent", "--index", ix, "--format", "jsonl", "--fields", "title,rank").stdout.splitlines()
    assert lines and [list(json.loads(line)) for line in lines] == [["title", "rank"]] * len(lines)
    rows = list(
        csv.reader(
            io.StringIO(invoke("search", "rent", "--index", ix, "--format", "csv", "--fields", "id,score").stdout)
        )
    )
    assert rows[0] == ["id", "score"] and all(len(row) == 2 for row in rows) and len(rows) > 1
    similar = invoke("similar", "ny_005_cafe-lumiere-opens", "--index", ix, "--format", "tsv", "--fields", "rank,id")
    assert similar.exit_code == 0 and similar.stdout.splitlines()[:2] == ["rank\tid", "1\tny_013_cafe-lumiere-closes"]


@pytest.mark.parametrize("command", [("search", "rent"), ("similar", "ny_005_cafe-lumiere-opens"), ("list",)])
def test_an_unknown_field_is_exit_2_naming_the_fields(sample_index, command):
    result = invoke(*command, "--index", str(sample_index), "--format", "json", "--fields", "id,colour")
    fields = ENTRY_FIELDS if command == ("list",) else HIT_FIELDS
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"archive-search: error: unknown field 'colour'; fields are: {', '.join(fields)}\n"


@pytest.mark.parametrize("fmt", ["plain", "ids", "paths", "rich"])
def test_fields_with_a_format_without_fields_is_exit_2(sample_index, fmt):
    result = invoke("search", "rent", "--index", str(sample_index), "--format", fmt, "--fields", "id")
    assert result.exit_code == 2 and result.stdout == "" and "--fields needs --format json" in result.stderr


# -- tags and updated in the hit object -------------------------------------------


def test_hits_carry_tags_and_updated_at_the_end(feeds):
    index, _ = feeds
    hit = json.loads(invoke("search", "library", "--index", str(index), "--format", "jsonl").stdout.splitlines()[0])
    assert list(hit)[-3:] == ["tags", "updated", "captured"] and list(hit)[:11] == list(HIT_FIELDS)[:11]
    assert (hit["id"], hit["tags"], hit["updated"]) == ("a1", ["culture", "books"], "2014-03-03T08:00:00-05:00")
    tsv = invoke("search", "library", "--index", str(index), "--format", "tsv").stdout.splitlines()
    header, row = tsv[0].split("\t"), tsv[1].split("\t")
    assert header[:11] == [
        "rank",
        "score",
        "id",
        "title",
        "authors",
        "published",
        "dateline",
        "source",
        "url",
        "path",
        "snippet",
    ]
    assert header[11:] == ["tags", "updated", "captured"] and row[11:] == [
        "culture; books",
        "2014-03-03T08:00:00-05:00",
        "",
    ]


def test_a_file_of_many_records_lists_the_same_when_sorted_by_key_alone(feeds, monkeypatch):
    from archive_search import listing

    index, places = feeds
    whole = invoke("export", "--index", str(index)).stdout
    monkeypatch.setattr(listing, "HELD_PER_FILE", 1)  # every file is "big"
    assert listed(index) == [ident for *_, ident in sorted(places)]
    assert invoke("export", "--index", str(index)).stdout == whole
