"""The seam between actions and a tracker: actions only ever call these six methods."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

__all__ = ["Sink", "SinkFactory"]


class Sink(Protocol):
    """An open run of a tracker."""

    def append(self, path: str, value: float, step: float | None) -> None:
        """Append one value to the series at ``path`` (``step`` None: the tracker's own counter)."""

    def assign(self, path: str, value: Any) -> None:
        """Write a value, or a mapping of values (keys may hold '/'), under ``path``."""

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        """Upload a file. ``snapshot``: take its bytes now, because the file will be overwritten
        (otherwise a tracker may keep only the path and read the file later)."""

    def upload_figure(self, path: str, figure: Any) -> None:
        """Upload a matplotlib figure (the sink renders it)."""

    def flush(self) -> None:
        """Make everything logged so far durable."""

    def stop(self) -> str:
        """Close the run; return a sentence telling the user where its data is."""


class SinkFactory(Protocol):
    """Opens a Sink when the first event logs; must be picklable (it travels to DDP workers)."""

    def open(self, lookup: Callable[[str], Any]) -> Sink:
        """Open a run; ``lookup`` gives the template roots (args, trainer, …) for its name and tags."""

    def describe(self) -> str:
        """One line for `hooks explain`."""
