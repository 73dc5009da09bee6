"""When an indexing run fits the latent space (ranking/latent.py) again, and the fit itself.

A space a little out of date still serves (articles are placed in it at search time), and
fitting costs seconds, so small updates skip it. It is fitted when there is none yet (or it
is damaged), or once the archive has changed by more than `latent_drift` since the fit, in
this run's changes or in its size.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..model_runs import IndexStats
from ..ranking.config import RankingConfig
from ..readers import Problem


def needs_fit(path: Path, stats: IndexStats, *, fresh: bool, config: RankingConfig) -> bool:
    """Whether the space at `path` should be fitted anew after a run with these stats."""
    if fresh:
        return True
    from ..ranking.latent import LatentSpace

    try:
        fitted = LatentSpace.load(path).articles
    except (OSError, ValueError):  # none yet, or damaged: fit it again
        return True
    total = stats.total_articles
    return max(stats.articles_changed, abs(total - fitted)) > config.latent_drift * total


def fit_space(ix, path: Path, stats: IndexStats, config: RankingConfig, report: Callable[[Problem], None]) -> None:
    """Fit the space to the archive as it now is and write it to `path`.

    The articles are committed already: a failure to write the space is a warning (searches
    rank without it), and Ctrl-C here loses only the space, which the next run fits again."""
    from ..ranking.latent import article_words, fit, sample_ids

    with ix.searcher() as searcher:
        # In id order, whatever the segments' layout (--jobs): the same archive, the same space.
        ids = (term.decode("utf-8") for term in searcher.reader().lexicon("id"))
        size = config.latent_sample
        chosen = sample_ids(ids, size) if searcher.doc_count() > size else ids
        numbers = (searcher.document_number(id=i) for i in chosen)
        fields = (searcher.stored_fields(n) for n in numbers if n is not None)
        words = (article_words(f.get("title", ""), f.get("body", ""), config.latent_max_word) for f in fields)
        space = fit(words, config)
    try:
        if space is None:  # too few articles to fit one
            path.unlink(missing_ok=True)
        else:
            space.articles = stats.total_articles
            space.save(path)
            stats.latent_fitted = space.fitted_on
    except OSError as exc:
        reason = f"could not write the latent space ({exc.strerror or exc}); searches rank without it"
        report(Problem(str(path), reason + " until the next run that can", warning=True))
