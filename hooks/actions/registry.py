"""The action kinds, keyed by their name in a config (`scalars:`, …). This module lists yaml-hooks'
own (a new built-in kind is a module with a ``KIND`` and a line here); packages add theirs as
``package:name`` with ``hooks.plugin.register_action`` or the ``yaml_hooks.actions`` entry point
group, as they add sources and trackers. Each kind carries its piece of the JSON Schema."""

from __future__ import annotations

from typing import Final

from ..registry import Registry
from .base import ActionKind

__all__ = ["KINDS", "register_action"]

KINDS: Final[Registry[ActionKind]] = Registry("action kind", "yaml_hooks.actions")


def register_action(kind: ActionKind) -> ActionKind:
    """Register an action kind from a package: ``kind.name`` looks like ``package:name``."""
    return KINDS.add(kind.name, kind)


def _builtins() -> None:
    from . import assign, files, plots, scalars, upload

    for module in (scalars, files, plots, assign, upload):
        KINDS.add(module.KIND.name, module.KIND, builtin=True)


_builtins()
