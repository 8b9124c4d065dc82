"""The first hour on real Ultralytics trainings (tiny, CPU, offline), read back from Neptune's
offline files: validation images every N epochs, per-batch steps, a validation and a prediction
of their own, and a resumed training that continues its run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from hooks.runs import Run as RunLog
from hooks.runs.neptune.read import find_run_groups, find_runs, read_run
from tests.conftest import REPO

SETUP = """
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
config = work / "first-hour.yaml"
config.write_text(sys.argv[2])
import hooks
from ultralytics import YOLO
TRAIN = dict(data=str(data), imgsz=64, batch=4, device="cpu", workers=0, project=str(work / "runs"),
             exist_ok=True, amp=False, plots=True)
"""

FINISH = """
print("NETWORK_ATTEMPTS=%d" % len(attempts))
"""

CONFIG = """\
version: 1
sink: {neptune: {name: "{args.name}", capture: {stdout: false, stderr: false, hardware_metrics: false}}}
events:
  on_train_batch_end:
    - scalars: {from: train_losses, to: batch, include: ["*box*"]}
    - scalars: {from: train_losses, to: every3, include: ["*box*"], when: {every_batches: 3}}
  on_fit_epoch_end:
    - scalars: {from: metrics, include: ["metrics/mAP50(B)"]}
  on_val_end:
    - files: {glob: "val_batch*.jpg", to: "Validation/epoch-{epoch}/{stem}", once: false, snapshot: true,
              when: {every: 2}}
    - files: {glob: "val_batch*.jpg", to: "Validation/final/{stem}", when: {final: only}}
    - scalars: {from: validator.speed, to: speed, when: {final: false}}
  on_predict_end:
    - scalars: {from: predictor.speed, to: speed}
"""


def run_script(body: str, work: Path, config: str = CONFIG) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-c", SETUP + body + FINISH, str(work), config],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert "NETWORK_ATTEMPTS=0" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def trained_then_val_and_predict(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A 4-epoch training, then model.val() and model.predict() in the same process."""
    work = tmp_path_factory.mktemp("first-hour")
    body = """
model = YOLO("yolov8n.yaml")
hooks.attach(model, config)
model.train(epochs=4, name="fh", **TRAIN)
model.val(data=str(data), imgsz=64, batch=4, device="cpu", workers=0, project=str(work / "runs"), name="checked",
          plots=True)
model.predict(source=str(data.parent / "images" / "val"), imgsz=64, device="cpu", save=False, verbose=False)
"""
    result = run_script(body, work)
    assert result.returncode == 0, result.stderr[-3000:]
    return work, result.stderr


def runs_by_name(work: Path) -> dict[str, RunLog]:
    return {str(run.name): run for run in (read_run(p) for p in find_runs(work / ".neptune"))}


def test_validation_images_every_2_epochs_of_4_are_drawn_and_uploaded(
    trained_then_val_and_predict: tuple[Path, str],
) -> None:
    work, _ = trained_then_val_and_predict
    run = runs_by_name(work)["fh"]
    images = {k: ref for k, ref in run.files.items() if k.startswith("Validation/")}
    # Epochs 2 and 4, and the final validation (a second action).
    assert set(images) == {
        f"Validation/{e}/val_batch0_{kind}" for e in ("epoch-2", "epoch-4", "final") for kind in ("labels", "pred")
    }
    for key, ref in images.items():
        assert ref.exists and ref.file_path is not None, key
        data = ref.file_path.read_bytes()
        assert data[:3] == b"\xff\xd8\xff" and len(data) > 1000, key  # a real JPEG, drawn in full


def test_batch_series_use_the_global_batch_index(trained_then_val_and_predict: tuple[Path, str]) -> None:
    work, _ = trained_then_val_and_predict
    run = runs_by_name(work)["fh"]
    # 16 training images, batch 4: 4 batches an epoch, 16 in 4 epochs.
    assert [p.step for p in run.series["batch/train/box_loss"]] == list(range(1, 17))
    assert [p.step for p in run.series["every3/train/box_loss"]] == [3, 6, 9, 12, 15]
    assert [p.step for p in run.series["metrics/mAP50(B)"]] == [1, 2, 3, 4, 5]


def test_a_validation_and_a_prediction_after_training_are_runs_of_their_own(
    trained_then_val_and_predict: tuple[Path, str],
) -> None:
    work, stderr = trained_then_val_and_predict
    runs = runs_by_name(work)
    assert set(runs) == {"fh", "val: checked", "predict: predict"}
    assert [p.step for p in runs["fh"].series["speed/inference"]] == [1, 2, 3, 4]  # final: false
    assert [p.step for p in runs["val: checked"].series["speed/inference"]] == [None]
    assert [p.step for p in runs["predict: predict"].series["speed/inference"]] == [None]
    # Each run is announced where it was saved, as a training's is.
    saved = [line for line in stderr.splitlines() if line.startswith("hooks: Neptune offline run saved in")]
    assert len(saved) == 3, stderr[-3000:]
    assert {str(read_run(Path(line.split(" saved in ")[1].split(" (")[0])).name) for line in saved} == set(runs)


RESUME_CONFIG = """\
version: 1
sink: {neptune: {name: "{args.name}", capture: {stdout: false, stderr: false, hardware_metrics: false}}}
events:
  on_train_epoch_end: [{scalars: {from: train_losses}}]
  on_train_batch_end: [{scalars: {from: train_losses, to: batch, include: ["*box*"]}}]
  on_fit_epoch_end: [{scalars: {from: metrics, include: ["metrics/mAP50(B)"]}}]
"""


def test_a_resumed_training_continues_its_run(tmp_path: Path) -> None:
    first = """
model = YOLO("yolov8n.yaml")
hooks.attach(model, config)

def interrupt(trainer):
    if trainer.epoch == 1:  # after epoch 2 is saved and logged
        raise KeyboardInterrupt("stopped by the test")

model.add_callback("on_fit_epoch_end", interrupt)
try:
    model.train(epochs=4, name="res", **TRAIN)
except KeyboardInterrupt:
    print("INTERRUPTED")
"""
    result = run_script(first, tmp_path, RESUME_CONFIG)
    assert "INTERRUPTED" in result.stdout, result.stderr[-3000:]
    second = """
model = YOLO(str(work / "runs" / "res" / "weights" / "last.pt"))
hooks.attach(model, config)
model.train(resume=True)
"""
    result = run_script(second, tmp_path, RESUME_CONFIG)
    assert result.returncode == 0, result.stderr[-3000:]
    folders = find_runs(tmp_path / ".neptune")
    assert len(folders) == 2  # Neptune offline cannot reopen a run: one folder per process
    (parts,) = find_run_groups(tmp_path / ".neptune")
    run = read_run(parts)
    assert run.parts == parts and len({read_run(p).training_id for p in parts}) == 1
    assert [read_run(p).fields["yaml_hooks/part"] for p in parts] == [1, 2]
    assert [p.step for p in run.series["train/box_loss"]] == [1, 2, 3, 4]
    assert [p.step for p in run.series["metrics/mAP50(B)"]] == [1, 2, 3, 4, 5]
    assert [p.step for p in run.series["batch/train/box_loss"]] == list(range(1, 17))
    # The second part logged epochs 3 and 4 only: nothing twice.
    assert [p.step for p in read_run(parts[1]).series["train/box_loss"]] == [3, 4]
    listing = subprocess.run(
        [sys.executable, "-m", "hooks", "runs", str(tmp_path / ".neptune")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    rows = [line for line in listing[1:] if re.match(r"[0-9a-f]{8}  ", line)]
    assert len(rows) == 1 and " res " in rows[0], listing  # one run, of 2 parts
    report = tmp_path / "report.html"
    subprocess.run(
        [sys.executable, "-m", "hooks", "report", "--dir", str(tmp_path / ".neptune"), "-o", str(report)],
        capture_output=True,
        check=True,
    )
    assert "2 parts, read as one run" in report.read_text()
