"""Helper processes of an indexing run (whoosh_ext/parallel.py's segment writers,
indexing/vectors.py's placing): this interpreter again, isolated (`python -I`: no current
directory, no PYTHON* variables), importing this very package and nothing planted beside it."""

from __future__ import annotations

import json
import os
import sys


def helper_command(module: str, function: str, *args: str) -> list[str]:
    """The command line of a helper that runs `module.function(*args)` and exits with what
    it returns. The module's name is the helper's first argument: how ps and the tests know it."""
    boot = (
        "import json, sys; sys.path[:] = json.loads(sys.argv[2]); "
        f"from {module} import {function}; sys.exit({function}(*sys.argv[3:]))"
    )
    return [sys.executable, "-I", "-c", boot, module, json.dumps(module_path()), *args]


def module_path() -> list[str]:
    """The parent's sys.path without what only the way it was started put there: its first
    entry (the script's directory, or the current directory for -m and -c) and any relative
    entry, which would be looked up in the current directory. This package's own location
    goes first, so the helper imports the very code the parent runs."""
    start = 0 if sys.flags.isolated or getattr(sys.flags, "safe_path", False) else 1
    package_home = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    kept = [p for p in sys.path[start:] if p and os.path.isabs(p) and p != package_home]
    return [package_home, *kept]
