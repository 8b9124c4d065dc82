"""Row 22 of the benchmark table: every installed tracker (Neptune, MLflow, TensorBoard, W&B) from
one config, per event, against the sum of each tracker alone, measured interleaved in the same
run. Its own module: it uses the MLflow rows' server and the tracker rows' timers, which both use
``_rows``' Bench (here, no import runs in a circle)."""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._harness import CallTimer, Result, Stats, alternate, fmt, quiet_neptune, settle
from ._mlflow_rows import _all_sent, _NetWatch, _network_note, _tracking, _transport
from ._rows import QUIET_CAPTURE, Bench, _ratio
from ._tracker_rows import _timed

# ============================================================ 22: every installed tracker, fan-out
FANOUT_ALL_TARGET = 1.2  # all trackers from one config at most 1.2 times the sum of each alone
TRACKERS = ("neptune", "mlflow", "tensorboard", "wandb")


def _tracker_classes(name: str) -> tuple[type, type]:
    """(factory, sink) classes of a tracker: their open() and stop() are the one-offs."""
    if name == "neptune":
        from hooks.sinks.neptune.sink import NeptuneSink, NeptuneSinkFactory

        return NeptuneSinkFactory, NeptuneSink
    if name == "mlflow":
        from hooks.sinks.mlflow.sink import MlflowSink, MlflowSinkFactory

        return MlflowSinkFactory, MlflowSink
    if name == "tensorboard":
        from hooks.sinks.tensorboard.sink import TensorBoardSink, TensorBoardSinkFactory

        return TensorBoardSinkFactory, TensorBoardSink
    from hooks.sinks.wandb.sink import WandbSink, WandbSinkFactory

    return WandbSinkFactory, WandbSink


def row22(b: Bench) -> list[Result]:
    import importlib.util

    import hooks
    from hooks.testing.standin import EPOCH_EVENTS, simulate_training

    installed = [t for t in TRACKERS if importlib.util.find_spec(t) is not None]
    missing = [t for t in TRACKERS if t not in installed]
    _NetWatch.install()
    quiet_neptune()
    if "wandb" in installed:
        import wandb  # noqa: F401  (imported before any timing, as a training's process would have it)
    options = {
        "neptune": f"{{mode: offline, {QUIET_CAPTURE}}}",
        "mlflow": f"{{tracking_uri: '{_tracking(b)}', experiment: yaml-hooks-bench-fanout-all}}"
        if "mlflow" in installed
        else "",
        "tensorboard": "{}",
        "wandb": "{}",
    }
    events = (
        "events:\n"
        "  on_train_batch_end:\n"
        "    - scalars: {from: train_losses, prefix: batch/, id: batch-losses}\n"
        "  on_train_epoch_end:\n"
        "    - scalars: {from: train_losses, id: train-losses}\n"
        "    - scalars: {from: lr, id: lr}\n"
        "  on_fit_epoch_end:\n"
        "    - scalars: {from: metrics, id: metrics}\n"
    )

    def config(name: str, trackers: list[str]) -> Path:
        sink = ", ".join(f"{t}: {options[t]}" if t in trackers else f"{t}: false" for t in installed)
        return b.write(f"fanout-{name}.yaml", f"version: 1\nsink: {{{sink}}}\n{events}")

    configs = {"all": config("all", installed), **{t: config(t, [t]) for t in installed}}
    epochs, batches = b.pick(20, 2), b.pick(20, 3)
    one_off: dict[str, list[float]] = {name: [] for name in configs}
    n_events: list[int] = []
    outcomes: list[str] = []

    def side(name: str) -> Callable[[], float]:
        def go() -> float:
            callbacks = dict(hooks.load(configs[name]))  # compiling is not part of the per-event cost
            timer = CallTimer()
            with contextlib.ExitStack() as stack:
                spent = []
                for t in installed:
                    factory, sink = _tracker_classes(t)
                    spent += [stack.enter_context(_timed(factory, "open")), stack.enter_context(_timed(sink, "stop"))]
                if "mlflow" in installed:
                    from hooks.sinks.mlflow.sink import MlflowSink

                    stop = MlflowSink.stop

                    def said(s: Any, stop: Callable[[Any], str] = stop) -> str:
                        outcome = str(stop(s))
                        outcomes.append(outcome)
                        return outcome

                    MlflowSink.stop = said  # type: ignore[method-assign]
                    stack.callback(setattr, MlflowSink, "stop", stop)
                simulate_training(
                    timer.wrap(callbacks),
                    b.fresh_dir(f"row22-{name}"),
                    epochs=epochs,
                    batches=batches,
                    events=(*EPOCH_EVENTS, "on_train_batch_end"),
                    write_files=False,
                )
            once = sum(sum(s) for s in spent)
            one_off[name].append(once)
            n_events.append(len(timer.calls))
            return (timer.total - once) / len(timer.calls)

        return go

    sides = {name: side(name) for name in configs}
    b.say(f"  row 22: a warm-up training per side ({', '.join(installed)}): first runs, lazy imports")
    for go in sides.values():
        go()
    for v in one_off.values():
        v.clear()
    outcomes.clear()
    settle()
    repeats = b.pick(5, 1)
    b.say(f"  row 22: {repeats} × {epochs}-epoch, {epochs * batches}-batch simulated trainings per side")
    per = alternate(sides, repeats)

    alone = [sum(per[t][i] for t in installed) for i in range(repeats)]  # the sum, per interleaved round
    total = sum(statistics.median(per[t]) for t in installed)
    ratio = _ratio(statistics.median(per["all"]), statistics.median(alone))
    pairs = [a / s for a, s in zip(per["all"], alone, strict=True)]
    sent = sum(_all_sent(o) for o in outcomes)
    return [
        Result(
            "22",
            f"fan-out to every installed tracker ({' + '.join(installed)}) from one config: per event, "
            f"{epochs}-epoch, {epochs * batches}-batch simulated run",
            Stats(per["all"]),
            f"ratio ≤ {FANOUT_ALL_TARGET}",
            f"×{ratio:.3f} (≤ {FANOUT_ALL_TARGET})",
            ratio <= FANOUT_ALL_TARGET,
            baseline=Stats(alone),
            baseline_what="the sum of each tracker alone (same config, one tracker each), per event, "
            "measured interleaved in the same run",
            notes=[
                f"target ≤ ×{FANOUT_ALL_TARGET}: the fan-out itself is a loop over the open sinks; what is over "
                "the sum is the trackers' background threads (Neptune's, MLflow's sender, W&B's) taking turns "
                "at the GIL together (and the sum counts yaml-hooks' own per-event work, sources and conditions, "
                "once a tracker, the fan-out once, so it may well come under ×1); the baseline is each round's sum "
                "of the trackers alone, the ratio that of "
                f"the medians (against the sum of the medians: ×{_ratio(statistics.median(per['all']), total):.3f}); "
                "per interleaved round "
                f"×{min(pairs):.3f}–×{max(pairs):.3f}",
                "per event alone (median): "
                + "; ".join(f"{t} {fmt(statistics.median(per[t]), 's')}" for t in installed)
                + f"; sum {fmt(total, 's')}",
                "one-offs kept out (every tracker's open() and stop(), MLflow's drain wait included), median: "
                + "; ".join(f"{k} {fmt(statistics.median(v), 's')}" for k, v in one_off.items()),
                f"{n_events[-1]:,} events per training (a scalar series per batch, per epoch end, per fit epoch "
                f"end); Neptune offline; MLflow: {_transport(b) if 'mlflow' in installed else '—'}; "
                "TensorBoard event files; W&B offline",
                f"trackers not installed, left out: {', '.join(missing)}" if missing else "every tracker installed",
                f"MLflow runs that ended with everything sent: {sent} of {len(outcomes)}",
                _network_note(),
            ],
            extra={
                "trackers": installed,
                "missing": missing,
                "epochs": epochs,
                "batches": batches,
                "events": n_events[-1],
                "alone_per_event_s": {t: Stats(per[t]).to_json() for t in installed},
                "sum_of_medians_s": total,
                "ratio": ratio,
                "pair_ratios": pairs,
                "one_off_s": one_off,
            },
        )
    ]


ROWS: dict[str, Callable[[Bench], list[Result]]] = {"22": row22}
