"""The stand-in DetectionValidator: its events, metrics, plots and files."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .args import StandInArgs, default_args
from .events import new_callbacks
from .images import clamp, write_chart, write_matrix, write_mosaic
from .numbers import Trajectory
from .objects import StandInConfusionMatrix, StandInDataset, StandInDetMetrics, StandInDevice, StandInLoader, curves

if TYPE_CHECKING:
    from .trainer import StandInTrainer

Callback = Callable[[Any], None]


class StandInValidator:
    """Mirror of ``DetectionValidator``: same events, attributes, plots and return values.

    ``callbacks`` is the trainer's own dict (the real trainer passes ``_callbacks=self.callbacks``),
    so callbacks added to the trainer after the validator exists still reach the validator.
    """

    def __init__(
        self,
        dataloader: StandInLoader | None = None,
        save_dir: Path | None = None,
        args: StandInArgs | Mapping[str, Any] | None = None,
        _callbacks: defaultdict[str, list[Callback]] | None = None,
        *,
        _trajectory: Trajectory | None = None,
        _write_files: bool = True,
        _events: frozenset[str] | None = None,
    ) -> None:
        if isinstance(args, StandInArgs):
            self.args = args
        else:
            self.args = StandInArgs(**{**default_args(), "mode": "val", **(args or {})})
        self.dataloader = dataloader or StandInLoader(1, 32, StandInDataset(32))
        self.stride: int | None = None
        self.data: dict[str, Any] | None = None
        self.device: StandInDevice | None = None
        self.batch_i: int | None = None
        self.training = True
        self.names: dict[int, str] | None = None
        self.seen: int | None = None
        self.stats: dict[str, Any] | None = None
        self.confusion_matrix: StandInConfusionMatrix | None = None
        self.nc: int | None = None
        self.jdict: list[dict[str, Any]] | None = None
        self.speed = {"preprocess": 0.0, "inference": 0.0, "loss": 0.0, "postprocess": 0.0}
        self.save_dir = Path(save_dir) if save_dir is not None else Path(str(self.args.get("save_dir") or "."))
        self._write_files = _write_files
        if _write_files:
            self.save_dir.mkdir(parents=True, exist_ok=True)
        if self.args.conf is None:
            self.args.conf = 0.001  # DetectionValidator default for task=detect
        self.args.task = "detect"
        self.plots: dict[Path, dict[str, Any]] = {}
        self.callbacks: defaultdict[str, list[Callback]] = _callbacks if _callbacks is not None else new_callbacks()
        self.metrics = StandInDetMetrics()
        self.loss: dict[str, float] = {}
        self._trajectory = _trajectory or Trajectory(0, 1, 1)
        self._events = _events
        self._eval_epoch = 0  # the epoch whose weights a trainer-less call evaluates (best.pt's)
        self._calls = 0

    def add_callback(self, event: str, callback: Callback) -> None:
        self.callbacks[event].append(callback)

    def run_callbacks(self, event: str) -> None:
        for callback in self.callbacks.get(event, []):
            callback(self)

    def _emit(self, event: str) -> None:
        if self._events is None or event in self._events:
            self.run_callbacks(event)

    def on_plot(self, name: str | Path, data: Any = None) -> None:
        self.plots[Path(name)] = {"data": data, "timestamp": time.time()}

    def get_desc(self) -> str:
        return ("%22s" + "%11s" * 6) % ("Class", "Images", "Instances", "Box(P", "R", "mAP50", "mAP50-95)")

    def __call__(self, trainer: StandInTrainer | None = None, model: Any = None) -> dict[str, float]:
        self.training = trainer is not None
        if trainer is not None:
            self.device = trainer.device
            self.data = trainer.data
            self.args.quantize = None  # fp32 validation on CPU
            self.loss = dict.fromkeys(trainer.loss_items or {}, 0.0)
            # Real code: `self.args.plots &= ...` -- sticky, so for epochs > 1 the first validation
            # turns plotting off for the whole training and only the final validation plots again.
            self.args.plots &= trainer.stopper.possible_stop or (trainer.epoch == trainer.epochs - 1)
            epoch = trainer.epoch
        else:
            self.device = StandInDevice()
            epoch = self._eval_epoch
        if self.data is None:
            self.data = {"names": {0: "cat", 1: "dog"}, "nc": 2, "channels": 3}
        self._calls += 1
        self._emit("on_val_start")
        self._init_metrics()
        val_losses = self._trajectory.val_loss(epoch) if self.training else {}
        per_batch = self.dataloader.batch_size
        for batch_i in range(len(self.dataloader)):
            self._emit("on_val_batch_start")
            self.batch_i = batch_i  # set after the start event, as in the real loop
            self.seen = (self.seen or 0) + per_batch
            for k in self.loss:
                self.loss[k] += val_losses.get(k, 0.0)
            if self.args.plots and batch_i < 3:
                self._plot_batch(f"val_batch{batch_i}_labels.jpg")
                self._plot_batch(f"val_batch{batch_i}_pred.jpg")
            self._emit("on_val_batch_end")
        stats = self._get_stats(epoch)
        self.speed = self._trajectory.speed(self.training, int(self.args.imgsz))
        self._finalize_metrics()
        self._emit("on_val_end")
        if trainer is not None:
            n = len(self.dataloader)
            loss = {k: v / n for k, v in self.loss.items()}
            results = {**stats, **trainer.label_loss_items(loss, prefix="val")}
            return {k: round(float(v), 5) for k, v in results.items()}
        return stats

    def _init_metrics(self) -> None:
        names = dict((self.data or {}).get("names") or {0: "cat", 1: "dog"})
        self.names = names
        self.nc = len(names)
        self.seen = 0
        self.jdict = []
        self.metrics.names = names
        self.confusion_matrix = StandInConfusionMatrix(names, np.zeros((self.nc + 1, self.nc + 1)))

    def _get_stats(self, epoch: int) -> dict[str, float]:
        p, r, m50, m = self._trajectory.metrics(epoch)
        self.metrics.update(p, r, m50, m, seed=self._trajectory.seed * 7919 + epoch)
        if self.args.plots:
            px, prec, f1, pc, rc = curves(len(self.metrics.names), p, r, self.metrics._seed)
            ap = np.tile([m50, *np.linspace(m50, m, 9)], (len(self.metrics.names), 1))
            self._plot_curve(
                "BoxPR_curve.png",
                prec,
                {"type": "pr_curve", "x": px.tolist(), "y": prec.tolist(), "ap": ap.tolist()},
            )
            for fname, ylabel, y in (
                ("BoxF1_curve.png", "F1", f1),
                ("BoxP_curve.png", "Precision", pc),
                ("BoxR_curve.png", "Recall", rc),
            ):
                self._plot_curve(fname, y, {"type": f"{ylabel.lower()}_curve", "x": px.tolist(), "y": y.tolist()})
        return self.metrics.results_dict

    def _finalize_metrics(self) -> None:
        cm = self.confusion_matrix
        if self.args.plots and cm is not None:
            # process_batch only runs with plots on; fill a plausible mostly-diagonal matrix.
            nc = cm.nc
            total = float(self.seen or 1)
            hit = self.metrics.box.mr
            for c in range(nc):
                cm.matrix[c, c] = round(total * hit / max(nc, 1))
                cm.matrix[nc, c] = round(total * (1 - hit) / max(nc, 1))
                cm.matrix[c, nc] = round(total * (1 - self.metrics.box.mp) / max(nc, 1))
            for normalize in (True, False):
                title = "confusion_matrix_normalized.png" if normalize else "confusion_matrix.png"
                path = self.save_dir / title
                if self._write_files:
                    shown = cm.matrix / (cm.matrix.sum(0).reshape(1, -1) + 1e-9) if normalize else cm.matrix
                    write_matrix(path, clamp(2 * int(self.args.imgsz)), shown)
                self.on_plot(path, {"type": "confusion_matrix", "matrix": cm.matrix.tolist()})
        self.metrics.speed = self.speed
        self.metrics.confusion_matrix = cm
        self.metrics.save_dir = self.save_dir

    def _plot_batch(self, fname: str) -> None:
        path = self.save_dir / fname
        if self._write_files:
            write_mosaic(path, clamp(2 * int(self.args.imgsz)), f"{self._trajectory.seed}/{self._calls}/{fname}")
        self.on_plot(path)

    def _plot_curve(self, fname: str, y: np.ndarray[Any, Any], data: dict[str, Any]) -> None:
        path = self.save_dir / fname
        if self._write_files:
            size = int(self.args.imgsz)
            write_chart(path, clamp(3 * size), clamp(2 * size), [row[::10].tolist() for row in np.atleast_2d(y)])
        self.on_plot(path, data)
