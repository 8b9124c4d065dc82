"""The `ultralytics-mlflow` preset, field for field against Ultralytics 8.4.190's own MLflow
callback: the same real tiny training twice (CPU, deterministic), once logged by that callback
(tests/reference_mlflow.py), once by yaml-hooks with the preset, each into a SQLite store of its
own, read back with MlflowClient and compared."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reference_mlflow import MlflowRecord, ReferenceTraining, read_mlflow_run, sqlite_uri

REPO = Path(__file__).resolve().parents[2]
EPOCHS = 2
OWN_TAGS = {"yaml_hooks.run_id", "yaml_hooks.part"}  # how a resumed training finds its run


def train_with_preset(work: Path) -> MlflowRecord:
    work.mkdir(parents=True, exist_ok=True)
    uri = sqlite_uri(work / "mlflow.db")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "PYTEST_"))}
    env.update(MLFLOW_TRACKING_URI=uri, MLFLOW_DISABLE_TELEMETRY="true")
    argv = [sys.executable, "-m", "demo.train", "--workdir", str(work), "--preset", "ultralytics-mlflow"]
    argv += ["--epochs", str(EPOCHS), "--name", "demo", "--forbid-network"]
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "NETWORK_ATTEMPTS=0" in done.stdout
    return read_mlflow_run(uri, experiment=str(work.resolve() / "runs"))


def normalised(text: str, work: Path) -> str:
    return text.replace(str(work.resolve()), "<work>")


@pytest.fixture(scope="module")
def both(
    tmp_path_factory: pytest.TempPathFactory, ultralytics_reference: ReferenceTraining
) -> tuple[MlflowRecord, Path, MlflowRecord, Path]:
    ref_work = ultralytics_reference.save_dir.parent.parent  # <work>/runs/demo
    ours_work = tmp_path_factory.mktemp("ours")
    theirs = ultralytics_reference.record
    ours = train_with_preset(ours_work)
    return theirs, ref_work, ours, ours_work


def test_experiment_run_name_and_status_are_the_callbacks(both: tuple[MlflowRecord, Path, MlflowRecord, Path]) -> None:
    theirs, ref_work, ours, ours_work = both
    assert normalised(ours.experiment_name, ours_work) == normalised(theirs.experiment_name, ref_work) == "<work>/runs"
    assert ours.run_name == theirs.run_name == "demo"
    assert ours.status == theirs.status == "FINISHED"


def test_every_param_is_the_callbacks(both: tuple[MlflowRecord, Path, MlflowRecord, Path]) -> None:
    theirs, ref_work, ours, ours_work = both
    assert len(theirs.params) > 100
    mine = {k: normalised(v, ours_work) for k, v in ours.params.items()}
    expected = {k: normalised(v, ref_work) for k, v in theirs.params.items()}
    assert mine == expected
    assert mine["optimizer"] != "auto"  # logged once the optimizer is resolved, as the callback does


def test_every_metric_has_the_callbacks_name_steps_and_values(
    both: tuple[MlflowRecord, Path, MlflowRecord, Path],
) -> None:
    theirs, _, ours, _ = both
    assert set(ours.metrics) == set(theirs.metrics)
    assert "metrics/mAP50-95B" in ours.metrics  # the callback's names: no parentheses
    assert ours.metric_steps == theirs.metric_steps
    assert ours.metric_steps["metrics/mAP50B"] == (0, 1, 2)  # 0-based epochs, then the final validation
    for name, points in theirs.metrics.items():
        assert [v for _, v in ours.metrics[name]] == pytest.approx([v for _, v in points], rel=1e-6), name


def test_the_artifacts_are_the_callbacks(both: tuple[MlflowRecord, Path, MlflowRecord, Path]) -> None:
    theirs, _, ours, _ = both
    assert "weights/best.pt" in theirs.artifact_paths and "results.csv" in theirs.artifact_paths
    assert ours.artifact_paths == theirs.artifact_paths


def test_tags_differ_only_by_the_training_id(both: tuple[MlflowRecord, Path, MlflowRecord, Path]) -> None:
    theirs, _, ours, _ = both
    assert theirs.tags == {}
    assert set(ours.tags) == OWN_TAGS
    assert set(ours.mlflow_tags) == set(theirs.mlflow_tags)
