"""Stage 6 with a recording sink: conditions, steps, templates, files, failures, processes."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import cloudpickle
import pytest

import hooks
from hooks.errors import ConfigError
from hooks.testing import RecordingSink, simulate_training
from hooks.testing.standin import StandInTrainer


def compiled(text: str, sink: RecordingSink) -> hooks.Compiled:
    return hooks.loads("version: 1\n" + text, sink=sink)


def test_scalars_at_one_based_epoch_steps_including_the_final_validation(tmp_path: Path) -> None:
    sink = RecordingSink()
    c = compiled(
        "events:\n  on_train_epoch_end: [{scalars: {from: train_losses}}, {scalars: {from: lr}}]\n"
        "  on_fit_epoch_end: [{scalars: {from: metrics}}]\n",
        sink,
    )
    t = simulate_training(dict(c), tmp_path / "run", epochs=2)
    csv = t.read_results_csv()  # one row per epoch, as the trainer saw it
    assert csv["epoch"] == [1.0, 2.0]
    assert t.metrics is not None  # after training: the final validation's (of best.pt, no losses)

    def per_epoch(key: str) -> list[tuple[int, float]]:
        values = csv[key]
        assert values[0] != values[1], key  # a value logged at the wrong epoch would show
        return [(1, values[0]), (2, values[1])]

    series = sink.series()
    assert series["train/box_loss"] == per_epoch("train/box_loss")
    assert series["lr/pg0"] == per_epoch("lr/pg0")
    assert series["metrics/mAP50(B)"] == [*per_epoch("metrics/mAP50(B)"), (3, t.metrics["metrics/mAP50(B)"])]
    assert series["val/box_loss"] == per_epoch("val/box_loss")
    ops = [r.op for r in sink.records]
    assert ops[-1] == "stop"


def test_every_epoch_end_is_flushed_however_short_the_epoch(tmp_path: Path) -> None:
    """A hard kill right after an epoch end must find that epoch on disk: each on_fit_epoch_end
    (the final validation's included) flushes after its actions, whatever the time since the last
    flush; so does the configuration logged before the first epoch. Batch events never flush."""
    sink = RecordingSink()
    c = compiled(
        "events:\n  on_pretrain_routine_start: [{assign: {from: hyperparameters, to: hp}}]\n"
        "  on_train_batch_end: [{scalars: {from: trainer.loss_items, to: batch}}]\n"
        "  on_fit_epoch_end: [{scalars: {from: metrics}}]\n",
        sink,
    )
    simulate_training(dict(c), tmp_path / "run", epochs=5, write_files=False)  # ~ms per epoch
    ops = [r.op for r in sink.records]
    assert ops.count("flush") == 1 + 5 + 1  # the configuration, 5 epochs, the final validation
    assert ops[ops.index("assign") + 1] == "flush"
    # Every flush comes right after an epoch end's metrics: none right after a batch's point.
    assert any(r.path.startswith("batch") for r in sink.of("append"))
    for i, op in enumerate(ops):
        if op == "flush" and i > ops.index("assign") + 1:  # after the configuration's flush
            assert sink.records[i - 1].path.startswith(("metrics/", "val/")), sink.records[i - 1]


def test_prefix_namespace_include_exclude_and_single_values(tmp_path: Path) -> None:
    sink = RecordingSink()
    c = compiled(
        "events:\n  on_fit_epoch_end:\n"
        "    - scalars: {from: metrics, to: Val, prefix: 'x_', exclude: ['*loss*']}\n"
        "    - scalars: {from: trainer.fitness, to: fitness, step: auto}\n",
        sink,
    )
    t = StandInTrainer(tmp_path / "run")
    t.epoch, t.fitness = 0, 0.25
    t.metrics = {"metrics/mAP50(B)": 0.5, "val/box_loss": 1.0}
    c["on_fit_epoch_end"](t)
    assert sink.series() == {"Val/x_metrics/mAP50(B)": [(1, 0.5)], "fitness": [(None, 0.25)]}


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("{epoch: first}", [1]),
        ("{epoch: last}", [4]),
        ("{epoch: [2, 3]}", [2, 3]),
        ("{every: 2}", [2, 4]),
        ("{every: 2, final: false}", [2, 4]),
        ("{final: false}", [1, 2, 3, 4]),
        ("{final: only}", [5]),
        ("{epoch: [first, last]}", [1, 4]),
    ],
)
def test_when(tmp_path: Path, when: str, expected: list[int]) -> None:
    sink = RecordingSink()
    c = compiled(f"events:\n  on_fit_epoch_end: [{{scalars: {{from: metrics, when: {when}}}}}]\n", sink)
    simulate_training(dict(c), tmp_path / "run", epochs=4)
    assert [step for step, _ in sink.series()["metrics/mAP50(B)"]] == expected


def test_first_epoch_of_a_resumed_training(tmp_path: Path) -> None:
    sink = RecordingSink()
    c = compiled("events:\n  on_train_epoch_end: [{scalars: {from: lr, when: {epoch: first}}}]\n", sink)
    t = StandInTrainer(tmp_path / "run", epochs=5)
    t.start_epoch = 3  # the stand-in does not resume; set what a resumed trainer holds
    for epoch in (3, 4):
        t.epoch, t.lr = epoch, {"lr/pg0": float(epoch)}
        c["on_train_epoch_end"](t)
    assert sink.series() == {"lr/pg0": [(4, 3.0)]}


def test_validator_events_know_the_epoch_and_the_final_validation(tmp_path: Path) -> None:
    sink = RecordingSink()
    # With epochs > 1 Ultralytics (and the stand-in) plots validation batches only at the final
    # validation; a file written beforehand is there for every epoch's.
    run = tmp_path / "run"
    run.mkdir()
    (run / "val_batch0_pred.jpg").write_bytes(b"jpg")
    c = compiled(
        "events:\n  on_val_end:\n"
        "    - files: {glob: 'val*_pred.jpg', to: 'Val/{epoch}/{stem}', once: false, snapshot: true,"
        " when: {final: false}}\n"
        "    - files: {glob: 'val*_pred.jpg', to: 'Final/{stem}', when: {final: only}}\n",
        sink,
    )
    simulate_training(dict(c), run, epochs=2)
    uploads = [(r.path, r.snapshot) for r in sink.of("upload")]
    assert uploads == [
        ("Val/1/val_batch0_pred", True),
        ("Val/2/val_batch0_pred", True),
        ("Final/val_batch0_pred", False),
    ]


def test_files_once_per_run_as_they_appear(tmp_path: Path) -> None:
    sink = RecordingSink()
    c = compiled("events:\n  on_train_epoch_end: [{files: {glob: 'train_batch*.jpg', to: 'Mosaic/{stem}'}}]\n", sink)
    t = StandInTrainer(tmp_path / "run")
    t.epoch = 0
    (t.save_dir / "train_batch0.jpg").write_bytes(b"0")
    c["on_train_epoch_end"](t)
    (t.save_dir / "train_batch1.jpg").write_bytes(b"1")  # written late by a plotting thread
    t.epoch = 1
    c["on_train_epoch_end"](t)
    c["on_train_epoch_end"](t)
    assert [r.path for r in sink.of("upload")] == ["Mosaic/train_batch0", "Mosaic/train_batch1"]


def test_templates_fields_fallbacks_and_defaults(tmp_path: Path) -> None:
    sink = RecordingSink()
    c = compiled(
        "sink: {neptune: {name: unused}}\nevents:\n  on_train_end:\n"
        "    - upload: {from: best, to: 'w/{args.time|args.task}/{args.project:-YOLOv8}/{file.name}/{suffix}'}\n"
        "    - upload: {path: weights/best.pt, to: 'p/{file.path}/{{literal}}'}\n",
        sink,
    )
    t = StandInTrainer(tmp_path / "run")
    assert t.args.project is None  # so the default after `:-` is what names the field
    t.best.write_bytes(b"w")  # weights/best.pt
    c["on_train_end"](t)
    assert [r.path for r in sink.of("upload")] == [
        f"w/{t.args.task}/YOLOv8/best.pt/.pt",
        "p/weights/best.pt/{literal}",
    ]


def test_plots_as_files_or_figures_from_a_list_or_the_registry(tmp_path: Path) -> None:
    sink = RecordingSink()
    c = compiled(
        "events:\n  on_train_end:\n"
        "    - plots: {from: plot_registry, exclude: ['*batch*'], to: 'Reg/{stem}'}\n"
        "    - plots: {files: [results.png, missing.png], to: 'Fig/{stem}', render: figure}\n",
        sink,
    )
    t = simulate_training(dict(c), tmp_path / "run", epochs=1)
    assert t.validator is not None
    registered = [*t.plots, *t.validator.plots]  # the trainer's, then its validator's
    assert any("batch" in p.name for p in registered)  # something for the exclude to leave out
    kept = [f"Reg/{p.stem}" for p in registered if "batch" not in p.name]
    assert "Reg/results" in kept and "Reg/BoxPR_curve" in kept  # from either registry
    assert [(r.op, r.path) for r in sink.records if r.op.startswith("upload")] == [
        *(("upload", path) for path in kept),
        ("upload_figure", "Fig/results"),
    ]


def test_plots_again_when_changed_are_uploaded_again_by_any_such_action_and_only_then(tmp_path: Path) -> None:
    sink = RecordingSink()
    c = compiled(
        "events:\n"
        "  on_fit_epoch_end: [{plots: {from: plot_registry, to: '{stem}', again: changed}}]\n"
        "  on_train_end:\n"
        "    - plots: {from: plot_registry, to: '{stem}', again: changed}\n"
        "    - plots: {from: plot_registry, to: 'Once/{stem}'}\n",
        sink,
    )
    t = StandInTrainer(tmp_path / "run")
    t.save_dir.mkdir(parents=True, exist_ok=True)
    plot, other = t.save_dir / "PR_curve.png", t.save_dir / "labels.jpg"
    for path in (plot, other):
        path.write_bytes(b"1")
        t.on_plot(path)
    c["on_fit_epoch_end"](t)
    c["on_fit_epoch_end"](t)  # nothing changed: nothing again
    assert [r.path for r in sink.of("upload")] == ["PR_curve", "labels"]
    plot.write_bytes(b"22")  # drawn again (the final validation)
    os.utime(plot, ns=(plot.stat().st_atime_ns, plot.stat().st_mtime_ns + 1_000_000_000))
    # Another action with `again: changed` knows what the first uploaded there: only the changed plot.
    c["on_train_end"](t)
    assert [r.path for r in sink.of("upload")][2:] == ["PR_curve", "Once/PR_curve", "Once/labels"]


def test_assign_hands_the_sink_plain_values(tmp_path: Path) -> None:
    # None and lists stay what they are: how a tracker stores them is its sink's business
    # (tests/unit/sinks/test_neptune_sink.py: Neptune writes them as text).
    sink = RecordingSink()
    c = compiled("events:\n  on_pretrain_routine_start: [{assign: {from: hyperparameters, to: Config/Hyper}}]\n", sink)
    t = StandInTrainer(tmp_path / "run", overrides={"classes": [0, 2]})
    t.args.save_dir = t.save_dir  # a Path, which the sink gets as its text
    c["on_pretrain_routine_start"](t)
    (rec,) = sink.of("assign")
    assert rec.path == "Config/Hyper"
    assert rec.value["project"] is None and rec.value["classes"] == [0, 2]
    assert rec.value["save_dir"] == str(t.save_dir)
    assert rec.value == {**vars(t.args), "save_dir": str(t.save_dir)}


def test_missing_file_and_missing_source_warn_once_and_go_on(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sink = RecordingSink()
    c = compiled(
        "events:\n  on_train_epoch_end:\n    - scalars: {from: train_losses}\n    - scalars: {from: lr}\n"
        "  on_train_end: [{upload: {from: best, to: w}}]\n",
        sink,
    )
    t = StandInTrainer(tmp_path / "run")  # before training: no tloss, no weights/best.pt
    t.lr = {"lr/pg0": 0.1}
    for epoch in range(3):
        t.epoch = epoch
        c["on_train_epoch_end"](t)
    c["on_train_end"](t)
    assert sink.series() == {"lr/pg0": [(1, 0.1), (2, 0.1), (3, 0.1)]}
    messages = [r.getMessage() for r in caplog.records]
    assert sum("tloss" in m for m in messages) == 1, messages
    assert sum("best.pt does not exist" in m for m in messages) == 1, messages
    assert any("events.on_train_end[0] upload (<string>:" in m for m in messages)


class FailingSink(RecordingSink):
    def append(self, path: str, value: float, step: float | None) -> None:
        raise OSError(28, "No space left on device")


def test_a_failing_tracker_never_stops_training(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sink = FailingSink()
    c = compiled(
        "events:\n  on_train_epoch_end: [{scalars: {from: lr}}, {files: {glob: '*.txt', to: 'F/{stem}'}}]\n",
        sink,
    )
    run = tmp_path / "run"
    run.mkdir()
    (run / "a.txt").write_text("a")
    t = simulate_training(dict(c), run, epochs=3)
    assert t.read_results_csv()["epoch"] == [1.0, 2.0, 3.0]  # every epoch ran
    assert [r.path for r in sink.of("upload")] == ["F/a"]  # the other action went on
    messages = [r.getMessage() for r in caplog.records]
    assert sum("No space left" in m for m in messages) == 1
    assert any("3 logging failure(s) in 1 place(s)" in m for m in messages), messages


def test_strict_mode_stops_at_the_first_failure(tmp_path: Path) -> None:
    c = hooks.loads(
        "version: 1\nstrict: true\nevents:\n  on_train_epoch_end: [{scalars: {from: lr}}]\n",
        sink=FailingSink(),
    )
    t = StandInTrainer(tmp_path / "run")
    t.epoch, t.lr = 0, {"lr/pg0": 0.1}
    with pytest.raises(hooks.LoggingFailed, match="No space left"):
        c["on_train_epoch_end"](t)


@pytest.mark.parametrize(("rank", "logs"), [("-1", True), ("0", True), ("1", False), ("3", False)])
def test_only_the_main_process_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rank: str, logs: bool) -> None:
    monkeypatch.setenv("RANK", rank)
    sink = RecordingSink()
    c = compiled("events:\n  on_train_epoch_end: [{scalars: {from: lr}}]\n", sink)
    t = StandInTrainer(tmp_path / "run")
    t.epoch, t.lr = 0, {"lr/pg0": 0.1}
    c["on_train_epoch_end"](t)
    assert bool(sink.records) is logs and sink.opened == int(logs)


def test_the_sink_opens_at_the_first_logging_event_not_at_attach(tmp_path: Path) -> None:
    sink = RecordingSink()
    # A bare model with add_callback: the stand-in trainer's callbacks list every event up front.
    model = SimpleNamespace(callbacks={}, add_callback=lambda e, f: model.callbacks.setdefault(e, []).append(f))
    hooks.attach(model, "minimal", sink=sink)
    assert sink.opened == 0
    assert set(model.callbacks) == {
        "on_pretrain_routine_start",
        "on_train_epoch_end",
        "on_fit_epoch_end",
        "on_train_end",
        "teardown",  # ends a run whose training raised (its status: failed)
    }
    t = StandInTrainer(tmp_path / "run", callbacks=model.callbacks)  # fires on_pretrain_routine_start
    assert sink.opened == 0  # minimal logs nothing there
    t.epoch, t.tloss, t.lr = 0, {"box_loss": 1.0}, {"lr/pg0": 0.1}
    t.run_callbacks("on_train_epoch_end")
    assert sink.opened == 1


def test_attach_refuses_what_has_no_add_callback() -> None:
    with pytest.raises(TypeError, match="no add_callback"):
        hooks.attach(object(), "minimal")


def test_attach_fails_fast_on_a_bad_config(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nevents: {on_train_end: [{uplaod: {}}]}\n")
    # A bare model whose add_callback fails the test: nothing of a trainer is needed.
    model = SimpleNamespace(add_callback=lambda e, f: pytest.fail("nothing may be attached"))
    with pytest.raises(ConfigError, match="did you mean 'upload'"):
        hooks.attach(model, bad)


def test_compiled_callbacks_survive_cloudpickle_into_a_fresh_interpreter(tmp_path: Path) -> None:
    """Ultralytics ships trainer.callbacks to DDP workers with cloudpickle."""
    c = hooks.load("default")
    blob = tmp_path / "callbacks.pkl"
    blob.write_bytes(cloudpickle.dumps(dict(c)))
    # The trainer is built in the fresh interpreter after unpickling, as a bare namespace: importing
    # the stand-in (hooks.testing) there first would load hooks and hide a gap in the pickle.
    script = (
        "import pickle, sys, types\n"
        "from pathlib import Path\n"
        "cbs = pickle.loads(Path(sys.argv[1]).read_bytes())\n"
        "t = types.SimpleNamespace(epoch=0, lr={'lr/pg0': 0.5}, tloss=None, save_dir=Path(sys.argv[2]),\n"
        "    args=types.SimpleNamespace(name='w', task='detect'), label_loss_items=lambda l, prefix: {})\n"
        "cbs['on_train_epoch_end'](t)\n"
        "cbs['on_train_end'](t)\n"
    )
    env = {**os.environ, "NEPTUNE_DATA_DIRECTORY": str(tmp_path / "nep")}
    result = subprocess.run(
        [sys.executable, "-c", script, str(blob), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    from hooks.runs.neptune.read import find_runs, read_run

    (run,) = find_runs(tmp_path / "nep")
    assert [(p.step, p.value) for p in read_run(run).series["lr/pg0"]] == [(1, 0.5)]


def test_a_session_in_use_pickles_without_its_run(tmp_path: Path) -> None:
    sink = RecordingSink()
    c = compiled("events:\n  on_train_epoch_end: [{scalars: {from: lr}}]\n", sink)
    t = StandInTrainer(tmp_path / "run")
    t.epoch, t.lr = 0, {"lr/pg0": 0.1}
    c["on_train_epoch_end"](t)
    copy = pickle.loads(pickle.dumps(c.session))
    assert copy.trainer is None and copy._sink is None


def test_files_written_after_a_settled_listing_are_found(tmp_path: Path) -> None:
    """The folder listing is reused while the folder's mtime stands still; a new file moves it."""
    import time

    sink = RecordingSink()
    c = compiled("events:\n  on_train_epoch_end: [{files: {glob: '*.jpg', to: 'F/{stem}'}}]\n", sink)
    t = StandInTrainer(tmp_path / "run")
    t.epoch = 0
    run = t.save_dir
    (run / "a.jpg").write_bytes(b"a")
    time.sleep(0.2)  # long enough for the listing to count as settled
    c["on_train_epoch_end"](t)
    c["on_train_epoch_end"](t)  # served from the settled listing
    (run / "b.jpg").write_bytes(b"b")
    c["on_train_epoch_end"](t)
    (run / "c.txt").write_bytes(b"c")
    (run / "d.jpg").write_bytes(b"d")
    time.sleep(0.2)
    c["on_train_epoch_end"](t)
    assert [r.path for r in sink.of("upload")] == ["F/a", "F/b", "F/d"]


def test_users_can_test_a_config_with_the_shipped_helpers(tmp_path: Path) -> None:
    sink = RecordingSink()
    simulate_training(dict(hooks.load("minimal", sink=sink)), tmp_path / "run", epochs=3)
    assert [step for step, _ in sink.series()["metrics/mAP50(B)"]] == [1, 2, 3, 4]
    assert [step for step, _ in sink.series()["train/box_loss"]] == [1, 2, 3]


def test_a_constant_to_and_a_templated_one_name_fields_alike(tmp_path: Path) -> None:
    # `to: /cfg/` used to keep its slashes while `/{args.name}/` lost them.
    sink = RecordingSink()
    c = compiled(
        "events:\n  on_pretrain_routine_start:\n"
        "    - assign: {from: hyperparameters, to: /cfg/}\n"
        "    - assign: {from: hyperparameters, to: '/{args.name}/'}\n",
        sink,
    )
    t = StandInTrainer(tmp_path / "exp", callbacks=dict(c))  # fires on_pretrain_routine_start
    assert t.args.name == "exp"
    assert [r.path for r in sink.of("assign")] == ["cfg", t.args.name]
