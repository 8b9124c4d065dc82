"""A team's MLflow server (issue 23): a real PostgreSQL (pgserver) and a 2-worker `mlflow server`
on it with artifacts served by the server, and 16 stand-in trainings logging to it at once, each in
a process of its own (tests/team_training.py): the losses at every batch, the hyperparameters as
params, a validation image at every epoch and best.pt registered as a model version. Counted back
from the server with MlflowClient: everything exactly once, every run FINISHED, after at most one
`hooks sync` of whatever the trainings left in their spools.

The training thread's time per event is measured in each training and printed (and recorded as
a test-suite property); timed figures are asserted in the benchmarks (rows 19 and 20), not here.
Sized for a 2-core machine shared with other tests: 2 epochs of 40 batches a training."""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest

from tests.team_training import REPO, TrainingReport, _env, run_team, team_server

TRAININGS: Final = 16
EPOCHS: Final = 2
BATCHES: Final = 40
EXPERIMENT: Final = "team"
MODEL: Final = "team-detector"
# What each training logs, written out: the losses at every batch, steps 1 … EPOCHS × BATCHES.
LOSSES: Final = ("train/box_loss", "train/cls_loss", "train/dfl_loss")
STEPS: Final = list(range(1, 81))
# A validation image per epoch, the final validation's (epoch 3) included, and the weights.
ARTIFACTS: Final = {
    "Validation/epoch-1/val_batch0_pred.jpg",
    "Validation/epoch-2/val_batch0_pred.jpg",
    "Validation/epoch-3/val_batch0_pred.jpg",
    "weights/best.pt",
}
# A few of the hyperparameters, as the stand-in's args have them, as MLflow params (text).
SOME_PARAMS: Final = {
    "Configuration/Hyperparameters/epochs": "2",
    "Configuration/Hyperparameters/task": "detect",
    "Configuration/Hyperparameters/imgsz": "64",
}


@dataclass
class Team:
    client: Any
    runs: list[Any]  # the experiment's runs, as the server has them after the sync
    reports: list[TrainingReport]
    syncs: int  # how many `hooks sync` commands were run (0 or 1)
    sync_output: str
    status_after: str  # `hooks sync --status` after it


def _hooks(*args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "hooks"), *args]
    return subprocess.run(command, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=180)


def _spools(runs: Path) -> list[Path]:
    return sorted(p for p in runs.glob("*/.yaml-hooks/mlflow/*") if p.is_dir())


def _say_times(reports: list[TrainingReport], record: Callable[[str, object], None]) -> None:
    """The training thread's time per event, printed and recorded (not asserted: timing is the
    benchmarks')."""
    p99 = [r.p99_event_s for r in reports]
    line = (
        f"team of {len(reports)}: training thread per event, p99 of each training: median "
        f"{statistics.median(p99) * 1e3:.3f} ms, max {max(p99) * 1e3:.3f} ms; per batch event p99 max "
        f"{max(r.p99_batch_event_s for r in reports) * 1e3:.3f} ms; drain waits "
        f"{min(r.drain_s for r in reports):.1f}–{max(r.drain_s for r in reports):.1f} s"
    )
    print(line)
    record("team_training_thread", line)


@pytest.fixture(scope="module")
def team(
    tmp_path_factory: pytest.TempPathFactory, record_testsuite_property: Callable[[str, object], None]
) -> Iterator[Team]:
    folder = tmp_path_factory.mktemp("team")
    with team_server(folder / "servers", workers=2) as server:
        work = folder / "trainings"
        reports = run_team(
            server.uri, work, TRAININGS, epochs=EPOCHS, batches=BATCHES, experiment=EXPERIMENT, model=MODEL
        )
        _say_times(reports, record_testsuite_property)
        syncs, sync_output = 0, ""
        if _spools(work / "runs"):  # what the drains could not send in time: one `hooks sync` for all
            result = _hooks("sync", "--tracking-uri", server.uri, "--register", MODEL, str(work / "runs"))
            syncs, sync_output = 1, result.stdout + result.stderr
        status = _hooks("sync", "--status", str(work / "runs"))
        client = server.client()
        experiment = client.get_experiment_by_name(EXPERIMENT)
        runs = client.search_runs([experiment.experiment_id], max_results=1000) if experiment else []
        yield Team(client, runs, reports, syncs, sync_output, status.stdout + status.stderr)


def _artifacts(client: Any, run_id: str, path: str | None = None) -> list[str]:
    found: list[str] = []
    for f in client.list_artifacts(run_id, path):
        found.extend(_artifacts(client, run_id, f.path) if f.is_dir else [f.path])
    return found


def test_sixteen_trainings_at_once_make_sixteen_runs_all_finished(team: Team) -> None:
    assert len(team.reports) == TRAININGS
    assert sorted(r.info.run_name for r in team.runs) == [f"t{i:02d}" for i in range(TRAININGS)]
    assert {r.info.run_name: r.info.status for r in team.runs} == {f"t{i:02d}": "FINISHED" for i in range(TRAININGS)}


def test_every_metric_point_lands_exactly_once(team: Team) -> None:
    for run in team.runs:
        assert set(run.data.metrics) == set(LOSSES), run.info.run_name
        for key in LOSSES:
            steps = sorted(m.step for m in team.client.get_metric_history(run.info.run_id, key))
            assert steps == STEPS, (run.info.run_name, key)


def test_every_param_lands_once_with_its_value(team: Team) -> None:
    counts = {len(run.data.params) for run in team.runs}
    assert len(counts) == 1 and counts.pop() > 100  # over one log_batch's 100 params: sent in several
    for run in team.runs:
        assert {k: run.data.params.get(k) for k in SOME_PARAMS} == SOME_PARAMS, run.info.run_name


def test_every_epoch_image_and_the_weights_land_once(team: Team) -> None:
    for run in team.runs:
        assert sorted(_artifacts(team.client, run.info.run_id)) == sorted(ARTIFACTS), run.info.run_name


def test_every_training_registers_exactly_one_model_version(team: Team) -> None:
    versions = team.client.search_model_versions(f"name = '{MODEL}'")
    assert sorted(v.run_id for v in versions) == sorted(r.info.run_id for r in team.runs)  # one each
    for v in versions:  # the run's own weights, as the file itself (`pyfunc: false`)
        assert v.source == f"runs:/{v.run_id}/weights/best.pt", v.source


def test_at_most_one_hooks_sync_leaves_nothing_unsent(team: Team, tmp_path: Path) -> None:
    assert team.syncs <= 1
    if team.syncs:
        assert "not sent" not in team.sync_output, team.sync_output
    unsent = [r.outcome for r in team.reports if "not sent yet" in r.outcome]
    assert not unsent or team.syncs == 1
    assert team.status_after.startswith("nothing to send: no MLflow spool"), team.status_after
