"""What every tracker needs from the Ultralytics side: whether a run is a training or a validation,
prediction or export of its own (and its name then), and switching off Ultralytics' own tracker
callbacks that the config does not keep (else a training is logged twice, or behind its back)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from ..core.events import EVENTS
from ..core.integrations import INTEGRATION_NAMES, INTEGRATIONS
from ..core.masking import scalar_text
from ..errors import Missing
from ..log import logger

__all__ = ["arg_text", "run_name", "run_object", "standalone", "switch_off_integrations"]


def arg_text(lookup: Callable[[str], Any], name: str) -> str:
    """The training argument ``args.<name>`` when it is text, else "" (no args, or not text): what
    a tracker's defaults are named after (its project, its run's name)."""
    try:
        value = getattr(lookup("args"), name, None)
    except Missing:
        return ""
    return value if isinstance(value, str) else ""


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


def switch_off_integrations(trainer: Any, kept: Collection[str] = ()) -> tuple[str, ...]:
    """Switch off, on this trainer, the callbacks of every one of Ultralytics' own tracker
    integrations (``hooks.core.integrations``) not in ``kept``, and say so in one line naming those
    that were on. Returns their names; () when none was on.

    Called once per training, at its first event, before anything is logged (the session's
    ``_begin_training``): Ultralytics adds them to each trainer it makes, after the callbacks it
    copies from the model, so they always fire after ours. They are replaced with no-ops in place
    (a callback loop that is running keeps its positions, and the validator that shares the
    trainer's lists sees the same), found by their function's module, which a lambda has too. One
    place for every tracker, the config's own trackers too: a tracker this config logs to would
    otherwise be logged twice, and one it does not log to would log behind its back."""
    callbacks = getattr(trainer, "callbacks", None)
    if not isinstance(callbacks, dict):
        return ()
    off = {i.module: i.name for i in INTEGRATIONS if i.name not in kept}
    found: set[str] = set()
    for fns in callbacks.values():
        if not isinstance(fns, list):
            continue
        for i, fn in enumerate(fns):
            name = off.get(getattr(fn, "__module__", None) or "")
            if name is not None:
                fns[i] = _switched_off
                found.add(name)
    names = tuple(n for n in INTEGRATION_NAMES if n in found)
    if names:
        logger.info(
            "Ultralytics' own %s %s switched off for this training, so it is logged as this config says "
            "(`ultralytics_builtins: keep`, or a list of names, in the config you load keeps them)",
            ", ".join(names),
            "integration is" if len(names) == 1 else "integrations are",
        )
    return names


def _switched_off(obj: Any) -> None:
    """Stands where a callback of one of Ultralytics' own integrations was."""
