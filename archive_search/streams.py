"""Standard output once it cannot be written: shared by the command (cli.py) and the
forwarding client (resident/client.py), which must import nothing heavy."""

from __future__ import annotations

import os
import sys


def drop_stdout() -> None:
    """Point stdout's descriptor at /dev/null, so that the exit's flush (and any later
    write) has nowhere to fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno() if sys.stdout is not None else 1)
        os.close(devnull)
    except (OSError, ValueError):
        pass
