"""One exception tree; every error about a config carries where it happened."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import final

__all__ = ["ConfigError", "HooksError", "Issue", "Location", "Missing", "UnsafePath", "format_path"]


@final
@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A position in a config file: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def format_path(path: Sequence[str | int]) -> str:
    """``("events", "on_train_end", 1, "glob")`` → ``events.on_train_end[1].glob``."""
    out = ""
    for item in path:
        if isinstance(item, int):
            out += f"[{item}]"
        else:
            out += f".{item}" if out else item
    return out


@final
@dataclass(frozen=True, slots=True)
class Issue:
    """One thing wrong with a config: where, which key, what and how to fix it."""

    location: Location | None
    path: tuple[str | int, ...]
    message: str
    chain: tuple[str, ...] = ()  # files that extended their way to this one, outermost first

    def __str__(self) -> str:
        key = format_path(self.path)
        text = f"{key}: {self.message}" if key else self.message
        if self.location:
            text = f"{self.location}: {text}"
        if len(self.chain) > 1:
            text += f" (via {' → '.join(self.chain)})"
        return text

    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.message) if loc else ("", 0, 0, self.message)


class HooksError(Exception):
    """Base of every error yaml-hooks raises on purpose."""


class ConfigError(HooksError):
    """A config could not be loaded; ``issues`` lists every problem found, in file order."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: tuple[Issue, ...] = tuple(sorted(issues, key=Issue.sort_key))
        super().__init__("\n".join(str(i) for i in self.issues) or "invalid config")


class Missing(LookupError):
    """A value the config asked for is not there (yet) on this event; the action is skipped with
    one warning. A plugin source raises it to say "nothing to log here"."""


class UnsafePath(LookupError):
    """An attribute path reached an object a config must not touch (a module, a function, a class)."""
