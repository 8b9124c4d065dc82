"""The per-training state behind the compiled callbacks: the lazily opened sink, the trainer, the
epoch bookkeeping, and what failed. It holds no open handle until the first event logs, so the
callbacks pickle (Ultralytics ships them to DDP workers with cloudpickle)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..config.model import SNAPSHOT_BUDGET_MB, ActionSpec
from ..core.context import Context
from ..core.events import BATCH_EVENTS
from ..errors import HooksError
from ..log import logger
from ..sinks.base import COPY_BUDGET, BaseSink, CopyBudget, Sink, SinkFactory, mb, open_sink
from ..sinks.null import NullSink
from ..sinks.ultralytics import switch_off_integrations

__all__ = ["LoggingFailed", "Session", "is_main_process"]


class LoggingFailed(HooksError):
    """Raised in `strict: true` mode when an action fails during training."""


def is_main_process() -> bool:
    """Only RANK -1 (no DDP) or 0 logs; Ultralytics sets RANK in its DDP workers."""
    return os.environ.get("RANK", "-1") in ("-1", "0")


class Session:
    def __init__(
        self,
        factory: SinkFactory,
        strict: bool,
        config_file: str,
        watched: tuple[tuple[ActionSpec, str], ...] = (),
        snapshot_budget: int = SNAPSHOT_BUDGET_MB << 20,
        builtins_kept: frozenset[str] = frozenset(),
    ) -> None:
        self.factory = factory
        self.strict = strict
        self.config_file = config_file
        self.watched = watched  # file-finding actions of a training, and what each looks for
        self.snapshot_budget = snapshot_budget  # bytes a run may copy for `snapshot: true`
        self.builtins_kept = builtins_kept  # Ultralytics' own integrations left on (`ultralytics_builtins:`)
        self._main: bool | None = None  # RANK is read once per process (a DDP worker unpickles anew)
        self._reset()

    @property
    def main_process(self) -> bool:
        main = self._main
        if main is None:
            main = self._main = is_main_process()
        return main

    def _reset(self) -> None:
        self._sink: Sink | None = None
        self._told: Context | None = None  # the event the sink was last told of
        self._hears = True  # whether the open sink has an `event` of its own (set when it opens)
        self.trainer: Any = None
        self.training = False
        self.standalone: Any = None  # the validator, predictor or exporter of a run outside training
        self.train_epoch: int | None = None  # 0-based epoch of the last on_train_epoch_end
        self.batches: dict[str, tuple[int, int, int]] = {}  # per batch event: (epoch or validation, count, total)
        self.warned: set[tuple[int, str]] = set()
        self.failures: dict[str, int] = {}
        self.caches: dict[int | str, dict[str, Any]] = {}
        self.fields: dict[str, tuple[Path, ActionSpec]] = {}  # field path -> the file uploaded there
        self.uploads: dict[int, int] = {}  # per action: files uploaded in this run
        self.looked: dict[int, list[Path]] = {}  # per action: the folders it looked in
        # What this run copies (`snapshot: true`, and every tracker's copies: COPY_BUDGET).
        self.budget = CopyBudget(self.snapshot_budget)

    def __getstate__(self) -> dict[str, Any]:
        # A copy in another process starts clean: no run handle, no trainer.
        return {
            "factory": self.factory,
            "strict": self.strict,
            "config_file": self.config_file,
            "watched": self.watched,
            "snapshot_budget": self.snapshot_budget,
            "builtins_kept": self.builtins_kept,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._main = None
        self._reset()

    # ---------------------------------------------------------------- used by the callbacks
    def context(self, event: str, obj_kind: str, obj: Any) -> Context:
        if obj_kind == "trainer":
            if event == "on_pretrain_routine_start" or self.trainer is not obj:
                self._begin_training(obj)
            epoch = getattr(obj, "epoch", None)
            final = False
            if event == "on_train_epoch_end":
                self.train_epoch = epoch
            elif event == "on_fit_epoch_end" and self.train_epoch is not None and epoch != self.train_epoch:
                final = True  # final_eval() fires it once more with trainer.epoch moved one on
            step = number = None if epoch is None else int(epoch) + 1
            if event in BATCH_EVENTS and step is not None:
                step = self._batch_step(event, step, getattr(obj, "train_loader", None))
            return Context(event, obj_kind, obj, obj, number, final, step)
        if obj_kind == "validator" and self.training and self.trainer is not None:
            final = not getattr(obj, "training", True)
            epoch = getattr(self.trainer, "epoch", None)
            val_step = None if epoch is None else int(epoch) + (2 if final else 1)
            step = val_step
            if event in BATCH_EVENTS and val_step is not None:
                step = self._batch_step(event, val_step, getattr(obj, "dataloader", None))
            return Context(event, obj_kind, obj, self.trainer, val_step, final, step)
        # A validation, prediction or export of its own: a run of its own, ended by its end event.
        if self.standalone is not obj:
            if self._sink is not None:
                self.stop()
            self.standalone = obj
        step = self._batch_step(event, 1, None) if event in BATCH_EVENTS else None
        return Context(event, obj_kind, obj, None, None, False, step)

    def _begin_training(self, trainer: Any) -> None:
        if self._sink is not None:
            self.stop()  # an earlier training (or validation) that never reached its end event
        # Before any other callback of this training's first event: Ultralytics' own run after ours.
        switch_off_integrations(trainer, self.builtins_kept)
        self.factory.prepare(trainer)  # the tracker's own business with a new trainer
        self.trainer = trainer
        self.training = True
        self.train_epoch = None

    def _batch_step(self, event: str, epoch_step: int, loader: Any) -> int:
        """A batch event's step: its global 1-based batch index, ``(epoch - 1) * batches per epoch
        + batch``, as Ultralytics counts iterations, so it goes on rising across a resume. When
        the loader's length is unknown: the count of this event's calls in the run."""
        last, count, total = self.batches.get(event, (epoch_step, 0, 0))
        count = count + 1 if last == epoch_step else 1
        total += 1
        self.batches[event] = (epoch_step, count, total)
        try:
            per_epoch = len(loader)
        except TypeError:
            return total
        return (epoch_step - 1) * per_epoch + count

    def sink(self, ctx: Context) -> Sink:
        sink = self._sink
        if sink is not None and ctx is self._told:
            return sink
        sink = self._open(ctx) if sink is None else sink
        self._told = ctx  # the sink hears of each event once, before its first call in it
        if self._hears:
            sink.event(ctx.event, ctx.step, batch=ctx.event in BATCH_EVENTS)
        return sink

    def _open(self, ctx: Context) -> Sink:
        if self._sink is None:
            try:
                lookup = ctx.lookup
                # A tracker that copies files counts them against this run's budget (COPY_BUDGET).
                budget = self.budget
                self._sink = open_sink(self.factory, lambda head: budget if head == COPY_BUDGET else lookup(head))
                # A sink that keeps BaseSink's no-op `event` is not told of events (decided once per run).
                self._hears = getattr(type(self._sink), "event", None) is not BaseSink.event
            except Exception as e:  # the tracker is optional to the training, never fatal
                if self.strict:
                    raise LoggingFailed(f"{self.config_file}: the tracker did not start: {e}") from e
                logger.warning("%s: the tracker did not start, nothing will be logged: %s", self.config_file, e)
                self._sink = NullSink()
                self._hears = False  # NullSink's `event` does nothing
        return self._sink

    def cache(self, spec: ActionSpec | str) -> dict[str, Any]:
        """Per-run memory of one action (what it already uploaded, its folder listings), or, given a
        name, the memory every action of the run shares under it."""
        key = spec if isinstance(spec, str) else id(spec)
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
        """Make what was logged durable: called once the configuration is logged and at every
        epoch end, never throttled (a throttle skipped the end of a short epoch, which a hard kill
        then lost). Batch events never flush. For Neptune offline this is one write of its
        buffered log file, microseconds."""
        if self._sink is not None:
            try:
                self._sink.flush()
            except Exception as e:
                self.failures["flush"] = self.failures.get("flush", 0) + 1
                logger.warning("%s: flushing the run failed: %r", self.config_file, e)

    def upload(
        self,
        ctx: Context,
        spec: ActionSpec,
        path: str,
        file: Path,
        *,
        snapshot: bool = False,
        figure: Any = None,
        register: str | None = None,
    ) -> None:
        """Upload ``file`` (or the figure drawn from it) to the field ``path``. Two different files
        sent to one field in a run would leave only the second: that is said, once per field."""
        earlier = self.fields.get(path)
        if earlier is not None and earlier[0] != file:
            self.warn_once(
                spec,
                f"same-field:{path}",
                f"{file} went to the field '{path}', where {earlier[0]} was uploaded before "
                f"({earlier[1].label}); the tracker keeps only the last. Give each file its own field, "
                "e.g. with {stem} in `to:`",
            )
        if snapshot and not self._within_budget(spec, path, file):
            return
        self.fields[path] = (file, spec)
        sink = self.sink(ctx)
        if figure is not None:
            sink.upload_figure(path, figure)
        else:
            sink.upload(path, file, snapshot=snapshot)
        self.uploads[id(spec)] = self.uploads.get(id(spec), 0) + 1
        if register and not sink.register(path, file, register):
            self.warn_once(spec, "register", "this tracker has no model registry; the file is uploaded only")

    def _within_budget(self, spec: ActionSpec, path: str, file: Path) -> bool:
        """Whether a snapshot of ``file`` fits in what is left of the run's budget; once one does
        not, no later one is taken (one warning now, the count at the end)."""
        size = os.stat(file).st_size
        if self.budget.take(size):
            return True
        if self.budget.just_reached:
            logger.warning(
                "%s: the run's snapshot budget (%s) is reached: %s (%s) was not copied to '%s', and no "
                "later snapshot of this run will be; `snapshot_budget_mb:` in the config you load sets it",
                spec.label,
                mb(self.snapshot_budget),
                file,
                mb(size),
                path,
            )
        return False

    def look(self, spec: ActionSpec, folder: Path) -> None:
        """Note a folder an action looked in for files (named if it never finds any)."""
        folders = self.looked.setdefault(id(spec), [])
        if folder not in folders:
            folders.append(folder)

    def report_empty(self) -> None:
        """At the end of a training: one warning per file-finding action that uploaded nothing."""
        for spec, looks_for in self.watched:
            if self.uploads.get(id(spec)):
                continue
            folders = self.looked.get(id(spec))
            where = (
                f"in {', '.join(str(f) for f in folders)}"
                if folders
                else "anywhere: it never ran (its event did not fire, or its `when` selected none)"
            )
            logger.warning(
                "%s: uploaded nothing in this training: no %s %s; check the pattern, the folder (`root:`) "
                "and the event (`hooks explain` says where each action looks)",
                spec.label,
                looks_for,
                where,
            )

    def stop(self, *, failed: bool = False) -> None:
        """End the run (``failed``: the training ended without on_train_end, so it raised or was
        interrupted; a tracker that records a run's status says so)."""
        if self.training and self.watched and not failed:
            self.report_empty()
        sink, failures, skipped = self._sink, self.failures, self.budget.snapshots_skipped
        self._reset()
        if skipped:
            logger.warning(
                "%s: %d snapshot(s) (%s) were skipped in this run: its snapshot budget of %s was reached",
                self.config_file,
                len(skipped),
                mb(sum(skipped)),
                mb(self.snapshot_budget),
            )
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
                if failed:
                    sink.fail()
                where = sink.stop()
                if where:
                    logger.info("%s", where)
            except Exception as e:
                logger.warning("%s: stopping the run failed: %r", self.config_file, e)
