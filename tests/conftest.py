from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hooks.runs import Run as RunLog
from hooks.runs.neptune.read import find_runs, read_run

REPO = Path(__file__).resolve().parent.parent
CONFIGS = Path(__file__).resolve().parent / "configs"
REAL_TRAINING_EPOCHS = 2
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The slow tier (`pytest -m slow`; `-m "not slow"` for a quick loop): real trainings, MLflow servers
# and Chromium. A test is in it when it uses one of these fixtures, lives in one of these modules
# (which train, start servers or time whole processes themselves), or is marked `slow` by hand.
SLOW_FIXTURES = frozenset(
    {"trained", "per_class_detect", "ultralytics_reference", "mlflow_server", "server", "chromium"}
)
SLOW_MODULES = frozenset(
    {
        "test_benchmarks_smoke",
        "test_demo_env",
        "test_mlflow_ui",
        "test_preset_ultralytics_mlflow",
        "test_preset_ultralytics_tensorboard",
        "test_preset_ultralytics_wandb",
        "test_real_builtins",
        "test_real_first_hour",
        "test_real_mlflow",
        "test_real_per_class",
        "test_real_training",
        "test_spool_trust",
        "test_team_server",
    }
)


def is_slow(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    marked = item.get_closest_marker("slow") is not None
    return marked or bool(fixtures & SLOW_FIXTURES) or item.path.stem in SLOW_MODULES


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow tier, and run it after the quick one (a broken unit shows in a minute)."""
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)
    items.sort(key=is_slow)  # stable: each tier keeps its files' order


def install_fixture_package(name: str, tmp: Path) -> Path:
    """A package under tests/fixtures, really installed (pip install --target) as a team would ship
    it; returns the folder to put on PYTHONPATH."""
    source = tmp / "src"
    shutil.copytree(FIXTURES / name, source)
    site = tmp / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", site, source],
        check=True,
        capture_output=True,
    )
    return site


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Tests never see the developer's Neptune settings and never write outside tmp_path."""
    for name in ("NEPTUNE_MODE", "NEPTUNE_API_TOKEN", "NEPTUNE_PROJECT", "RANK", "HOOKS_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_RUN"):
        monkeypatch.delenv(name, raising=False)
    # W&B: none of the developer's settings (WANDB_API_KEY, WANDB_MODE, WANDB_PROJECT …); offline,
    # silent, and every folder it writes (runs, staged artifacts, cache, settings) inside tmp_path.
    for name in (
        *("WANDB_API_KEY", "WANDB_MODE", "WANDB_PROJECT", "WANDB_ENTITY", "WANDB_BASE_URL", "WANDB_NAME"),
        *("WANDB_NOTES", "WANDB_TAGS", "WANDB_RUN_GROUP", "WANDB_JOB_TYPE", "WANDB_RUN_ID", "WANDB_RESUME"),
        *("WANDB_DISABLED", "WANDB_CONSOLE", "WANDB_SILENT", "WANDB_DIR", "WANDB_DATA_DIR", "WANDB_CACHE_DIR"),
        *("WANDB_CONFIG_DIR", "WANDB_ARTIFACT_DIR", "WANDB_IDENTITY_TOKEN_FILE"),
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in (("WANDB_MODE", "offline"), ("WANDB_SILENT", "true"), ("WANDB_DIR", str(tmp_path))):
        monkeypatch.setenv(name, value)
    for name, folder in (("WANDB_DATA_DIR", "data"), ("WANDB_CACHE_DIR", "cache"), ("WANDB_CONFIG_DIR", "config")):
        monkeypatch.setenv(name, str(tmp_path / ".wandb-home" / folder))
    # MLflow looks up its telemetry host in the background; nothing here may reach the internet.
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("NEPTUNE_DATA_DIRECTORY", str(tmp_path / ".neptune"))
    # What `hooks runs` and `hooks report` keep of the runs they read (not ~/.cache/yaml-hooks).
    monkeypatch.setenv("YAML_HOOKS_CACHE_DIR", str(tmp_path / "yaml-hooks-cache"))
    yield


@pytest.fixture(autouse=True)
def _hooks_log_in_caplog(request: pytest.FixtureRequest) -> Iterator[None]:
    """The `hooks` logger prints by itself and does not propagate; a test that asks for caplog
    sees its records all the same."""
    if "caplog" not in request.fixturenames:
        yield
        return
    handler = request.getfixturevalue("caplog").handler
    logger = logging.getLogger("hooks")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def neptune_dir(tmp_path: Path) -> Path:
    return tmp_path / ".neptune"


def train_offline(argv: list[str], work: Path) -> tuple[subprocess.CompletedProcess[str], RunLog]:
    """Run a real training in a fresh interpreter (``python ARGV``, from the repository) that must
    succeed with no network attempt, and read back the one Neptune offline run under ``work``."""
    result = subprocess.run([sys.executable, *argv], cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "NETWORK_ATTEMPTS=0" in result.stdout  # an audit hook watched every socket connect
    (run,) = find_runs(work / ".neptune")
    return result, read_run(run)


def train_with_preset(work: Path, preset: str, epochs: int, env: dict[str, str] | None = None) -> Path:
    """`python -m demo.train --preset PRESET` in a fresh interpreter (the run named `demo`, offline,
    every network attempt refused), in ``env`` (default: this process's, without pytest's own
    variables); returns its save_dir. The parity presets' trainings (tests/acceptance/test_preset_*)."""
    work.mkdir(parents=True, exist_ok=True)
    if env is None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    argv = [sys.executable, "-m", "demo.train", "--workdir", str(work), "--preset", preset]
    argv += ["--epochs", str(epochs), "--name", "demo", "--forbid-network"]
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "NETWORK_ATTEMPTS=0" in done.stdout
    return work / "runs" / "demo"


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunLog]:
    """A real tiny CPU training (`python -m demo.train`, the `default` preset, offline, ~15 s): its
    Ultralytics save_dir and the Neptune offline run it wrote."""
    work = tmp_path_factory.mktemp("real-training")
    argv = ["-m", "demo.train", "--workdir", str(work), "--preset", "default"]
    result, run = train_offline([*argv, "--epochs", str(REAL_TRAINING_EPOCHS), "--forbid-network"], work)
    assert "hooks: Neptune offline run saved in" in result.stderr
    return Path(result.stdout.split("SAVE_DIR=")[1].split()[0]), run


@pytest.fixture(scope="session")
def per_class_detect(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real detection training on 3 classes with `full` (10 epochs, ~30 s; tests/real_per_class_training.py):
    per-class series, batch series, a confusion matrix, validation images at epochs 5 and 10,
    logged to Neptune, TensorBoard and W&B (offline) at once. Its test module checks the per-class
    numbers; test_real_trackers.py the other two trackers; the comparison report's test compares it
    with `trained`."""
    from tests.acceptance.test_real_per_class import train_per_class

    return train_per_class("detect", tmp_path_factory, trackers=True)


@pytest.fixture(scope="session")
def ultralytics_reference(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One real 2-epoch training with Ultralytics' own MLflow, TensorBoard and W&B (offline)
    callbacks on (MLflow to a SQLite store): the yardstick of the `ultralytics-mlflow`,
    `ultralytics-tensorboard` and `ultralytics-wandb` presets, and what
    tests/acceptance/test_reference_mlflow.py checks (tests/reference_mlflow.py)."""
    from tests.reference_mlflow import sqlite_uri, train_reference

    work = tmp_path_factory.mktemp("ultralytics-reference")
    return train_reference(work, sqlite_uri(work / "mlflow.db"), epochs=2, name="demo", tensorboard=True, wandb=True)


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One real `mlflow server` (SQLite backend, proxied artifacts) on 127.0.0.1 for the session,
    stopped at its end. Tests that stop and restart a server start their own (tests/mlflow_server.py)."""
    from tests.mlflow_server import MlflowServer

    with MlflowServer(tmp_path_factory.mktemp("mlflow-server")) as server:
        yield server


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium (Debian's) for the tests that open a report, one per test module."""
    from tests.browser import chromium_context

    with chromium_context(tmp_path_factory.mktemp("chromium-profile"), "the report's browser test", (1280, 900)) as ctx:
        yield ctx


def neptune_run(name: str, tags: tuple[str, ...] = ()) -> Any:
    """An offline run written by the neptune client itself, in $NEPTUNE_DATA_DIRECTORY (set per test
    above), capturing nothing of the process: only what the test logs, and Neptune's sys/ fields."""
    import neptune

    return neptune.init_run(
        mode="offline",
        name=name,
        tags=list(tags),
        capture_stdout=False,
        capture_stderr=False,
        capture_hardware_metrics=False,
        capture_traceback=False,
        git_ref=False,
        source_files=[],
    )
