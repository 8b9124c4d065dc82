"""Small mirrors of the objects callbacks touch: device, optimizer, dataset, loader, early stopping, metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

Callback = Callable[[Any], None]


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
        self._validated = False

    @property
    def keys(self) -> list[str]:
        return ["metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)", "metrics/mAP50-95(B)"]

    def mean_results(self) -> list[float]:
        return [self.box.mp, self.box.mr, self.box.map50, self.box.map]

    def class_result(self, i: int) -> tuple[float, float, float, float]:
        """(P, R, mAP50, mAP50-95) of class ``ap_class_index[i]``: the means spread over the classes,
        from 0.1 below for the first to 0.1 above for the last, so that classes differ."""
        n = len(self.ap_class_index)
        offset = 0.0 if n < 2 else 0.2 * i / (n - 1) - 0.1
        p, r, m50, m = (min(1.0, max(0.0, v + offset)) for v in self.mean_results())
        return p, r, m50, m

    @property
    def fitness(self) -> float:
        # Metric.fitness weights [P, R, mAP50, mAP50-95] as [0, 0, 0, 1] in 8.4.x.
        return self.box.map

    @property
    def results_dict(self) -> dict[str, float]:
        return dict(zip([*self.keys, "fitness"], [*self.mean_results(), self.fitness], strict=True))

    @property
    def ap_class_index(self) -> list[int]:
        """The classes with labels in the last validation (here: all), none before the first."""
        return list(self.names) if self._validated else []

    @property
    def maps(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        return np.full(len(self.names), self.box.map)

    @property
    def curves(self) -> list[str]:
        return ["Precision-Recall(B)", "F1-Confidence(B)", "Precision-Confidence(B)", "Recall-Confidence(B)"]

    @property
    def curves_results(self) -> list[list[Any]]:
        px, prec, f1, p, r = curves(len(self.names), self.box.mp, self.box.mr, self._seed)
        return [
            [px, prec, "Recall", "Precision"],
            [px, f1, "Confidence", "F1"],
            [px, p, "Confidence", "Precision"],
            [px, r, "Confidence", "Recall"],
        ]

    def update(self, precision: float, recall: float, map50: float, map50_95: float, seed: int) -> None:
        self.box = StandInBoxMetric(precision, recall, map50, map50_95, len(self.names))
        self._seed = seed
        self._validated = True


def curves(nc: int, precision: float, recall: float, seed: int) -> tuple[np.ndarray[Any, Any], ...]:
    """Plausible per-class PR and metric-confidence curves of 1000 points, like ``ap_per_class``."""
    rng = np.random.default_rng(seed)
    px = np.linspace(0, 1, 1000)
    shape = rng.uniform(0.8, 1.2, size=(max(nc, 1), 1))
    prec = np.clip(1 - px ** (2.0 + 4 * precision * shape), 0, 1)  # precision vs recall
    p = np.clip(precision * shape * (0.6 + 0.4 * px), 0, 1)  # rises with confidence
    r = np.clip(recall * shape * (1 - px**2), 0, 1)  # falls with confidence
    f1 = 2 * p * r / (p + r + 1e-16)
    return px, prec, f1, p, r
