"""Ultralytics' own integrations with real trainings (tiny, CPU, offline, in a fresh interpreter
whose working folder is a temporary one): with MLflow installed and Ultralytics' settings as a fresh
install has them (`mlflow: True`), a Neptune-only `hooks train default …` leaves no MLflow store in
its working folder (Ultralytics' own MLflow callback would make ./mlflow.db and ./mlruns there);
with `ultralytics_builtins: keep` in the loaded config it does. The trainings run with Ultralytics'
own view of "tests are running" removed from their environment, else its callback keeps quiet by
itself and the first test would pass for the wrong reason. tests/unit/runtime/test_ultralytics_builtins.py
covers the rest on the stand-in trainer."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.reference_mlflow import SCRUBBED_ENV

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ultralytics") is None or importlib.util.find_spec("mlflow") is None,
    reason="needs ultralytics and mlflow",
)

# `hooks train CONFIG` in WORK, as a user runs it there: offline, Ultralytics' folders in WORK, its
# integrations at a fresh install's settings (demo's configure_ultralytics switches them all off:
# MLflow goes back on). Prints whether Ultralytics' own MLflow callback was set to log.
TRAIN = """
import sys
from pathlib import Path
from demo.offline import configure_ultralytics, ensure_torchvision, forbid_network, prepare_offline_env
from demo.synthetic import write_dataset

work, config = Path(sys.argv[1]), sys.argv[2]
attempts = forbid_network()
prepare_offline_env(work)
ensure_torchvision()
configure_ultralytics(work)
from ultralytics.utils import SETTINGS, TESTS_RUNNING
from ultralytics.utils.callbacks import mlflow as integration

SETTINGS.update({"mlflow": True})
print("ULTRALYTICS_MLFLOW=%s" % ("would-log" if integration.callbacks and not TESTS_RUNNING else "quiet"))
data = write_dataset(work / "data")
from hooks.cli import main

rc = main(["train", config, "model=yolov8n.yaml", f"data={data}", "epochs=1", "imgsz=64", "batch=4",
           "device=cpu", "workers=0", f"project={work / 'runs'}", "name=builtins", "exist_ok=True", "amp=False"])
print("NETWORK_ATTEMPTS=%d" % len(attempts))
sys.exit(rc or (3 if attempts else 0))
"""


def hooks_train(work: Path, config: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV and not k.startswith("MLFLOW_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    result = subprocess.run(
        [sys.executable, "-c", TRAIN, str(work), config],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "NETWORK_ATTEMPTS=0" in result.stdout, output[-5000:]
    assert "ULTRALYTICS_MLFLOW=would-log" in result.stdout, output[-5000:]  # theirs was on
    assert "hooks: Neptune offline run saved in" in output, output[-5000:]  # and ours logged
    return output


def test_a_neptune_only_training_leaves_no_mlflow_store_in_its_working_folder(tmp_path: Path) -> None:
    output = hooks_train(tmp_path, "default")
    assert not (tmp_path / "mlflow.db").exists()
    assert not (tmp_path / "mlruns").exists()
    assert "logging run_id(" not in output  # their callback never started a run (its prefix is coloured)
    assert output.count("hooks: Ultralytics' own mlflow integration is switched off for this training") == 1


def test_keep_in_the_loaded_config_leaves_ultralytics_own_mlflow_callback_on(tmp_path: Path) -> None:
    (tmp_path / "hooks.yaml").write_text("version: 1\nextends: default\nultralytics_builtins: keep\n")
    output = hooks_train(tmp_path, str(tmp_path / "hooks.yaml"))
    assert (tmp_path / "mlflow.db").is_file()
    assert (tmp_path / "mlruns").is_dir()
    assert "logging run_id(" in output
    assert "switched off for this training" not in output
