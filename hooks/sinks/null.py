"""The sink that stands in when a tracker could not start: actions go on, nothing is sent."""

from __future__ import annotations

from typing import Any, final

from .base import BaseSink

__all__ = ["NullSink"]


@final
class NullSink(BaseSink):
    __slots__ = ()

    def append(self, path: str, value: float, step: float | None) -> None: ...
    def assign(self, path: str, value: Any) -> None: ...
    def upload(self, path: str, file: Any, *, snapshot: bool = False) -> None: ...
    def upload_figure(self, path: str, figure: Any) -> None: ...
    def flush(self) -> None: ...
    def stop(self) -> str:
        return ""  # the warning when it failed to start said it all
