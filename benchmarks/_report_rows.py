"""The rows of `hooks report` and `hooks runs` on a long training (13–14, issue 14): a run read before,
or one still being written, costs a fraction of decoding its log.

The run is synthetic: 500,000 float points, one operation per point as the client writes per-batch
scalars (four per-batch series, three per-epoch losses and a metric, 100 epochs), each line exactly
as Neptune's offline mode writes it (``json.dumps`` of ``{"obj": op, "version": n, "at": t}``), in
one ``data-1.log`` of about 90 MB. The baseline is one parse: ``read_run`` without the cache, timed
in the same run, interleaved with the commands. The commands run in this process through
``hooks.cli.main`` (their output into a buffer), with a cache folder of their own
(``$YAML_HOOKS_CACHE_DIR``), first filled by one untimed run of each command; "being written": a
few lines (12 operations) appended to the log before each timed call, so each call reads those.

`hooks report` and `hooks runs` read with the cache (``read_run(..., cache=True)``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._harness import Result, Stats, alternate, clock, fmt, settle
from ._rows import Bench, _ratio

REPORT_TARGET = 0.25
RUNS_TARGET = 0.10
_BATCH_KEYS = (("batch", "train", "box_loss"), ("batch", "train", "cls_loss"), ("batch", "train", "dfl_loss"))
_EPOCH_KEYS = (("train", "box_loss"), ("train", "cls_loss"), ("train", "dfl_loss"), ("metrics", "mAP50-95(B)"))


class SyntheticRun:
    """A Neptune offline run written line by line as the client writes them."""

    def __init__(self, data_dir: Path, points: int, epochs: int = 100) -> None:
        self.folder = data_dir / "offline" / f"run__0b7e5c1a-9f3d-4c2e-8a6b-5d4e3f2a1b0c__{os.getpid()}__benchrun"
        self.folder.mkdir(parents=True)
        meta = {
            "mode": "offline",
            "containerId": "0b7e5c1a-9f3d-4c2e-8a6b-5d4e3f2a1b0c",
            "containerType": "run",
            "structureVersion": 3,
            "neptuneClientVersion": "1.14.0",
            "createdAt": "2026-01-02T03:04:05.000000+00:00",
        }
        (self.folder / "metadata.json").write_text(json.dumps(meta, indent=2))
        self.version, self.at, self.step, self.epoch, self.points = 0, 1767323045.0, 0, 0, 0
        lines = [self._line({"type": "AssignString", "path": ["sys", "name"], "value": "long-training"})]
        lines.append(self._line({"type": "AssignString", "path": ["yaml_hooks", "status"], "value": "running"}))
        for name in ("epochs", "batch", "imgsz", "lr0", "momentum", "weight_decay"):
            op = {"type": "AssignFloat", "path": ["Configuration", "Hyperparameters", name], "value": 1.0}
            lines.append(self._line(op))
        per_epoch_points = epochs * len(_EPOCH_KEYS)
        batches = (points - per_epoch_points) // len(_BATCH_KEYS)
        extra = points - per_epoch_points - batches * len(_BATCH_KEYS)
        per_epoch = batches // epochs
        for epoch in range(epochs):
            count = per_epoch if epoch < epochs - 1 else batches - per_epoch * (epochs - 1)
            lines.extend(self._batches(count))
            lines.extend(self._epoch())
        self.step += 1  # what is left over: one more batch, for some of the series
        lines.extend(self._point(key, 0.5, self.step) for key in _BATCH_KEYS[:extra])
        with (self.folder / "data-1.log").open("w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")

    def _line(self, op: dict[str, Any]) -> str:
        self.version += 1
        self.at += 0.01
        return json.dumps({"obj": op, "version": self.version, "at": self.at})

    def _point(self, path: tuple[str, ...], value: float, step: int) -> str:
        self.points += 1
        values = [{"value": value, "step": step, "ts": self.at}]
        return self._line({"type": "LogFloats", "path": list(path), "values": values})

    def _batches(self, count: int) -> list[str]:
        out = []
        for _ in range(count):
            self.step += 1
            out.extend(self._point(key, 1.0 / (1 + self.step % 997), self.step) for key in _BATCH_KEYS)
        return out

    def _epoch(self) -> list[str]:
        self.epoch += 1
        return [self._point(key, 0.5 + 0.001 * self.epoch, self.epoch) for key in _EPOCH_KEYS]

    def append(self) -> None:
        """A few more operations, as a training writes them: two batches, then an epoch's end."""
        lines = [*self._batches(2), *self._epoch(), self._line({"type": "AssignInt", "path": ["n"], "value": 1})]
        with (self.folder / "data-1.log").open("a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")


def _cli(*argv: str) -> None:
    from hooks.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    if code != 0:
        raise RuntimeError(f"hooks {' '.join(argv)} exited {code}: {err.getvalue()[-2000:]}")


def _setup(b: Bench) -> SyntheticRun:
    """The synthetic run (shared by rows 13 and 14) and a fresh cache folder."""
    if "report-run" in b.cache:
        return b.cache["report-run"]  # type: ignore[no-any-return]
    points = b.pick(500_000, 5_000)
    b.say(f"  rows 13-14: writing a synthetic run of {points:,} float points")
    run = SyntheticRun(b.fresh_dir("long-run") / ".neptune", points)
    assert run.points == points, (run.points, points)
    os.environ["YAML_HOOKS_CACHE_DIR"] = str(b.fresh_dir("yaml-hooks-cache"))
    b.cache["report-run"] = run
    return run


def _cold(b: Bench, call: Callable[[], object]) -> float:
    """Seconds of one call with an empty cache folder (the first time a run is seen)."""
    kept = os.environ["YAML_HOOKS_CACHE_DIR"]
    os.environ["YAML_HOOKS_CACHE_DIR"] = str(b.fresh_dir("empty-cache"))
    try:
        return clock(call)
    finally:
        os.environ["YAML_HOOKS_CACHE_DIR"] = kept


def _against_parse(
    b: Bench,
    row: str,
    what: str,
    times: dict[str, list[float]],
    side: str,
    target: float,
    notes: list[str],
    extra: dict[str, object],
) -> Result:
    """A row whose figure is the median of ``times[side]`` as a ratio to one parse (``times["parse"]``)."""
    ratio = _ratio(statistics.median(times[side]), statistics.median(times["parse"]))
    return Result(
        row,
        what if not b.quick else what.replace("500,000", f"{b.pick(500_000, 5_000):,}"),
        Stats(times[side]),
        f"ratio ≤ {target}",
        f"×{ratio:.3f} (≤ {target:.2f})",
        ratio <= target,
        baseline=Stats(times["parse"]),
        baseline_what="one parse of the log: read_run without the cache",
        notes=notes,
        extra=extra,
    )


# ===================================================================== 13: hooks report, cached
def row13(b: Bench) -> list[Result]:
    from hooks.runs.neptune.read import read_run

    run = _setup(b)
    out = b.workdir / "report.html"
    folder = str(run.folder)
    cold = _cold(b, lambda: _cli("report", folder, "-o", str(out)))

    def grown_report() -> float:
        run.append()
        return clock(lambda: _cli("report", folder, "-o", str(out)))

    def grown_read() -> float:
        run.append()
        return clock(lambda: read_run(run.folder, cache=True))

    settle()
    repeats = b.pick(5, 1)
    b.say(f"  row 13: {repeats} interleaved rounds of a parse, `hooks report` (read before, being written)")
    times = alternate(
        {
            "parse": lambda: clock(lambda: read_run(run.folder)),
            "report": lambda: clock(lambda: _cli("report", folder, "-o", str(out))),
            "grown": grown_report,
            "read": lambda: clock(lambda: read_run(run.folder, cache=True)),
            "grown-read": grown_read,
        },
        repeats,
        warmup=1,
    )
    parse = statistics.median(times["parse"])
    results = []
    for row, side, reading, what in (
        ("13a", "report", "read", "`hooks report` of a run read before (500,000 points)"),
        ("13b", "grown", "grown-read", "`hooks report` of a run being written (12 new operations)"),
    ):
        median = statistics.median(times[side])
        ratio = _ratio(median, parse)
        read = statistics.median(times[reading])
        results.append(
            _against_parse(
                b,
                row,
                what,
                times,
                side,
                REPORT_TARGET,
                [
                    f"of which reading the run (read_run with the cache): {fmt(read, 's')} (×{_ratio(read, parse):.4f}"
                    f" of a parse); the rest is the page: {fmt(median - read, 's')}",
                    f"a run never read (empty cache: one parse, which it caches, then the page): {fmt(cold, 's')} "
                    f"(×{_ratio(cold, parse):.2f})",
                ],
                extra={"ratio": ratio, "read_s": times[reading], "cold_s": cold, "points": run.points},
            )
        )
    return results


# ======================================================================= 14: hooks runs, cached
def row14(b: Bench) -> list[Result]:
    from hooks.runs.neptune.read import read_run

    run = _setup(b)
    where = str(run.folder.parent.parent)
    cold = _cold(b, lambda: _cli("runs", where))
    read_run(run.folder, cache=True)  # the read state cached (as by a report), not yet the listing's summary
    for entry in Path(os.environ["YAML_HOOKS_CACHE_DIR"]).glob("*.summary"):
        entry.unlink()
    first = clock(lambda: _cli("runs", where))

    def grown() -> float:
        run.append()
        return clock(lambda: _cli("runs", where))

    settle()
    repeats = b.pick(5, 1)
    b.say(f"  row 14: {repeats} interleaved rounds of a parse, `hooks runs` (read before, being written)")
    times: dict[str, list[float]] = alternate(
        {
            "parse": lambda: clock(lambda: read_run(run.folder)),
            "runs": lambda: clock(lambda: _cli("runs", where)),
            "grown": grown,
        },
        repeats,
        warmup=1,
    )
    parse = statistics.median(times["parse"])
    results = []
    for row, side, what in (
        ("14a", "runs", "`hooks runs` over a run read before (500,000 points)"),
        ("14b", "grown", "`hooks runs` over a run being written (12 new operations)"),
    ):
        ratio = _ratio(statistics.median(times[side]), parse)
        notes = [
            "a run read before: its summary in the cache (no log read, no series loaded)"
            if side == "runs"
            else "the new lines read on top of the cached read state, which is then saved again with the summary",
            f"a run whose read state is cached but not its summary: {fmt(first, 's')} (×{_ratio(first, parse):.3f})",
            f"a run never read (empty cache): {fmt(cold, 's')} (×{_ratio(cold, parse):.2f}): one parse, which "
            "it caches",
        ]
        results.append(
            _against_parse(
                b,
                row,
                what,
                times,
                side,
                RUNS_TARGET,
                notes,
                extra={"ratio": ratio, "first_s": first, "cold_s": cold, "points": run.points},
            )
        )
    return results


ROWS: dict[str, Callable[[Bench], list[Result]]] = {"13": row13, "14": row14}
