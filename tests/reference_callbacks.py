"""Hand-written callbacks that do what the original integrations did, in their style: the yardstick
the `yolov8-neptune` and `ultralytics-neptune` presets are compared with, field for field.

Written from the behaviour documented in shared/REFERENCE.md §1–2, not copied.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

QUIET = {
    "capture_hardware_metrics": False,
    "capture_stdout": False,
    "capture_stderr": False,
    "capture_traceback": False,
    "git_ref": False,
    "source_files": [],
}


class HandWritten:
    """variant: "yolov8" (the seed) or "ultralytics" (8.4.131's built-in module)."""

    def __init__(self, variant: str, **init: Any) -> None:
        self.variant = variant
        self.init = init
        self.run: Any = None
        self.init_kwargs: dict[str, Any] = {}

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_pretrain_routine_start": self.on_pretrain_routine_start,
            "on_train_epoch_end": self.on_train_epoch_end,
            "on_fit_epoch_end": self.on_fit_epoch_end,
            "on_val_end": self.on_val_end,
            "on_train_end": self.on_train_end,
        }

    def on_pretrain_routine_start(self, trainer: Any) -> None:
        import neptune

        default = "YOLOv8" if self.variant == "yolov8" else "Ultralytics"
        self.init_kwargs = {
            "project": trainer.args.project or default,
            "name": trainer.args.name,
            "tags": [default],
        }
        self.run = neptune.init_run(**self.init_kwargs, **self.init)
        self.run["Configuration/Hyperparameters"] = {k: "" if v is None else v for k, v in vars(trainer.args).items()}

    def on_train_epoch_end(self, trainer: Any) -> None:
        from neptune.types import File

        step = trainer.epoch + 1
        for k, v in trainer.label_loss_items(trainer.tloss, prefix="train").items():
            self.run[k].append(value=v, step=step)
        for k, v in trainer.lr.items():
            self.run[k].append(value=v, step=step)
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
            names = ["results.png", "confusion_matrix.png", "confusion_matrix_normalized.png"]
            names += [f"{x}_curve.png" for x in ("F1", "PR", "P", "R")]
            plots = [trainer.save_dir / n for n in names if (trainer.save_dir / n).exists()]
        else:
            plots = [Path(p) for p in [*trainer.plots, *trainer.validator.plots] if "batch" not in Path(p).name]
        for path in plots:
            self.run[f"Plots/{path.stem}"].upload(_figure(path))
        name = trainer.args.name or trainer.args.task
        self.run[f"weights/{name}/{trainer.best.name}"].upload(File(str(trainer.best)))


def _figure(path: Path) -> Any:
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    fig = plt.figure()
    ax = fig.add_axes([0, 0, 1, 1], frameon=False, aspect="auto", xticks=[], yticks=[])
    ax.imshow(mpimg.imread(str(path)))
    plt.close(fig)
    return fig
