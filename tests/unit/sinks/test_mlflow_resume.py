"""A training hard-killed mid-epoch and resumed leaves one value per step in MLflow (MLflow cannot
delete a point: the sink sends an epoch's points only once the epoch has ended). The trainings are
the shipped stand-in in a subprocess, killed by a callback after yaml-hooks' own with os._exit(9),
then resumed as Ultralytics does (start at the epoch after the last saved one) and read back with
MlflowClient.get_metric_history. Also: a copy the MLflow sink makes counts against the run's
snapshot budget."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import hooks
from hooks.sinks.mlflow.sender import sync
from hooks.sinks.mlflow.spool import find_spools
from hooks.testing import simulate_training
from hooks.testing.standin import StandInTrainer
from tests.mlflow_server import MlflowServer
from tests.unit.sinks.test_mlflow_sink import artifacts, config, only_run

EPOCHS = 4
KILLED = 1  # 0-based: the second epoch
BATCHES = 3
EXTRA = (
    "events:\n"
    '  on_train_batch_end: [{scalars: {from: train_losses, to: batch, include: ["*box*"]}}]\n'
    "  on_val_end: [{scalars: {from: metrics, to: val_end, include: ['*mAP50(B)*']}}]\n"
)

# Run in a subprocess: the stand-in trainer with yaml-hooks' callbacks, and after them one that
# kills the process at an event of epoch KILLED (at its BATCH-th batch for a batch event).
SCRIPT = f"""
import os, sys, time
import hooks
from hooks.testing.standin import StandInTrainer

config, save_dir, event, epochs, killed, start, batch = sys.argv[1:8]
compiled = dict(hooks.load(config))
seen = []

def kill(obj):
    if trainer.epoch == int(killed):  # a validator's event too: the trainer's epoch
        seen.append(1)
        if len(seen) >= int(batch):
            time.sleep(1.5)  # as in a real training, time passes: the background thread has had its rounds
            os._exit(9)

resume = int(start) > 0
# Callbacks added after the constructor (which fires on_pretrain_routine_start), once `resume` is
# set: the real trainer knows it is resuming before its first event.
trainer = StandInTrainer(save_dir, epochs=int(epochs), batches={BATCHES}, overrides={{"resume": resume}})
trainer.start_epoch, trainer.resume = int(start), resume
for e, c in compiled.items():
    trainer.add_callback(e, c)
if event != "none":
    trainer.add_callback(event, kill)
trainer.train()
"""


def resume(config_file: Path, save_dir: Path, start: int) -> None:
    """The second part, in this process (only a killed part needs one of its own): the stand-in
    trainer resumed at epoch ``start`` (0-based), as SCRIPT makes it, to its end."""
    trainer = StandInTrainer(save_dir, epochs=EPOCHS, batches=BATCHES, overrides={"resume": True})
    trainer.start_epoch, trainer.resume = start, True
    for event, callback in hooks.load(config_file).items():
        trainer.add_callback(event, callback)
    trainer.train()


def part(config_file: Path, save_dir: Path, event: str, start: int, batch: int = 1) -> int:
    argv = [sys.executable, "-c", SCRIPT, str(config_file), str(save_dir), event, str(EPOCHS), str(KILLED)]
    done = subprocess.run([*argv, str(start), str(batch)], capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode


@pytest.mark.parametrize(
    ("event", "batch", "resume_at"),
    [
        ("on_train_batch_end", 2, KILLED),  # mid-epoch: its first batches were logged
        ("on_train_epoch_end", 1, KILLED),  # the case: train/box_loss and lr/* logged at the step
        ("on_val_end", 1, KILLED),  # validated, not saved
        ("on_fit_epoch_end", 1, KILLED + 1),  # after yaml-hooks' own: the epoch is saved and committed
    ],
)
def test_a_training_killed_and_resumed_has_one_value_per_step(
    tmp_path: Path, mlflow_server: MlflowServer, event: str, batch: int, resume_at: int
) -> None:
    experiment = f"killed-{event}"
    (tmp_path / "hooks.yaml").write_text(config(mlflow_server.uri, experiment, EXTRA))
    save_dir = tmp_path / "runs" / "exp"
    assert part(tmp_path / "hooks.yaml", save_dir, event, 0, batch) == 9  # killed
    resume(tmp_path / "hooks.yaml", save_dir, resume_at)  # resumed to its end
    for spool in find_spools(tmp_path / "runs"):  # what the killed part had not sent yet
        done, lines = sync(spool, mlflow_server.uri)
        assert done, lines
    client = mlflow_server.client()
    run = only_run(client, experiment)
    assert run.info.status == "FINISHED" and run.data.tags["yaml_hooks.part"] == "2"
    keys = sorted(run.data.metrics)
    assert {"train/box_loss", "lr/pg0", "metrics/mAP50B", "batch/train/box_loss", "val_end/metrics/mAP50B"} <= set(keys)
    for key in keys:
        steps = [m.step for m in client.get_metric_history(run.info.run_id, key)]
        assert len(steps) == len(set(steps)), f"{key}: two values at a step: {sorted(steps)}"
    epochs = [m.step for m in client.get_metric_history(run.info.run_id, "train/box_loss")]
    assert sorted(epochs) == [1, 2, 3, 4]  # nothing lost but the killed epoch, logged again
    batches = sorted(m.step for m in client.get_metric_history(run.info.run_id, "batch/train/box_loss"))
    assert batches == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]  # 4 epochs of 3 batches


def test_a_training_that_raises_does_not_send_its_unfinished_epoch(
    tmp_path: Path, mlflow_server: MlflowServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A training that raises is often resumed (Ctrl-C, out of memory): its unfinished epoch's
    points are not sent, so the resume's stand alone; the end says how many were left out."""
    caplog.set_level(logging.INFO, logger="hooks")
    (tmp_path / "hooks.yaml").write_text(config(mlflow_server.uri, "raised", EXTRA))
    compiled = dict(hooks.load(tmp_path / "hooks.yaml"))

    def crash(trainer: Any) -> None:
        if trainer.epoch == 1:
            raise KeyboardInterrupt

    callbacks = {**compiled, "on_train_epoch_end": [compiled["on_train_epoch_end"], crash]}
    with pytest.raises(KeyboardInterrupt):
        simulate_training(callbacks, tmp_path / "runs" / "exp", epochs=3, batches=BATCHES)
    client = mlflow_server.client()
    run = only_run(client, "raised")
    assert run.info.status == "FAILED"
    assert [m.step for m in client.get_metric_history(run.info.run_id, "train/box_loss")] == [1]
    assert sorted(m.step for m in client.get_metric_history(run.info.run_id, "batch/train/box_loss")) == [1, 2, 3]
    assert "metric point(s) of the unfinished epoch were not sent" in caplog.text


# ---------------------------------------------------------------- copies and the snapshot budget
def test_the_mlflow_sinks_copies_count_against_the_snapshot_budget(
    tmp_path: Path, mlflow_server: MlflowServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Every file of the run folder at every batch (the issue's preset made 431 copies in the store
    from an 88 KB folder): what the store holds for the run, and the spool, stay within the budget;
    one warning, the rest skipped and counted in the end's summary, as for Neptune's snapshots."""
    caplog.set_level(logging.INFO)
    extra = (
        "snapshot_budget_mb: 1\n"
        "events:\n  on_train_batch_end:\n"
        '    - files: {glob: ["*"], to: "Files/{step}/{file.name}", once: false}\n'
    )
    (tmp_path / "hooks.yaml").write_text(config(mlflow_server.uri, "budget", extra))
    compiled = hooks.load(tmp_path / "hooks.yaml")  # its Session hands the sink the run's budget
    save_dir = tmp_path / "runs" / "exp"
    save_dir.mkdir(parents=True)
    (save_dir / "big.bin").write_bytes(os.urandom(300 * 1024))
    simulate_training(dict(compiled), save_dir, epochs=3, batches=BATCHES)
    client = mlflow_server.client()
    run = only_run(client, "budget")
    stored = artifacts(client, run.info.run_id)
    assert sum(stored.values()) <= 1 << 20, stored
    assert 1 <= sum(1 for k in stored if k.endswith("big.bin")) <= 3
    messages = [r.getMessage() for r in caplog.records]
    reached = [m for m in messages if "snapshot budget (1.0 MB) is reached" in m]
    assert len(reached) == 1, reached
    (summary,) = [m for m in messages if "skipped in this run" in m]
    assert "snapshot budget of 1.0 MB was reached" in summary
    assert not list((save_dir / ".yaml-hooks" / "mlflow").glob("*/blobs/*"))
