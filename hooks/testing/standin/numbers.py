"""Deterministic, plausible numbers: losses that fall and metrics that rise, from a seed."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any, Final

Callback = Callable[[Any], None]


_LOSS_START: Final = {"box_loss": 1.65, "cls_loss": 2.6, "dfl_loss": 1.55}
_LOSS_FINAL: Final = {"box_loss": 0.95, "cls_loss": 0.62, "dfl_loss": 1.02}


class Trajectory:
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
