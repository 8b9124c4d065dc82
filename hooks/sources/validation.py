"""What the validator's last validation found per class: ``per_class`` (each class's precision,
recall, mAP50 and mAP50-95, and the mask or pose ones where the task has them, as series) and
``confusion_matrix`` (its counts, written as a CSV file to upload). Both read the validator of the
event: the trainer's (``on_fit_epoch_end``, ``on_train_end``: after the final validation of
best.pt, its results) or the event's own (``on_val_end``, in a training or a ``model.val()``)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from ..core.context import Context
from ..errors import Missing
from .builtin import _builtin

__all__ = ["BACKGROUND", "CONFUSION_CSV", "CORNER", "class_keys", "write_confusion_csv"]

SLASH: Final = "_"  # stands for a '/' in a class name, which would make a level of its own
BACKGROUND: Final = "background"  # Ultralytics' name for the last row and column
CONFUSION_CSV: Final = "confusion_matrix.csv"
CORNER: Final = "predicted \\ true"  # the header's first cell: rows are predictions, columns the truth
_WHERE: Final = "per-class results exist after a validation (on_val_end, on_fit_epoch_end, on_train_end)"


def class_keys(names: Mapping[int, Any]) -> dict[int, str]:
    """Each class's name as one level of a series path: every '/' becomes '_'; a name that would
    vanish from a path ('', '.', '..') is ``class<id>``; a name already given to a class with a
    lower id gets ``_<id>`` appended. Worked out over all classes, so a key never depends on
    which classes a validation happened to see."""
    keys: dict[int, str] = {}
    taken: set[str] = set()
    for index in sorted(names):
        key = str(names[index]).replace("/", SLASH)
        if key in ("", ".", ".."):
            key = f"class{index}"
        while key in taken:
            key = f"{key}_{index}"
        taken.add(key)
        keys[index] = key
    return keys


def _validator(ctx: Context, source: str) -> Any:
    try:
        return ctx.lookup("validator")
    except Missing:
        raise Missing(f"{source}: no validator on {ctx.event}; {_WHERE}") from None


@_builtin(
    "per_class",
    "mapping",
    "each class's precision, recall, mAP50 and mAP50-95 (and the mask or pose ones) in the last "
    "validation, as <class>/precision(B), …; classes with no labels in the validation set are left out",
)
def _per_class(ctx: Context) -> dict[str, float]:
    validator = _validator(ctx, "per_class")
    metrics = getattr(validator, "metrics", None)
    result = getattr(metrics, "class_result", None)
    names = getattr(metrics, "keys", None)
    if metrics is None or not callable(result) or names is None:
        what = type(metrics).__name__ if metrics is not None else "the validator"
        raise Missing(f"per_class: {what} has no per-class results (tasks detect, segment, pose and obb have them)")
    present = getattr(metrics, "ap_class_index", None)
    if present is None or len(present) == 0:
        raise Missing(f"per_class: no per-class results yet (no validation so far, or no labels in it); {_WHERE}")
    # Ultralytics' own names, as in trainer.metrics: metrics/precision(B) -> precision(B).
    columns = [str(k).removeprefix("metrics/") for k in names]
    keys = class_keys(getattr(metrics, "names", None) or getattr(validator, "names", None) or {})
    out: dict[str, float] = {}
    for i, c in enumerate(present):  # Ultralytics' table order: class_result(i) is class present[i]
        values: Sequence[Any] = result(i)
        if len(values) != len(columns):
            raise Missing(f"per_class: {len(values)} values per class for {len(columns)} metric names")
        label = keys.get(int(c), f"class{int(c)}")
        out.update({f"{label}/{name}": float(v) for name, v in zip(columns, values, strict=True)})
    return out


@_builtin(
    "confusion_matrix",
    "file",
    f"the last validation's confusion matrix as counts, written to {CONFUSION_CSV} in the validator's "
    f"save_dir: a row per predicted class, a column per true class, {BACKGROUND} last",
)
def _confusion_matrix(ctx: Context) -> Path:
    validator = _validator(ctx, "confusion_matrix")
    cm = getattr(validator, "confusion_matrix", None)
    matrix = getattr(cm, "matrix", None)
    if matrix is None:
        raise Missing(f"confusion_matrix: the validator has no confusion matrix yet; {_WHERE}")
    # Ultralytics counts it only in validations that draw plots; during a training that is the
    # final one (and the last epoch's): an all-zero matrix then means nothing was counted.
    args = getattr(validator, "args", None)
    if not getattr(args, "plots", True) and not matrix.any():
        raise Missing(
            "confusion_matrix: Ultralytics counted no confusion matrix in this validation (it does so only when "
            "it draws plots, plots=True); read it on on_train_end, after the final validation"
        )
    names = getattr(cm, "names", None) or getattr(validator, "names", None) or {}
    labels = [str(names[i]) for i in sorted(names)]
    if matrix.shape == (len(labels) + 1,) * 2:
        labels.append(BACKGROUND)
    elif matrix.shape != (len(labels),) * 2:
        raise Missing(f"confusion_matrix: a {matrix.shape} matrix for {len(labels)} classes")
    save_dir = getattr(validator, "save_dir", None)
    if save_dir is None:
        raise Missing("confusion_matrix: validator.save_dir is not set on this event")
    return write_confusion_csv(Path(save_dir) / CONFUSION_CSV, labels, matrix.tolist())


def write_confusion_csv(path: Path, labels: Sequence[str], rows: Sequence[Sequence[float]]) -> Path:
    """Write ``rows`` (``[predicted][true]``, as Ultralytics' ``ConfusionMatrix.matrix``) as CSV: the
    header is ``CORNER`` and the true classes, then one line per predicted class, its label first;
    whole counts as integers. Written to a temporary file and renamed, so a reader never sees half."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        import csv  # only at the end of a training that uploads the matrix

        out = csv.writer(f, lineterminator="\n")
        out.writerow([CORNER, *labels])
        for label, row in zip(labels, rows, strict=True):
            out.writerow([label, *(_count(v) for v in row)])
    os.replace(tmp, path)
    return path


def _count(value: float) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number
