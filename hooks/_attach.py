"""Stage 7: hand the compiled callbacks to a YOLO model or a trainer."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ._compile import Compiled
from ._errors import ConfigError, Issue
from ._load import Source, load
from ._sink import SinkFactory

__all__ = ["attach", "config_from_env"]

ENV_VAR = "HOOKS_CONFIG"


def config_from_env() -> str:
    """The config named by $HOOKS_CONFIG, so a job scheduler can switch logging without code changes."""
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        raise ConfigError(
            [Issue(None, (), f"no config given and ${ENV_VAR} is not set; name a preset or a file, or set ${ENV_VAR}")]
        )
    return value


def attach(
    target: Any,
    config: Source | Compiled | None = None,
    *,
    env: Mapping[str, str] | None = None,
    sink: SinkFactory | None = None,
) -> Compiled:
    """Compile ``config`` (a path, a preset name, or a result of ``load``) and add its callbacks to
    ``target`` (anything with ``add_callback(event, fn)``: a YOLO model, a trainer, a predictor).
    With no ``config``, ``$HOOKS_CONFIG`` names it.

    Nothing talks to the tracker until the first event fires. Returns the compiled callbacks.
    """
    add = getattr(target, "add_callback", None)
    if not callable(add):
        raise TypeError(f"cannot attach to {type(target).__name__}: it has no add_callback(event, fn)")
    if config is None:
        config = config_from_env()
    compiled = config if isinstance(config, Compiled) else load(config, env=env, sink=sink)
    for event, callback in compiled.items():
        add(event, callback)
    return compiled
