"""yaml-hooks: decide in one YAML file what an Ultralytics YOLO training logs to Neptune.

    import hooks
    hooks.attach(model, "default")          # a preset name or a path to a YAML file
    compiled = hooks.load("team.yaml")      # per event, the callback, for add_callback yourself

The heavy parts (YAML, JSON Schema, Neptune, matplotlib) load only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._errors import ConfigError, HooksError, Issue, Location
from ._version import __version__

if TYPE_CHECKING:
    from ._attach import attach
    from ._compile import Callback, Compiled
    from ._load import load, loads
    from ._runtime import LoggingFailed
    from ._sink import Sink, SinkFactory
    from ._sources import register_source

__all__ = [
    "Callback",
    "Compiled",
    "ConfigError",
    "HooksError",
    "Issue",
    "Location",
    "LoggingFailed",
    "Sink",
    "SinkFactory",
    "__version__",
    "attach",
    "load",
    "loads",
    "register_source",
]

_LAZY = {
    "attach": "._attach",
    "load": "._load",
    "loads": "._load",
    "Compiled": "._compile",
    "Callback": "._compile",
    "LoggingFailed": "._runtime",
    "Sink": "._sink",
    "SinkFactory": "._sink",
    "register_source": "._sources",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hooks' has no attribute {name!r}")
