"""Stage 5's output: the config as frozen value objects. Nothing downstream sees a dict."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, final

from ._context import Context
from ._errors import Location
from ._paths import follow
from ._sink import SinkFactory
from ._sources import Source

__all__ = ["ActionSpec", "Config", "SourceRef", "When"]


@final
@dataclass(frozen=True, slots=True)
class SourceRef:
    """Either a named source or an attribute path such as ``trainer.metrics``."""

    text: str
    named: Source | None
    root: str = ""
    parts: tuple[str, ...] = ()

    def read(self, ctx: Context) -> Any:
        if self.named is not None:
            return self.named.read(ctx)
        return follow(ctx.root(self.root), self.parts, self.text)

    def reader(self) -> Callable[[Context], Any]:
        """The read function itself, for a compiled action to call with no indirection."""
        if self.named is not None:
            return self.named.read
        root, parts, text = self.root, self.parts, self.text
        return lambda ctx: follow(ctx.root(root), parts, text)


@final
@dataclass(frozen=True, slots=True)
class When:
    epochs: frozenset[int] = frozenset()
    first: bool = False
    last: bool = False
    every: int | None = None
    final: bool | Literal["only"] = True

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
