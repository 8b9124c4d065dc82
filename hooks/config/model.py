"""Stage 5's output: the config as frozen value objects. Nothing downstream sees a dict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, final

from ..errors import Location

if TYPE_CHECKING:
    from ..sinks.base import SinkFactory
    from ..sources.registry import Source

__all__ = ["SNAPSHOT_BUDGET_MB", "ActionSpec", "Config", "SourceRef", "When"]

SNAPSHOT_BUDGET_MB: Final = 1024  # bytes copied by `snapshot: true` per run, in MiB, unless the config says


@final
@dataclass(frozen=True, slots=True)
class SourceRef:
    """A `from:`: either a named source or an attribute path such as ``trainer.metrics``
    (``hooks.sources.registry.reader`` turns it into the function that reads it)."""

    text: str
    named: Source | None
    head: str = ""  # an attribute path's first name (trainer, validator, …) and the rest
    parts: tuple[str, ...] = ()


@final
@dataclass(frozen=True, slots=True)
class When:
    epochs: frozenset[int] = frozenset()
    first: bool = False
    last: bool = False
    every: int | None = None
    final: bool | Literal["only"] = True
    every_batches: int | None = None

    @property
    def always(self) -> bool:
        return self == When()


@final
@dataclass(frozen=True, slots=True)
class ActionSpec:
    kind: str
    event: str
    index: int
    id: str | None
    location: Location | None
    when: When
    body: Any  # the kind's own frozen options

    @property
    def label(self) -> str:
        where = f" ({self.location})" if self.location else ""
        return f"events.{self.event}[{self.index}] {self.kind}{where}"


@final
@dataclass(frozen=True)
class Config:
    file: str
    description: str
    strict: bool
    sink: SinkFactory
    events: Mapping[str, tuple[ActionSpec, ...]]
    # The most a run copies for `snapshot: true` (`snapshot_budget_mb:` of the loaded config).
    snapshot_budget: int = SNAPSHOT_BUDGET_MB << 20
