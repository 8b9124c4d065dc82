"""Where the earlier stages found errors, so that building goes on with the rest: a value that
failed the schema or named an unset variable is reported once, and what holds it is not built."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .read import YPath

__all__ = ["Broken"]


class Broken:
    """A set of document paths with an error already reported."""

    __slots__ = ("paths",)

    def __init__(self, paths: Iterable[YPath] = ()) -> None:
        self.paths = frozenset(tuple(p) for p in paths)

    def __bool__(self) -> bool:
        return bool(self.paths)

    def __or__(self, other: Broken) -> Broken:
        return Broken(self.paths | other.paths)

    def at(self, path: YPath) -> bool:
        """True when ``path`` or a value holding it is broken."""
        return any(path[: len(p)] == p for p in self.paths)

    def within(self, path: YPath) -> bool:
        """True when ``path``, a value holding it, or a value inside it is broken."""
        n = len(path)
        return any(path[: len(p)] == p or p[:n] == path for p in self.paths)

    def clean(self, mapping: Mapping[str, Any], path: YPath) -> tuple[dict[str, Any], list[str]]:
        """``mapping`` (at ``path``) without its broken keys, and those keys. A mapping inside it
        that holds a broken value keeps its other keys (`tags: {team: ${UNSET}, mlflow.x: …}`:
        the other tags are still checked, so one load says every problem); a list holding one is
        dropped whole (its items' places would shift)."""
        if not self.paths:  # nothing broken: every key kept (the common case, once per action)
            return dict(mapping), []
        kept: dict[str, Any] = {}
        dropped: list[str] = []
        for key, value in mapping.items():
            where = (*path, key)
            if not self.within(where):
                kept[key] = value
            elif isinstance(value, Mapping) and not self.at(where):
                kept[key], _ = self.clean(value, where)
            else:
                dropped.append(key)
        return kept, dropped
