"""A real training (Ultralytics 8.4.190, CPU, offline; the `full` preset plus batch series) logged to
Neptune, TensorBoard and W&B at once (the `per_class_detect` training of tests/conftest.py), read
back with each tracker's own reading code: TensorBoard's event reader (``EventAccumulator``) and
W&B's record class (``tests/wandb_log.py``). Every series the Neptune run holds, epoch and batch,
the per-class ones included, is in both at the same steps with the same values; the validation
images of the epochs `when:` selected are there; the weights are a W&B model artifact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.test_real_per_class import CLASSES, EPOCHS, Trained
from tests.wandb_log import Log, points, read_log

SELECTED = (5, 10)  # `full`: validation images every 5 epochs (of 10)


@pytest.fixture(scope="module")
def trained(per_class_detect: Trained) -> Trained:
    return per_class_detect


@pytest.fixture(scope="module")
def tensorboard(trained: Trained) -> Any:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(
        str(trained.work / "runs" / "detect"), size_guidance={"scalars": 0, "tensors": 0, "images": 0}
    )
    events.Reload()
    return events


@pytest.fixture(scope="module")
def wandb(trained: Trained) -> Log:
    (folder,) = sorted((trained.work / "wandb").glob("offline-run-*"))
    return read_log(folder)


def neptune_series(trained: Trained) -> dict[str, list[tuple[int, float]]]:
    out = {
        key: [(int(p.step), p.value) for p in series]
        for key, series in trained.run.series.items()
        if not key.startswith(("sys/", "monitoring/", "source_code")) and series and series[0].kind == "float"
    }
    assert any(k.startswith("batch/") for k in out) and any(k.startswith("metrics/per_class/") for k in out)
    assert len(out) >= 40, sorted(out)
    return out


def test_tensorboard_holds_every_series_at_its_steps(trained: Trained, tensorboard: Any) -> None:
    expected = neptune_series(trained)
    scalars = {
        tag: [(e.step, e.tensor_proto) for e in tensorboard.Tensors(tag)] for tag in tensorboard.Tags()["tensors"]
    }
    for key, want in expected.items():
        got = scalars.get(key)
        assert got is not None, f"{key} is not in TensorBoard"
        assert [s for s, _ in got] == [s for s, _ in want], key
        assert [_value(v) for _, v in got] == [w for _, w in want], key  # float64: exactly


def _value(tensor: Any) -> float:
    from tensorboard.util import tensor_util

    return float(tensor_util.make_ndarray(tensor).item())


def test_tensorboard_holds_the_validation_images_of_the_selected_epochs(tensorboard: Any) -> None:
    images = set(tensorboard.Tags()["images"])
    for epoch in SELECTED:
        assert f"Validation/epoch-{epoch}/val_batch0_pred" in images, sorted(images)
    assert not any(
        t.startswith("Validation/epoch-") and t.split("/")[1] not in {f"epoch-{e}" for e in SELECTED} for t in images
    )


def test_wandb_holds_every_series_at_its_steps_against_its_step_metric(trained: Trained, wandb: Log) -> None:
    expected = neptune_series(trained)
    for key, want in expected.items():
        assert points(wandb, key) == [(float(s), v) for s, v in want], key
    assert wandb.step_metric["batch/train/box_loss"] == "batch" and wandb.step_metric["metrics/mAP50(B)"] == "epoch"
    steps = [row["_step"] for row in wandb.rows]
    assert steps == sorted(steps) and not wandb.problems  # W&B's own step only grew


def test_wandb_holds_the_per_class_series_the_images_and_the_weights_as_a_model_artifact(
    trained: Trained, wandb: Log
) -> None:
    for name in CLASSES:
        assert len(points(wandb, f"metrics/per_class/{name}/mAP50(B)")) == EPOCHS["detect"] + 1
    images = {k for row in wandb.rows for k, v in row.items() if isinstance(v, dict) and v.get("_type") == "image-file"}
    assert {f"Validation/epoch-{e}/val_batch0_pred" for e in SELECTED} <= images
    models = {a.name.rsplit("-", 1)[-1]: a for a in wandb.of("artifact") if a.type == "model"}  # by file name
    assert set(models) == {"best.pt", "last.pt"}, sorted(models)  # default's best, full's last
    for name, artifact in models.items():
        assert set(artifact.aliases) == {name.split(".")[0], f"epoch-{EPOCHS['detect']}", "latest"}
        (entry,) = artifact.manifest.contents
        assert entry.size == (trained.work / "runs" / "detect" / "weights" / name).stat().st_size


def test_the_three_trackers_ended_their_runs(trained: Trained, wandb: Log) -> None:
    (end,) = wandb.of("exit")
    assert end.exit_code == 0
    from hooks.runs.tensorboard import READER

    (ref,) = READER.find(_store(trained.work / "runs" / "detect"))
    assert READER.read(ref).status == "finished" and trained.run.status == "finished"


def _store(folder: Path) -> Any:
    from hooks.runs.reader import Store

    return Store("tensorboard", str(folder))


def test_one_training_from_three_trackers_compares_on_one_page_in_chromium(
    trained: Trained, wandb: Log, tmp_path: Path, chromium: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hooks report` of the Neptune run, the TensorBoard folder and the W&B offline run of one
    training: a chart per series with a line per tracker, the same value at every step."""
    from hooks.cli import main
    from tests.unit.report.test_report import Opened, Page

    out = tmp_path / "three.html"
    tensorboard_dir = trained.work / "runs" / "detect"
    argv = ["report", str(trained.run.path), str(tensorboard_dir), str(wandb.folder), "-o", str(out)]
    assert main([*argv, "--logdir", str(tensorboard_dir), "--wandb-dir", str(trained.work / "wandb")]) == 0
    capsys.readouterr()
    page = Page(out.read_text(encoding="utf-8"))
    trackers = {line["label"] for chart in page.data["charts"].values() for line in chart["lines"]}
    assert len(trackers) == 3, trackers  # one line per run, whatever tracker holds it
    opened = Opened(chromium, out)
    assert opened.page.evaluate("document.querySelectorAll('#runs-table tbody tr').length") == 3
    chart = opened.page.locator("section[data-group='train|loss'] .plot-box", has_text="box_loss").first
    chart.scroll_into_view_if_needed()
    area = chart.locator(".u-over").bounding_box()
    assert area is not None
    legend = chart.locator(".u-legend .u-series .u-value")
    step = 7
    x = area["x"] + area["width"] * (step - 1) / (EPOCHS["detect"] - 1)
    opened.page.mouse.move(x, area["y"] + area["height"] / 2, steps=3)
    opened.page.wait_for_function(f"el => el.textContent === '{step}'", arg=legend.first.element_handle())
    values = legend.all_inner_texts()[1:4]
    want = [p.value for p in trained.run.series["train/box_loss"] if p.step == step]
    assert len(want) == 1 and [float(v) for v in values] == pytest.approx([want[0]] * 3, rel=1e-5), values
    assert not opened.errors
