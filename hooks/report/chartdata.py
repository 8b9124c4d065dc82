"""What the page's charts draw: each series' steps and values, thinned for display.

A series longer than ``MAX_SHOWN`` points (per-batch losses of a long training reach a million) is
cut into buckets of consecutive points, and each bucket keeps its first, lowest, highest and last
point. The line keeps every spike and dip a reader would see at full resolution, the page stays
small, and every point drawn is a logged point: hovering one reads its exact value and step.

NaN and infinities are not JSON; they become ``null``, a gap in the line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..runs.series import Point, Series

__all__ = ["MAX_SHOWN", "Shown", "shown"]

MAX_SHOWN = 2000
_PER_BUCKET = 4  # first, lowest, highest, last


@dataclass(frozen=True)
class Shown:
    """The points of one series the page draws (``x``: step, ``y``: value or None)."""

    x: list[float]
    y: list[float | None]
    total: int  # points logged

    @property
    def thinned(self) -> bool:
        return len(self.x) < self.total


def xy(points: Sequence[Point]) -> tuple[list[float], list[float]]:
    """Steps and values; a point logged without a step sits at its position (1-based), as
    Neptune's own UI placed it. A value that is not a number is NaN."""
    if isinstance(points, Series) and points.kind == "float":  # whole columns, not point by point
        raw = points.steps()
        steps = raw if None not in raw else [s if s is not None else float(i) for i, s in enumerate(raw, 1)]
        return steps, points.float_values().tolist()  # type: ignore[return-value]
    steps = [p.step if p.step is not None else float(i) for i, p in enumerate(points, 1)]
    values = [p.value if isinstance(p.value, float) else math.nan for p in points]
    return steps, values


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def shown(points: Sequence[Point], limit: int = MAX_SHOWN) -> Shown:
    steps, values = xy(points)
    total = len(steps)
    if total <= limit:
        return Shown(steps, [_finite(v) for v in values], total)
    buckets = max(1, limit // _PER_BUCKET)
    size = total / buckets
    keep: list[int] = []
    for b in range(buckets):
        start, end = int(b * size), min(total, int((b + 1) * size))
        if start >= end:
            continue
        chunk = values[start:end]
        picks = {start, end - 1}
        if math.isfinite(sum(chunk)):  # the usual case: the lowest and highest found in C
            picks.add(start + chunk.index(min(chunk)))
            picks.add(start + chunk.index(max(chunk)))
        else:
            finite = [i for i, v in enumerate(chunk) if math.isfinite(v)]
            if finite:
                picks.add(start + min(finite, key=chunk.__getitem__))
                picks.add(start + max(finite, key=chunk.__getitem__))
        keep.extend(sorted(picks))
    return Shown([steps[i] for i in keep], [_finite(values[i]) for i in keep], total)
