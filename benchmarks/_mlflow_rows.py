"""The MLflow rows of the benchmark table (10–12, 19–20): what the MLflow sink costs the training
thread, and (19, 20) a team's server: PostgreSQL (``tests/pg_server.py``) and a 2-worker ``mlflow
server`` on it, 1, 4 and 16 stand-in trainings at once (``tests/team_training.py``, a process each),
the senders' throughput against one client's ``log_batch`` ceiling measured in the same run and
the training thread's time per event at the 99th percentile against a no-op sink. 19 and 20 need
``pgserver`` and ``psycopg`` (the ``test`` extra); ``--quick`` skips them.

Everything the sink sends goes to a local ``mlflow server`` on 127.0.0.1 (``tests/mlflow_server.py``,
SQLite backend, artifacts proxied over HTTP), started once for these rows and stopped at the end of
the run. ``--quick`` starts no server: rows 11 and 12 log to a SQLite store instead (no HTTP), and
row 10 (real trainings) is skipped, like row 9. MLflow's telemetry is off (``run.py``), and every
connection this process tries to a host other than 127.0.0.1 is recorded and shown in the notes.

Training-thread time is the time spent inside the callbacks, measured around each call. The one
wait the sink does on the training thread, at the end (``stop()`` waits up to ``drain_seconds``
for the background thread to send what is left), is timed on its own and kept out of the
per-epoch/per-event figures; the notes give it.
"""

from __future__ import annotations

import contextlib
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ._handwritten import NoopSink
from ._harness import CallTimer, Result, Stats, alternate, fmt, quiet_neptune, settle
from ._rows import QUIET_CAPTURE, Bench, _ratio

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "", None})


# ============================================================================= shared set-up
class _NetWatch:
    """Records every attempt of this process to reach a host other than this machine (an audit
    hook: it cannot be removed, so it is installed once; it records, it does not block)."""

    attempts: list[str] = []  # noqa: RUF012
    installed = False

    @classmethod
    def install(cls) -> None:
        if not cls.installed:
            sys.addaudithook(cls._hook)
            cls.installed = True

    @classmethod
    def _hook(cls, event: str, args: tuple[Any, ...]) -> None:
        if not event.startswith("socket."):
            return
        if event == "socket.connect":
            address = args[1]
            host = address[0] if isinstance(address, tuple) else None  # a str/bytes one: a Unix socket
        elif event in ("socket.getaddrinfo", "socket.gethostbyname"):
            host = args[0]
        else:
            return
        if isinstance(host, bytes):
            host = host.decode(errors="replace")
        if host not in _LOOPBACK:
            cls.attempts.append(f"{event} {host}")


def _network_note() -> str:
    attempts = _NetWatch.attempts
    if not attempts:
        return "connections tried by this process to hosts other than 127.0.0.1: none"
    return f"connections tried to other hosts: {len(attempts)} ({'; '.join(sorted(set(attempts))[:5])})"


def _tracking(b: Bench) -> str:
    """The tracking URI of these rows: a local `mlflow server` (started here, once), or in --quick
    mode a SQLite store. mlflow is imported here, outside every timing."""
    if "mlflow_uri" not in b.cache:
        _NetWatch.install()
        from mlflow import MlflowClient

        if b.quick:
            uri = f"sqlite:///{b.workdir / 'mlflow-quick.db'}"
            b.say("  creating a SQLite MLflow store (quick mode: no server) …")
            MlflowClient(tracking_uri=uri).search_experiments()  # its tables, made once, untimed
        else:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
            from tests.mlflow_server import MlflowServer

            b.say("  starting a local mlflow server on 127.0.0.1 (about 15 s) …")
            t = time.perf_counter()
            server = MlflowServer(b.workdir / "mlflow-server").start()
            b.cleanups.append(server.stop)
            b.say(f"  mlflow server at {server.uri}, ready in {time.perf_counter() - t:.1f} s")
            uri = server.uri
        b.cache["mlflow_uri"] = uri
    return str(b.cache["mlflow_uri"])


def _transport(b: Bench) -> str:
    return "SQLite store (quick)" if b.quick else "local mlflow server over HTTP"


@contextlib.contextmanager
def _timed_stops() -> Iterator[list[tuple[float, str]]]:
    """Times every MlflowSink.stop() (the end-of-training drain wait, on the training thread) and
    keeps what it returned (the line the user is told: the run, or what is left unsent)."""
    from hooks.sinks.mlflow.sink import MlflowSink

    stops: list[tuple[float, str]] = []
    original = MlflowSink.stop

    def stop(self: MlflowSink) -> str:
        t = time.perf_counter()
        outcome = ""
        try:
            outcome = original(self)
            return outcome
        finally:
            stops.append((time.perf_counter() - t, outcome))

    MlflowSink.stop = stop  # type: ignore[method-assign]
    try:
        yield stops
    finally:
        MlflowSink.stop = original  # type: ignore[method-assign]


def _all_sent(outcome: str) -> bool:
    """stop() says "MLflow run <id> in experiment …" when everything reached MLflow."""
    return outcome.startswith("MLflow run ") and "refused" not in outcome


def _run_id(outcome: str) -> str | None:
    m = re.match(r"MLflow run (\w+) ", outcome)
    return m.group(1) if m else None


def _sent_note(outcomes: list[str]) -> str:
    sent = sum(_all_sent(o) for o in outcomes)
    if sent == len(outcomes):
        return f"every MLflow run ({sent}) ended with everything sent"
    left = next(o for o in outcomes if not _all_sent(o))
    return f"{len(outcomes) - sent} of {len(outcomes)} MLflow runs ended with data unsent: {left[:300]}"


# ======================================================== 10: real training, sink vs Ultralytics' callback
class _PhaseTimer(CallTimer):
    """A CallTimer that files each call under the part of the training it belongs to: "start"
    (before the first epoch), "epoch" (the epochs themselves), "end" (the final validation of
    best.pt, on_train_end, teardown). Decided from the object the callback gets, after the timing."""

    def __init__(self) -> None:
        super().__init__(tag=_phase)

    def phased(self) -> Iterator[tuple[str, float, str]]:
        """(event, seconds, phase) of every call, in firing order."""
        return ((e, s, p) for (e, s), p in zip(self.calls, self.tags, strict=True))

    def phase_total(self, phase: str) -> float:
        return sum(s for _, s, p in self.phased() if p == phase)

    def by_event(self, phase: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for e, s, p in self.phased():
            if p == phase:
                out[e] = out.get(e, 0.0) + s
        return out


def _phase(event: str, obj: Any) -> str:
    if event in ("on_pretrain_routine_start", "on_pretrain_routine_end", "on_train_start"):
        return "start"
    if event in ("on_train_end", "teardown"):
        return "end"
    if event == "on_fit_epoch_end":  # the final validation's comes with epoch one past the last
        return "end" if obj.epoch >= obj.epochs else "epoch"
    if event.startswith("on_val_"):  # the final validation runs without a trainer
        return "epoch" if getattr(obj, "training", False) else "end"
    return "epoch"


# demo/train.py's training (demo.train.train() attaches a preset only, not callbacks of our own).
TRAIN_ARGS: dict[str, Any] = {
    "epochs": 3,
    "imgsz": 64,
    "batch": 4,
    "device": "cpu",
    "workers": 0,
    "exist_ok": True,
    "plots": True,
    "amp": False,
    "val": True,
    "nbs": 4,
    "mosaic": 0.0,
}


def _train(
    workdir: Path, data_yaml: Path, name: str, callbacks: Mapping[str, Callable[[Any], None]], **override: Any
) -> Any:
    """One real tiny training (demo/train.py's dataset and arguments); returns its trainer."""
    import logging

    from ultralytics import YOLO
    from ultralytics.utils import LOGGER

    model = YOLO("yolov8n.yaml")
    for event, fn in callbacks.items():
        model.add_callback(event, fn)
    level = LOGGER.level
    LOGGER.setLevel(logging.WARNING)  # its per-epoch lines go to stdout, into the table
    try:
        with contextlib.redirect_stdout(sys.stderr):
            model.train(data=str(data_yaml), project=str(workdir / "runs"), name=name, **{**TRAIN_ARGS, **override})
    finally:
        LOGGER.setLevel(level)
    return model.trainer


def _ours_config(b: Bench, uri: str) -> tuple[Path, str]:
    """`extends: ultralytics-mlflow` (what Ultralytics' callback logs) when that preset loads, else
    `default` with MLflow as its only tracker. Returns the config and what it is, in words."""
    import hooks
    from hooks.errors import HooksError

    sink = f"mlflow: {{tracking_uri: '{uri}'}}"
    path = b.write("mlflow-ours.yaml", f"version: 1\nextends: ultralytics-mlflow\nsink: {{{sink}}}\n")
    try:
        hooks.load(path)
        return path, "`extends: ultralytics-mlflow`"
    except HooksError as e:
        b.say(f"  the ultralytics-mlflow preset does not load ({str(e).splitlines()[0][:200]}); using default")
    path = b.write("mlflow-ours.yaml", f"version: 1\nextends: default\nsink: {{neptune: false, {sink}}}\n")
    hooks.load(path)
    return path, "`extends: default`, `sink: {neptune: false, mlflow: …}` (ultralytics-mlflow did not load)"


def row10(b: Bench) -> list[Result]:
    import mlflow
    import ultralytics.utils.callbacks.mlflow as theirs
    from ultralytics.utils import SETTINGS

    import hooks
    from demo.synthetic import write_dataset
    from hooks.testing.standin import simulate_training

    uri = _tracking(b)
    if not theirs.callbacks:
        raise RuntimeError("Ultralytics' MLflow callback is empty: mlflow is not importable there")
    epochs = int(TRAIN_ARGS["epochs"])
    workdir = b.workdir / "mlflow-trainings"
    data_yaml = write_dataset(workdir / "data", n_train=16)
    config, config_what = _ours_config(b, uri)
    # hooks' own lazy imports (sources, actions) before any timing, as Ultralytics' callback module
    # is imported before its first call (at the trainer's creation).
    simulate_training(dict(hooks.load(config, sink=NoopSink())), b.fresh_dir("warm"), epochs=2)

    serial = iter(range(1000))
    timers: dict[str, list[_PhaseTimer]] = {"ours": [], "theirs": []}
    walls: dict[str, list[float]] = {"ours": [], "theirs": []}
    drains: list[float] = []
    outcomes: list[str] = []

    def ours() -> float:
        timer = _PhaseTimer()
        callbacks = timer.wrap(hooks.load(config))
        with _timed_stops() as stops:
            t = time.perf_counter()
            _train(workdir, data_yaml, f"ours{next(serial)}", callbacks)
            walls["ours"].append(time.perf_counter() - t)
        if len(stops) != 1:
            raise RuntimeError(f"expected one MLflow run to stop, got {len(stops)}")
        drains.append(stops[0][0])
        outcomes.append(stops[0][1])
        timers["ours"].append(timer)
        return timer.phase_total("epoch") / epochs

    def their() -> float:
        timer = _PhaseTimer()
        original = dict(theirs.callbacks)
        tests_running = theirs.TESTS_RUNNING
        uri_before = os.environ.get("MLFLOW_TRACKING_URI")
        setting = SETTINGS["mlflow"]
        theirs.callbacks.update(timer.wrap(original))  # the dict add_integration_callbacks reads
        theirs.TESTS_RUNNING = False  # it does nothing while it thinks pytest runs
        SETTINGS.update({"mlflow": True})  # configure_ultralytics switched it off
        os.environ["MLFLOW_TRACKING_URI"] = uri
        try:
            t = time.perf_counter()
            trainer = _train(workdir, data_yaml, f"theirs{next(serial)}", {})
            walls["theirs"].append(time.perf_counter() - t)
        finally:
            SETTINGS.update({"mlflow": setting})
            theirs.callbacks.update(original)
            theirs.TESTS_RUNNING = tests_running
            if uri_before is None:
                os.environ.pop("MLFLOW_TRACKING_URI", None)
            else:
                os.environ["MLFLOW_TRACKING_URI"] = uri_before
            if mlflow.active_run() is not None:
                mlflow.end_run()
        if not getattr(trainer, "_mlflow_active", False):
            raise RuntimeError("Ultralytics' MLflow callback did not log this training")
        timers["theirs"].append(timer)
        return timer.phase_total("epoch") / epochs

    # The first training of a process pays one-offs (the dataset's label cache, the first model
    # build, matplotlib's first figure): a 1-epoch training without logging pays them first.
    b.say("  row 10: a 1-epoch training without logging first (one-off costs of a process's first training)")
    _train(workdir, data_yaml, "warm", {}, epochs=1)
    repeats = 2
    b.say(f"  row 10: {repeats} real {epochs}-epoch trainings per side, interleaved (about 12 s each)")
    settle()
    per_epoch = alternate({"ours": ours, "theirs": their}, repeats)

    def med(side: str, phase: str) -> float:
        return statistics.median(t.phase_total(phase) for t in timers[side])

    def by_event(side: str) -> dict[str, float]:
        events = dict.fromkeys(e for t in timers[side] for e, _, p in t.phased() if p == "epoch")
        return {e: statistics.median(t.by_event("epoch").get(e, 0.0) for t in timers[side]) / epochs for e in events}

    end_ours = statistics.median(t.phase_total("end") - d for t, d in zip(timers["ours"], drains, strict=True))
    ratio = _ratio(statistics.median(per_epoch["ours"]), statistics.median(per_epoch["theirs"]))
    events_ours, events_theirs = by_event("ours"), by_event("theirs")
    return [
        Result(
            "10",
            f"real tiny training (demo, {epochs} epochs, CPU): MLflow sink's callbacks per epoch, "
            "training thread, local server",
            Stats(per_epoch["ours"]),
            "ratio ≤ 0.10",
            f"×{ratio:.4f} (≤ 0.10)",
            ratio <= 0.10,
            baseline=Stats(per_epoch["theirs"]),
            baseline_what="Ultralytics' own MLflow callback, same training and server, per epoch",
            notes=[
                f"ours: {config_what}; per epoch, by event: "
                + ", ".join(f"{e} {fmt(v, 's')}" for e, v in events_ours.items())
                + "; theirs: "
                + ", ".join(f"{e} {fmt(v, 's')}" for e, v in events_theirs.items()),
                f"one-off, before the first epoch: ours {fmt(med('ours', 'start'), 's')}, "
                f"theirs {fmt(med('theirs', 'start'), 's')} (theirs: set_experiment, autolog, start_run, log_params)",
                f"one-off, final validation and end (drain wait excluded): ours {fmt(end_ours, 's')}, "
                f"theirs {fmt(med('theirs', 'end'), 's')} (theirs uploads the weights and run files here)",
                f"ours' end-of-training drain wait (stop(): the background thread sends what is left): "
                f"{fmt(statistics.median(drains), 's')} ({fmt(min(drains), 's')}–{fmt(max(drains), 's')})",
                "training wall (model.train, ours' drain wait included): "
                f"ours {statistics.median(walls['ours']):.1f} s, theirs {statistics.median(walls['theirs']):.1f} s",
                _sent_note(outcomes),
                _network_note(),
            ],
            extra={
                "epochs": epochs,
                "ours_config": config_what,
                "per_epoch_by_event_s": {"ours": events_ours, "theirs": events_theirs},
                "start_s": {s: [t.phase_total("start") for t in timers[s]] for s in timers},
                "end_s": {s: [t.phase_total("end") for t in timers[s]] for s in timers},
                "drain_s": drains,
                "train_wall_s": walls,
                "outcomes": outcomes,
                "network_attempts": list(_NetWatch.attempts),
            },
        )
    ]


# ========================================================================= 11: per-batch scalars
def row11(b: Bench) -> list[Result]:
    import hooks
    from hooks.testing.standin import EPOCH_EVENTS, simulate_training

    uri = _tracking(b)
    epochs, batches = b.pick(20, 2), b.pick(100, 10)
    events = (*EPOCH_EVENTS, "on_train_batch_end")
    config = b.write(
        "mlflow-batches.yaml",
        "version: 1\n"
        f"sink: {{mlflow: {{tracking_uri: '{uri}', experiment: yaml-hooks-bench-batches}}}}\n"
        "events:\n"
        "  on_train_batch_end:\n"
        "    - scalars: {from: train_losses, id: losses}\n"
        "    - scalars: {from: lr, id: lr}\n",
    )
    calls: dict[str, list[float]] = {"mlflow": [], "noop": []}
    walls: dict[str, list[float]] = {"mlflow": [], "noop": []}
    drains: list[float] = []
    outcomes: list[str] = []
    first: list[float] = []

    def side(name: str) -> Callable[[], float]:
        def go() -> float:
            compiled = hooks.load(config, sink=NoopSink()) if name == "noop" else hooks.load(config)
            timer = CallTimer()
            with _timed_stops() as stops:
                t = time.perf_counter()
                simulate_training(
                    timer.wrap(compiled),
                    b.fresh_dir("row11"),
                    epochs=epochs,
                    batches=batches,
                    events=events,
                    write_files=False,
                )
                walls[name].append(time.perf_counter() - t)
            times = [s for e, s in timer.calls if e == "on_train_batch_end"]
            calls[name].extend(times)
            if name == "mlflow":
                drains.extend(s for s, _ in stops)
                outcomes.extend(o for _, o in stops)
                first.append(times[0])  # opens the run: spool folder, run.json, the thread
            return sum(times) / len(times)

        return go

    simulate_training(dict(hooks.load(config, sink=NoopSink())), b.fresh_dir("warm"), epochs=1, events=events)
    settle()
    n = epochs * batches
    b.say(f"  row 11: {b.pick(5, 1)} × {n:,} batch events per side, MLflow ({_transport(b)}) vs no-op sink")
    per = alternate({"mlflow": side("mlflow"), "noop": side("noop")}, b.pick(5, 1))

    points = _points(uri, outcomes[-1], "train/box_loss") if outcomes else None
    median = statistics.median(per["mlflow"])
    ratio = _ratio(median, statistics.median(per["noop"]))
    one = calls["mlflow"]
    p99 = statistics.quantiles(one, n=100, method="inclusive")[98] if len(one) > 1 else one[0]
    return [
        Result(
            "11",
            f"`scalars` (train_losses, lr) every batch, MLflow via {_transport(b)}: per batch event, "
            f"{n:,} batch events (stand-in)",
            Stats(per["mlflow"]),
            "≤ 1 ms per batch event",
            f"{fmt(median, 's')} (≤ 1 ms); ×{ratio:.2f} of no-op",
            median <= 1e-3,
            baseline=Stats(per["noop"]),
            baseline_what="the same config, a no-op sink",
            notes=[
                f"one call (6 metric points): median {fmt(statistics.median(calls['mlflow']), 's')}, "
                f"p99 {fmt(p99, 's')}, max {fmt(max(calls['mlflow']), 's')} "
                f"(no-op: median {fmt(statistics.median(calls['noop']), 's')}, max {fmt(max(calls['noop']), 's')})",
                f"the first batch event opens the run (spool, run.json, background thread): "
                f"{fmt(statistics.median(first), 's')}",
                f"end-of-training drain wait, not counted above: {fmt(statistics.median(drains), 's')} "
                f"({fmt(min(drains), 's')}–{fmt(max(drains), 's')}); the stand-in fires batches far faster than "
                "a training, so nearly everything is sent in it",
                "whole simulated training (wall, drain wait excluded): "
                f"{fmt(statistics.median(w - d for w, d in zip(walls['mlflow'], drains, strict=True)), 's')} "
                f"with MLflow, {fmt(statistics.median(walls['noop']), 's')} with the no-op sink",
                _sent_note(outcomes)
                + (f"; the last run holds {points} points of train/box_loss (of {n})" if points is not None else ""),
                _network_note(),
            ],
            extra={
                "batch_events": n,
                "ratio": ratio,
                "call_s": {"median": statistics.median(one), "p99": p99, "max": max(one)},
                "drain_s": drains,
                "wall_s": walls,
                "outcomes": outcomes,
                "points_train_box_loss": points,
                "network_attempts": list(_NetWatch.attempts),
            },
        )
    ]


def _points(uri: str, outcome: str, key: str) -> int | None:
    """How many points of ``key`` the run named in ``outcome`` holds in MLflow (untimed check)."""
    run_id = _run_id(outcome)
    if run_id is None:
        return None
    from mlflow import MlflowClient

    try:
        return len(MlflowClient(tracking_uri=uri).get_metric_history(run_id, key))
    except Exception:
        return None


# ============================================================ 12: fan-out Neptune + MLflow vs Neptune
FANOUT_TARGET = 1.5


def row12(b: Bench) -> list[Result]:
    import hooks
    from hooks.testing.standin import EPOCH_EVENTS, simulate_training

    quiet_neptune()
    uri = _tracking(b)
    epochs = b.pick(300, 4)
    neptune = f"neptune: {{mode: offline, {QUIET_CAPTURE}}}"
    both = b.write(
        "fanout-both.yaml",
        "version: 1\nextends: default\n"
        f"sink: {{{neptune}, mlflow: {{tracking_uri: '{uri}', experiment: yaml-hooks-bench-fanout}}}}\n",
    )
    alone = b.write("fanout-neptune.yaml", f"version: 1\nextends: default\nsink: {{{neptune}}}\n")
    configs = {"both": both, "neptune": alone}
    timers: dict[str, list[CallTimer]] = {"both": [], "neptune": []}
    drains: list[float] = []
    outcomes: list[str] = []

    def side(name: str) -> Callable[[], float]:
        def go() -> float:
            timer = CallTimer()
            callbacks = timer.wrap(hooks.load(configs[name]))
            with _timed_stops() as stops:
                simulate_training(callbacks, b.fresh_dir("row12"), epochs=epochs, events=EPOCH_EVENTS)
            drain = sum(s for s, _ in stops)
            if name == "both":
                drains.append(drain)
                outcomes.extend(o for _, o in stops)
            timers[name].append(timer)
            return (timer.total - drain) / len(timer.calls)

        return go

    # Warm-up: the first Neptune run, the first figure, model_info, each side once.
    for config in configs.values():
        simulate_training(dict(hooks.load(config)), b.fresh_dir("warm"), epochs=3, events=EPOCH_EVENTS)
    settle()
    repeats = b.pick(5, 1)
    b.say(f"  row 12: {repeats} × {epochs}-epoch simulated trainings per side, Neptune offline (+ MLflow)")
    per = alternate({"both": side("both"), "neptune": side("neptune")}, repeats)

    n_events = len(timers["both"][0].calls)
    by_event = {
        name: {e: statistics.median(t.total_of([e]) for t in ts) for e in dict.fromkeys(e for e, _ in ts[0].calls)}
        for name, ts in timers.items()
    }
    median_call = {
        e: {name: statistics.median(s for t in ts for ev, s in t.calls if ev == e) for name, ts in timers.items()}
        for e in ("on_train_epoch_end", "on_fit_epoch_end")
    }
    drain_med = statistics.median(drains)
    end_both = statistics.median(t.total_of(["on_train_end"]) for t in timers["both"]) - drain_med
    ratio = _ratio(statistics.median(per["both"]), statistics.median(per["neptune"]))
    pairs = [a / c for a, c in zip(per["both"], per["neptune"], strict=True)]
    return [
        Result(
            "12",
            f"`default`, Neptune offline + MLflow ({_transport(b)}) vs Neptune alone: per event, "
            f"{epochs}-epoch simulated run",
            Stats(per["both"]),
            f"ratio ≤ {FANOUT_TARGET}",
            f"×{ratio:.3f} (≤ {FANOUT_TARGET})",
            ratio <= FANOUT_TARGET,
            baseline=Stats(per["neptune"]),
            baseline_what="`default`, Neptune offline only, per event",
            notes=[
                "target ≤ ×1.5: on the training thread MLflow is an in-memory append per call, far less than "
                "Neptune offline's own work there; what else it costs is its background thread's Python work "
                "(spool JSON, HTTP) taking turns at the GIL, which this all-Python stand-in, epochs back to back, "
                "feels in full; ≤ ×1.5 bounds both; "
                f"per interleaved pair ×{min(pairs):.3f}–×{max(pairs):.3f}",
                "total per event type, both vs Neptune alone: "
                + "; ".join(
                    f"{e} {fmt(v, 's')} vs {fmt(by_event['neptune'].get(e, 0.0), 's')}"
                    for e, v in by_event["both"].items()
                )
                + f" (on_train_end with both: {fmt(end_both, 's')} once the drain wait is taken out)",
                "median call, both vs Neptune alone: "
                + "; ".join(f"{e} {fmt(v['both'], 's')} vs {fmt(v['neptune'], 's')}" for e, v in median_call.items())
                + " (the mean is above the median: the background thread's turns at the GIL land in some calls)",
                f"MLflow's end-of-training drain wait, not counted above: {fmt(drain_med, 's')} "
                f"({fmt(min(drains), 's')}–{fmt(max(drains), 's')})",
                _sent_note(outcomes),
                _network_note(),
            ],
            extra={
                "events": n_events,
                "epochs": epochs,
                "by_event_median_s": by_event,
                "median_call_s": median_call,
                "drain_s": drains,
                "pair_ratios": pairs,
                "outcomes": outcomes,
                "network_attempts": list(_NetWatch.attempts),
            },
        )
    ]


# ===================================== 19, 20: a team's server: PostgreSQL, 2 workers, 1/4/16 trainings
TEAMS = (1, 4, 16)  # trainings at once
SENDER_TARGET = 0.8  # the senders' points/s against one client's log_batch ceiling, same server, same run
TEAM_EVENT_TARGET = 1e-3  # the training thread's time per event at the 99th percentile
_CEILING_BATCHES = 10  # log_batch calls of 1,000 points per measurement of the ceiling
# epochs, batches: every training of a team logs 15,000 points (3 losses at 5 epochs of 1,000 batches), the
# one training alone 60,000, as many as a team of 4. A training's own requests (its run, params, an image an
# epoch, best.pt, a model version: about 20, 0.3 s of the server's time) are paid once per training, so a
# team of short trainings measures them, not the metric points (at 250 batches, half of the server's time).
TEAM_SIZES = {1: (20, 1000), 4: (5, 1000), 16: (5, 1000)}


def _team_server(b: Bench) -> str:
    """A PostgreSQL (pgserver) and a 2-worker `mlflow server` on it, artifacts served by the server
    (tests/team_training.py, as the team test starts them), once for rows 19 and 20."""
    if "team_uri" not in b.cache:
        _NetWatch.install()
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from tests.team_training import team_server

        b.say("  starting PostgreSQL and a 2-worker mlflow server on it (about 30 s) …")
        t = time.perf_counter()
        context = team_server(b.workdir / "team-server", workers=2)
        server = context.__enter__()
        b.cleanups.append(lambda: context.__exit__(None, None, None))
        b.say(f"  team server at {server.uri}, ready in {time.perf_counter() - t:.1f} s")
        b.cache["team_uri"] = server.uri
    return str(b.cache["team_uri"])


def _ceiling(uri: str, experiment: str) -> list[float]:
    """One client's log_batch ceiling: points/s of log_batch calls of 1,000 points (MLflow's most in
    one call) into a run of its own, one call after the other, each timed."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    client = MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment)
    run_id = client.create_run(experiment_id, run_name="ceiling").info.run_id
    now = int(time.time() * 1000)
    rates = []
    for i in range(_CEILING_BATCHES):
        steps = range(i * 334, i * 334 + 334)
        points = [Metric(f"train/loss{k}", 1.0 / (j + 1), now, j) for j in steps for k in range(3)][:1000]
        t = time.perf_counter()
        client.log_batch(run_id, metrics=points)
        rates.append(len(points) / (time.perf_counter() - t))
    client.set_terminated(run_id)
    return rates


def _team_runs(b: Bench) -> dict[Any, Any]:
    """Each team size once with the MLflow sink and once with a no-op sink (the training thread's
    baseline), and one client's ceiling before and after them; cached for rows 19 and 20. The
    trainings of every team are the same (TEAM_SIZES)."""
    if "team" in b.cache:
        return b.cache["team"]  # type: ignore[no-any-return]
    from tests.team_training import run_team

    uri = _team_server(b)
    out: dict[Any, Any] = {"ceiling": _ceiling(uri, "yaml-hooks-bench-ceiling")}
    for n in TEAMS:
        epochs, batches = TEAM_SIZES[n]
        out[(n, "size")] = (epochs, batches, 3 * epochs * batches)
        b.say(f"  rows 19/20: {n} training(s) at once, {epochs} epochs × {batches} batches, MLflow, then no-op")
        for side in ("mlflow", "noop"):
            out[(n, side)] = run_team(
                uri,
                b.fresh_dir(f"team-{n}-{side}"),
                n,
                epochs=epochs,
                batches=batches,
                experiment=f"yaml-hooks-bench-team-{n}",
                model=f"bench-team-{n}",
                drain_seconds=600,  # everything is sent before stop() returns
                noop=int(side == "noop"),
                timeout=900,
            )
    out["ceiling"] += _ceiling(uri, "yaml-hooks-bench-ceiling")
    b.cache["team"] = out
    return out


def _span(reports: list[Any]) -> float:
    """From the first batch event of any training to the last metric point of any reaching the server."""
    return float(max(r.metrics_sent for r in reports) - min(r.started for r in reports))


def row19(b: Bench) -> list[Result]:
    team = _team_runs(b)
    ceiling = Stats([c / 1000 for c in team["ceiling"]], "k/s")
    results = []
    for n, letter in zip(TEAMS, "abc", strict=True):
        reports = team[(n, "mlflow")]
        epochs, batches, points = team[(n, "size")]
        span = _span(reports)
        rate = points * n / span / 1000
        ratio = rate / ceiling.median
        outcomes = [r.outcome for r in reports]
        results.append(
            Result(
                f"19{letter}",
                f"MLflow senders' throughput, {n} stand-in training(s) at once logging per batch, "
                "PostgreSQL-backed server (2 workers), points/s",
                Stats([rate], "k/s"),
                f"≥ {SENDER_TARGET}× one client's log_batch",
                f"×{ratio:.2f} of the ceiling (≥ {SENDER_TARGET})",
                ratio >= SENDER_TARGET,
                baseline=ceiling,
                baseline_what="one client's log_batch of 1,000 points, same server, before and after the teams",
                notes=[
                    f"{n} × {points:,} points ({epochs} epochs × {batches} batches × 3 losses) "
                    f"in {span:.1f} s, from the first batch event of any training to the last point of any on the "
                    "server; each training also sends its params, an image an epoch, best.pt and a model version",
                    f"end-of-training drain waits (drain_seconds 600: everything sent before stop() returns): "
                    f"{fmt(min(r.drain_s for r in reports), 's')}–{fmt(max(r.drain_s for r in reports), 's')}",
                    _sent_note(outcomes),
                    _network_note(),
                ],
                extra={
                    "trainings": n,
                    "points_per_training": points,
                    "ratio": ratio,
                    "drain_s": [r.drain_s for r in reports],
                    "span_s": span,
                    "outcomes": outcomes,
                },
            )
        )
    return results


def _median(reports: list[Any], field: str) -> float:
    return float(statistics.median(getattr(r, field) for r in reports))


def _slowest(reports: list[Any]) -> str:
    return str(max(reports, key=lambda r: r.max_event_s).slowest_event)


def row20(b: Bench) -> list[Result]:
    team = _team_runs(b)
    results = []
    for n, letter in zip(TEAMS, "abc", strict=True):
        ours, noop = team[(n, "mlflow")], team[(n, "noop")]
        p99 = Stats([r.p99_event_s for r in ours])
        results.append(
            Result(
                f"20{letter}",
                f"training thread per event, 99th percentile, {n} stand-in training(s) at once logging per batch "
                "to a PostgreSQL-backed server (one sample per training)",
                p99,
                f"≤ {fmt(TEAM_EVENT_TARGET, 's')} at p99",
                f"{fmt(p99.median, 's')} (≤ {fmt(TEAM_EVENT_TARGET, 's')})",
                p99.median <= TEAM_EVENT_TARGET,
                baseline=Stats([r.p99_event_s for r in noop]),
                baseline_what="the same trainings at once, a no-op sink: what the machine's own contention costs",
                notes=[
                    f"{ours[0].events} events a training ({ours[0].batch_events} batch events); the drain wait is not "
                    f"counted; per batch event p99: median {fmt(_median(ours, 'p99_batch_event_s'), 's')} (no-op "
                    f"{fmt(_median(noop, 'p99_batch_event_s'), 's')}); slowest event: "
                    f"{fmt(max(r.max_event_s for r in ours), 's')} ({_slowest(ours)}; no-op "
                    f"{fmt(max(r.max_event_s for r in noop), 's')}, {_slowest(noop)})",
                    f"{n} processes on this machine's {os.cpu_count()} CPU(s), each with its sender thread: past that "
                    "many, an event waits for a CPU as often as not, with either sink",
                ],
                extra={
                    "trainings": n,
                    "p99_event_s": {"mlflow": [r.p99_event_s for r in ours], "noop": [r.p99_event_s for r in noop]},
                    "p99_batch_event_s": {
                        "mlflow": [r.p99_batch_event_s for r in ours],
                        "noop": [r.p99_batch_event_s for r in noop],
                    },
                },
            )
        )
    return results


ROWS: dict[str, Callable[[Bench], list[Result]]] = {
    "10": row10,
    "11": row11,
    "12": row12,
    "19": row19,
    "20": row20,
}
QUICK_SKIPS = ("10", "19", "20")  # a real training; a PostgreSQL server: --quick runs neither
