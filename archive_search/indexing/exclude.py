"""--exclude: the globs that keep files and directories out of a walk.

A pattern with a slash matches the path relative to the walked root, one without matches
the entry's name, as rsync's and rg's simple globs do; a trailing slash matches directories
only. Matching is fnmatch's (`*`, `?`, `[...]`), case-sensitive, in time linear in the name.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable


class Excluder:
    """The compiled --exclude patterns of one run."""

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        patterns = list(patterns)
        self.patterns = patterns  # as given: what a shard's run is handed (sharded.py)
        self.by_name: list[tuple[re.Pattern, bool]] = []  # (pattern, directories only)
        self.by_path: list[tuple[re.Pattern, bool]] = []
        for pattern in patterns:
            dirs_only = pattern.endswith("/")
            bare = pattern.rstrip("/")
            if not bare:
                continue
            compiled = re.compile(fnmatch.translate(bare.lstrip("/")))
            (self.by_path if "/" in bare else self.by_name).append((compiled, dirs_only))

    def __bool__(self) -> bool:
        return bool(self.by_name or self.by_path)

    def excludes(self, relative: str, name: str, is_dir: bool) -> bool:
        """Whether the entry at `relative` (to the walked root, "/"-separated) is left out."""
        return any(p.match(name) for p, only in self.by_name if is_dir or not only) or any(
            p.match(relative) for p, only in self.by_path if is_dir or not only
        )
