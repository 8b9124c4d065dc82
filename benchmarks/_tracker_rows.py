"""The TensorBoard and W&B rows of the benchmark table (15–18): what the two sinks cost the
training thread per event, against the same series written by hand with the tracker's own client
(15, 16), and what the presets `ultralytics-tensorboard` and `ultralytics-wandb` cost per epoch of a
real training against Ultralytics' own callbacks, which they log exactly as (17, 18).

The config of both rows logs per-epoch series (training losses and learning rates at the epoch's
end, the validation metrics at the fit epoch's end) and per-batch series (the running training
losses and the learning rates, as ``batch/…``, at every batch end), to ``sink: {neptune: false,
<tracker>: {}}``, driven by the stand-in trainer; ``_handwritten`` has the hand-written sides.

Per event is the training thread's time inside the callbacks over a simulated training, divided by
the events the config's callbacks receive, less each side's opening of its run (W&B: ``wandb.init``,
its service's start the first time) and its closing (``stop()``/``run.finish()``, the writer's
close): one-offs, which the notes give apart. Both sides are divided by the same event count.

W&B runs offline, silent, with every folder it writes in the benchmark's scratch folder
(``run.py``'s ``_prepare`` sets WANDB_MODE, WANDB_SILENT, WANDB_DIR, …, and drops the
caller's other W&B settings); this process's connection attempts to other hosts are recorded
(``_mlflow_rows._NetWatch``: W&B's service is a process of its own, which that does not see).
"""

from __future__ import annotations

import contextlib
import re
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ._handwritten import HandSummaryWriter, HandTensorBoard, HandWandb
from ._harness import CallTimer, Result, Stats, alternate, fmt, settle
from ._mlflow_rows import _NetWatch, _network_note
from ._rows import Bench, _ratio

# Ours per event at most 1.5 times the same logging written by hand (new rows: their first run sets the record).
TARGET = 1.5

BATCH_EVENT = "on_train_batch_end"


def _config(b: Bench, name: str, tracker: str) -> Path:
    return b.write(
        f"{name}.yaml",
        "version: 1\n"
        f"sink: {{neptune: false, {tracker}: {{}}}}\n"
        "events:\n"
        "  on_train_batch_end:\n"
        "    - scalars: {from: train_losses, prefix: batch/, id: batch-losses}\n"
        "    - scalars: {from: lr, prefix: batch/, id: batch-lr}\n"
        "  on_train_epoch_end:\n"
        "    - scalars: {from: train_losses, step: epoch, id: train-losses}\n"
        "    - scalars: {from: lr, step: epoch, id: lr}\n"
        "  on_fit_epoch_end:\n"
        "    - scalars: {from: metrics, step: epoch, id: metrics}\n",
    )


@contextlib.contextmanager
def _timed(cls: type, name: str) -> Iterator[list[float]]:
    """Times every call of ``cls.name`` (a sink's opening or stopping) while the block runs."""
    original = getattr(cls, name)
    seconds: list[float] = []

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - t)

    setattr(cls, name, timed)
    try:
        yield seconds
    finally:
        setattr(cls, name, original)


class _Sides:
    """The sides of one row: each one a simulated training, returning its per-event seconds."""

    def __init__(self, b: Bench, row: str, epochs: int, batches: int) -> None:
        from hooks.testing.standin import EPOCH_EVENTS

        self.b, self.row, self.epochs, self.batches = b, row, epochs, batches
        self.events = (*EPOCH_EVENTS, BATCH_EVENT)
        self.n_events = 0  # the events ours' callbacks receive in one training (set by ours)
        self.one_off: dict[str, list[tuple[float, float]]] = {}  # side -> [(open s, close s)]
        self.folders: dict[str, Path] = {}  # side -> the last training's folder
        self.outcomes: list[str] = []

    def simulate(self, name: str, callbacks: dict[str, Any]) -> CallTimer:
        from hooks.testing.standin import simulate_training

        timer = CallTimer()
        folder = self.b.fresh_dir(f"row{self.row}-{name}")
        simulate_training(
            timer.wrap(callbacks),
            folder,
            epochs=self.epochs,
            batches=self.batches,
            events=self.events,
            write_files=False,
        )
        self.folders[name] = folder
        return timer

    def ours(self, config: Path, factory: Any, sink: Any) -> Callable[[], float]:
        import hooks

        def go() -> float:
            callbacks = dict(hooks.load(config))  # compiling is not part of the per-event cost
            with _timed(factory, "open") as opens, _timed(sink, "stop") as stops:
                original = sink.stop
                outcomes = self.outcomes

                def stop(s: Any) -> str:
                    outcome = str(original(s))
                    outcomes.append(outcome)
                    return outcome

                sink.stop = stop
                try:
                    timer = self.simulate("ours", callbacks)
                finally:
                    sink.stop = original
            if len(opens) != 1 or len(stops) != 1:
                raise RuntimeError(f"expected the sink to open and stop once, got {len(opens)} and {len(stops)}")
            self.n_events = len(timer.calls)
            self.one_off.setdefault("ours", []).append((opens[0], stops[0]))
            return (timer.total - opens[0] - stops[0]) / self.n_events

        return go

    def hand(
        self, name: str, make: Callable[[], Any], after: Callable[[Any], None] | None = None
    ) -> Callable[[], float]:
        def go() -> float:
            side = make()
            timer = self.simulate(name, side.callbacks())
            if after is not None:
                after(side)
            self.one_off.setdefault(name, []).append((side.open_s, side.close_s))
            return float(timer.total - side.open_s - side.close_s) / self.n_events

        return go

    def one_off_note(self, sides: dict[str, str]) -> str:
        def med(name: str, i: int) -> str:
            return fmt(statistics.median(x[i] for x in self.one_off[name]), "s")

        return "one-offs, kept out of the per-event figures (median): " + "; ".join(
            f"{what}: opening {med(name, 0)}, closing {med(name, 1)}" for name, what in sides.items()
        )


def _scalar_points(folder: Path) -> set[tuple[str, int]]:
    """(tag, step) of every scalar in a folder's event files (untimed check), text summaries left out."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    points = set()
    for path in sorted(folder.glob("events.out.tfevents.*")):
        for event in EventFileLoader(str(path)).Load():
            for value in event.summary.value:
                if value.HasField("simple_value") or value.tensor.double_val or value.tensor.float_val:
                    points.add((value.tag, int(event.step)))
    return points


def _wandb_points(log: Path | None) -> set[tuple[str, str, Any]]:
    """(key, step metric, step) of every value in a W&B run's history (untimed check), read from
    its ``.wandb`` log with the reader's own scan; empty when there is no log."""
    import json

    from hooks.runs.wandb.log import Scan, scan

    points: set[tuple[str, str, Any]] = set()
    if log is None or not log.is_file():
        return points
    for record in scan(log, Scan(log)):
        if record.WhichOneof("record_type") != "history":
            continue
        items = {"/".join(i.nested_key) or i.key: json.loads(i.value_json) for i in record.history.item}
        metric = "batch" if "batch" in items else "epoch"
        points.update((k, metric, items.get(metric)) for k in items if k not in ("batch", "epoch") and k[0] != "_")
    return points


def _ours_log(outcome: str) -> Path | None:
    """The ``.wandb`` log of the run the sink's stop() named ("W&B offline run saved in <folder> (…")."""
    m = re.match(r"W&B offline run saved in (.+?) \(upload it later", outcome)
    logs = sorted(Path(m.group(1)).glob("run-*.wandb")) if m else []
    return logs[0] if logs else None


# ============================================================== 15: TensorBoard vs its own writers
def row15(b: Bench) -> list[Result]:
    from hooks.sinks.tensorboard.sink import TensorBoardSink, TensorBoardSinkFactory

    epochs, batches = b.pick(30, 2), b.pick(100, 5)
    config = _config(b, "tensorboard-series", "tensorboard")
    s = _Sides(b, "15", epochs, batches)
    sides = {
        "ours": s.ours(config, TensorBoardSinkFactory, TensorBoardSink),
        "writer": s.hand("writer", HandTensorBoard),
        "summarywriter": s.hand("summarywriter", HandSummaryWriter),
    }
    # Warm-up, untimed: the first event file, torch's SummaryWriter, hooks' own lazy imports.
    for go in sides.values():
        go()
    s.one_off.clear()
    s.outcomes.clear()
    # The same series at the same steps on every side (untimed: the last warm-up's files).
    points = {name: _scalar_points(folder) for name, folder in s.folders.items()}
    same = points["ours"] == points["writer"] == points["summarywriter"]
    settle()
    repeats = b.pick(7, 1)
    n = epochs * batches
    b.say(f"  row 15: {repeats} × {epochs}-epoch, {n:,}-batch simulated trainings per side, TensorBoard")
    per = alternate(sides, repeats)

    compiled = Stats(per["ours"])
    results = []
    for row, name, what in (
        ("15a", "writer", "TensorBoard's own EventFileWriter by hand, float64 scalar summaries, flushed every epoch"),
        (
            "15b",
            "summarywriter",
            "torch's SummaryWriter.add_scalar by hand (Ultralytics' own callback's way, never flushed in between)",
        ),
    ):
        ratio = _ratio(compiled.median, statistics.median(per[name]))
        pairs = [a / c for a, c in zip(per["ours"], per[name], strict=True)]
        notes = [
            f"target ≤ ×{TARGET} (a new row: its first result sets the record); per interleaved pair "
            f"×{min(pairs):.3f}–×{max(pairs):.3f}",
        ]
        if row == "15a":
            notes += [
                f"{s.n_events:,} events per training ({n:,} batch events, 3 losses + 3 learning rates each, "
                "the rates from the first epoch's end on; the same per epoch end, the validation metrics per "
                "fit epoch end); "
                "sink: {neptune: false, tensorboard: {}}",
                s.one_off_note({"ours": "ours", "writer": "EventFileWriter", "summarywriter": "SummaryWriter"}),
                f"the same {len(points['ours']):,} scalar (tag, step) points in every side's event files"
                if same
                else "the scalar points DIFFER between the sides: "
                + "; ".join(f"{k} {len(v)}" for k, v in points.items()),
            ]
        results.append(
            Result(
                row,
                f"TensorBoard sink, per-epoch + per-batch series: per event, {epochs}-epoch, {n:,}-batch simulated run"
                if row == "15a"
                else "same, against Ultralytics' way (SummaryWriter.add_scalar)",
                compiled,
                f"ratio ≤ {TARGET}",
                f"×{ratio:.3f} (≤ {TARGET})",
                ratio <= TARGET,
                baseline=Stats(per[name]),
                baseline_what=what + ", per event",
                notes=notes,
                extra={
                    "events": s.n_events,
                    "epochs": epochs,
                    "batches": batches,
                    "ratio": ratio,
                    "pair_ratios": pairs,
                    "one_off_s": s.one_off,
                    "same_points": same,
                    "points": len(points["ours"]),
                },
            )
        )
    return results


# =================================================================== 16: W&B offline vs its own client
def row16(b: Bench) -> list[Result]:
    from hooks.sinks.wandb.sink import WandbSink, WandbSinkFactory
    from hooks.sinks.wandb.writer import wait_written

    _NetWatch.install()
    import wandb  # imported before any timing, as the sink's process would have it

    epochs, batches = b.pick(30, 2), b.pick(100, 5)
    config = _config(b, "wandb-series", "wandb")
    s = _Sides(b, "16", epochs, batches)
    folder = b.workdir / "wandb-hand"
    folder.mkdir(parents=True, exist_ok=True)

    hand_logs: list[Path | None] = []

    def written(side: HandWandb) -> None:
        """As the sink's stop() does (untimed here): W&B's service done with the run's log before the next run."""
        log = side.log_file()
        hand_logs.append(log)
        if log is not None:
            wait_written(log)

    sides = {
        "ours": s.ours(config, WandbSinkFactory, WandbSink),
        "hand": s.hand("hand", lambda: HandWandb(folder), written),
    }
    b.say("  row 16: W&B offline: a warm-up training per side (the service's start, W&B's lazy imports)")
    for go in sides.values():
        go()
    service = s.one_off["ours"][0][0]  # ours warms up first
    # The same values at the same steps on both sides (untimed: the warm-up runs' logs).
    points = {
        "ours": _wandb_points(_ours_log(s.outcomes[-1]) if s.outcomes else None),
        "hand": _wandb_points(hand_logs[-1]),
    }
    same = bool(points["ours"]) and points["ours"] == points["hand"]
    s.one_off.clear()
    s.outcomes.clear()
    settle()
    repeats = b.pick(11, 1)  # W&B's client's figures vary more from run to run than TensorBoard's
    n = epochs * batches
    b.say(f"  row 16: {repeats} × {epochs}-epoch, {n:,}-batch simulated trainings per side, W&B offline")
    # The part of each side's time spent in W&B's own run.log (both sides alike; a note, not the verdict).
    in_log: dict[str, list[float]] = {"ours": [], "hand": []}
    with _timed(wandb.Run, "log") as logs:

        def split(name: str) -> Callable[[], float]:
            go = sides[name]

            def run() -> float:
                logs.clear()
                sample = go()
                in_log[name].append(sum(logs) / s.n_events)
                return sample

            return run

        per = alternate({name: split(name) for name in sides}, repeats)

    ratio = _ratio(statistics.median(per["ours"]), statistics.median(per["hand"]))
    pairs = [a / c for a, c in zip(per["ours"], per["hand"], strict=True)]
    own = {k: statistics.median(a - c for a, c in zip(per[k], in_log[k], strict=True)) for k in per}
    saved = sum(o.startswith("W&B offline run saved in") and "failed" not in o for o in s.outcomes)
    return [
        Result(
            "16",
            f"W&B offline sink, per-epoch + per-batch series: per event, {epochs}-epoch, {n:,}-batch simulated run",
            Stats(per["ours"]),
            f"ratio ≤ {TARGET}",
            f"×{ratio:.3f} (≤ {TARGET})",
            ratio <= TARGET,
            baseline=Stats(per["hand"]),
            baseline_what="W&B's own client by hand: wandb.init(mode='offline'), run.log per batch and epoch "
            "event, run.finish(), per event",
            notes=[
                f"target ≤ ×{TARGET} (a new row: its first result sets the record); per interleaved pair "
                f"×{min(pairs):.3f}–×{max(pairs):.3f}",
                f"{s.n_events:,} events per training ({n:,} batch events, one history row each; ours logs one row per "
                "epoch (losses, learning rates and metrics share the step), by hand two); "
                "sink: {neptune: false, wandb: {}}",
                "of which in W&B's own run.log, per event (median): "
                f"ours {fmt(statistics.median(in_log['ours']), 's')}, "
                f"by hand {fmt(statistics.median(in_log['hand']), 's')} (per training: ours "
                f"{fmt(min(in_log['ours']), 's')}–{fmt(max(in_log['ours']), 's')}, by hand "
                f"{fmt(min(in_log['hand']), 's')}–{fmt(max(in_log['hand']), 's')}); the rest, outside W&B's client: "
                f"ours {fmt(own['ours'], 's')}, by hand {fmt(own['hand'], 's')} per event",
                s.one_off_note({"ours": "ours", "hand": "by hand"})
                + f"; the process's first wandb.init (the service's start): {fmt(service, 's')}",
                f"the same {len(points['ours']):,} history values (key, step metric, step) in both sides' runs"
                if same
                else "the history values DIFFER between the sides: "
                + "; ".join(f"{k} {len(v)}" for k, v in points.items()),
                f"{saved} of {len(s.outcomes)} runs of ours ended 'W&B offline run saved in …' with no failed call",
                _network_note() + " (W&B's service, a process of its own, is not watched)",
            ],
            extra={
                "events": s.n_events,
                "epochs": epochs,
                "batches": batches,
                "ratio": ratio,
                "pair_ratios": pairs,
                "one_off_s": s.one_off,
                "first_init_s": service,
                "same_points": same,
                "points": len(points["ours"]),
                "in_run_log_per_event_s": in_log,
                "outcomes": s.outcomes,
                "network_attempts": list(_NetWatch.attempts),
            },
        )
    ]


# ====================================================== 17, 18: against Ultralytics' own callbacks
@contextlib.contextmanager
def _their_callbacks(module: str, setting: str, timer: CallTimer) -> Iterator[Any]:
    """Ultralytics' own integration ``module`` (``ultralytics.utils.callbacks.<module>``) switched
    on for the trainers made inside, each of its callbacks timed by ``timer``; as it was after."""
    import importlib

    from ultralytics.utils import SETTINGS

    integration = importlib.import_module(f"ultralytics.utils.callbacks.{module}")
    if not integration.callbacks:
        raise RuntimeError(f"Ultralytics' {module} callback is empty: its tracker is not importable there")
    original, setting_before = dict(integration.callbacks), SETTINGS[setting]
    integration.callbacks.update(timer.wrap(original))  # the dict add_integration_callbacks reads
    SETTINGS.update({setting: True})  # the benchmark's set-up switched every integration off
    try:
        yield integration
    finally:
        SETTINGS.update({setting: setting_before})
        integration.callbacks.update(original)


@contextlib.contextmanager
def _calls_in(cls: type, name: str, timer: CallTimer) -> Iterator[list[tuple[int, float]]]:
    """Each call of ``cls.name`` while the block runs (a sink's opening, its flush): (the index in
    ``timer.calls`` of the callback it happened in, its seconds)."""
    original = getattr(cls, name)
    found: list[tuple[int, float]] = []

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            found.append((len(timer.calls), time.perf_counter() - t))

    setattr(cls, name, timed)
    try:
        yield found
    finally:
        setattr(cls, name, original)


def _against_callback(
    b: Bench, row: str, tracker: str, module: str, setting: str, flush_waits: type | None = None
) -> list[Result]:
    """Our ``ultralytics-<tracker>`` preset against Ultralytics' own callback for that tracker, which
    it logs exactly as (tests/acceptance/test_preset_ultralytics_<tracker>.py): the training
    thread's time in the callbacks per epoch of real tiny trainings, interleaved. Ultralytics'
    callbacks open their run before the first epoch; ours opens it at the first event that logs
    (for `ultralytics-tensorboard`, the first epoch's end): that opening is a one-off, taken out of
    the per-epoch figure and given in the notes. ``flush_waits``: our sink class whose epoch-end
    ``flush`` waits for the disk, a promise Ultralytics' callback does not make; the verdict is on
    the ratio without that wait, and both ratios are shown."""
    import hooks
    from demo.synthetic import write_dataset

    from ._mlflow_rows import TRAIN_ARGS, _PhaseTimer, _train

    epochs = int(TRAIN_ARGS["epochs"])
    workdir = b.workdir / f"{tracker}-trainings"
    data_yaml = write_dataset(workdir / "data", n_train=16)
    preset = f"ultralytics-{tracker}"
    factory = type(hooks.load(preset).session.factory)  # the tracker's SinkFactory class
    serial = iter(range(1000))
    timers: dict[str, list[_PhaseTimer]] = {"ours": [], "theirs": []}
    opened: list[float] = []
    waits: list[float] = []  # per epoch, ours' epoch-end flush waiting for the disk

    def ours() -> float:
        timer = _PhaseTimer()
        with contextlib.ExitStack() as stack:
            openings = stack.enter_context(_calls_in(factory, "open", timer))
            flushes = stack.enter_context(_calls_in(flush_waits, "flush", timer)) if flush_waits else []
            _train(workdir, data_yaml, f"ours{next(serial)}", timer.wrap(hooks.load(preset)))
        if len(openings) != 1:
            raise RuntimeError(f"expected our sink to open one run, it opened {len(openings)}")
        ((index, seconds),) = openings
        opened.append(seconds)
        timers["ours"].append(timer)
        waits.append(sum(s for i, s in flushes if timer.tags[i] == "epoch") / epochs)
        in_epoch = seconds if timer.tags[index] == "epoch" else 0.0
        return (timer.phase_total("epoch") - in_epoch) / epochs

    def theirs() -> float:
        timer = _PhaseTimer()
        with _their_callbacks(module, setting, timer):
            _train(workdir, data_yaml, f"theirs{next(serial)}", {})
        if not timer.calls:
            raise RuntimeError(f"Ultralytics' {module} callback did not run")
        timers["theirs"].append(timer)
        return timer.phase_total("epoch") / epochs

    b.say(f"  row {row}: a 1-epoch training without logging first (one-off costs of a process's first training)")
    _train(workdir, data_yaml, "warm", {}, epochs=1)
    repeats = 2
    b.say(
        f"  row {row}: {repeats} real {epochs}-epoch trainings per side, interleaved, after one round not counted "
        "(the trackers' own lazy imports: W&B imports pandas at its first `run.log`; about 12 s each)"
    )
    settle()
    per_epoch = alternate({"ours": ours, "theirs": theirs}, repeats, warmup=1)
    del opened[:1], waits[:1], timers["ours"][:1], timers["theirs"][:1]  # the round not counted
    theirs_median = statistics.median(per_epoch["theirs"])
    ratio = _ratio(statistics.median(per_epoch["ours"]), theirs_median)
    unwaited = [ours - wait for ours, wait in zip(per_epoch["ours"], waits, strict=True)]
    judged = _ratio(statistics.median(unwaited), theirs_median) if flush_waits else ratio
    verdict = f"×{ratio:.3f} (≤ {TARGET})"
    if flush_waits:
        verdict = f"×{judged:.3f} without its flush, ×{ratio:.3f} with (≤ {TARGET})"

    def med(side: str, phase: str) -> float:
        return statistics.median(t.phase_total(phase) for t in timers[side])

    def by_event(side: str) -> dict[str, float]:
        events = dict.fromkeys(e for t in timers[side] for e, _, p in t.phased() if p == "epoch")
        return {e: statistics.median(t.by_event("epoch").get(e, 0.0) for t in timers[side]) / epochs for e in events}

    events = {side: by_event(side) for side in timers}
    name = {"tensorboard": "TensorBoard", "wandb": "W&B"}[tracker]
    return [
        Result(
            row,
            f"real tiny training (demo, {epochs} epochs, CPU): `{preset}` per epoch, training thread",
            Stats(per_epoch["ours"]),
            f"ratio ≤ {TARGET}",
            verdict,
            judged <= TARGET,
            baseline=Stats(per_epoch["theirs"]),
            baseline_what=f"Ultralytics' own {name} callback ({module}.py), same training, per epoch",
            notes=[
                *(
                    [
                        f"ours waits at every epoch end until the epoch's events are in the file (a hard kill right "
                        f"after loses nothing; Ultralytics' callback flushes every 120 s): "
                        f"{fmt(statistics.median(waits), 's')} per epoch, in the figure, out of the verdict's ratio"
                    ]
                    if flush_waits
                    else []
                ),
                "per epoch, by event: ours "
                + ", ".join(f"{e} {fmt(v, 's')}" for e, v in events["ours"].items())
                + "; theirs "
                + ", ".join(f"{e} {fmt(v, 's')}" for e, v in events["theirs"].items()),
                f"one-off, before the first epoch: ours {fmt(med('ours', 'start'), 's')}, "
                f"theirs {fmt(med('theirs', 'start'), 's')}",
                f"one-off, opening our run (inside the figures above wherever it fell, out of the per-epoch "
                f"one): {fmt(statistics.median(opened), 's')}",
                f"one-off, final validation and end: ours {fmt(med('ours', 'end'), 's')}, "
                f"theirs {fmt(med('theirs', 'end'), 's')}",
                _network_note(),
            ],
            extra={
                "epochs": epochs,
                "per_epoch_by_event_s": events,
                "start_s": {s: [t.phase_total("start") for t in timers[s]] for s in timers},
                "end_s": {s: [t.phase_total("end") for t in timers[s]] for s in timers},
                "flush_wait_per_epoch_s": waits,
                "network_attempts": list(_NetWatch.attempts),
            },
        )
    ]


def row17(b: Bench) -> list[Result]:
    from hooks.sinks.tensorboard.sink import TensorBoardSink

    return _against_callback(b, "17", "tensorboard", "tensorboard", "tensorboard", flush_waits=TensorBoardSink)


def row18(b: Bench) -> list[Result]:
    return _against_callback(b, "18", "wandb", "wb", "wandb")


ROWS: dict[str, Callable[[Bench], list[Result]]] = {"15": row15, "16": row16, "17": row17, "18": row18}
# The tracker each row needs (its import name): without it the row is skipped.
NEEDS: dict[str, str] = {"15": "tensorboard", "16": "wandb", "17": "tensorboard", "18": "wandb"}
QUICK_SKIPS = ("17", "18")  # real trainings; --quick runs none
