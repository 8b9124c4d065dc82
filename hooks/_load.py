"""The pipeline in one place: read → resolve → interpolate → validate → build → compile."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ._build import build
from ._compile import Compiled, compile_config
from ._errors import ConfigError, Issue
from ._interpolate import interpolate
from ._model import Config
from ._presets import find_preset, list_presets, looks_like_path
from ._read import Document, read_file, read_text
from ._resolve import resolve
from ._sink import SinkFactory
from ._suggest import did_you_mean
from ._validate import validate

__all__ = ["Source", "load", "load_config", "read_source"]

Source = str | os.PathLike[str]


def read_source(source: Source) -> Document:
    """A path, or a shipped preset's name."""
    text = os.fspath(source)
    if isinstance(source, os.PathLike) or looks_like_path(text):
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


def load_config(
    source: Source | Document, *, env: Mapping[str, str] | None = None, sink: SinkFactory | None = None
) -> Config:
    """Every stage but compiling: raises ConfigError with every problem, touches no tracker."""
    doc = source if isinstance(source, Document) else read_source(source)
    resolved = resolve(doc)
    merged = interpolate(resolved.doc, os.environ if env is None else env)
    validate(merged, resolved.chains)
    return build(merged, resolved.chains, sink)


def load(source: Source, *, env: Mapping[str, str] | None = None, sink: SinkFactory | None = None) -> Compiled:
    """Load, validate and compile a config (a path or a preset name) into callbacks per event.

    ``sink`` replaces the configured tracker, for example with ``hooks.testing.RecordingSink()``.
    Raises ConfigError listing every problem, each with file, line and column.
    """
    return compile_config(load_config(source, env=env, sink=sink))


def loads(
    text: str,
    *,
    file: str = "<string>",
    env: Mapping[str, str] | None = None,
    sink: SinkFactory | None = None,
) -> Compiled:
    """Like ``load`` for YAML text; relative `extends` resolve from the working directory."""
    return compile_config(load_config(read_text(text, file), env=env, sink=sink))
