"""A fast, faithful stand-in for an Ultralytics ``DetectionTrainer`` and its validator.

Compiled callbacks have to be tested and benchmarked against the objects a real ``model.train()``
hands them, but a real training is far too slow for that. This module mirrors, for Ultralytics
8.4.190 (``engine/trainer.py``, ``engine/validator.py``, ``models/yolo/detect/{train,val}.py``):

* the order in which the callback events fire (including the per-batch events, the final
  validation of ``best.pt`` and ``teardown``), and the events that never fire in a training;
* the attributes real callbacks read (``epoch``, ``epochs``, ``lr``, ``tloss``,
  ``label_loss_items``, ``metrics``, ``fitness``, ``best_fitness``, ``plots``, ``save_dir``,
  ``best``, ``last``, ``args``, ``validator.speed``/``plots``/``metrics``/``training``, ...);
* the files a run writes, at the moment it writes them (small but valid JPG/PNG images).

Numbers evolve plausibly (losses fall, mAP rises) and deterministically from a seed. The
learning-rate schedule, including warm-up and the ``optimizer=auto`` choice, is the real formula,
so ``trainer.lr`` matches a real run with the same epochs, batches and classes.

Known differences from a real run, all deliberate: loss values are ``float`` (real: 0-d tensors),
checkpoints are small pickles (real: ``torch.save`` archives), images are written synchronously
(real: ``plot_images`` runs in a thread, so ``train_batch*.jpg`` can land one event late),
``args.time``, resuming, DDP, AMP and NaN recovery are not simulated.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import math
import pickle
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Final, overload

import numpy as np

__all__ = [
    "ALL_EVENTS",
    "BATCH_EVENTS",
    "EPOCH_EVENTS",
    "EVENT_ORDER",
    "FIRED_EVENTS",
    "MIRRORED_ULTRALYTICS_VERSION",
    "UNFIRED_EVENTS",
    "StandInArgs",
    "StandInDetMetrics",
    "StandInTrainer",
    "StandInValidator",
    "compress_events",
    "default_args",
    "event_order",
    "simulate_training",
]

Callback = Callable[[Any], None]

MIRRORED_ULTRALYTICS_VERSION: Final = "8.4.190"

# ultralytics/utils/callbacks/base.py, in its order.
ALL_EVENTS: Final[tuple[str, ...]] = (
    "on_pretrain_routine_start",
    "on_pretrain_routine_end",
    "on_train_start",
    "on_train_epoch_start",
    "on_train_batch_start",
    "optimizer_step",
    "on_before_zero_grad",
    "on_train_batch_end",
    "on_train_epoch_end",
    "on_fit_epoch_end",
    "on_model_save",
    "on_train_end",
    "on_params_update",
    "teardown",
    "on_val_start",
    "on_val_batch_start",
    "on_val_batch_end",
    "on_val_end",
    "on_predict_start",
    "on_predict_batch_start",
    "on_predict_postprocess_end",
    "on_predict_batch_end",
    "on_predict_end",
    "on_export_start",
    "on_export_end",
)

# The events a training fires, in first-firing order. base.py marks optimizer_step,
# on_before_zero_grad and on_params_update "reserved, not called by default": the trainer's
# optimizer_step() is a method, not a callback event. Predict/export events need a predictor or
# exporter, which a training never builds.
FIRED_EVENTS: Final[tuple[str, ...]] = (
    "on_pretrain_routine_start",
    "on_pretrain_routine_end",
    "on_train_start",
    "on_train_epoch_start",
    "on_train_batch_start",
    "on_train_batch_end",
    "on_train_epoch_end",
    "on_val_start",
    "on_val_batch_start",
    "on_val_batch_end",
    "on_val_end",
    "on_model_save",
    "on_fit_epoch_end",
    "on_train_end",
    "teardown",
)
UNFIRED_EVENTS: Final[tuple[str, ...]] = tuple(e for e in ALL_EVENTS if e not in FIRED_EVENTS)
BATCH_EVENTS: Final[frozenset[str]] = frozenset(
    {"on_train_batch_start", "on_train_batch_end", "on_val_batch_start", "on_val_batch_end"}
)
# What a benchmark of epoch-level logging wants: everything a training fires except per-batch events.
EPOCH_EVENTS: Final[tuple[str, ...]] = tuple(e for e in FIRED_EVENTS if e not in BATCH_EVENTS)

EVENT_ORDER: Final[str] = """\
Event order of a real Ultralytics 8.4.190 detection training (default args: val=True, save=True),
recorded from real runs; `event_order()` produces it as a list.

  on_pretrain_routine_start   trainer.__init__, after args.yaml and weights/ exist
  on_pretrain_routine_end     after the model, loaders, validator and labels.jpg (plots=True)
  on_train_start
  per epoch (trainer.epoch = 0 .. epochs-1):
    on_train_epoch_start
    per batch: on_train_batch_start, on_train_batch_end   (train_batch{ni}.jpg written between)
    on_train_epoch_end          trainer.lr set just before; tloss = mean loss of the epoch
    on_val_start, per val batch: on_val_batch_start, on_val_batch_end, on_val_end
                                (validator.training True; with val=False only in the last epoch)
    on_model_save               after results.csv row + weights/last.pt (+ best.pt) are written
    on_fit_epoch_end            trainer.metrics = validation metrics incl. val/*_loss
  final validation of weights/best.pt (validator called without trainer, training False):
    on_val_start, per val batch: on_val_batch_start, on_val_batch_end, on_val_end
    on_fit_epoch_end            trainer.epoch == epochs (bumped by one, restored afterwards);
                                trainer.metrics has only the four metrics/*(B) keys
  on_train_end                after results.png (plots=True)
  teardown                    always, also when a callback raised

Never fired by a training: optimizer_step, on_before_zero_grad, on_params_update,
on_predict_*, on_export_*.
"""


def event_order(
    epochs: int = 3,
    batches: int = 2,
    val_batches: int = 1,
    *,
    events: Collection[str] | None = None,
    val: bool = True,
    save: bool = True,
) -> list[str]:
    """Return the events a training with these sizes fires, in order (see ``EVENT_ORDER``).

    ``val``/``save`` mirror the Ultralytics args of those names; early stopping is assumed not to
    trigger (the stand-in's fitness rises every epoch, so it never does there).
    """
    _check_sizes(epochs, batches, val_batches)
    wanted = _event_filter(events)
    validation = ["on_val_start", *(["on_val_batch_start", "on_val_batch_end"] * val_batches), "on_val_end"]
    seq = ["on_pretrain_routine_start", "on_pretrain_routine_end", "on_train_start"]
    for epoch in range(epochs):
        final = epoch + 1 >= epochs
        seq.append("on_train_epoch_start")
        seq.extend(["on_train_batch_start", "on_train_batch_end"] * batches)
        seq.append("on_train_epoch_end")
        if val or final:
            seq.extend(validation)
        if save or final:
            seq.append("on_model_save")
        seq.append("on_fit_epoch_end")
    # best.pt exists after any save (its fitness is None == None when val=False), so the final
    # validation always happens.
    seq.extend([*validation, "on_fit_epoch_end", "on_train_end", "teardown"])
    return seq if wanted is None else [e for e in seq if e in wanted]


def compress_events(seq: Iterable[str]) -> list[str]:
    """Collapse runs of per-batch events so sequences of different sizes stay readable.

    ``[s, e, s, e]`` for a ``*_batch_start``/``*_batch_end`` pair becomes ``"s/e x2"``; any other
    run of one repeated event becomes ``"event xN"`` (N > 1).
    """
    items = list(seq)
    out: list[str] = []
    i = 0
    while i < len(items):
        ev = items[i]
        if ev.endswith("_batch_start"):
            end = ev[: -len("start")] + "end"
            n = 0
            while i + 1 < len(items) and items[i] == ev and items[i + 1] == end:
                n += 1
                i += 2
            if n:
                out.append(f"{ev}/{end} x{n}")
                continue
        n = 1
        while i + n < len(items) and items[i + n] == ev:
            n += 1
        out.append(ev if n == 1 else f"{ev} x{n}")
        i += n
    return out


# --------------------------------------------------------------------------------------------------
# Arguments


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

    With ``use_ultralytics`` the real defaults are used when ultralytics is installed: from
    ``ultralytics.cfg.get_cfg()`` if ultralytics is already imported, otherwise by reading its
    ``cfg/default.yaml`` directly, because importing ultralytics costs over a second (it imports
    torch). Without ultralytics (or PyYAML) the built-in fallback holds the main defaults.
    """
    key = "ultralytics" if use_ultralytics else "fallback"
    if key not in _DEFAULTS_CACHE:
        found = _ultralytics_defaults() if use_ultralytics else None
        _DEFAULTS_CACHE[key] = found if found is not None else dict(_FALLBACK_DEFAULTS)
    return copy.deepcopy(_DEFAULTS_CACHE[key])


def _ultralytics_defaults() -> dict[str, Any] | None:
    cfg_module = sys.modules.get("ultralytics.cfg")
    if cfg_module is not None:
        return dict(vars(cfg_module.get_cfg()))
    try:
        spec = importlib.util.find_spec("ultralytics")
    except (ImportError, ValueError):  # a module blocked with sys.modules[...] = None raises ValueError
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "cfg" / "default.yaml"
    try:
        import yaml

        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception:  # any failure here just means "use the fallback"
        return None
    if not isinstance(loaded, dict):
        return None
    # ultralytics' YAML.load turns the string "none" into None; mirror that.
    return {str(k): (None if isinstance(v, str) and v.lower() == "none" else v) for k, v in loaded.items()}


# --------------------------------------------------------------------------------------------------
# Small mirrors of objects callbacks touch


@dataclass(frozen=True)
class StandInDevice:
    """What callbacks read of ``trainer.device`` (a ``torch.device`` in a real run)."""

    type: str = "cpu"
    index: int | None = None

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


@dataclass
class StandInOptimizer:
    """``param_groups`` like a torch optimizer's, minus the parameters."""

    param_groups: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class StandInDataset:
    num_images: int
    labels: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return self.num_images


@dataclass
class StandInLoader:
    """What callbacks read of a dataloader: ``len()``, ``dataset``, ``batch_size``, ``num_workers``."""

    num_batches: int
    batch_size: int
    dataset: StandInDataset
    num_workers: int = 0

    def __len__(self) -> int:
        return self.num_batches


class StandInEarlyStopping:
    """Same logic as ``ultralytics.utils.torch_utils.EarlyStopping``."""

    def __init__(self, patience: int | None = 50) -> None:
        self.best_fitness = 0.0
        self.best_epoch = 0
        self.patience: float = patience or float("inf")
        self.possible_stop = False

    def __call__(self, epoch: int, fitness: float | None) -> bool:
        if fitness is None:
            return False
        if fitness > self.best_fitness or self.best_fitness == 0:
            self.best_epoch = epoch
            self.best_fitness = fitness
        delta = epoch - self.best_epoch
        self.possible_stop = delta >= (self.patience - 1)
        return delta >= self.patience


@dataclass
class StandInConfusionMatrix:
    """``matrix`` is (nc+1) x (nc+1), the last row/column being background, like the real one."""

    names: dict[int, str]
    matrix: np.ndarray[Any, np.dtype[np.float64]]
    task: str = "detect"

    @property
    def nc(self) -> int:
        return len(self.names)


@dataclass
class StandInBoxMetric:
    """The few ``Metric`` fields callbacks read through ``validator.metrics.box``."""

    mp: float = 0.0
    mr: float = 0.0
    map50: float = 0.0
    map: float = 0.0
    nc: int = 0
    image_metrics: dict[str, Any] = field(default_factory=dict)


class StandInDetMetrics:
    """Mirror of ``ultralytics.utils.metrics.DetMetrics`` as far as callbacks read it."""

    def __init__(self, names: dict[int, str] | None = None) -> None:
        self.names: dict[int, str] = dict(names or {})
        self.box = StandInBoxMetric()
        self.speed: dict[str, float] = {"preprocess": 0.0, "inference": 0.0, "loss": 0.0, "postprocess": 0.0}
        self.confusion_matrix: StandInConfusionMatrix | None = None
        self.save_dir: Path | None = None
        self.task = "detect"
        self._seed = 0

    @property
    def keys(self) -> list[str]:
        return ["metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)", "metrics/mAP50-95(B)"]

    def mean_results(self) -> list[float]:
        return [self.box.mp, self.box.mr, self.box.map50, self.box.map]

    @property
    def fitness(self) -> float:
        # Metric.fitness weights [P, R, mAP50, mAP50-95] as [0, 0, 0, 1] in 8.4.x.
        return self.box.map

    @property
    def results_dict(self) -> dict[str, float]:
        return dict(zip([*self.keys, "fitness"], [*self.mean_results(), self.fitness], strict=True))

    @property
    def ap_class_index(self) -> list[int]:
        return list(self.names)

    @property
    def maps(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        return np.full(len(self.names), self.box.map)

    @property
    def curves(self) -> list[str]:
        return ["Precision-Recall(B)", "F1-Confidence(B)", "Precision-Confidence(B)", "Recall-Confidence(B)"]

    @property
    def curves_results(self) -> list[list[Any]]:
        px, prec, f1, p, r = _curves(len(self.names), self.box.mp, self.box.mr, self._seed)
        return [
            [px, prec, "Recall", "Precision"],
            [px, f1, "Confidence", "F1"],
            [px, p, "Confidence", "Precision"],
            [px, r, "Confidence", "Recall"],
        ]

    def update(self, precision: float, recall: float, map50: float, map50_95: float, seed: int) -> None:
        self.box = StandInBoxMetric(precision, recall, map50, map50_95, len(self.names))
        self._seed = seed


def _curves(nc: int, precision: float, recall: float, seed: int) -> tuple[np.ndarray[Any, Any], ...]:
    """Plausible per-class PR and metric-confidence curves of 1000 points, like ``ap_per_class``."""
    rng = np.random.default_rng(seed)
    px = np.linspace(0, 1, 1000)
    shape = rng.uniform(0.8, 1.2, size=(max(nc, 1), 1))
    prec = np.clip(1 - px ** (2.0 + 4 * precision * shape), 0, 1)  # precision vs recall
    p = np.clip(precision * shape * (0.6 + 0.4 * px), 0, 1)  # rises with confidence
    r = np.clip(recall * shape * (1 - px**2), 0, 1)  # falls with confidence
    f1 = 2 * p * r / (p + r + 1e-16)
    return px, prec, f1, p, r


# --------------------------------------------------------------------------------------------------
# Deterministic, plausible numbers

_LOSS_START: Final = {"box_loss": 1.65, "cls_loss": 2.6, "dfl_loss": 1.55}
_LOSS_FINAL: Final = {"box_loss": 0.95, "cls_loss": 0.62, "dfl_loss": 1.02}


class _Trajectory:
    """Loss and metric values as functions of progress; separate random streams for training and
    validation so neither depends on which events are fired or whether files are written."""

    def __init__(self, seed: int, epochs: int, batches: int) -> None:
        self.seed = seed
        self.epochs = max(epochs, 1)
        self.total = max(epochs * batches, 1)
        self._train_rng = random.Random(f"standin-train-{seed}")
        self._val_rng = random.Random(f"standin-val-{seed}")
        self._metrics: dict[int, tuple[float, float, float, float]] = {}

    def train_loss(self, ni: int) -> dict[str, float]:
        decay = math.exp(-3.0 * ni / self.total)
        rng = self._train_rng
        return {
            k: (_LOSS_FINAL[k] + (s - _LOSS_FINAL[k]) * decay) * (1 + 0.03 * rng.uniform(-1, 1))
            for k, s in _LOSS_START.items()
        }

    def val_loss(self, epoch: int) -> dict[str, float]:
        decay = math.exp(-3.0 * (epoch + 1) / self.epochs)
        rng = self._val_rng
        return {
            k: 1.08 * (_LOSS_FINAL[k] + (s - _LOSS_FINAL[k]) * decay) * (1 + 0.02 * rng.uniform(-1, 1))
            for k, s in _LOSS_START.items()
        }

    def metrics(self, epoch: int) -> tuple[float, float, float, float]:
        """(precision, recall, mAP50, mAP50-95) after ``epoch``; memoised so that the final
        validation of best.pt reproduces the values of the best epoch."""
        if epoch not in self._metrics:
            # Strictly increasing progress, so fitness (= mAP50-95) improves every epoch and
            # early stopping never cuts a simulation short.
            q = 0.9 * (1 - math.exp(-3.0 * (epoch + 1) / self.epochs)) + 0.1 * (epoch + 1) / self.epochs
            rng = random.Random(f"standin-metrics-{self.seed}-{epoch}")
            map50_95 = 0.02 + 0.55 * q
            map50 = min(1.0, map50_95 * 1.45 + 0.01 * rng.uniform(-1, 1))
            precision = min(1.0, max(0.0, 0.2 + 0.65 * q + 0.02 * rng.uniform(-1, 1)))
            recall = min(1.0, max(0.0, 0.1 + 0.7 * q + 0.02 * rng.uniform(-1, 1)))
            self._metrics[epoch] = (precision, recall, map50, map50_95)
        return self._metrics[epoch]

    def speed(self, training: bool, imgsz: int) -> dict[str, float]:
        rng = self._val_rng
        scale = (imgsz / 64) ** 2
        return {
            "preprocess": rng.uniform(0.02, 0.2),
            "inference": rng.uniform(1.5, 4.0) * scale,
            "loss": rng.uniform(0.1, 0.6) if training else rng.uniform(0.0, 0.002),
            "postprocess": rng.uniform(0.5, 1.5),
        }


# --------------------------------------------------------------------------------------------------
# Image files (small but valid, so uploaders and image readers accept them)


def _clamp(v: int, lo: int = 64, hi: int = 320) -> int:
    return max(lo, min(hi, v))


def _write_mosaic(path: Path, size: int, seed: str) -> None:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    img = Image.new("RGB", (size, size), (114, 114, 114))
    draw = ImageDraw.Draw(img)
    half = size // 2
    for tx in (0, half):
        for ty in (0, half):
            draw.rectangle((tx, ty, tx + half - 1, ty + half - 1), fill=tuple(rng.randrange(40, 220) for _ in "rgb"))
            for _ in range(2):
                x0, y0 = tx + rng.randrange(half // 2), ty + rng.randrange(half // 2)
                x1, y1 = x0 + rng.randrange(4, half // 2), y0 + rng.randrange(4, half // 2)
                draw.rectangle((x0, y0, x1, y1), outline=(255, 56, 56), width=1)
    img.save(path, quality=85)


def _write_chart(path: Path, width: int, height: int, series: Sequence[Sequence[float]]) -> None:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    m = 6
    draw.line((m, m, m, height - m, width - m, height - m), fill=(0, 0, 0))
    palette = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189))
    for k, ys in enumerate(series):
        if not ys:
            continue
        lo, hi = min(ys), max(ys)
        span = (hi - lo) or 1.0
        n = max(len(ys) - 1, 1)
        pts = [(m + (width - 2 * m) * i / n, height - m - (height - 2 * m) * (y - lo) / span) for i, y in enumerate(ys)]
        if len(pts) == 1:
            pts.append((width - m, pts[0][1]))
        draw.line(pts, fill=palette[k % len(palette)], width=1)
    img.save(path)


def _write_matrix(path: Path, size: int, matrix: np.ndarray[Any, Any]) -> None:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    n = matrix.shape[0]
    cell = size / n
    top = float(matrix.max()) or 1.0
    for i in range(n):
        for j in range(n):
            shade = int(255 - 200 * float(matrix[i, j]) / top)
            draw.rectangle((j * cell, i * cell, (j + 1) * cell - 1, (i + 1) * cell - 1), fill=(shade, shade, 255))
    img.save(path)


def _emit_filter_check(events: Collection[str] | None) -> None:
    if events is None:
        return
    unknown = sorted(set(events) - set(ALL_EVENTS))
    if unknown:
        raise ValueError(f"unknown Ultralytics callback event(s): {', '.join(unknown)}")


def _event_filter(events: Collection[str] | None) -> frozenset[str] | None:
    if isinstance(events, str):  # a lone name would otherwise be read as a collection of letters
        raise TypeError("events must be a collection of event names, not a string")
    _emit_filter_check(events)
    return None if events is None else frozenset(events)


def _check_sizes(epochs: int, batches: int, val_batches: int) -> None:
    for name, value in (("epochs", epochs), ("batches", batches), ("val_batches", val_batches)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")


def _new_callbacks() -> defaultdict[str, list[Callback]]:
    return defaultdict(list, {e: [] for e in ALL_EVENTS})


# --------------------------------------------------------------------------------------------------
# Validator


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
        _trajectory: _Trajectory | None = None,
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
        self.callbacks: defaultdict[str, list[Callback]] = _callbacks if _callbacks is not None else _new_callbacks()
        self.metrics = StandInDetMetrics()
        self.loss: dict[str, float] = {}
        self._trajectory = _trajectory or _Trajectory(0, 1, 1)
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
            px, prec, f1, pc, rc = _curves(len(self.metrics.names), p, r, self.metrics._seed)
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
                    _write_matrix(path, _clamp(2 * int(self.args.imgsz)), shown)
                self.on_plot(path, {"type": "confusion_matrix", "matrix": cm.matrix.tolist()})
        self.metrics.speed = self.speed
        self.metrics.confusion_matrix = cm
        self.metrics.save_dir = self.save_dir

    def _plot_batch(self, fname: str) -> None:
        path = self.save_dir / fname
        if self._write_files:
            _write_mosaic(path, _clamp(2 * int(self.args.imgsz)), f"{self._trajectory.seed}/{self._calls}/{fname}")
        self.on_plot(path)

    def _plot_curve(self, fname: str, y: np.ndarray[Any, Any], data: dict[str, Any]) -> None:
        path = self.save_dir / fname
        if self._write_files:
            size = int(self.args.imgsz)
            _write_chart(path, _clamp(3 * size), _clamp(2 * size), [row[::10].tolist() for row in np.atleast_2d(y)])
        self.on_plot(path, data)


# --------------------------------------------------------------------------------------------------
# Trainer


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
        _check_sizes(epochs, batches, val_batches)
        self._events = _event_filter(events)
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
        _check_sizes(self.epochs, batches, val_batches)  # overrides may have changed epochs
        self.start_epoch = 0
        self.args.workers = 0  # the real trainer sets this on CPU

        self.callbacks = _new_callbacks()
        for event, fns in (callbacks or {}).items():
            _emit_filter_check([event])
            for fn in [fns] if callable(fns) else list(fns):
                self.add_callback(event, fn)
        self.world_size = 0
        self.ddp = False
        self.resume = False
        self._trajectory = _Trajectory(seed, self.epochs, batches)
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
            _write_chart(path, _clamp(4 * size), _clamp(2 * size), [[row[k] for row in self._history] for k in keys])
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
            _write_mosaic(path, _clamp(2 * int(self.args.imgsz)), f"{self._trajectory.seed}/{fname}")
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
