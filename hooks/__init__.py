"""yaml-hooks: decide in one YAML file what an Ultralytics YOLO training logs, and where.

    import hooks
    hooks.attach(model, "default")          # a preset name or a path to a YAML file
    compiled = hooks.load("team.yaml")      # per event, the callback, for add_callback yourself

Extending it: ``hooks.register_source`` (a named source, ``package:name``, a function of a
``hooks.Context`` that raises ``hooks.Missing`` when there is nothing to log) and
``hooks.register_sink`` (a tracker under `sink:`, a ``hooks.SinkType``, whose sinks subclass
``hooks.BaseSink``) and ``hooks.register_action`` (an action kind, ``package:name``); packages
publish them through the ``yaml_hooks.sources``, ``yaml_hooks.sinks`` and ``yaml_hooks.actions``
entry point groups. ``hooks.plugin`` holds every type a plugin needs.

The heavy parts (YAML, JSON Schema, Neptune, matplotlib) load only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import ConfigError, HooksError, Issue, Location, Missing

if TYPE_CHECKING:
    from .actions.registry import register_action
    from .core.context import Context
    from .registry import PluginError
    from .runtime.attach import attach, load, loads
    from .runtime.compile import Callback, Compiled
    from .runtime.session import LoggingFailed
    from .sinks.base import BaseSink, BaseSinkFactory, Sink, SinkFactory, SinkType
    from .sinks.registry import register_sink
    from .sources.registry import register_source

__all__ = [
    "BaseSink",
    "BaseSinkFactory",
    "Callback",
    "Compiled",
    "ConfigError",
    "Context",
    "HooksError",
    "Issue",
    "Location",
    "LoggingFailed",
    "Missing",
    "PluginError",
    "Sink",
    "SinkFactory",
    "SinkType",
    "__version__",
    "attach",
    "load",
    "loads",
    "register_action",
    "register_sink",
    "register_source",
]

_LAZY = {
    "attach": ".runtime.attach",
    "load": ".runtime.attach",
    "loads": ".runtime.attach",
    "Compiled": ".runtime.compile",
    "Callback": ".runtime.compile",
    "Context": ".core.context",
    "LoggingFailed": ".runtime.session",
    "PluginError": ".registry",
    "BaseSink": ".sinks.base",
    "BaseSinkFactory": ".sinks.base",
    "Sink": ".sinks.base",
    "SinkFactory": ".sinks.base",
    "SinkType": ".sinks.base",
    "register_action": ".actions.registry",
    "register_sink": ".sinks.registry",
    "register_source": ".sources.registry",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hooks' has no attribute {name!r}")
