"""A sink that records every call: for testing a config without a tracker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..sinks.base import BaseSink, BaseSinkFactory

__all__ = ["Record", "RecordingSink"]


@dataclass(frozen=True, slots=True)
class Record:
    op: str  # prepare, append, assign, upload, upload_figure, register, flush, fail, stop
    path: str = ""
    value: Any = None  # the value; the file (upload, register); the figure's size (upload_figure)
    step: float | None = None
    snapshot: bool = False
    model: str | None = None  # register: the registered model's name


@dataclass
class RecordingSink(BaseSink, BaseSinkFactory):
    """A Sink and its own SinkFactory: ``hooks.load(cfg, sink=RecordingSink())`` logs into ``records``,
    every call yaml-hooks makes, the optional ones too (``prepare`` at each training, ``fail``,
    ``register``; it has no model registry, so an upload's `register:` still warns once)."""

    records: list[Record] = field(default_factory=list)
    events: list[tuple[str, int | None, bool]] = field(default_factory=list)  # Sink.event calls
    opened: int = 0

    # SinkFactory
    def open(self, lookup: Callable[[str], Any]) -> RecordingSink:
        self.opened += 1
        return self

    def describe(self) -> str:
        return "a RecordingSink (in memory, for tests)"

    def prepare(self, trainer: Any) -> None:
        self.records.append(Record("prepare"))

    # Sink
    def append(self, path: str, value: float, step: float | None) -> None:
        self.records.append(Record("append", path, value, step))

    def assign(self, path: str, value: Any) -> None:
        self.records.append(Record("assign", path, value))

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        self.records.append(Record("upload", path, Path(file), snapshot=snapshot))

    def upload_figure(self, path: str, figure: Any) -> None:
        size = tuple(int(v) for v in figure.get_size_inches() * figure.dpi)
        self.records.append(Record("upload_figure", path, size))

    def register(self, path: str, file: Path, model: str) -> bool:
        self.records.append(Record("register", path, Path(file), model=model))
        return False

    def flush(self) -> None:
        self.records.append(Record("flush"))

    def event(self, name: str, step: int | None, *, batch: bool) -> None:
        self.events.append((name, step, batch))  # apart from ``records``: what the runtime told

    def fail(self) -> None:
        self.records.append(Record("fail"))

    def stop(self) -> str:
        self.records.append(Record("stop"))
        return "recorded in memory"

    # Reading back
    def series(self) -> dict[str, list[tuple[float | None, float]]]:
        out: dict[str, list[tuple[float | None, float]]] = {}
        for r in self.records:
            if r.op == "append":
                out.setdefault(r.path, []).append((r.step, r.value))
        return out

    def of(self, op: str) -> list[Record]:
        return [r for r in self.records if r.op == op]
