"""The yardstick for the `ultralytics-mlflow` preset: a real tiny training with Ultralytics' own
MLflow callback (``ultralytics/utils/callbacks/mlflow.py``) switched on, and what it left in MLflow,
read back in a normalised form (:class:`MlflowRecord`) that a run of our MLflow sink is read into
too, so the two compare field for field.

The training runs in a fresh interpreter (``python -m tests.reference_mlflow``), for two reasons:
Ultralytics' callback does nothing while it thinks tests run (``TESTS_RUNNING``: ``pytest`` in
``sys.modules``, ``PYTEST_CURRENT_TEST`` or the GitHub Actions variables in the environment), and
Ultralytics reads its settings once per interpreter. That interpreter must never import pytest, so
neither may this module at its top level.

The training is ``demo.train.train(preset=None)`` (same synthetic dataset, same arguments as every
other real training of the test suite) with one change: ``configure_ultralytics`` (which switches
every integration off) is wrapped so that ``SETTINGS["mlflow"]`` is True before the trainer is
made (``add_integration_callbacks`` reads it there). The wrapper also times each callback of the
MLflow integration, without changing what it does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "MLFLOW_TAG_PREFIX",
    "SCRUBBED_ENV",
    "MlflowRecord",
    "ReferenceTraining",
    "read_mlflow_run",
    "run_reference_training",
    "sqlite_uri",
    "train_reference",
]

REPO = Path(__file__).resolve().parent.parent
MLFLOW_TAG_PREFIX = "mlflow."
# What makes Ultralytics' TESTS_RUNNING true (besides `pytest` in sys.modules, which a fresh
# interpreter does not have): removed from the training interpreter's environment.
SCRUBBED_ENV = ("PYTEST_CURRENT_TEST", "GITHUB_ACTIONS", "GITHUB_WORKFLOW", "RUNNER_OS")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_RESULT = "reference-mlflow.json"


def sqlite_uri(path: Path) -> str:
    """A tracking URI for an MLflow SQLite store at ``path`` (no server)."""
    return f"sqlite:///{Path(path).resolve()}"


@dataclass(frozen=True)
class MlflowRecord:
    """One MLflow run, normalised. ``==`` compares what a logger decides (names, status, params,
    tags, metric points, artifact files); the run's id and times are kept but not compared.

    - ``params``, ``tags``: as MLflow stores them (text). ``tags`` are those a logger set;
      ``mlflow_tags`` are MLflow's own (``mlflow.*``: run name, user, source, git commit…).
    - ``metrics``: name -> ((step, value), …), every point of ``get_metric_history`` sorted by
      step (points on the same step keep their logging order), so an overwrite shows as two points.
    - ``artifacts``: (path, size in bytes) for every file, recursively, sorted by path; folders
      are not listed (they appear as the prefixes of their files).
    """

    experiment_name: str
    run_name: str
    status: str
    params: dict[str, str]
    tags: dict[str, str]
    mlflow_tags: dict[str, str]
    metrics: dict[str, tuple[tuple[int, float], ...]]
    artifacts: tuple[tuple[str, int | None], ...]
    run_id: str = field(compare=False)
    start_time: int | None = field(compare=False, default=None)  # ms since the epoch
    end_time: int | None = field(compare=False, default=None)

    @property
    def metric_steps(self) -> dict[str, tuple[int, ...]]:
        """name -> the steps of its points, in order."""
        return {name: tuple(step for step, _ in points) for name, points in self.metrics.items()}

    @property
    def artifact_paths(self) -> tuple[str, ...]:
        return tuple(path for path, _ in self.artifacts)


@dataclass(frozen=True)
class ReferenceTraining:
    """A reference training: its MLflow run and what the training interpreter measured."""

    record: MlflowRecord
    tracking_uri: str
    save_dir: Path
    train_seconds: float  # demo.train.train() as a whole: dataset, model, training, final val, plots
    import_mlflow_seconds: float  # importing the integration module (and mlflow with it)
    callback_seconds: dict[str, float]  # Ultralytics event -> time spent in the MLflow callback
    callback_calls: dict[str, int]  # Ultralytics event -> how often the MLflow callback ran
    network_attempts: tuple[str, ...]  # attempts to reach another host (refused)
    loopback_connects: int  # connections to 127.0.0.1 / localhost (a local tracking server)
    run_active_after: bool  # an MLflow run was still active in that interpreter after training
    autolog_hooks: tuple[str, ...]  # libraries mlflow.autolog() would patch on import
    autolog_imported: tuple[str, ...]  # those of them the training imported (patched)
    stdout: str
    stderr: str


def read_mlflow_run(tracking_uri: str, run_id: str | None = None, *, experiment: str | None = None) -> MlflowRecord:
    """Read one run back from MLflow: by ``run_id``, or the only run of experiment ``experiment``
    (by name). Generic: works for Ultralytics' callback and for our sink alike."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    if run_id is None:
        if experiment is None:
            raise ValueError("give run_id or experiment")
        found = client.get_experiment_by_name(experiment)
        if found is None:
            raise LookupError(f"no MLflow experiment named {experiment!r} at {tracking_uri}")
        runs = client.search_runs([found.experiment_id], max_results=2)
        if len(runs) != 1:
            raise LookupError(f"experiment {experiment!r} has {len(runs)} runs (expected exactly one)")
        run_id = runs[0].info.run_id
    run = client.get_run(run_id)
    metrics: dict[str, tuple[tuple[int, float], ...]] = {}
    for name in sorted(run.data.metrics):
        history = sorted(client.get_metric_history(run_id, name), key=lambda m: (m.step, m.timestamp))
        metrics[name] = tuple((int(m.step), float(m.value)) for m in history)
    tags = dict(sorted(run.data.tags.items()))
    return MlflowRecord(
        experiment_name=client.get_experiment(run.info.experiment_id).name,
        run_name=run.info.run_name,
        status=run.info.status,
        params=dict(sorted(run.data.params.items())),
        tags={k: v for k, v in tags.items() if not k.startswith(MLFLOW_TAG_PREFIX)},
        mlflow_tags={k: v for k, v in tags.items() if k.startswith(MLFLOW_TAG_PREFIX)},
        metrics=metrics,
        artifacts=tuple(sorted(_artifact_files(client, run_id, None))),
        run_id=run_id,
        start_time=run.info.start_time,
        end_time=run.info.end_time,
    )


def _artifact_files(client: Any, run_id: str, path: str | None) -> list[tuple[str, int | None]]:
    files: list[tuple[str, int | None]] = []
    for info in client.list_artifacts(run_id, path):
        if info.is_dir:
            files.extend(_artifact_files(client, run_id, info.path))
        else:
            files.append((info.path, info.file_size))
    return files


def train_reference(
    work: Path,
    tracking_uri: str,
    *,
    epochs: int = 2,
    name: str = "demo",
    experiment_name: str | None = None,
    run_name: str | None = None,
    tensorboard: bool = False,
    wandb: bool = False,
    timeout: float = 900,
) -> ReferenceTraining:
    """Run a real tiny CPU training in ``work`` with Ultralytics' MLflow callback logging to
    ``tracking_uri``; read back the run it made.

    ``experiment_name``/``run_name`` set ``MLFLOW_EXPERIMENT_NAME``/``MLFLOW_RUN`` (without them the
    callback names the experiment after ``args.project``, here ``<work>/runs``, and the run after
    ``args.name``). ``tensorboard``: Ultralytics' own TensorBoard callback is on too (its event file
    in the save_dir, which the MLflow callback does not upload: one training is the yardstick of
    both presets). ``wandb``: Ultralytics' own W&B callback is on too, offline (its run folder in
    ``save_dir/wandb``, where that callback puts it). Every other ``MLFLOW_*`` variable of this
    process is left out. The training
    interpreter's working directory is ``work``, so MLflow's default artifact root (``./mlruns``
    for a SQLite store) lands there.
    """
    work = Path(work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV and not k.startswith("MLFLOW_")}
    env["MLFLOW_TRACKING_URI"] = tracking_uri
    # MLflow 3's usage telemetry would look up config.mlflow-telemetry.io from a background thread;
    # it has no bearing on what a run holds.
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    if experiment_name is not None:
        env["MLFLOW_EXPERIMENT_NAME"] = experiment_name
    if run_name is not None:
        env["MLFLOW_RUN"] = run_name
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    out = work / _RESULT
    out.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "tests.reference_mlflow", "--workdir", str(work), "--epochs", str(epochs)]
    argv += ["--name", name, "--out", str(out)] + (["--tensorboard"] if tensorboard else [])
    if wandb:
        argv.append("--wandb")
        env.update({"WANDB_MODE": "offline", "WANDB_SILENT": "true"})
    result = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(
            f"reference training failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
        )
    facts = json.loads(out.read_text())
    return ReferenceTraining(
        record=read_mlflow_run(tracking_uri, facts["run_id"]),
        tracking_uri=tracking_uri,
        save_dir=Path(facts["save_dir"]),
        train_seconds=facts["train_seconds"],
        import_mlflow_seconds=facts["import_mlflow_seconds"],
        callback_seconds=facts["callback_seconds"],
        callback_calls=facts["callback_calls"],
        network_attempts=tuple(facts["network_attempts"]),
        loopback_connects=facts["loopback_connects"],
        run_active_after=facts["run_active_after"],
        autolog_hooks=tuple(facts["autolog_hooks"]),
        autolog_imported=tuple(facts["autolog_imported"]),
        stdout=result.stdout,
        stderr=result.stderr,
    )


def run_reference_training(work: Path, tracking_uri: str, *, epochs: int = 2, **options: Any) -> MlflowRecord:
    """The MLflow run of a real training with Ultralytics' own MLflow callback (see train_reference)."""
    return train_reference(work, tracking_uri, epochs=epochs, **options).record


# ---- the training interpreter -------------------------------------------------------------------


def _watch_network(attempts: list[str], loopback: list[str]) -> None:
    """Refuse and record any attempt to reach another host; count loopback connections (a local
    tracking server) and let them through."""
    import socket

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "socket.connect" and args:
            if getattr(args[0], "family", None) == getattr(socket, "AF_UNIX", object()):
                return  # local IPC
            address = args[1] if len(args) > 1 else None
            host = str(address[0]) if isinstance(address, tuple) and address else str(address)
        elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr") and args:
            host = str(args[0])
        else:
            return
        if host in _LOOPBACK:
            if event == "socket.connect":
                loopback.append(host)
            return
        attempts.append(f"{event} {host}")
        raise ConnectionRefusedError(f"network access forbidden in the reference training: {event} {host}")

    sys.addaudithook(hook)


def _timed(fn: Callable[..., Any], event: str, seconds: dict[str, float], calls: dict[str, int]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            seconds[event] = seconds.get(event, 0.0) + time.perf_counter() - started
            calls[event] = calls.get(event, 0) + 1

    return wrapper


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="a training with Ultralytics' own MLflow callback")
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--name", default="demo")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tensorboard", action="store_true", help="Ultralytics' TensorBoard callback on too")
    parser.add_argument("--wandb", action="store_true", help="Ultralytics' W&B callback on too (offline)")
    args = parser.parse_args(argv)
    if "pytest" in sys.modules:
        raise RuntimeError("pytest is imported: Ultralytics' MLflow callback would not log")

    attempts: list[str] = []
    loopback: list[str] = []
    _watch_network(attempts, loopback)

    import demo.train as demo_train

    seconds: dict[str, float] = {}
    calls: dict[str, int] = {}
    imported: dict[str, float] = {}
    original = demo_train.configure_ultralytics

    def configure_with_mlflow(workdir: Path) -> Path:
        settings_file = original(workdir)  # switches every integration off, then imports ultralytics
        from ultralytics.utils import SETTINGS, TESTS_RUNNING

        if TESTS_RUNNING:
            raise RuntimeError("Ultralytics' TESTS_RUNNING is True: its MLflow callback would not log")
        SETTINGS.update({"mlflow": True, "tensorboard": args.tensorboard, "wandb": args.wandb})
        started = time.perf_counter()
        from ultralytics.utils.callbacks import mlflow as integration

        imported["seconds"] = time.perf_counter() - started
        if not integration.callbacks:
            raise RuntimeError("Ultralytics' MLflow integration has no callbacks (mlflow not importable)")
        for event, fn in list(integration.callbacks.items()):  # read by add_integration_callbacks
            integration.callbacks[event] = _timed(fn, event, seconds, calls)
        return settings_file

    demo_train.configure_ultralytics = configure_with_mlflow  # type: ignore[assignment]
    started = time.perf_counter()
    save_dir = demo_train.train(args.workdir, preset=None, epochs=args.epochs, name=args.name)
    train_seconds = time.perf_counter() - started
    if "seconds" not in imported:
        raise RuntimeError("demo.train.train() did not call configure_ultralytics: MLflow was never switched on")

    import mlflow
    from mlflow.utils import import_hooks

    hooks: dict[str, Any] = getattr(import_hooks, "_post_import_hooks", {})  # private: what autolog() armed

    last = mlflow.last_active_run()
    if last is None:
        raise RuntimeError("Ultralytics' MLflow callback started no run")
    facts: Mapping[str, Any] = {
        "run_id": last.info.run_id,
        "save_dir": str(save_dir),
        "train_seconds": train_seconds,
        "import_mlflow_seconds": imported["seconds"],
        "callback_seconds": seconds,
        "callback_calls": calls,
        "network_attempts": attempts,
        "loopback_connects": len(loopback),
        "run_active_after": mlflow.active_run() is not None,
        "autolog_hooks": sorted(hooks),
        "autolog_imported": sorted(name for name in hooks if name in sys.modules),
    }
    args.out.write_text(json.dumps(facts, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
