"""Faults at run time: a broken tracker never stops a real training, and a hard kill loses at most
the epoch in progress. HOOKS_KILL_RUNS sets how many trainings are killed (CI: 2)."""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hooks.runs.neptune.read import find_runs, read_run
from tests.conftest import REPO


def train(work: Path, mode: str, epochs: int = 2) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.faults", str(work), mode, str(epochs)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_a_tracker_failing_on_every_call_never_stops_the_training(tmp_path: Path) -> None:
    result = train(tmp_path, "calls")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "TRAINING_FINISHED" in result.stdout
    failures = [line for line in result.stderr.splitlines() if "failed and was skipped" in line]
    # One warning per failing action, each with its place in the config: 9 actions of `default`
    # ran (the validation images only at the final validation), each warned once.
    assert len(failures) == len({line.split(" failed")[0] for line in failures}) == 9, failures
    assert all("(<preset default>:" in line and "No space left on device" in line for line in failures)
    summary = [line for line in result.stderr.splitlines() if "logging failure(s) in" in line]
    assert len(summary) == 1 and "in 10 place(s)" in summary[0]  # the 9 actions and the flush


def test_a_tracker_that_cannot_start_never_stops_the_training(tmp_path: Path) -> None:
    result = train(tmp_path, "start")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "TRAINING_FINISHED" in result.stdout
    assert result.stderr.count("the tracker did not start") == 1


def _completed_epochs(save_dir: Path) -> int:
    path = save_dir / "results.csv"
    if not path.exists():
        return 0
    with path.open() as f:
        return len(list(csv.DictReader(f)))


def test_a_hard_kill_right_after_an_epoch_end_loses_nothing(tmp_path: Path) -> None:
    """The process is killed (SIGKILL, by a callback after yaml-hooks' own) right after epoch 2's
    on_fit_epoch_end: both epochs must be in the offline run. Without the flush at every epoch
    end, the end of epoch 2 is still in the client's write buffer and dies with the process."""
    work = tmp_path / "work"
    result = train(work, "kill-at-2", epochs=4)
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]
    assert (work / "killed-after-epoch").read_text() == "2"
    assert _completed_epochs(work / "runs" / "faults") == 2
    (run_dir,) = find_runs(work / ".neptune")
    run = read_run(run_dir)
    for series in ("train/box_loss", "lr/pg0", "metrics/mAP50(B)", "val/box_loss"):
        assert [p.step for p in run.series.get(series, ())] == [1, 2], series
    assert run.fields["Configuration/Hyperparameters/epochs"] == 4


KILLS = int(os.environ.get("HOOKS_KILL_RUNS", "2"))


@pytest.mark.parametrize("attempt", range(KILLS))
def test_a_hard_kill_loses_at_most_the_epoch_in_progress(tmp_path: Path, attempt: int) -> None:
    epochs = 6
    work = tmp_path / "work"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.faults", str(work), "neptune", str(epochs)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    save_dir = work / "runs" / "faults"
    rng = random.Random(attempt)
    target = rng.randint(1, epochs - 2)  # kill somewhere inside a later epoch
    deadline = time.monotonic() + 300
    try:
        while _completed_epochs(save_dir) < target and time.monotonic() < deadline:
            assert process.poll() is None, "the training ended before it could be killed"
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.5))  # a random moment in the next epoch
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    completed = _completed_epochs(save_dir)
    (run_dir,) = find_runs(work / ".neptune")
    run = read_run(run_dir)
    logged = {int(p.step) for p in run.series.get("train/box_loss", ()) if p.step is not None}
    metrics = {int(p.step) for p in run.series.get("metrics/mAP50(B)", ()) if p.step is not None}
    assert logged == set(range(1, len(logged) + 1))  # no holes
    lost = completed - len(metrics)
    print(f"KILL attempt={attempt} completed_epochs={completed} logged_epochs={len(metrics)} lost={lost}")
    assert 0 <= lost <= 1, (completed, sorted(metrics))
    # What was logged before the first epoch (the hyperparameters) is on disk whatever happened after.
    assert any(k.startswith("Configuration/Hyperparameters/") for k in run.fields)
