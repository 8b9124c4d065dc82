"""Tests of hooks.testing.standin against facts recorded from real Ultralytics trainings.

How the REAL_RUNS data below was recorded (once, by hand; a real training is too slow for unit
tests): ultralytics 8.4.190, torch 2.13.0+cpu, Python 3.11. ``YOLO("yolov8n.yaml").train(...)``
with ``epochs=E, imgsz=64, batch=4, device="cpu", workers=0, amp=False`` on a synthetic dataset
of 64 px JPGs with two labelled boxes each (classes ``{0: "a", 1: "b"}``), YOLO_OFFLINE=1,
YOLO_CONFIG_DIR/MPLCONFIGDIR in temp folders (Arial*.ttf copied from DejaVuSans), and
``torchvision::nms``/``qnms`` registered through ``torch.library`` with a pure-Python NMS, because
torchvision's C++ ops do not load on that machine. A callback on each of the 25 events logged the
event, trainer/validator state and the files in save_dir. Three sizes were recorded:

* A: epochs=2, 8 train images (2 batches), 4 val images (1 val batch of 8)
* B: epochs=3, 12 train images (3 batches), 12 val images (2 val batches)
* C: epochs=1, 4 train images (1 batch), 4 val images (1 val batch)

Per-batch events are compressed with ``compress_events``. ``first_seen`` is the event (name and
occurrence number) at which a file was first present. The real run writes ``train_batch*.jpg`` and
``val_batch*.jpg`` in background threads, so those show up an event or two late there; the
stand-in writes them synchronously, before the event that follows the plot call.
"""

from __future__ import annotations

import importlib.util
import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hooks.testing import standin as _standin
from hooks.testing.standin import (
    ALL_EVENTS,
    BATCH_EVENTS,
    EPOCH_EVENTS,
    FIRED_EVENTS,
    UNFIRED_EVENTS,
    StandInTrainer,
    StandInValidator,
    compress_events,
    default_args,
    event_order,
    simulate_training,
)

METRIC_KEYS = ["metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)", "metrics/mAP50-95(B)"]
TRAIN_VAL_KEYS = [*METRIC_KEYS, "val/box_loss", "val/cls_loss", "val/dfl_loss"]
CSV_HEADER = (
    "epoch,time,train/box_loss,train/cls_loss,train/dfl_loss,metrics/precision(B),metrics/recall(B),"
    "metrics/mAP50(B),metrics/mAP50-95(B),val/box_loss,val/cls_loss,val/dfl_loss,lr/pg0,lr/pg1,lr/pg2"
)
CURVES_AND_CM = [
    "BoxF1_curve.png",
    "BoxPR_curve.png",
    "BoxP_curve.png",
    "BoxR_curve.png",
    "confusion_matrix.png",
    "confusion_matrix_normalized.png",
]
# Written in a background thread by the real run, synchronously by the stand-in.
THREADED = ("train_batch", "val_batch")


def _epoch_block(batches: int, val_batches: int) -> list[str]:
    return [
        "on_train_epoch_start",
        f"on_train_batch_start/on_train_batch_end x{batches}",
        "on_train_epoch_end",
        "on_val_start",
        f"on_val_batch_start/on_val_batch_end x{val_batches}",
        "on_val_end",
        "on_model_save",
        "on_fit_epoch_end",
    ]


def _final_block(val_batches: int) -> list[str]:
    return [
        "on_val_start",
        f"on_val_batch_start/on_val_batch_end x{val_batches}",
        "on_val_end",
        "on_fit_epoch_end",
        "on_train_end",
        "teardown",
    ]


START = ["on_pretrain_routine_start", "on_pretrain_routine_end", "on_train_start"]

REAL_RUNS: dict[str, dict[str, Any]] = {
    "A": {
        "size": (2, 2, 1),  # epochs, batches, val_batches
        # Spelled out once in full; B and C use the helpers, checked equal to this shape here.
        "events": [
            "on_pretrain_routine_start",
            "on_pretrain_routine_end",
            "on_train_start",
            "on_train_epoch_start",
            "on_train_batch_start/on_train_batch_end x2",
            "on_train_epoch_end",
            "on_val_start",
            "on_val_batch_start/on_val_batch_end x1",
            "on_val_end",
            "on_model_save",
            "on_fit_epoch_end",
            "on_train_epoch_start",
            "on_train_batch_start/on_train_batch_end x2",
            "on_train_epoch_end",
            "on_val_start",
            "on_val_batch_start/on_val_batch_end x1",
            "on_val_end",
            "on_model_save",
            "on_fit_epoch_end",
            "on_val_start",
            "on_val_batch_start/on_val_batch_end x1",
            "on_val_end",
            "on_fit_epoch_end",
            "on_train_end",
            "teardown",
        ],
        "fit_epoch_end_epochs": [0, 1, 2],
        "fit_epoch_end_metric_keys": [TRAIN_VAL_KEYS, TRAIN_VAL_KEYS, METRIC_KEYS],
        "lr_pg0_at_epoch_end": [0.0008335, 0.000841835],
        "val_start_training": [True, True, False],
        "val_end_plots": [False, False, True],
        "final_files": [
            *CURVES_AND_CM[:4],
            "args.yaml",
            *CURVES_AND_CM[4:],
            "labels.jpg",
            "results.csv",
            "results.png",
            "train_batch0.jpg",
            "train_batch1.jpg",
            "train_batch2.jpg",
            "val_batch0_labels.jpg",
            "val_batch0_pred.jpg",
            "weights/best.pt",
            "weights/last.pt",
        ],
        "trainer_plots": [
            "labels.jpg",
            "train_batch0.jpg",
            "train_batch1.jpg",
            "train_batch2.jpg",
            "results.png",
        ],
        "validator_plots": [*CURVES_AND_CM, "val_batch0_labels.jpg", "val_batch0_pred.jpg"],
        "first_seen": {
            "args.yaml": "on_pretrain_routine_start#1",
            "labels.jpg": "on_pretrain_routine_end#1",
            "train_batch0.jpg": "on_train_batch_start#2",
            "train_batch1.jpg": "on_val_start#1",
            # ni = i + nb*epoch: with 2 batches per epoch, ni=2 is the first batch of epoch 1.
            "train_batch2.jpg": "on_train_batch_start#4",
            "results.csv": "on_model_save#1",
            "weights/best.pt": "on_model_save#1",
            "weights/last.pt": "on_model_save#1",
            "val_batch0_pred.jpg": "on_val_batch_end#3",
            "val_batch0_labels.jpg": "on_val_end#3",
            **dict.fromkeys(CURVES_AND_CM, "on_val_end#3"),
            "results.png": "on_train_end#1",
        },
    },
    "B": {
        "size": (3, 3, 2),
        "events": [*START, *_epoch_block(3, 2) * 3, *_final_block(2)],
        "fit_epoch_end_epochs": [0, 1, 2, 3],
        "fit_epoch_end_metric_keys": [TRAIN_VAL_KEYS, TRAIN_VAL_KEYS, TRAIN_VAL_KEYS, METRIC_KEYS],
        "lr_pg0_at_epoch_end": [0.000555667, 0.000930742, 0.00056678],
        "val_start_training": [True, True, True, False],
        "val_end_plots": [False, False, False, True],
        "final_files": [
            *CURVES_AND_CM[:4],
            "args.yaml",
            *CURVES_AND_CM[4:],
            "labels.jpg",
            "results.csv",
            "results.png",
            "train_batch0.jpg",
            "train_batch1.jpg",
            "train_batch2.jpg",
            "val_batch0_labels.jpg",
            "val_batch0_pred.jpg",
            "val_batch1_labels.jpg",
            "val_batch1_pred.jpg",
            "weights/best.pt",
            "weights/last.pt",
        ],
        "trainer_plots": [
            "labels.jpg",
            "train_batch0.jpg",
            "train_batch1.jpg",
            "train_batch2.jpg",
            "results.png",
        ],
        "validator_plots": [
            *CURVES_AND_CM,
            "val_batch0_labels.jpg",
            "val_batch0_pred.jpg",
            "val_batch1_labels.jpg",
            "val_batch1_pred.jpg",
        ],
        "first_seen": {
            "args.yaml": "on_pretrain_routine_start#1",
            "labels.jpg": "on_pretrain_routine_end#1",
            "train_batch0.jpg": "on_train_batch_start#2",
            "train_batch1.jpg": "on_train_batch_start#3",
            "train_batch2.jpg": "on_val_start#1",
            "results.csv": "on_model_save#1",
            "weights/best.pt": "on_model_save#1",
            "weights/last.pt": "on_model_save#1",
            "val_batch0_labels.jpg": "on_val_batch_start#8",
            "val_batch0_pred.jpg": "on_val_batch_start#8",
            "val_batch1_labels.jpg": "on_val_batch_end#8",
            "val_batch1_pred.jpg": "on_val_end#4",
            **dict.fromkeys(CURVES_AND_CM, "on_val_end#4"),
            "results.png": "on_train_end#1",
        },
    },
    "C": {
        "size": (1, 1, 1),
        "events": [*START, *_epoch_block(1, 1), *_final_block(1)],
        "fit_epoch_end_epochs": [0, 1],
        "fit_epoch_end_metric_keys": [TRAIN_VAL_KEYS, METRIC_KEYS],
        "lr_pg0_at_epoch_end": [0.001667],
        "val_start_training": [True, False],
        # With epochs=1 the only training epoch is also the last, so its validation plots too.
        "val_end_plots": [True, True],
        "final_files": [
            *CURVES_AND_CM[:4],
            "args.yaml",
            *CURVES_AND_CM[4:],
            "labels.jpg",
            "results.csv",
            "results.png",
            "train_batch0.jpg",
            "val_batch0_labels.jpg",
            "val_batch0_pred.jpg",
            "weights/best.pt",
            "weights/last.pt",
        ],
        "trainer_plots": ["labels.jpg", "train_batch0.jpg", "results.png"],
        "validator_plots": [*CURVES_AND_CM, "val_batch0_labels.jpg", "val_batch0_pred.jpg"],
        "first_seen": {
            "args.yaml": "on_pretrain_routine_start#1",
            "labels.jpg": "on_pretrain_routine_end#1",
            "train_batch0.jpg": "on_train_epoch_end#1",
            "val_batch0_pred.jpg": "on_val_batch_end#1",
            "val_batch0_labels.jpg": "on_val_end#1",
            **dict.fromkeys(CURVES_AND_CM, "on_val_end#1"),
            "results.csv": "on_model_save#1",
            "weights/best.pt": "on_model_save#1",
            "weights/last.pt": "on_model_save#1",
            "results.png": "on_train_end#1",
        },
    },
}


class Recorder:
    """Callbacks for every event, logging what the recording of the real runs logged."""

    def __init__(self, save_dir: Path) -> None:
        self.save_dir = save_dir
        self.log: list[dict[str, Any]] = []

    def callbacks(self) -> dict[str, Callable[[Any], None]]:
        return {event: self._make(event) for event in ALL_EVENTS}

    def _make(self, event: str) -> Callable[[Any], None]:
        def callback(obj: Any) -> None:
            rec: dict[str, Any] = {"event": event, "obj": obj}
            rec["files"] = _files(self.save_dir) if self.save_dir.exists() else []
            if event.startswith("on_val"):
                rec["training"] = obj.training
                rec["plots"] = obj.args.plots
            elif hasattr(obj, "epoch"):
                rec["epoch"] = obj.epoch
            if event in {"on_fit_epoch_end", "on_pretrain_routine_end"}:
                rec["metrics"] = dict(obj.metrics)
            if event == "on_train_epoch_end":
                rec["lr"] = dict(obj.lr)
                rec["train_losses"] = obj.label_loss_items(obj.tloss, prefix="train")
            self.log.append(rec)

        return callback

    def events(self) -> list[str]:
        return [r["event"] for r in self.log]

    def of(self, event: str) -> list[dict[str, Any]]:
        return [r for r in self.log if r["event"] == event]

    def position(self, tag: str) -> int:
        """Index in the log of 'event#k' (k-th occurrence of event, 1-based)."""
        event, k = tag.split("#")
        return [i for i, r in enumerate(self.log) if r["event"] == event][int(k) - 1]

    def first_seen(self, name: str) -> int:
        return next(i for i, r in enumerate(self.log) if name in r["files"])


def _files(save_dir: Path) -> list[str]:
    return sorted(p.relative_to(save_dir).as_posix() for p in save_dir.rglob("*") if p.is_file())


def _run(tmp_path: Path, size: tuple[int, int, int], **kwargs: Any) -> tuple[StandInTrainer, Recorder]:
    epochs, batches, val_batches = size
    save_dir = tmp_path / "exp"
    rec = Recorder(save_dir)
    trainer = simulate_training(
        rec.callbacks(), save_dir, epochs=epochs, batches=batches, val_batches=val_batches, **kwargs
    )
    return trainer, rec


# --------------------------------------------------------------------------------------------------
# Against the real recordings


@pytest.mark.parametrize("run", sorted(REAL_RUNS))
def test_event_sequence_matches_real_training(tmp_path: Path, run: str) -> None:
    real = REAL_RUNS[run]
    _, rec = _run(tmp_path, real["size"])
    assert compress_events(rec.events()) == real["events"]


def test_expected_sequences_are_consistent_with_the_full_recording() -> None:
    assert REAL_RUNS["A"]["events"] == [*START, *_epoch_block(2, 1) * 2, *_final_block(1)]


@pytest.mark.parametrize("run", sorted(REAL_RUNS))
def test_epochs_metrics_and_lr_match_real_training(tmp_path: Path, run: str) -> None:
    real = REAL_RUNS[run]
    trainer, rec = _run(tmp_path, real["size"])
    fit = rec.of("on_fit_epoch_end")
    assert [r["epoch"] for r in fit] == real["fit_epoch_end_epochs"]
    assert [list(r["metrics"]) for r in fit] == real["fit_epoch_end_metric_keys"]
    # Before the first batch the loss names are unknown, so only the four metrics are there.
    assert list(rec.of("on_pretrain_routine_end")[0]["metrics"]) == METRIC_KEYS
    # The learning-rate schedule (optimizer=auto -> AdamW, lr0 fitted to nc=2, warm-up) is the
    # real formula, so the values agree exactly with the recording.
    lrs = [r["lr"] for r in rec.of("on_train_epoch_end")]
    assert [lr["lr/pg0"] for lr in lrs] == pytest.approx(real["lr_pg0_at_epoch_end"], rel=1e-6)
    assert all(list(lr) == ["lr/pg0", "lr/pg1", "lr/pg2"] for lr in lrs)
    assert [r["training"] for r in rec.of("on_val_start")] == real["val_start_training"]
    assert [r["plots"] for r in rec.of("on_val_end")] == real["val_end_plots"]
    # teardown sees the last training epoch again (final_eval restores the bump).
    assert trainer.epoch == real["size"][0] - 1
    assert list(trainer.metrics or {}) == METRIC_KEYS


@pytest.mark.parametrize("run", sorted(REAL_RUNS))
def test_files_and_plot_registries_match_real_training(tmp_path: Path, run: str) -> None:
    real = REAL_RUNS[run]
    trainer, rec = _run(tmp_path, real["size"])
    files = _files(trainer.save_dir)
    assert files == real["final_files"]
    assert [p.name for p in trainer.plots] == real["trainer_plots"]
    assert trainer.validator is not None
    assert sorted(p.name for p in trainer.validator.plots) == sorted(real["validator_plots"])
    assert (trainer.save_dir / "results.csv").read_text().splitlines()[0] == CSV_HEADER
    for name, tag in real["first_seen"].items():
        if name.startswith(THREADED):
            assert rec.first_seen(name) <= rec.position(tag), name
        else:
            assert rec.first_seen(name) == rec.position(tag), name


# --------------------------------------------------------------------------------------------------
# Event order and filtering


@pytest.mark.parametrize(
    ("size", "overrides"),
    [
        ((1, 1, 1), {}),
        ((2, 2, 1), {}),
        ((4, 3, 2), {}),
        ((3, 2, 1), {"val": False}),
        ((3, 2, 1), {"save": False}),
        ((3, 2, 1), {"val": False, "save": False, "plots": False}),
    ],
)
def test_event_order_function_matches_simulation(
    tmp_path: Path, size: tuple[int, int, int], overrides: dict[str, Any]
) -> None:
    _, rec = _run(tmp_path, size, write_files=False, overrides=overrides)
    expected = event_order(*size, val=overrides.get("val", True), save=overrides.get("save", True))
    assert rec.events() == expected


def test_event_constants() -> None:
    assert len(ALL_EVENTS) == 25 == len(set(ALL_EVENTS))
    assert set(FIRED_EVENTS) | set(UNFIRED_EVENTS) == set(ALL_EVENTS)
    assert set(UNFIRED_EVENTS) >= {"optimizer_step", "on_before_zero_grad", "on_params_update"}
    assert set(EPOCH_EVENTS) == set(FIRED_EVENTS) - BATCH_EVENTS
    assert set(event_order(3, 2, 2)) == set(FIRED_EVENTS)


def test_events_filter_limits_what_fires_but_not_the_values(tmp_path: Path) -> None:
    full, rec_full = _run(tmp_path / "a", (3, 2, 1), write_files=False)
    part, rec_part = _run(tmp_path / "b", (3, 2, 1), write_files=False, events=EPOCH_EVENTS)
    assert rec_part.events() == [e for e in rec_full.events() if e in EPOCH_EVENTS]
    assert rec_part.events() == event_order(3, 2, 1, events=EPOCH_EVENTS)
    assert part.metrics == full.metrics
    assert part.tloss == full.tloss
    assert [r["metrics"] for r in rec_part.of("on_fit_epoch_end")] == [
        r["metrics"] for r in rec_full.of("on_fit_epoch_end")
    ]


def test_bad_events_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="on_fit_epoch_ned"):
        simulate_training({}, tmp_path, events=["on_fit_epoch_ned"], write_files=False)
    with pytest.raises(TypeError):
        simulate_training({}, tmp_path, events="on_fit_epoch_end", write_files=False)
    with pytest.raises(ValueError, match="on_trian_end"):
        simulate_training({"on_trian_end": lambda t: None}, tmp_path, write_files=False)
    with pytest.raises(ValueError, match="epochs"):
        simulate_training({}, tmp_path, epochs=0, write_files=False)


def test_compress_events() -> None:
    seq = ["a", "on_x_batch_start", "on_x_batch_end", "on_x_batch_start", "on_x_batch_end", "b", "b", "c"]
    assert compress_events(seq) == ["a", "on_x_batch_start/on_x_batch_end x2", "b x2", "c"]
    assert compress_events(["on_x_batch_start", "on_x_batch_start"]) == ["on_x_batch_start x2"]


def test_callbacks_receive_trainer_or_validator_and_sequences_run_in_order(tmp_path: Path) -> None:
    calls: list[tuple[str, str]] = []
    simulate_training(
        {
            "on_val_end": lambda v: calls.append(("val_end", type(v).__name__)),
            "on_fit_epoch_end": [
                lambda t: calls.append(("first", type(t).__name__)),
                lambda t: calls.append(("second", type(t).__name__)),
            ],
        },
        tmp_path,
        epochs=1,
        write_files=False,
    )
    assert calls == [
        ("val_end", "StandInValidator"),
        ("first", "StandInTrainer"),
        ("second", "StandInTrainer"),
        ("val_end", "StandInValidator"),
        ("first", "StandInTrainer"),
        ("second", "StandInTrainer"),
    ]


def test_validator_shares_the_trainers_callbacks(tmp_path: Path) -> None:
    seen: list[bool] = []

    def late(trainer: Any) -> None:
        if trainer.epoch == 0:
            trainer.add_callback("on_val_end", lambda v: seen.append(v.training))

    simulate_training({"on_train_epoch_end": late}, tmp_path, epochs=2, write_files=False)
    assert seen == [True, True, False]  # epoch 0, epoch 1, final validation


def test_teardown_fires_when_a_callback_raises(tmp_path: Path) -> None:
    fired: list[str] = []

    def boom(trainer: Any) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        simulate_training(
            {"on_train_epoch_end": boom, "teardown": lambda t: fired.append("teardown")},
            tmp_path,
            write_files=False,
        )
    assert fired == ["teardown"]


def test_epoch_is_unset_before_the_first_epoch(tmp_path: Path) -> None:
    # As in the real trainer: trainer.epoch and trainer.lr only exist once the epoch loop runs.
    seen: dict[str, tuple[bool, bool]] = {}

    def probe(event: str) -> Callable[[Any], None]:
        def record(trainer: Any) -> None:
            seen.setdefault(event, (hasattr(trainer, "epoch"), hasattr(trainer, "lr")))  # first firing

        return record

    events = ["on_pretrain_routine_start", "on_train_start", "on_train_epoch_start", "on_train_epoch_end"]
    simulate_training({e: probe(e) for e in events}, tmp_path, write_files=False)
    assert seen == {
        "on_pretrain_routine_start": (False, False),
        "on_train_start": (False, False),
        "on_train_epoch_start": (True, False),
        "on_train_epoch_end": (True, True),
    }


# --------------------------------------------------------------------------------------------------
# Values and state


def test_values_are_plausible_and_deterministic(tmp_path: Path) -> None:
    one, rec1 = _run(tmp_path / "a", (8, 3, 1), write_files=False, seed=3)
    two, rec2 = _run(tmp_path / "b", (8, 3, 1), write_files=False, seed=3)
    _, rec3 = _run(tmp_path / "c", (8, 3, 1), write_files=False, seed=4)
    losses = [r["train_losses"] for r in rec1.of("on_train_epoch_end")]
    assert losses == [r["train_losses"] for r in rec2.of("on_train_epoch_end")]
    assert losses != [r["train_losses"] for r in rec3.of("on_train_epoch_end")]
    for key in ("train/box_loss", "train/cls_loss", "train/dfl_loss"):
        assert losses[-1][key] < losses[0][key]
    maps = [r["metrics"]["metrics/mAP50-95(B)"] for r in rec1.of("on_fit_epoch_end")]
    assert maps[:-1] == sorted(maps[:-1]) and maps[0] < maps[-2]
    assert maps[-1] == pytest.approx(maps[-2], abs=1e-5)  # final eval re-validates the best (= last) epoch
    assert one.best_fitness == one.fitness == maps[-2]
    for r in rec1.of("on_fit_epoch_end"):
        assert all(0.0 <= v <= 1.0 for k, v in r["metrics"].items() if k.startswith("metrics/"))
    assert one.metrics == two.metrics


def test_training_metrics_are_rounded_and_final_ones_are_not(tmp_path: Path) -> None:
    _, rec = _run(tmp_path, (2, 2, 1), write_files=False)
    *training, final = rec.of("on_fit_epoch_end")
    for r in training:
        assert all(v == round(v, 5) for v in r["metrics"].values())
    assert any(v != round(v, 5) for v in final["metrics"].values())


def test_trainer_and_validator_attributes(tmp_path: Path) -> None:
    trainer, _ = _run(tmp_path, (2, 2, 1), image_size=64)
    args = trainer.args
    assert args.task == "detect" and args.mode == "train" and args.project is None
    assert args.name == "exp" and args.save_dir == str(trainer.save_dir) and args.epochs == 2
    assert args.imgsz == 64 and args.optimizer == "AdamW" and args.lr0 == 0.001667
    assert dict(args)["name"] == "exp" and args.get("nope", 1) == 1
    assert trainer.save_dir == (tmp_path / "exp").resolve()
    yaml = pytest.importorskip("yaml")
    # args.yaml is written in __init__, before the CPU workers=0 and the optimizer=auto choice.
    later = {"workers": 0, "optimizer": "AdamW", "lr0": 0.001667, "warmup_bias_lr": 0.0}
    saved = yaml.safe_load((trainer.save_dir / "args.yaml").read_text())
    assert {**saved, **later} == dict(args)
    assert (saved["workers"], saved["optimizer"]) == (default_args()["workers"], "auto")
    assert trainer.wdir == trainer.save_dir / "weights"
    assert trainer.best == trainer.wdir / "best.pt" and trainer.last == trainer.wdir / "last.pt"
    assert trainer.csv == trainer.save_dir / "results.csv"
    assert (trainer.epochs, trainer.start_epoch) == (2, 0)
    assert trainer.loss_names == ("box_loss", "cls_loss", "dfl_loss")
    assert trainer.tloss is not None
    assert trainer.label_loss_items(trainer.tloss) == {f"train/{k}": round(v, 5) for k, v in trainer.tloss.items()}
    assert trainer.label_loss_items(prefix="val") == ["val/box_loss", "val/cls_loss", "val/dfl_loss"]
    assert trainer.device.type == "cpu" and str(trainer.device) == "cpu"
    assert trainer.optimizer is not None
    assert trainer.lr == {f"lr/pg{i}": g["lr"] for i, g in enumerate(trainer.optimizer.param_groups)}
    assert [g["param_group"] for g in trainer.optimizer.param_groups] == ["weight", "bn", "bias"]
    assert len(trainer.train_loader) == 2 and len(trainer.train_loader.dataset) == 2 * trainer.batch_size
    for path, entry in trainer.plots.items():
        assert isinstance(path, Path) and set(entry) == {"data", "timestamp"}

    validator = trainer.validator
    assert isinstance(validator, StandInValidator)
    assert validator.training is False  # the final validation ran without a trainer
    assert set(validator.speed) == {"preprocess", "inference", "loss", "postprocess"}
    assert all(v >= 0 for v in validator.speed.values())
    assert validator.args is not trainer.args and validator.args.conf == 0.001
    assert validator.names == {0: "cat", 1: "dog"} and validator.nc == 2
    assert validator.seen == 2 * trainer.batch_size  # the val loader uses twice the batch size
    metrics = validator.metrics
    assert list(metrics.results_dict) == [*METRIC_KEYS, "fitness"]
    assert metrics.fitness == metrics.results_dict["metrics/mAP50-95(B)"]
    assert [c[2:] for c in metrics.curves_results] == [
        ["Recall", "Precision"],
        ["Confidence", "F1"],
        ["Confidence", "Precision"],
        ["Confidence", "Recall"],
    ]
    assert validator.confusion_matrix is not None and validator.confusion_matrix.matrix.shape == (3, 3)
    pr = validator.plots[trainer.save_dir / "BoxPR_curve.png"]["data"]
    assert pr["type"] == "pr_curve" and len(pr["x"]) == 1000 and len(pr["y"]) == 2
    cm = validator.plots[trainer.save_dir / "confusion_matrix.png"]["data"]
    assert cm["type"] == "confusion_matrix" and len(cm["matrix"]) == 3


def test_checkpoints_and_csv(tmp_path: Path) -> None:
    trainer, rec = _run(tmp_path, (3, 1, 1), overrides={"save_period": 2})
    rows = (trainer.save_dir / "results.csv").read_text().splitlines()
    assert len(rows) == 4 and [r.split(",")[0] for r in rows[1:]] == ["1", "2", "3"]
    assert sorted(p.name for p in trainer.wdir.iterdir()) == ["best.pt", "epoch0.pt", "epoch2.pt", "last.pt"]
    ckpt = pickle.loads(trainer.last.read_bytes())
    assert ckpt["epoch"] == 2 and ckpt["train_metrics"]["fitness"] == trainer.fitness
    assert [r["epoch"] for r in rec.of("on_model_save")] == [0, 1, 2]


def test_images_are_valid_and_small(tmp_path: Path) -> None:
    from PIL import Image

    trainer, _ = _run(tmp_path, (1, 1, 1), image_size=100)
    assert trainer.args.imgsz == 128  # rounded up to the stride of 32, like check_imgsz
    images = [p for p in trainer.save_dir.iterdir() if p.suffix in {".jpg", ".png"}]
    assert len(images) == 11
    for path in images:
        with Image.open(path) as im:
            im.verify()
            assert im.format == ("JPEG" if path.suffix == ".jpg" else "PNG")
            assert min(im.size) >= 64 and max(im.size) <= 320


def test_close_mosaic_batches_are_plotted_too(tmp_path: Path) -> None:
    # trainer.py extends plot_idx by (epochs - close_mosaic) * nb + 0, 1, 2: with 12 epochs of 2
    # batches the first three batches of epoch 2 (ni = 4, 5, 6) are plotted as well.
    trainer, _ = _run(tmp_path, (12, 2, 1), write_files=False)
    assert [p.name for p in trainer.plots if p.name.startswith("train_batch")] == [
        f"train_batch{i}.jpg" for i in (0, 1, 2, 4, 5, 6)
    ]


def test_write_files_false_touches_nothing(tmp_path: Path) -> None:
    trainer, _ = _run(tmp_path, (2, 2, 1), write_files=False)
    assert not (tmp_path / "exp").exists()
    assert [p.name for p in trainer.plots] == REAL_RUNS["A"]["trainer_plots"]


def test_plots_false_writes_no_images(tmp_path: Path) -> None:
    trainer, _ = _run(tmp_path, (2, 2, 1), overrides={"plots": False})
    files = _files(trainer.save_dir)
    assert files == ["args.yaml", "results.csv", "weights/best.pt", "weights/last.pt"]
    assert trainer.plots == {}


def test_three_hundred_epochs_are_fast(tmp_path: Path) -> None:
    noop: Callable[[Any], None] = lambda obj: None  # noqa: E731
    start = time.perf_counter()
    trainer = simulate_training(
        dict.fromkeys(EPOCH_EVENTS, noop), tmp_path, epochs=300, write_files=False, events=EPOCH_EVENTS
    )
    elapsed = time.perf_counter() - start
    assert trainer.epoch == 299
    assert elapsed < 0.5, elapsed


# --------------------------------------------------------------------------------------------------
# Defaults, torch model, and life without ultralytics/torch


def test_fallback_defaults_agree_with_ultralytics() -> None:
    real = default_args()
    fallback = default_args(use_ultralytics=False)
    if importlib.util.find_spec("ultralytics") is None:
        pytest.skip("ultralytics is not installed")
    assert fallback.items() <= real.items()
    assert len(real) > len(fallback)


def test_model_info_for_loggers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    monkeypatch.setenv("YOLO_CONFIG_DIR", str(tmp_path / "yolo"))
    monkeypatch.setenv("YOLO_OFFLINE", "1")
    torch_utils = pytest.importorskip("ultralytics.utils.torch_utils")
    trainer = simulate_training({}, tmp_path / "run", epochs=1, write_files=False)
    info = torch_utils.model_info_for_loggers(trainer)
    assert set(info) == {"model/parameters", "model/GFLOPs", "model/speed_PyTorch(ms)"}
    assert info["model/parameters"] > 0
    assert trainer.validator is not None
    assert info["model/speed_PyTorch(ms)"] == round(trainer.validator.speed["inference"], 3)


def test_ultralytics_defaults_when_imported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("YOLO_CONFIG_DIR", str(tmp_path / "yolo"))
    monkeypatch.setenv("YOLO_OFFLINE", "1")
    cfg = pytest.importorskip("ultralytics.cfg")
    from_yaml = _standin.args.installed_defaults()  # hooks.core.ultralytics_args': the one lookup
    assert from_yaml == dict(vars(cfg.get_cfg()))


_NO_TORCH = r"""
import sys, tempfile
from pathlib import Path
for name in ("torch", "ultralytics", "yaml"):
    sys.modules[name] = None  # importing them now raises ImportError
import hooks.testing.standin as mod
seen = []
save_dir = Path(tempfile.mkdtemp()) / "exp"
t = mod.simulate_training({"on_fit_epoch_end": lambda t: seen.append(t.epoch)}, save_dir, epochs=2)
assert seen == [0, 1, 2], seen
assert t.model is None
assert vars(t.args).keys() >= mod.args._FALLBACK_DEFAULTS.keys()
assert "hsv_h" not in vars(t.args)  # really the fallback, not the real default.yaml
assert (save_dir / "weights" / "best.pt").exists() and (save_dir / "results.png").exists()
print("ok")
"""


def test_works_without_torch_ultralytics_or_yaml() -> None:
    out = subprocess.run([sys.executable, "-c", _NO_TORCH], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
