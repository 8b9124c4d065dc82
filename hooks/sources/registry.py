"""Named sources: the values a config asks for by name (``from: metrics``). The registry is one
object; yaml-hooks registers its built-in sources (``builtin.py``), and installed packages add
theirs as ``package:name``, from Python (``hooks.register_source``) or through the
``yaml_hooks.sources`` entry point group (a module that registers its sources when imported,
imported the first time a config names one of them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, final

from ..config.paths import follow
from ..registry import PLUGIN_NAME, Registry
from ..runtime.context import Context

if TYPE_CHECKING:
    from ..config.model import SourceRef

__all__ = [
    "BUILTIN_SOURCES",
    "SOURCES",
    "Source",
    "SourceKind",
    "reader",
    "register_source",
]

SourceKind = Literal["mapping", "file", "files"]


@final
@dataclass(frozen=True, slots=True)
class Source:
    name: str
    kind: SourceKind  # mapping: names to values; file: one path; files: several paths
    description: str
    read: Callable[[Context], Any]


SOURCES: Final[Registry[Source]] = Registry("source", "yaml_hooks.sources")


def register_source(name: str, kind: SourceKind, description: str) -> Callable[[Callable[[Context], Any]], Any]:
    """Register a named source for configs to use as ``from: package:name``.

        @hooks.register_source("acme:gpu", "mapping", "GPU memory per device")
        def gpu(ctx: hooks.Context) -> dict[str, float]:
            ...  # raise hooks.Missing("…") when there is nothing to log on this event

    ``kind``: "mapping" (names to values, for scalars and assign), "file" (one path, for upload) or
    "files" (several paths, for plots). Names must look like ``package:name``.
    """
    if not PLUGIN_NAME.fullmatch(name):
        raise ValueError(f"source names from packages look like 'package:name' (lowercase), got {name!r}")

    def deco(fn: Callable[[Context], Any]) -> Callable[[Context], Any]:
        SOURCES.add(name, Source(name, kind, description, fn))
        return fn

    return deco


def reader(ref: SourceRef) -> Callable[[Context], Any]:
    """The function that reads a `from:` on an event: the named source's own, or a walk down an
    attribute path, worked out once so the compiled action calls it with no indirection."""
    if ref.named is not None:
        return ref.named.read
    head, parts, text = ref.head, ref.parts, ref.text
    return lambda ctx: follow(ctx.lookup(head), parts, text)


def _builtins() -> frozenset[str]:
    from . import builtin, validation  # noqa: F401  (register yaml-hooks' own sources)

    return SOURCES.builtin


BUILTIN_SOURCES: Final = _builtins()
