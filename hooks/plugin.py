"""What a package that extends yaml-hooks needs to type its code, in one public place.

    from hooks.plugin import BaseSink, BaseSinkFactory, Builder, SinkType, Template

An action kind is an ``ActionKind`` (its options' schema, ``build`` into frozen options, ``compile``
into a ``Run`` called with the event's ``Context`` and the training's ``Session``, ``explain``),
registered with ``register_action`` from a module in the ``yaml_hooks.actions`` entry point group.
A tracker is a ``SinkType`` whose ``build(builder, options)`` gets a ``Builder`` (``builder.template``
parses a template option, ``builder.fail`` records an error at the option's line) and returns a
``SinkFactory``; its sinks and factories subclass ``BaseSink`` and ``BaseSinkFactory``, which hold
the no-op defaults of the optional methods. A named source is a function of a ``Context``.
docs/format.md ("Plugins") shows a whole one."""

from __future__ import annotations

from .actions.base import ActionKind, Run, Session
from .actions.registry import register_action
from .config.builder import Builder
from .config.model import ActionSpec
from .core.context import Context, Source, SourceKind
from .core.templates import Template
from .errors import Missing
from .sinks.base import BaseSink, BaseSinkFactory, Sink, SinkFactory, SinkType
from .sinks.registry import register_sink
from .sources.registry import register_source

__all__ = [
    "ActionKind",
    "ActionSpec",
    "BaseSink",
    "BaseSinkFactory",
    "Builder",
    "Context",
    "Missing",
    "Run",
    "Session",
    "Sink",
    "SinkFactory",
    "SinkType",
    "Source",
    "SourceKind",
    "Template",
    "register_action",
    "register_sink",
    "register_source",
]
