"""The yardstick: callbacks written by hand, in the style of the original YOLOv8 Neptune integration
(the seed), doing the same logging as the `yolov8-neptune` preset.

The tests use ``HandWritten`` too (tests/reference_callbacks.py), as the yardstick the faithful
presets are compared with field for field. Two differences from the seed in the benchmark, both
so that the two sides do the same work:

* the run is stopped at the end of training, as yaml-hooks does (the seed left it to the garbage
  collector, so its last operations were not part of its measured time);
* ``SeedOnSink`` does the seed's logic but calls a yaml-hooks ``Sink`` (the no-op one, for the
  overhead measurement), so both sides call the very same sink object's methods.
"""

from __future__ import annotations

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
    of training (the original never did; the benchmark does, as yaml-hooks does). The tests compare
    the `yolov8-neptune` and `ultralytics-neptune` presets with it field for field."""

    def __init__(self, variant: str = "yolov8", *, stop: bool = False, **init: Any) -> None:
        self.variant = variant
        self.stop = stop
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


def SeedNeptune(**init: Any) -> HandWritten:
    """The seed's callbacks as the benchmark runs them: stopping the run at the end."""
    return HandWritten("yolov8", stop=True, **init)


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
