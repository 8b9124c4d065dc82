"""Stage 5: turn the validated document into frozen config objects, checking what a schema cannot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..actions.registry import KINDS
from ..errors import ConfigError, Issue
from ..registry import PluginError
from ..sinks.base import SinkFactory
from ..sinks.fanout import FanOutFactory
from ..sinks.registry import DEFAULT_SINK, SINKS
from .builder import SECRET_KEYS, Builder
from .events import EVENTS
from .model import ActionSpec, Config, When
from .read import Document

__all__ = ["SECRET_KEYS", "build"]


def build(
    doc: Document, chains: Mapping[str, tuple[str, ...]] | None = None, sink: SinkFactory | None = None
) -> Config:
    """Build the frozen Config from a document that passed the schema."""
    chains = chains or {}
    data: dict[str, Any] = doc.data
    issues: list[Issue] = []
    b = Builder(doc, chains, issues)
    events: dict[str, tuple[ActionSpec, ...]] = {}
    for event, actions in (data.get("events") or {}).items():
        built: list[ActionSpec] = []
        ids: dict[str, int] = {}
        for index, action in enumerate(actions):
            ((kind_name, body),) = action.items()
            b.at = ("events", event, index, kind_name)
            if kind_name == "remove":
                b.fail(
                    (),
                    f"nothing to remove: no config this one extends has an action with id '{body}' here; "
                    "delete this line, or extend the config that has it",
                )
                continue
            aid = body.get("id")
            if aid is not None:
                if aid in ids:
                    b.fail(
                        ("id",),
                        f"id '{aid}' is already used by action {ids[aid]} of {event}; ids are unique per event",
                    )
                ids[aid] = index
            options = KINDS[kind_name].build(b, body)
            when = _when(b, body.get("when"))
            if options is not None:
                loc = doc.where(("events", event, index))
                built.append(ActionSpec(kind_name, event, index, aid, loc, when, options))
        events[event] = tuple(built)
    factory = sink or _sinks(b, data.get("sink") or {})
    if issues:
        raise ConfigError(issues)
    for name in EVENTS:
        events.setdefault(name, ())
    return Config(doc.file, str(data.get("description", "")), bool(data.get("strict", False)), factory, events)


def _when(b: Builder, when: Mapping[str, Any] | None) -> When:
    if not when:
        return When()
    epoch = when.get("epoch")
    items = epoch if isinstance(epoch, list) else ([] if epoch is None else [epoch])
    return When(
        epochs=frozenset(i for i in items if isinstance(i, int)),
        first="first" in items,
        last="last" in items,
        every=when.get("every"),
        final=when.get("final", True),
    )


def _sinks(b: Builder, configured: Mapping[str, Any]) -> SinkFactory:
    """One factory per tracker under `sink:` (the default tracker when none is named); several
    are fanned out: every action goes to each."""
    factories: list[tuple[str, SinkFactory]] = []
    for name, options in (configured or {DEFAULT_SINK: {}}).items():
        b.at = ("sink", name)
        try:
            sink_type = SINKS[name]
        except (KeyError, PluginError) as e:
            # The schema knows every registered tracker; this is a plugin that failed to load.
            b.fail((), str(e) if isinstance(e, PluginError) else f"unknown tracker '{name}'")
            continue
        factories.append((name, sink_type.build(b, options or {})))
    if len(factories) == 1:
        return factories[0][1]
    return FanOutFactory(tuple(factories))
