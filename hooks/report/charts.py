"""Numeric series of an offline run: last and best values, and static charts for ``--static``.

"Best" is the lowest value for a loss and the highest otherwise (mAP, precision, recall, fitness);
learning rates and Neptune's own namespaces (``monitoring/`` …) have none, since a schedule or a
CPU load has no better value. The kind of a series is its family's (``hooks.report.families``).
NaN and infinities never win.

matplotlib is imported inside :func:`render_chart` only (``import hooks`` stays light) and draws
through its Agg canvas directly: no pyplot, so no global figure state and no GUI backend.
"""

from __future__ import annotations

import io
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..runs.series import Point, finite_range
from .chartdata import xy
from .families import series_kind

__all__ = ["BestRule", "Line", "SeriesStats", "best_rule", "render_chart", "series_stats"]

BestRule = Literal["min", "max"]


@dataclass(frozen=True)
class Line:
    """One line of a static chart."""

    label: str
    steps: Sequence[float]
    values: Sequence[float]
    color: str | None = None


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
    kind = series_kind(key)
    if kind in ("lr", "system"):
        return None
    return "min" if kind == "loss" else "max"


def series_stats(key: str, points: Sequence[Point]) -> SeriesStats:
    steps, values = xy(points)
    rule = best_rule(key)
    best: tuple[float, float] | None = None
    found = finite_range(array("d", values)) if rule is not None else None
    if found is not None:
        value = found[0] if rule == "min" else found[1]
        # The first point that reaches the best value, so ties point at the earliest epoch.
        best = (value, steps[values.index(value)])
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
        ax.plot(
            item.steps,
            item.values,
            marker=marker,
            markersize=4,
            linewidth=1.6,
            label=_plain(item.label),
            color=item.color,
        )
    if all(float(s).is_integer() for item in lines for s in item.steps):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(_plain(title), fontsize=11, loc="left")
    ax.set_xlabel("step")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", ncols=2 if len(lines) > 6 else 1)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
