"""The points of a run's series, kept as columns.

A long training logs a million points; one Python object per point costs seconds to build,
unpickle or collect. A :class:`Series` therefore keeps steps, values and timestamps as arrays and
behaves as a read-only sequence of :class:`Point` (``run.series[key][-1].value``, iteration,
slicing, equality with a tuple of points), building a point only when one is asked for. Code that
needs whole columns (charts, tables) takes them at once with :meth:`Series.steps`,
:meth:`Series.values` and :meth:`Series.timestamps`, far cheaper than iterating points.

:class:`Column` is the mutable form the reader appends to; it holds only builtins and arrays, so
the reader's state can be cached and loaded again without any class of this package.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Literal, NamedTuple, cast, overload

__all__ = ["Column", "ImageRef", "Point", "Series", "SeriesKind", "finite_range"]

SeriesKind = Literal["float", "string", "image"]


@dataclass(frozen=True)
class ImageRef:
    """One logged image; the base64 data itself is not kept in memory."""

    name: str | None
    description: str | None
    size: int


class Point(NamedTuple):
    """One value of a series; ``step`` is None when the client chose none."""

    step: float | None
    value: float | str | ImageRef
    ts: float | None
    kind: SeriesKind


_new_point = tuple.__new__  # tuple.__new__(Point, (step, value, ts, kind)): a Point without the keyword layer


def _with_none(column: array[float], missing: bytearray | None) -> list[float | None]:
    out: list[float | None] = list(column.tolist())
    if missing is not None:
        for index in (i for i, gone in enumerate(missing) if gone):
            out[index] = None
    return out


class Column:
    """A series being read: appended to, cut back, then frozen into a :class:`Series`.

    ``step_none``/``ts_none`` mark the points logged without a step or timestamp (1 = None); they
    stay None while every point has one. Values are an ``array('d')`` for floats, a list otherwise.
    """

    __slots__ = ("kind", "step_none", "steps", "ts", "ts_none", "values")

    def __init__(self, kind: SeriesKind) -> None:
        self.kind: SeriesKind = kind
        self.steps: array[float] = array("d")
        self.step_none: bytearray | None = None
        self.values: array[float] | list[Any] = array("d") if kind == "float" else []
        self.ts: array[float] = array("d")
        self.ts_none: bytearray | None = None

    def __len__(self) -> int:
        return len(self.steps)

    def append(self, step: float | None, value: float | str | ImageRef, ts: float | None) -> None:
        if step is None:
            if self.step_none is None:
                self.step_none = bytearray(len(self.steps))
            self.step_none.append(1)
            self.steps.append(0.0)
        else:
            if self.step_none is not None:
                self.step_none.append(0)
            self.steps.append(step)
        if ts is None:
            if self.ts_none is None:
                self.ts_none = bytearray(len(self.ts))
            self.ts_none.append(1)
            self.ts.append(0.0)
        else:
            if self.ts_none is not None:
                self.ts_none.append(0)
            self.ts.append(ts)
        self.values.append(value)  # type: ignore[arg-type]  # a float column gets floats only

    def keep_before(self, first: float) -> None:
        """Drop every point from step ``first`` on (points without a step stay)."""
        none = self.step_none
        keep = [i for i, s in enumerate(self.steps) if (none is not None and none[i]) or s < first]
        if len(keep) == len(self.steps):
            return
        self.steps = array("d", (self.steps[i] for i in keep))
        self.ts = array("d", (self.ts[i] for i in keep))
        if none is not None:
            self.step_none = bytearray(none[i] for i in keep)
        if self.ts_none is not None:
            self.ts_none = bytearray(self.ts_none[i] for i in keep)
        if isinstance(self.values, array):
            self.values = array("d", (self.values[i] for i in keep))
        else:
            self.values = [self.values[i] for i in keep]

    def freeze(self) -> Series:
        """The series as read so far. It shares the arrays: append nothing afterwards."""
        return Series(self.kind, self.steps, self.step_none, self.values, self.ts, self.ts_none)

    def dump(self) -> tuple[object, ...]:
        """Builtins and arrays only (images as tuples), for the cache."""
        values: object = self.values
        if self.kind == "image":
            images: list[ImageRef] = list(self.values)  # type: ignore[arg-type]  # an image column holds ImageRefs
            values = [(v.name, v.description, v.size) for v in images]
        return (self.kind, self.steps, self.step_none, values, self.ts, self.ts_none)

    @classmethod
    def load(cls, dumped: tuple[Any, ...]) -> Column:
        """The inverse of :meth:`dump`; raises ValueError/TypeError on anything else."""
        kind, steps, step_none, values, ts, ts_none = dumped
        if kind not in ("float", "string", "image"):
            raise ValueError(f"series kind {kind!r}")
        column = cls(kind)
        for name, part in (("steps", steps), ("ts", ts)):
            if not isinstance(part, array) or part.typecode != "d":
                raise TypeError(f"{name} is not an array of doubles")
        for mask in (step_none, ts_none):
            if mask is not None and (not isinstance(mask, bytearray) or len(mask) != len(steps)):
                raise TypeError("bad mask")
        if kind == "float":
            if not isinstance(values, array) or values.typecode != "d":
                raise TypeError("float values are not an array of doubles")
        elif not isinstance(values, list):
            raise TypeError("values are not a list")
        elif kind == "image":
            values = [ImageRef(name, description, size) for name, description, size in values]
        if not len(steps) == len(ts) == len(values):
            raise ValueError("columns of different lengths")
        column.steps, column.step_none, column.values, column.ts, column.ts_none = steps, step_none, values, ts, ts_none
        return column


class Series(Sequence[Point]):
    """The points of one series, oldest first: a read-only sequence of :class:`Point`.

    Equal to another Series with the same points, and to a tuple or list of the same points.
    """

    __slots__ = ("_step_none", "_steps", "_ts", "_ts_none", "_values", "kind")

    def __init__(
        self,
        kind: SeriesKind,
        steps: array[float],
        step_none: bytearray | None,
        values: array[float] | list[Any],
        ts: array[float],
        ts_none: bytearray | None,
    ) -> None:
        self.kind: SeriesKind = kind
        self._steps, self._step_none, self._values = steps, step_none, values
        self._ts, self._ts_none = ts, ts_none

    @classmethod
    def of(cls, points: Sequence[Point]) -> Series:
        """A Series of given points (all of one kind), e.g. for a test or a hand-made RunLog."""
        column = Column(points[0].kind if points else "float")
        for point in points:
            column.append(point.step, point.value, point.ts)
        return column.freeze()

    def __len__(self) -> int:
        return len(self._steps)

    @overload
    def __getitem__(self, index: int) -> Point: ...

    @overload
    def __getitem__(self, index: slice) -> Series: ...

    def __getitem__(self, index: int | slice) -> Point | Series:
        if isinstance(index, slice):
            return Series(
                self.kind,
                self._steps[index],
                None if self._step_none is None else self._step_none[index],
                self._values[index],
                self._ts[index],
                None if self._ts_none is None else self._ts_none[index],
            )
        i = range(len(self._steps))[index]  # IndexError as a tuple gives it; negative indexes
        step = None if self._step_none is not None and self._step_none[i] else self._steps[i]
        ts = None if self._ts_none is not None and self._ts_none[i] else self._ts[i]
        return Point(step, self._values[i], ts, self.kind)

    def __iter__(self) -> Iterator[Point]:
        steps: Sequence[float | None] = self._steps if self._step_none is None else self.steps()
        ts: Sequence[float | None] = self._ts if self._ts_none is None else self.timestamps()
        rows = zip(steps, self._values, ts, repeat(self.kind))
        return cast("Iterator[Point]", map(_new_point, repeat(Point), rows))

    def steps(self) -> list[float | None]:
        """Every point's step (None where it was logged without one), as a new list."""
        return _with_none(self._steps, self._step_none)

    def timestamps(self) -> list[float | None]:
        """Every point's timestamp (None where it has none), as a new list."""
        return _with_none(self._ts, self._ts_none)

    def values(self) -> list[Any]:
        """Every point's value, as a new list: floats, strings or :class:`ImageRef` by ``kind``."""
        values = self._values
        return values.tolist() if isinstance(values, array) else list(values)

    def float_values(self) -> array[float]:
        """The values of a float series as a new ``array('d')``; TypeError for another kind."""
        if not isinstance(self._values, array):
            raise TypeError(f"a {self.kind} series has no float values")
        return array("d", self._values)

    def highest_step(self) -> float | None:
        """The highest step of any point (None if no point has one)."""
        steps: Sequence[float] = self._steps
        if self._step_none is not None:
            steps = [s for s, none in zip(self._steps, self._step_none, strict=True) if not none]
        return max(steps) if steps else None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Series):
            return len(self) == len(other) and (
                not self
                or (
                    self.kind == other.kind
                    and self.steps() == other.steps()
                    and self.values() == other.values()
                    and self.timestamps() == other.timestamps()
                )
            )
        if isinstance(other, (tuple, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        shown = ", ".join(repr(p) for p in self[:3])
        more = f", ... {len(self) - 3} more" if len(self) > 3 else ""
        return f"Series([{shown}{more}])"


def finite_range(values: array[float]) -> tuple[float, float] | None:
    """The lowest and highest finite value (None if there is none); NaN and infinities never count."""
    if not values:
        return None
    if math.isfinite(sum(values)):  # no NaN or infinity (an overflow to inf takes the slow way)
        return min(values), max(values)
    finite = [v for v in values if math.isfinite(v)]
    return (min(finite), max(finite)) if finite else None
