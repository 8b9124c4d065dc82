"""The reader of W&B offline runs (``hooks.runs.wandb``): a stand-in training logged by W&B's own
client (offline) and by Neptune at once, read back from the W&B run's `.wandb` log without
syncing it, compared with the Neptune run; then through `hooks runs`, `hooks report` and
`hooks export --to mlflow` (a sqlite:/// store), and against logs that are cut, corrupt or links."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hooks
from hooks.cli import main
from hooks.runs.model import Run
from hooks.runs.neptune.read import find_runs as neptune_runs
from hooks.runs.neptune.read import read_run as read_neptune
from hooks.runs.reader import Store
from hooks.runs.registry import reader
from hooks.runs.wandb.read import find_runs, read_run
from hooks.sinks.mlflow import names as mlflow_names
from hooks.sinks.neptune.sink import storable
from hooks.testing import simulate_training
from hooks.testing.standin import StandInTrainer
from tests.unit.sinks.test_wandb_sink import BATCHES, EPOCHS, config, run_folders, user_series, wandb_env


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, StandInTrainer, Run]]:
    """A training's folder: wandb/ and .neptune/ in it, the training's save_dir under runs/."""
    work = tmp_path_factory.mktemp("wandb-reader")
    with pytest.MonkeyPatch.context() as mp:
        wandb_env(mp, work)
        (work / "hooks.yaml").write_text(config('{tags: [yolo], notes: "n {args.name}"}'))
        trainer = simulate_training(
            dict(hooks.load(work / "hooks.yaml")), work / "runs" / "exp", epochs=EPOCHS, batches=BATCHES
        )
        (neptune,) = neptune_runs(work / ".neptune")
        yield work, trainer, read_neptune(neptune)


@pytest.fixture
def staged(work: tuple[Path, StandInTrainer, Run], monkeypatch: pytest.MonkeyPatch) -> tuple[Path, StandInTrainer, Run]:
    """The module's training, with WANDB_DATA_DIR where W&B staged its artifacts' copies."""
    monkeypatch.setenv("WANDB_DATA_DIR", str(work[0] / ".wandb-home" / "data"))
    return work


def the_run(folder: Path) -> Run:
    (parts,) = find_runs(folder)
    return read_run(parts)


def test_the_run_reads_back_as_the_neptune_run_has_it(staged: tuple[Path, StandInTrainer, Run]) -> None:
    work, trainer, neptune = staged
    run = the_run(work)
    assert (run.tracker, run.status, run.name, run.tags, run.problems) == ("wandb", "finished", "exp", ("yolo",), ())
    assert run.fields["wandb/notes"] == "n exp" and run.client and run.client.startswith("wandb 0.")
    expected = user_series(neptune)
    assert {k for k in run.series if not k.startswith("wandb/")} == set(expected)
    for key, points in expected.items():
        assert [(p.step, p.value) for p in run.series[key]] == [(p.step, p.value) for p in points], key
        assert all(p.ts is not None for p in run.series[key])
    for key, value in neptune.fields.items():
        if key.startswith("Configuration/"):
            assert storable(run.fields[key]) == value, key
    assert run.training_id is not None and run.id == run.training_id
    # Every file the Neptune run has, with its size: images from files/media, weights from W&B's staging.
    for key, ref in neptune.files.items():
        assert key in run.files and run.files[key].exists, key
        assert ref.file_path is not None and run.files[key].size == ref.file_path.stat().st_size, key
    best = run.files["weights/exp/best.pt"].local()
    assert best is not None and best.read_bytes() == (trainer.save_dir / "weights" / "best.pt").read_bytes()
    assert "wandb/files/requirements.txt" in run.files
    assert run.fields["wandb/summary/metrics/mAP50(B)"] == run.series["metrics/mAP50(B)"][-1].value


def test_hooks_runs_lists_it(staged: tuple[Path, StandInTrainer, Run], capsys: pytest.CaptureFixture[str]) -> None:
    work, _, _ = staged
    run = the_run(work)
    assert main(["runs", "--wandb-dir", str(work / "wandb")]) == 0
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if line.startswith(run.short_id)]
    assert " exp " in line and "finished" in line and "yolo" in line
    # As WANDB_DIR names it: the folder that holds wandb/.
    assert main(["runs", "--wandb-dir", str(work)]) == 0
    assert run.short_id in capsys.readouterr().out


def test_hooks_report_shows_its_charts(staged: tuple[Path, StandInTrainer, Run], tmp_path: Path) -> None:
    work, _, _ = staged
    run = the_run(work)
    page = tmp_path / "report.html"
    assert main(["report", run.short_id, "--wandb-dir", str(work), "-o", str(page)]) == 0
    html = page.read_text()
    assert "metrics/mAP50(B)" in html and "batch/train/box_loss" in html and run.short_id in html


def test_hooks_export_writes_it_into_mlflow(
    staged: tuple[Path, StandInTrainer, Run], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mlflow import MlflowClient

    work, trainer, _ = staged
    run = the_run(work)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    argv = ["export", run.short_id, "--wandb-dir", str(work), "--tracking-uri", uri, "--experiment", "from-wandb"]
    assert main(argv) == 0, capsys.readouterr()
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("from-wandb")
    assert experiment is not None
    (copy,) = client.search_runs([experiment.experiment_id])
    for key in ("metrics/mAP50(B)", "train/box_loss", "batch/train/box_loss"):
        history = sorted((m.step, m.value) for m in client.get_metric_history(copy.info.run_id, mlflow_names.key(key)))
        assert history == [(int(p.step), p.value) for p in run.series[key]], key
    sizes = {f.path: f.file_size for f in client.list_artifacts(copy.info.run_id, "weights/exp")}
    assert sizes == {"weights/exp/best.pt": (trainer.save_dir / "weights" / "best.pt").stat().st_size}
    assert copy.data.params["Configuration/Hyperparameters/epochs"] == str(EPOCHS)


def test_a_resumed_training_is_one_run_of_two_parts(tmp_path: Path) -> None:
    (tmp_path / "hooks.yaml").write_text(config())
    save_dir = tmp_path / "runs" / "exp"
    simulate_training(dict(hooks.load(tmp_path / "hooks.yaml")), save_dir, epochs=EPOCHS, batches=BATCHES)
    time.sleep(1.1)  # W&B names a run's folder by the second it starts: a part in the same second would share it
    trainer = StandInTrainer(save_dir, epochs=EPOCHS + 1, batches=BATCHES, overrides={"resume": True})
    trainer.start_epoch, trainer.resume = EPOCHS, True
    for event, callback in dict(hooks.load(tmp_path / "hooks.yaml")).items():
        trainer.add_callback(event, callback)
    trainer.train()
    (parts,) = find_runs(tmp_path)
    assert len(parts) == 2 and parts == tuple(run_folders(tmp_path))
    run = read_run(parts)
    assert run.part_count == 2 and run.fields["yaml_hooks/part"] == 2 and len(run.spans) == 2
    assert [p.step for p in run.series["train/box_loss"]] == [1.0, 2.0, 3.0, 4.0]


def copy_run(work: Path, into: Path) -> Path:
    (folder,) = run_folders(work)
    copy = into / "wandb" / folder.name
    shutil.copytree(folder, copy)
    return copy


def log_of(folder: Path) -> Path:
    (log,) = folder.glob("run-*.wandb")
    return log


def test_a_run_cut_before_its_end_is_killed_and_running_while_its_log_is_held_open(
    staged: tuple[Path, StandInTrainer, Run], tmp_path: Path
) -> None:
    copy = copy_run(staged[0], tmp_path)
    log = log_of(copy)
    data = log.read_bytes()
    log.write_bytes(data[: len(data) * 2 // 3])  # no exit record; its last record cut short
    run = the_run(tmp_path)
    assert run.status == "killed" and run.problems == ()
    assert len(run.series["train/box_loss"]) >= 1
    with open(log, "rb"):  # as W&B's service holds it while the run is written
        assert the_run(tmp_path).status == "running"


def test_corrupt_records_are_problem_lines_never_a_traceback(
    staged: tuple[Path, StandInTrainer, Run], tmp_path: Path
) -> None:
    copy = copy_run(staged[0], tmp_path)
    log = log_of(copy)
    data = bytearray(log.read_bytes())
    for at in range(2000, len(data), 3001):  # bytes inside records: their checksums fail
        data[at] ^= 0x5A
    log.write_bytes(bytes(data))
    run = the_run(tmp_path)
    # Each a line naming the log: a checksum that fails, a length or type that makes no sense …
    assert run.problems
    assert all(p.startswith(f"{log}: ") and p.endswith(("passed over", "like these")) for p in run.problems)
    assert run.name == "exp"  # what comes before the first damage is read
    assert run.status in ("finished", "killed")


def test_a_log_that_is_not_a_wandb_log_or_a_link_is_not_read(
    staged: tuple[Path, StandInTrainer, Run], tmp_path: Path
) -> None:
    copy = copy_run(staged[0], tmp_path)
    log = log_of(copy)
    log.write_bytes(b"not a W&B log at all" * 10)
    run = the_run(tmp_path)
    assert run.problems == (f"{log}: has no W&B log header (:W&B, 0xBEE1, version 0); not read",)
    assert run.series == {} or all(k.startswith("wandb/") for k in run.series)
    # A log that is a link (to a file the run's owner chose) is no run at all.
    log.unlink()
    os.symlink(log_of(run_folders(staged[0])[0]), log)
    assert find_runs(tmp_path) == []


def test_the_reader_is_registered_with_its_store_option() -> None:
    wandb_reader: Any = reader("wandb")
    assert wandb_reader.name == "wandb"
    assert wandb_reader.find(Store("wandb", "/nonexistent")) == []


def test_a_file_the_run_names_outside_its_folders_is_not_read_unless_trusted(
    work: tuple[Path, StandInTrainer, Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The weights' staged copy lies in W&B's staging folder of the machine that wrote the run; read
    where that is not this machine's (a run from someone else), it is outside the run's roots."""
    monkeypatch.setenv("WANDB_DATA_DIR", str(tmp_path / "elsewhere"))
    (parts,) = find_runs(work[0])
    run = read_run(parts)
    weights = run.files["weights/exp/best.pt"]
    assert not weights.exists and weights.size is None
    (problem,) = [p for p in run.problems if p.startswith("weights/exp/best.pt: ")]
    assert "is outside the run's folders; not read (`hooks export --trust DIR`" in problem
    assert run.files["Plots/results"].exists  # the run's own media are below its folder
    trusted = read_run(parts, trusted=(work[0] / ".wandb-home" / "data" / "artifacts" / "staging",))
    assert trusted.files["weights/exp/best.pt"].exists and trusted.problems == ()
