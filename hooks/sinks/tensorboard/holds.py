"""Which actions upload what TensorBoard cannot hold, said once per action when the config is
loaded (``hooks explain`` shows it in the tracker's line), not found out file by file in a training.

TensorBoard holds numbers, text and images; a file that is not an image (weights, CSV, YAML) has
no place in an event file. An upload whose file is known from the config (``from: best``, a
``path:``, a glob ending in a suffix) is named here; a glob that may match anything is named as
possibly uploading such files. The sink warns once at run time for each file it does not log."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from typing import Any, Final

from ...errors import Location, format_path
from .fields import IMAGE_SUFFIXES

__all__ = ["FILE_SOURCES", "unheld"]

# What the named file sources give (``hooks.sources.builtin``): both are checkpoints.
FILE_SOURCES: Final[Mapping[str, str]] = {"best": "weights (best.pt)", "last": "weights (last.pt)"}


def _pattern_words(pattern: str) -> str | None:
    """Why a path or glob's files cannot be held, or None when they are images."""
    suffix = posixpath.splitext(pattern)[1].lower()
    if suffix in IMAGE_SUFFIXES:
        return None
    if not suffix or any(c in suffix for c in "*?["):
        return f"'{pattern}' may match files that are not images"
    return f"'{pattern}' ({suffix[1:]} files)"


def _action_words(kind: str, body: Mapping[str, Any]) -> list[str]:
    if kind == "upload":
        source = body.get("from")
        if isinstance(source, str) and "." not in source:
            return [FILE_SOURCES.get(source, f"the file of source '{source}'")]
        if isinstance(source, str):
            return [f"the file {source} names"]
        path = body.get("path")
        words = _pattern_words(path) if isinstance(path, str) else None
        return [words] if words else []
    if kind == "files":
        globs = body.get("glob")
        patterns = [globs] if isinstance(globs, str) else [g for g in globs or () if isinstance(g, str)]
        return [w for w in map(_pattern_words, patterns) if w]
    return []  # plots are images; scalars and assign are values


def unheld(events: Mapping[str, Any], where: Callable[[tuple[Any, ...]], Location]) -> tuple[str, ...]:
    """One line per action of ``events`` (the config's `events:`, validated) that uploads files
    TensorBoard cannot hold: its location, its place and what it uploads."""
    lines: list[str] = []
    for event, actions in events.items():
        if not isinstance(actions, list):
            continue
        for index, action in enumerate(actions):
            if not isinstance(action, dict) or len(action) != 1:
                continue
            ((kind, body),) = action.items()
            if not isinstance(body, dict):
                continue
            words = _action_words(str(kind), body)
            if words:
                path = ("events", event, index)
                lines.append(
                    f"{where(path)}: {format_path((*path, kind))}: TensorBoard cannot hold {', '.join(words)}: not "
                    "written to its event files (the other trackers under `sink:` have them)"
                )
    return tuple(lines)
