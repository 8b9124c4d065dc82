"""One stand-in training of a team logging to one MLflow server, in a process of its own, for
tests/acceptance/test_team_server.py and the team rows of the benchmarks (19, 20):

    python -m tests.team_training --uri URI --workdir W --name NAME --go FILE
        [--epochs E] [--batches B] [--experiment X] [--model M] [--drain-seconds S] [--noop 1]

It logs the losses at every batch (3 metric points a batch event), the hyperparameters as params
once, a validation image at every epoch (its own artifact per epoch:
``Validation/epoch-N/val_batch0_pred.jpg``) and
registers best.pt as a new version of the model M at the end. Everything is imported and the
config loaded first; then it prints ``READY`` and waits for the file ``--go`` to exist, so that
every training of a team starts at once, not as each one's imports end.

The training thread's time in each callback is measured around each call; the end-of-training
drain wait (``MlflowSink.stop()``, which waits up to ``drain_seconds`` for the background sender)
is timed on its own and taken out of the call it happened in. Prints one line
``TEAM_RESULT={json}`` (:class:`TrainingReport`). Never imports pytest.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

BATCH_EVENT: Final = "on_train_batch_end"
RESULT_PREFIX: Final = "TEAM_RESULT="
REPO: Final = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class TrainingReport:
    """What one training of the team measured (times in seconds; ``started``/``sent`` wall clock)."""

    name: str
    events: int
    batch_events: int
    p50_event_s: float
    p99_event_s: float
    max_event_s: float
    slowest_event: str  # the callback of max_event_s
    p99_batch_event_s: float
    drain_s: float
    started: float  # time.time() at the first callback
    trained: float  # time.time() when the last callback but the drain ended
    sent: float  # time.time() when stop() returned (everything sent, or given up and spooled)
    metrics_sent: float  # time.time() when the sender's last log_batch of metric points returned
    outcome: str  # what stop() told the user
    save_dir: str

    @classmethod
    def parse(cls, stdout: str) -> TrainingReport:
        for line in stdout.splitlines():
            if line.startswith(RESULT_PREFIX):
                return cls(**json.loads(line.removeprefix(RESULT_PREFIX)))
        raise ValueError(f"no {RESULT_PREFIX} line in:\n{stdout[-2000:]}")


@contextlib.contextmanager
def team_server(folder: Path, workers: int = 2) -> Iterator[Any]:
    """A PostgreSQL (tests/pg_server.py) and a ``workers``-worker ``mlflow server`` on it, artifacts
    served by the server; both stopped on the way out, whatever happened."""
    from tests.mlflow_server import MlflowServer
    from tests.pg_server import PostgresServer

    with PostgresServer(folder / "pg") as pg:
        pg.create_database("mlflow")
        with MlflowServer(folder / "mlflow", backend=pg.mlflow_uri("mlflow"), workers=workers) as server:
            yield server


def _env() -> dict[str, str]:
    """The trainings' environment: none of the developer's tracker settings, no telemetry."""
    drop = ("MLFLOW_", "NEPTUNE_", "WANDB_", "HOOKS_CONFIG", "RANK")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true", PYTHONPATH=str(REPO))
    return env


def run_team(
    uri: str, workdir: Path, trainings: int, *, epochs: int, batches: int, timeout: float = 300.0, **options: Any
) -> list[TrainingReport]:
    """``trainings`` processes of this module, started together once all are ready (imports done);
    their reports, in order. ``options``: more of its flags (``experiment="x"`` is ``--experiment x``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    go = workdir / "go"
    go.unlink(missing_ok=True)
    flags = [f for k, v in options.items() for f in (f"--{k.replace('_', '-')}", str(v))]
    procs = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "tests.team_training", "--uri", uri, "--workdir", str(workdir)),
                *("--name", f"t{i:02d}", "--go", str(go), "--epochs", str(epochs), "--batches", str(batches)),
                *("--seed", str(i), *flags),
            ],
            cwd=REPO,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(trainings)
    ]
    try:
        for p in procs:  # each prints READY once imported and loaded
            said = _until_ready(p)
            if not said.endswith("READY\n"):
                raise RuntimeError(f"a training did not start: {said}{p.stderr.read() if p.stderr else ''}"[-3000:])
        go.touch()
        outputs = [p.communicate(timeout=timeout) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (out, err) in zip(procs, outputs, strict=True):
        if p.returncode != 0:
            raise RuntimeError(f"a training exited {p.returncode}:\n{out[-2000:]}\n{err[-3000:]}")
    return [TrainingReport.parse(out) for out, _ in outputs]


def _until_ready(p: subprocess.Popen[str]) -> str:
    """What a training printed up to its READY line (or its end)."""
    said = ""
    while p.stdout is not None and (line := p.stdout.readline()):
        said += line
        if line == "READY\n":
            break
    return said


def config_text(uri: str, experiment: str, model: str, drain_seconds: float) -> str:
    return (
        "version: 1\n"
        f"sink: {{mlflow: {{tracking_uri: '{uri}', experiment: {experiment}, drain_seconds: {drain_seconds}}}}}\n"
        "events:\n"
        "  on_pretrain_routine_end:\n"
        "    - assign: {from: hyperparameters, to: Configuration/Hyperparameters}\n"
        f"  {BATCH_EVENT}:\n"
        "    - scalars: {from: train_losses, id: losses}\n"
        "  on_fit_epoch_end:\n"
        '    - files: {glob: val_batch0_pred.jpg, to: "Validation/epoch-{epoch}/{stem}", once: false, snapshot: true}\n'
        "  on_train_end:\n"
        # The weights as the file itself: the team test counts versions under load; the pyfunc model
        # (2 s of each sender's, 16 at once on 2 CPUs) is tested in tests/unit/sinks/test_mlflow_models.py.
        f'    - upload: {{from: best, to: "weights/{{file.name}}", register: {{model: {model}, pyfunc: false}}, '
        "id: best-weights}\n"
    )


class _Timer:
    """The time inside each callback, less the drain wait that happened inside it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []
        self.drain = 0.0
        self.first: float | None = None
        self.last = 0.0

    def wrap(self, callbacks: Mapping[str, Callable[[Any], None]]) -> dict[str, Callable[[Any], None]]:
        return {event: self._timed(event, fn) for event, fn in callbacks.items()}

    def _timed(self, event: str, fn: Callable[[Any], None]) -> Callable[[Any], None]:
        def timed(obj: Any) -> None:
            if self.first is None:
                self.first = time.time()
            drained = self.drain
            t = time.perf_counter()
            fn(obj)
            spent = time.perf_counter() - t - (self.drain - drained)
            self.calls.append((event, spent))
            if self.drain == drained:
                self.last = time.time()

        return timed


def _p99(samples: Sequence[float]) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def run(args: argparse.Namespace) -> TrainingReport:
    # Imported now, as a training's process has it by its first epoch: not inside any timing.
    from mlflow import MlflowClient  # noqa: F401

    import hooks
    from hooks.sinks.mlflow.sender import Sender
    from hooks.sinks.mlflow.sink import MlflowSink
    from hooks.testing.standin import simulate_training

    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"{args.name}.yaml"
    path.write_text(config_text(args.uri, args.experiment, args.model, args.drain_seconds))
    timer = _Timer()
    if args.noop:  # the benchmarks' baseline: the same actions, a sink that does nothing
        from benchmarks._handwritten import NoopSink

        callbacks = timer.wrap(hooks.load(path, sink=NoopSink()))
    else:
        callbacks = timer.wrap(hooks.load(path))
    outcomes: list[str] = []
    original = MlflowSink.stop
    sent = 0.0

    def stop(sink: MlflowSink) -> str:
        nonlocal sent
        t = time.perf_counter()
        try:
            outcome = original(sink)
            outcomes.append(outcome)
            return outcome
        finally:
            timer.drain += time.perf_counter() - t
            sent = time.time()

    MlflowSink.stop = stop  # type: ignore[method-assign,assignment]
    send = Sender._send
    metrics_sent = 0.0

    def timed_send(sender: Sender, run_id: str, ops: Sequence[dict[str, Any]]) -> None:
        nonlocal metrics_sent
        send(sender, run_id, ops)
        if ops and "m" in ops[0]:
            metrics_sent = time.time()

    Sender._send = timed_send  # type: ignore[method-assign,assignment]
    print("READY", flush=True)
    while not args.go.exists():
        time.sleep(0.01)
    trainer = simulate_training(
        callbacks, args.workdir / "runs" / args.name, epochs=args.epochs, batches=args.batches, seed=args.seed
    )
    every = [s for _, s in timer.calls]
    batch = [s for e, s in timer.calls if e == BATCH_EVENT]
    return TrainingReport(
        name=args.name,
        events=len(every),
        batch_events=len(batch),
        p50_event_s=statistics.median(every),
        p99_event_s=_p99(every),
        max_event_s=max(every),
        slowest_event=max(timer.calls, key=lambda call: call[1])[0],
        p99_batch_event_s=_p99(batch),
        drain_s=timer.drain,
        started=timer.first or 0.0,
        trained=timer.last,
        sent=sent,
        metrics_sent=metrics_sent,
        outcome=" | ".join(outcomes),
        save_dir=str(trainer.save_dir),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uri", required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--go", type=Path, required=True, help="start once this file exists")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--experiment", default="team")
    parser.add_argument("--model", default="team-detector")
    parser.add_argument("--drain-seconds", type=float, default=60.0)
    parser.add_argument("--noop", type=int, default=0, help="1: a no-op sink instead of MLflow (a baseline)")
    report = run(parser.parse_args(argv))
    print(RESULT_PREFIX + json.dumps(asdict(report)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
