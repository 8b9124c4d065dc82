"""The rows of the benchmark table (issue 6), one function each, in table order.

Every pair is measured in the same process run, interleaved, and summarised by medians; see
``_harness.alternate``. Sizes shrink in ``--quick`` mode (a smoke test of the suite, not figures).
"""

from __future__ import annotations

import dataclasses
import gc
import io
import os
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hooks.plugin import BaseSink, BaseSinkFactory

from ._handwritten import QUIET, NoopSink, SeedNeptune, SeedOnSink
from ._harness import (
    REPO,
    CallTimer,
    Result,
    Stats,
    alternate,
    child_env,
    clock,
    fmt,
    python,
    quiet_neptune,
    settle,
)

PRESETS = ("default", "full", "minimal", "ultralytics-neptune", "yolov8-neptune")
QUIET_CAPTURE = (
    "capture: {stdout: false, stderr: false, traceback: false, hardware_metrics: false, git: false, source_code: false}"
)


@dataclass
class Bench:
    """What the rows share: a scratch folder, the mode, a log line printer, cached set-ups."""

    workdir: Path
    quick: bool
    say: Callable[[str], None] = print
    cache: dict[str, Any] = field(default_factory=dict)
    cleanups: list[Callable[[], object]] = field(default_factory=list)  # run by close(), last first
    _serial: int = 0

    def fresh_dir(self, name: str) -> Path:
        self._serial += 1
        path = self.workdir / f"{self._serial:04d}-{name}"
        path.mkdir(parents=True)
        return path

    def write(self, name: str, text: str) -> Path:
        path = self.workdir / "configs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def pick(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def close(self) -> None:
        """Undo what rows set up for the whole run (a tracking server); never raises."""
        while self.cleanups:
            try:
                self.cleanups.pop()()
            except Exception as e:  # the table still prints
                self.say(f"clean-up failed: {e!r}")


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


# ===================================================================== 1: compiled vs hand-written
def _count_action_runs(config: Path, simulate: Callable[[dict[str, Any]], Any]) -> Counter[str]:
    """How many times each action kind runs (its `when` held) in one simulated training: the
    compile step is wrapped for this one untimed pass, so the timed passes are untouched."""
    import hooks
    from hooks.runtime import compile as _compile

    original = _compile.KINDS
    runs: Counter[str] = Counter()

    def counting(kind: Any) -> Any:
        def compile_counted(spec: Any) -> Any:
            run = kind.compile(spec)

            def counted(ctx: Any, session: Any) -> None:
                runs[spec.kind] += 1
                run(ctx, session)

            return counted

        return dataclasses.replace(kind, compile=compile_counted)

    try:
        _compile.KINDS = {name: counting(kind) for name, kind in original.items()}
        compiled = hooks.load(config, sink=NoopSink())
    finally:
        _compile.KINDS = original
    simulate(dict(compiled))
    return runs


def _median_call(timers: list[CallTimer], event: str) -> float:
    """The median time of one call of ``event`` over every call in every run."""
    return statistics.median(s for t in timers for e, s in t.calls if e == event)


def row1(b: Bench) -> list[Result]:
    # Paid once by both sides before any timing: imports and matplotlib's/Ultralytics' first use.
    import matplotlib.pyplot  # noqa: F401
    from ultralytics.utils.torch_utils import model_info_for_loggers  # noqa: F401

    import hooks
    from hooks.testing.standin import EPOCH_EVENTS, simulate_training

    quiet_neptune()
    epochs = b.pick(300, 4)
    repeats = b.pick(5, 1)
    config = b.write(
        "yolov8-neptune-quiet.yaml",
        f"version: 1\nextends: yolov8-neptune\nsink: {{neptune: {{mode: offline, {QUIET_CAPTURE}}}}}\n",
    )

    def simulate(callbacks: dict[str, Any], n: int = epochs) -> Any:
        return simulate_training(callbacks, b.fresh_dir("row1"), epochs=n, events=EPOCH_EVENTS)

    timers: dict[str, list[CallTimer]] = {}
    sinks: dict[str, list[NoopSink]] = {}

    def side(name: str, make: Callable[[], dict[str, Any]]) -> Callable[[], float]:
        def go() -> float:
            callbacks = make()  # compiling/constructing is not part of the per-event cost
            timer = CallTimer()
            simulate(timer.wrap(callbacks))
            timers.setdefault(name, []).append(timer)
            return timer.total

        return go

    def noop_compiled() -> dict[str, Any]:
        sink = NoopSink()
        sinks.setdefault("compiled", []).append(sink)
        return dict(hooks.load(config, sink=sink))

    def noop_hand() -> dict[str, Any]:
        sink = NoopSink()
        sinks.setdefault("hand", []).append(sink)
        return SeedOnSink(sink).callbacks()

    # Warm-up: a short training per side and sink (first neptune run, first figure, model_info).
    for make in (lambda: dict(hooks.load(config)), lambda: SeedNeptune(mode="offline", **QUIET).callbacks()):
        simulate(make(), b.pick(3, 1))
    simulate(SeedNeptune(flush=False, mode="offline", **QUIET).callbacks(), b.pick(3, 1))
    for make in (noop_compiled, noop_hand):
        simulate(make(), b.pick(3, 1))
    sinks.clear()
    settle()

    b.say(f"  row 1: {repeats} × {epochs}-epoch simulated trainings per side, Neptune offline")
    nep = alternate(
        {
            "compiled": side("nep-compiled", lambda: dict(hooks.load(config))),
            "hand": side("nep-hand", lambda: SeedNeptune(mode="offline", **QUIET).callbacks()),
            # The seed as written, which never flushed: information (its ratio is in the notes).
            "seed": side("nep-seed", lambda: SeedNeptune(flush=False, mode="offline", **QUIET).callbacks()),
        },
        repeats,
    )
    b.say(f"  row 1: {repeats} × {epochs}-epoch simulated trainings per side, no-op sink")
    noop = alternate(
        {"compiled": side("noop-compiled", noop_compiled), "hand": side("noop-hand", noop_hand)},
        b.pick(9, 1),
    )

    n_events = len(timers["nep-compiled"][0].calls)
    by_event = {
        name: {
            event: statistics.median(t.total_of([event]) for t in ts)
            for event in dict.fromkeys(e for e, _ in ts[0].calls)
        }
        for name, ts in timers.items()
    }
    runs = _count_action_runs(config, lambda cbs: simulate(cbs))
    n_actions = sum(runs.values())
    # What was logged, call for call; flush/stop are each side's own housekeeping.
    logged = {k: {op: n for op, n in v[0].counts.items() if op not in ("flush", "stop")} for k, v in sinks.items()}
    same_logging = logged["compiled"] == logged["hand"]

    per_event = {k: Stats([v / n_events for v in vs]) for k, vs in nep.items()}
    ratio = _ratio(per_event["compiled"].median, per_event["hand"].median)
    unflushed = _ratio(per_event["compiled"].median, per_event["seed"].median)
    flush_s = by_event["nep-hand"].get("on_fit_epoch_end", 0.0) - by_event["nep-seed"].get("on_fit_epoch_end", 0.0)
    r1a = Result(
        "1a",
        f"yolov8-neptune callbacks, per event, {epochs}-epoch simulated run, Neptune offline",
        per_event["compiled"],
        "ratio ≤ 1.05",
        f"×{ratio:.3f} (≤ 1.05)",
        ratio <= 1.05,
        baseline=per_event["hand"],
        baseline_what="hand-written (seed style), same Neptune offline sink, each epoch flushed as yaml-hooks does",
        notes=[
            f"against the seed as written (never flushed; median {fmt(per_event['seed'].median, 's')} per event): "
            f"×{unflushed:.3f}; the hand-written side's {epochs} flushes (run.wait()) took about {fmt(flush_s, 's')}",
            "total per event type, compiled vs hand-written: "
            + "; ".join(
                f"{e} {fmt(v, 's')} vs {fmt(by_event['nep-hand'].get(e, 0.0), 's')}"
                for e, v in by_event["nep-compiled"].items()
            ),
        ],
        extra={
            "events": n_events,
            "epochs": epochs,
            "by_event_median_s": by_event,
            "ratio_unflushed_seed": unflushed,
            "seed_per_event_s": per_event["seed"].to_json(),
        },
    )

    # Per interleaved pair (same conditions), the compiled side's extra time per action run.
    diffs = [(c - h) / n_actions for c, h in zip(noop["compiled"], noop["hand"], strict=True)]
    overhead = statistics.median(diffs)
    noop_event = {k: Stats([v / n_events for v in vs]) for k, vs in noop.items()}
    per_call = {
        event: {side: _median_call(timers[f"noop-{side}"], event) for side in ("compiled", "hand")}
        for event in ("on_train_epoch_end", "on_val_end", "on_fit_epoch_end")
    }
    r1b = Result(
        "1b",
        f"same, per event, no-op sink ({n_actions} action runs in {n_events} events)",
        noop_event["compiled"],
        "overhead ≤ 2 µs per action run",
        f"{'+' if overhead >= 0 else ''}{fmt(overhead, 's')} per action (≤ 2 µs)",
        overhead <= 2e-6,
        baseline=noop_event["hand"],
        baseline_what="hand-written (seed style), per event, the same no-op sink object",
        notes=[
            f"overhead per action run, per interleaved pair: {fmt(min(diffs), 's')} to {fmt(max(diffs), 's')}",
            "median call, compiled vs hand-written: "
            + "; ".join(f"{e} {fmt(v['compiled'], 's')} vs {fmt(v['hand'], 's')}" for e, v in per_call.items()),
            "same sink calls (append/assign/upload/upload_figure) on both sides"
            if same_logging
            else "sink calls DIFFER between the sides",
        ],
        extra={
            "overhead_per_action_s": Stats(diffs).to_json(),
            "action_runs": dict(runs),
            "sink_calls": {k: v[0].counts for k, v in sinks.items()},
            "same_sink_calls": same_logging,
            "median_call_s": per_call,
            "by_event_median_s": {k: v for k, v in by_event.items() if k.startswith("noop")},
        },
    )
    return [r1a, r1b]


# ================================================================================ 2: import hooks
HEAVY = ("neptune", "matplotlib", "ultralytics", "torch")


def _importtime(argv: list[str], top: int = 6) -> list[str]:
    """The slowest imports by their own time, from ``python -X importtime``."""
    proc = subprocess.run(
        [python(), "-X", "importtime", *argv], capture_output=True, text=True, env=child_env(), cwd=REPO
    )
    rows = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), m.group(4)))
    rows.sort(reverse=True)
    return [f"{name} {own / 1000:.0f} ms own ({cum / 1000:.0f} ms with its imports)" for own, cum, name in rows[:top]]


def _cold(argv: list[str]) -> Callable[[], float]:
    env = child_env()

    def go() -> float:
        return clock(lambda: subprocess.run(argv, env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL))

    return go


def row2(b: Bench) -> list[Result]:
    times = alternate(
        {"hooks": _cold([python(), "-c", "import hooks"]), "pass": _cold([python(), "-c", "pass"])},
        b.pick(30, 3),
        warmup=1,  # the first run writes bytecode caches, as installing does
        collect=False,
    )
    code = f"import sys, hooks; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    heavy = subprocess.run(
        [python(), "-c", code], capture_output=True, text=True, env=child_env(), cwd=REPO, check=True
    ).stdout.strip()
    more = statistics.median(times["hooks"]) - statistics.median(times["pass"])
    ok = more <= 0.050 and not heavy
    notes = [f"heavy modules imported by `import hooks`: {heavy or 'none'} (of {', '.join(HEAVY)})"]
    if more > 0.050 and not b.quick:
        notes += ["-X importtime, slowest: " + "; ".join(_importtime(["-c", "import hooks"]))]
    return [
        Result(
            "2",
            "`import hooks`, fresh process",
            Stats(times["hooks"]),
            "≤ 50 ms more; no heavy import",
            f"+{fmt(more, 's')} (≤ +50 ms){'; imports ' + heavy if heavy else ''}",
            ok,
            baseline=Stats(times["pass"]),
            baseline_what="`python -c pass`, fresh process",
            notes=notes,
            extra={"heavy_imported": heavy.split(",") if heavy else [], "extra_s": more},
        )
    ]


# ============================================================ 2b: the first hooks.load, fresh process
# What a config that names neither MLflow nor a `format` must not import (issue 20).
NOT_FOR_DEFAULT = (
    "mlflow",
    "urllib.request",
    "http.client",
    "hooks.sinks.mlflow.sink",
    "arrow",
    "isoduration",
    "idna",
    "rfc3987_syntax",
    "neptune",
    "matplotlib",
    "torch",
)
_FIRST_LOAD = (
    "import time; t = time.perf_counter(); import hooks; t1 = time.perf_counter(); hooks.load('default'); "
    "t2 = time.perf_counter(); import sys; print(t1 - t, t2 - t1, "
    f"','.join(m for m in {NOT_FOR_DEFAULT!r} if m in sys.modules) or '-')"
)


def row2b(b: Bench) -> list[Result]:
    """A fresh process's first `hooks.load('default')`: the whole process against bare Python,
    interleaved, and the load call's own time (the child measures it with perf_counter)."""
    env = child_env()
    inside: list[float] = []
    imported: set[str] = set()

    def first_load() -> float:
        t = time.perf_counter()
        out = subprocess.run(
            [python(), "-c", _FIRST_LOAD], env=env, cwd=REPO, check=True, capture_output=True, text=True
        ).stdout.split()
        took = time.perf_counter() - t
        inside.append(float(out[1]))
        imported.update(m for m in out[2].split(",") if m != "-")
        return took

    times = alternate(
        {"load": first_load, "pass": _cold([python(), "-c", "pass"])},
        b.pick(30, 3),
        warmup=1,  # the first run writes bytecode caches, as installing does
        collect=False,
    )
    inside = inside[-len(times["load"]) :]  # the warm-up's sample is not one
    call = statistics.median(inside)
    more = statistics.median(times["load"]) - statistics.median(times["pass"])
    ok = call <= 0.050 and not imported
    notes = [
        f"the load call itself, in the child: median {fmt(call, 's')} (≤ 50 ms); the whole process "
        f"+{fmt(more, 's')} over bare Python",
        f"imported by it, of {', '.join(NOT_FOR_DEFAULT)}: {', '.join(sorted(imported)) or 'none'}",
    ]
    if call > 0.050 and not b.quick:
        code = "import hooks; hooks.load('default')"
        notes += ["-X importtime, slowest: " + "; ".join(_importtime(["-c", code]))]
    return [
        Result(
            "2b",
            "first `hooks.load('default')`, fresh process",
            Stats(times["load"]),
            "the call ≤ 50 ms; nothing of MLflow or format checkers",
            f"call {fmt(call, 's')} (≤ 50 ms), process +{fmt(more, 's')}"
            + (f"; imports {', '.join(sorted(imported))}" if imported else ""),
            ok,
            baseline=Stats(times["pass"]),
            baseline_what="`python -c pass`, fresh process",
            notes=notes,
            extra={"call_s": inside, "call_median_s": call, "extra_s": more, "imported": sorted(imported)},
        )
    ]


# ===================================================================== 3: load a preset, warm process
def row3(b: Bench) -> list[Result]:
    import hooks

    sink = NoopSink()
    n = b.pick(60, 5)
    for name in PRESETS:  # warm: the schema validator is built once per process
        hooks.load(name, sink=sink)
    per: dict[str, list[float]] = {name: [] for name in PRESETS}
    for _ in range(n):  # round robin, so every preset sees the same conditions
        for name in PRESETS:
            per[name].append(clock(lambda name=name: hooks.load(name, sink=sink)))
    medians = {name: statistics.median(v) for name, v in per.items()}
    slowest = max(medians, key=lambda k: medians[k])
    notes = ["medians: " + ", ".join(f"{k} {fmt(v, 's')}" for k, v in medians.items())]
    return [
        Result(
            row,
            f"load+resolve+validate+compile `{name}`{label}, warm process",
            Stats(per[name]),
            "≤ 5 ms median",
            f"{fmt(medians[name], 's')} (≤ 5 ms)",
            medians[name] <= 0.005,
            notes=notes if row == "3a" else [],
            extra={"median_s_by_preset": medians} if row == "3a" else {},
        )
        for row, name, label in (("3a", "default", ""), ("3b", slowest, " (the slowest preset)"))
    ]


# ====================================================================== 4: hooks validate, cold
def _hooks_command() -> list[str]:
    script = Path(sys.executable).with_name("hooks")
    return [str(script)] if script.is_file() else [python(), "-m", "hooks"]


def row4(b: Bench) -> list[Result]:
    argv = [*_hooks_command(), "validate", *PRESETS]
    times = alternate({"validate": _cold(argv)}, b.pick(10, 1), warmup=b.pick(1, 0), collect=False)
    median = statistics.median(times["validate"])
    notes = []
    if median > 0.5 and not b.quick:
        notes.append("-X importtime, slowest: " + "; ".join(_importtime(["-m", "hooks", "validate", *PRESETS], top=4)))
    return [
        Result(
            "4",
            f"`hooks validate` all {len(PRESETS)} presets, cold process (wall)",
            Stats(times["validate"]),
            "≤ 0.5 s wall",
            f"{fmt(median, 's')} (≤ 0.5 s)",
            median <= 0.5,
            notes=notes,
        )
    ]


# ============================================================== 5: plots as files vs re-drawn figures
def real_run_dir(b: Bench) -> Path:
    """The save_dir of one real tiny training (1 epoch, no hooks): real Ultralytics plot files."""
    if "real_run" not in b.cache:
        workdir = b.workdir / "real-training"
        b.say("  a real 1-epoch training for its plot files …")
        proc = subprocess.run(
            [python(), "-m", "demo.train", "--no-hooks", "--workdir", str(workdir), "--epochs", "1", "--name", "plots"],
            cwd=REPO,
            env=child_env(),
            capture_output=True,
            text=True,
            check=True,
        )
        b.cache["real_run"] = Path(re.search(r"^SAVE_DIR=(.*)$", proc.stdout, re.M).group(1))  # type: ignore[union-attr]
    return b.cache["real_run"]  # type: ignore[no-any-return]


def drawn_plots(b: Bench) -> Path:
    """Quick mode: plot files drawn with matplotlib at Ultralytics' sizes (results.png: 2400x1200)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    folder = b.fresh_dir("drawn-plots")
    for name, (w, h) in {"results.png": (12, 6), "BoxPR_curve.png": (9, 6)}.items():
        fig = Figure(figsize=(w, h), dpi=200)
        ax = fig.add_subplot()
        ax.plot(range(100), [x**0.5 for x in range(100)])
        fig.savefig(folder / name)
    return folder


class _KeptOpen(BaseSink, BaseSinkFactory):
    """A SinkFactory handing out one already-open Neptune sink (yaml-hooks' own NeptuneSink class)
    whose stop() is deferred, so run start-up and shut-down stay outside the timed event."""

    def __init__(self, sink: Any) -> None:
        self.sink = sink

    def open(self, lookup: Callable[[str], Any]) -> _KeptOpen:
        return self

    def describe(self) -> str:
        return "a kept-open Neptune offline run"

    def append(self, path: str, value: float, step: float | None) -> None:
        self.sink.append(path, value, step)

    def assign(self, path: str, value: Any) -> None:
        self.sink.assign(path, value)

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        self.sink.upload(path, file, snapshot=snapshot)

    def upload_figure(self, path: str, figure: Any) -> None:
        self.sink.upload_figure(path, figure)

    def flush(self) -> None:
        self.sink.flush()

    def stop(self) -> str:
        return "kept open"


def row5(b: Bench) -> list[Result]:
    import neptune
    from PIL import Image

    import hooks
    from hooks.runs.neptune.read import read_run
    from hooks.sinks.neptune.sink import NeptuneSink

    quiet_neptune()
    folder = drawn_plots(b) if b.quick else real_run_dir(b)
    names = sorted(p.name for p in folder.glob("*.png"))
    files = "[" + ", ".join(names) + "]"
    run = neptune.init_run(project="bench/plots", mode="offline", **QUIET)
    sink = NeptuneSink(run, "offline")
    kept = _KeptOpen(sink)
    configs = {
        render: b.write(
            f"plots-{render}.yaml",
            f"version: 1\nevents:\n  on_train_end:\n"
            f"    - plots: {{files: {files}, to: 'Plots/{render}/{{stem}}', render: {render}}}\n",
        )
        for render in ("file", "figure")
    }
    trainer = SimpleNamespace(save_dir=folder, epoch=0, epochs=1, start_epoch=0, args=SimpleNamespace(name="plots"))

    def side(render: str) -> Callable[[], float]:
        def go() -> float:
            compiled = hooks.load(configs[render], sink=kept)  # a fresh session: nothing uploaded yet
            return clock(lambda: compiled["on_train_end"](trainer))

        return go

    settle()
    times = alternate({"file": side("file"), "figure": side("figure")}, b.pick(5, 1), warmup=1)
    run_dir = sink.folder()
    run.stop()
    assert run_dir is not None, "the Neptune offline run's folder was not found"
    log = read_run(run_dir)
    sizes: dict[str, dict[str, Any]] = {}
    for name in names:
        stem = Path(name).stem
        original = Image.open(folder / name).size
        got = {}
        for render in ("file", "figure"):
            ref = log.files.get(f"Plots/{render}/{stem}")
            if ref is not None and ref.file_path is not None and ref.exists:
                got[render] = Image.open(io.BytesIO(ref.file_path.read_bytes())).size
        sizes[name] = {"original": original, **got}
    kept_size = all(s.get("file") == s["original"] for s in sizes.values())
    speedup = _ratio(statistics.median(times["figure"]), statistics.median(times["file"]))
    example = sizes[names[0]]
    return [
        Result(
            "5",
            f"train-end plots ({len(names)} {'drawn' if b.quick else 'real'} PNGs), default: upload the files",
            Stats(times["file"]),
            "≥ 100× faster; original pixel size kept",
            f"{speedup:,.0f}× faster (≥ 100×); size {'kept' if kept_size else 'CHANGED'}",
            speedup >= 100 and kept_size,
            baseline=Stats(times["figure"]),
            baseline_what="`render: figure` (the seed's matplotlib re-draw), same files, Neptune offline",
            notes=[
                f"{names[0]}: original {example['original']}, uploaded as file {example.get('file')}, "
                f"as figure {example.get('figure')}"
            ],
            extra={"pixel_sizes": sizes, "plots_from": "drawn with matplotlib" if b.quick else "a real training"},
        )
    ]


# ============================================================== 6: files action, 10,000 vs 10 files
class _OpenAudit:
    """Counts open() calls on paths under a folder while armed (an audit hook cannot be removed,
    so one is installed per process and re-armed)."""

    folder: str | None = None
    opened: list[str] = []  # noqa: RUF012
    installed = False

    @classmethod
    def arm(cls, folder: Path | None) -> None:
        if not cls.installed:
            sys.addaudithook(cls._hook)
            cls.installed = True
        cls.folder = str(folder) if folder else None

    @classmethod
    def _hook(cls, event: str, args: tuple[Any, ...]) -> None:
        if cls.folder is not None and event in ("open", "os.open") and str(args[0]).startswith(cls.folder):
            cls.opened.append(str(args[0]))


def _populate(folder: Path, n: int) -> None:
    payload = b"\xff\xd8\xff" + bytes(200)
    for i in range(n):
        (folder / f"img{i:05d}.jpg").write_bytes(payload)


def _files_row(b: Bench, row: str, glob: str, sizes: tuple[int, int], what: str) -> Result:
    import hooks
    from hooks.testing.standin import EPOCH_EVENTS, simulate_training

    big, small = sizes
    epochs = b.pick(25, 3)
    config = b.write(
        f"files-{row}.yaml",
        f"version: 1\nevents:\n  on_train_epoch_end:\n    - files: {{glob: '{glob}', to: 'Files/{{stem}}'}}\n",
    )
    folders = {}
    for n in (big, small):
        folders[n] = b.fresh_dir(f"files-{n}")
        _populate(folders[n], n)

    steady: dict[int, list[float]] = {big: [], small: []}
    first: dict[int, list[float]] = {big: [], small: []}

    def side(n: int) -> Callable[[], float]:
        def go() -> float:
            timer = CallTimer()
            callbacks = timer.wrap(hooks.load(config, sink=NoopSink()))
            simulate_training(callbacks, folders[n], epochs=epochs, events=EPOCH_EVENTS)
            times = [s for e, s in timer.calls if e == "on_train_epoch_end"]
            first[n].append(times[0])
            steady[n].extend(times[1:])  # after the first event: files already uploaded
            return statistics.median(times[1:])

        return go

    alternate({"big": side(big), "small": side(small)}, b.pick(3, 1))

    # Untimed check: after the first event, the action opens no file in the folder again.
    sink = NoopSink()
    compiled = hooks.load(config, sink=sink)
    seen: list[int] = []

    def audited(trainer: Any) -> None:
        if seen:  # not the first event
            _OpenAudit.arm(folders[big])
        try:
            compiled["on_train_epoch_end"](trainer)
        finally:
            _OpenAudit.arm(None)
        seen.append(sink.counts.get("upload", 0))

    _OpenAudit.arm(folders[big])  # the audit itself works: it sees this read
    (folders[big] / "img00000.jpg").read_bytes()
    _OpenAudit.arm(None)
    assert _OpenAudit.opened, "the open() audit hook saw nothing"
    _OpenAudit.opened.clear()
    simulate_training({"on_train_epoch_end": audited}, folders[big], epochs=3, events=EPOCH_EVENTS)
    reopened = list(_OpenAudit.opened)
    uploads_after_first = seen[-1] - seen[0]
    median_big = statistics.median(steady[big])
    ratio = _ratio(median_big, statistics.median(steady[small]))
    ok = median_big <= 0.005 and not reopened
    return Result(
        row,
        what,
        Stats(steady[big]),
        "≤ 5 ms per event; uploaded files not re-read",
        f"{fmt(median_big, 's')} (≤ 5 ms), ×{ratio:.0f} vs {small}; re-opened {len(reopened)}",
        ok,
        baseline=Stats(steady[small]),
        baseline_what=f"same action, {small} files",
        notes=[
            f"first event (uploads every match): {fmt(statistics.median(first[big]), 's')} with {big} files",
            f"after the first event: {uploads_after_first} uploads, {len(reopened)} open() in save_dir by the action",
        ],
        extra={
            "first_event_s": {str(k): v for k, v in first.items()},
            "reopened": reopened[:10],
            "uploads_after_first": uploads_after_first,
        },
    )


def row6(b: Bench) -> list[Result]:
    big, small = b.pick(10_000, 500), 10
    return [
        _files_row(
            b,
            "6a",
            "*.jpg",
            (big, small),
            f"`files` per epoch, save_dir with {big:,} matching files (after the first upload)",
        ),
        _files_row(
            b,
            "6b",
            "train_batch*.jpg",
            (big, small),
            f"`files` per epoch, the mosaic glob, {big:,} other files in save_dir",
        ),
    ]


# ======================================================================= 7: compile 1,000 actions
def _big_config(n: int) -> str:
    events = ("on_train_epoch_end", "on_fit_epoch_end", "on_val_end", "on_train_end")
    kinds = (
        "scalars: {{from: metrics, to: 'm{i}', include: ['metrics/*']}}",
        "files: {{glob: 'f{i}_*.jpg', to: 'F{i}/{{stem}}'}}",
        "plots: {{files: [p{i}.png], to: 'P{i}/{{stem}}'}}",
        "assign: {{from: hyperparameters, to: 'H{i}/{{args.name}}'}}",
        "upload: {{path: 'u{i}.csv', to: 'U{i}/{{name}}', when: {{every: 5, final: false}}}}",
    )
    per_event: dict[str, list[str]] = {e: [] for e in events}
    for i in range(n):
        body = kinds[i % len(kinds)].format(i=i)
        per_event[events[i % len(events)]].append(f"    - {body[:-1]}, id: a{i}}}")
    lines = ["version: 1", "events:"]
    for event, actions in per_event.items():
        if actions:
            lines += [f"  {event}:", *actions]
    return "\n".join(lines) + "\n"


def row7(b: Bench) -> list[Result]:
    import hooks
    from hooks.loader.load import load_config
    from hooks.runtime.compile import compile_config

    sizes = (10, 100, 1000) if not b.quick else (10, 20, 50)
    small, mid, big = sizes
    sink = NoopSink()
    paths = {n: b.write(f"actions-{n}.yaml", _big_config(n)) for n in sizes}
    configs = {n: load_config(paths[n], sink=sink) for n in sizes}
    for n in sizes:
        assert sum(len(v) for v in configs[n].events.values()) == n

    # Each sample compiles (or loads) ``big // n`` times, so every size is exposed to this
    # machine's noise for about as long; samples are seconds per config.
    def batch(fn: Callable[[int], object], n: int) -> Callable[[], float]:
        k = big // n
        return lambda: clock(lambda: [fn(n) for _ in range(k)]) / k

    compile_t = alternate(
        {str(n): batch(lambda n: compile_config(configs[n]), n) for n in sizes},
        b.pick(25, 3),
        warmup=1,
        collect=False,
    )
    load_t = alternate(
        {str(n): batch(lambda n: hooks.load(paths[n], sink=sink), n) for n in sizes},
        b.pick(5, 1),
        warmup=1,
        collect=False,
    )

    def per_action(t: dict[str, list[float]], n: int) -> float:
        return statistics.median(t[str(n)]) / n

    out = []
    for key, t, what, target in (
        ("7a", compile_t, "compile only (compile_config)", True),
        ("7b", load_t, "the whole load (read … compile)", True),
    ):
        lin = _ratio(per_action(t, big), per_action(t, mid))
        med = statistics.median(t[str(big)])
        ok = med <= 0.100 and lin <= 1.5
        out.append(
            Result(
                key,
                f"config with {big:,} actions: {what}",
                Stats(t[str(big)]),
                "≤ 100 ms, linear" if target else "(information)",
                f"{fmt(med, 's')} (≤ 100 ms); per action ×{lin:.2f} of {mid}-action config",
                ok if target else None,
                baseline=Stats(t[str(small)]),
                baseline_what=f"a config with {small} actions",
                notes=["per action: " + ", ".join(f"{n} actions {fmt(per_action(t, n), 's')}" for n in sizes)],
                extra={"median_s": {str(n): statistics.median(t[str(n)]) for n in sizes}},
            )
        )
    return out


# ================================================================= 8: memory over 1,000 epochs
def _owner(trace: Iterable[Any], hooks_dir: str) -> str:
    """Whose allocation: the innermost frame in the hooks package decides (the stand-in trainer is
    in that package but is not yaml-hooks); none there: someone else's (this benchmark, Python)."""
    for frame in trace:  # most recent call first
        if frame.filename.startswith(hooks_dir):
            return "standin" if "/testing/standin/" in frame.filename.replace(os.sep, "/") else "hooks"
    return "other"


def _traced(snapshot: tracemalloc.Snapshot, hooks_dir: str) -> dict[str, int]:
    out = {"hooks": 0, "standin": 0, "other": 0}
    for stat in snapshot.statistics("traceback"):
        out[_owner(reversed(stat.traceback), hooks_dir)] += stat.size
    return out


def row8(b: Bench) -> list[Result]:
    import hooks
    from hooks.testing.standin import EPOCH_EVENTS, simulate_training

    # No new file may appear between the two snapshots, since `files` actions rightly remember the
    # files they uploaded: the last snapshot is one epoch before the end (the last epoch writes the
    # validation images), and close_mosaic=0 (else the close-mosaic epoch plots new mosaics).
    early, epochs = 10, b.pick(1000, 30)
    late = epochs - 1
    # `default`, whose fields repeat every epoch: what yaml-hooks keeps per run (the fields it uploaded
    # to, to warn of an overwrite) grows with the fields a run has, so `full`, which uploads two new
    # image fields every 5 epochs, grows by what those need (README, Performance).
    simulate_training(dict(hooks.load("default", sink=NoopSink())), b.fresh_dir("memory"), epochs=3)  # lazy imports
    hooks_dir = str(REPO / "hooks") + "/"
    samples: dict[str, list[int]] = {"early": [], "late": [], "standin_early": [], "standin_late": []}
    top: list[str] = []

    for _ in range(b.pick(3, 1)):
        compiled = hooks.load("default", sink=NoopSink())
        snaps: dict[str, tracemalloc.Snapshot] = {}

        def snap(trainer: Any, snaps: dict[str, tracemalloc.Snapshot] = snaps) -> None:
            epoch = trainer.epoch + 1
            if epoch in (early, late) and trainer.epoch < trainer.epochs:  # not the final validation
                gc.collect()
                snaps["early" if epoch == early else "late"] = tracemalloc.take_snapshot()

        callbacks = {e: fn for e, fn in compiled.items() if e != "on_fit_epoch_end"}
        callbacks["on_fit_epoch_end"] = [compiled["on_fit_epoch_end"], snap]  # type: ignore[assignment]
        gc.collect()
        tracemalloc.start(24)
        try:
            simulate_training(
                callbacks, b.fresh_dir("memory"), epochs=epochs, events=EPOCH_EVENTS, overrides={"close_mosaic": 0}
            )
        finally:
            tracemalloc.stop()
        a, z = _traced(snaps["early"], hooks_dir), _traced(snaps["late"], hooks_dir)
        samples["early"].append(a["hooks"])
        samples["late"].append(z["hooks"])
        samples["standin_early"].append(a["standin"])
        samples["standin_late"].append(z["standin"])
        if not top:
            for d in snaps["late"].compare_to(snaps["early"], "traceback")[:40]:
                if d.size_diff > 0 and _owner(reversed(d.traceback), hooks_dir) == "hooks":
                    frame = next(f for f in reversed(d.traceback) if f.filename.startswith(hooks_dir))
                    top.append(f"+{d.size_diff} B at {Path(frame.filename).name}:{frame.lineno}")
    growth = [z - a for a, z in zip(samples["early"], samples["late"], strict=True)]
    per_epoch = statistics.median(growth) / (late - early)
    ok = per_epoch < 1.0  # under one byte per epoch: no growth that scales with the training
    return [
        Result(
            "8",
            f"yaml-hooks' own memory after {late:,} simulated epochs (`default`, no-op sink)",
            Stats([float(x) for x in samples["late"]], "B"),
            "no growth (tracemalloc)",
            f"{'+' if statistics.median(growth) >= 0 else ''}{fmt(statistics.median(growth), 'B')} "
            f"({per_epoch:.2f} B/epoch; < 1)",
            ok,
            baseline=Stats([float(x) for x in samples["early"]], "B"),
            baseline_what=f"after {early} epochs",
            notes=[
                "the stand-in trainer's own data (history, checkpoints) is excluded: "
                f"{fmt(statistics.median(samples['standin_early']), 'B')} → "
                f"{fmt(statistics.median(samples['standin_late']), 'B')}",
                *(["growing in yaml-hooks: " + "; ".join(top[:5])] if top else []),
            ],
            extra={"growth_B": growth, "samples_B": samples},
        )
    ]


# ========================================================================== 9: real tiny training
REAL_TARGET = 1.05  # the preset's training at most 5 % slower than the same logging written by hand


def row9(b: Bench) -> list[Result]:
    workdir = b.workdir / "trainings"  # shared: matplotlib's font cache and the dataset are reused
    serial = iter(range(1000))
    seconds: dict[str, list[float]] = {"hooks": [], "hand": [], "none": []}

    def side(module: str, flags: list[str], key: str) -> Callable[[], float]:
        def go() -> float:
            argv = [python(), "-m", module, "--workdir", str(workdir), "--epochs", "3"]
            argv += ["--name", f"r{next(serial)}", *flags]
            t = time.perf_counter()
            proc = subprocess.run(argv, cwd=REPO, env=child_env(), capture_output=True, text=True)
            wall = time.perf_counter() - t
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(argv)} failed:\n{proc.stderr[-2000:]}")
            m = re.search(r"^TRAIN_SECONDS=([\d.]+)", proc.stdout, re.M)
            seconds[key].append(float(m.group(1)) if m else float("nan"))
            return wall

        return go

    repeats = 5
    b.say(f"  row 9: {repeats} real 3-epoch trainings per side, 3 sides (about 10 s each)")
    times = alternate(
        {
            "hooks": side("demo.train", ["--preset", "yolov8-neptune"], "hooks"),
            "hand": side("benchmarks._seed_train", [], "hand"),
            "none": side("demo.train", ["--no-hooks"], "none"),
        },
        repeats,
        warmup=1,
        collect=False,
    )
    median = {k: statistics.median(v) for k, v in times.items()}
    ratio = _ratio(median["hooks"], median["hand"])
    trained = {k: statistics.median(v) for k, v in seconds.items()}
    preset_vs_none, hand_vs_none = _ratio(median["hooks"], median["none"]), _ratio(median["hand"], median["none"])
    pairs = [h / n for h, n in zip(times["hooks"], times["hand"], strict=True)]
    return [
        Result(
            "9",
            "real tiny training (demo, 3 epochs, CPU), `yolov8-neptune` preset against the same logging written by "
            "hand (wall)",
            Stats(times["hooks"]),
            f"ratio ≤ {REAL_TARGET}",
            f"×{ratio:.3f} (≤ {REAL_TARGET})",
            ratio <= REAL_TARGET,
            baseline=Stats(times["hand"]),
            baseline_what="the same training, the seed's callbacks written by hand (benchmarks/_seed_train.py)",
            notes=[
                f"per interleaved pair: ×{min(pairs):.3f}–×{max(pairs):.3f}",
                f"against the same training without logging ({fmt(median['none'], 's')}): the preset "
                f"×{preset_vs_none:.3f}, by hand ×{hand_vs_none:.3f}; "
                "both pay the Neptune client's import (about 0.5 s, pandas half of it) and its run's start",
                f"TRAIN_SECONDS medians: {trained['hooks']:.1f} s with the preset, {trained['hand']:.1f} s by hand, "
                f"{trained['none']:.1f} s without",
            ],
            extra={"pair_ratios": pairs, "train_seconds": seconds, "wall_s": times},
        )
    ]


# ================================================= 21: `full`, per-class metrics of 80 classes, per epoch
FULL_TARGET = 1.5  # `full` per epoch at most 1.5 times the same logging written by hand
PER_EPOCH = ("on_train_epoch_end", "on_val_start", "on_val_end", "on_fit_epoch_end")


def _coco_names() -> dict[int, str]:
    """COCO's 80 class names (Ultralytics' coco.yaml), the classes of a pretrained YOLO model."""
    from importlib import resources

    import yaml

    try:
        path = Path(str(resources.files("ultralytics") / "cfg" / "datasets" / "coco.yaml"))
        names = yaml.safe_load(path.read_text(encoding="utf-8"))["names"]
        return {int(k): str(v) for k, v in names.items()}
    except (OSError, KeyError, TypeError, ValueError):
        return {i: f"class{i}" for i in range(80)}


def _epoch_seconds(timer: CallTimer, epochs: int) -> float:
    """Seconds inside the per-epoch events of epochs 2 … ``epochs``: the first epoch (its one-off
    `model_info`, tens of ms on both sides), the final validation's events (after the last epoch's
    on_fit_epoch_end) and the start and end of training left out."""
    total, fits = 0.0, 0
    for event, seconds in timer.calls:
        if fits == epochs:
            break
        if event in PER_EPOCH and fits >= 1:
            total += seconds
        fits += event == "on_fit_epoch_end"
    return total


def _only(timer: CallTimer, event: str) -> CallTimer:
    """A copy of ``timer`` whose calls other than ``event``'s count zero (the epochs still counted)."""
    out = CallTimer()
    out.calls = [(e, s if e == event else 0.0) for e, s in timer.calls]
    return out


def row21(b: Bench) -> list[Result]:
    import hooks
    from hooks.testing.standin import EPOCH_EVENTS, StandInTrainer

    from ._handwritten import HandFull, RecordingSink

    names = _coco_names()
    epochs, repeats = b.pick(30, 5), b.pick(7, 1)

    def simulate(callbacks: dict[str, Any], folder: Path, n: int = epochs) -> None:
        trainer = StandInTrainer(folder, epochs=n, callbacks=callbacks, events=EPOCH_EVENTS, names=names)
        trainer.train()

    makers: dict[str, Callable[[Any], dict[str, Any]]] = {
        "full": lambda sink: dict(hooks.load("full", sink=sink)),
        "hand": lambda sink: HandFull(sink).callbacks(),
        "default": lambda sink: dict(hooks.load("default", sink=sink)),
    }
    timers: dict[str, list[CallTimer]] = {name: [] for name in makers}

    def side(name: str) -> Callable[[], float]:
        def go() -> float:
            callbacks = makers[name](NoopSink())  # compiling is not part of the per-epoch cost
            timer = CallTimer()
            simulate(timer.wrap(callbacks), b.fresh_dir(f"row21-{name}"))
            timers[name].append(timer)
            return _epoch_seconds(timer, epochs) / (epochs - 1)

        return go

    # The same calls on both sides (untimed): what each asks the sink, point for point (step, value).
    recorded = {}
    for name in ("full", "hand"):
        sink = RecordingSink()
        simulate(makers[name](sink), b.fresh_dir(f"row21-check-{name}") / "run", 11)  # 11: epochs 5 and 10 too
        recorded[name] = Counter(sink.calls)
    same = recorded["full"] == recorded["hand"]
    per_class_points = sum(n for c, n in recorded["full"].items() if "/per_class/" in c[1])
    # Warm-up: model_info's first use, hooks' lazy imports, the first figures.
    for name in makers:
        simulate(makers[name](NoopSink()), b.fresh_dir("row21-warm"), b.pick(3, 2))
    settle()
    b.say(f"  row 21: {repeats} × {epochs}-epoch simulated trainings per side, {len(names)} classes, no-op sink")
    per = alternate({name: side(name) for name in makers}, repeats)

    full, hand, default = (statistics.median(per[k]) for k in ("full", "hand", "default"))
    ratio = _ratio(full, hand)
    pairs = [f / h for f, h in zip(per["full"], per["hand"], strict=True)]
    per_class = [(f - d) / len(names) for f, d in zip(per["full"], per["default"], strict=True)]
    by_event = {
        name: {e: statistics.median(_epoch_seconds(_only(t, e), epochs) / (epochs - 1) for t in ts) for e in PER_EPOCH}
        for name, ts in timers.items()
    }
    return [
        Result(
            "21",
            f"`full` (per-class metrics every epoch), {len(names)}-class model, per epoch, "
            f"{epochs}-epoch simulated run, no-op sink",
            Stats(per["full"]),
            f"ratio ≤ {FULL_TARGET}",
            f"×{ratio:.3f} (≤ {FULL_TARGET})",
            ratio <= FULL_TARGET,
            baseline=Stats(per["hand"]),
            baseline_what="the same logging written by hand (per-class series straight from the validator's "
            "metrics), the same no-op sink, per epoch",
            notes=[
                f"target ≤ ×{FULL_TARGET} of the hand-written callbacks: a ratio, not µs per class, because the "
                f"per-class series are {len(names) * 4} of the {len(names) * 4 + 13} points an epoch logs and "
                "the ratio is what a user pays against writing it themselves; the per-class cost is a note; "
                f"per interleaved pair ×{min(pairs):.3f}–×{max(pairs):.3f}",
                "per epoch = the time inside on_train_epoch_end, on_val_start, on_val_end and on_fit_epoch_end "
                f"of epochs 2–{epochs} (left out: the first epoch's one-off `model_info`, the same on both sides, "
                "tens of ms; the final validation; the start and the end of training); "
                f"`default` per epoch (information): median {fmt(default, 's')}, so the per-class series cost "
                f"{fmt(statistics.median(per_class), 's')} per class per epoch over `default`",
                "per epoch by event, full / by hand / default: "
                + "; ".join(
                    f"{e} {fmt(by_event['full'][e], 's')} / {fmt(by_event['hand'][e], 's')} / "
                    f"{fmt(by_event['default'][e], 's')}"
                    for e in PER_EPOCH
                ),
                f"the same sink calls on both sides, point for point ({sum(recorded['full'].values()):,} in an "
                f"11-epoch check run, {per_class_points:,} of them per-class points)"
                if same
                else "sink calls DIFFER between the sides: "
                + f"only `full`: {list((recorded['full'] - recorded['hand']).items())[:3]}; "
                + f"only by hand: {list((recorded['hand'] - recorded['full']).items())[:3]}",
                "class names: COCO's 80 (Ultralytics' coco.yaml), given to the stand-in trainer (`names=`)",
            ],
            extra={
                "classes": len(names),
                "epochs": epochs,
                "ratio": ratio,
                "pair_ratios": pairs,
                "default_per_epoch_s": Stats(per["default"]).to_json(),
                "per_class_per_epoch_s": per_class,
                "by_event_per_epoch_s": by_event,
                "same_sink_calls": same,
            },
        )
    ]


# ================================================ 23: hooks validate, a package of 20 presets, cold
PACKAGE_PRESETS = 20
VALIDATE_ALL_TARGET = 1.0  # seconds, the whole cold `hooks validate` of the 20 presets


def _preset_package(folder: Path, n: int) -> list[str]:
    """A team's preset package, installed as pip --target would (the module, its presets, a
    dist-info with the `yaml_hooks.presets` entry point) under ``folder``; its presets' names.
    Presets extend each other in chains of 5 from `default` or `full`, like acme-yolo-presets."""
    presets = folder / "bench_team_presets" / "presets"
    presets.mkdir(parents=True)
    (presets.parent / "__init__.py").write_text("", encoding="utf-8")
    (presets / "__init__.py").write_text("", encoding="utf-8")
    dist = folder / "bench_team_presets-1.0.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: bench-team-presets\nVersion: 1.0.0\n", "utf-8")
    (dist / "entry_points.txt").write_text("[yaml_hooks.presets]\nbench = bench_team_presets.presets\n", "utf-8")
    (dist / "RECORD").write_text("", encoding="utf-8")
    names = []
    for i in range(1, n + 1):
        name = f"p{i:02d}"
        parent = ("default" if i % 2 else "full") if i % 5 == 1 else f"./p{i - 1:02d}.yaml"
        (presets / f"{name}.yaml").write_text(
            f"version: 1\ndescription: preset {i} of the benchmark's team package\nextends: {parent}\n"
            "sink:\n  neptune:\n    tags: [team, 'p{i}']\n".replace("{i}", str(i))
            + "events:\n  on_fit_epoch_end:\n"
            f"    - scalars: {{from: trainer.fitness, to: team/fitness{i}, id: team-fitness-{i}}}\n"
            "  on_train_end:\n"
            f"    - upload: {{path: results.csv, to: 'Team{i}/{{name}}', id: team-results-{i}}}\n",
            encoding="utf-8",
        )
        names.append(f"bench:{name}")
    return names


def row23(b: Bench) -> list[Result]:
    site = b.fresh_dir("preset-package")
    names = _preset_package(site, PACKAGE_PRESETS)
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    env = child_env({"PYTHONPATH": path})
    check = subprocess.run([*_hooks_command(), "validate", *names], env=env, cwd=REPO, capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(
            f"hooks validate of the package's presets failed:\n{check.stdout[-1500:]}{check.stderr[-1500:]}"
        )

    def cold(argv: list[str]) -> Callable[[], float]:
        return lambda: clock(lambda: subprocess.run(argv, env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL))

    times = alternate(
        {
            "all": cold([*_hooks_command(), "validate", *names]),
            "one": cold([*_hooks_command(), "validate", names[0]]),
        },
        b.pick(10, 1),
        warmup=1,  # the first run writes bytecode caches, as installing does
        collect=False,
    )
    median, one = statistics.median(times["all"]), statistics.median(times["one"])
    marginal = (median - one) / (PACKAGE_PRESETS - 1)
    notes = [
        f"target ≤ {VALIDATE_ALL_TARGET:g} s for all {PACKAGE_PRESETS}: the wall time a team waits for in a "
        f"pre-commit hook or CI; row 4's 0.5 s for 5 presets is 0.1 s a preset with the start-up in it, "
        f"which for 20 would allow 2 s; each preset past the first costs {fmt(marginal, 's')} "
        f"((all − one) / {PACKAGE_PRESETS - 1}, medians)",
        f"the package: {PACKAGE_PRESETS} presets (entry point `bench`), chains of 5 extending `default` or "
        "`full` then the one before (./pNN.yaml), on PYTHONPATH as pip --target installs it",
    ]
    if median > VALIDATE_ALL_TARGET and not b.quick:
        notes.append(
            "-X importtime, slowest: " + "; ".join(_importtime(["-m", "hooks", "validate", *names[:1]], top=4))
        )
    return [
        Result(
            "23",
            f"`hooks validate` a package's {PACKAGE_PRESETS} presets, cold process (wall)",
            Stats(times["all"]),
            f"≤ {VALIDATE_ALL_TARGET:g} s wall",
            f"{fmt(median, 's')} (≤ {VALIDATE_ALL_TARGET:g} s); +{fmt(marginal, 's')} a preset",
            median <= VALIDATE_ALL_TARGET,
            baseline=Stats(times["one"]),
            baseline_what="`hooks validate` of one of its presets, cold process, interleaved",
            notes=notes,
            extra={"presets": PACKAGE_PRESETS, "marginal_per_preset_s": marginal, "one_median_s": one},
        )
    ]


ROWS: dict[str, Callable[[Bench], list[Result]]] = {
    "1": row1,
    "2": row2,
    "2b": row2b,
    "3": row3,
    "4": row4,
    "5": row5,
    "6": row6,
    "7": row7,
    "8": row8,
    "9": row9,
    "21": row21,
    "23": row23,
}
