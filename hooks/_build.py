"""Stage 5: turn the validated document into frozen config objects, checking what a schema cannot."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from typing import Any, Final

from ._actions import KINDS
from ._context import OBJECT_ROOTS
from ._errors import ConfigError, Issue
from ._events import EVENTS
from ._fs import check_relative
from ._model import ActionSpec, Config, SourceRef, When
from ._neptune import NeptuneSinkFactory
from ._paths import parse_path
from ._read import Document, YPath
from ._sink import SinkFactory
from ._sources import SOURCES, SourceKind
from ._suggest import did_you_mean
from ._template import Template, TemplateError, parse_template

__all__ = ["SECRET_KEYS", "Builder", "build"]

# Keys whose values never leave the process (case-insensitive globs); `mask_keys:` adds to them.
SECRET_KEYS: Final = (
    "*token*",
    "*password*",
    "*passwd*",
    "*secret*",
    "*api_key*",
    "*apikey*",
    "*credential*",
    "*private_key*",
)

_CONTEXT_ROOTS: Final = frozenset({*OBJECT_ROOTS, "args", "epoch", "step", "event"})
_FILE_ROOTS: Final = _CONTEXT_ROOTS | {"file", "stem", "name", "suffix"}


class Builder:
    """Collects every problem of one action while building it; kinds call its helpers."""

    context_roots: Final = _CONTEXT_ROOTS
    file_roots: Final = _FILE_ROOTS

    def __init__(self, doc: Document, chains: Mapping[str, tuple[str, ...]], issues: list[Issue]) -> None:
        self.doc = doc
        self.chains = chains
        self.issues = issues
        self.at: YPath = ()
        data = doc.data if isinstance(doc.data, dict) else {}
        self.allow_roots = tuple(os.path.normpath(r) for r in data.get("allow_roots", ()))
        self.mask = (*SECRET_KEYS, *(p.lower() for p in data.get("mask_keys", ())))

    def root(self, value: str | None, rel: YPath) -> str | None:
        """An action's `root`: a named object, or an absolute folder the loaded config allowed."""
        if value is None or not value.startswith("/"):
            return value
        folder = os.path.normpath(value)
        if folder not in self.allow_roots:
            self.fail(
                rel,
                f"'{value}' is outside the run's folders; list it in `allow_roots:` at the top of the "
                "config you load to allow it",
            )
        return folder

    def fail(self, rel: YPath, message: str) -> None:
        path = (*self.at, *rel)
        loc = self.doc.where(path)
        self.issues.append(Issue(loc, path, message, self.chains.get(loc.file, ()) if loc else ()))

    def source(self, text: str, rel: YPath, kinds: Collection[SourceKind]) -> SourceRef | None:
        if "." in text:
            parts = parse_path(text)
            if isinstance(parts, str):
                self.fail(rel, parts)
                return None
            if parts[0] not in OBJECT_ROOTS:
                self.fail(rel, f"an attribute path starts with one of {', '.join(OBJECT_ROOTS)}")
                return None
            return SourceRef(text, None, parts[0], parts[1:])
        named = SOURCES.get(text)
        fitting = sorted(n for n, s in SOURCES.items() if s.kind in kinds)
        if named is None:
            self.fail(
                rel,
                f"unknown source '{text}'{did_you_mean(text, fitting)} "
                f"(named sources here: {', '.join(fitting)}; or an attribute path such as trainer.metrics)",
            )
            return None
        if named.kind not in kinds:
            self.fail(
                rel,
                f"source '{text}' gives {named.kind} data; this action needs one of: {', '.join(fitting)}",
            )
            return None
        return SourceRef(text, named)

    def template(self, text: str | None, rel: YPath, roots: Collection[str]) -> Template | None:
        if text is None:
            return None
        try:
            return parse_template(text, roots)
        except TemplateError as e:
            self.fail(rel, str(e))
            return None

    def relative_patterns(self, value: str | list[str], rel: YPath) -> tuple[str, ...] | None:
        patterns = (value,) if isinstance(value, str) else tuple(value)
        ok = True
        for i, pattern in enumerate(patterns):
            problem = check_relative(pattern)
            if problem:
                self.fail(rel if isinstance(value, str) else (*rel, i), problem)
                ok = False
        return patterns if ok else None


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
    b.at = ("sink", "neptune")
    factory = sink or _neptune(b, (data.get("sink") or {}).get("neptune") or {})
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


def _neptune(b: Builder, cfg: Mapping[str, Any]) -> NeptuneSinkFactory:
    roots = _CONTEXT_ROOTS

    def t(key: str) -> Template | None:
        return b.template(cfg.get(key), (key,), roots)

    tags = tuple(
        tpl for i, text in enumerate(cfg.get("tags", ())) if (tpl := b.template(text, ("tags", i), roots)) is not None
    )
    capture = tuple(sorted((cfg.get("capture") or {}).items()))
    return NeptuneSinkFactory(t("project"), t("name"), t("description"), tags, cfg.get("mode"), capture)
