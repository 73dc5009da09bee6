"""Names of a module that live in other modules, imported when first asked for (PEP 562):
what the package and model.py give without importing everything behind them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


def lazy_names(namespace: dict, homes: dict[str, str], package: str) -> Callable[[str], object]:
    """A module `__getattr__` for `homes` ({name: its module, relative to package}): it
    imports the module on first use and keeps the value in `namespace`."""

    def __getattr__(name: str) -> object:
        module = homes.get(name)
        if module is None:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        namespace[name] = value
        return value

    return __getattr__
