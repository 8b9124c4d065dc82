"""What every action kind shares: the kind's registration record and the helpers its build, compile
and explain steps use (file fields, folders, filters, field paths)."""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, final

from ..core.context import FILE_SHORTHANDS, Context, FileFields
from ..core.paths import follow
from ..errors import Missing

if TYPE_CHECKING:
    from ..config.builder import Builder
    from ..config.model import ActionSpec, SourceRef
    from ..core.templates import Template
    from ..sinks.base import Sink

__all__ = [
    "ActionKind",
    "Run",
    "Session",
    "field",
    "field_path",
    "file_only",
    "filter_words",
    "folder_of",
    "join",
    "matcher",
    "patterns",
    "reader",
    "run_folders",
    "set_file",
    "source_words",
]


class Session(Protocol):
    """What a compiled action may ask of the training's session (``hooks.runtime.session.Session``
    is the one): the open sink, per-action memory, and the warnings and bookkeeping of uploads."""

    def sink(self, ctx: Context) -> Sink: ...

    def cache(self, spec: ActionSpec | str) -> dict[str, Any]:
        """An action's own per-run memory; given a name, the memory every action shares under it."""
        ...

    def warn_once(self, spec: ActionSpec, key: str, message: str) -> None: ...

    def look(self, spec: ActionSpec, folder: Path) -> None: ...

    def upload(
        self,
        ctx: Context,
        spec: ActionSpec,
        path: str,
        file: Path,
        *,
        snapshot: bool = False,
        figure: Any = None,
        register: str | None = None,
    ) -> None: ...


Run = Callable[[Context, Session], None]
"""A compiled action: called with the event's context and the training's session."""


@final
@dataclass(frozen=True, slots=True)
class ActionKind:
    """One action kind: the YAML key, how its body is built, compiled and put into words, and its
    piece of the JSON Schema. A package registers its own as ``package:name`` (``register_action``)."""

    name: str
    build: Callable[[Builder, Mapping[str, Any]], Any]  # the kind's frozen options, or None on errors
    compile: Callable[[ActionSpec], Run]
    explain: Callable[[ActionSpec], str]
    # For kinds that find files: what an action looks for, for the warning at the end of a
    # training in which it uploaded nothing.
    looks_for: Callable[[ActionSpec], str] | None = None
    # Whether an action of the kind would upload a file of this name (found where it looks).
    would_take: Callable[[ActionSpec, str], bool] | None = None
    # `kind:` in the config's JSON Schema (its options, a closed object schema; "#/$defs/…" refers to
    # the whole schema's definitions: when, id, fieldPath, mappingSource, …), and an example of it.
    schema: Mapping[str, Any] = dataclasses.field(kw_only=True)
    example: Mapping[str, Any] | None = dataclasses.field(default=None, kw_only=True)
    # Options that choose where something goes (a registered model): option → what it chooses. Only
    # the config loaded may set them, never a preset (``Builder.user_only``).
    user_only: Mapping[str, str] = dataclasses.field(default_factory=dict, kw_only=True)


def reader(ref: SourceRef) -> Callable[[Context], Any]:
    """The function that reads a `from:` on an event: the named source's own, or a walk down an
    attribute path, worked out once so the compiled action calls it with no indirection."""
    if ref.named is not None:
        return ref.named.read
    head, parts, text = ref.head, ref.parts, ref.text
    return lambda ctx: follow(ctx.lookup(head), parts, text)


def set_file(ctx: Context, path: Path, folder: Path | None) -> None:
    """Make ``{file.*}``, ``{stem}``, ``{name}``, ``{suffix}`` stand for ``path`` in templates; the
    event's callback clears them after each action."""
    ctx.file = FileFields(path, folder)


def folder_of(ctx: Context, root: str | None) -> Path:
    """An action's folder: an allowed absolute `root`, or the save_dir of a named object (default:
    the event's own object)."""
    if root is not None and root.startswith("/"):
        return Path(root)  # a folder the loaded config listed in allow_roots
    obj = ctx.lookup(root) if root else ctx.obj
    save_dir = getattr(obj, "save_dir", None)
    if save_dir is None:
        raise Missing(f"{root or ctx.obj_kind}.save_dir is not set on this event")
    # Ultralytics' save_dir is a Path already: the same object, not a copy parsed again.
    return save_dir if isinstance(save_dir, Path) else Path(save_dir)


def run_folders(ctx: Context) -> tuple[Path, ...]:
    """The folders a run's files may come from: the trainer's and the validator's save_dir."""
    folders: list[Path] = []
    for head in ("trainer", "validator", ctx.obj_kind):
        try:
            save_dir = getattr(ctx.lookup(head), "save_dir", None)
        except Missing:
            continue
        if save_dir is not None and Path(save_dir) not in folders:
            folders.append(Path(save_dir))
    return tuple(folders)


def patterns(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def matcher(include: tuple[str, ...], exclude: tuple[str, ...]) -> Callable[[str], bool] | None:
    """A name filter from `include`/`exclude` globs, or None when there is nothing to filter."""
    if not include and not exclude:
        return None

    def keep(name: str) -> bool:
        if include and not any(fnmatch.fnmatchcase(name, p) for p in include):
            return False
        return not any(fnmatch.fnmatchcase(name, p) for p in exclude)

    return keep


def field_path(text: str) -> str:
    """A rendered `to:` as a field path: names separated by '/', none empty at either end."""
    return text.strip("/")


def join(namespace: str, name: str) -> str:
    return f"{namespace}/{name}" if namespace else name


def field(template: Template, spec: ActionSpec) -> Callable[[Context, Session], str]:
    """A `to:` template as a function of the event's context; a constant one is worked out once.
    A field that renders empty or is missing (and has no default) warns once per action: it
    would silently merge what belongs apart."""
    if template.is_constant:
        text = field_path(template.render(lambda _: None))
        return lambda ctx, session: text

    def render(ctx: Context, session: Session) -> str:
        empty: list[str] = []
        text = field_path(template.render(ctx.lookup, empty))
        if empty:
            session.warn_once(
                spec,
                "empty-field",
                f"{', '.join(empty)} in to: '{template.text}' is missing or empty on {ctx.event}, so the "
                f"field is '{text}'; name a field that is set there, or give a default: {{name:-text}}",
            )
        return text

    return render


def file_only(template: Template) -> bool:
    """Whether a `to:` renders from the file being uploaded alone (``Mosaic/{stem}``, a constant):
    then it renders the same for a file at every event, and an action may keep what it rendered."""
    heads = ("file", *FILE_SHORTHANDS)
    return all(isinstance(p, str) or all(alt[0] in heads for alt in p.alternatives) for p in template.parts)


def filter_words(include: tuple[str, ...], exclude: tuple[str, ...]) -> str:
    only = f", only {', '.join(include)}" if include else ""
    return only + (f", except {', '.join(exclude)}" if exclude else "")


def source_words(source: SourceRef | None) -> str:
    if source is None:
        return ""
    if source.named is not None:
        return f"{source.text} ({source.named.description})"
    return source.text
