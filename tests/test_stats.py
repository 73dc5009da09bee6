"""`stats`: every list accounts for every article, the ones without the field included."""

from __future__ import annotations

import json
import random

from conftest import index_jsonl
from inprocess import invoke


def _records() -> list[dict]:
    rng = random.Random(19)
    records = []
    for n in range(60):
        record = {"id": f"s{n}", "title": f"Story {n}", "body": f"Words of story {n} about the harbour."}
        if n % 4:  # a quarter have no source
            record["source"] = f"Paper {rng.randrange(14)}"  # more sources than the top list shows
        if n % 5:
            record["dateline"] = f"TOWN {rng.randrange(3)}"
        if n % 3:
            record["published"] = f"{2010 + n % 7}-05-0{1 + n % 9}T12:00:00Z"
        records.append(record)
    return records


def test_the_stats_lists_add_up_to_the_articles(tmp_path):
    records = _records()
    index = index_jsonl(tmp_path, records)
    stats = json.loads(invoke("stats", "--index", str(index), "--format", "json").stdout)
    total = len(records)
    shown_sources = sum(row["articles"] for row in stats["sources"])
    assert shown_sources + stats["other_sources"] + stats["without_source"] == total
    assert stats["without_source"] == sum(1 for r in records if "source" not in r)
    assert stats["other_sources"] > 0  # fourteen sources, ten shown
    assert stats["without_dateline"] == sum(1 for r in records if "dateline" not in r)
    assert (
        sum(row["articles"] for row in stats["top_datelines"]) + stats["other_datelines"] + stats["without_dateline"]
        == total
    )
    assert stats["undated"] == sum(1 for r in records if "published" not in r)
    assert stats["without_author"] == total


def test_the_stats_view_shows_the_articles_without_a_source(tmp_path):
    records = _records()
    index = index_jsonl(tmp_path, records)
    text = invoke("stats", "--index", str(index), "--format", "plain").stdout
    missing = sum(1 for r in records if "source" not in r)
    sources = text.split("sources:\n")[1].split("top authors:")[0].split("top datelines:")[0]
    assert f"{missing:>8,}  (none)" in sources
    assert "(other sources)" in sources
    undated = sum(1 for r in records if "published" not in r)
    assert f"{undated:>8,}  (undated)" in text
