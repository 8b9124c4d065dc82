"""What building an action or a sink may ask of the config: templates, sources, folders and
patterns checked with their errors recorded at the option's file, line and column."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from typing import Final

from ..errors import Issue
from ..registry import PluginError
from ..runtime.context import FILE_SHORTHANDS
from ..sources.registry import SOURCES, SourceKind
from .confine import check_relative
from .events import OBJECT_HEADS
from .model import SourceRef
from .paths import parse_path
from .read import Document, YPath
from .suggest import did_you_mean
from .templates import Template, TemplateError, parse_template

__all__ = ["CONTEXT_HEADS", "FILE_HEADS", "SECRET_KEYS", "Builder"]

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

# The first names a template field may have: on any event, and while a file is being uploaded.
CONTEXT_HEADS: Final = frozenset({*OBJECT_HEADS, "args", "epoch", "step", "event"})
FILE_HEADS: Final = CONTEXT_HEADS | {"file", *FILE_SHORTHANDS}


class Builder:
    """Collects every problem of one action while building it; kinds call its helpers."""

    context_heads: Final = CONTEXT_HEADS
    file_heads: Final = FILE_HEADS

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
            if parts[0] not in OBJECT_HEADS:
                self.fail(rel, f"an attribute path starts with one of {', '.join(OBJECT_HEADS)}")
                return None
            return SourceRef(text, None, parts[0], parts[1:])
        try:
            named = SOURCES.get(text)
        except PluginError as e:
            self.fail(rel, str(e))
            return None
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

    def template(self, text: str | None, rel: YPath, heads: Collection[str] = CONTEXT_HEADS) -> Template | None:
        """Parse a template option; None (with the error recorded) when it is wrong."""
        if text is None:
            return None
        try:
            return parse_template(text, heads)
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
