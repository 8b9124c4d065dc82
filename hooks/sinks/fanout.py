"""Several trackers from one config: every call goes to each open sink; one that fails to start
is left out (with a warning) and one that fails on a call does not keep the others from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, final

from ..log import logger
from .base import BaseSink, BaseSinkFactory, Sink, SinkFactory, open_sink

__all__ = ["FanOutFactory", "FanOutSink"]


@final
@dataclass(frozen=True)
class FanOutFactory(BaseSinkFactory):
    factories: tuple[tuple[str, SinkFactory], ...]  # (the name under `sink:`, its factory)

    def describe(self) -> str:
        return "; and ".join(f.describe() for _, f in self.factories)

    def prepare(self, trainer: Any) -> None:
        for _, factory in self.factories:
            factory.prepare(trainer)

    def notes(self) -> tuple[str, ...]:
        return tuple(note for _, factory in self.factories for note in factory.notes())

    def open(self, lookup: Callable[[str], Any]) -> Sink:
        sinks: list[tuple[str, Sink]] = []
        errors: list[str] = []
        for name, factory in self.factories:
            try:
                sinks.append((name, open_sink(factory, lookup)))
            except Exception as e:  # one tracker down never takes the others with it
                errors.append(f"{name}: {e}")
                logger.warning("the %s tracker did not start, the others go on: %s", name, e)
        if not sinks:
            raise RuntimeError("no tracker started (" + "; ".join(errors) + ")")
        return FanOutSink(tuple(sinks))


@final
class FanOutSink(BaseSink):
    __slots__ = ("_sinks",)

    def __init__(self, sinks: tuple[tuple[str, Sink], ...]) -> None:
        self._sinks = sinks

    def _each(self, call: Callable[[Sink], Any]) -> None:
        failed: list[str] = []
        first: Exception | None = None
        for name, sink in self._sinks:
            try:
                call(sink)
            except Exception as e:
                failed.append(name)
                first = first or e
        if first is not None:
            raise RuntimeError(f"{', '.join(failed)}: {first!r}") from first

    def append(self, path: str, value: float, step: float | None) -> None:
        self._each(lambda s: s.append(path, value, step))

    def assign(self, path: str, value: Any) -> None:
        self._each(lambda s: s.assign(path, value))

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        self._each(lambda s: s.upload(path, file, snapshot=snapshot))

    def upload_figure(self, path: str, figure: Any) -> None:
        self._each(lambda s: s.upload_figure(path, figure))

    def flush(self) -> None:
        self._each(lambda s: s.flush())

    def event(self, name: str, step: int | None, *, batch: bool) -> None:
        self._each(lambda s: s.event(name, step, batch=batch))

    def register(self, path: str, file: Path, model: str) -> bool:
        """A new version of a registered model, in each tracker that has a model registry; whether
        one of them has."""
        has: list[bool] = []
        self._each(lambda s: has.append(s.register(path, file, model)))
        return any(has)

    def fail(self) -> None:
        for _, sink in self._sinks:
            sink.fail()

    def stop(self) -> str:
        said: list[str] = []
        for name, sink in self._sinks:
            try:
                said.append(sink.stop())
            except Exception as e:
                logger.warning("stopping the %s run failed: %r", name, e)
        return "\n".join(s for s in said if s)
