"""The pipeline in one place: read → resolve → interpolate → validate → build, each stage given
what it needs from the registries (``schema.py``). Nothing here talks to a tracker; compiling the
result into callbacks is the runtime's (``hooks.load``)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..config.broken import Broken
from ..config.interpolate import substitute
from ..config.presets import find_preset, list_presets, looks_like_path
from ..config.read import Document, YPath, read_file, read_text
from ..config.resolve import resolve
from ..config.validate import check
from ..core.suggest import did_you_mean
from ..errors import ConfigError, Issue
from .build import Config, build
from .schema import known, load_named_plugins

if TYPE_CHECKING:
    from ..sinks.base import SinkFactory

__all__ = ["ConfigRef", "Merged", "load_config", "load_document", "named_preset", "read_config"]

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
                    f"'{text}' is neither a preset nor a file{did_you_mean(text, names)} (presets: {', '.join(names)})",
                )
            ]
        )
    return named_preset(text)


def named_preset(name: str) -> Document:
    """What naming a preset loads (``hooks train acme:detection``, ``attach(model, "default")``,
    ``HOOKS_CONFIG=default``): an empty config that extends it. A preset named is still a preset,
    a file from someone else: it gets the preset limits (no environment, no `allow_*`, no
    `tracking_uri` …) as when a config extends it; only what the user writes or types chooses."""
    return read_text(f"version: 1\nextends: {json.dumps(name)}\n", name)


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
    merged, issues, _ = _checked(ref, env)
    if issues:
        raise ConfigError(issues)
    return merged


def load_config(
    ref: ConfigRef | Document, *, env: Mapping[str, str] | None = None, sink: SinkFactory | None = None
) -> Config:
    """Every stage but compiling: raises ConfigError with every problem, touches no tracker."""
    merged, issues, broken = _checked(ref, env)
    return build(merged.doc, merged.chains, sink, broken=broken, issues=issues)


def _checked(ref: ConfigRef | Document, env: Mapping[str, str] | None) -> tuple[Merged, list[Issue], Broken]:
    """Stages 1–4, each going on past the errors of the one before where that still means
    something: the problems found, and where (so that building leaves those parts out).

    Reading a file, finding its parents and meeting `requires` stop at once (what follows would
    check something other than what was written); an unset variable is reported and its value
    left out; a schema error is reported and the value that failed left out."""
    doc = ref if isinstance(ref, Document) else read_config(ref)
    issues: list[Issue] = []
    resolved = resolve(doc, issues)
    merged, unset, bad = substitute(
        resolved.doc,
        os.environ if env is None else env,
        resolved.chains,
        allow_env=_names(resolved.doc, "allow_env"),
    )
    issues += unset
    try:
        # The packages of the `package:name` trackers and kinds it names first, so the schema knows them.
        refused = load_named_plugins(merged)
        schema_issues, broken = check(merged, known(), resolved.chains, refused=refused)
    except ConfigError as e:
        raise ConfigError([*issues, *e.issues]) from None
    # A value that named an unset variable is reported once: not again by the schema, for
    # itself or for the list holding it.
    said = {*bad, *(_list_of(p) for p in bad)}
    issues += [i for i in schema_issues if i.path not in said]
    return Merged(merged, resolved.chains, list(resolved.chains)), issues, broken | Broken(bad)


def _names(doc: Document, key: str) -> tuple[str, ...]:
    """The text items of a top-level list (the loaded file's own: a preset's was taken out); the
    schema reports the rest."""
    value = doc.data.get(key) if isinstance(doc.data, dict) else None
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _list_of(path: YPath) -> YPath:
    """The path of the value a list item is in (``glob[0]`` → ``glob``); others as they are."""
    while path and isinstance(path[-1], int):
        path = path[:-1]
    return path
