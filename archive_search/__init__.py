"""archive-search: index news archives with Whoosh and search them from the terminal."""

from __future__ import annotations

import sys
import types
import warnings

__version__ = "0.1.0"


def _defer_urllib_request() -> None:
    """Whoosh 2.7's compat module imports urllib.request for a download helper nothing here
    uses, and with it http.client, email and ssl: about 17 ms of every start. Stand in a
    module that imports the real one the first time anything in it is used."""
    if "urllib.request" in sys.modules:
        return
    import urllib

    def load(name: str):
        if name.startswith("__"):  # the import system probing for __path__ and the like
            raise AttributeError(name)
        if sys.modules.get("urllib.request") is stand_in:
            del sys.modules["urllib.request"]
        import importlib

        real = importlib.import_module("urllib.request")
        urllib.request = real  # type: ignore[attr-defined]
        return getattr(real, name)

    def urlretrieve(*args, **kwargs):
        return load("urlretrieve")(*args, **kwargs)

    stand_in = types.ModuleType("urllib.request", "Imported on first use (see archive_search/__init__.py).")
    stand_in.__getattr__ = load  # type: ignore[attr-defined]
    stand_in.urlretrieve = urlretrieve  # type: ignore[attr-defined]
    sys.modules["urllib.request"] = stand_in
    urllib.request = stand_in  # type: ignore[attr-defined]


_defer_urllib_request()

# Whoosh 2.7.4's modules carry invalid-escape SyntaxWarnings when compiled from
# source (compile-time warnings name the file, hence the path pattern), and a
# few DeprecationWarnings at run time: none are the user's business.
warnings.filterwarnings("ignore", category=SyntaxWarning, module=r".*whoosh")
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"whoosh")
