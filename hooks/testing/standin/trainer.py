"""The stand-in DetectionTrainer and ``simulate_training``."""

from __future__ import annotations

import copy
import json
import math
import pickle
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, overload

import numpy as np

from .args import StandInArgs, default_args
from .events import MIRRORED_ULTRALYTICS_VERSION, check_event_names, check_sizes, event_filter, new_callbacks
from .images import clamp, write_chart, write_mosaic
from .numbers import Trajectory
from .objects import StandInDataset, StandInDevice, StandInEarlyStopping, StandInLoader, StandInOptimizer
from .validator import StandInValidator

Callback = Callable[[Any], None]


class StandInTrainer:
    """Mirror of ``DetectionTrainer`` for callbacks: construct it (fires
    ``on_pretrain_routine_start``, like the real ``__init__``), then call ``train()``."""

    # Set only once the epoch loop starts, as in the real trainer: reading it in
    # on_pretrain_routine_* or on_train_start raises AttributeError there too.
    epoch: int
    lr: dict[str, float]
    loss_items: dict[str, float] | None = None

    def __init__(
        self,
        save_dir: str | Path,
        *,
        epochs: int = 3,
        batches: int = 2,
        val_batches: int = 1,
        write_files: bool = True,
        image_size: int = 64,
        seed: int = 0,
        overrides: Mapping[str, Any] | None = None,
        callbacks: Mapping[str, Callback | Sequence[Callback]] | None = None,
        events: Collection[str] | None = None,
        names: Mapping[int, str] | None = None,
    ) -> None:
        check_sizes(epochs, batches, val_batches)
        self._events = event_filter(events)
        self._write_files = write_files
        self._num_batches = batches
        self._num_val_batches = val_batches

        # What Model.train() and BaseTrainer.__init__ put into args.
        args = default_args()
        args.update(
            task="detect",
            mode="train",
            model="standin.yaml",
            data="standin.yaml",
            epochs=epochs,
            imgsz=image_size,
            seed=seed,
            device="cpu",
        )
        args.update(overrides or {})
        stride = 32  # check_imgsz(imgsz, stride=gs, floor=gs) with the max model stride
        args["imgsz"] = max(math.ceil(int(args["imgsz"]) / stride) * stride, stride)
        self.save_dir = Path(save_dir).resolve()
        args["name"] = self.save_dir.name
        self.wdir = self.save_dir / "weights"
        args["save_dir"] = str(self.save_dir)
        self.args = StandInArgs(**args)
        self.device = StandInDevice()
        self.accelerator = None
        self.validator: StandInValidator | None = None
        self.metrics: dict[str, float] | None = None
        self.plots: dict[Path, dict[str, Any]] = {}
        if write_files:
            self.wdir.mkdir(parents=True, exist_ok=True)
            (self.save_dir / "args.yaml").write_text(_to_yaml(vars(self.args)), encoding="utf-8")
        self.last, self.best = self.wdir / "last.pt", self.wdir / "best.pt"
        self.save_period = int(self.args.save_period)
        self.batch_size = int(self.args.batch)
        self.epochs = int(self.args.epochs)
        check_sizes(self.epochs, batches, val_batches)  # overrides may have changed epochs
        self.start_epoch = 0
        self.args.workers = 0  # the real trainer sets this on CPU

        self.callbacks = new_callbacks()
        for event, fns in (callbacks or {}).items():
            check_event_names([event])
            for fn in [fns] if callable(fns) else list(fns):
                self.add_callback(event, fn)
        self.world_size = 0
        self.ddp = False
        self.resume = False
        self._trajectory = Trajectory(seed, self.epochs, batches)
        self._model: Any = None
        self._model_built = False
        self._best_saved = False
        self._best_epoch = 0
        self._history: list[dict[str, float]] = []
        self._emit("on_pretrain_routine_start")

        class_names = dict(names) if names is not None else {0: "cat", 1: "dog"}
        self.data: dict[str, Any] = {
            "names": class_names,
            "nc": len(class_names),
            "channels": 3,
            "path": str(self.save_dir.parent / "standin-data"),
            "train": str(self.save_dir.parent / "standin-data" / "images" / "train"),
            "val": str(self.save_dir.parent / "standin-data" / "images" / "val"),
            "yaml_file": "standin.yaml",
        }
        self.ema = None
        self.lf: Callable[[float], float] | None = None
        self.optimizer: StandInOptimizer | None = None
        self.scheduler = None
        self.best_fitness: float | None = None
        self.fitness: float | None = None
        self.loss: float | None = None
        self.tloss: dict[str, float] | None = None
        self.loss_names: tuple[str, ...] = ()
        self.csv = self.save_dir / "results.csv"
        if write_files and self.csv.exists() and not self.args.resume:
            self.csv.unlink()
        self.plot_idx = [0, 1, 2]
        self.nan_recovery_attempts = 0
        self.stop = False
        self.stopper = StandInEarlyStopping(patience=self.args.patience)
        self.epoch_time: float | None = None
        self.epoch_time_start = self.train_time_start = time.time()

    # ---- the public surface of BaseTrainer ------------------------------------------------------

    @property
    def model(self) -> Any:
        """A tiny real ``torch.nn.Module`` (built on first access, so torch is imported only when a
        callback needs it), or None without torch; ``model_info_for_loggers`` works on it."""
        if not self._model_built:
            self._model_built = True
            self._model = _build_tiny_model(self.data["names"], self.args)
        return self._model

    @model.setter
    def model(self, value: Any) -> None:
        self._model_built = True
        self._model = value

    def add_callback(self, event: str, callback: Callback) -> None:
        self.callbacks[event].append(callback)

    def set_callback(self, event: str, callback: Callback) -> None:
        self.callbacks[event] = [callback]

    def run_callbacks(self, event: str) -> None:
        for callback in self.callbacks.get(event, []):
            callback(self)

    @overload
    def label_loss_items(self, loss_items: None = None, prefix: str = "train") -> list[str]: ...
    @overload
    def label_loss_items(self, loss_items: Mapping[str, Any], prefix: str = "train") -> dict[str, float]: ...
    def label_loss_items(
        self, loss_items: Mapping[str, Any] | None = None, prefix: str = "train"
    ) -> list[str] | dict[str, float]:
        """Loss names with ``prefix`` (no items), or ``{prefix/name: round(float(v), 5)}``."""
        if loss_items is None:
            return [f"{prefix}/{x}" for x in self.loss_names]
        return {f"{prefix}/{k}": round(float(v), 5) for k, v in loss_items.items()}

    def on_plot(self, name: str | Path, data: Any = None) -> None:
        self.plots[Path(name)] = {"data": data, "timestamp": time.time()}

    def progress_string(self) -> str:
        return ("\n" + "%11s" * (4 + len(self.loss_names))) % (
            "Epoch",
            "GPU_mem",
            *self.loss_names,
            "Instances",
            "Size",
        )

    def read_results_csv(self) -> dict[str, list[float]]:
        keys = list(self._history[0]) if self._history else []
        return {k: [row[k] for row in self._history] for k in keys}

    def train(self) -> None:
        try:
            self._do_train()
        finally:
            self._emit("teardown")

    def validate(self) -> tuple[dict[str, float], float]:
        assert self.validator is not None
        metrics = self.validator(self)
        fitness = metrics.pop("fitness", -(self.loss or 0.0))
        if self.best_fitness is None or self.best_fitness < fitness:
            self.best_fitness = fitness
        return metrics, fitness

    def save_metrics(self, metrics: Mapping[str, float]) -> None:
        keys, vals = list(metrics), list(metrics.values())
        t = time.time() - self.train_time_start
        self._history.append({"epoch": float(self.epoch + 1), "time": t, **metrics})
        if not self._write_files:
            return
        n = len(metrics) + 2
        header = "" if self.csv.exists() else ("%s," * n % ("epoch", "time", *keys)).rstrip(",") + "\n"
        with open(self.csv, "a", encoding="utf-8") as f:
            f.write(header + ("%.6g," * n % (self.epoch + 1, t, *vals)).rstrip(",") + "\n")

    def save_model(self) -> bool:
        ckpt = {
            "epoch": self.epoch,
            "best_fitness": self.best_fitness,
            "model": None,
            "ema": None,
            "train_args": dict(vars(self.args)),
            "train_metrics": {**(self.metrics or {}), "fitness": self.fitness},
            "train_results": self.read_results_csv(),
            "date": datetime.now().astimezone().isoformat(),
            "version": f"standin (mirrors ultralytics {MIRRORED_ULTRALYTICS_VERSION})",
        }
        best = self.best_fitness == self.fitness
        if self._write_files:
            data = pickle.dumps(ckpt)
            self.wdir.mkdir(parents=True, exist_ok=True)
            self.last.write_bytes(data)
            if best:
                self.best.write_bytes(data)
            if self.save_period > 0 and self.epoch % self.save_period == 0:
                (self.wdir / f"epoch{self.epoch}.pt").write_bytes(data)
        if best:
            self._best_saved = True
            self._best_epoch = self.epoch
        return True

    def final_eval(self) -> None:
        assert self.validator is not None
        have_best = self.best.exists() if self._write_files else self._best_saved
        if have_best:
            self.validator.args.plots = self.args.plots
            self.validator.args.compile = False
            self.validator._eval_epoch = self._best_epoch
            metrics = self.validator(model=self.best)
            metrics.pop("fitness", None)
            self.metrics = metrics
            self.epoch += 1  # logged at step epochs+1, not overwriting the last epoch
            self._emit("on_fit_epoch_end")
            self.epoch -= 1

    def plot_metrics(self) -> None:
        path = self.save_dir / "results.png"
        if self._write_files:
            keys = [k for k in (self._history[0] if self._history else {}) if "loss" in k or "metric" in k]
            size = int(self.args.imgsz)
            write_chart(path, clamp(4 * size), clamp(2 * size), [[row[k] for row in self._history] for k in keys])
        self.on_plot(path)

    # ---- the simulated run ----------------------------------------------------------------------

    def _emit(self, event: str) -> None:
        if self._events is None or event in self._events:
            self.run_callbacks(event)

    def _setup_train(self) -> None:
        nb = self._num_batches
        self.stride = 32
        self.amp = False  # check_amp() is False on CPU
        self.train_loader = StandInLoader(nb, self.batch_size, StandInDataset(nb * self.batch_size))
        val_bs = self.batch_size * 2  # the detect test loader uses twice the batch size
        nvb = self._num_val_batches
        self.test_loader = StandInLoader(nvb, val_bs, StandInDataset(nvb * val_bs))
        self.accumulate = max(round(self.args.nbs / self.batch_size), 1)
        weight_decay = self.args.weight_decay * self.batch_size * self.accumulate / self.args.nbs
        self.accumulate = min(self.accumulate, nb * self.epochs)
        iterations = math.ceil(len(self.train_loader.dataset) / max(self.batch_size, self.args.nbs)) * self.epochs
        self.optimizer = self._build_optimizer(iterations, weight_decay)
        if self.args.cos_lr:
            lrf, steps = float(self.args.lrf), self.epochs
            self.lf = lambda x: max((1 - math.cos(x * math.pi / steps)) / 2, 0) * (lrf - 1) + 1
        else:
            lrf, epochs = float(self.args.lrf), self.epochs
            self.lf = lambda x: max(1 - x / epochs, 0) * (1.0 - lrf) + lrf
        for g in self.optimizer.param_groups:  # LambdaLR's constructor applies lf(0)
            g["lr"] = g["initial_lr"] * self.lf(0)
        self.validator = StandInValidator(
            self.test_loader,
            save_dir=self.save_dir,
            args=copy.copy(self.args),
            _callbacks=self.callbacks,
            _trajectory=self._trajectory,
            _write_files=self._write_files,
            _events=self._events,
        )
        self.validator.metrics.names = dict(self.data["names"])
        metric_keys = self.validator.metrics.keys + self.label_loss_items(prefix="val")
        self.metrics = dict.fromkeys(metric_keys, 0)  # ints, as in the real trainer
        if self.args.plots:
            self._plot_image("labels.jpg")
        self.stopper, self.stop = StandInEarlyStopping(patience=self.args.patience), False
        self._emit("on_pretrain_routine_end")

    def _build_optimizer(self, iterations: int, decay: float) -> StandInOptimizer:
        """Param groups as BaseTrainer.build_optimizer makes them (weight, bn, bias[, muon]),
        including the optimizer=auto rule that also rewrites args.optimizer/lr0/warmup_bias_lr."""
        name = str(self.args.optimizer)
        lr, momentum = float(self.args.lr0), float(self.args.momentum)
        if name.lower() == "auto":
            nc = int(self.data.get("nc", 10))
            lr_fit = round(0.002 * 5 / (4 + nc), 6)
            name, lr, momentum = ("MuSGD", 0.01, 0.9) if iterations > 10000 else ("AdamW", lr_fit, 0.9)
            self.args.optimizer, self.args.lr0 = name, lr
            self.args.warmup_bias_lr = 0.0
        if name in {"Adam", "Adamax", "AdamW", "NAdam", "RAdam"}:
            extra: dict[str, Any] = {"betas": (momentum, 0.999)}
        else:
            extra = {"momentum": momentum}
        base = [("weight", decay), ("bn", 0.0), ("bias", 0.0)]
        if name == "MuSGD":
            base.append(("muon", decay))
            groups = [(pg, wd, mult) for pg, wd in base for mult in (3.0, 1.0)]  # boosted head, then rest
        else:
            groups = [(pg, wd, 1.0) for pg, wd in base]
        return StandInOptimizer(
            [
                {
                    "params": [],
                    "lr": lr * m,
                    "initial_lr": lr * m,
                    "weight_decay": wd,
                    "param_group": pg,
                    **extra,
                }
                for pg, wd, m in groups
            ]
        )

    def _plot_image(self, fname: str) -> None:
        path = self.save_dir / fname
        if self._write_files:
            write_mosaic(path, clamp(2 * int(self.args.imgsz)), f"{self._trajectory.seed}/{fname}")
        self.on_plot(path)

    def _do_train(self) -> None:
        self._setup_train()
        assert self.optimizer is not None and self.lf is not None and self.metrics is not None
        nb = self._num_batches
        warmup_epochs = min(float(self.args.warmup_epochs), max(self.epochs - 1, 0))
        nw = round(warmup_epochs * nb) if warmup_epochs > 0 else 0
        acc0 = self.accumulate
        self.epoch_time = None
        self.epoch_time_start = self.train_time_start = time.time()
        self._emit("on_train_start")
        if self.args.close_mosaic:
            # The real trainer also plots the first three batches of the close-mosaic epoch; for
            # epochs <= close_mosaic these indices are negative and never reached.
            base_idx = (self.epochs - int(self.args.close_mosaic)) * nb
            self.plot_idx.extend([base_idx, base_idx + 1, base_idx + 2])
        epoch = self.start_epoch
        groups = self.optimizer.param_groups
        while True:
            self.epoch = epoch
            self._emit("on_train_epoch_start")
            for g in groups:  # scheduler.step() at the start of each epoch
                g["lr"] = g["initial_lr"] * self.lf(epoch)
            self.tloss = None
            for i in range(nb):
                self._emit("on_train_batch_start")
                ni = i + nb * epoch
                if nw and ni <= nw:
                    self.accumulate = max(1, round(float(np.interp(ni, [0, nw], [1, acc0]))))
                    for g in groups:
                        start = float(self.args.warmup_bias_lr) if g["param_group"] == "bias" else 0.0
                        g["lr"] = float(np.interp(ni, [0, nw], [start, g["initial_lr"] * self.lf(epoch)]))
                        if "momentum" in g:
                            g["momentum"] = float(
                                np.interp(ni, [0, nw], [self.args.warmup_momentum, self.args.momentum])
                            )
                items = self._trajectory.train_loss(ni)
                self.loss_items = items
                self.loss = sum(items.values()) * self.batch_size
                if not self.loss_names:  # derived from the criterion's loss dict on the first batch
                    self.loss_names = tuple(items)
                    self.metrics.update(dict.fromkeys(self.label_loss_items(prefix="val"), 0.0))
                prev: dict[str, float] | None = self.tloss  # running mean over the epoch's batches
                self.tloss = items if prev is None else {k: (prev[k] * i + v) / (i + 1) for k, v in items.items()}
                if self.args.plots and ni in self.plot_idx:
                    self._plot_image(f"train_batch{ni}.jpg")
                self._emit("on_train_batch_end")

            self.lr = {f"lr/pg{ir}": g["lr"] for ir, g in enumerate(groups)}
            self._emit("on_train_epoch_end")

            final_epoch = epoch + 1 >= self.epochs
            if self.args.val or final_epoch or self.stopper.possible_stop or self.stop:
                self.metrics, self.fitness = self.validate()
            assert self.tloss is not None
            self.save_metrics({**self.label_loss_items(self.tloss), **self.metrics, **self.lr})
            self.stop |= self.stopper(epoch + 1, self.fitness) or final_epoch
            if (self.args.save or final_epoch) and self.save_model():
                self._emit("on_model_save")
            t = time.time()
            self.epoch_time = t - self.epoch_time_start
            self.epoch_time_start = t
            self._emit("on_fit_epoch_end")
            if self.stop:
                break
            epoch += 1

        self.final_eval()
        if self.args.plots:
            self.plot_metrics()
        self._emit("on_train_end")


def _to_yaml(d: Mapping[str, Any]) -> str:
    """args.yaml without needing PyYAML: JSON scalars and lists are valid YAML flow values."""
    lines = []
    for k, v in d.items():
        value = v if isinstance(v, (bool, int, float, str, list, type(None))) else str(v)
        lines.append(f"{k}: {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def _build_tiny_model(names: Mapping[int, str], args: StandInArgs) -> Any:
    try:
        from torch import nn
    except ImportError:
        return None
    nc = len(names)
    # A Conv2d comes first because get_flops() sizes its probe image from the first parameter's
    # in-channels; no `stride` attribute, so get_flops() falls back to 32.
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, 2, 1, bias=False),
        nn.BatchNorm2d(8),
        nn.SiLU(),
        nn.Conv2d(8, 16, 3, 2, 1),
        nn.SiLU(),
        nn.Conv2d(16, 4 + nc, 1),
    )
    # Attributes a DetectionModel carries (setattr: nn.Module's __setattr__ is typed for tensors).
    for key, value in {
        "names": dict(names),
        "nc": nc,
        "args": args,
        "yaml": {"nc": nc, "standin": True},
    }.items():
        setattr(model, key, value)
    return model


def simulate_training(
    callbacks: Mapping[str, Callback | Sequence[Callback]],
    save_dir: Path,
    *,
    epochs: int = 3,
    batches: int = 2,
    val_batches: int = 1,
    write_files: bool = True,
    image_size: int = 64,
    seed: int = 0,
    events: Collection[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> StandInTrainer:
    """Run a simulated training and return the trainer in its final state.

    ``callbacks`` maps event names to a callback or a sequence of callbacks (registered in that
    order). ``events`` restricts which events fire (e.g. ``EPOCH_EVENTS``); the simulated values
    and files do not depend on it. ``write_files=False`` keeps everything off the disk (plots are
    still registered in ``trainer.plots``/``validator.plots``, with paths that do not exist).
    ``overrides`` sets Ultralytics args, e.g. ``{"plots": False}``, ``{"val": False}``,
    ``{"batch": 4}``, ``{"project": "p", "name": "n"}``.
    """
    trainer = StandInTrainer(
        save_dir,
        epochs=epochs,
        batches=batches,
        val_batches=val_batches,
        write_files=write_files,
        image_size=image_size,
        seed=seed,
        overrides=overrides,
        callbacks=callbacks,
        events=events,
    )
    trainer.train()
    return trainer
