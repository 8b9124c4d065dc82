"""What every tracker needs from the Ultralytics side: whether a run is a training or a validation,
prediction or export of its own (and its name then), and switching off Ultralytics' own callbacks
for a tracker this config logs to (else one training is logged twice)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, final

from ..core.events import EVENTS
from ..core.masking import scalar_text
from ..errors import Missing
from ..log import logger

__all__ = ["Builtin", "run_name", "run_object", "standalone", "switch_off_builtin"]


@final
@dataclass(frozen=True, slots=True)
class Builtin:
    """Ultralytics' own integration of a tracker: its callbacks' module, the tracker's name in
    words, and the Ultralytics setting that turns it off for good."""

    module: str
    shown: str
    setting: str


_warned: set[str] = set()


def standalone(lookup: Callable[[str], Any]) -> tuple[str, str] | None:
    """(mode, name) of a validation, prediction or export outside a training; None in a training."""
    try:
        lookup("trainer")
        return None
    except Missing:
        pass
    try:
        kind = EVENTS[str(lookup("event"))].obj
        obj = lookup(kind)
    except (Missing, KeyError):
        return None
    args = getattr(obj, "args", None)
    mode = scalar_text(getattr(args, "mode", "")) or kind
    save_dir = scalar_text(getattr(obj, "save_dir", None))
    name = scalar_text(getattr(args, "name", None)) or (Path(save_dir).name if save_dir else "")
    return mode, name


def run_name(lookup: Callable[[str], Any], name: str) -> str:
    """A run's name: ``name`` for a training; a validation, prediction or export of its own is
    named by its mode, ``<mode>: <name>`` (its own name when ``name`` is empty)."""
    own = standalone(lookup)
    if own is None:
        return name
    mode, own_name = own
    return f"{mode}: {name or own_name}" if (name or own_name) else mode


def run_object(lookup: Callable[[str], Any]) -> Any:
    """The trainer of a training, else the validator, predictor or exporter of a run of its own."""
    try:
        return lookup("trainer")
    except Missing:
        pass
    try:
        return lookup(EVENTS[str(lookup("event"))].obj)
    except (Missing, KeyError):
        return None


def switch_off_builtin(trainer: Any, builtin: Builtin) -> int:
    """Replace the callbacks of Ultralytics' own integration of a tracker on this trainer with
    no-ops (in place, so a callback loop that is running keeps its positions); say so once per
    process and tracker. Returns how many were replaced."""
    module, shown, setting = builtin.module, builtin.shown, builtin.setting
    callbacks = getattr(trainer, "callbacks", None)
    if not isinstance(callbacks, dict):
        return 0
    replaced = 0
    for fns in callbacks.values():
        for i, fn in enumerate(fns):
            if getattr(fn, "__module__", None) == module:
                fns[i] = _switched_off
                replaced += 1
    if replaced and module not in _warned:
        _warned.add(module)
        logger.warning(
            "Ultralytics' built-in %s integration is on as well; it is switched off for this training so the "
            "run is logged once, by yaml-hooks. Turn it off for good with `yolo settings %s=False`.",
            shown,
            setting,
        )
    return replaced


def _switched_off(obj: Any) -> None:
    """Stands where a callback of one of Ultralytics' own integrations was."""
