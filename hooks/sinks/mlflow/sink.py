"""MLflow as a Sink. The training thread only turns each call into an operation and puts it in a
deque (microseconds); a background thread writes the operations to the run's spool on disk and
sends them in batches (``sender.py``). ``mlflow`` is imported by that thread, never by the training.

How each call maps (docs/format.md, "MLflow"):
- ``append`` → a metric point at the step (the tracker's own counter from 0 when the step is None);
- ``assign`` → params, one per leaf with '/'-joined keys (``assign_as: tags`` makes them tags);
  a value over MLflow's 6,000 characters is cut, and its full text is an artifact ``<key>.txt``;
- ``upload`` → an artifact at the field's path with the file's suffix (``names.artifact_path``);
- ``upload_figure`` → the figure rendered to PNG, an artifact ``<field>.png`` (what ``log_figure`` makes).

Two rules of a training's run (docs/reliability.md):
- Metric points are sendable only once their epoch ends (``flush``, at ``on_fit_epoch_end``; the
  run's normal end too): until then they are the sink's uncommitted tail, in memory. MLflow cannot
  delete a point, and a training hard-killed mid-epoch and resumed runs that epoch again, so points
  sent before the epoch ended would stand beside the new ones at the same steps. A hard kill loses
  the epoch in progress, as before; a training that raises drops its unfinished epoch's points (said
  at the end), since a resume logs that epoch again.
- Every copy the sink makes counts against the run's snapshot budget (``snapshot_budget_mb:``),
  as Neptune's snapshots do: a file uploaded in place (MLflow's store keeps a copy: counted by what
  each artifact path holds), a rendered figure and a long value's text (copies in the spool first).
  A snapshot's copy is counted by the runtime before it reaches the sink. Past the budget: one
  warning, later copies skipped and counted in the end's summary.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, final

from ...core.masking import mask_uri
from ...core.templates import Template
from ...errors import Missing
from ...log import logger
from ..base import COPY_BUDGET, BaseSink, BaseSinkFactory, CopyBudget, mb
from ..files import read_regular
from ..resume import training_identity
from ..ultralytics import arg_text, run_name, run_object
from . import names
from .sender import PART_TAG, TRAINING_TAG, Sender, Unreachable, now_ms
from .spool import SPOOL_DIR, Spool, describe

__all__ = ["DEFAULT_EXPERIMENT", "MlflowSink", "MlflowSinkFactory", "tracking_uri"]

DEFAULT_EXPERIMENT: Final = "/Shared/Ultralytics"  # Ultralytics' own callback's last resort
INTERVAL: Final = 0.5  # seconds between the background thread's rounds
_MAX_BACKOFF: Final = 30.0
_FLUSH_WAIT: Final = 0.05  # the most an epoch's end waits for the background thread's write to end
LAG_EPOCHS: Final = 2  # a sender more epochs behind than this is said, once, during the training …
LAG_SECONDS: Final = 10.0  # … when the oldest of them ended this long ago
_MONITOR_WAIT: Final = 5.0  # the most the end waits for MLflow's system metrics monitor to stop
_DATA_YAML_BYTES: Final = 4 << 20  # a data YAML's digest reads at most this much of it


def tracking_uri(configured: str | None) -> str:
    """The config's tracking URI, else MLFLOW_TRACKING_URI, else MLflow's own default ("" here:
    the client decides, a SQLite file ``mlflow.db`` in the working folder since MLflow 3.7)."""
    return configured or os.environ.get("MLFLOW_TRACKING_URI", "")


@final
@dataclass(frozen=True)
class MlflowSinkFactory(BaseSinkFactory):
    """What `sink.mlflow` configures. Holds no client state, so it pickles for DDP workers."""

    tracking_uri: str | None
    experiment: Template | None
    name: Template | None
    description: Template | None
    tags: tuple[tuple[str, Template], ...]
    assign_as: Literal["params", "tags"] = "params"
    drain_seconds: float = 30.0
    system_metrics: bool = False  # MLflow's SystemMetricsMonitor while the run is open
    dataset: bool = True  # the training's dataset as the run's input (log_inputs), once per run

    def describe(self) -> str:
        uri = self.tracking_uri or "MLFLOW_TRACKING_URI, else MLflow's default store (./mlflow.db)"
        bits = [f"tracking URI {uri}"]
        experiment = self.experiment.text if self.experiment else ""
        bits.append(
            f"experiment {experiment!r}"
            if experiment
            else "experiment from MLFLOW_EXPERIMENT_NAME, else args.project, else /Shared/Ultralytics"
        )
        bits.append(f"run name {self.name.text!r}" if self.name else "run name from MLFLOW_RUN, else args.name")
        if self.tags:
            bits.append("tags " + ", ".join(f"{k}={t.text}" for k, t in self.tags))
        bits.append(f"assigned values as {self.assign_as}")
        if self.dataset:
            bits.append("the training's dataset as its input")
        if self.system_metrics:
            bits.append("system metrics (MLflow's own monitor, not spooled)")
        return "an MLflow run (" + "; ".join(bits) + "), sent in the background, spooled to disk"

    def run_info(self, lookup: Callable[[str], Any]) -> dict[str, Any]:
        """Where the run goes and what it is called: rendered now, sent when the server is there."""

        experiment = self.experiment.render(lookup) if self.experiment else ""
        experiment = (
            experiment
            or os.environ.get("MLFLOW_EXPERIMENT_NAME", "")
            or arg_text(lookup, "project")
            or DEFAULT_EXPERIMENT
        )
        name = self.name.render(lookup) if self.name else ""
        name = run_name(lookup, name or os.environ.get("MLFLOW_RUN", "") or arg_text(lookup, "name"))
        tags = {names.key(k): t.render(lookup) for k, t in self.tags}
        if self.description:
            tags["mlflow.note.content"] = self.description.render(lookup)
        return {
            "tracking_uri": tracking_uri(self.tracking_uri),
            "experiment": experiment,
            "name": name,
            "tags": {k: v for k, v in tags.items() if v},
            "start_ms": now_ms(),
        }

    def open(self, lookup: Callable[[str], Any]) -> MlflowSink:
        info = self.run_info(lookup)
        obj = run_object(lookup)
        save_dir = getattr(obj, "save_dir", None)
        identity = training_identity(lookup, "mlflow")
        if identity is not None:
            info["training_id"] = identity.run_id
            info["part"] = identity.part
            info["tags"][TRAINING_TAG] = identity.run_id
            info["tags"][PART_TAG] = str(identity.part)
        base = Path(save_dir) if save_dir is not None else Path.cwd()
        label = f"{identity.run_id}-part{identity.part}" if identity else uuid.uuid4().hex
        spool = Spool(base / SPOOL_DIR / label)
        spool.write_run(info)
        try:
            budget: CopyBudget | None = lookup(COPY_BUDGET)
        except Missing:
            budget = None
        sink = MlflowSink(
            spool,
            self.assign_as,
            self.drain_seconds,
            budget,
            training=identity is not None,
            system_metrics=self.system_metrics,
            resumed=identity is not None and identity.part > 1,
        )
        # The dataset once per run: by its first part (a resumed part's run has it already).
        if self.dataset and identity is not None and identity.part == 1:
            sink.dataset_from(obj)
        return sink


@final
class MlflowSink(BaseSink):
    """An MLflow run being written: calls become operations, sent by a background thread."""

    def __init__(
        self,
        spool: Spool,
        assign_as: str = "params",
        drain_seconds: float = 30.0,
        budget: CopyBudget | None = None,
        *,
        training: bool = False,
        system_metrics: bool = False,
        resumed: bool = False,
    ) -> None:
        self.spool = spool
        self._trainer: Any = None  # the training whose dataset is still to be recorded
        self.budget = budget if budget is not None else CopyBudget()  # none from the runtime: its own
        self._own_budget = budget is None
        self._stored: dict[str, int] = {}  # artifact path -> the size counted for what it holds
        self._training = training  # a training's run: its unfinished epoch is not sent on failure
        self._tail: list[tuple[Any, ...]] = []  # metric points of the epoch in progress (uncommitted)
        self._dropped = 0
        self._assign_as = assign_as
        self._drain = drain_seconds
        self._queue: deque[tuple[Any, ...]] = deque()
        self._keys: dict[str, str] = {}  # field path -> metric key
        self._owners: dict[str, str] = {}  # metric key -> the field path that has it
        self._counters: dict[str, int] = {}  # metric key -> the next step of its own counter
        self._params: dict[str, str] = {}
        self._retagged: set[str] = set()
        self._blobs = 0
        self._ends: list[tuple[int, float]] = []  # per epoch flushed: the spool's operation count, and when
        self._lag_said = False
        self._worker = _Worker(spool)
        self._worker.system_metrics = system_metrics
        self._worker.resumed = resumed
        self._worker.start()

    # ------------------------------------------------------------ the Sink protocol
    def append(self, path: str, value: float, step: float | None) -> None:
        key = self._keys.get(path) or self._key(path)
        if step is None:
            step = self._counters.get(key, 0)
            self._counters[key] = int(step) + 1
        self._tail.append(("m", key, value, int(time.time() * 1000), int(step)))

    def _key(self, path: str) -> str:
        key = names.key(path)
        owner = self._owners.setdefault(key, path)
        if owner != path:
            logger.warning(
                "MLflow: the series '%s' and '%s' both become the metric '%s' (MLflow does not take some "
                "characters in names); their points mix. Rename one in the config.",
                owner,
                path,
                key,
            )
        self._keys[path] = key
        return key

    def assign(self, path: str, value: Any) -> None:
        for leaf, v in names.flatten(path, value):
            key, text = names.key(leaf), names.text(v)
            if len(text) > names.MAX_PARAM_VALUE and self._assign_as == "params":
                folder, name = names.artifact_path(key, ".txt")
                data = text.encode("utf-8")
                copied = self._within_budget(len(data), f"the full text of '{key}'", f"{folder}/{name}")
                if copied:
                    blob = self._blob(f"{key.replace('/', '_')}.txt")
                    blob.write_bytes(data)
                    self._worker.queue.append(("a", folder, name, str(blob), True))
                logger.warning(
                    "MLflow: '%s' is %d characters, over MLflow's %d for a param: the param holds its start, %s",
                    key,
                    len(text),
                    names.MAX_PARAM_VALUE,
                    f"the artifact {key}.txt all of it" if copied else "and the snapshot budget leaves no room for all",
                )
                text = text[: names.MAX_PARAM_VALUE]
            if self._assign_as == "tags":
                self._worker.queue.append(("t", key, text))
            elif self._params.get(key, text) != text:
                # Params never change in MLflow: a new value is a tag of the same name (the latest wins).
                if key not in self._retagged:
                    self._retagged.add(key)
                    logger.warning(
                        "MLflow: the param '%s' is assigned a new value, and params never change: its tag '%s' "
                        "holds the latest value (`assign_as: tags` writes tags only)",
                        key,
                        key,
                    )
                self._worker.queue.append(("t", key, text))
            else:
                self._params[key] = text
                self._worker.queue.append(("p", key, text))

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        folder, name = names.artifact_path(path, file.suffix)
        if snapshot:  # counted against the budget by the runtime already
            blob = self._blob(f"{self._blobs}-{name}")
            blob.write_bytes(read_regular(file))
            self._worker.queue.append(("a", folder, name, str(blob), True))
            return
        # MLflow's store keeps a copy: what this artifact path holds counts, a resend of the same
        # path only by what it grew (last.pt at every epoch is one copy in the store).
        where = f"{folder}/{name}"
        try:
            size = os.stat(file).st_size
        except OSError:  # gone already: the sender says so, and lists it in rejected.jsonl
            size = 0
        grown = size - self._stored.get(where, 0)
        if grown > 0 and not self._within_budget(grown, str(file), where):
            return
        self._stored[where] = max(size, self._stored.get(where, 0))
        self._worker.queue.append(("a", folder, name, str(file), False))

    def upload_figure(self, path: str, figure: Any) -> None:
        folder, name = names.artifact_path(path, ".png")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        data = buffer.getvalue()
        if not self._within_budget(len(data), f"the figure for '{path}'", f"{folder}/{name}"):
            return
        blob = self._blob(f"{self._blobs}-{name}")
        blob.write_bytes(data)
        self._worker.queue.append(("a", folder, name, str(blob), True))

    def _within_budget(self, size: int, what: str, where: str) -> bool:
        """Whether a copy of ``size`` bytes fits in what is left of the run's budget; once one does
        not, no later one is made (one warning now, the count in the end's summary), as the
        runtime does for snapshots."""
        budget = self.budget
        if budget.take(size):
            return True
        if budget.just_reached:
            logger.warning(
                "MLflow: the run's snapshot budget (%s) is reached: %s (%s) was not copied to '%s', and no later "
                "copy of this run will be (MLflow keeps a copy of every file it is sent); `snapshot_budget_mb:` in "
                "the config you load sets it",
                mb(budget.snapshot_budget),
                what,
                mb(size),
                where,
            )
        return False

    def register(self, path: str, file: Path, model: str) -> bool:
        """The artifact ``path`` became (the file uploaded there) is a new version of ``model``:
        weights as a pyfunc model (``model.py``; its copy of them counts against the run's snapshot
        budget: past it, the version is the file itself). ``model`` may carry (``upload``'s
        Registration) the alias rules and the weights' fitness."""
        from .model import pyfunc_weights

        folder, name = names.artifact_path(path, file.suffix)
        artifact = f"{folder}/{name}" if folder else name
        how: dict[str, Any] = {}
        aliases = getattr(model, "aliases", None)
        if aliases:
            how["aliases"] = dict(aliases)
        fitness = getattr(model, "fitness", None)  # a finite float or None (upload's Registration)
        if fitness is not None:
            how["fitness"] = float(fitness)
        if getattr(model, "pyfunc", True) is False:
            how["model"] = False  # `register: {pyfunc: false}`: the file itself
        elif pyfunc_weights(artifact):
            try:
                size = os.stat(file).st_size
            except OSError:
                size = 0
            if not self._within_budget(size, f"the model of {file}", artifact):
                how["model"] = False
        self._worker.queue.append(("r", artifact, str(model), how))
        return True

    def dataset_from(self, trainer: Any) -> None:
        """Record ``trainer``'s dataset as the run's input, at the first epoch's end (its training
        images are counted by then) or at the run's end."""
        self._trainer = trainer

    def _record_dataset(self, *, last: bool) -> None:
        trainer = self._trainer
        if trainer is None or (not last and getattr(trainer, "train_loader", None) is None):
            return  # not before the trainer has its dataset and loader (Ultralytics makes them after the first event)
        self._trainer = None
        try:
            dataset = dataset_input(trainer)
        except Exception as e:  # a trainer unlike Ultralytics': the run goes on without it
            logger.debug("MLflow: the training's dataset was not recorded: %r", e)
            return
        if dataset is not None:
            self._worker.queue.append(("i", dataset))

    def flush(self) -> None:
        """An epoch ended (or the configuration is logged): its metric points become sendable,
        and are written to the spool now (a hard kill after this loses none of them), unless the
        background thread holds the spool's journal longer than _FLUSH_WAIT: then it writes them
        on its next round, within INTERVAL seconds. The training waits no longer than that."""
        self._record_dataset(last=False)
        self._commit()
        worker = self._worker
        if worker.write_lock.acquire(timeout=_FLUSH_WAIT):
            try:
                if not worker.give_up:
                    worker.write()
                    # where this epoch ends in the spool, and when
                    self._ends.append((worker.base + len(worker.pending), time.monotonic()))
            except Exception as e:  # the background thread writes it on its next round
                logger.debug("MLflow: writing the spool at the epoch's end failed: %r", e)
            finally:
                worker.write_lock.release()
        self._say_lag()

    def _say_lag(self) -> None:
        """Once per run, when the sender is more than LAG_EPOCHS epochs behind the training and the
        oldest of them ended LAG_SECONDS ago (short epochs against a healthy server are not a lag):
        the user hears it while the training runs, not at its end."""
        if self._lag_said or len(self._ends) <= LAG_EPOCHS:
            return
        sent = self._worker.base  # operations of the spool the server has (an int: read without a lock)
        waiting = [at for end, at in self._ends if end > sent]
        if len(waiting) > LAG_EPOCHS and time.monotonic() - waiting[0] >= LAG_SECONDS:
            self._lag_said = True
            uri = mask_uri(self._worker.sender.uri) or "MLflow's default store"
            logger.warning(
                "MLflow: the sender is %d epochs behind the training (%s is slow or does not answer); nothing is "
                "lost: it waits in %s and is sent as the server takes it (`hooks sync --status` shows it)",
                len(waiting),
                uri,
                self.spool.folder,
            )

    def _commit(self) -> None:
        if self._tail:
            self._worker.queue.extend(self._tail)  # one call: the background thread sees all or none
            self._tail = []

    def fail(self) -> None:
        """Mark the run failed (the training raised); stop() ends it with that status. The points
        of a training's unfinished epoch are not sent: a resumed training logs that epoch again,
        and MLflow would keep both values at each of its steps."""
        self._worker.status = "FAILED"
        if self._training:
            self._dropped += len(self._tail)
            self._tail = []

    def stop(self) -> str:
        self._record_dataset(last=True)
        self._commit()
        worker = self._worker
        worker.stop_monitor(min(_MONITOR_WAIT, self._drain))  # its last samples go before the run ends
        worker.queue.append(("end", worker.status, now_ms()))
        worker.stopping = True
        worker.wake.set()
        worker.join(self._drain)
        if worker.is_alive():
            # It is waiting for the server (MLflow's own retries can take minutes). What is still
            # queued is written to the spool here, and the thread touches the spool no more once its
            # request returns: the spool is `hooks sync`'s now.
            with worker.write_lock:
                worker.write()
                worker.give_up = worker.sender.stopped = True
                self.spool.close()
        notes = []
        if self._dropped:
            notes.append(
                f"the {self._dropped} metric point(s) of the unfinished epoch were not sent (a resumed training "
                "logs that epoch again; MLflow would keep both)"
            )
        if self._own_budget and (skipped := self.budget.skipped("cop(ies)")):
            notes.append(skipped)
        return "; ".join([worker.outcome(), *notes])

    def _blob(self, name: str) -> Path:
        self._blobs += 1
        return self.spool.blob(name)


class _Worker(threading.Thread):
    """Writes queued operations to the spool and sends them, in rounds of INTERVAL seconds; backs
    off while the server does not answer. Never raises: a bug here must not end the logging."""

    def __init__(self, spool: Spool) -> None:
        super().__init__(name="yaml-hooks-mlflow", daemon=True)
        self.spool = spool
        self.queue: deque[tuple[Any, ...]] = deque()
        self.wake = threading.Event()
        self.stopping = False
        self.give_up = False
        self.status = "FINISHED"
        self.sender = Sender(spool)
        self.pending: list[dict[str, Any]] = []  # written to the spool, not yet sent
        self.base = spool.sent()  # operations of the spool before ``pending``
        self.down: str | None = None
        self._said_down = False
        self.write_lock = threading.Lock()  # the spool's journal: this thread, or stop() once it gave up
        self.system_metrics = False  # start MLflow's SystemMetricsMonitor once the run exists
        self.resumed = False  # a resumed part: the monitor's steps go on from the run's last
        self.monitor: Any = None
        self._monitor_lock = threading.Lock()

    def run(self) -> None:
        self.spool.lock()  # a new spool's: `hooks sync` leaves it alone while this thread sends it
        delay, next_try = INTERVAL, 0.0
        while not self.give_up:
            self.wake.wait(INTERVAL)
            self.wake.clear()
            try:
                with self.write_lock:
                    if self.give_up:
                        break
                    self.write()
                if self.pending and time.monotonic() >= next_try:
                    if self._send():
                        delay = INTERVAL
                        self._start_monitor()
                    else:
                        delay = min(delay * 2, _MAX_BACKOFF)
                        next_try = time.monotonic() + (min(delay, 2.0) if self.stopping else delay)
            except Exception as e:  # a bug in this thread: said once, the spool keeps everything
                if not self._said_down:
                    logger.warning(
                        "MLflow: the background sender failed: %r; what is unsent is in %s", e, self.spool.folder
                    )
                    self._said_down = True
                self.down = repr(e)
            if self.stopping and not self.queue and not self.pending:
                break
        for warning in self.sender.warnings:
            logger.warning("%s", warning)
        with self.write_lock:
            self.spool.close()

    def write(self) -> None:
        """Turn what is queued into spool operations: consecutive metrics into one (up to MLflow's
        1,000 a batch), params and tags likewise (100)."""
        ops: list[dict[str, Any]] = []
        while self.queue:
            item = self.queue.popleft()
            kind = item[0]
            last = ops[-1] if ops else None
            if kind == "m":
                point = list(item[1:])
                if last is not None and "m" in last and len(last["m"]) < 1000:
                    last["m"].append(point)
                else:
                    ops.append({"m": [point]})
            elif kind in ("p", "t"):
                if last is not None and kind in last and len(last[kind]) < 100 and item[1] not in last[kind]:
                    last[kind][item[1]] = item[2]
                else:
                    ops.append({kind: {item[1]: item[2]}})
            elif kind == "a":
                ops.append({"a": list(item[1:])})
            elif kind == "r":
                ops.append({"r": list(item[1:])})
            elif kind == "i":
                ops.append({"i": item[1]})
            elif kind == "end":
                ops.append({"end": item[1], "ts": item[2]})
        if ops:
            self.spool.append(ops)
            self.pending.extend(ops)

    def _start_monitor(self) -> None:
        """MLflow's own SystemMetricsMonitor for the run, once it exists (``system_metrics: true``):
        its own thread, best effort, not spooled (docs/format.md)."""
        with self._monitor_lock:
            if not self.system_metrics or self.monitor is not None or self.stopping or not self.sender.run_id:
                return
            self.system_metrics = False  # one try
            try:
                from mlflow.system_metrics.system_metrics_monitor import SystemMetricsMonitor

                monitor: Any = SystemMetricsMonitor(  # type: ignore[no-untyped-call]
                    self.sender.run_id, resume_logging=self.resumed, tracking_uri=self.sender.uri or None
                )
                monitor.start()
            except Exception as e:
                logger.warning("MLflow: system metrics are not logged: %r", e)
                return
            self.monitor = monitor

    def stop_monitor(self, wait: float) -> None:
        """Stop the system metrics monitor (its last samples are sent), waiting at most ``wait``
        seconds: a server that does not answer keeps MLflow's request, not the training."""
        with self._monitor_lock:
            monitor, self.monitor = self.monitor, None
            self.system_metrics = False
        if monitor is None:
            return
        done = threading.Thread(target=monitor.finish, name="yaml-hooks-mlflow-monitor", daemon=True)
        done.start()
        done.join(wait)

    def _send(self) -> bool:
        reason = self.sender.reachable()
        if reason is None:
            try:
                done = self.sender.send(self.pending, 0, self.base)
                self._sent(done)
                if self.down is not None:
                    logger.info("MLflow: %s answers again; the unsent data is being sent", self.sender.uri)
                self.down = None
                return True
            except Unreachable as e:
                self._sent(self.spool.sent() - self.base)
                reason = str(e)
        if self.down is None:
            logger.warning(
                "MLflow: cannot send now (%s); everything is kept in %s and sent when it answers",
                reason,
                self.spool.folder,
            )
        self.down = reason
        return False

    def _sent(self, count: int) -> None:
        if self.give_up:
            return
        count = max(0, min(count, len(self.pending)))
        self.base += count
        del self.pending[:count]
        with contextlib.suppress(OSError):
            self.spool.mark_sent(self.base)

    def outcome(self) -> str:
        """What the user is told when the run stops."""
        sender = self.sender
        if not self.pending and not self.queue:
            rejected = self.spool.rejected()
            self.spool.remove()
            where = _where(sender.uri, sender.run.get("experiment"), sender.run_id)
            if rejected:
                return f"{where}; MLflow refused {rejected} operation(s), listed in {self.spool.folder}/rejected.jsonl"
            return where
        why = f" ({self.down})" if self.down else ""
        # The sender counts each batch in the spool as it goes; ``pending`` is trimmed only when a
        # whole round returns, so a drain that ended mid-round would count the sent ones again.
        unsent = self.pending[max(0, self.spool.sent() - self.base) :]
        command = f"hooks sync {_named(sender.uri)}{_registers(unsent)}{self.spool.folder}"
        return (
            f"MLflow: {describe(unsent)} of this run are not sent yet{why}; they are kept in "
            f"{self.spool.folder}; send them with `{command}`"
        )


def dataset_input(trainer: Any) -> dict[str, Any] | None:
    """The ``log_inputs`` record of a training's dataset (the spool's ``i`` operation): named by
    its data YAML's file name, its digest the first 16 hex digits of the YAML's SHA-256 (of the
    dataset's names and splits when the file cannot be read), its source the YAML's path, and a
    profile: the class names in class order, their number, and the number of training images when
    the trainer's loader has them. None without a dataset."""
    import hashlib
    import json

    data = getattr(trainer, "data", None)
    if not isinstance(data, dict):
        return None
    args = getattr(trainer, "args", None)
    candidates = [data.get("yaml_file"), getattr(args, "data", None)]
    texts = [str(c) for c in candidates if isinstance(c, (str, Path)) and str(c)]
    found = next((Path(t) for t in texts if os.path.isfile(t)), None)
    content: bytes | None = None
    if found is not None:
        try:
            if os.stat(found).st_size <= _DATA_YAML_BYTES:
                content = read_regular(found)
        except (OSError, ValueError):
            content = None
    source = str(found.resolve()) if found is not None else (texts[0] if texts else "")
    raw = data.get("names")
    if isinstance(raw, dict):
        class_names = [str(raw[k]) for k in sorted(raw, key=lambda k: int(k) if str(k).isdigit() else 0)]
    elif isinstance(raw, (list, tuple)):
        class_names = [str(n) for n in raw]
    else:
        class_names = []
    nc = data.get("nc")
    profile: dict[str, Any] = {
        "names": class_names,
        "nc": int(nc) if isinstance(nc, int) and not isinstance(nc, bool) else len(class_names),
    }
    loader = getattr(trainer, "train_loader", None)
    with contextlib.suppress(AttributeError, TypeError):
        profile["train_images"] = len(loader.dataset)  # type: ignore[union-attr]
    if content is None:
        described = {k: str(data.get(k)) for k in ("path", "train", "val")} | {"names": class_names}
        content = json.dumps(described, sort_keys=True).encode("utf-8")
    name = (Path(source).stem if source else "") or "dataset"
    return {
        "name": name[:500],
        "digest": hashlib.sha256(content).hexdigest()[:16],
        "source": source[:60_000] or "unknown",
        "profile": profile,
        "context": "training",
    }


def _named(uri: str) -> str:
    """`hooks sync` sends a spool only where the user says (docs/reliability.md): the run's URI."""
    return f"--tracking-uri {mask_uri(uri)} " if uri else ""


def _registers(ops: list[dict[str, Any]]) -> str:
    """`hooks sync` makes a spool's model versions only for the models the user names: this run's."""
    models = sorted({op["r"][1] for op in ops if op and "r" in op})
    return "".join(f"--register {shlex.quote(model)} " for model in models)


def _where(uri: str, experiment: Any, run_id: str | None) -> str:
    if uri.startswith(("http://", "https://")):
        return f"MLflow run {run_id} in experiment {experiment!r} at {mask_uri(uri)}"
    store = uri or "sqlite:///mlflow.db"
    look = f"mlflow ui --backend-store-uri {store}"
    return f"MLflow run {run_id} in experiment {experiment!r}, store {store} (look at it: {look})"
