"""What a new user meets in the first hour, on the stand-in trainer: fields that render empty, two
files sent to one field, globs that never match, attaching twice, per-batch steps, validation
images every N epochs, and validations or predictions of their own (tests/acceptance/test_real_first_hour.py
checks the Ultralytics side of these on real trainings)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import hooks
from hooks.errors import ConfigError
from hooks.testing import RecordingSink, simulate_training
from hooks.testing.standin import StandInTrainer


def compiled(text: str, sink: RecordingSink) -> hooks.Compiled:
    return hooks.loads("version: 1\n" + text, sink=sink)


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records]


def test_a_field_that_renders_empty_warns_once_per_action(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sink = RecordingSink()
    c = compiled("events:\n  on_train_epoch_end: [{scalars: {from: lr, to: 'lr/{args.project}'}}]\n", sink)
    simulate_training(dict(c), tmp_path / "run", epochs=3)  # args.project is None
    warned = [m for m in messages(caplog) if "is missing or empty" in m]
    assert warned == [
        "events.on_train_epoch_end[0] scalars (<string>:3:24): {args.project} in to: 'lr/{args.project}' is "
        "missing or empty on on_train_epoch_end, so the field is 'lr'; name a field that is set there, or give "
        "a default: {name:-text}"
    ]
    assert [step for step, _ in sink.series()["lr/lr/pg0"]] == [1, 2, 3]


def test_a_default_or_an_alternative_is_not_an_empty_field(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sink = RecordingSink()
    c = compiled(
        "events:\n  on_train_epoch_end: [{scalars: {from: lr, to: '{args.project:-p}/{args.project|args.task}'}}]\n",
        sink,
    )
    simulate_training(dict(c), tmp_path / "run", epochs=1)
    assert not [m for m in messages(caplog) if "missing or empty" in m]
    assert list(sink.series()) == ["p/detect/lr/pg0", "p/detect/lr/pg1", "p/detect/lr/pg2"]


def test_two_files_sent_to_one_field_warn_naming_both(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sink = RecordingSink()
    c = compiled("events:\n  on_train_end: [{files: {glob: 'weights/*.pt', to: 'weights'}}]\n", sink)
    t = simulate_training(dict(c), tmp_path / "run", epochs=2)
    assert [r.path for r in sink.of("upload")] == ["weights", "weights"]  # best.pt, then last.pt
    warned = [m for m in messages(caplog) if "went to the field" in m]
    assert warned == [
        f"events.on_train_end[0] files (<string>:3:18): {t.last} went to the field 'weights', where {t.best} was "
        "uploaded before (events.on_train_end[0] files (<string>:3:18)); the tracker keeps only the last. Give "
        "each file its own field, e.g. with {stem} in `to:`"
    ]


def test_the_same_file_uploaded_again_to_its_field_is_no_overwrite(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sink = RecordingSink()
    c = compiled("events:\n  on_fit_epoch_end: [{upload: {path: results.csv, to: results}}]\n", sink)
    simulate_training(dict(c), tmp_path / "run", epochs=3)
    assert len(sink.of("upload")) == 4  # every epoch and the final validation: the file grows
    assert not [m for m in messages(caplog) if "went to the field" in m]


def test_a_glob_that_never_matches_warns_at_the_end_of_training(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sink = RecordingSink()
    c = compiled(
        "events:\n  on_train_epoch_end:\n"
        "    - files: {glob: 'train_batch*.png', to: 'Mosaic/{stem}'}\n"  # Ultralytics writes .jpg
        "    - files: {glob: 'train_batch*.jpg', to: 'Mosaic/{stem}'}\n"
        "  on_predict_end: [{files: {glob: '*.jpg', to: 'P/{stem}'}}]\n",  # not a training's event
        sink,
    )
    t = simulate_training(dict(c), tmp_path / "run", epochs=2)
    warned = [m for m in messages(caplog) if "uploaded nothing" in m]
    assert warned == [
        "events.on_train_epoch_end[0] files (<string>:4:7): uploaded nothing in this training: no file matching "
        f"train_batch*.png in {t.save_dir}; check the pattern, the folder (`root:`) and the event (`hooks "
        "explain` says where each action looks)"
    ]


def test_an_action_that_never_ran_says_so_at_the_end(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sink = RecordingSink()
    c = compiled("events:\n  on_val_end: [{files: {glob: '*.jpg', to: 'V/{stem}', when: {epoch: 9}}}]\n", sink)
    simulate_training(dict(c), tmp_path / "run", epochs=2)
    assert [m for m in messages(caplog) if "uploaded nothing" in m] == [
        "events.on_val_end[0] files (<string>:3:16): uploaded nothing in this training: no file matching *.jpg "
        "anywhere: it never ran (its event did not fire, or its `when` selected none); check the pattern, the "
        "folder (`root:`) and the event (`hooks explain` says where each action looks)"
    ]


class Model:
    """What attach() needs of a YOLO model: add_callback appending to a dict of lists."""

    def __init__(self) -> None:
        self.callbacks: dict[str, list[Any]] = {}

    def add_callback(self, event: str, fn: Any) -> None:
        self.callbacks.setdefault(event, []).append(fn)


def test_attaching_twice_replaces_the_earlier_callbacks(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    model, first, second = Model(), RecordingSink(), RecordingSink()
    own = []
    model.add_callback("on_train_end", own.append)  # somebody else's callback stays
    hooks.attach(model, "minimal", sink=first)
    hooks.attach(model, "minimal", sink=second)  # the notebook cell, run again
    assert [m for m in messages(caplog) if "already attached" in m] == [
        "yaml-hooks was already attached to this Model; its earlier callbacks (5) are replaced by minimal, so "
        "one training is one run (to log to several trackers, name them all under `sink:`)"
    ]
    t = StandInTrainer(tmp_path / "run", epochs=2, callbacks=model.callbacks)
    t.train()
    assert (first.opened, second.opened) == (0, 1)
    assert [step for step, _ in second.series()["train/box_loss"]] == [1, 2]
    assert own == [t]


def test_batch_events_log_at_the_global_batch_index(tmp_path: Path) -> None:
    sink = RecordingSink()
    c = compiled(
        "events:\n  on_train_batch_end:\n"
        "    - scalars: {from: train_losses, to: batch, include: ['*box*']}\n"
        "    - scalars: {from: train_losses, to: every3, include: ['*box*'], when: {every_batches: 3}}\n",
        sink,
    )
    simulate_training(dict(c), tmp_path / "run", epochs=3, batches=4)
    series = sink.series()
    assert [step for step, _ in series["batch/train/box_loss"]] == list(range(1, 13))
    assert [step for step, _ in series["every3/train/box_loss"]] == [3, 6, 9, 12]


def test_a_batch_step_continues_from_the_resumed_epoch(tmp_path: Path) -> None:
    sink = RecordingSink()
    c = compiled("events:\n  on_train_batch_end: [{scalars: {from: lr, include: [lr/pg0]}}]\n", sink)
    t = StandInTrainer(tmp_path / "run", epochs=5, batches=4)
    t.train_loader = [None] * 4  # a resumed trainer: epoch 3 (0-based), 4 batches an epoch
    t.epoch, t.lr = 3, {"lr/pg0": 0.1}
    for _ in range(2):
        c["on_train_batch_end"](t)
    assert sink.series() == {"lr/pg0": [(13, 0.1), (14, 0.1)]}


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (
            "on_train_epoch_end: [{scalars: {from: lr, when: {every_batches: 5}}}]",
            "every_batches counts batches, and on_train_epoch_end is not a batch event; use it on "
            "on_train_batch_end (or another batch event), or `every: N` for epochs",
        ),
        (
            "on_train_batch_end: [{scalars: {from: lr, step: epoch}}]",
            "step: epoch on on_train_batch_end would append every batch of an epoch at one step (a tracker keeps "
            "one value per step); leave `step` out to use the batch's global index, or write step: auto",
        ),
    ],
)
def test_batch_rules_on_the_wrong_event_are_load_errors(action: str, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        hooks.loads(f"version: 1\nevents:\n  {action}\n", sink=RecordingSink())
    assert [i.message for i in e.value.issues] == [message]


def test_validation_images_are_drawn_at_the_epochs_the_condition_selects(tmp_path: Path) -> None:
    sink = RecordingSink()
    c = compiled(
        "events:\n  on_val_end:\n"
        "    - files: {glob: 'val_batch*.jpg', to: 'Val/epoch-{epoch}/{stem}', once: false, snapshot: true,"
        " when: {every: 2}}\n",
        sink,
    )
    t = simulate_training(dict(c), tmp_path / "run", epochs=4)
    assert [r.path for r in sink.of("upload")] == [
        f"Val/epoch-{e}/val_batch0_{kind}" for e in (2, 4) for kind in ("labels", "pred")
    ]
    assert t.validator is not None and t.validator.args.plots is True  # the final validation's own value
    assert all(r.snapshot for r in sink.of("upload"))


def test_validation_images_are_not_drawn_when_the_training_turned_plots_off(tmp_path: Path) -> None:
    sink = RecordingSink()
    c = compiled(
        "events:\n  on_val_end: [{files: {glob: 'val_batch*.jpg', to: 'V/{epoch}/{stem}', once: false}}]\n", sink
    )
    simulate_training(dict(c), tmp_path / "run", epochs=3, overrides={"plots": False})
    assert sink.of("upload") == []


def test_a_validation_and_a_prediction_of_their_own_are_runs_of_their_own(tmp_path: Path) -> None:
    sink = RecordingSink()
    c = compiled(
        "events:\n  on_val_end: [{scalars: {from: validator.speed, to: speed}}]\n"
        "  on_predict_end: [{scalars: {from: predictor.speed, to: speed}}]\n",
        sink,
    )
    validator = SimpleNamespace(speed={"inference": 2.0}, args=SimpleNamespace(mode="val", name=None))
    predictor = SimpleNamespace(speed={"inference": 1.0}, args=SimpleNamespace(mode="predict", name=None))
    c["on_val_end"](validator)
    c["on_predict_end"](predictor)
    assert [r.op for r in sink.records] == ["append", "stop", "append", "stop"]
    assert sink.opened == 2


def test_the_parts_of_a_resumed_run_read_as_one_with_the_later_part_winning(tmp_path: Path) -> None:
    """An epoch cut short in part 1 (step 3) is logged again by part 2: part 2's points count."""
    import neptune

    from hooks.runs.neptune.read import find_run_groups, read_run

    quiet = {f"capture_{k}": False for k in ("stdout", "stderr", "hardware_metrics", "traceback")}
    for part, points in ((1, [(1, 1.0), (2, 2.0), (3, 99.0)]), (2, [(3, 3.0), (4, 4.0)])):
        run = neptune.init_run(mode="offline", name="res", git_ref=False, source_files=[], **quiet)
        run["yaml_hooks/run_id"], run["yaml_hooks/part"] = "abc", part
        for step, value in points:
            run["loss"].append(value, step=step)
        run["only_first" if part == 1 else "only_second"] = part
        run.stop()
    other = neptune.init_run(mode="offline", name="other", git_ref=False, source_files=[], **quiet)
    other.stop()
    groups = find_run_groups(tmp_path / ".neptune")
    assert [len(g) for g in groups] == [1, 2]  # newest first: "other", then the two parts
    joined = read_run(groups[1])
    assert [(p.step, p.value) for p in joined.series["loss"]] == [(1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0)]
    assert (joined.fields["only_first"], joined.fields["only_second"]) == (1, 2)
    assert joined.training_id == "abc" and joined.path == groups[1][0]


def test_an_action_uploading_each_image_once_keeps_the_final_validations_images(tmp_path: Path) -> None:
    """`default` uploads val_batch* once, as they appear: Ultralytics draws them at the final
    validation (of best.pt), and those are the ones uploaded, not epoch 1's."""
    sink = RecordingSink()
    c = compiled("events:\n  on_val_end: [{files: {glob: 'val_batch*.jpg', to: 'Validation/{stem}'}}]\n", sink)
    steps: list[int] = []
    c_val_end = c["on_val_end"]

    def watch(validator: Any) -> None:
        c_val_end(validator)
        if sink.of("upload") and not steps:
            steps.append(validator.training)

    simulate_training({**dict(c), "on_val_end": watch}, tmp_path / "run", epochs=3)
    assert [r.path for r in sink.of("upload")] == ["Validation/val_batch0_labels", "Validation/val_batch0_pred"]
    assert steps == [False]  # uploaded at the final validation, not during training


@pytest.mark.parametrize(
    ("action", "drawn_at"),
    [
        ("{glob: 'val_batch*.jpg', to: 'V/{stem}', once: false}", []),  # yolov8-neptune: as the original
        ("{glob: 'val_batch*.jpg', to: 'V/{epoch}/{stem}', once: false}", [1, 2, 3]),  # each epoch kept apart
        ("{glob: 'val_batch*.jpg', to: 'V/{stem}', when: {epoch: 2}}", [2]),  # an epoch picked
    ],
)
def test_images_are_drawn_only_for_actions_that_pick_epochs_or_keep_them_apart(
    tmp_path: Path, action: str, drawn_at: list[int]
) -> None:
    sink = RecordingSink()
    c = compiled(f"events:\n  on_val_end: [{{files: {action}}}]\n", sink)
    drawn: list[int] = []

    def seen(validator: Any) -> None:  # after ours: were this validation's images drawn?
        if validator.training and validator.args.plots:
            drawn.append(int(validator._trainer_epoch) + 1)

    t = StandInTrainer(tmp_path / "run", epochs=3, callbacks={**dict(c)})
    t.add_callback("on_val_start", lambda v: setattr(v, "_trainer_epoch", t.epoch))
    t.add_callback("on_val_batch_end", seen)
    t.train()
    assert sorted(set(drawn)) == drawn_at
