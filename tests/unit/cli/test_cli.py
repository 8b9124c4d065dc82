"""The `hooks` command and `python -m hooks`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hooks.cli import main
from tests.conftest import REPO


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hooks", *args], capture_output=True, text=True, check=False)


def test_schema_prints_the_schema_file() -> None:
    result = run("schema")
    assert result.returncode == 0
    assert json.loads(result.stdout) == json.loads((REPO / "schemas" / "hooks.schema.json").read_text())


def test_presets_lists_each_with_a_description(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "default",
        "full",
        "minimal",
        "ultralytics-mlflow",
        "ultralytics-neptune",
        "ultralytics-tensorboard",
        "ultralytics-wandb",
        "yolov8-neptune",
    ]
    assert all(len(line.split(None, 1)[1]) > 20 for line in lines)


def test_explain_says_what_when_and_where(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "yolov8-neptune"]) == 0
    out = capsys.readouterr().out
    assert "on_train_epoch_end: after the training batches of every epoch" in out
    assert (
        "upload files matching train_batch*.jpg in the save_dir of the event's object to Mosaic/{stem}, "
        "every time; only at epoch 2" in out
    )
    assert "re-drawn as matplotlib figures" in out
    assert "tags YOLOv8" in out
    assert "[<preset yolov8-neptune>:" in out


# Every Ultralytics event and the object it passes to its callbacks: a training's in the order it
# fires them, then the reserved ones it never fires, then a prediction's and an export's.
EVENTS_AS_LISTED = [
    ("on_pretrain_routine_start", "trainer"),
    ("on_pretrain_routine_end", "trainer"),
    ("on_train_start", "trainer"),
    ("on_train_epoch_start", "trainer"),
    ("on_train_batch_start", "trainer"),
    ("on_train_batch_end", "trainer"),
    ("on_train_epoch_end", "trainer"),
    ("on_val_start", "validator"),
    ("on_val_batch_start", "validator"),
    ("on_val_batch_end", "validator"),
    ("on_val_end", "validator"),
    ("on_model_save", "trainer"),
    ("on_fit_epoch_end", "trainer"),
    ("on_train_end", "trainer"),
    ("teardown", "trainer"),
    ("optimizer_step", "trainer"),
    ("on_before_zero_grad", "trainer"),
    ("on_params_update", "trainer"),
    ("on_predict_start", "predictor"),
    ("on_predict_batch_start", "predictor"),
    ("on_predict_postprocess_end", "predictor"),
    ("on_predict_batch_end", "predictor"),
    ("on_predict_end", "predictor"),
    ("on_export_start", "exporter"),
    ("on_export_end", "exporter"),
]


def test_explain_events_lists_all_25_in_firing_order_with_what_each_passes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["explain", "--events"]) == 0
    lines = capsys.readouterr().out.splitlines()
    parsed = [re.fullmatch(r"(\w+) +\((\w+)\) (.+)", line) for line in lines]
    assert all(parsed), lines
    assert [(m.group(1), m.group(2)) for m in parsed if m] == EVENTS_AS_LISTED
    when = {m.group(1): m.group(3) for m in parsed if m}
    assert when["on_fit_epoch_end"] == "after every epoch's validation, and once more after the final validation"
    assert when["on_val_end"] == "when a validation ends (every epoch, and the final validation)"
    assert "reserved" in when["optimizer_step"] and "reserved" in when["on_before_zero_grad"]
    # the same without --events and without a config
    assert main(["explain"]) == 0
    assert capsys.readouterr().out.splitlines() == lines


def test_validate_ok_and_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("version: 1\nextends: minimal\n")
    assert main(["validate", str(good), "default"]) == 0
    assert capsys.readouterr().out == f"{good}: ok\ndefault: ok\n"
    assert main(["explain", str(tmp_path / "missing.yaml")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).with_name("hooks")
    result = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("yaml-hooks ")
