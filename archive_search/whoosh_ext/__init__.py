"""The only code that reaches into Whoosh's private internals, for one version of Whoosh.

codec.py changes how segments are written and reads a few things straight from them;
segments.py and parallel.py are Whoosh's segment writer with faster steps, one of them
spread over helper processes. Whoosh's private names and method bodies are those of the
versions in SUPPORTED: `install()` refuses any other, with a message saying what to do.
"""

from __future__ import annotations

from ..errors import UnsupportedWhooshError

SUPPORTED = ("2.7.4",)

_installed = False


def install() -> None:
    """Check Whoosh's version and apply codec.py's changes; once a process, before an index
    is opened or written (IndexDir does it). Raises UnsupportedWhooshError."""
    global _installed
    if _installed:
        return
    import whoosh

    found = whoosh.versionstring()
    if found not in SUPPORTED:
        raise UnsupportedWhooshError(found, SUPPORTED)
    from .codec import apply

    apply()
    _installed = True
