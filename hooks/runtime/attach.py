"""Stages 6 and 7: compile a loaded config into callbacks, and hand them to a YOLO model or a trainer."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..config.read import read_text
from ..errors import ConfigError, Issue
from ..loader.load import ConfigRef, load_config
from ..log import logger
from ..sinks.base import SinkFactory
from ..sinks.ultralytics import switch_off_integrations
from .compile import Compiled, compile_config

__all__ = ["attach", "config_from_env", "load", "loads"]

ENV_VAR = "HOOKS_CONFIG"


def load(source: ConfigRef, *, env: Mapping[str, str] | None = None, sink: SinkFactory | None = None) -> Compiled:
    """Load, validate and compile a config (a path or a preset name) into callbacks per event.

    ``sink`` replaces the configured tracker, for example with ``hooks.testing.RecordingSink()``.
    Raises ConfigError listing every problem, each with file, line and column.
    """
    return compile_config(load_config(source, env=env, sink=sink))


def loads(
    text: str,
    *,
    file: str = "<string>",
    env: Mapping[str, str] | None = None,
    sink: SinkFactory | None = None,
) -> Compiled:
    """Like ``load`` for YAML text; relative `extends` resolve from the working directory."""
    return compile_config(load_config(read_text(text, file), env=env, sink=sink))


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
    config: ConfigRef | Compiled | None = None,
    *,
    env: Mapping[str, str] | None = None,
    sink: SinkFactory | None = None,
) -> Compiled:
    """Compile ``config`` (a path, a preset name, or a result of ``load``) and add its callbacks to
    ``target`` (anything with ``add_callback(event, fn)``: a YOLO model, a trainer, a predictor).
    With no ``config``, ``$HOOKS_CONFIG`` names it.

    Attaching again to the same target replaces the callbacks attached before (with a warning).
    Nothing talks to the tracker until the first event fires. Returns the compiled callbacks.
    """
    add = getattr(target, "add_callback", None)
    if not callable(add):
        raise TypeError(f"cannot attach to {type(target).__name__}: it has no add_callback(event, fn)")
    if config is None:
        config = config_from_env()
    compiled = config if isinstance(config, Compiled) else load(config, env=env, sink=sink)
    replaced = _detach(target)
    if replaced:
        logger.warning(
            "yaml-hooks was already attached to this %s; its earlier callbacks (%d) are replaced by %s, so "
            "one training is one run (to log to several trackers, name them all under `sink:`)",
            type(target).__name__,
            replaced,
            compiled.config.file,
        )
    for event, callback in compiled.items():
        add(event, callback)
    # A trainer made before attaching has Ultralytics' own integrations already, and its
    # on_pretrain_routine_start has fired without ours: their callbacks would run before our first
    # one. Switched off now (a model or predictor has none; the training's own switch-off then
    # finds none left and says nothing).
    switch_off_integrations(target, compiled.config.builtins_kept)
    return compiled


def _detach(target: Any) -> int:
    """Remove callbacks an earlier attach() added (a re-run notebook cell); return how many."""
    callbacks = getattr(target, "callbacks", None)
    if not isinstance(callbacks, dict):
        return 0
    removed = 0
    for fns in callbacks.values():
        if isinstance(fns, list):
            keep = [fn for fn in fns if not getattr(fn, "yaml_hooks", False)]
            removed += len(fns) - len(keep)
            fns[:] = keep
    return removed
