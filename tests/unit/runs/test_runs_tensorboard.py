"""The TensorBoard reader: a stand-in training's log folder read into the run model and compared
with what TensorBoard's own EventAccumulator reads; `hooks runs --logdir`, `hooks export` into a
real SQLite MLflow store; event files written by torch's SummaryWriter (as Ultralytics' own
callback writes them); the bounds on what a folder from someone else makes it read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import hooks
from hooks.cli import main
from hooks.runs.reader import Store
from hooks.runs.registry import reader
from hooks.runs.tensorboard import read as tb_read
from hooks.testing import simulate_training
from tests.unit.sinks.test_tensorboard_sink import accumulator, scalars

CONFIG = "version: 1\nextends: default\nsink: {neptune: false, tensorboard: {}}\n"


def trained(tmp_path: Path, name: str = "exp", epochs: int = 3) -> Path:
    (tmp_path / "hooks.yaml").write_text(CONFIG)
    compiled = hooks.load(tmp_path / "hooks.yaml")
    return simulate_training(dict(compiled), tmp_path / "runs" / name, epochs=epochs).save_dir


def test_a_log_folder_reads_back_as_tensorboard_reads_it(tmp_path: Path) -> None:
    save_dir = trained(tmp_path)
    (ref,) = reader("tensorboard").find(Store("tensorboard", str(tmp_path / "runs")))
    assert ref.name == "exp" and ref.parts == (save_dir,)
    run = reader("tensorboard").read(ref)
    acc = accumulator(save_dir)
    scalar_tags = {t for t in acc.Tags()["tensors"] if acc.SummaryMetadata(t).plugin_data.plugin_name == "scalars"}
    assert set(run.series) == scalar_tags and len(scalar_tags) >= 10
    for key, points in run.series.items():
        assert [(int(p.step), p.value) for p in points] == scalars(acc, key), key
        assert all(p.ts is not None for p in points)
    # Fields: typed back (the sink wrote non-text values as JSON).
    assert run.fields["Configuration/Hyperparameters/epochs"] == 3
    assert run.fields["Configuration/Hyperparameters/task"] == "detect"
    assert run.fields["Configuration/Hyperparameters/time"] is None
    assert run.status == "finished"
    assert run.training_id == (save_dir / ".yaml-hooks" / "runs.json").read_text().split('"run_id": "')[1][:32]
    # Images: the bytes uploaded, written to a file when asked for.
    ref_mosaic = run.files["Mosaic/train_batch0"]
    assert ref_mosaic.ext == "jpg"
    local = ref_mosaic.local()
    assert local is not None and local.read_bytes() == (save_dir / "train_batch0.jpg").read_bytes()
    assert run.files["Plots/results"].ext == "png"
    assert not any(k.startswith("weights/") for k in run.files)
    assert run.unknown == () and run.problems == ()


def test_hooks_runs_lists_a_log_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trained(tmp_path, "first", epochs=2)
    trained(tmp_path, "second", epochs=3)
    assert main(["runs", "--logdir", str(tmp_path / "runs")]) == 0
    out = capsys.readouterr().out
    lines = [line.split() for line in out.splitlines() if " finished " in line]
    assert len(lines) == 2, out
    assert [line[3] for line in lines] == ["second", "first"], out  # id, date, time, name: newest first
    assert [line[7] for line in lines] == ["3", "2"], out  # epochs


def test_hooks_export_replays_a_tensorboard_run_into_mlflow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mlflow import MlflowClient

    save_dir = trained(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    code = main(["export", str(save_dir), "--to", "mlflow", "--tracking-uri", uri, "--experiment", "from-tb"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("from-tb")
    (run,) = client.search_runs([exp.experiment_id])
    source = tb_read.run_of(save_dir)
    assert sorted(run.data.metrics) == sorted(k.replace("(", "").replace(")", "") for k in source.series)
    history = sorted((m.step, m.value) for m in client.get_metric_history(run.info.run_id, "train/box_loss"))
    assert history == [(int(p.step), p.value) for p in source.series["train/box_loss"]]
    listed = {a.path for a in client.list_artifacts(run.info.run_id, "Mosaic")}
    assert "Mosaic/train_batch0.jpg" in listed
    assert run.data.params["Configuration/Hyperparameters/epochs"] == "3"


def test_event_files_written_by_torch_summarywriter_are_read(tmp_path: Path) -> None:
    """Ultralytics' own callback writes float32 simple values with torch's SummaryWriter, and no
    status: a float series each, status ended."""
    from torch.utils.tensorboard import SummaryWriter

    folder = tmp_path / "runs" / "ultra"
    writer = SummaryWriter(str(folder))
    for step in range(3):
        writer.add_scalar("train/box_loss", 1.5 - step * 0.25, step)
    writer.close()
    run = tb_read.run_of(folder)
    assert [(p.step, p.value) for p in run.series["train/box_loss"]] == [(0.0, 1.5), (1.0, 1.25), (2.0, 1.0)]
    assert run.status == "running" and run.id is None  # its writer (this process) is alive
    # Named as written by a process that is gone: ended (no yaml-hooks status says how).
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (event,) = folder.iterdir()
    event.rename(folder / event.name.replace(f".{os.getpid()}.", f".{gone.pid}."))
    assert tb_read.run_of(folder).status == "ended"


def test_links_and_oversized_event_files_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_dir = trained(tmp_path, epochs=1)
    (event,) = [f for f in save_dir.iterdir() if "tfevents" in f.name]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "events.out.tfevents.1.host.2.0").write_bytes(event.read_bytes())
    linked = tmp_path / "runs" / "linked"
    linked.mkdir()
    os.symlink(elsewhere / "events.out.tfevents.1.host.2.0", linked / "events.out.tfevents.1.host.2.0")
    os.symlink(elsewhere, tmp_path / "runs" / "folder-link")
    found = reader("tensorboard").find(Store("tensorboard", str(tmp_path / "runs")))
    assert [r.name for r in found] == ["exp"]  # neither a linked file nor a linked folder is a run
    run = tb_read.run_of(linked)
    assert run.series == {} and run.problems == (
        "events.out.tfevents.1.host.2.0: not a regular file (a link?); not read",
    )
    monkeypatch.setattr(tb_read, "MAX_FILE", 100)
    run = tb_read.run_of(save_dir)
    assert run.series == {} and "over 100; not read" in run.problems[0]


def test_a_folder_of_no_tensorboard_run_is_not_one(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert reader("tensorboard").at(tmp_path / "empty") == []
    assert "no TensorBoard event files" in reader("tensorboard").no_runs_message(Store("tensorboard", "x"))


def test_hooks_report_of_a_log_folder_shows_its_charts_and_images(tmp_path: Path) -> None:
    save_dir = trained(tmp_path)
    page = tmp_path / "report.html"
    assert main(["report", str(save_dir), "-o", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert "TensorBoard run" in html
    assert "train/box_loss" in html and "Mosaic/train_batch0" in html
    assert html.count("data:image/") >= 13  # every image the sink wrote, embedded
