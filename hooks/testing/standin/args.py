"""The training arguments: Ultralytics' own defaults (cfg/default.yaml) when it is installed, else a copy."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any, Final

from ...core.ultralytics_args import installed_defaults

Callback = Callable[[Any], None]


class StandInArgs(SimpleNamespace):
    """Mirror of ``ultralytics.utils.IterableSimpleNamespace``: iterable, printable, ``get()``."""

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(vars(self).items())

    def __str__(self) -> str:
        return "\n".join(f"{k}={v}" for k, v in vars(self).items())

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


# The main defaults of ultralytics 8.4.190 cfg/default.yaml, used only when ultralytics is not
# installed; tests check they agree with the real file.
_FALLBACK_DEFAULTS: Final[dict[str, Any]] = {
    "task": "detect",
    "mode": "train",
    "model": None,
    "data": None,
    "epochs": 100,
    "time": None,
    "patience": 100,
    "batch": 16,
    "imgsz": 640,
    "save": True,
    "save_period": -1,
    "cache": False,
    "device": None,
    "workers": 8,
    "project": None,
    "name": None,
    "exist_ok": False,
    "pretrained": True,
    "optimizer": "auto",
    "verbose": True,
    "seed": 0,
    "deterministic": True,
    "single_cls": False,
    "rect": False,
    "cos_lr": False,
    "close_mosaic": 10,
    "resume": False,
    "amp": True,
    "fraction": 1.0,
    "profile": False,
    "freeze": None,
    "multi_scale": 0.0,
    "compile": False,
    "val": True,
    "split": "val",
    "save_json": False,
    "conf": None,
    "iou": 0.7,
    "max_det": 300,
    "plots": True,
    "lr0": 0.01,
    "lrf": 0.01,
    "momentum": 0.937,
    "weight_decay": 0.0005,
    "warmup_epochs": 3.0,
    "warmup_momentum": 0.8,
    "warmup_bias_lr": 0.1,
    "box": 7.5,
    "cls": 0.5,
    "dfl": 1.5,
    "nbs": 64,
}

_DEFAULTS_CACHE: dict[str, dict[str, Any]] = {}


def default_args(use_ultralytics: bool = True) -> dict[str, Any]:
    """Return a fresh dict of the default training args.

    With ``use_ultralytics`` the real defaults are used when ultralytics is installed: those
    ``hooks.core.ultralytics_args.installed_defaults`` finds (``ultralytics.cfg`` if imported, else
    its ``cfg/default.yaml`` read directly, because importing ultralytics costs over a second).
    Without ultralytics (or PyYAML) the built-in fallback holds the main defaults.
    """
    key = "ultralytics" if use_ultralytics else "fallback"
    if key not in _DEFAULTS_CACHE:
        found = installed_defaults() if use_ultralytics else None
        _DEFAULTS_CACHE[key] = found if found is not None else dict(_FALLBACK_DEFAULTS)
    return copy.deepcopy(_DEFAULTS_CACHE[key])
