"""yaml-hooks' own named sources: what Ultralytics' trainer holds, under the names a config uses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.context import Context
from ..errors import Missing
from .registry import SOURCES, Source, SourceKind

__all__: list[str] = []


def _builtin(name: str, kind: SourceKind, description: str) -> Callable[[Callable[[Context], Any]], Any]:
    def deco(fn: Callable[[Context], Any]) -> Callable[[Context], Any]:
        SOURCES.add(name, Source(name, kind, description, fn), builtin=True)
        return fn

    return deco


def _trainer(ctx: Context) -> Any:
    # ctx.lookup("trainer"), without its walk through the other heads: read on every epoch.
    trainer = ctx.trainer
    if trainer is None:
        raise Missing("no trainer on this event")
    return trainer


def _attr(obj: Any, name: str, what: str) -> Any:
    value = getattr(obj, name, None)
    if value is None:
        raise Missing(f"{what} is not set on this event")
    return value


@_builtin("train_losses", "mapping", "the epoch's mean training losses, as train/box_loss, train/cls_loss, …")
def _train_losses(ctx: Context) -> Any:
    trainer = ctx.trainer  # _trainer(ctx), inline: read every epoch
    if trainer is None:
        raise Missing("no trainer on this event")
    tloss = getattr(trainer, "tloss", None)
    if tloss is None:
        raise Missing("trainer.tloss (training losses) is not set on this event")
    return trainer.label_loss_items(tloss, prefix="train")


def _trainer_value(name: str, what: str) -> Callable[[Context], Any]:
    """A source reading ``trainer.<name>`` every epoch: the trainer straight from the context (not
    through _trainer, one call less), a Missing naming ``what`` when it is not set."""

    def read(ctx: Context) -> Any:
        trainer = ctx.trainer
        if trainer is None:
            raise Missing("no trainer on this event")
        value = getattr(trainer, name, None)
        if value is None:
            raise Missing(f"trainer.{name} ({what}) is not set on this event")
        return value

    return read


_builtin("lr", "mapping", "the learning rate of each parameter group, as lr/pg0, lr/pg1, …")(
    _trainer_value("lr", "learning rates")
)
_builtin("metrics", "mapping", "the last validation's metrics and losses (trainer.metrics)")(
    _trainer_value("metrics", "validation metrics")
)


@_builtin("hyperparameters", "mapping", "every training argument (trainer.args)")
def _hyperparameters(ctx: Context) -> Any:
    args = ctx.lookup("args")
    return {k: v for k, v in vars(args).items() if not k.startswith("_")}


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
