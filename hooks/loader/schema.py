"""What the config pipeline needs from the registries, gathered here as plain data: the JSON Schema
a config is checked against (put together from every registered action kind's, named source's and
tracker's piece: ``hooks.config.schema.assemble``) and the kind of each named source."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from importlib import resources
from typing import Any

from ..actions.registry import KINDS
from ..config.read import Document
from ..config.schema import assemble
from ..config.validate import Known
from ..errors import Issue
from ..registry import PluginError
from ..sinks.registry import DEFAULT_SINK, SINKS
from ..sources.registry import SOURCES, source_schemas

__all__ = ["full_schema", "known", "load_named_plugins", "load_schema"]


@functools.cache
def load_schema() -> dict[str, Any]:
    """The JSON Schema file shipped in the package (the same file as ``schemas/hooks.schema.json``,
    for editors): ``full_schema(plugins=False)``, which a test keeps it equal to."""
    text = (resources.files("hooks") / "schemas" / "hooks.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def full_schema(*, plugins: bool = True) -> dict[str, Any]:
    """The schema a config is checked against: every registered action kind and tracker, each with
    its own piece, and the named sources (``plugins``: with those of every installed package;
    without them, yaml-hooks' own: what ``schemas/hooks.schema.json`` holds)."""
    if plugins:
        KINDS.load_plugins()
        SINKS.load_plugins()
    return _schema_for(
        tuple(n for n in KINDS if plugins or n in KINDS.builtin),
        tuple(n for n in SINKS if plugins or n in SINKS.builtin),
    )


def _schema_for(kinds: tuple[str, ...], sinks: tuple[str, ...]) -> dict[str, Any]:
    # A named source's piece is its name in its kind's list; a plugin's matches `package:name`.
    return assemble(
        [(name, KINDS[name].schema, KINDS[name].example) for name in kinds],
        source_schemas(SOURCES[name] for name in SOURCES if name in SOURCES.builtin),
        {name: SINKS[name].schema for name in sinks},
        default_sink=DEFAULT_SINK,
    )


def known() -> Known:
    """The schema of every action kind, tracker and source registered now, and each source's kind."""
    return _known_for(tuple(KINDS), tuple(SINKS), tuple(SOURCES))


@functools.lru_cache(maxsize=8)
def _known_for(kinds: tuple[str, ...], sinks: tuple[str, ...], sources: tuple[str, ...]) -> Known:
    # Keyed by what is registered: a kind, tracker or source registered later gets a Known (and so
    # a validator) that knows it.
    return Known(_schema_for(kinds, sinks), {name: SOURCES[name].kind for name in sources})


def load_named_plugins(doc: Document) -> list[Issue]:
    """Import the packages of the `package:name` trackers and action kinds the config names, so the
    schema knows them; one that fails to load is an issue at its key."""
    return list(_load_named(doc))


def _load_named(doc: Document) -> Iterable[Issue]:
    data = doc.data if isinstance(doc.data, dict) else {}
    sink = data.get("sink")
    for name in sink if isinstance(sink, dict) else ():
        if isinstance(name, str) and ":" in name:
            try:
                SINKS.get(name)
            except PluginError as e:
                yield Issue(doc.where(("sink", name)), ("sink", name), str(e))
    events = data.get("events")
    for event, actions in events.items() if isinstance(events, dict) else ():
        for index, action in enumerate(actions if isinstance(actions, list) else ()):
            for name in action if isinstance(action, dict) else ():
                if isinstance(name, str) and ":" in name:
                    try:
                        KINDS.get(name)
                    except PluginError as e:
                        at = ("events", event, index, name)
                        yield Issue(doc.where(at, key=True), at, str(e))
