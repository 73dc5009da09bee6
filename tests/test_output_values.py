"""What every output format says, value by value, against the made-up articles it was indexed from.

The expected values come from the records written here (and README's description of each
format), never from another output of the program.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

import pytest
from conftest import has_colour, run_cli, write_jsonl
from inprocess import invoke

# README, "Using from scripts": the hit object's fields, in order.
FIELDS = [
    *("rank", "score", "id", "title", "authors", "published", "dateline", "source", "url", "path", "snippet"),
    *("tags", "updated", "captured"),  # added later, at the end: the earlier columns keep their places
]

FEED = [
    {
        "id": "lh-1",
        "title": "Lighthouse Keeper Retires After Forty Winters",
        "authors": ["Mara Quist", "Oren Vale"],
        "published": "2014-03-02T08:15:00-05:00",
        "dateline": "CAPE ROSS",
        "source": "The Tidewater Gazette",
        "url": "https://gazette.example/lighthouse-keeper",
        "tags": ["coast"],
        "body": "The lighthouse keeper climbed the stairs one last time on Sunday.\n\nHe said the lamp never failed.",
    },
    {
        "id": "lh-2",
        "title": "Fog Horn Silenced for Repairs",
        "authors": ["Oren Vale"],
        "published": "2016-11-20T22:40:00+01:00",
        "dateline": "NORTH SPIT",
        "source": "Harbor Weekly",
        "url": "https://weekly.example/fog-horn",
        "body": "Crews silenced the fog horn beside the lighthouse while its motor is rebuilt.",
    },
    {
        "id": "lh-3",
        "title": "Ferry Schedule Adds Dawn Crossing",
        "authors": ["Ines Marr"],
        "published": "2012-06-09T05:05:00+00:00",
        "dateline": "EAST LANDING",
        "source": "The Tidewater Gazette",
        "url": "https://gazette.example/dawn-crossing",
        "body": "A dawn crossing will leave the pier under the lighthouse at half past five.",
    },
    {
        "id": "lh-4",
        "title": "Gulls Nest Behind the Café on the Breakwater",
        "authors": ["Mara Quist"],
        "published": "2017-07-30T13:00:00-07:00",
        "dateline": "CAPE ROSS",
        "source": "Harbor Weekly",
        "url": "https://weekly.example/gulls",
        "body": "Gulls have taken over the breakwater; birders watch them from the lighthouse lawn.",
    },
    {
        "id": "lh-5",
        "title": "Seawall Vote Delayed",
        "authors": ["Ines Marr", "Mara Quist"],
        "published": "2015-01-14T17:30:00-05:00",
        "dateline": "SOUTH COVE",
        "source": "The Tidewater Gazette",
        "url": "https://gazette.example/seawall",
        "body": "The council put off its seawall vote; the lighthouse trust asked for more time.",
    },
]
# A second file: two more hits from one path, for `paths`.
SECOND = [
    {
        "id": "pair-1",
        "title": "Lighthouse Museum Opens Wing",
        "authors": ["Pell Ash"],
        "published": "2013-05-05T10:00:00+00:00",
        "dateline": "PORT ELM",
        "source": "Harbor Weekly",
        "url": "https://weekly.example/museum",
        "body": "The lighthouse museum opened a wing of old lenses.",
    },
    {
        "id": "pair-2",
        "title": "Lighthouse Tours Sell Out",
        "authors": ["Pell Ash"],
        "published": "2013-08-17T09:00:00+00:00",
        "dateline": "PORT ELM",
        "source": "Harbor Weekly",
        "url": "https://weekly.example/tours",
        "body": "Summer tours of the lighthouse sold out in an hour.",
    },
    # Nothing but an id, a title and a body: no authors, date, dateline, source or url.
    {"id": "bare", "title": "Driftwood Sculpture Unveiled", "body": "A driftwood sculpture went up by the pier."},
]
RECORDS = {r["id"]: r for r in FEED + SECOND}
# A DNAinfo-style file whose name (so its id and path, which no reader cleans) holds DEL and C1 controls.
ODD_STEM = "odd\x7fname\x9bx"
ODD_TEXT = "Lantern Night\n\nBy Ada Pell | May 3, 2016 9:00am\n\nThe lantern walk passed the old beacon.\n"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("values")
    archive = folder / "archive"
    archive.mkdir()
    write_jsonl(archive / "feed.jsonl", FEED)
    write_jsonl(archive / "second.jsonl", SECOND)
    (archive / f"{ODD_STEM}.txt").write_text(ODD_TEXT, encoding="utf-8")
    index = folder / "index"
    result = run_cli("index", str(archive), "--index", str(index), "-q")
    assert result.exit_code == 0, result.stderr
    paths = {r["id"]: str(archive / "feed.jsonl") for r in FEED} | {
        r["id"]: str(archive / "second.jsonl") for r in SECOND
    }
    return {"index": index, "paths": paths, "odd": str(archive / f"{ODD_STEM}.txt")}


def _search(outputs, *args: str):
    return invoke("search", *args, "--index", str(outputs["index"]))


def _expected_fields(outputs, key: str) -> dict:
    """A hit's fields as README promises them, from the record itself (rank, score and snippet aside)."""
    record = RECORDS[key]
    published, updated = record.get("published"), record.get("updated")
    return {
        "id": key,
        "title": record["title"],
        "authors": record.get("authors", []),
        "published": datetime.fromisoformat(published).isoformat() if published else None,
        "dateline": record.get("dateline", ""),
        "source": record.get("source", ""),
        "url": record.get("url", ""),
        "path": outputs["paths"][key],
        "tags": record.get("tags", []),
        "updated": datetime.fromisoformat(updated).isoformat() if updated else None,
        "captured": None,  # no web-archive capture among these records
    }


LIGHTHOUSE = sorted(key for key, r in RECORDS.items() if "lighthouse" in f"{r['title']} {r['body']}".lower())


def _json_hits(outputs) -> list[dict]:
    result = _search(outputs, "lighthouse", "--format", "json", "-n", "50")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _check_hits(outputs, hits: list[dict]) -> None:
    assert sorted(hit["id"] for hit in hits) == LIGHTHOUSE
    assert [hit["rank"] for hit in hits] == list(range(1, len(LIGHTHOUSE) + 1))
    scores = [hit["score"] for hit in hits]
    assert all(isinstance(s, float) and s > 0 for s in scores) and scores == sorted(scores, reverse=True)
    for hit in hits:
        assert list(hit) == FIELDS
        assert {k: hit[k] for k in FIELDS if k not in ("rank", "score", "snippet")} == _expected_fields(
            outputs, hit["id"]
        )
        record = RECORDS[hit["id"]]
        text = " ".join(f"{record['title']} {record['body']}".split())
        assert "lighthouse" in hit["snippet"].lower()
        for fragment in hit["snippet"].split(" … "):
            assert fragment.strip() in text, (fragment, text)


def test_json_values(outputs):
    _check_hits(outputs, _json_hits(outputs))
    raw = _search(outputs, "lighthouse", "--format", "json", "-n", "50").stdout
    assert '"title": "Gulls Nest Behind the Café on the Breakwater"' in raw  # UTF-8, not \u escapes


def test_a_bare_article_in_every_format(outputs):
    """Fields the record lacks are empty (null for the date) in JSON, empty in rows, left out in plain."""
    (hit,) = json.loads(_search(outputs, "driftwood", "--format", "json").stdout)
    assert {k: hit[k] for k in FIELDS if k not in ("rank", "score", "snippet")} == _expected_fields(outputs, "bare")
    assert hit["published"] is None and hit["authors"] == [] and hit["url"] == ""
    for fmt in ("tsv", "csv"):
        text = _search(outputs, "driftwood", "--format", fmt).stdout
        rows = [line.split("\t") for line in text.splitlines()] if fmt == "tsv" else list(csv.reader(io.StringIO(text)))
        assert rows[1] == _row_values(hit)
        assert [rows[1][FIELDS.index(k)] for k in ("authors", "published", "dateline", "source", "url")] == [""] * 5
    plain = _search(outputs, "driftwood", "--format", "plain").stdout.splitlines()
    assert plain[0] == "[1] Driftwood Sculpture Unveiled"
    assert plain[1].startswith("    id: bare  score: ")
    assert plain[2] == f"    path: {outputs['paths']['bare']}"  # no byline line: there is nothing to show


def test_jsonl_values_are_the_json_hits_one_a_line(outputs):
    result = _search(outputs, "lighthouse", "--format", "jsonl", "-n", "50")
    lines = result.stdout.splitlines()
    assert len(lines) == len(LIGHTHOUSE)
    hits = [json.loads(line) for line in lines]
    _check_hits(outputs, hits)
    assert hits == _json_hits(outputs)


def _row_values(hit: dict) -> list[str]:
    """README: authors (and tags) joined with '; ', null as an empty field."""
    shown = dict(hit, authors="; ".join(hit["authors"]), tags="; ".join(hit["tags"]))
    return ["" if shown[k] is None else str(shown[k]) for k in FIELDS]


@pytest.mark.parametrize("fmt", ["tsv", "csv"])
def test_tabular_values(outputs, fmt):
    result = _search(outputs, "lighthouse", "--format", fmt, "-n", "50")
    assert result.exit_code == 0, result.stderr
    if fmt == "tsv":
        rows = [line.split("\t") for line in result.stdout.splitlines()]
    else:
        rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == FIELDS
    hits = _json_hits(outputs)
    assert len(rows) == 1 + len(hits)
    for row, hit in zip(rows[1:], hits, strict=True):
        assert row == _row_values(hit)
        assert row[FIELDS.index("snippet")]  # snippets in tabular output too
        assert row[FIELDS.index("dateline")] == RECORDS[hit["id"]]["dateline"]


def test_ids_and_paths(outputs):
    hits = _json_hits(outputs)
    ids = _search(outputs, "lighthouse", "--format", "ids", "-n", "50").stdout.splitlines()
    assert ids == [hit["id"] for hit in hits]
    paths = _search(outputs, "lighthouse", "--format", "paths", "-n", "50").stdout.splitlines()
    assert sorted(paths) == sorted(set(outputs["paths"].values()))  # each file once, though several hits share it
    assert paths == list(dict.fromkeys(hit["path"] for hit in hits))  # in the order of their first hit
    nul = _search(outputs, "lighthouse", "--format", "paths", "-n", "50", "-0").stdout
    assert nul.split("\0")[:-1] == paths and nul.endswith("\0")


def test_pages_of_a_date_sorted_search(outputs):
    newest = sorted(LIGHTHOUSE, key=lambda key: _utc(RECORDS[key]["published"]), reverse=True)
    assert len(newest) >= 5
    page = _search(outputs, "lighthouse", "--sort", "newest", "--offset", "2", "-n", "3", "--format", "ids")
    assert page.exit_code == 0 and page.stdout.split() == newest[2:5]
    oldest = list(reversed(newest))
    page = _search(outputs, "lighthouse", "--sort", "oldest", "--offset", "1", "-n", "2", "--format", "ids")
    assert page.stdout.split() == oldest[1:3]
    past_the_end = _search(outputs, "lighthouse", "--sort", "newest", "--offset", "50", "--format", "ids")
    assert past_the_end.stdout == ""


def test_count_and_its_exit_status(outputs):
    found = _search(outputs, "lighthouse", "--count")
    assert (found.exit_code, found.stdout) == (0, f"{len(LIGHTHOUSE)}\n")
    by_place = _search(outputs, "lighthouse", "--count", "--dateline", "cape ross")
    expected = sum(1 for key in LIGHTHOUSE if RECORDS[key]["dateline"] == "CAPE ROSS")
    assert (by_place.exit_code, by_place.stdout) == (0, f"{expected}\n")
    for args in (["quetzalcoatl"], ["lighthouse", "--since", "2030"]):
        none = _search(outputs, *args, "--count")
        assert (none.exit_code, none.stdout) == (1, "0\n"), none.stderr


def test_stats_values(outputs):
    result = invoke("stats", "--index", str(outputs["index"]), "--format", "json")
    assert result.exit_code == 0, result.stderr
    stats = json.loads(result.stdout)
    records = list(RECORDS.values())
    dated = [r for r in records if r.get("published")]
    earliest = min(dated, key=lambda r: _utc(r["published"]))
    latest = max(dated, key=lambda r: _utc(r["published"]))
    assert stats["articles"] == len(records) + 1  # and the DNAinfo file
    # The odd file's byline (May 3, 2016 9:00am, New York) lies between the two.
    assert stats["first_published"] == datetime.fromisoformat(earliest["published"]).isoformat()
    assert stats["last_published"] == datetime.fromisoformat(latest["published"]).isoformat()
    years: dict[int, int] = {2016: 1}
    for r in dated:
        year = datetime.fromisoformat(r["published"]).year
        years[year] = years.get(year, 0) + 1
    assert stats["per_year"] == [{"year": y, "articles": n} for y, n in sorted(years.items())]
    sources = {r["source"] for r in records if r.get("source")} | {"DNAinfo New York"}
    counts = {s: sum(1 for r in records if r.get("source") == s) or 1 for s in sources}
    assert {row["source"]: row["articles"] for row in stats["sources"]} == counts
    authors: dict[str, int] = {"Ada Pell": 1}
    for r in records:
        for name in r.get("authors", []):
            authors[name] = authors.get(name, 0) + 1
    assert {row["author"]: row["articles"] for row in stats["top_authors"]} == authors


# -- what no output writes raw --------------------------------------------------------------


def _no_raw_controls(text: str) -> None:
    raw = [ch for ch in text if ch == "\x7f" or "\x80" <= ch <= "\x9f" or (ch < " " and ch not in "\n\t")]
    assert not raw, raw


@pytest.mark.parametrize("fmt", ["plain", "rich", "ids", "paths", "tsv", "csv"])
def test_del_and_c1_controls_in_ids_and_paths_are_escaped(outputs, fmt):
    result = _search(outputs, "lantern", "--format", fmt, "--color", "never")
    assert result.exit_code == 0, result.stderr
    _no_raw_controls(result.stdout)
    assert "odd\\x7fname\\x9bx" in result.stdout


def test_del_and_c1_controls_are_escaped_by_show_and_json(outputs):
    shown = invoke("show", ODD_STEM, "--index", str(outputs["index"]), "--format", "plain")
    assert shown.exit_code == 0, shown.stderr
    _no_raw_controls(shown.stdout)
    assert "id: odd\\x7fname\\x9bx\n" in shown.stdout
    hits = _search(outputs, "lantern", "--format", "json")
    _no_raw_controls(hits.stdout)
    assert "odd\\u007fname\\u009bx" in hits.stdout  # JSON escapes, which read back as stored
    (hit,) = json.loads(hits.stdout)
    assert (hit["id"], hit["path"]) == (ODD_STEM, outputs["odd"])


# -- colour -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "coloured"),
    [
        ({"TERM": "xterm"}, True),
        ({"TERM": "xterm", "NO_COLOR": ""}, True),  # no-color.org: only a non-empty NO_COLOR counts
        ({"TERM": "xterm", "NO_COLOR": "0"}, False),  # any non-empty value, "0" included
        ({"TERM": "dumb"}, False),
    ],
    ids=["plain-term", "empty-NO_COLOR", "NO_COLOR=0", "dumb"],
)
def test_colour_on_a_terminal(outputs, env, coloured):
    result = invoke("search", "lighthouse", "--index", str(outputs["index"]), env=env, tty=True)
    assert result.exit_code == 0, result.stderr
    assert has_colour(result.stdout) is coloured
    assert ("\x1b[" in result.stdout) is (env.get("TERM") != "dumb")  # NO_COLOR keeps bold and dim
    assert " 1. " in result.stdout  # the terminal view either way
