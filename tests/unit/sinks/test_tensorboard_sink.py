"""The TensorBoard sink with the shipped stand-in training, read back with TensorBoard's own
``EventAccumulator``; fanned out with Neptune (offline), whose run the points are compared with."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import hooks
from hooks.cli import main
from hooks.errors import ConfigError
from hooks.runs.neptune.read import find_runs, read_run
from hooks.runs.tensorboard.read import run_of
from hooks.sinks.tensorboard.fields import FILE_SUFFIX, IMAGE_SUFFIXES
from hooks.testing import simulate_training
from hooks.testing.standin import StandInTrainer

QUIET = "{capture: {stdout: false, stderr: false, traceback: false, hardware_metrics: false, git: false}}"
BATCHES = 3
EXTRA = (
    "events:\n"
    '  on_train_batch_end: [{scalars: {from: train_losses, to: batch, include: ["*box*"]}}]\n'
    "  on_val_end: [{scalars: {from: metrics, to: val_end, include: ['*mAP50(B)*']}}]\n"
)


def config(tensorboard: str = "{}", extra: str = "", *, neptune: bool = False) -> str:
    sink = f"{{neptune: {QUIET if neptune else 'false'}, tensorboard: {tensorboard}}}"
    return f"version: 1\nextends: default\nsink: {sink}\n{extra}"


def train(text: str, tmp_path: Path, name: str = "exp", **kw: Any) -> StandInTrainer:
    (tmp_path / "hooks.yaml").write_text(text)
    compiled = hooks.load(tmp_path / "hooks.yaml")
    return simulate_training(dict(compiled), tmp_path / "runs" / name, **kw)


def accumulator(folder: Path) -> Any:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "tensors": 0, "images": 0})
    acc.Reload()
    return acc


def scalars(acc: Any, tag: str) -> list[tuple[int, float]]:
    from tensorboard.util import tensor_util

    return [(e.step, float(tensor_util.make_ndarray(e.tensor_proto).item())) for e in acc.Tensors(tag)]


def plugin_tags(acc: Any, plugin: str) -> set[str]:
    return {t for t in acc.Tags()["tensors"] if acc.SummaryMetadata(t).plugin_data.plugin_name == plugin}


def test_a_training_lands_in_tensorboard_as_in_neptune_series_for_series(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Fan-out: every Neptune series (epoch and batch ones) is a TensorBoard scalar with the same
    steps and values, exactly (float64); every image upload an image; the weights are not held,
    and that is said once."""
    caplog.set_level(logging.INFO, logger="hooks")
    trainer = train(config(neptune=True, extra=EXTRA), tmp_path, epochs=3, batches=BATCHES)
    (neptune_dir,) = find_runs(tmp_path / ".neptune")
    neptune = read_run(neptune_dir)
    acc = accumulator(trainer.save_dir)
    user_series = {k: v for k, v in neptune.series.items() if not k.startswith(("sys/", "monitoring/", "source_code"))}
    assert len(user_series) >= 10
    assert "batch/train/box_loss" in user_series
    assert plugin_tags(acc, "scalars") == set(user_series)
    for path, points in user_series.items():
        assert scalars(acc, path) == [(int(p.step), p.value) for p in points], path
    assert [s for s, _ in scalars(acc, "batch/train/box_loss")] == list(range(1, 3 * BATCHES + 1))
    images = {k for k, f in neptune.files.items() if f".{f.ext}" in IMAGE_SUFFIXES}
    assert len(images) >= 10
    assert set(acc.Tags()["images"]) == images
    mosaic = acc.Images("Mosaic/train_batch0")
    assert [e.step for e in mosaic] == [1]  # the first epoch's mosaic, at that epoch's step
    assert mosaic[0].encoded_image_string == (trainer.save_dir / "train_batch0.jpg").read_bytes()
    # The weights: Neptune has them; TensorBoard cannot hold them, said once, and at the end.
    assert any(k.startswith("weights/") for k in neptune.files)
    assert not any(t.startswith("weights/") for t in [*acc.Tags()["images"], *acc.Tags()["tensors"]])
    assert caplog.text.count("TensorBoard cannot hold best.pt") == 1
    assert "1 file(s) TensorBoard cannot hold were not written there (best.pt)" in caplog.text
    # Assigned values: text (typed back by their JSON), and hyperparameters at the end.
    assert "Configuration/Hyperparameters/epochs" in plugin_tags(acc, "text")
    assert "_hparams_/session_start_info" in acc.Tags()["tensors"]
    assert next(f.name for f in trainer.save_dir.iterdir() if "tfevents" in f.name).endswith(FILE_SUFFIX)


def test_explain_names_each_action_uploading_what_tensorboard_cannot_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = (
        "events:\n"
        "  on_train_end:\n"
        "    - files: {glob: 'results.csv', to: 'Tables/{stem}'}\n"
        "    - files: {glob: '*.png', to: 'Pngs/{stem}'}\n"
    )
    (tmp_path / "hooks.yaml").write_text(config(extra=extra))
    for command in ("explain", "validate"):  # each says them, as notes: the config is valid
        assert main([command, str(tmp_path / "hooks.yaml")]) == 0
        notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  note: ")]
        assert len(notes) == 2, notes
        assert "events.on_train_end[1].upload: TensorBoard cannot hold weights (best.pt)" in notes[0]  # default's
        assert "hooks.yaml:6:7: events.on_train_end[2].files: TensorBoard cannot hold 'results.csv' (csv" in notes[1]
        assert not any("Pngs" in n or "*.png" in n for n in notes)  # images are held: not named


def test_a_config_naming_tensorboard_without_its_package_is_a_load_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # as if not installed: find_spec says None
    (tmp_path / "hooks.yaml").write_text(config())
    with pytest.raises(ConfigError) as e:
        hooks.load(tmp_path / "hooks.yaml")
    assert "hooks.yaml:3:" in str(e.value)
    assert (
        "sink.tensorboard: TensorBoard is not installed; install it with `pip install 'yaml-hooks[tensorboard]'`"
        in str(e.value)
    )


def test_logdir_is_below_the_run_folder_unless_the_loaded_config_names_an_absolute_one(tmp_path: Path) -> None:
    trainer = train(config("{logdir: tb}"), tmp_path, epochs=1)
    assert any("tfevents" in f.name for f in (trainer.save_dir / "tb").iterdir())
    assert not any("tfevents" in f.name for f in trainer.save_dir.iterdir())
    (tmp_path / "hooks.yaml").write_text(config("{logdir: ../elsewhere}"))
    with pytest.raises(ConfigError, match=r"sink\.tensorboard\.logdir: a relative log folder stays inside"):
        hooks.load(tmp_path / "hooks.yaml")
    absolute = tmp_path / "shared-tb"
    trainer = train(config(f"{{logdir: '{absolute}'}}"), tmp_path, name="abs", epochs=1)
    assert any("tfevents" in f.name for f in absolute.iterdir())


def test_a_training_that_raises_does_not_write_its_unfinished_epoch(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hooks")
    (tmp_path / "hooks.yaml").write_text(config(extra=EXTRA))
    compiled = dict(hooks.load(tmp_path / "hooks.yaml"))

    def crash(trainer: Any) -> None:
        if trainer.epoch == 1:
            raise KeyboardInterrupt

    callbacks = {**compiled, "on_train_epoch_end": [compiled["on_train_epoch_end"], crash]}
    with pytest.raises(KeyboardInterrupt):
        simulate_training(callbacks, tmp_path / "runs" / "exp", epochs=3, batches=BATCHES)
    acc = accumulator(tmp_path / "runs" / "exp")
    assert [s for s, _ in scalars(acc, "train/box_loss")] == [1]
    assert [s for s, _ in scalars(acc, "batch/train/box_loss")] == [1, 2, 3]
    assert run_of(tmp_path / "runs" / "exp").status == "failed"
    assert "event(s) of the unfinished epoch were not written" in caplog.text


# Run in a subprocess: the stand-in trainer with yaml-hooks' callbacks, and after them one that
# kills the process at the BATCH-th train batch of epoch KILLED (tests/unit/sinks/test_mlflow_resume.py).
EPOCHS, KILLED = 4, 1
SCRIPT = f"""
import os, sys
import hooks
from hooks.testing.standin import StandInTrainer

config, save_dir, kill_at, start = sys.argv[1:5]
compiled = dict(hooks.load(config))
seen = []

def kill(obj):
    if trainer.epoch == {KILLED}:
        seen.append(1)
        if len(seen) >= int(kill_at) > 0:
            os._exit(9)

resume = int(start) > 0
trainer = StandInTrainer(save_dir, epochs={EPOCHS}, batches={BATCHES}, overrides={{"resume": resume}})
trainer.start_epoch, trainer.resume = int(start), resume
for e, c in compiled.items():
    trainer.add_callback(e, c)
trainer.add_callback("on_train_batch_end", kill)
trainer.train()
"""


def test_a_training_killed_mid_epoch_and_resumed_has_one_value_per_step(tmp_path: Path) -> None:
    """The killed part's unfinished epoch never reached the file; the resumed part writes a second
    event file into the same folder; TensorBoard (and the reader) see one run, one value per step."""
    (tmp_path / "hooks.yaml").write_text(config(extra=EXTRA))
    save_dir = tmp_path / "runs" / "exp"
    for kill_at, start, code in ((2, 0, 9), (0, KILLED, 0)):
        argv = [sys.executable, "-c", SCRIPT, str(tmp_path / "hooks.yaml"), str(save_dir), str(kill_at), str(start)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode == code
    files = sorted(f.name for f in save_dir.iterdir() if "tfevents" in f.name)
    assert len(files) == 2
    acc = accumulator(save_dir)
    assert [s for s, _ in scalars(acc, "train/box_loss")] == list(range(1, EPOCHS + 1))
    assert [s for s, _ in scalars(acc, "batch/train/box_loss")] == list(range(1, EPOCHS * BATCHES + 1))
    run = run_of(save_dir)
    assert run.fields["yaml_hooks/part"] == 2
    assert run.status == "finished"
    assert run.series["train/box_loss"].steps() == [1.0, 2.0, 3.0, 4.0]
