"""A real Ultralytics training (tiny, CPU, offline) with a preset attached, read back from the
Neptune offline files: the values Ultralytics produced, at the right steps, and every file."""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hooks.runs import Run as RunLog
from tests.conftest import REAL_TRAINING_EPOCHS as EPOCHS
from tests.conftest import train_offline

# `trained` (the real training most tests here read) lives in conftest.py: tests/unit/report/test_report.py
# builds its reports from the same run, and a session fixture there runs once per session.


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


CLI_TRAIN = """
import sys
from pathlib import Path
from demo.offline import configure_ultralytics, ensure_torchvision, forbid_network, prepare_offline_env
from demo.synthetic import write_dataset

work = Path(sys.argv[1])
attempts = forbid_network()
prepare_offline_env(work)
ensure_torchvision()
configure_ultralytics(work)
data = write_dataset(work / "data")
from hooks.cli import main

rc = main(["train", "ultralytics-neptune", "model=yolov8n.yaml", f"data={data}", "epochs=2", "imgsz=64",
           "batch=4", "device=cpu", "workers=0", f"project={work / 'runs'}", "name=cli", "exist_ok=True",
           "amp=False"])
print("NETWORK_ATTEMPTS=%d" % len(attempts))
sys.exit(rc or (3 if attempts else 0))
"""


@pytest.fixture(scope="session")
def trained_by_cli(tmp_path_factory: pytest.TempPathFactory) -> RunLog:
    work = tmp_path_factory.mktemp("cli-training")
    return train_offline(["-c", CLI_TRAIN, str(work)], work)[1]


def test_hooks_train_with_ultralytics_neptune_logs_the_fields_8_4_131_logged(trained_by_cli: RunLog) -> None:
    """The field paths Ultralytics 8.4.131's built-in integration wrote for a 2-epoch training
    (shared/REFERENCE.md §2), from a training started the way `hooks train` starts one."""
    run = trained_by_cli
    series = {k: [p.step for p in pts] for k, pts in run.series.items() if not k.startswith(("sys/", "monitoring/"))}
    expected = {f"train/{n}_loss": [1, 2] for n in ("box", "cls", "dfl")}
    expected |= {f"lr/pg{i}": [1, 2] for i in range(3)}
    expected |= {f"metrics/{m}(B)": [1, 2, 3] for m in ("precision", "recall", "mAP50", "mAP50-95")}
    expected |= {f"val/{n}_loss": [1, 2] for n in ("box", "cls", "dfl")}
    assert series == expected
    files = {k for k in run.files if not k.startswith(("sys/", "source_code/", "monitoring/"))}
    plots = ("labels", "results", "BoxF1_curve", "BoxPR_curve", "BoxP_curve", "BoxR_curve", "confusion_matrix")
    assert files == {
        *(f"Mosaic/train_batch{i}" for i in range(3)),
        "Validation/val_batch0_labels",
        "Validation/val_batch0_pred",
        *(f"Plots/{p}" for p in plots),
        "Plots/confusion_matrix_normalized",
        "weights/cli/best.pt",
    }
    model = {k for k in run.fields if k.startswith("Configuration/Model/")}
    assert model == {f"Configuration/Model/model/{k}" for k in ("parameters", "GFLOPs", "speed_PyTorch(ms)")}
    assert run.fields["Configuration/Hyperparameters/name"] == "cli"
    assert run.tags == ("Ultralytics",)
    assert run.name == "cli"


def test_hooks_train_reports_ultralytics_own_error_for_a_bad_argument(tmp_path: Path) -> None:
    env = {**os.environ, "YOLO_OFFLINE": "1", "YOLO_CONFIG_DIR": str(tmp_path), "MPLCONFIGDIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "hooks", "train", "minimal", "epochz=3", "model=yolov8n.yaml"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 2
    assert "'epochz' is not a valid YOLO argument. Similar arguments are i.e. ['epochs=100']." in result.stderr
    assert "Traceback" not in result.stderr
