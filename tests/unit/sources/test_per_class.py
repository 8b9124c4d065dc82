"""The `per_class` and `confusion_matrix` sources, fast: against the stand-in trainer and against
Ultralytics' own metric objects fed by hand (no training). The real trainings are in
tests/acceptance/test_real_per_class.py."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import hooks
from hooks.core.context import Context
from hooks.errors import Missing
from hooks.sources import BUILTIN_SOURCES
from hooks.sources.registry import SOURCES
from hooks.sources.validation import BACKGROUND, CONFUSION_CSV, CORNER, class_keys
from hooks.testing import RecordingSink
from hooks.testing.standin import StandInTrainer, StandInValidator

BOX = ("precision(B)", "recall(B)", "mAP50(B)", "mAP50-95(B)")


def per_class(ctx: Context) -> Any:
    return SOURCES["per_class"].read(ctx)


def confusion_matrix(ctx: Context) -> Any:
    return SOURCES["confusion_matrix"].read(ctx)


def at_train_end(trainer: Any) -> Context:
    return Context("on_train_end", "trainer", trainer, trainer, trainer.epoch + 1, False)


def trained(tmp_path: Path, names: dict[int, str] | None = None, **kw: Any) -> StandInTrainer:
    trainer = StandInTrainer(tmp_path / "run", epochs=2, names=names, **kw)
    trainer.train()
    return trainer


def test_both_are_builtin_sources_of_their_kinds() -> None:
    assert {"per_class", "confusion_matrix"} <= BUILTIN_SOURCES
    assert SOURCES["per_class"].kind == "mapping" and SOURCES["confusion_matrix"].kind == "file"


def test_per_class_keys_are_class_then_ultralytics_metric_name(tmp_path: Path) -> None:
    trainer = trained(tmp_path, {0: "cat", 1: "dog", 2: "bird"})
    values = per_class(at_train_end(trainer))
    assert list(values) == [f"{c}/{m}" for c in ("cat", "dog", "bird") for m in BOX]
    metrics = trainer.validator.metrics  # type: ignore[union-attr]
    for i, cls in enumerate(("cat", "dog", "bird")):
        assert [values[f"{cls}/{m}"] for m in BOX] == list(metrics.class_result(i))
        assert all(type(values[f"{cls}/{m}"]) is float for m in BOX)
    assert len({tuple(values[f"{c}/{m}"] for m in BOX) for c in ("cat", "dog", "bird")}) == 3


def test_a_config_logs_them_per_epoch_and_at_the_final_validation(tmp_path: Path) -> None:
    sink = RecordingSink()
    compiled = hooks.loads(
        "version: 1\nevents:\n"
        "  on_fit_epoch_end: [{scalars: {from: per_class, to: metrics/per_class}}]\n"
        "  on_val_end: [{scalars: {from: per_class, to: val, when: {final: only}}}]\n"
        "  on_train_end:\n"
        "    - scalars: {from: per_class, to: end}\n"
        "    - upload: {from: confusion_matrix, to: 'Results/{name}'}\n",
        sink=sink,
    )
    trainer = trained(tmp_path, callbacks=dict(compiled))
    series = sink.series()
    keys = {f"{c}/{m}" for c in ("cat", "dog") for m in BOX}
    assert {k for k in series if k.startswith("metrics/per_class/")} == {f"metrics/per_class/{k}" for k in keys}
    final = per_class(at_train_end(trainer))
    for key in keys:
        steps = [s for s, _ in series[f"metrics/per_class/{key}"]]
        assert steps == [1, 2, 3]  # 3: the final validation, at last epoch + 1
        assert series[f"metrics/per_class/{key}"][-1] == (3, final[key])
        assert series[f"val/{key}"] == [(3, final[key])]
        assert series[f"end/{key}"] == [(2, final[key])]  # on_train_end's step is the last epoch
    (upload,) = [r for r in sink.records if r.op == "upload"]
    assert (upload.path, upload.value) == ("Results/confusion_matrix.csv", trainer.save_dir / CONFUSION_CSV)


def test_a_standalone_validation_has_them_on_val_end(tmp_path: Path) -> None:
    seen: list[dict[str, float]] = []
    callbacks: defaultdict[str, list[Any]] = defaultdict(list)
    callbacks["on_val_end"].append(
        lambda v: seen.append(per_class(Context("on_val_end", "validator", v, None, None, False)))
    )
    validator = StandInValidator(save_dir=tmp_path / "val", _callbacks=callbacks)
    validator(model="best.pt")
    (values,) = seen
    assert list(values) == [f"{c}/{m}" for c in ("cat", "dog") for m in BOX]


@pytest.mark.parametrize(
    ("names", "keys"),
    [
        ({0: "traffic light/red", 1: "a/b/c"}, ["traffic light_red", "a_b_c"]),
        ({0: "a/b", 1: "a_b", 2: "a_b"}, ["a_b", "a_b_1", "a_b_2"]),  # the lower id keeps the name
        ({0: "", 1: ".", 2: "..", 3: "/"}, ["class0", "class1", "class2", "_"]),
        ({0: "x", 1: "x", 2: "x_1"}, ["x", "x_1", "x_1_2"]),
        ({5: 7, 2: "two"}, ["two", "7"]),  # in class-id order; names that are not text
    ],
)
def test_class_keys_are_one_path_level_each_and_unique(names: dict[int, Any], keys: list[str]) -> None:
    got = class_keys(names)
    assert [got[i] for i in sorted(names)] == keys
    assert all("/" not in k for k in got.values())


def test_a_slash_in_a_class_name_makes_no_extra_level(tmp_path: Path) -> None:
    trainer = trained(tmp_path, {0: "traffic light/red", 1: "traffic light/green"})
    values = per_class(at_train_end(trainer))
    assert {k.rsplit("/", 1)[0] for k in values} == {"traffic light_red", "traffic light_green"}
    assert all(k.count("/") == 1 for k in values)


def test_classes_without_labels_in_the_validation_are_left_out(tmp_path: Path) -> None:
    trainer = trained(tmp_path, {0: "cat", 1: "dog", 2: "bird"})
    metrics = trainer.validator.metrics  # type: ignore[union-attr]
    metrics.__class__ = type("OnlyBird", (type(metrics),), {"ap_class_index": property(lambda self: [2])})
    values = per_class(at_train_end(trainer))
    assert list(values) == [f"bird/{m}" for m in BOX]
    assert [values[f"bird/{m}"] for m in BOX] == list(metrics.class_result(0))  # i indexes ap_class_index


def test_missing_validator_metrics_or_results_say_so(tmp_path: Path) -> None:
    trainer = StandInTrainer(tmp_path / "run", epochs=1)  # before training: no validator yet
    ctx = Context("on_pretrain_routine_start", "trainer", trainer, trainer, None, False)
    with pytest.raises(Missing, match=r"per_class: no validator on on_pretrain_routine_start; per-class results"):
        per_class(ctx)
    with pytest.raises(Missing, match=r"confusion_matrix: no validator on on_pretrain_routine_start"):
        confusion_matrix(ctx)
    predict = Context("on_predict_end", "predictor", SimpleNamespace(), None, None, False)
    with pytest.raises(Missing, match="no validator on on_predict_end"):
        per_class(predict)

    def validator_ctx(**attrs: Any) -> Context:
        return Context("on_val_end", "validator", SimpleNamespace(**attrs), None, None, False)

    with pytest.raises(Missing, match="the validator has no per-class results"):
        per_class(validator_ctx(metrics=None))
    classify = type("ClassifyMetrics", (), {"keys": ["metrics/accuracy_top1"]})()
    with pytest.raises(Missing, match="ClassifyMetrics has no per-class results"):
        per_class(validator_ctx(metrics=classify))
    fresh = SimpleNamespace(ap_class_index=[], keys=list(BOX), names={0: "a"}, class_result=lambda i: ())
    with pytest.raises(Missing, match=r"no per-class results yet \(no validation so far, or no labels in it\)"):
        per_class(validator_ctx(metrics=fresh))


def test_a_missing_source_skips_its_action_with_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sink = RecordingSink()
    compiled = hooks.loads(
        "version: 1\nevents:\n  on_train_epoch_end: [{scalars: {from: per_class, to: early}}]\n", sink=sink
    )
    trained(tmp_path, callbacks=dict(compiled), overrides={"val": False})  # no validation before the last epoch
    assert "skipped: per_class: no per-class results yet" in caplog.text
    assert caplog.text.count("skipped: per_class") == 1
    assert sink.series() == {}  # with val=False the one validation comes after the last epoch's training


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="") as f:
        return list(csv.reader(f))


def test_confusion_matrix_csv_rows_are_predictions_and_columns_the_truth(tmp_path: Path) -> None:
    matrix = np.zeros((4, 4))
    matrix[0, 1] = 3  # three true "b, c" predicted as "a"
    matrix[2, 2] = 5
    matrix[3, 0] = 2  # two true "a" missed (background row)
    matrix[1, 3] = 0.5  # not a whole number: written as it is
    cm = SimpleNamespace(matrix=matrix, names={0: "a", 1: "b, c", 2: "d/e"})
    validator = SimpleNamespace(confusion_matrix=cm, args=SimpleNamespace(plots=True), save_dir=tmp_path)
    path = confusion_matrix(Context("on_val_end", "validator", validator, None, None, False))
    assert path == tmp_path / CONFUSION_CSV
    assert path.read_text().splitlines()[:2] == ['predicted \\ true,a,"b, c",d/e,background', "a,0,3,0,0"]
    assert read_csv(path) == [
        [CORNER, "a", "b, c", "d/e", BACKGROUND],
        ["a", "0", "3", "0", "0"],
        ["b, c", "0", "0", "0", "0.5"],
        ["d/e", "0", "0", "5", "0"],
        [BACKGROUND, "2", "0", "0", "0"],
    ]
    assert not list(tmp_path.glob(".*.tmp"))


def test_confusion_matrix_of_the_final_validation_in_a_training(tmp_path: Path) -> None:
    trainer = trained(tmp_path, {0: "cat", 1: "dog", 2: "bird"})
    path = confusion_matrix(at_train_end(trainer))
    rows = read_csv(path)
    labels = ["cat", "dog", "bird", BACKGROUND]
    assert rows[0] == [CORNER, *labels] and [r[0] for r in rows[1:]] == labels
    matrix = trainer.validator.confusion_matrix.matrix  # type: ignore[union-attr]
    assert [[int(v) for v in r[1:]] for r in rows[1:]] == matrix.astype(int).tolist()
    assert matrix.any()


def test_confusion_matrix_not_counted_or_odd_says_so(tmp_path: Path) -> None:
    def ctx(matrix: Any, names: dict[int, str], plots: bool = True, save_dir: Path | None = tmp_path) -> Context:
        cm = None if matrix is None else SimpleNamespace(matrix=matrix, names=names)
        validator = SimpleNamespace(confusion_matrix=cm, args=SimpleNamespace(plots=plots), save_dir=save_dir)
        return Context("on_fit_epoch_end", "validator", validator, None, 3, False)

    with pytest.raises(Missing, match="the validator has no confusion matrix yet"):
        confusion_matrix(ctx(None, {}))
    # Ultralytics counts only in validations that plot: an epoch's validation in a training.
    with pytest.raises(Missing, match=r"counted no confusion matrix in this validation .*plots=True"):
        confusion_matrix(ctx(np.zeros((3, 3)), {0: "a", 1: "b"}, plots=False))
    assert confusion_matrix(ctx(np.eye(3), {0: "a", 1: "b"}, plots=False)).is_file()  # counted all the same
    with pytest.raises(Missing, match=r"a \(5, 5\) matrix for 2 classes"):
        confusion_matrix(ctx(np.zeros((5, 5)), {0: "a", 1: "b"}))
    with pytest.raises(Missing, match=r"validator\.save_dir is not set"):
        confusion_matrix(ctx(np.zeros((3, 3)), {0: "a", 1: "b"}, save_dir=None))
    # Classification's matrix has no background row and column.
    path = confusion_matrix(ctx(np.array([[4, 1], [0, 3]]), {0: "a", 1: "b"}))
    assert read_csv(path) == [[CORNER, "a", "b"], ["a", "4", "1"], ["b", "0", "3"]]


ultralytics_metrics = pytest.importorskip("ultralytics.utils.metrics")


def _fed(kind: str) -> Any:
    """An Ultralytics metrics object of ``kind`` fed one image by hand: 3 classes, class 1 without
    labels (only a false detection), classes 0 and 2 with a hit and a miss at different IoUs."""
    names = {0: "car", 1: "traffic light/red", 2: "person"}
    metrics = getattr(ultralytics_metrics, kind)(names=names)
    tp = np.array([[True] * 10, [True] * 3 + [False] * 7, [False] * 10, [True] * 6 + [False] * 4])
    stat = {
        "tp": tp,
        "conf": np.array([0.9, 0.8, 0.7, 0.6]),
        "pred_cls": np.array([0.0, 2.0, 1.0, 0.0]),
        "target_cls": np.array([0.0, 0.0, 2.0, 2.0, 0.0]),
        "target_img": np.array([0.0, 2.0]),
        "im_name": "a.jpg",
    }
    extra = {"SegmentMetrics": "tp_m", "PoseMetrics": "tp_p"}.get(kind)
    if extra:
        stat[extra] = tp[:, ::-1].copy()
    metrics.update_stats(stat)
    metrics.process()
    return metrics


@pytest.mark.parametrize(
    ("kind", "suffixes"), [("DetMetrics", "B"), ("SegmentMetrics", "BM"), ("PoseMetrics", "BP"), ("OBBMetrics", "B")]
)
def test_ultralytics_own_metrics_by_their_own_names(kind: str, suffixes: str) -> None:
    metrics = _fed(kind)
    validator = SimpleNamespace(metrics=metrics, names=metrics.names)
    values = per_class(Context("on_val_end", "validator", validator, None, None, False))
    names = [f"{m}({s})" for s in suffixes for m in ("precision", "recall", "mAP50", "mAP50-95")]
    assert [k.removeprefix("metrics/") for k in metrics.keys] == names
    assert list(values) == [f"{c}/{n}" for c in ("car", "person") for n in names]  # no labels: no traffic light
    for i, cls in enumerate(("car", "person")):
        assert [values[f"{cls}/{n}"] for n in names] == [float(v) for v in metrics.class_result(i)]
    assert values["car/mAP50(B)"] != values["person/mAP50(B)"]
