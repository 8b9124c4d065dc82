"""Stage 7: hand the compiled callbacks to a YOLO model or a trainer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._compile import Compiled
from ._load import Source, load
from ._sink import SinkFactory

__all__ = ["attach"]


def attach(
    target: Any,
    config: Source | Compiled,
    *,
    env: Mapping[str, str] | None = None,
    sink: SinkFactory | None = None,
) -> Compiled:
    """Compile ``config`` (a path, a preset name, or a result of ``load``) and add its callbacks to
    ``target`` (anything with ``add_callback(event, fn)``: a YOLO model, a trainer, a predictor).

    Nothing talks to the tracker until the first event fires. Returns the compiled callbacks.
    """
    add = getattr(target, "add_callback", None)
    if not callable(add):
        raise TypeError(f"cannot attach to {type(target).__name__}: it has no add_callback(event, fn)")
    compiled = config if isinstance(config, Compiled) else load(config, env=env, sink=sink)
    for event, callback in compiled.items():
        add(event, callback)
    return compiled
