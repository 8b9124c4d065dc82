"""The per-training state behind the compiled callbacks: the lazily opened sink, the trainer, the
epoch bookkeeping, and what failed. It holds no open handle until the first event logs, so the
callbacks pickle (Ultralytics ships them to DDP workers with cloudpickle)."""

from __future__ import annotations

import os
import time
from typing import Any

from ..config.model import ActionSpec
from ..errors import HooksError
from ..log import logger
from ..sinks.base import Sink, SinkFactory
from ..sinks.null import NullSink
from .context import Context

__all__ = ["FLUSH_INTERVAL_S", "LoggingFailed", "Session", "is_main_process"]

FLUSH_INTERVAL_S = 0.5


class LoggingFailed(HooksError):
    """Raised in `strict: true` mode when an action fails during training."""


def is_main_process() -> bool:
    """Only RANK -1 (no DDP) or 0 logs; Ultralytics sets RANK in its DDP workers."""
    return os.environ.get("RANK", "-1") in ("-1", "0")


class Session:
    def __init__(self, factory: SinkFactory, strict: bool, config_file: str) -> None:
        self.factory = factory
        self.strict = strict
        self.config_file = config_file
        self._main: bool | None = None  # RANK is read once per process (a DDP worker unpickles anew)
        self._flushed = 0.0
        self._reset()

    @property
    def main_process(self) -> bool:
        main = self._main
        if main is None:
            main = self._main = is_main_process()
        return main

    def _reset(self) -> None:
        self._sink: Sink | None = None
        self.trainer: Any = None
        self.training = False
        self.train_epoch: int | None = None  # 0-based epoch of the last on_train_epoch_end
        self.warned: set[tuple[int, str]] = set()
        self.failures: dict[str, int] = {}
        self.caches: dict[int, dict[str, Any]] = {}

    def __getstate__(self) -> dict[str, Any]:
        # A copy in another process starts clean: no run handle, no trainer.
        return {"factory": self.factory, "strict": self.strict, "config_file": self.config_file}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._main = None
        self._flushed = 0.0
        self._reset()

    # ---------------------------------------------------------------- used by the callbacks
    def context(self, event: str, obj_kind: str, obj: Any) -> Context:
        if obj_kind == "trainer":
            if event == "on_pretrain_routine_start" or self.trainer is not obj:
                prepare = getattr(self.factory, "prepare", None)
                if prepare is not None:
                    prepare(obj)  # the tracker's own business with a new trainer
                self.trainer = obj
                self.training = True
                self.train_epoch = None
            epoch = getattr(obj, "epoch", None)
            final = False
            if event == "on_train_epoch_end":
                self.train_epoch = epoch
            elif event == "on_fit_epoch_end" and self.train_epoch is not None and epoch != self.train_epoch:
                final = True  # final_eval() fires it once more with trainer.epoch moved one on
            return Context(event, obj_kind, obj, obj, None if epoch is None else int(epoch) + 1, final)
        if obj_kind == "validator" and self.training and self.trainer is not None:
            final = not getattr(obj, "training", True)
            epoch = getattr(self.trainer, "epoch", None)
            step = None if epoch is None else int(epoch) + (2 if final else 1)
            return Context(event, obj_kind, obj, self.trainer, step, final)
        return Context(event, obj_kind, obj, None, None, False)

    def sink(self, ctx: Context) -> Sink:
        if self._sink is None:
            try:
                self._sink = self.factory.open(ctx.lookup)
            except Exception as e:  # the tracker is optional to the training, never fatal
                if self.strict:
                    raise LoggingFailed(f"{self.config_file}: the tracker did not start: {e}") from e
                logger.warning("%s: the tracker did not start, nothing will be logged: %s", self.config_file, e)
                self._sink = NullSink()
        return self._sink

    def cache(self, spec: ActionSpec) -> dict[str, Any]:
        """Per-run memory of one action (what it already uploaded, its folder listings)."""
        key = id(spec)
        found = self.caches.get(key)
        if found is None:
            found = self.caches[key] = {}
        return found

    def warn_once(self, spec: ActionSpec, key: str, message: str) -> None:
        token = (id(spec), key)
        if token not in self.warned:
            self.warned.add(token)
            logger.warning("%s: %s", spec.label, message)

    def failed(self, spec: ActionSpec, error: Exception) -> None:
        self.failures[spec.label] = self.failures.get(spec.label, 0) + 1
        if self.strict:
            raise LoggingFailed(f"{spec.label} failed: {error}") from error
        self.warn_once(spec, "failed", f"failed and was skipped (later failures of it are counted): {error!r}")

    def flush(self) -> None:
        """Make what was logged durable; at most every FLUSH_INTERVAL_S (a real epoch is longer,
        so every epoch end still flushes; a stream of instant epochs does not pay for each)."""
        if self._sink is not None:
            now = time.monotonic()
            if now - self._flushed < FLUSH_INTERVAL_S:
                return
            self._flushed = now
            try:
                self._sink.flush()
            except Exception as e:
                self.failures["flush"] = self.failures.get("flush", 0) + 1
                logger.warning("%s: flushing the run failed: %r", self.config_file, e)

    def stop(self) -> None:
        sink, failures = self._sink, self.failures
        self._reset()
        if failures:
            total = sum(failures.values())
            logger.warning(
                "%s: %d logging failure(s) in %d place(s): %s",
                self.config_file,
                total,
                len(failures),
                ", ".join(f"{k} ×{v}" for k, v in failures.items()),
            )
        if sink is not None:
            try:
                where = sink.stop()
                if where:
                    logger.info("%s", where)
            except Exception as e:
                logger.warning("%s: stopping the run failed: %r", self.config_file, e)
