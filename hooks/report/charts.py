"""Numeric series of an offline run: grouped by namespace, summarized (last, best) and drawn.

One chart per namespace (``train/*``, ``metrics/*``, ``lr/*`` …): series that Ultralytics writes
side by side are compared on one set of axes, the step (epoch) on x.

"Best" is the lowest value for a series whose name contains ``loss`` and the highest otherwise
(mAP, precision, recall, fitness); learning rates and Neptune's own namespaces (``monitoring/``
…) have none, since a schedule or a CPU load has no better value. NaN and infinities never win.

matplotlib is imported inside :func:`render_chart` only (``import hooks`` stays light) and draws
through its Agg canvas directly: no pyplot, so no global figure state and no GUI backend.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..sinks.neptune.runlog import SYSTEM_NAMESPACES, Point, RunLog, namespaces

__all__ = ["Line", "SeriesStats", "best_rule", "group_float_series", "line", "render_chart", "series_stats"]

BestRule = Literal["min", "max"]

_FIRST: tuple[str, ...] = ("train", "val", "metrics", "lr")

# Namespaces whose values have no "better" direction.
_NO_BEST: frozenset[str] = frozenset({"lr"}) | SYSTEM_NAMESPACES


@dataclass(frozen=True)
class Line:
    """One series ready to plot: ``label`` is the key inside its namespace."""

    label: str
    steps: tuple[float, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class SeriesStats:
    """Last and best value of one series, each with its step."""

    key: str
    points: int
    last: float
    last_step: float
    best: float | None
    best_step: float | None
    rule: BestRule | None


def best_rule(key: str) -> BestRule | None:
    """``min`` for losses, ``max`` for other metrics, None where "best" means nothing."""
    head = key.split("/", 1)[0] if "/" in key else ""
    if head in _NO_BEST:
        return None
    return "min" if "loss" in key.rsplit("/", 1)[-1].lower() else "max"


def group_float_series(run: RunLog) -> dict[str, tuple[str, ...]]:
    """Float series keys by first path segment: Ultralytics' namespaces in the order one reads a
    training (losses, then metrics, then the schedule), any other alphabetically, Neptune's own last."""
    groups = namespaces(run.float_series())

    def order(namespace: str) -> tuple[int, int, str]:
        known = _FIRST.index(namespace) if namespace in _FIRST else len(_FIRST)
        return (namespace in SYSTEM_NAMESPACES, known, namespace.lower())

    return {ns: groups[ns] for ns in sorted(groups, key=order)}


def _xy(points: Sequence[Point]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    # A point logged without a step sits at its position (1-based), as Neptune's own UI placed it.
    steps = tuple(p.step if p.step is not None else float(i) for i, p in enumerate(points, 1))
    values = tuple(p.value if isinstance(p.value, float) else math.nan for p in points)
    return steps, values


def line(key: str, points: Sequence[Point], namespace: str) -> Line:
    steps, values = _xy(points)
    label = key[len(namespace) + 1 :] if namespace else key
    return Line(label, steps, values)


def series_stats(key: str, points: Sequence[Point]) -> SeriesStats:
    steps, values = _xy(points)
    rule = best_rule(key)
    finite = [(v, s) for s, v in zip(steps, values, strict=True) if math.isfinite(v)]
    best: tuple[float, float] | None = None
    if rule is not None and finite:
        # The first step that reaches the best value, so ties point at the earliest epoch.
        pick = min if rule == "min" else max
        best = pick(finite, key=lambda vs: vs[0])
    return SeriesStats(
        key=key,
        points=len(points),
        last=values[-1],
        last_step=steps[-1],
        best=best[0] if best else None,
        best_step=best[1] if best else None,
        rule=rule,
    )


def _plain(text: str) -> str:
    """Text matplotlib shows as written: no mathtext for "$", no hidden legend entry for "_x"."""
    text = text.replace("$", r"\$")
    return "\u200b" + text if text.startswith("_") else text


def render_chart(title: str, lines: Sequence[Line], width_px: int = 640, height_px: int = 320) -> bytes:
    """A PNG line chart of ``lines`` against their steps."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    dpi = 100
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if len(lines) > 10:
        # The default cycle has 10 colours; beyond that two series would share one.
        from matplotlib import colormaps

        ax.set_prop_cycle(color=[colormaps["tab20"](i) for i in range(20)])
    for item in lines:
        # Markers make one- and two-epoch runs visible at all (a single point draws no line).
        marker = "o" if len(item.steps) <= 30 else None
        ax.plot(item.steps, item.values, marker=marker, markersize=4, linewidth=1.6, label=_plain(item.label))
    if all(float(s).is_integer() for item in lines for s in item.steps):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(_plain(title), fontsize=11, loc="left")
    ax.set_xlabel("step")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", ncols=2 if len(lines) > 6 else 1)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
