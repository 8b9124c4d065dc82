"""A real Ultralytics training (tiny, CPU, offline) with a preset attached, read back from the
Neptune offline files: the values Ultralytics produced, at the right steps, and every file."""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import pytest

from hooks._runlog import RunLog, find_runs, read_run

from .conftest import REPO

EPOCHS = 2


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunLog]:
    work = tmp_path_factory.mktemp("real-training")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "demo.train",
            "--workdir",
            str(work),
            "--preset",
            "default",
            "--epochs",
            str(EPOCHS),
            "--forbid-network",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "NETWORK_ATTEMPTS=0" in result.stdout  # an audit hook watched every socket connect
    assert "hooks: Neptune offline run saved in" in result.stderr
    save_dir = Path(result.stdout.split("SAVE_DIR=")[1].split()[0])
    (run,) = find_runs(work / ".neptune")
    return save_dir, read_run(run)


def test_series_are_the_values_ultralytics_wrote_to_results_csv(trained: tuple[Path, RunLog]) -> None:
    save_dir, run = trained
    with (save_dir / "results.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == EPOCHS
    for column in (
        "train/box_loss",
        "train/cls_loss",
        "train/dfl_loss",
        "lr/pg0",
        "lr/pg1",
        "lr/pg2",
        "metrics/mAP50(B)",
        "metrics/precision(B)",
        "val/box_loss",
        "val/cls_loss",
    ):
        logged = run.series[column]
        assert [p.step for p in logged[:EPOCHS]] == [1, 2], column
        for point, row in zip(logged, rows, strict=False):
            assert math.isclose(point.value, float(row[column]), rel_tol=1e-4, abs_tol=1e-6), column
    # The final validation of best.pt adds one more metrics point, and no loss.
    assert [p.step for p in run.series["metrics/mAP50-95(B)"]] == [1, 2, 3]
    assert [p.step for p in run.series["val/box_loss"]] == [1, 2]


def test_images_plots_and_weights_are_uploaded_from_the_run_folder(trained: tuple[Path, RunLog]) -> None:
    save_dir, run = trained
    files = {k: ref for k, ref in run.files.items() if not k.startswith(("sys/", "source_code/"))}
    mosaic = {k for k in files if k.startswith("Mosaic/")}
    assert mosaic == {f"Mosaic/{p.stem}" for p in save_dir.glob("train_batch*.jpg")} and mosaic
    assert {"Validation/val_batch0_labels", "Validation/val_batch0_pred"} <= set(files)
    plots = {k for k in files if k.startswith("Plots/")}
    assert {"Plots/results", "Plots/confusion_matrix", "Plots/BoxPR_curve", "Plots/labels"} <= plots
    assert files["weights/demo/best.pt"].file_path == save_dir / "weights" / "best.pt"
    for key, ref in files.items():
        assert ref.exists and ref.file_path is not None and ref.file_path.is_relative_to(save_dir), key


def test_hyperparameters_model_info_name_and_tags(trained: tuple[Path, RunLog]) -> None:
    _, run = trained
    hp = {
        k.removeprefix("Configuration/Hyperparameters/"): v
        for k, v in run.fields.items()
        if k.startswith("Configuration/Hyperparameters/")
    }
    assert hp["epochs"] == EPOCHS and hp["imgsz"] == 64 and hp["batch"] == 4 and hp["name"] == "demo"
    assert hp["model"] == "yolov8n.yaml" and hp["device"] == "cpu"
    assert hp["project"].endswith("runs")
    assert run.fields["Configuration/Model/model/parameters"] > 1_000_000
    assert "Configuration/Model/model/GFLOPs" in run.fields
    assert "Configuration/Model/model/speed_PyTorch(ms)" in run.fields
    assert run.name == "demo" and run.tags == ("detect", "yolo")
