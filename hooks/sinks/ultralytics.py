"""What every tracker needs from the Ultralytics side: whether a run is a training or a validation,
prediction or export of its own (and its name then), and switching off Ultralytics' own callbacks
for a tracker this config logs to (else one training is logged twice)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from ..config.events import EVENTS
from ..errors import Missing
from ..log import logger
from ..runtime.masking import scalar_text

__all__ = ["BUILTIN_CALLBACKS", "run_object", "standalone", "switch_off_builtin"]

# Ultralytics' own integration per tracker: its module, and the setting that turns it off for good.
BUILTIN_CALLBACKS: Final = {
    "neptune": ("ultralytics.utils.callbacks.neptune", "Neptune", "neptune"),
    "mlflow": ("ultralytics.utils.callbacks.mlflow", "MLflow", "mlflow"),
}
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


def switch_off_builtin(trainer: Any, tracker: str) -> int:
    """Replace the callbacks of Ultralytics' own integration for ``tracker`` on this trainer with
    no-ops (in place, so a callback loop that is running keeps its positions); say so once per
    process and tracker. Returns how many were replaced."""
    module, shown, setting = BUILTIN_CALLBACKS[tracker]
    callbacks = getattr(trainer, "callbacks", None)
    if not isinstance(callbacks, dict):
        return 0
    replaced = 0
    for fns in callbacks.values():
        for i, fn in enumerate(fns):
            if getattr(fn, "__module__", None) == module:
                fns[i] = _switched_off
                replaced += 1
    if replaced and tracker not in _warned:
        _warned.add(tracker)
        logger.warning(
            "Ultralytics' built-in %s integration is on as well; it is switched off for this training so the "
            "run is logged once, by yaml-hooks. Turn it off for good with `yolo settings %s=False`.",
            shown,
            setting,
        )
    return replaced


def _switched_off(obj: Any) -> None:
    """Stands where a callback of one of Ultralytics' own integrations was."""
