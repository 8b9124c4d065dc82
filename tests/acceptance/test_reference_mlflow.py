"""What Ultralytics 8.4.190's own MLflow callback (ultralytics/utils/callbacks/mlflow.py) leaves in
MLflow after a real 2-epoch training (tests/reference_mlflow.py): the facts the
`ultralytics-mlflow` preset must reproduce, each one observed on such a run."""

from __future__ import annotations

import csv

import pytest
import yaml

from tests.reference_mlflow import ReferenceTraining, read_mlflow_run

# MLflow 3.17's SQLAlchemy models (mlflow/store/tracking/dbmodels/models.py, lazy="noload") warn under
# SQLAlchemy 2.1 when the SQLite store maps them, here in MlflowClient reading the run back.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The ``noload`` loader strategy is deprecated:sqlalchemy.exc.SADeprecationWarning"
)

EPOCHS = 2
EPOCH_STEPS = tuple(range(EPOCHS))  # the callback logs at step=trainer.epoch, 0-based
FINAL_STEP = EPOCHS  # final_eval() runs on_fit_epoch_end with trainer.epoch + 1
LOSSES = ("box_loss", "cls_loss", "dfl_loss")
VAL_METRICS = ("metrics/precisionB", "metrics/recallB", "metrics/mAP50B", "metrics/mAP50-95B")  # "(B)" dropped
METRIC_STEPS = {
    **{f"lr/pg{i}": EPOCH_STEPS for i in range(3)},  # on_train_epoch_end
    **{f"train/{loss}": EPOCH_STEPS for loss in LOSSES},  # on_train_epoch_end
    **{f"val/{loss}": EPOCH_STEPS for loss in LOSSES},  # on_fit_epoch_end; the final val has no losses
    **{name: (*EPOCH_STEPS, FINAL_STEP) for name in VAL_METRICS},  # on_fit_epoch_end, + the final val (best.pt)
}
# The weights folder, then every file of save_dir ending .png/.jpg/.csv/.pt/.yaml, at the root.
ARTIFACTS = (
    "BoxF1_curve.png",
    "BoxPR_curve.png",
    "BoxP_curve.png",
    "BoxR_curve.png",
    "args.yaml",
    "confusion_matrix.png",
    "confusion_matrix_normalized.png",
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
)
# MLflow's own tags on a run started by mlflow.start_run(run_name=…); the git ones only when the
# entry script is in a git checkout (branch: not on a detached HEAD).
MLFLOW_TAGS = {"mlflow.runName", "mlflow.source.name", "mlflow.source.type", "mlflow.user"}
# MLflow's git context: in a git checkout, plus the remote's URL in a clone that has one (CI's).
GIT_TAGS = {"mlflow.source.git.branch", "mlflow.source.git.commit", "mlflow.source.git.repoURL"}
# trainer.args that build_optimizer() changes (optimizer=auto) before on_pretrain_routine_end logs
# them: the params hold the resolved values, args.yaml (written earlier) the requested ones.
RESOLVED_BY_OPTIMIZER = {"optimizer", "lr0", "warmup_bias_lr"}
CALLBACK_CALLS = {
    "on_pretrain_routine_end": 1,
    "on_train_epoch_end": EPOCHS,
    "on_fit_epoch_end": EPOCHS + 1,
    "on_train_end": 1,
    "teardown": 1,
}


@pytest.fixture(scope="module")
def reference(ultralytics_reference: ReferenceTraining) -> ReferenceTraining:
    """A real 2-epoch training with Ultralytics' MLflow callback, logging to a SQLite store (the
    session's, shared with the presets' parity tests)."""
    return ultralytics_reference


def test_metric_names_and_steps(reference: ReferenceTraining) -> None:
    assert reference.record.metric_steps == METRIC_STEPS


def test_metric_values_are_results_csv(reference: ReferenceTraining) -> None:
    """The points of epoch e (step e-1) are row e of results.csv, names without parentheses."""
    with open(reference.save_dir / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == EPOCHS
    metrics = reference.record.metrics
    for row in rows:
        step = int(row.pop("epoch")) - 1
        row.pop("time")
        assert {name.replace("(", "").replace(")", "") for name in row} == set(metrics)
        for name, text in row.items():
            logged = dict(metrics[name.replace("(", "").replace(")", "")])[step]
            assert logged == pytest.approx(float(text), rel=1e-5, abs=1e-9)  # the CSV has 6 digits


def test_params_are_trainer_args_as_text(reference: ReferenceTraining) -> None:
    params = reference.record.params
    args = yaml.safe_load((reference.save_dir / "args.yaml").read_text())
    assert set(params) == set(args)
    assert {k for k, v in args.items() if params[k] != str(v)} == RESOLVED_BY_OPTIMIZER
    assert params["optimizer"] == "AdamW" and args["optimizer"] == "auto"
    assert params["epochs"] == str(EPOCHS)
    assert params["name"] == "demo"
    assert params["project"] == str(reference.save_dir.parent)
    assert params["save_dir"] == str(reference.save_dir)
    assert params["plots"] == "True" and params["classes"] == "None" and params["imgsz"] == "64"


def test_artifacts(reference: ReferenceTraining) -> None:
    assert reference.record.artifact_paths == ARTIFACTS
    save_dir = reference.save_dir
    local = {
        *(f"weights/{f.name}" for f in (save_dir / "weights").iterdir()),
        *(f.name for f in save_dir.iterdir() if f.suffix in {".png", ".jpg", ".csv", ".pt", ".yaml"}),
    }
    assert set(ARTIFACTS) == local
    for path, size in reference.record.artifacts:
        assert size == (save_dir / path).stat().st_size, path


def test_run_names_status_and_tags(reference: ReferenceTraining) -> None:
    record = reference.record
    assert record.status == "FINISHED"
    assert record.end_time is not None and record.start_time is not None
    assert not reference.run_active_after  # the callback ended the run it started
    assert record.experiment_name == str(reference.save_dir.parent)  # args.project, an absolute path here
    assert record.run_name == "demo"  # args.name
    assert record.tags == {}  # the callback sets no tag of its own
    assert MLFLOW_TAGS <= set(record.mlflow_tags) <= MLFLOW_TAGS | GIT_TAGS
    assert record.mlflow_tags["mlflow.runName"] == "demo"
    assert record.mlflow_tags["mlflow.source.type"] == "LOCAL"
    assert record.mlflow_tags["mlflow.source.name"].endswith("tests/reference_mlflow.py")  # sys.argv[0]


def test_callbacks_autolog_and_network(reference: ReferenceTraining) -> None:
    assert reference.callback_calls == CALLBACK_CALLS
    assert reference.autolog_hooks  # mlflow.autolog() armed import hooks (sklearn, lightning, …)…
    # …for libraries a YOLO training never imports; boto3 only because this training has
    # Ultralytics' TensorBoard callback on too (TensorBoard's file layer imports it for S3 paths).
    assert set(reference.autolog_imported) <= {"boto3"}
    assert reference.network_attempts == ()
    assert reference.loopback_connects == 0


def test_read_back_by_experiment(reference: ReferenceTraining) -> None:
    assert read_mlflow_run(reference.tracking_uri, experiment=reference.record.experiment_name) == reference.record
