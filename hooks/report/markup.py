"""Small pieces of markup every section uses: escaping, numbers, run colours, sparklines."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..runs.model import Run
from ..runs.registry import UnknownTracker, reader

__all__ = ["DASHES", "PALETTE", "RunView", "esc", "num", "run_views", "sparkline", "swatch"]

# Tableau 10: distinct for most colour vision, and the same run keeps its colour on every chart.
PALETTE: tuple[str, ...] = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
# Past ten lines on one chart the colours repeat with a dash pattern.
DASHES: tuple[tuple[int, ...] | None, ...] = (None, (6, 3), (2, 3), (8, 3, 2, 3))


def esc(value: object) -> str:
    """Every string that comes from a run goes through here before it reaches the page."""
    return html.escape(str(value), quote=True)


def num(value: float | None) -> str:
    if value is None:
        return "–"
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def style_of(index: int) -> tuple[str, tuple[int, ...] | None]:
    """Colour and dash of the ``index``-th line or run."""
    return PALETTE[index % len(PALETTE)], DASHES[(index // len(PALETTE)) % len(DASHES)]


@dataclass(frozen=True)
class RunView:
    """One run as the page shows it: its index, label and colour."""

    index: int
    run: Run
    label: str
    color: str


def run_views(runs: Sequence[Run]) -> list[RunView]:
    """Labels are run names; a name two runs share gets the start of each id."""
    names = [run.name or run.short_id for run in runs]
    views = []
    for index, (run, name) in enumerate(zip(runs, names, strict=True)):
        label = name
        if names.count(name) > 1:
            label = f"{name} ({run.short_id})"
        views.append(RunView(index, run, label, style_of(index)[0]))
    return views


def swatch(color: str) -> str:
    # An SVG attribute, not a style attribute: the page's policy allows no inline style.
    return (
        f'<svg class="swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">'
        f'<rect width="12" height="12" rx="2" fill="{esc(color)}"/></svg>'
    )


def sparkline(values: Sequence[float], color: str, width: int = 64, height: int = 16) -> str:
    """A small inline SVG line of ``values`` (NaN skipped); empty for fewer than two values."""
    finite = [(i, v) for i, v in enumerate(values) if math.isfinite(v)]
    if len(finite) < 2:
        return ""
    low = min(v for _, v in finite)
    high = max(v for _, v in finite)
    span = (high - low) or 1.0
    last = len(values) - 1 or 1
    points = " ".join(
        f"{1 + (width - 2) * i / last:.1f},{height - 1 - (height - 2) * (v - low) / span:.1f}" for i, v in finite
    )
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{esc(f"from {num(finite[0][1])} to {num(finite[-1][1])}")}">'
        f'<polyline fill="none" stroke="{esc(color)}" stroke-width="1.3" points="{points}"/></svg>'
    )


def run_kind(run: Run) -> str:
    """What the run is called on the page: its reader's title ("Neptune offline run", "MLflow run")."""
    try:
        return reader(run.tracker).title
    except UnknownTracker:  # a run a script made by hand
        return f"{run.tracker} run"


def run_kinds(runs: Sequence[Run]) -> str:
    """``"Neptune offline runs"``, or ``"Neptune offline and MLflow runs"`` for a mixed comparison."""
    kinds = list(dict.fromkeys(run_kind(r).removesuffix(" run") for r in runs))
    return (" and ".join(kinds) if len(kinds) < 3 else ", ".join(kinds[:-1]) + " and " + kinds[-1]) + " runs"


def where_read(run: Run) -> str:
    """Where a run was read: its folder, or its store (credentials masked) and run id."""
    return str(run.path) if run.path is not None else f"{run.location} run {run.id or '?'}"
