"""The tiers of copies that --collapse folds and `dupes` lists, and their check: apart from
config.py, so that a search checks its --collapse without making CopiesConfig."""

from __future__ import annotations

from ..errors import QueryError

TIERS = ("story", "article")  # whole stories, or same-article copies


def check_tier(tier: str | None) -> None:
    """QueryError for a tier that is none of TIERS (None: no folding asked for)."""
    if tier is not None and tier not in TIERS:
        raise QueryError(f"unknown --tier {tier!r}; use one of: {', '.join(TIERS)}")
