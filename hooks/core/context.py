"""What an action sees when its event fires: the event's object, the trainer, the epoch, and the
file being uploaded. A named source is a function of a Context (``Source``; the registry of them is
``hooks.sources.registry``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, final

from ..errors import Missing

__all__ = ["FILE_SHORTHANDS", "Context", "FileFields", "Source", "SourceKind"]


@final
class FileFields:
    """``{file.name}``, ``{file.stem}``, ``{file.suffix}``, ``{file.path}`` (relative to its folder)."""

    __slots__ = ("name", "path", "stem", "suffix")

    def __init__(self, path: Path, folder: Path | None) -> None:
        self.name = path.name
        self.stem = path.stem
        self.suffix = path.suffix
        try:
            self.path = path.relative_to(folder).as_posix() if folder is not None else path.name
        except ValueError:
            self.path = path.name


# Template heads that are short for a field of the file being uploaded: {stem} is {file.stem}.
FILE_SHORTHANDS: Final = ("stem", "name", "suffix")


@final
class Context:
    """Built once per event call and shared by its actions; every field is read, never called."""

    __slots__ = ("epoch", "event", "file", "final", "obj", "obj_kind", "step", "trainer")

    def __init__(
        self,
        event: str,
        obj_kind: str,
        obj: Any,
        trainer: Any,
        epoch: int | None,
        final: bool,
        step: int | None = None,
    ) -> None:
        self.event = event
        self.obj_kind = obj_kind  # trainer, validator, predictor or exporter
        self.obj = obj
        self.trainer = trainer
        self.epoch = epoch  # 1-based; None outside training
        self.final = final  # during the final validation after training
        # Where a series point of this event goes: the epoch, or on batch events the batch's
        # global index (docs/format.md, "Steps").
        self.step = epoch if step is None else step
        self.file: FileFields | None = None  # while an action uploads a file

    def lookup(self, head: str) -> Any:
        """The object the first name of a template field or attribute path stands for."""
        if head == self.obj_kind:
            return self.obj
        if head == "trainer":
            if self.trainer is None:
                raise Missing("no trainer on this event")
            return self.trainer
        if head == "validator":
            validator = getattr(self.trainer, "validator", None) if self.trainer is not None else None
            if validator is None:
                raise Missing("no validator on this event")
            return validator
        if head == "args":
            args = getattr(self.obj, "args", None)
            if args is None:
                raise Missing("no args on this event")
            return args
        if head == "epoch":
            if self.epoch is None:
                raise Missing("no epoch on this event")
            return self.epoch
        if head == "step":
            if self.step is None:
                raise Missing("no step on this event")
            return self.step
        if head == "event":
            return self.event
        if self.file is not None:
            if head == "file":
                return self.file
            if head in FILE_SHORTHANDS:
                return getattr(self.file, head)
        raise Missing(f"no {head} on this event")


SourceKind = Literal["mapping", "file", "files"]


@final
@dataclass(frozen=True, slots=True)
class Source:
    """A named source (``from: metrics``): what it gives, and the function that reads it on an event."""

    name: str
    kind: SourceKind  # mapping: names to values; file: one path; files: several paths
    description: str
    read: Callable[[Context], Any]
