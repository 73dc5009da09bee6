"""The latent space of the archive's words (latent.py): fitting, storing, and its use by the CLI."""

from __future__ import annotations

import random
import shutil

import numpy as np
import pytest
from conftest import DATA, run_cli
from hypothesis import example, given
from hypothesis import strategies as st

from archive_search.ranking.config import RankingConfig
from archive_search.ranking.latent import LatentSpace, article_words, fit, sample_ids

# Two subjects with no word in common, each written several ways.
TRANSIT = [
    "Riders waited on the platform as the train stalled near the station.",
    "Commuters said the train line needs new signals at every station.",
    "The transit agency added train cars; commuters on the platform cheered.",
    "Signal repairs will close the station platform, the transit agency said.",
    "Night trains skip the station while commuters ride shuttle buses.",
]
BAKING = [
    "The bakery sells bread, rolls and pastries baked each morning.",
    "A new deli serves sandwiches, soup and fresh bread on the corner.",
    "Chefs at the diner bake pastries and make soup for lunch crowds.",
    "The sandwich shop added soup and rolls to its lunch menu.",
    "Customers lined up for fresh rolls and pastries at the bakery.",
]


def words(text: str) -> dict[str, float]:
    return article_words("", text)


def test_articles_on_one_subject_are_close_in_other_words():
    space = fit(
        (words(text) for text in TRANSIT + BAKING), RankingConfig(latent_dims=2)
    )  # two subjects, two dimensions
    assert space is not None
    commute = space.project(words("commuters at the station"))
    train = space.project(words("a train on the platform"))
    bread = space.project(words("bread and pastries"))
    assert commute is not None and train is not None and bread is not None
    # no word shared between the first two, yet they are near; the third is far from both
    assert commute @ train > 0.9
    assert abs(commute @ bread) < 0.2 and abs(train @ bread) < 0.2


def test_the_space_is_the_leading_singular_subspace():
    """The randomized SVD finds what a dense SVD of the same weighted matrix finds."""
    rng = random.Random(7)
    vocabulary = [f"w{n:02d}" for n in range(40)]
    docs = [{w: float(rng.randint(1, 3)) for w in rng.sample(vocabulary, 8)} for _ in range(60)]
    space = fit(docs, RankingConfig(latent_dims=5))
    assert space is not None
    column = {w: n for n, w in enumerate(space.words)}
    df = np.zeros(len(column))
    for doc in docs:
        for w in doc:
            if w in column:
                df[column[w]] += 1
    idf = np.log(len(docs) / df)
    dense = np.zeros((len(docs), len(column)))
    for row, doc in enumerate(docs):
        for w, tf in doc.items():
            if w in column:
                dense[row, column[w]] = (1 + np.log(tf)) * idf[column[w]]
    _, _, vt = np.linalg.svd(dense, full_matrices=False)
    # the same 5-dimensional subspace: projecting one basis on the other loses nothing
    overlap = np.linalg.svd(vt[:5] @ space.vectors, compute_uv=False)
    assert overlap.min() > 0.99


def test_too_few_articles_give_no_space():
    assert fit([]) is None
    assert fit([words("one lonely article")]) is None


def test_words_the_space_never_saw_place_nothing():
    space = fit(words(text) for text in TRANSIT + BAKING)
    assert space.project(words("zebra xylophone")) is None
    assert space.project({}) is None


def test_saved_space_loads_the_same(tmp_path):
    space = fit(words(text) for text in TRANSIT + BAKING)
    space.save(tmp_path / "latent.npz")
    again = LatentSpace.load(tmp_path / "latent.npz")
    assert list(again.words) == list(space.words)
    assert np.array_equal(again.vectors, space.vectors) and np.array_equal(again.idf, space.idf)
    assert [p.name for p in tmp_path.iterdir()] == ["latent.npz"]  # no temporary file left


def test_damaged_or_missing_space_raises_what_callers_handle(tmp_path):
    with pytest.raises(FileNotFoundError):
        LatentSpace.load(tmp_path / "none.npz")
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError):
        LatentSpace.load(tmp_path / "bad.npz")


def test_sample_is_the_same_whatever_the_order():
    ids = [f"article-{n}" for n in range(500)]
    chosen = sample_ids(ids, 50)
    shuffled = ids[:]
    random.Random(3).shuffle(shuffled)
    assert sample_ids(shuffled, 50) == chosen
    assert len(chosen) == 50 and chosen == sorted(chosen) and set(chosen) <= set(ids)
    assert sample_ids(ids[:10], 50) == sorted(ids[:10])


_WORD = st.sampled_from(["rent", "park", "ferry", "storm", "school", "bakery", "budget", "vote", "fire", "bike"])


@given(st.lists(st.dictionaries(_WORD, st.integers(1, 5).map(float), max_size=6), max_size=12))
@example(
    [{"rent": 1.0, "park": 2.0, "ferry": 1.0}, {"rent": 1.0, "park": 1.0, "storm": 3.0}, {"ferry": 1.0, "storm": 1.0}]
)
@example([{"rent": 1.0, "park": 1.0}, {"rent": 2.0, "park": 1.0}])  # 2 articles: a space of 1 dimension, declined
def test_any_archive_fits_or_declines_and_projects_to_unit_vectors(docs):
    """fit() declines only when the archive cannot give a space of 2 or more dimensions:
    rank min(k, articles - 1, placed words - 1), the articles counted among the non-empty
    ones and a word placed once it is in latent_min_df (2) of them."""
    articles = [doc for doc in docs if doc]
    df: dict[str, int] = {}
    for doc in articles:
        for word in doc:
            df[word] = df.get(word, 0) + 1
    placed = sorted(word for word, n in df.items() if n >= 2)
    rank = min(4, len(articles) - 1, len(placed) - 1)
    space = fit(docs, RankingConfig(latent_dims=4))
    if rank < 2:
        assert space is None
        return
    assert space is not None, (rank, placed)
    assert list(space.words) == placed and space.vectors.shape == (len(placed), rank)
    assert space.fitted_on == len(articles)
    assert np.allclose(space.idf, [np.log(len(articles) / df[word]) for word in placed])
    assert np.isfinite(space.vectors).all() and np.isfinite(space.idf).all()
    for doc in docs:
        vector = space.project(doc)
        if not set(doc) & set(placed):
            assert vector is None
        assert vector is None or abs(float(np.linalg.norm(vector)) - 1) < 1e-6


# -- through the CLI ---------------------------------------------------------------------------


def test_indexing_fits_the_space_and_again_once_the_archive_has_changed_enough(tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(DATA, archive)
    index = tmp_path / "index"
    first = run_cli("index", str(archive), "--index", str(index))
    assert first.exit_code == 0 and "latent space fitted to 40 articles" in first.stderr
    latent = index / "latent.npz"
    fitted = latent.stat().st_mtime_ns
    again = run_cli("index", str(archive), "--index", str(index))
    assert again.exit_code == 0 and "latent space" not in again.stderr
    assert latent.stat().st_mtime_ns == fitted  # nothing changed: not fitted again
    shutil.rmtree(archive / "pages")  # 2 of 40 articles: within RankingConfig.latent_drift, the space still serves
    assert run_cli("index", str(archive), "--index", str(index), "-q").exit_code == 0
    assert latent.stat().st_mtime_ns == fitted
    shutil.rmtree(archive / "dnainfo" / "chicago")  # 15 more: fitted again
    assert run_cli("index", str(archive), "--index", str(index), "-q").exit_code == 0
    assert latent.stat().st_mtime_ns != fitted


def test_a_damaged_space_is_left_out_with_a_note_and_the_next_run_mends_it(tmp_path):
    index = tmp_path / "index"
    assert run_cli("index", str(DATA), "--index", str(index), "-q").exit_code == 0
    good = run_cli("search", "bike lane", "--index", str(index), "--format", "ids")
    (index / "latent.npz").write_bytes(b"damaged")
    damaged = run_cli("search", "bike lane", "--index", str(index), "--format", "ids")
    bike_lanes = {"ny_002_columbus-bike-lane", "chi_002_milwaukee-bike-lane"}
    assert set(good.stdout.split()[:2]) == bike_lanes
    assert damaged.exit_code == 0 and set(damaged.stdout.split()[:2]) == bike_lanes
    assert "latent.npz cannot be read" in damaged.stderr
    assert "Run archive-search index on the archive again" in damaged.stderr
    assert "Traceback" not in damaged.stderr
    assert run_cli("index", str(DATA), "--index", str(index), "-q").exit_code == 0  # nothing changed
    mended = run_cli("search", "bike lane", "--index", str(index), "--format", "ids")
    assert mended.exit_code == 0 and mended.stderr == "" and mended.stdout == good.stdout


def test_an_archive_too_small_to_fit_has_no_space_and_still_searches(tmp_path):
    feed = tmp_path / "one.jsonl"
    feed.write_text('{"id": "only", "title": "Ferry", "body": "The ferry leaves at noon."}\n', encoding="utf-8")
    index = tmp_path / "index"
    assert run_cli("index", str(feed), "--index", str(index), "-q").exit_code == 0
    assert not (index / "latent.npz").exists()
    result = run_cli("search", "ferry", "--index", str(index), "--format", "ids")
    assert result.exit_code == 0 and result.stdout.split() == ["only"]


def test_a_large_archive_is_fitted_on_a_sample_the_same_every_time(tmp_path):
    from archive_search import IndexDir, Indexer, RankingConfig

    config = RankingConfig(latent_sample=12)  # data/ has 40 articles
    spaces = []
    for name in ("a", "b"):
        stats = Indexer(IndexDir(tmp_path / name), ranking=config).run([str(DATA)])
        assert stats.total_articles == 40 and stats.latent_fitted == 12
        spaces.append(LatentSpace.load(tmp_path / name / "latent.npz"))
    assert spaces[0].articles == 40  # the archive's size when fitted, for the refit rule
    assert list(spaces[0].words) == list(spaces[1].words)
    assert np.array_equal(spaces[0].vectors, spaces[1].vectors)


def test_a_word_without_end_gets_no_place_and_costs_nothing():
    blob = "QUJD" * 50_000  # an encoded image pasted into an article: one 200,000-letter "word"
    docs = [words(f"{text} {blob}") for text in TRANSIT + BAKING]
    space = fit(docs, RankingConfig(latent_dims=2))
    assert space is not None and space.words.dtype.itemsize <= 4 * 32
    assert space.project(words(blob)) is None
