"""The parts of a built config as frozen value objects: an action (``ActionSpec``), its `when`, its
`from:`. The whole (``hooks.loader.build.Config``) is the build step's; nothing downstream sees a dict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, final

from ..errors import Location

if TYPE_CHECKING:
    from ..core.context import Source

__all__ = ["SNAPSHOT_BUDGET_MB", "ActionSpec", "SourceRef", "When"]

SNAPSHOT_BUDGET_MB: Final = 1024  # bytes copied by `snapshot: true` per run, in MiB, unless the config says


@final
@dataclass(frozen=True, slots=True)
class SourceRef:
    """A `from:`: either a named source or an attribute path such as ``trainer.metrics``
    (``hooks.actions.base.reader`` turns it into the function that reads it)."""

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
