"""The yardstick: callbacks written by hand, in the style of the original YOLOv8 Neptune integration
(the seed), doing the same logging as the `yolov8-neptune` preset.

The tests use ``HandWritten`` too (tests/reference_callbacks.py), as the yardstick the faithful
presets are compared with field for field. Two differences from the seed in the benchmark, both
so that the two sides do the same work:

* the run is stopped at the end of training, as yaml-hooks does (the seed left it to the garbage
  collector, so its last operations were not part of its measured time);
* ``SeedNeptune`` makes each epoch durable at its end (``run.wait()``, as yaml-hooks flushes at every
  ``on_fit_epoch_end`` and as ``SeedOnSink`` calls ``flush``); ``flush=False`` is the seed as written,
  which never flushed (row 1a reports the ratio against it too);
* ``SeedOnSink`` does the seed's logic but calls a yaml-hooks ``Sink`` (the no-op one, for the
  overhead measurement), so both sides call the very same sink object's methods.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hooks.plugin import BaseSink, BaseSinkFactory

# Neptune's automatic capture switched off, like `capture: {...: false}` on the compiled side.
QUIET: dict[str, Any] = {
    "capture_hardware_metrics": False,
    "capture_stdout": False,
    "capture_stderr": False,
    "capture_traceback": False,
    "git_ref": False,
    "source_files": [],
}

SEED_PLOTS = [
    "results.png",
    "confusion_matrix.png",
    "confusion_matrix_normalized.png",
    *(f"{x}_curve.png" for x in ("F1", "PR", "P", "R")),
]


class NoopSink(BaseSink, BaseSinkFactory):
    """A yaml-hooks Sink and SinkFactory that does nothing: what is left is the cost of deciding
    what to log. Counts calls, so both sides can be checked to do the same logging."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def open(self, lookup: Callable[[str], Any]) -> NoopSink:
        return self

    def describe(self) -> str:
        return "a no-op sink (benchmarks)"

    def _count(self, op: str) -> None:
        self.counts[op] = self.counts.get(op, 0) + 1

    def append(self, path: str, value: float, step: float | None) -> None:
        self._count("append")

    def assign(self, path: str, value: Any) -> None:
        self._count("assign")

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        self._count("upload")

    def upload_figure(self, path: str, figure: Any) -> None:
        self._count("upload_figure")

    def flush(self) -> None:
        self._count("flush")

    def stop(self) -> str:
        self._count("stop")
        return "no-op"


class _Callbacks:
    """The five events the original integration used, as a callbacks mapping."""

    def callbacks(self) -> dict[str, Callable[[Any], None]]:
        return {
            e: getattr(self, e)
            for e in (
                "on_pretrain_routine_start",
                "on_train_epoch_end",
                "on_fit_epoch_end",
                "on_val_end",
                "on_train_end",
            )
        }


class HandWritten(_Callbacks):
    """The original integration's callbacks, logging to a real Neptune run. ``variant``: "yolov8"
    (the seed) or "ultralytics" (8.4.131's built-in module: project and tag "Ultralytics", plots
    from the registries). ``init`` goes to ``neptune.init_run``; ``stop``: stop the run at the end
    of training (the original never did; the benchmark does, as yaml-hooks does); ``flush``: make
    each epoch durable at its end with ``run.wait()`` (the original never did; yaml-hooks does). The
    tests compare the `yolov8-neptune` and `ultralytics-neptune` presets with it field for field."""

    def __init__(self, variant: str = "yolov8", *, stop: bool = False, flush: bool = False, **init: Any) -> None:
        self.variant = variant
        self.stop = stop
        self.flush = flush
        self.init = init
        self.run: Any = None
        self.init_kwargs: dict[str, Any] = {}

    def on_pretrain_routine_start(self, trainer: Any) -> None:
        import neptune

        default = "YOLOv8" if self.variant == "yolov8" else "Ultralytics"
        self.init_kwargs = {"project": trainer.args.project or default, "name": trainer.args.name, "tags": [default]}
        self.run = neptune.init_run(**self.init_kwargs, **self.init)
        self.run["Configuration/Hyperparameters"] = {k: "" if v is None else v for k, v in vars(trainer.args).items()}

    def on_train_epoch_end(self, trainer: Any) -> None:
        from neptune.types import File

        for k, v in trainer.label_loss_items(trainer.tloss, prefix="train").items():
            self.run[k].append(value=v, step=trainer.epoch + 1)
        for k, v in trainer.lr.items():
            self.run[k].append(value=v, step=trainer.epoch + 1)
        if trainer.epoch == 1:
            for f in trainer.save_dir.glob("train_batch*.jpg"):
                self.run[f"Mosaic/{f.stem}"].upload(File(str(f)))

    def on_fit_epoch_end(self, trainer: Any) -> None:
        if trainer.epoch == 0:
            from ultralytics.utils.torch_utils import model_info_for_loggers

            self.run["Configuration/Model"] = model_info_for_loggers(trainer)
        for k, v in trainer.metrics.items():
            self.run[k].append(value=v, step=trainer.epoch + 1)
        if self.flush:
            self.run.wait()  # the epoch on disk, as yaml-hooks' flush at every epoch end

    def on_val_end(self, validator: Any) -> None:
        from neptune.types import File

        for f in validator.save_dir.glob("val*.jpg"):
            self.run[f"Validation/{f.stem}"].upload(File(str(f)))

    def on_train_end(self, trainer: Any) -> None:
        from neptune.types import File

        if self.variant == "yolov8":
            plots = [trainer.save_dir / n for n in SEED_PLOTS if (trainer.save_dir / n).exists()]
        else:
            plots = [Path(p) for p in [*trainer.plots, *trainer.validator.plots] if "batch" not in Path(p).name]
        for path in plots:
            self.run[f"Plots/{path.stem}"].upload(File.as_image(_figure(path)))
        name = trainer.args.name or trainer.args.task
        self.run[f"weights/{name}/{trainer.best.name}"].upload(File(str(trainer.best)))
        if self.stop:
            self.run.stop()


def SeedNeptune(*, flush: bool = True, **init: Any) -> HandWritten:
    """The seed's callbacks as the benchmark runs them: stopping the run at the end and, unless
    ``flush=False`` (the seed as written), making each epoch durable at its end as yaml-hooks does."""
    return HandWritten("yolov8", stop=True, flush=flush, **init)


class SeedOnSink(_Callbacks):
    """The same callbacks, calling a yaml-hooks Sink's methods instead of a Neptune run's."""

    def __init__(self, sink: Any) -> None:
        self.sink = sink

    def on_pretrain_routine_start(self, trainer: Any) -> None:
        self.sink.assign(
            "Configuration/Hyperparameters", {k: "" if v is None else v for k, v in vars(trainer.args).items()}
        )

    def on_train_epoch_end(self, trainer: Any) -> None:
        for k, v in trainer.label_loss_items(trainer.tloss, prefix="train").items():
            self.sink.append(k, v, trainer.epoch + 1)
        for k, v in trainer.lr.items():
            self.sink.append(k, v, trainer.epoch + 1)
        if trainer.epoch == 1:
            for f in trainer.save_dir.glob("train_batch*.jpg"):
                self.sink.upload(f"Mosaic/{f.stem}", f)

    def on_fit_epoch_end(self, trainer: Any) -> None:
        if trainer.epoch == 0:
            from ultralytics.utils.torch_utils import model_info_for_loggers

            self.sink.assign("Configuration/Model", model_info_for_loggers(trainer))
        for k, v in trainer.metrics.items():
            self.sink.append(k, v, trainer.epoch + 1)
        self.sink.flush()  # yaml-hooks flushes every epoch; with a no-op sink this is a method call

    def on_val_end(self, validator: Any) -> None:
        for f in validator.save_dir.glob("val*.jpg"):
            self.sink.upload(f"Validation/{f.stem}", f)

    def on_train_end(self, trainer: Any) -> None:
        for path in [trainer.save_dir / n for n in SEED_PLOTS if (trainer.save_dir / n).exists()]:
            self.sink.upload_figure(f"Plots/{path.stem}", _figure(path))
        name = trainer.args.name or trainer.args.task
        self.sink.upload(f"weights/{name}/{trainer.best.name}", trainer.best)
        self.sink.stop()


def _figure(path: Path) -> Any:
    """The seed's re-draw of a plot image into a default-size matplotlib figure."""
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    fig = plt.figure()
    ax = fig.add_axes([0, 0, 1, 1], frameon=False, aspect="auto", xticks=[], yticks=[])
    ax.imshow(mpimg.imread(str(path)))
    plt.close(fig)
    return fig


# ============================================== rows 15 and 16: the same series, written by hand
class _BySeries:
    """Per-epoch series (training losses and learning rates at the epoch's end, validation metrics
    at the fit epoch's end, at the 1-based epoch) and per-batch series (the running training losses
    and the learning rates as ``batch/…``, at the global 1-based batch; the learning rates from the
    first epoch's end on, when the trainer first has them, as the config's `lr` source): the logging of the rows'
    config, written by hand against a tracker's own client. ``open_s``/``close_s``: the seconds
    its opening and its closing took (one-offs, which the rows keep apart from the per-event time)."""

    def __init__(self) -> None:
        self.batch = 0
        self.open_s = 0.0
        self.close_s = 0.0

    def callbacks(self) -> dict[str, Callable[[Any], None]]:
        return {
            "on_pretrain_routine_start": self.on_pretrain_routine_start,
            "on_train_batch_end": self.on_train_batch_end,
            "on_train_epoch_end": self.on_train_epoch_end,
            "on_fit_epoch_end": self.on_fit_epoch_end,
            "on_train_end": self.on_train_end,
        }

    def on_pretrain_routine_start(self, trainer: Any) -> None:
        t = time.perf_counter()
        self.open(trainer)
        self.open_s += time.perf_counter() - t

    def on_train_end(self, trainer: Any) -> None:
        t = time.perf_counter()
        self.close()
        self.close_s += time.perf_counter() - t

    def open(self, trainer: Any) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def on_train_batch_end(self, trainer: Any) -> None:
        raise NotImplementedError

    def on_train_epoch_end(self, trainer: Any) -> None:
        raise NotImplementedError

    def on_fit_epoch_end(self, trainer: Any) -> None:
        raise NotImplementedError


class _ScalarBySeries(_BySeries):
    """The rows' series as one scalar call per value (``_scalars``), for a writer that takes
    scalars one by one; ``flush`` at every fit epoch's end (none by default)."""

    def _scalars(self, values: dict[str, float], step: int, prefix: str = "") -> None:
        raise NotImplementedError

    def flush(self) -> None:
        """Nothing: the writer flushes by itself."""

    def on_train_batch_end(self, trainer: Any) -> None:
        self.batch += 1
        self._scalars(trainer.label_loss_items(trainer.tloss, prefix="train"), self.batch, "batch/")
        self._scalars(getattr(trainer, "lr", None) or {}, self.batch, "batch/")

    def on_train_epoch_end(self, trainer: Any) -> None:
        self._scalars(trainer.label_loss_items(trainer.tloss, prefix="train"), trainer.epoch + 1)
        self._scalars(trainer.lr, trainer.epoch + 1)

    def on_fit_epoch_end(self, trainer: Any) -> None:
        self._scalars(trainer.metrics, trainer.epoch + 1)
        self.flush()


class HandTensorBoard(_ScalarBySeries):
    """TensorBoard's own ``EventFileWriter``, scalars as TensorBoard's summaries write them (a float64
    tensor, the scalars plugin's metadata on a tag's first event), as the sink writes them: into the
    run's folder, flushed at every epoch end, closed at the end."""

    def __init__(self) -> None:
        super().__init__()
        from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
        from tensorboard.plugins.scalar import metadata

        self._event, self._summary, self._tensor = event_pb2.Event, summary_pb2.Summary, tensor_pb2.TensorProto
        self._double, self._shape = types_pb2.DT_DOUBLE, tensor_shape_pb2.TensorShapeProto()
        self._meta = metadata.create_summary_metadata("", "")
        self._seen: set[str] = set()
        self.writer: Any = None

    def open(self, trainer: Any) -> None:
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        self.writer = EventFileWriter(str(trainer.save_dir), max_queue_size=100_000, flush_secs=120)

    def _scalars(self, values: dict[str, float], step: int, prefix: str = "") -> None:
        for k, v in values.items():
            tag = prefix + k
            meta = None
            if tag not in self._seen:
                self._seen.add(tag)
                meta = self._meta
            tensor = self._tensor(dtype=self._double, double_val=[v], tensor_shape=self._shape)
            value = self._summary.Value(tag=tag, tensor=tensor, metadata=meta)
            self.writer.add_event(self._event(wall_time=time.time(), step=step, summary=self._summary(value=[value])))

    def flush(self) -> None:
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


class HandSummaryWriter(_ScalarBySeries):
    """Ultralytics' own TensorBoard callback's way (ultralytics/utils/callbacks/tensorboard.py):
    torch's ``SummaryWriter.add_scalar`` per value, the writer opened at the start, closed at the end,
    never flushed in between; here with the per-batch series too, which that callback does not log."""

    def __init__(self) -> None:
        super().__init__()
        self.writer: Any = None

    def open(self, trainer: Any) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(str(trainer.save_dir))

    def _scalars(self, values: dict[str, float], step: int, prefix: str = "") -> None:
        for k, v in values.items():
            self.writer.add_scalar(prefix + k, v, step)

    def close(self) -> None:
        self.writer.close()


class HandWandb(_BySeries):
    """W&B's own client: ``wandb.init(mode="offline", dir=…)``, one ``run.log`` per batch and per
    epoch event with its step metric (``batch``, ``epoch``) in the row, ``run.finish()`` at the end."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.run: Any = None

    def open(self, trainer: Any) -> None:
        import wandb

        self.run = wandb.init(mode="offline", dir=str(self.folder), project="yaml-hooks-bench", reinit="create_new")
        for metric in ("epoch", "batch"):
            self.run.define_metric(metric, hidden=True)
        self.run.define_metric("batch/*", step_metric="batch")
        for prefix in ("train", "lr", "metrics", "val"):
            self.run.define_metric(f"{prefix}/*", step_metric="epoch")

    def on_train_batch_end(self, trainer: Any) -> None:
        self.batch += 1
        row = {f"batch/{k}": v for k, v in trainer.label_loss_items(trainer.tloss, prefix="train").items()}
        row.update({f"batch/{k}": v for k, v in (getattr(trainer, "lr", None) or {}).items()})
        row["batch"] = self.batch
        self.run.log(row)

    def on_train_epoch_end(self, trainer: Any) -> None:
        self.run.log(
            {**trainer.label_loss_items(trainer.tloss, prefix="train"), **trainer.lr, "epoch": trainer.epoch + 1}
        )

    def on_fit_epoch_end(self, trainer: Any) -> None:
        self.run.log({**trainer.metrics, "epoch": trainer.epoch + 1})

    def close(self) -> None:
        self.run.finish()

    def log_file(self) -> Path | None:
        """The run's ``.wandb`` log, which W&B's service goes on writing after ``finish()``."""
        files = getattr(self.run, "dir", None)
        return Path(files).parent / f"run-{self.run.id}.wandb" if files else None


# ======================================================== row 21: the `full` preset, written by hand
class RecordingSink(NoopSink):
    """A no-op sink that also keeps what it was asked to log (untimed checks): (op, path) of every
    call, with the step and value of each point."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[Any, ...]] = []

    def append(self, path: str, value: float, step: float | None) -> None:
        super().append(path, value, step)
        self.calls.append(("append", path, step, round(float(value), 9)))

    def assign(self, path: str, value: Any) -> None:
        super().assign(path, value)
        self.calls.append(("assign", path))

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        super().upload(path, file, snapshot=snapshot)
        self.calls.append(("upload", path, Path(file).name, snapshot))

    def upload_figure(self, path: str, figure: Any) -> None:
        super().upload_figure(path, figure)
        self.calls.append(("upload_figure", path))


class HandFull:
    """The `full` preset's logging (hooks/configs/full.yaml over default.yaml) written by hand against
    a yaml-hooks Sink, as a user would write callbacks: the per-class series read straight from the
    validator's metrics (``ap_class_index``, ``class_result(i)``, ``keys``), the class keys worked out
    once. The epoch (1-based) and the final validation are told apart as yaml-hooks does: the final
    ``on_fit_epoch_end`` comes with ``trainer.epoch`` moved one on, the final ``on_val_end`` from a
    validator with ``training`` False."""

    def __init__(self, sink: Any) -> None:
        self.sink = sink
        self.train_epoch: int | None = None
        self.uploaded: set[str] = set()  # `files` actions upload each file once (mosaic, final validation)
        self.keys: dict[int, str] | None = None
        self.plots = True  # the training's `plots` argument
        self.turned: tuple[Any, Any] | None = None  # (validator.args, its own plots value) while turned on

    def callbacks(self) -> dict[str, Callable[[Any], None]]:
        return {
            "on_pretrain_routine_start": self.on_pretrain_routine_start,
            "on_train_epoch_end": self.on_train_epoch_end,
            "on_val_start": self.on_val_start,
            "on_val_end": self.on_val_end,
            "on_fit_epoch_end": self.on_fit_epoch_end,
            "on_train_end": self.on_train_end,
        }

    def on_pretrain_routine_start(self, trainer: Any) -> None:
        self.plots = bool(trainer.args.plots)
        self.sink.assign(
            "Configuration/Hyperparameters", {k: "" if v is None else v for k, v in vars(trainer.args).items()}
        )
        self.sink.flush()

    def on_val_start(self, validator: Any) -> None:
        """Every 5th epoch's validation draws its images (Ultralytics' switch is sticky: after the
        first epoch only the final validation would), its own value put back at its end."""
        self.turned = None
        if validator.training and self.plots and ((self.train_epoch or 0) + 1) % 5 == 0:
            self.turned = (validator.args, validator.args.plots)
            validator.args.plots = True

    def _once(self, field: str, path: Path, *, snapshot: bool = False) -> None:
        if field not in self.uploaded:
            self.uploaded.add(field)
            self.sink.upload(field, path, snapshot=snapshot)

    def on_train_epoch_end(self, trainer: Any) -> None:
        self.train_epoch = trainer.epoch
        step = trainer.epoch + 1
        for k, v in trainer.label_loss_items(trainer.tloss, prefix="train").items():
            self.sink.append(k, v, step)
        for k, v in trainer.lr.items():
            self.sink.append(k, v, step)
        for f in trainer.save_dir.glob("train_batch*.jpg"):
            self._once(f"Mosaic/{f.stem}", f)

    def on_val_end(self, validator: Any) -> None:
        final = not validator.training
        epoch = (self.train_epoch or 0) + (2 if final else 1)
        if self.turned is not None:
            for thread in threading.enumerate():  # Ultralytics draws them in threads: wait for them
                if thread.name.endswith("(plot_images)"):
                    thread.join(30)
            args, plots = self.turned
            args.plots, self.turned = plots, None
        if final:
            for f in validator.save_dir.glob("val_batch*.jpg"):
                self._once(f"Validation/{f.stem}", f)
        elif epoch % 5 == 0:
            for f in validator.save_dir.glob("val_batch*.jpg"):
                self.sink.upload(f"Validation/epoch-{epoch}/{f.stem}", f, snapshot=True)

    def on_fit_epoch_end(self, trainer: Any) -> None:
        final = trainer.epoch != self.train_epoch
        step = trainer.epoch + 1
        sink = self.sink
        if step == 1 and not final:
            from ultralytics.utils.torch_utils import model_info_for_loggers

            sink.assign("Configuration/Model", model_info_for_loggers(trainer))
        for k, v in trainer.metrics.items():
            sink.append(k, v, step)
        if not final:
            sink.append("metrics/fitness", trainer.fitness, step)
        metrics = trainer.validator.metrics
        if self.keys is None:
            self.keys = {i: str(n).replace("/", "_") for i, n in metrics.names.items()}
        columns = [k.removeprefix("metrics/") for k in metrics.keys]
        for i, c in enumerate(metrics.ap_class_index):
            label = self.keys[c]
            for name, v in zip(columns, metrics.class_result(i), strict=True):
                sink.append(f"metrics/per_class/{label}/{name}", float(v), step)
        sink.flush()

    def on_train_end(self, trainer: Any) -> None:
        import fnmatch

        from hooks.sources.validation import write_confusion_csv

        for p in dict.fromkeys(Path(p) for p in [*trainer.plots, *trainer.validator.plots]):
            if not fnmatch.fnmatchcase(p.name, "*batch*") and p.is_file():
                self._once(f"Plots/{p.stem}", p)
        name = trainer.args.name
        for weights in (trainer.best, trainer.last):
            if weights.is_file():
                self.sink.upload(f"weights/{name}/{weights.name}", weights)
        for file, folder in (
            (trainer.save_dir / "results.csv", "Results"),
            (trainer.save_dir / "args.yaml", "Configuration"),
        ):
            if file.is_file():
                self.sink.upload(f"{folder}/{file.name}", file)
        validator = trainer.validator
        cm = validator.confusion_matrix
        labels = [str(cm.names[i]) for i in sorted(cm.names)] + ["background"]
        csv = write_confusion_csv(Path(validator.save_dir) / "confusion_matrix.csv", labels, cm.matrix.tolist())
        self.sink.upload(f"Results/{csv.name}", csv)
        self.sink.stop()
