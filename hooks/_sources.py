"""Named sources: the values a config can ask for by name. Plugins add theirs as ``package:name``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, final

from ._context import Context
from ._paths import Missing

__all__ = ["SOURCES", "Source", "SourceKind", "register_source"]

SourceKind = Literal["mapping", "file", "files"]
_PLUGIN_NAME: Final = re.compile(r"[a-z][a-z0-9_]*:[a-z][a-z0-9_]*")


@final
@dataclass(frozen=True, slots=True)
class Source:
    name: str
    kind: SourceKind  # mapping: names to values; file: one path; files: several paths
    description: str
    read: Callable[[Context], Any]


SOURCES: dict[str, Source] = {}


def register_source(name: str, kind: SourceKind, description: str) -> Callable[[Callable[[Context], Any]], Any]:
    """Register a named source. Names outside yaml-hooks must be ``package:name``."""

    def deco(fn: Callable[[Context], Any]) -> Callable[[Context], Any]:
        if name in SOURCES:
            raise ValueError(f"source {name!r} is already registered")
        SOURCES[name] = Source(name, kind, description, fn)
        return fn

    if ":" in name and not _PLUGIN_NAME.fullmatch(name):
        raise ValueError(f"plugin source names look like 'package:name', got {name!r}")
    return deco


def _builtin(name: str, kind: SourceKind, description: str) -> Callable[[Callable[[Context], Any]], Any]:
    return register_source(name, kind, description)


def _trainer(ctx: Context) -> Any:
    return ctx.root("trainer")


def _attr(obj: Any, name: str, what: str) -> Any:
    value = getattr(obj, name, None)
    if value is None:
        raise Missing(f"{what} is not set on this event")
    return value


@_builtin("train_losses", "mapping", "the epoch's mean training losses, as train/box_loss, train/cls_loss, …")
def _train_losses(ctx: Context) -> Any:
    trainer = _trainer(ctx)
    tloss = _attr(trainer, "tloss", "trainer.tloss (training losses)")
    return trainer.label_loss_items(tloss, prefix="train")


@_builtin("lr", "mapping", "the learning rate of each parameter group, as lr/pg0, lr/pg1, …")
def _lr(ctx: Context) -> Any:
    return _attr(_trainer(ctx), "lr", "trainer.lr (learning rates)")


@_builtin("metrics", "mapping", "the last validation's metrics and losses (trainer.metrics)")
def _metrics(ctx: Context) -> Any:
    return _attr(_trainer(ctx), "metrics", "trainer.metrics (validation metrics)")


@_builtin("hyperparameters", "mapping", 'every training argument (trainer.args), unset ones as ""')
def _hyperparameters(ctx: Context) -> Any:
    args = ctx.root("args")
    return {k: "" if v is None else v for k, v in vars(args).items() if not k.startswith("_")}


@_builtin("model_info", "mapping", "parameters, GFLOPs and inference speed (Ultralytics' model_info_for_loggers)")
def _model_info(ctx: Context) -> Any:
    from ultralytics.utils.torch_utils import model_info_for_loggers

    return model_info_for_loggers(_trainer(ctx))  # type: ignore[no-untyped-call]


@_builtin("best", "file", "the best checkpoint, weights/best.pt (trainer.best)")
def _best(ctx: Context) -> Any:
    return Path(_attr(_trainer(ctx), "best", "trainer.best"))


@_builtin("last", "file", "the last checkpoint, weights/last.pt (trainer.last)")
def _last(ctx: Context) -> Any:
    return Path(_attr(_trainer(ctx), "last", "trainer.last"))


@_builtin(
    "plot_registry",
    "files",
    "every plot the trainer and its validator registered (trainer.plots, validator.plots)",
)
def _plot_registry(ctx: Context) -> Any:
    paths: list[Path] = []
    owners = []
    if ctx.trainer is not None:
        owners.append(ctx.trainer)
        owners.append(getattr(ctx.trainer, "validator", None))
    elif ctx.obj_kind == "validator":
        owners.append(ctx.obj)
    for owner in owners:
        for key in getattr(owner, "plots", None) or {}:
            path = Path(key)
            if path not in paths:
                paths.append(path)
    return paths


BUILTIN_SOURCES: Final = frozenset(SOURCES)
