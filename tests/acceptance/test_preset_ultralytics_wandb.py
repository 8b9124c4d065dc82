"""The `ultralytics-wandb` preset, field for field against Ultralytics 8.4.190's own W&B callback:
the same real tiny training twice (CPU, deterministic, W&B offline), once logged by that callback
(the session's `ultralytics_reference`), once by yaml-hooks with the preset (which switches the
callback off); each run's `.wandb` log read back with W&B's own record classes and compared: the
history rows (every value at its epoch, every image by its name and bytes), the config, the model
artifact, where the run folder lies."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import train_with_preset
from tests.wandb_log import Log, read_log

EPOCHS = 2
# What the callback logs and the preset does not: its curve tables (W&B custom charts).
CURVE_TABLES = frozenset(
    {
        "curves/Precision-Recall(B)_table",
        "curves/F1-Confidence(B)_table",
        "curves/Precision-Confidence(B)_table",
        "curves/Recall-Confidence(B)_table",
    }
)
SPEED = "model/speed_PyTorch(ms)"  # a timing: logged at the same step by both, never the same value
WORK = "<work>"


@dataclass(frozen=True)
class Side:
    log: Log
    folder: Path  # the run folder, offline-run-<time>-<id>
    work: Path  # the training's working folder (its paths in the config are shown as <work>)
    run_id: str


def side(save_dir: Path) -> Side:
    (folder,) = (save_dir / "wandb").glob("offline-run-*")
    log = read_log(folder)
    return Side(log, folder, save_dir.parents[1], folder.name.rsplit("-", 1)[1])


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, ultralytics_reference: Any) -> tuple[Side, Side]:
    theirs = side(ultralytics_reference.save_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "WANDB_"))}
    env.update({"WANDB_MODE": "offline", "WANDB_SILENT": "true"})  # no WANDB_DIR: the run's folder
    ours = side(train_with_preset(tmp_path_factory.mktemp("ours"), "ultralytics-wandb", EPOCHS, env))
    return theirs, ours


def rows(log: Log) -> list[dict[str, Any]]:
    """The history rows without W&B's own keys (_step, _runtime, _timestamp); an image as its
    media path (its name, step and the hash of its bytes)."""
    return [
        {k: (v["path"] if isinstance(v, dict) else v) for k, v in row.items() if not k.startswith("_")}
        for row in log.rows
    ]


def test_every_row_holds_the_callbacks_values_and_images_at_its_epoch(both: tuple[Side, Side]) -> None:
    theirs, ours = both
    expected = rows(theirs.log)
    assert set().union(*expected) >= CURVE_TABLES | {"labels", "train_batch0", "results", "BoxPR_curve"}
    assert [row["epoch"] for row in expected] == [1, 2, 3, 2]  # epochs, the final validation, the end
    for row in expected:
        for key in CURVE_TABLES & row.keys():
            del row[key]
    got = rows(ours.log)
    assert [{k: v for k, v in row.items() if k != SPEED} for row in got] == [
        {k: v for k, v in row.items() if k != SPEED} for row in expected
    ]
    assert [SPEED in row for row in got] == [SPEED in row for row in expected] == [True, False, False, False]


def test_series_are_against_the_epoch_as_the_callbacks_are(both: tuple[Side, Side]) -> None:
    theirs, ours = both
    globs = {m.glob_name: m.step_metric for m in theirs.log.of("metric") if m.glob_name}
    assert globs == {"train/*": "epoch", "lr/*": "epoch", "metrics/*": "epoch", "val/*": "epoch"}
    series = {k for row in rows(ours.log) for k in row if k != "epoch"}
    covered = {k for k in series if k.split("/")[0] + "/*" in globs}
    assert len(covered) == 13  # 3 losses, 3 learning rates, 4 metrics, 3 validation losses
    assert {k: ours.log.step_metric[k] for k in covered} == dict.fromkeys(covered, "epoch")


def shown(value: Any, work: Path) -> Any:
    return value.replace(str(work), WORK) if isinstance(value, str) else value


def test_the_config_is_every_training_argument(both: tuple[Side, Side]) -> None:
    theirs, ours = both
    # W&B's own keys: _wandb, and (theirs) _wandb/visualize/curves/…, the curve tables' charts.
    expected = {k: shown(v, theirs.work) for k, v in theirs.log.config.items() if not k.startswith("_wandb")}
    got = {k: shown(v, ours.work) for k, v in ours.log.config.items() if not k.startswith("_wandb")}
    assert got.pop("yaml_hooks") == {"run_id": ours.run_id, "part": 1}
    assert len(expected) > 100 and expected["optimizer"] == "AdamW" and expected["save_dir"] == f"{WORK}/runs/demo"
    assert got == expected


def artifacts(log: Log) -> list[tuple[str, str, frozenset[str], tuple[str, ...]]]:
    # A file's name only: a checkpoint holds its training's paths, so its size differs by a few bytes.
    return [
        (a.name, a.type, frozenset(a.aliases), tuple(c.path for c in a.manifest.contents))
        for a in log.of("artifact")
        if a.type != "run_table"  # the curve tables' own artifacts
    ]


def test_the_best_weights_are_the_model_artifact_of_the_callback(both: tuple[Side, Side]) -> None:
    theirs, ours = both
    ((name, kind, aliases, files),) = artifacts(theirs.log)
    assert (name, kind, aliases) == (f"run_{theirs.run_id}_model", "model", frozenset({"best", "latest"}))
    assert files == ("best.pt",)
    ((our_name, our_kind, our_aliases, our_files),) = artifacts(ours.log)
    assert (our_name, our_kind, our_files) == (f"run_{ours.run_id}_model", "model", files)
    assert our_aliases == aliases | {f"epoch-{EPOCHS}"}
    assert json.loads(ours.log.of("artifact")[0].metadata) == {"yaml_hooks_path": "model"}


def test_the_run_folder_is_in_the_runs_folder_as_the_callbacks(both: tuple[Side, Side]) -> None:
    theirs, ours = both
    assert theirs.folder.parent == theirs.work / "runs" / "demo" / "wandb"
    assert ours.folder.parent == ours.work / "runs" / "demo" / "wandb"
    projects = [run.project for side_ in both for run in side_.log.of("run")]
    assert projects == [str(s.work / "runs").replace("/", "-") for s in both]  # args.project, '/' as '-'

    assert [run.display_name for side_ in both for run in side_.log.of("run")] == ["demo", "demo"]
