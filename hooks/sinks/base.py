"""The seam between actions and a tracker. Actions only ever call a Sink's six methods with plain
values; how a tracker stores them (what it cannot hold, how it names fields) is its sink's
business. A tracker is a SinkType registered under its key in `sink:`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, final

if TYPE_CHECKING:
    from ..config.builder import Builder

__all__ = ["Sink", "SinkFactory", "SinkType"]


class Sink(Protocol):
    """An open run of a tracker. ``path`` is a field path: names separated by '/'. Values are
    plain: numbers, booleans, text, None, and mappings, lists and tuples of them."""

    def append(self, path: str, value: float, step: float | None) -> None:
        """Append one value to the series at ``path`` (``step`` None: the tracker's own counter)."""

    def assign(self, path: str, value: Any) -> None:
        """Write a value, or a mapping of values (keys may hold '/'), under ``path`` ("": a
        mapping's keys are top-level fields)."""

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        """Upload a file. ``snapshot``: take its bytes now, because the file will be overwritten
        (otherwise a tracker may keep only the path and read the file later)."""

    def upload_figure(self, path: str, figure: Any) -> None:
        """Upload a matplotlib figure (the sink renders it)."""

    def flush(self) -> None:
        """Make everything logged so far durable."""

    def stop(self) -> str:
        """Close the run; return a sentence telling the user where its data is. A sink may also
        have ``fail()``, called just before ``stop()`` when the training raised or was interrupted,
        and ``register(path, file, model)``: the file just uploaded to ``path`` is a new version of
        a registered model (a tracker with a model registry)."""


class SinkFactory(Protocol):
    """Opens a Sink when the first event logs; must be picklable (it travels to DDP workers).
    It may also have ``prepare(trainer)``, called once per training before anything is logged
    (to switch off a tracker's own Ultralytics callbacks, say)."""

    def open(self, lookup: Callable[[str], Any]) -> Sink:
        """Open a run; ``lookup`` gives the template heads (args, trainer, …) for its name and tags."""

    def describe(self) -> str:
        """One line for `hooks explain`."""


@final
@dataclass(frozen=True, slots=True)
class SinkType:
    """A tracker, registered under ``name``, its key in `sink:` (``hooks.register_sink``)."""

    name: str
    schema: Mapping[str, Any]  # JSON Schema of its options (an object schema, closed)
    build: Callable[[Builder, Mapping[str, Any]], SinkFactory]  # options → factory; errors via Builder.fail
    env: tuple[str, ...] = ()  # environment variables a preset may read for it (a built-in tracker's only)
