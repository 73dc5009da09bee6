"""archive-search: index news archives with Whoosh and search them from the terminal."""

from __future__ import annotations

import warnings

__version__ = "0.1.0"

# Whoosh 2.7.4's modules carry invalid-escape SyntaxWarnings when compiled from
# source (compile-time warnings name the file, hence the path pattern), and a
# few DeprecationWarnings at run time: none are the user's business.
warnings.filterwarnings("ignore", category=SyntaxWarning, module=r".*whoosh")
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"whoosh")
