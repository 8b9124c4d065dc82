"""The pipeline in one place: read → resolve → interpolate → validate → build. Nothing here
talks to a tracker; compiling the result into callbacks is the runtime's (``hooks.load``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, Issue
from .build import build
from .interpolate import interpolate
from .model import Config
from .presets import find_preset, list_presets, looks_like_path
from .read import Document, read_file
from .resolve import resolve
from .suggest import did_you_mean
from .validate import validate

if TYPE_CHECKING:
    from ..sinks.base import SinkFactory

__all__ = ["ConfigRef", "Merged", "load_config", "load_document", "read_config"]

ConfigRef = str | os.PathLike[str]
"""How a config is named: a path to a YAML file, or a preset's name (``default``, ``acme:det``)."""


def read_config(ref: ConfigRef) -> Document:
    """Read the file a path or a preset name stands for."""
    text = os.fspath(ref)
    if isinstance(ref, os.PathLike) or looks_like_path(text):
        return read_file(Path(text), text)
    preset = find_preset(text)
    if preset is None:
        if Path(text).is_file():
            return read_file(Path(text), text)
        names = [p.name for p in list_presets()]
        raise ConfigError(
            [
                Issue(
                    None,
                    (),
                    f"'{text}' is neither a preset{did_you_mean(text, names)} nor a file (presets: {', '.join(names)})",
                )
            ]
        )
    return read_file(preset, f"<preset {text}>")


class Merged:
    """A config with its `extends` merged in, interpolated and checked against the schema: what
    `hooks show` prints, and what `build` turns into a Config."""

    __slots__ = ("chains", "doc", "files")

    def __init__(self, doc: Document, chains: Mapping[str, tuple[str, ...]], files: list[str]) -> None:
        self.doc = doc
        self.chains = chains  # per file, the chain of files that extended their way to it
        self.files = files  # every file read, the loaded one first


def load_document(ref: ConfigRef | Document, *, env: Mapping[str, str] | None = None) -> Merged:
    """Stages 1–4: raises ConfigError with every problem found."""
    doc = ref if isinstance(ref, Document) else read_config(ref)
    resolved = resolve(doc)
    merged = interpolate(resolved.doc, os.environ if env is None else env)
    validate(merged, resolved.chains)
    return Merged(merged, resolved.chains, list(resolved.chains))


def load_config(
    ref: ConfigRef | Document, *, env: Mapping[str, str] | None = None, sink: SinkFactory | None = None
) -> Config:
    """Every stage but compiling: raises ConfigError with every problem, touches no tracker."""
    merged = load_document(ref, env=env)
    return build(merged.doc, merged.chains, sink)
