"""Measuring, alternating, summarising and printing: what every benchmark row shares."""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------------------------------- figures
@dataclass
class Stats:
    """Samples of one quantity (seconds, bytes or a plain number), summarised robustly."""

    samples: list[float]
    unit: str = "s"  # s, B or "" (a plain number)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "median": self.median,
            "min": self.min,
            "max": self.max,
            "n": len(self.samples),
            "samples": self.samples,
        }


def fmt(value: float, unit: str) -> str:
    """A value in its unit, scaled to be readable: 1.23 ms, 456 µs, 12.3 KiB."""
    if unit == "s":
        a = abs(value)
        if a >= 1:
            return f"{value:.2f} s"
        if a >= 1e-3:
            return f"{value * 1e3:.3g} ms"
        if a >= 1e-6:
            return f"{value * 1e6:.3g} µs"
        return f"{value * 1e9:.3g} ns"
    if unit == "B":
        a = abs(value)
        if a >= 1 << 20:
            return f"{value / (1 << 20):.3g} MiB"
        if a >= 1 << 10:
            return f"{value / (1 << 10):.3g} KiB"
        return f"{value:.0f} B"
    return f"{value:.3g}{unit}"


def fmt_range(s: Stats) -> str:
    lo, hi = fmt(s.min, s.unit), fmt(s.max, s.unit)
    # "1.2–3.4 ms" when both have the same unit word, else both in full
    lo_num, _, lo_unit = lo.partition(" ")
    hi_num, _, hi_unit = hi.partition(" ")
    return f"{lo_num}–{hi_num} {hi_unit}".rstrip() if lo_unit == hi_unit else f"{lo}–{hi}"


@dataclass
class Result:
    """One row of the table."""

    row: str
    what: str
    measured: Stats
    target: str
    verdict: str  # e.g. "ratio 1.02 ≤ 1.05", "+31 ms ≤ +50 ms"
    passed: bool | None  # None: informational, no target of its own
    baseline: Stats | None = None
    baseline_what: str = ""
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "what": self.what,
            "measured": self.measured.to_json(),
            "baseline_what": self.baseline_what,
            "baseline": self.baseline.to_json() if self.baseline else None,
            "target": self.target,
            "verdict": self.verdict,
            "passed": self.passed,
            "notes": self.notes,
            "extra": self.extra,
        }


def status(passed: bool | None) -> str:
    return "info" if passed is None else ("PASS" if passed else "MISS")


# -------------------------------------------------------------------------------------- measuring
def alternate(
    sides: Mapping[str, Callable[[], float]], repeats: int, *, warmup: int = 0, collect: bool = True
) -> dict[str, list[float]]:
    """Run each side ``repeats`` times, interleaved (A B, B A, A B, …) so that drift and noise on
    this machine hit both sides alike; each call returns its own sample. ``warmup`` rounds first,
    discarded. ``collect``: a full garbage collection before every call, outside its timing."""
    names = list(sides)
    out: dict[str, list[float]] = {n: [] for n in names}
    for i in range(warmup + repeats):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            if collect:
                gc.collect()
            sample = sides[name]()
            if i >= warmup:
                out[name].append(sample)
    return out


def settle() -> None:
    """Collect, then exempt everything alive from later collections (set-up, imported modules), so
    that collections during the measurement are short and hit both sides alike."""
    gc.collect()
    gc.freeze()


def clock(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes."""
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def repeat_clock(fn: Callable[[], object], number: int) -> float:
    """Seconds per call, over ``number`` back-to-back calls."""
    t = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t) / number


class CallTimer:
    """Wraps callbacks so that the time spent inside each call is recorded, per event."""

    def __init__(self, tag: Callable[[str, Any], str] | None = None) -> None:
        self.calls: list[tuple[str, float]] = []  # (event, seconds), in firing order
        self.tags: list[str] = []  # with ``tag``: tag(event, object) of each call, after its timing
        self._tag = tag

    def wrap(self, callbacks: Mapping[str, Callable[[Any], None]]) -> dict[str, Callable[[Any], None]]:
        return {event: self._timed(event, fn) for event, fn in callbacks.items()}

    def _timed(self, event: str, fn: Callable[[Any], None]) -> Callable[[Any], None]:
        calls, tags, tag = self.calls, self.tags, self._tag
        now = time.perf_counter

        def timed(obj: Any) -> None:
            t = now()
            fn(obj)
            calls.append((event, now() - t))
            if tag is not None:
                tags.append(tag(event, obj))

        return timed

    @property
    def total(self) -> float:
        return sum(s for _, s in self.calls)

    def total_of(self, events: Iterable[str]) -> float:
        wanted = set(events)
        return sum(s for e, s in self.calls if e in wanted)


def quiet_neptune() -> None:
    """Import neptune and keep its info lines (printed to stdout) out of the table."""
    import logging

    import neptune  # noqa: F401  (sets up its loggers)

    for name in ("neptune", "neptune_no_prefix"):
        logging.getLogger(name).setLevel(logging.ERROR)


# -------------------------------------------------------------------------------- subprocess env
def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a user's shell would give a fresh process: bytecode caching on (this
    machine's sessions set PYTHONDONTWRITEBYTECODE, which no user has), no Neptune settings."""
    env = dict(os.environ)
    for name in ("PYTHONDONTWRITEBYTECODE", "NEPTUNE_MODE", "NEPTUNE_API_TOKEN", "NEPTUNE_PROJECT", "RANK"):
        env.pop(name, None)
    env.update(extra or {})
    return env


def python() -> str:
    return sys.executable


# ------------------------------------------------------------------------------------------ table
COLUMNS = ("row", "what", "median", "min–max", "baseline median", "ratio / target", "result")


def _cells(r: Result) -> tuple[str, ...]:
    """One row of the table, as text."""
    return (
        r.row,
        r.what,
        fmt(r.measured.median, r.measured.unit),
        fmt_range(r.measured),
        fmt(r.baseline.median, r.baseline.unit) if r.baseline else "—",
        r.verdict,
        status(r.passed),
    )


def table_lines(results: Sequence[Result]) -> list[str]:
    rows = [COLUMNS, *(_cells(r) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = []
    for k, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def markdown_lines(results: Sequence[Result]) -> list[str]:
    """The same table as Markdown, for the README."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in results:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in _cells(r)) + " |")
    return lines
