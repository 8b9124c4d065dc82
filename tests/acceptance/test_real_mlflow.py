"""Real Ultralytics trainings (tiny, CPU, offline, in a fresh interpreter) through the MLflow sink,
as the demo attaches it (``--mlflow``: the preset's Neptune run plus an MLflow run), against a real
`mlflow server` on 127.0.0.1 and against the demo's no-server default (a SQLite file in the workdir).
tests/unit/sinks/test_mlflow_sink.py covers the same on the stand-in trainer.

Each training runs with Ultralytics' own view of "tests are running" removed from its environment
(``PYTEST_CURRENT_TEST`` and the CI variables) where that matters: Ultralytics' MLflow callback and
MLflow's telemetry both keep quiet while they think tests run, which would hide what is tested."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hooks.runs import Run as RunLog
from hooks.runs.neptune.read import find_runs, read_run
from hooks.sinks.mlflow import names
from tests.conftest import REPO
from tests.mlflow_server import MlflowServer
from tests.reference_mlflow import SCRUBBED_ENV, MlflowRecord, read_mlflow_run, sqlite_uri

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ultralytics") is None or importlib.util.find_spec("mlflow") is None,
    reason="needs ultralytics and mlflow",
)

EPOCHS = 2
HOOKS = Path(sys.executable).parent / "hooks"
# Variables that make MLflow's telemetry think it runs in CI (and so stay off by itself).
CI_ENV = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "BUILDKITE", "TF_BUILD", "TRAVIS", "CIRCLECI")


def training_env(**extra: str) -> dict[str, str]:
    """This process's environment without what tells Ultralytics (and MLflow) that tests run."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV and not k.startswith("MLFLOW_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env.update(extra)
    return env


def run_training(argv: list[str], env: dict[str, str], cwd: Path = REPO) -> tuple[str, Path]:
    """``python ARGV`` must succeed with no network attempt; (its output, the save_dir it printed)."""
    result = subprocess.run(
        [sys.executable, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "NETWORK_ATTEMPTS=0" in result.stdout, output[-5000:]
    return output, Path(result.stdout.split("SAVE_DIR=")[1].split()[0])


def neptune_run(work: Path) -> RunLog:
    (folder,) = find_runs(work / ".neptune")
    return read_run(folder)


NEPTUNE_OWN = ("sys/", "monitoring/", "source_code/")  # what the Neptune client captures by itself
# MLflow takes no parentheses in a name: the fields of a detection training it names otherwise
# (every other series and Configuration field keeps its path).
RENAMED = {
    "metrics/mAP50(B)": "metrics/mAP50B",
    "metrics/mAP50-95(B)": "metrics/mAP50-95B",
    "metrics/precision(B)": "metrics/precisionB",
    "metrics/recall(B)": "metrics/recallB",
    "Configuration/Model/model/speed_PyTorch(ms)": "Configuration/Model/model/speed_PyTorchms",
}


def user_series(run: RunLog) -> dict[str, list[tuple[int, object]]]:
    """What the preset logged as series: path -> (step, value) points."""
    return {
        path: [(-1 if p.step is None else int(p.step), p.value) for p in points]
        for path, points in run.series.items()
        if not path.startswith(NEPTUNE_OWN)
    }


def assert_neptune_complete(run: RunLog) -> None:
    assert not run.failed and not run.problems, run.problems
    assert len(run.series["metrics/mAP50(B)"]) == 3  # every epoch (EPOCHS = 2) and the final validation
    assert len(run.series["train/box_loss"]) == EPOCHS
    assert "weights/demo/best.pt" in run.files


def assert_same_as_neptune(record: MlflowRecord, neptune: RunLog) -> None:
    """Every series of the Neptune run is an MLflow metric with the same points; no other metric."""
    series = user_series(neptune)
    assert {p for p in RENAMED if p.startswith("metrics/")} <= set(series)
    assert {RENAMED.get(path, path) for path in series} == set(record.metrics)
    for path, points in series.items():
        assert list(record.metrics[RENAMED.get(path, path)]) == points, path


def only_run(server: MlflowServer, experiment: str) -> MlflowRecord:
    """The one run of ``experiment`` (read_mlflow_run fails when there are more)."""
    return read_mlflow_run(server.uri, experiment=experiment)


REGISTERED = "real-yolo"  # the model the fan-out training registers its best weights as
FAN_OUT = "real-fan-out"  # its experiment


@pytest.fixture(scope="module")
def fan_out(tmp_path_factory: pytest.TempPathFactory, mlflow_server: MlflowServer) -> tuple[str, Path, Path]:
    """The fan-out training of this module, run once: (its output, its save_dir, its workdir).
    It registers its best weights as REGISTERED, with the alias champion (`--register`)."""
    work = tmp_path_factory.mktemp("fan-out") / "work"
    # Their callback reads these two: unswitched, it would log a second run right beside ours.
    env = training_env(MLFLOW_TRACKING_URI=mlflow_server.uri, MLFLOW_EXPERIMENT_NAME=FAN_OUT)
    argv = ["-m", "tests.real_mlflow_training", "--workdir", str(work), "--epochs", str(EPOCHS)]
    argv += ["--mlflow", mlflow_server.uri, "--ultralytics-mlflow", "--register", REGISTERED]
    output, save_dir = run_training(argv, env)
    return output, save_dir, work


def test_a_real_training_is_one_finished_mlflow_run_equal_to_its_neptune_run(
    fan_out: tuple[str, Path, Path], mlflow_server: MlflowServer
) -> None:
    """`--mlflow <server>` with Ultralytics' own MLflow callback switched on and able to log to the
    same server and experiment: it is switched off (one line), so the server holds exactly
    one run, FINISHED, with every Neptune series as a metric point for point, the uploaded files as
    artifacts of the same size, the hyperparameters as params, its dataset as its input; the
    Neptune run is complete too."""
    output, save_dir, work = fan_out
    experiment = FAN_OUT

    assert "ULTRALYTICS_MLFLOW=would-log" in output  # theirs was on, and nothing else kept it quiet
    assert output.count("Ultralytics' own mlflow integration is switched off for this training") == 1, output[-5000:]
    assert "logging run_id(" not in output and "results logged to" not in output  # theirs never ran
    assert not (work / "runs" / "mlflow").exists()  # their fallback store

    record = only_run(mlflow_server, experiment)
    assert record.status == "FINISHED"
    assert record.run_name == "demo"
    neptune = neptune_run(work)
    assert_neptune_complete(neptune)
    assert_same_as_neptune(record, neptune)
    assert [step for step, _ in record.metrics["metrics/mAP50-95B"]] == [1, 2, 3]  # 2 epochs, the final validation

    artifacts = dict(record.artifacts)
    uploaded = {
        field: ref
        for field, ref in neptune.files.items()
        if not field.startswith(NEPTUNE_OWN) and ref.file_path and ref.file_path.is_file()
    }
    assert len(uploaded) >= 10  # mosaics, plots, validation images, weights
    for field, ref in uploaded.items():
        assert ref.file_path is not None
        folder, name = names.artifact_path(field, ref.file_path.suffix)
        assert artifacts.get(f"{folder}/{name}".lstrip("/")) == ref.file_path.stat().st_size, field
    assert artifacts["weights/demo/best.pt"] == (save_dir / "weights" / "best.pt").stat().st_size
    assert {"Plots/results.png", "Plots/confusion_matrix.png"} <= set(artifacts), sorted(artifacts)

    assert record.params["Configuration/Hyperparameters/epochs"] == str(EPOCHS)
    assert record.params["Configuration/Hyperparameters/imgsz"] == "64"
    assert record.params["Configuration/Hyperparameters/name"] == "demo"
    # Every training argument, as Ultralytics saved them, is a param as MLflow's log_param writes it.
    hyper = yaml.safe_load((save_dir / "args.yaml").read_text())
    expected = {f"Configuration/Hyperparameters/{k}": str(v) for k, v in hyper.items()}
    assert len(expected) > 50 and {k: record.params.get(k) for k in expected} == expected
    assert {RENAMED.get(k, k) for k in neptune.fields if k.startswith("Configuration/")} <= set(record.params)
    # Everything was sent: no spool is left behind.
    assert not list((save_dir / ".yaml-hooks" / "mlflow").glob("*"))

    # The run's dataset: the demo's data YAML, its 3 classes and 16 training images.
    client = mlflow_server.client()
    (run,) = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
    (dataset,) = run.inputs.dataset_inputs
    assert (dataset.dataset.name, json.loads(dataset.dataset.source)) == (
        "data",
        {"uri": str(work / "data" / "data.yaml")},
    )
    assert json.loads(dataset.dataset.profile) == {
        "names": ["circle", "square", "triangle"],
        "nc": 3,
        "train_images": 16,
    }
    # The best weights are a version of the registered model, champion so far.
    version = client.get_model_version_by_alias(REGISTERED, "champion")
    assert (version.source, version.run_id) == (f"runs:/{run.info.run_id}/weights/demo/best_model", run.info.run_id)
    assert float(version.tags["yaml_hooks.fitness"]) >= 0


PREDICT = """
import sys
import mlflow.pyfunc
import pandas as pd

model = mlflow.pyfunc.load_model(sys.argv[1])
found = model.predict(pd.DataFrame({"image": [sys.argv[2]]}), params={"conf": float(sys.argv[3])})
print("COLUMNS=" + ",".join(found.columns))
print("DTYPES=" + ",".join(str(t) for t in found.dtypes))
print("ROWS=" + found.to_json(orient="values"))
print("YAML_HOOKS_IMPORTED=" + str(any(m == "hooks" or m.startswith("hooks.") for m in sys.modules)))
"""


def test_a_fresh_process_loads_the_champion_and_gets_detections_for_an_image(
    fan_out: tuple[str, Path, Path], mlflow_server: MlflowServer, tmp_path: Path
) -> None:
    """`mlflow.pyfunc.load_model("models:/real-yolo@champion")` in a new interpreter, on one image
    of the training's synthetic dataset: a DataFrame of detections, yaml-hooks never imported. At
    a confidence threshold near 0 the tiny model's raw boxes come through, so there are some."""
    _, _, work = fan_out
    image = work / "data" / "images" / "val" / "val_0000.png"
    env = {k: v for k, v in training_env(MLFLOW_TRACKING_URI=mlflow_server.uri).items() if k != "PYTHONPATH"}
    env.update(
        YOLO_OFFLINE="1", YOLO_AUTOINSTALL="0", YOLO_CONFIG_DIR=str(tmp_path / "yolo"), MPLCONFIGDIR=str(tmp_path)
    )
    done = subprocess.run(
        [sys.executable, "-c", PREDICT, f"models:/{REGISTERED}@champion", str(image), "0.0001"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    lines = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    print(lines["COLUMNS"], lines["DTYPES"], lines["ROWS"][:300], sep="\n")
    assert lines["YAML_HOOKS_IMPORTED"] == "False"
    assert lines["COLUMNS"] == "image,class_id,class_name,confidence,x1,y1,x2,y2"
    assert lines["DTYPES"] == "int64,int64,object,float64,float64,float64,float64,float64"
    rows = json.loads(lines["ROWS"])
    assert rows, "no detection at all at a confidence threshold of 0.0001"
    for index, class_id, name, confidence, x1, y1, x2, y2 in rows:
        assert index == 0
        assert name == ("circle", "square", "triangle")[class_id]
        assert 0.0001 <= confidence <= 1
        assert 0 <= x1 <= x2 <= 128 and 0 <= y1 <= y2 <= 128  # the synthetic images are 128 px


def test_the_demo_without_a_uri_logs_to_a_sqlite_file_in_its_workdir(tmp_path: Path) -> None:
    """`python -m demo.train --mlflow` (no URI, no server): the run is in <workdir>/mlflow.db (its
    artifacts in <workdir>/mlruns, nothing in the folder it was started from), the demo prints the
    `mlflow ui --backend-store-uri sqlite:///…` command for it, and makes no network attempt even
    with MLflow's telemetry left to the demo to switch off."""
    work, started_in = tmp_path / "work", tmp_path / "elsewhere"
    started_in.mkdir()
    env = training_env()
    for name in CI_ENV:  # MLflow's telemetry would be off in CI by itself
        env.pop(name, None)
    argv = ["-m", "demo.train", "--workdir", str(work), "--epochs", str(EPOCHS), "--mlflow", "--forbid-network"]
    output, save_dir = run_training(argv, env, cwd=started_in)

    db = work / "mlflow.db"
    uri = sqlite_uri(db)
    assert uri == f"sqlite:///{work.resolve()}/mlflow.db"
    assert f"MLFLOW_UI=mlflow ui --backend-store-uri {uri}\n" in output
    assert db.is_file() and not list(started_in.iterdir())

    record: MlflowRecord = read_mlflow_run(uri, experiment=str(work.resolve() / "runs"))  # args.project
    assert record.status == "FINISHED"
    assert_same_as_neptune(record, neptune_run(work))
    assert [step for step, _ in record.metrics["train/box_loss"]] == [1, 2]
    assert dict(record.artifacts)["weights/demo/best.pt"] == (save_dir / "weights" / "best.pt").stat().st_size
    assert list((work / "mlruns").rglob("best.pt"))
