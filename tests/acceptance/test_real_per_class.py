"""Real tiny trainings (CPU, offline, from a model yaml) of a detection and a segmentation model on
3 classes with the `full` preset: the per-class series of the final validation are the numbers
Ultralytics prints in its per-class table, class by class, and the confusion matrix file holds
the validator's own counts, labelled as it labels them (tests/real_per_class_training.py)."""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from hooks.runs import Run as RunLog
from hooks.sources.validation import BACKGROUND, CORNER
from tests.conftest import train_offline

CLASSES = ("circle", "square", "triangle")  # demo/synthetic.py
METRICS = {
    "detect": ("precision(B)", "recall(B)", "mAP50(B)", "mAP50-95(B)"),
    "segment": (
        *("precision(B)", "recall(B)", "mAP50(B)", "mAP50-95(B)"),
        *("precision(M)", "recall(M)", "mAP50(M)", "mAP50-95(M)"),
    ),
}
# Just long enough that each class has its own, non-zero numbers (about 30 s and 45 s on 2 cores).
EPOCHS = {"detect": 10, "segment": 12}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
ROW = re.compile(r"^\s*(\S+)\s+(\d+)\s+(\d+)((?:\s+\S+)+)\s*$")


@dataclass(frozen=True)
class Trained:
    task: str
    work: Path  # the training's folder: runs/<task>/ (TensorBoard's event files too), wandb/ with --trackers
    run: RunLog
    table: dict[str, tuple[int, int, tuple[str, ...]]]  # class -> images, instances, printed values
    validator: dict[str, object]  # what tests/real_per_class_training.py dumped at on_train_end


def printed_table(stdout: str) -> dict[str, tuple[int, int, tuple[str, ...]]]:
    """The rows Ultralytics prints after "Validating …best.pt…" (its final validation): class,
    images, instances, then P, R, mAP50, mAP50-95 (box, then mask) as printed, with %.3g."""
    lines = ANSI.sub("", stdout).replace("\r", "\n").splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("Validating ") and "best.pt" in line)
    rows: dict[str, tuple[int, int, tuple[str, ...]]] = {}
    for line in lines[start:]:
        if line.startswith("Speed:"):
            break
        found = ROW.match(line)
        if found:
            rows[found[1]] = (int(found[2]), int(found[3]), tuple(found[4].split()))
    return rows


def train_per_class(task: str, tmp_path_factory: pytest.TempPathFactory, *, trackers: bool = False) -> Trained:
    work = tmp_path_factory.mktemp(f"per-class-{task}")
    argv = ["-m", "tests.real_per_class_training", "--workdir", str(work), "--task", task]
    argv += ["--trackers"] if trackers else []
    result, run = train_offline([*argv, "--epochs", str(EPOCHS[task])], work)
    validator = json.loads((work / "validator.json").read_text())
    return Trained(task, work, run, printed_table(result.stdout), validator)


@pytest.fixture(scope="module", params=["detect", "segment"])
def trained(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Trained:
    if request.param == "detect":  # shared with the comparison report's test: one training, not two
        trained: Trained = request.getfixturevalue("per_class_detect")
        return trained
    return train_per_class(request.param, tmp_path_factory)


def test_the_training_learned_something_different_for_each_class(trained: Trained) -> None:
    """The premise of the comparisons below: a mix-up of two classes would change the numbers."""
    assert set(trained.table) == {"all", *CLASSES}, trained.table
    values = [trained.table[c][2] for c in CLASSES]
    assert all(len(v) == len(METRICS[trained.task]) for v in values)
    assert len(set(values)) == len(CLASSES), values  # no two classes alike
    assert all(any(float(x) > 0 for x in v) for v in values), values  # each class found something


def test_final_per_class_series_are_the_printed_table(trained: Trained) -> None:
    final = EPOCHS[trained.task] + 1  # the final validation's step (docs/format.md)
    metrics = METRICS[trained.task]
    for cls in CLASSES:
        printed = trained.table[cls][2]
        for metric, shown in zip(metrics, printed, strict=True):
            point = trained.run.series[f"metrics/per_class/{cls}/{metric}"][-1]
            assert point.step == final, (cls, metric)
            assert f"{point.value:.3g}" == shown, (cls, metric, point.value, shown)


def test_per_class_series_every_epoch_and_nothing_else(trained: Trained) -> None:
    metrics = METRICS[trained.task]
    series = {k: v for k, v in trained.run.series.items() if k.startswith("metrics/per_class/")}
    assert set(series) == {f"metrics/per_class/{c}/{m}" for c in CLASSES for m in metrics}
    steps = list(range(1, EPOCHS[trained.task] + 2))
    assert all([p.step for p in points] == steps for points in series.values())
    # Every validation: Ultralytics' own means (trainer.metrics) are the means over the classes.
    for metric in metrics:
        for i, mean in enumerate(trained.run.series[f"metrics/{metric}"]):
            per_class = [series[f"metrics/per_class/{c}/{metric}"][i].value for c in CLASSES]
            assert math.isclose(sum(per_class) / len(CLASSES), mean.value, abs_tol=2e-5), (metric, mean.step)


def test_on_train_end_and_the_final_on_val_end_see_the_final_validation(trained: Trained) -> None:
    last = EPOCHS[trained.task]
    for cls in CLASSES:
        for metric in METRICS[trained.task]:
            final = trained.run.series[f"metrics/per_class/{cls}/{metric}"][-1].value
            (at_end,) = trained.run.series[f"train_end/per_class/{cls}/{metric}"]
            (at_val_end,) = trained.run.series[f"val_end/per_class/{cls}/{metric}"]
            assert (at_end.step, at_end.value) == (last, final)
            assert (at_val_end.step, at_val_end.value) == (last + 1, final)


def test_confusion_matrix_file_is_the_validators_counts(trained: Trained) -> None:
    ref = trained.run.files["Results/confusion_matrix.csv"]
    assert ref.file_path is not None and ref.file_path.name == "confusion_matrix.csv"
    with ref.file_path.open(newline="") as f:
        header, *rows = list(csv.reader(f))
    labels = [*CLASSES, BACKGROUND]
    assert header == [CORNER, *labels]
    assert [r[0] for r in rows] == labels
    counts = [[int(v) for v in r[1:]] for r in rows]  # whole numbers, written as such
    assert counts == trained.validator["matrix"]  # [predicted][true], as Ultralytics holds it
    # Each true class (a column) counts every one of its instances once: found as some class, or missed.
    for j, cls in enumerate(CLASSES):
        assert sum(row[j] for row in counts) == trained.table[cls][1] == trained.validator["instances"][j], cls
    assert counts[-1][-1] == 0  # background is never both predicted and true
