"""The trackers, keyed by their name under `sink:`. This module lists yaml-hooks' own (a new
built-in tracker is a folder beside ``neptune/`` plus a line here); packages add theirs as
``package:name`` with ``hooks.register_sink`` or the ``yaml_hooks.sinks`` entry point group.

A line here imports only the tracker's folder, which holds its schema and ``build``: the full
schema needs no more. Its sink's module (and the tracker's client) is imported by ``build``, the
first time a config names the tracker."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..registry import Registry
from .base import SinkType
from .replay import ReplayError, ReplayTarget

__all__ = ["DEFAULT_SINK", "SINKS", "register_sink", "replay_target", "replay_targets", "sink_schemas"]

SINKS: Final[Registry[SinkType]] = Registry("sink", "yaml_hooks.sinks")

# The tracker a config logs to when it names none.
DEFAULT_SINK: Final = "neptune"


def register_sink(sink_type: SinkType) -> SinkType:
    """Register a tracker from a package: ``sink_type.name`` looks like ``package:name``."""
    return SINKS.add(sink_type.name, sink_type)


def sink_schemas(*, plugins: bool = True) -> dict[str, Any]:
    """The JSON Schema of every registered tracker's options, by name (yaml-hooks' own only when
    ``plugins`` is false: what the shipped schema file holds)."""
    if plugins:
        SINKS.load_plugins()
    return {name: dict(t.schema) for name, t in SINKS.items() if plugins or name in SINKS.builtin}


def replay_targets() -> tuple[str, ...]:
    """The names of every registered tracker that can take a replay, yaml-hooks' own first."""
    SINKS.load_plugins()
    return tuple(name for name, sink in SINKS.items() if sink.replay is not None)


def replay_target(name: str, options: Mapping[str, Any] | None = None) -> ReplayTarget:
    """The replay target of tracker ``name`` built from ``options`` (its module imported now; a
    package's tracker, ``package:name``, is loaded from its ``yaml_hooks.sinks`` entry point).

    Raises ReplayError for a tracker that cannot take a replay."""
    try:
        factory = SINKS[name].replay
    except KeyError:
        factory = None
    if factory is None:
        raise ReplayError(f"hooks: the tracker {name!r} cannot take a replay; these can: {', '.join(replay_targets())}")
    return factory(options or {})


def _builtins() -> None:
    from .mlflow import SINK as mlflow
    from .neptune import SINK as neptune
    from .tensorboard import SINK as tensorboard
    from .wandb import SINK as wandb

    for sink in (neptune, mlflow, tensorboard, wandb):
        SINKS.add(sink.name, sink, builtin=True)


_builtins()
