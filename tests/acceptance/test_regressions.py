"""Bugs that once passed the whole suite, each pinned by a test that fails with it:

1. the final validation's step on validator events moved by one (`Session.context`);
2. booleans logged as numbers (`scalars` must skip them; `assign` must keep them booleans);
3. `once` ignored for globs with a folder part (`files` with `glob: weights/*.pt`).

Trackers are the real Neptune client in offline mode, read back with runlog, where what is
checked is what a run holds; the stand-in trainer drives the events."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hooks
from hooks.runs import Run as RunLog
from hooks.runs.neptune.read import find_runs, read_run
from hooks.testing import RecordingSink, simulate_training

QUIET = (
    "sink: {neptune: {capture: {stdout: false, stderr: false, traceback: false, hardware_metrics: false, "
    "git: false, source_code: false}}}\n"
)


def offline_run(config: str, tmp_path: Path, neptune_dir: Path, before: dict[str, Any] | None = None) -> RunLog:
    """A 3-epoch simulated training logged by ``config`` to Neptune offline, read back. ``before``:
    per event, a callback that runs before the config's."""
    path = tmp_path / "cfg.yaml"
    path.write_text("version: 1\n" + QUIET + config, encoding="utf-8")
    compiled = hooks.load(path)
    callbacks: dict[str, Any] = dict(compiled)
    for event, fn in (before or {}).items():
        callbacks[event] = [fn, *([callbacks[event]] if event in callbacks else [])]
    simulate_training(callbacks, tmp_path / "run", epochs=3)
    (folder,) = find_runs(neptune_dir)
    return read_run(folder)


# ----------------------------------------------------------------------- 1: validator event steps
def test_validator_events_log_at_the_epoch_and_the_final_validation_one_after_the_last(
    tmp_path: Path, neptune_dir: Path
) -> None:
    finals: list[float] = []

    def note_final_speed(validator: Any) -> None:
        if not validator.training:
            finals.append(validator.speed["inference"])

    run = offline_run(
        "events:\n"
        "  on_val_end:\n    - scalars: {from: validator.speed, to: val_speed}\n"
        "  on_fit_epoch_end:\n    - scalars: {from: metrics, include: ['metrics/mAP50(B)']}\n",
        tmp_path,
        neptune_dir,
        before={"on_val_end": note_final_speed},
    )
    speed = run.series["val_speed/inference"]
    # epochs 1..3 at steps 1..3, the final validation (of best.pt) at 4: the step its metrics have
    assert [p.step for p in speed] == [1, 2, 3, 4]
    assert [p.step for p in run.series["metrics/mAP50(B)"]] == [1, 2, 3, 4]
    assert speed[-1].value == pytest.approx(finals[0]) and len(finals) == 1


# --------------------------------------------------------------------------------- 2: booleans
def test_scalars_skip_booleans_of_every_kind(
    tmp_path: Path, neptune_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def flags(trainer: Any) -> None:
        trainer.flags = {"stopping": False, "improved": True, "np_flag": np.bool_(True), "fitness": 0.5}

    run = offline_run(
        "events:\n  on_fit_epoch_end:\n"
        "    - scalars: {from: trainer.flags, to: flags}\n"
        "    - scalars: {from: trainer.stop, to: stop}\n",  # Ultralytics' trainer.stop is a bool
        tmp_path,
        neptune_dir,
        before={"on_fit_epoch_end": flags},
    )
    logged = sorted(k for k in run.series if k.startswith(("flags/", "stop")))
    assert logged == ["flags/fitness"]
    assert [p.value for p in run.series["flags/fitness"]] == [0.5] * 4
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert sum("flags/improved: bool is not a number" in m for m in said) == 1  # once per run
    assert sum("flags/stopping: bool is not a number" in m for m in said) == 1
    assert any("stop: bool is not a number" in m for m in said)


def test_assign_keeps_booleans_as_booleans(tmp_path: Path, neptune_dir: Path) -> None:
    def flags(trainer: Any) -> None:
        trainer.flags = {"yes": True, "no": False, "np_yes": np.bool_(True), "one": 1}

    run = offline_run(
        "events:\n  on_pretrain_routine_start:\n"
        "    - assign: {from: hyperparameters, to: hp}\n"
        "    - assign: {from: trainer.flags, to: flags}\n",
        tmp_path,
        neptune_dir,
        before={"on_pretrain_routine_start": flags},
    )
    fields = run.fields
    # Ultralytics' boolean arguments (val, plots, …) stay booleans: True, not 1
    assert fields["hp/val"] is True and fields["hp/plots"] is True and fields["hp/resume"] is False
    assert fields["flags/yes"] is True and fields["flags/no"] is False and fields["flags/np_yes"] is True
    assert fields["flags/one"] == 1 and type(fields["flags/one"]) is int


# ------------------------------------------------------------------------- 3: once, nested globs
def test_a_nested_glob_uploads_each_file_once_per_run(tmp_path: Path) -> None:
    sink = RecordingSink()
    compiled = hooks.loads(
        "version: 1\nevents:\n  on_fit_epoch_end:\n"
        "    - files: {glob: 'weights/*.pt', to: 'Once/{epoch}/{name}'}\n"
        "    - files: {glob: 'weights/*.pt', to: 'Every/{epoch}/{name}', once: false}\n",
        sink=sink,
    )
    trainer = simulate_training(dict(compiled), tmp_path / "run", epochs=3)
    assert sorted(p.name for p in (trainer.save_dir / "weights").iterdir()) == ["best.pt", "last.pt"]
    uploads = [r.path for r in sink.of("upload")]
    # weights/ holds best.pt and last.pt from the first epoch on, and on_fit_epoch_end fires 4 times
    # (3 epochs, then the final validation): `once: false` uploads them every time, the default once
    assert [u for u in uploads if u.startswith("Every/")] == [
        f"Every/{epoch}/{name}" for epoch in (1, 2, 3, 4) for name in ("best.pt", "last.pt")
    ]
    assert [u for u in uploads if u.startswith("Once/")] == ["Once/1/best.pt", "Once/1/last.pt"]
