"""Stage 5: turn the validated document into frozen config objects, checking what a schema cannot.
The one stage that knows the registries: action kinds, trackers, named sources."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, final

from ..actions.registry import KINDS
from ..config.broken import Broken
from ..config.builder import SECRET_KEYS, Builder
from ..config.model import SNAPSHOT_BUDGET_MB, ActionSpec, When
from ..config.read import Document
from ..core.events import BATCH_EVENTS, EVENTS
from ..core.integrations import INTEGRATION_NAMES
from ..errors import ConfigError, Issue
from ..registry import PluginError
from ..sinks.base import FACTORY_METHODS, SinkFactory, missing_methods
from ..sinks.fanout import FanOutFactory
from ..sinks.registry import DEFAULT_SINK, SINKS
from ..sources.registry import SOURCES

__all__ = ["SECRET_KEYS", "Config", "build"]


@final
@dataclass(frozen=True)
class Config:
    """A loaded config: its tracker's factory and, per event, its actions in order."""

    file: str
    description: str
    strict: bool
    sink: SinkFactory
    events: Mapping[str, tuple[ActionSpec, ...]]
    # The most a run copies for `snapshot: true` (`snapshot_budget_mb:` of the loaded config).
    snapshot_budget: int = SNAPSHOT_BUDGET_MB << 20
    # Ultralytics' own integrations left on (`ultralytics_builtins:`); every other one is switched
    # off for each training. Empty: all off (the default); INTEGRATION_NAMES: `keep`.
    builtins_kept: frozenset[str] = frozenset()


def build(
    doc: Document,
    chains: Mapping[str, tuple[str, ...]] | None = None,
    sink: SinkFactory | None = None,
    *,
    broken: Broken | None = None,
    issues: Iterable[Issue] = (),
) -> Config:
    """Build the frozen Config from a merged document and raise ConfigError with every problem.

    ``issues`` are those the earlier stages found, and ``broken`` where: those parts (an event,
    an action, a tracker's option) are left out, and everything else is still built and checked,
    so one load reports every independent error."""
    chains = chains or {}
    broken = broken or Broken()
    data: dict[str, Any] = doc.data
    found: list[Issue] = list(issues)
    b = Builder(doc, chains, found, broken, sources=SOURCES)
    events: dict[str, tuple[ActionSpec, ...]] = {}
    configured = {} if broken.at(("events",)) else data.get("events") or {}
    for event, actions in configured.items():
        if broken.at(("events", event)) or not isinstance(actions, list):
            continue
        built: list[ActionSpec] = []
        ids: dict[str, int] = {}
        for index, action in enumerate(actions):
            if broken.at(("events", event, index)) or not isinstance(action, dict) or len(action) != 1:
                continue
            ((kind_name, body),) = action.items()
            b.at = ("events", event, index, kind_name)
            if broken.at(b.at):
                continue
            if kind_name == "remove":
                b.fail(
                    (),
                    f"nothing to remove: no config this one extends has an action with id '{body}' here; "
                    "delete this line, or extend the config that has it",
                )
                continue
            if kind_name not in KINDS or not isinstance(body, dict):
                continue  # the schema reported it
            body, _ = broken.clean(body, b.at)
            b.partial = broken.within(b.at)
            aid = body.get("id")
            if aid is not None:
                if aid in ids:
                    b.fail(
                        ("id",),
                        f"id '{aid}' is already used by action {ids[aid]} of {event}; ids are unique per event",
                    )
                ids[aid] = index
            kind = KINDS[kind_name]
            options = kind.build(b, b.user_only(body, kind.user_only) if kind.user_only else body)
            when = _when(b, body.get("when"))
            if options is not None and not b.partial:
                loc = doc.where(("events", event, index))
                built.append(ActionSpec(kind_name, event, index, aid, loc, when, options))
            b.partial = False
        events[event] = tuple(built)
    if sink is not None and (problem := missing_methods(sink, FACTORY_METHODS)):
        raise TypeError(f"sink= is not a SinkFactory: {problem}")
    factory = sink or _sinks(b, {} if broken.at(("sink",)) else data.get("sink") or {})
    budget = _snapshot_budget(b, data)
    kept = _builtins_kept(b, data)
    if found:
        raise ConfigError(found)
    for name in EVENTS:
        events.setdefault(name, ())
    description, strict = str(data.get("description", "")), bool(data.get("strict", False))
    return Config(doc.file, description, strict, factory, events, budget, kept)


def _snapshot_budget(b: Builder, data: Mapping[str, Any]) -> int:
    """`snapshot_budget_mb:` in bytes; only the loaded config may set it (a preset that could
    raise it could fill the disk)."""
    if "snapshot_budget_mb" not in data or b.broken.within(("snapshot_budget_mb",)):
        return SNAPSHOT_BUDGET_MB << 20
    b.at = ()
    kept = b.user_only(data, {"snapshot_budget_mb": "what a run may copy to disk"})
    return int(kept.get("snapshot_budget_mb", SNAPSHOT_BUDGET_MB)) << 20


def _builtins_kept(b: Builder, data: Mapping[str, Any]) -> frozenset[str]:
    """The names of Ultralytics' own integrations `ultralytics_builtins:` keeps on. Only the loaded
    config may keep any: each sends the training elsewhere (a server, an account, a folder of its
    own) behind the config's back, and a preset from someone else must not be able to turn that
    on (as it may not set `tracking_uri`). A preset may say `off`, which is the default anyway."""
    key = "ultralytics_builtins"
    value = data.get(key, "off")
    if b.broken.within((key,)) or value in (False, "off"):
        return frozenset()
    b.at = ()
    if key not in b.user_only(
        {key: value}, {key: "whether Ultralytics' own integrations stay on (each sends the run elsewhere)"}
    ):
        return frozenset()
    return frozenset(INTEGRATION_NAMES) if value == "keep" else frozenset(value)


def _when(b: Builder, when: Mapping[str, Any] | None) -> When:
    if not when:
        return When()
    epoch = when.get("epoch")
    items = epoch if isinstance(epoch, list) else ([] if epoch is None else [epoch])
    every_batches = when.get("every_batches")
    event = b.at[1] if len(b.at) > 1 else ""
    if every_batches is not None and event not in BATCH_EVENTS:
        b.fail(
            ("when", "every_batches"),
            f"every_batches counts batches, and {event} is not a batch event; use it on "
            "on_train_batch_end (or another batch event), or `every: N` for epochs",
        )
    return When(
        epochs=frozenset(i for i in items if isinstance(i, int)),
        first="first" in items,
        last="last" in items,
        every=when.get("every"),
        final=when.get("final", True),
        every_batches=every_batches,
    )


def _sinks(b: Builder, configured: Mapping[str, Any]) -> SinkFactory:
    """One factory per tracker under `sink:` (the default tracker when none is named); several
    are fanned out: every action goes to each."""
    factories: list[tuple[str, SinkFactory]] = []
    switched_off = [name for name, options in configured.items() if options is False]
    for name, options in (configured or {DEFAULT_SINK: {}}).items():
        b.at = ("sink", name)
        if b.broken.at(b.at) or options is False:
            continue  # the schema reported it, or `false` switched it off
        try:
            sink_type = SINKS[name]
        except (KeyError, PluginError) as e:
            # The schema knows every registered tracker; this is a plugin that failed to load.
            b.fail((), str(e) if isinstance(e, PluginError) else f"unknown tracker '{name}'")
            continue
        # A tracker's build gets only options that passed the schema. Built-in ones go on with the
        # failed options left out (unless a required one failed); a plugin's is not called then.
        if b.broken.within(b.at) and (
            name not in SINKS.builtin
            or any(b.broken.within((*b.at, key)) for key in sink_type.schema.get("required", ()))
        ):
            continue
        kept, _ = b.broken.clean(options or {}, b.at)
        kept = b.user_only(kept, sink_type.user_only)
        b.partial = b.broken.within(b.at)
        factory = sink_type.build(b, kept)
        b.partial = False
        problem = missing_methods(factory, FACTORY_METHODS)
        if problem:  # a plugin's: said now, not in the middle of a training
            b.fail((), f"the tracker {name} built a factory that is not a SinkFactory: {problem}")
            continue
        factories.append((name, factory))
    if switched_off and len(switched_off) == len(configured):
        b.at = ()
        b.fail(
            ("sink",),
            f"every tracker is switched off ({', '.join(f'{n}: false' for n in switched_off)}), so nothing "
            "would be logged; name one, e.g. `sink: {mlflow: {}}`",
        )
    if len(factories) == 1:
        return factories[0][1]
    return FanOutFactory(tuple(factories))
