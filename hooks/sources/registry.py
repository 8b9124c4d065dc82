"""Named sources: the values a config asks for by name (``from: metrics``). The registry is one
object; yaml-hooks registers its built-in sources (``builtin.py``, ``validation.py``, imported by
the package as soon as this module exists), and installed packages add
theirs as ``package:name``, from Python (``hooks.register_source``) or through the
``yaml_hooks.sources`` entry point group (a module that registers its sources when imported,
imported the first time a config names one of them)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from ..core.context import Context, Source, SourceKind
from ..registry import PLUGIN_NAME, Registry

__all__ = ["SOURCES", "Source", "SourceKind", "register_source", "source_schemas"]

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


# Each kind of source in the config's JSON Schema: its definition's name, and its description and
# error message, which name its sources. A named source's piece of the schema is its name, in its
# kind's list (a plugin's `package:name` matches "pluginSource" instead).
_KIND_SCHEMAS: Final[dict[SourceKind, tuple[str, str, str]]] = {
    "mapping": (
        "mappingSource",
        "A named source ({names}, or a plugin's 'package:name') or an attribute path such as trainer.metrics "
        "or validator.speed.",
        "must be a named source ({names}), a plugin source 'package:name', or an attribute path such as "
        "trainer.metrics",
    ),
    "file": (
        "fileSource",
        "A named file ({names}) or an attribute path to a file such as trainer.best.",
        "must be a named file ({names}), a plugin source 'package:name', or an attribute path such as trainer.best",
    ),
    "files": (
        "filesSource",
        "A named list of files: {names} (the plots the trainer and its validator registered).",
        "must be {names}, a plugin source 'package:name', or an attribute path",
    ),
}


def source_schemas(sources: Iterable[Source]) -> dict[str, dict[str, Any]]:
    """The definitions of the kinds of sources in the JSON Schema (mappingSource, fileSource,
    filesSource), each listing ``sources`` of its kind, in their order."""
    listed = list(sources)
    out: dict[str, dict[str, Any]] = {}
    for kind, (name, description, message) in _KIND_SCHEMAS.items():
        names = [s.name for s in listed if s.kind == kind]
        shown = ", ".join(names)
        out[name] = {
            "title": "Source",
            "description": description.replace("{names}", shown),
            "type": "string",
            "anyOf": [{"enum": names}, {"$ref": "#/$defs/pluginSource"}, {"$ref": "#/$defs/attributePath"}],
            "errorMessage": message.replace("{names}", shown),
        }
    return out
