"""What `hooks runs` shows of a run, whatever tracker wrote it: an :class:`Overview`, small enough
to cache, built from a :class:`~hooks.runs.model.Run` by :func:`overview_of` (a reader may build
it more cheaply: the Neptune reader keeps it in the cache beside its read state).

Duration: the run's ``spans`` added up (per part of a resumed training, the pause between parts is
not training). Epochs: the highest step of the float series directly under ``train/``
(``train/box_loss`` …): Ultralytics' training losses, which every preset, Ultralytics' own
integrations and yaml-hooks' sinks log once an epoch, at step = epoch. Best: the lowest (rule
"min") or highest ("max") finite value of a series.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .model import STATUSES, Run, Status
from .series import Point, Series, finite_range

__all__ = ["Figures", "Overview", "overview_of"]


@dataclass(frozen=True)
class Figures:
    """One float series in numbers: its points, lowest and highest finite value, highest step."""

    points: int
    low: float | None
    high: float | None
    last_step: float | None


@dataclass(frozen=True)
class Overview:
    """A run as `hooks runs` lists it."""

    tracker: str
    id: str | None
    location: str
    created: str | None
    name: str | None
    tags: tuple[str, ...]
    series_keys: tuple[str, ...]
    file_keys: tuple[str, ...]  # files and file sets
    field_keys: tuple[str, ...]
    status: Status
    spans: tuple[tuple[float, float] | None, ...]
    figures: dict[str, Figures]  # the float series
    problems: int
    parts: int = 1  # how many parts a resumed training was written in
    short_id: str = ""  # what the id column shows

    @property
    def duration(self) -> float | None:
        """Seconds between the first and last write of each part, added up."""
        spans = [span[1] - span[0] for span in self.spans if span is not None]
        return sum(spans) if spans else None

    @property
    def epochs(self) -> int | None:
        """The highest step of a float series directly under train/ (None: no such series)."""
        steps = [f.last_step for key, f in self.figures.items() if key.count("/") == 1 and key.startswith("train/")]
        found = [s for s in steps if s is not None]
        return int(max(found)) if found else None

    def best(self, key: str, rule: str | None) -> float | None:
        """The lowest (rule "min") or highest ("max") finite value of ``key``; None without one."""
        figures = self.figures.get(key)
        if figures is None or rule is None:
            return None
        return figures.low if rule == "min" else figures.high if rule == "max" else None

    def with_status(self, status: Status) -> Overview:
        return replace(self, status=status)

    def dump(self) -> dict[str, object]:
        """Builtins only, for a cache."""
        return {
            "tracker": self.tracker,
            "id": self.id,
            "location": self.location,
            "created": self.created,
            "name": self.name,
            "tags": list(self.tags),
            "series_keys": list(self.series_keys),
            "file_keys": list(self.file_keys),
            "field_keys": list(self.field_keys),
            "status": self.status,
            "spans": [None if s is None else list(s) for s in self.spans],
            "figures": {k: [f.points, f.low, f.high, f.last_step] for k, f in self.figures.items()},
            "problems": self.problems,
            "parts": self.parts,
            "short_id": self.short_id,
        }

    @classmethod
    def load(cls, dumped: dict[str, Any]) -> Overview:
        """The inverse of :meth:`dump`; raises (KeyError, TypeError, ValueError) on anything else."""
        status = dumped["status"]
        if status not in STATUSES:
            raise ValueError(f"status {status!r}")
        return cls(
            tracker=str(dumped["tracker"]),
            id=dumped["id"],
            location=str(dumped["location"]),
            created=dumped["created"],
            name=dumped["name"],
            tags=tuple(dumped["tags"]),
            series_keys=tuple(dumped["series_keys"]),
            file_keys=tuple(dumped["file_keys"]),
            field_keys=tuple(dumped["field_keys"]),
            status=status,
            spans=tuple(None if s is None else (float(s[0]), float(s[1])) for s in dumped["spans"]),
            figures={str(k): Figures(int(n), lo, hi, step) for k, (n, lo, hi, step) in dumped["figures"].items()},
            problems=int(dumped["problems"]),
            parts=int(dumped["parts"]),
            short_id=str(dumped["short_id"]),
        )


def figures_of(points: Sequence[Point]) -> Figures:
    """A float series in numbers."""
    if isinstance(points, Series):  # the columns, without a Point per value
        values, last_step = points.float_values(), points.highest_step()
    else:
        values = array("d", (float(p.value) for p in points))  # type: ignore[arg-type]  # a float series
        steps = [p.step for p in points if p.step is not None]
        last_step = max(steps) if steps else None
    extremes = finite_range(values)
    low, high = extremes if extremes is not None else (None, None)
    return Figures(len(points), low, high, last_step)


def overview_of(run: Run) -> Overview:
    """The overview of a run already read."""
    return Overview(
        tracker=run.tracker,
        id=run.id,
        location=run.location,
        created=run.created,
        name=run.name,
        tags=run.tags,
        series_keys=tuple(run.series),
        file_keys=(*run.files, *run.file_sets),
        field_keys=tuple(run.fields),
        status=run.status,
        spans=run.spans,
        figures={key: figures_of(points) for key, points in run.float_series().items()},
        problems=len(run.problems),
        parts=run.part_count,
        short_id=run.short_id,
    )
