"""The readers, one line per tracker: its name and the module that holds its ``READER``, imported
the first time a store of that tracker is read (so ``import hooks.runs`` imports no tracker's
client). Adding a tracker's reader is a folder ``hooks/runs/<tracker>/`` and a line here; a
package adds its own with :func:`add`."""

from __future__ import annotations

import importlib
from typing import Final

from ..errors import HooksError
from .reader import Reader

__all__ = ["READERS", "UnknownTracker", "add", "reader", "trackers"]

READERS: Final[dict[str, str]] = {
    "neptune": "hooks.runs.neptune",
    "mlflow": "hooks.runs.mlflow",
}
_loaded: dict[str, Reader] = {}


class UnknownTracker(HooksError):
    """A tracker no reader is registered for."""


def add(name: str, module: str) -> None:
    """Register the reader of tracker ``name``: ``module`` holds it as ``READER``."""
    if name in READERS:
        raise ValueError(f"a reader of {name!r} is already registered ({READERS[name]})")
    READERS[name] = module


def trackers() -> tuple[str, ...]:
    return tuple(READERS)


def reader(name: str) -> Reader:
    """The reader of tracker ``name``, its module imported now if it was not yet."""
    found = _loaded.get(name)
    if found is not None:
        return found
    module = READERS.get(name)
    if module is None:
        raise UnknownTracker(f"no reader of {name!r} runs; readers: {', '.join(sorted(READERS))}")
    loaded: Reader = importlib.import_module(module).READER
    if loaded.name != name:
        raise UnknownTracker(f"{module}.READER reads {loaded.name!r} runs, registered as {name!r}")
    _loaded[name] = loaded
    return loaded
