"""What building an action or a sink may ask of the config: templates, sources, folders and
patterns checked with their errors recorded at the option's file, line and column. A kind's or a
tracker's ``build`` receives a Builder (``hooks.plugin`` exports it for a plugin's types); the named
sources it checks `from:` against are handed in by the build step, which knows the registry."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from typing import Any, Final

from ..core.context import FILE_SHORTHANDS, Source, SourceKind
from ..core.events import OBJECT_HEADS
from ..core.fields import args_problem, missing_on_event
from ..core.masking import SECRET_KEYS
from ..core.paths import parse_path
from ..core.suggest import did_you_mean
from ..core.templates import Template, TemplateError, parse_template
from ..errors import Issue
from ..registry import PluginError
from .broken import Broken
from .confine import check_glob, check_name, check_relative
from .model import SourceRef
from .read import Document, YPath

__all__ = ["CONTEXT_HEADS", "FILE_HEADS", "MAX_ISSUES", "PRESET_PATHS", "SECRET_KEYS", "Builder"]


# What an attribute path (`from:`) or a template field ({trainer.…}) written in a preset may start
# with: the run's arguments, metrics, losses and timings. The trainer holds much more (the
# dataset's labels and file names, `trainer.data`, the model), so anything else is read only when
# the loaded config writes it, or lists it (or a prefix of it) in `allow_paths:`.
PRESET_PATHS: Final = (
    "trainer.args",
    "trainer.metrics",
    "trainer.validator.metrics",
    "trainer.validator.speed",
    "trainer.validator.args",
    "trainer.epoch_time",
    "trainer.fitness",
    "trainer.best_fitness",
    "trainer.lr",
    "trainer.tloss",
    "trainer.loss",
    "trainer.epoch",
    "trainer.epochs",
    "trainer.best",
    "trainer.last",
    "validator.args",
    "validator.metrics",
    "validator.speed",
    "predictor.args",
    "predictor.speed",
    "exporter.args",
)

# Past this many problems in one load, template names are checked no more (each unknown one looks
# for a "did you mean": 25,000 of them would take half a minute to say what the first few do).
MAX_ISSUES: Final = 100

# The first names a template field may have: on any event, and while a file is being uploaded.
CONTEXT_HEADS: Final = frozenset({*OBJECT_HEADS, "args", "epoch", "step", "event"})
FILE_HEADS: Final = CONTEXT_HEADS | {"file", *FILE_SHORTHANDS}


class Builder:
    """Collects every problem of one action while building it; kinds call its helpers.

    A kind's build gets only options that passed the schema (``broken`` says where the earlier
    stages found errors; such options are left out), so a required one may be missing: the
    kind then returns None. While ``partial`` (an option was left out), a message about the
    action as a whole is not recorded: it could be a consequence of the missing option."""

    context_heads: Final = CONTEXT_HEADS
    file_heads: Final = FILE_HEADS

    def __init__(
        self,
        doc: Document,
        chains: Mapping[str, tuple[str, ...]],
        issues: list[Issue],
        broken: Broken | None = None,
        *,
        sources: Mapping[str, Source],
    ) -> None:
        self.doc = doc
        self.sources = sources  # the named sources, by name (a registry that loads plugins on lookup)
        self.chains = chains
        self.issues = issues
        self.broken = broken or Broken()
        self.at: YPath = ()
        self.partial = False
        self.capped = False  # past MAX_ISSUES, said once
        data = doc.data if isinstance(doc.data, dict) else {}
        # A broken allow_roots (already reported) allows nothing and refuses nothing.
        self.check_roots = not self.broken.within(("allow_roots",))
        roots = data.get("allow_roots", ()) if self.check_roots else ()
        self.allow_roots = tuple(os.path.normpath(r) for r in roots)
        masks = () if self.broken.within(("mask_keys",)) else data.get("mask_keys", ())
        self.mask = (*SECRET_KEYS, *(p.lower() for p in masks))
        # The loaded file's `allow_paths` (a preset's was taken out, and reported, when merging).
        allowed = () if self.broken.within(("allow_paths",)) else data.get("allow_paths", ())
        self.preset_paths = tuple(
            parts
            for parts in (parse_path(p) for p in (*PRESET_PATHS, *allowed) if isinstance(p, str))
            if isinstance(parts, tuple)
        )

    def from_preset(self, rel: YPath) -> bool:
        """Whether the option at ``rel`` (below the current place) was written in a preset, not in
        the config being loaded (its key's location after merging says which file it is from)."""
        return self.doc.where((*self.at, *rel), key=True).file != self.doc.file

    def user_only(self, options: Mapping[str, Any], chooses: Mapping[str, str]) -> dict[str, Any]:
        """``options`` less those a preset set among ``chooses`` (option → what it chooses, and
        where else the user may choose it), each refused at its place: where a run goes, what it
        may become and how long it may hold a training are chosen by what the user wrote or typed
        (the config loaded, the command line, the environment), never by a preset."""
        kept = dict(options)
        for key, what in chooses.items():
            if key in kept and self.from_preset((key,)):
                self.fail(
                    (key,),
                    f"a preset may not choose {what}: only the config you load may; move `{key}:` there",
                )
                del kept[key]
        return kept

    @property
    def event(self) -> str | None:
        """The event of the action being built; None for a tracker's options."""
        return str(self.at[1]) if len(self.at) > 1 and self.at[0] == "events" else None

    def root(self, value: str | None, rel: YPath) -> str | None:
        """An action's `root`: a named object, or an absolute folder the loaded config allowed."""
        if value is None or not value.startswith("/"):
            return value
        folder = os.path.normpath(value)
        if self.check_roots and folder not in self.allow_roots:
            self.fail(
                rel,
                f"'{value}' is outside the run's folders; list it in `allow_roots:` at the top of the "
                "config you load to allow it",
            )
        return folder

    def fail(self, rel: YPath, message: str) -> None:
        if self.partial and not rel:
            return
        path = (*self.at, *rel)
        loc = self.doc.where(path)
        self.issues.append(Issue(loc, path, message, self.chains.get(loc.file, ()) if loc else ()))

    def source(self, text: str | None, rel: YPath, kinds: Collection[SourceKind]) -> SourceRef | None:
        """A `from:`; None (with the error recorded) when it is wrong, or when it is missing."""
        if text is None:
            return None
        if "." in text:
            parts = parse_path(text)
            if isinstance(parts, str):
                self.fail(rel, parts)
                return None
            if parts[0] not in OBJECT_HEADS:
                self.fail(rel, f"an attribute path starts with one of {', '.join(OBJECT_HEADS)}")
                return None
            problem = args_problem(f"{parts[0]}.args", parts[2:]) if len(parts) > 2 and parts[1] == "args" else None
            problem = problem or self._missing(parts[0]) or self._preset_problem(rel, parts)
            if problem:
                self.fail(rel, f"'{text}': {problem}")
                return None
            return SourceRef(text, None, parts[0], parts[1:])
        try:
            named = self.sources.get(text)
        except PluginError as e:
            self.fail(rel, str(e))
            return None
        fitting = sorted(n for n, s in self.sources.items() if s.kind in kinds)
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
        names = len(self.issues) < MAX_ISSUES
        if not names and not self.capped:
            self.capped = True
            self.fail(
                rel,
                f"more than {MAX_ISSUES} problems: from here on the names in templates are not checked; fix the "
                "problems above and load again",
            )
        try:
            template = parse_template(text, heads, self.mask, names=names)
        except TemplateError as e:
            for problem in e.problems:
                self.fail(rel, problem)
            return None
        ok = True
        for part in template.parts:
            if isinstance(part, str):
                continue
            for alt in part.alternatives:
                never = self._missing(alt[0]) or (self._preset_problem(rel, alt) if alt[0] in OBJECT_HEADS else None)
                if never:
                    self.fail(rel, f"'{{{'.'.join(alt)}}}': {never}")
                    ok = False
        return template if ok else None

    def _preset_problem(self, rel: YPath, parts: tuple[str, ...]) -> str | None:
        """Why the attribute path ``parts``, written at ``rel``, may not be read: it comes from a
        preset (not the loaded file) and starts with none of PRESET_PATHS and `allow_paths`."""
        if self.doc.where((*self.at, *rel)).file == self.doc.file:
            return None
        if any(parts[: len(p)] == p for p in self.preset_paths):
            return None
        return (
            "a preset may read only the run's arguments, metrics and timings "
            f"({', '.join(PRESET_PATHS)}), or what the config you load lists in `allow_paths:`; "
            f"to let it read this, add {'.'.join(parts)} to `allow_paths:` at the top of the config you load"
        )

    def _missing(self, head: str) -> str | None:
        event = self.event
        return missing_on_event(head, event) if event is not None else None

    def relative_patterns(self, value: str | list[str] | None, rel: YPath) -> tuple[str, ...] | None:
        """Paths or globs inside the run's folders (no `..`, not absolute); None when one is not
        (the errors recorded) or when the option is missing."""
        return self._paths(value, rel, check_relative)

    def globs(self, value: str | list[str] | None, rel: YPath) -> tuple[str, ...] | None:
        """Glob patterns inside the run's folders, each one well-formed."""
        return self._paths(value, rel, lambda p: check_relative(p) or check_glob(p))

    def names(self, value: str | list[str] | None, rel: YPath) -> tuple[str, ...] | None:
        """File names inside the run's folders, matched exactly (no pattern characters)."""
        key = next((str(k) for k in reversed(rel) if isinstance(k, str)), "path")
        return self._paths(value, rel, lambda p: check_relative(p) or check_name(p, key))

    def filters(self, value: str | list[str] | None, rel: YPath) -> tuple[str, ...] | None:
        """`include`/`exclude` patterns on names: well-formed globs; () when the option is missing."""
        if value is None:
            return ()
        return self._paths(value, rel, check_glob)

    def _paths(
        self, value: str | list[str] | None, rel: YPath, check: Callable[[str], str | None]
    ) -> tuple[str, ...] | None:
        if value is None:
            return None
        patterns = (value,) if isinstance(value, str) else tuple(value)
        ok = True
        for i, pattern in enumerate(patterns):
            problem = check(pattern)
            if problem:
                self.fail(rel if isinstance(value, str) else (*rel, i), problem)
                ok = False
        return patterns if ok else None
