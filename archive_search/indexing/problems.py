"""The problems an indexing run meets: all counted, the first few of each kind reported.

A hostile file of a million bad records gets a few lines and a count, not a million lines
and their memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..model_runs import IndexStats
from ..readers import Problem

# Problems of one kind in one file shown before the rest are only counted.
SHOWN_ALIKE = 5
# Problems kept in IndexStats.problems for the caller; all are counted.
KEPT_PROBLEMS = 1_000
# Problems alike but for their numbers (line, column, record) are of one kind.
_DIGITS = re.compile(r"[0-9]+")


class ProblemLog:
    """Counts every problem in `stats`; keeps and reports (`on_problem`) those shown."""

    def __init__(self, stats: IndexStats, on_problem: Callable[[Problem], None]) -> None:
        self.stats = stats
        self.on_problem = on_problem
        self._alike: dict[tuple, int] = {}  # (path, warning, kind of problem) -> how many, in the current file

    def report(self, problem: Problem) -> None:
        """Count a problem; report it unless SHOWN_ALIKE of its kind in its file already were."""
        if problem.warning:
            self.stats.warnings += 1
        else:
            self.stats.errors += 1
        key = (problem.path, problem.warning, _DIGITS.sub("#", problem.reason))
        seen = self._alike[key] = self._alike.get(key, 0) + 1
        if seen <= SHOWN_ALIKE:
            self._show(problem)

    def end_of_file(self) -> None:
        """Report how many problems of each kind were counted and not shown, then forget them."""
        for (path, warning, _), seen in self._alike.items():
            if seen > SHOWN_ALIKE:
                more = seen - SHOWN_ALIKE
                self._show(Problem(path, f"...and {more:,} more like the above", warning=warning))
        self._alike.clear()

    def relay(self, problem: Problem) -> None:
        """Report a problem that another run counted already (a shard's, in a sharded build)."""
        self._show(problem)

    def _show(self, problem: Problem) -> None:
        if len(self.stats.problems) < KEPT_PROBLEMS:
            self.stats.problems.append(problem)
        self.on_problem(problem)
