"""Stage 2: follow `extends` (presets and relative paths) and merge the chain into one document."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final, final

from ..core.suggest import did_you_mean
from ..errors import ConfigError, Issue, Location
from .presets import find_preset, list_presets, looks_like_path, shown_name
from .read import Document, TooLarge, YPath, read_file

__all__ = ["LOADED_ONLY", "MAX_ACTIONS", "MAX_CHAIN", "MAX_FILES", "MAX_VALUES", "Resolved", "resolve", "resolve_ref"]


# Bounds on what one load may expand to, whatever the files say: a few files that each extend
# the same presets several times would otherwise multiply into millions of values and minutes.
MAX_CHAIN: Final = 32  # files in one extends chain, the loaded one included
MAX_FILES: Final = 256  # different files one load reads
MAX_VALUES: Final = 25_000  # values in all the files one load reads, and in any merge of them
MAX_ACTIONS: Final = 1_000  # actions in any merge, over all events

_TOO_MANY_VALUES: Final = (
    f"the files this load reads hold more than {MAX_VALUES:,} values in all (an alias counts as all it "
    "repeats); a config and what it extends are a few pages at most: extend fewer or smaller files"
)

# Top-level keys that widen what presets may do: only the loaded config may set them.
LOADED_ONLY: Final = {
    "allow_roots": "folders outside the run",
    "allow_env": "environment variables",
    "allow_paths": "attribute paths",
}


class _Bound(ConfigError):
    """A bound was crossed: the whole load stops here, the other parents are not looked at."""


class Resolved:
    """The merged document, plus the extends chain that led to each file (for messages)."""

    def __init__(self, doc: Document, chains: dict[str, tuple[str, ...]]) -> None:
        self.doc = doc
        self.chains = chains


def resolve_ref(ref: str, base: Path | None) -> tuple[Path, str] | None:
    """Where a config reference points: (path on disk, name shown in messages), or None if unknown."""
    if looks_like_path(ref):
        path = Path(ref).expanduser()
        if not path.is_absolute():
            path = (base if base is not None else Path.cwd()) / path
        shown = ref if base is None else os.path.normpath(path)
        return path, shown
    preset = find_preset(ref)
    return (preset, shown_name(ref)) if preset else None


class _Load:
    """What one load has seen so far: every file is read and resolved once, however many files
    extend it, and the totals stay within the bounds."""

    def __init__(self, doc: Document) -> None:
        self.loaded = doc.file
        self.chains: dict[str, tuple[str, ...]] = {}
        self.soft: list[Issue] = []
        self.done: dict[str, Document] = {}  # real path → the file merged over its parents
        self.failed: set[str] = set()  # real paths whose errors are already reported
        self.names: dict[str, str] = {doc.file: _key(doc)}  # name shown → real path
        self.values = len(doc.values)

    def shown(self, name: str, key: str) -> str:
        """The name a file is shown by, and known by in every location: unique per file, so a
        preset's values are never taken for the loaded file's (``a/../mine.yaml`` through a
        symlink is another file than ``mine.yaml``)."""
        if self.names.setdefault(name, key) != key:
            name = key
            self.names.setdefault(name, key)
        return name


def resolve(doc: Document, issues: list[Issue] | None = None) -> Resolved:
    """Merge ``doc`` over everything it extends, depth first, later entries winning.

    A parent that cannot be read (or is not there, is not a config, or makes a cycle), a
    `requires` this version does not meet and a merge past the bounds raise ConfigError at once:
    what follows would check a config that is not the one written. Problems the merge can step
    over (a `remove` of an unknown id, a preset's `allow_roots`) are added to ``issues`` and left
    out, when it is given; without it they raise too. Whatever is raised includes what was found
    before."""
    load = _Load(doc)
    try:
        merged = _resolve(doc, (doc.file,), {_key(doc)}, load)
    except ConfigError as e:
        raise ConfigError([*load.soft, *e.issues]) from None
    if issues is None:
        if load.soft:
            raise ConfigError(load.soft)
    else:
        issues.extend(load.soft)
    return Resolved(merged, load.chains)


def _key(doc: Document) -> str:
    return str(doc.path.resolve()) if doc.path else doc.file


def _check_requires(doc: Document, chain: tuple[str, ...]) -> None:
    """A config may say which yaml-hooks it needs (`requires: ">=0.3"`); an older one refuses it."""
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("requires"), str):
        return
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import Version

    from .._version import __version__

    loc = doc.where(("requires",))
    try:
        spec = SpecifierSet(data["requires"])
    except InvalidSpecifier:
        raise ConfigError(
            [Issue(loc, ("requires",), f"'{data['requires']}' is not a version range; write e.g. '>=0.2'", chain)]
        ) from None
    if Version(__version__) not in spec:
        raise ConfigError(
            [
                Issue(
                    loc,
                    ("requires",),
                    f"this config needs yaml-hooks {spec}, and this is {__version__}; "
                    f"install it with: pip install 'yaml-hooks{spec}'",
                    chain,
                )
            ]
        )


def _not_a_config(doc: Document) -> str | None:
    """Why a file reached through `extends` is not a yaml-hooks config, said without its text
    (``extends: /etc/passwd`` must not print the file), or None when it is one."""
    data = doc.data
    if isinstance(data, dict):
        if data.get("version") == 1 and not isinstance(data.get("version"), bool):
            return None
        what = "its `version` is not 1" if "version" in data else "it has no `version: 1`"
    elif data is None:
        what = "it is empty"
    elif isinstance(data, list):
        what = "it is a list, not a mapping"
    else:
        what = "it is a single value, not a mapping"
    return f"not a yaml-hooks config: {what}; `extends` names configs only (a mapping that starts with `version: 1`)"


def _resolve(doc: Document, chain: tuple[str, ...], seen: set[str], load: _Load) -> Document:
    load.chains.setdefault(doc.file, chain)
    _check_requires(doc, chain)
    data = doc.data
    if len(chain) > 1 and isinstance(data, dict):
        for key, what in LOADED_ONLY.items():
            if key not in data:
                continue
            load.soft.append(
                Issue(
                    doc.where((key,), key=True),
                    (key,),
                    f"only the config you load may allow {what} (a preset must not widen what it can "
                    f"read); move `{key}:` to that config",
                    chain,
                )
            )
            doc = _without(doc, key)
        data = doc.data
    if not isinstance(data, dict) or "extends" not in data:
        return doc
    refs = data["extends"]
    refs_list = refs if isinstance(refs, list) else [refs]
    if len(chain) >= MAX_CHAIN and refs_list:
        raise _Bound(
            [
                Issue(
                    doc.where(("extends",)),
                    ("extends",),
                    f"extends chain too long: this file is number {len(chain)} of its chain, and a chain may "
                    f"have at most {MAX_CHAIN} files; extend a preset nearer the top, or merge some of these files",
                    chain,
                )
            ]
        )
    base_dir = doc.path.parent if doc.path else None
    issues: list[Issue] = []
    parents: list[Document] = []
    failed = False
    for i, ref in enumerate(refs_list):
        at: YPath = ("extends", i) if isinstance(refs, list) else ("extends",)
        loc = doc.where(at)
        if not isinstance(ref, str) or not ref:
            continue  # the schema reports it, with the rest
        target = resolve_ref(ref, base_dir)
        if target is None:
            names = [p.name for p in list_presets()]
            issues.append(
                Issue(
                    loc,
                    at,
                    f"unknown preset '{ref}'{did_you_mean(ref, names)} "
                    f"(presets: {', '.join(names)}; a path needs a '/' or a .yaml suffix)",
                    chain,
                )
            )
            continue
        path, shown = target
        key = str(path.resolve())
        if key in seen:
            cycle = " → ".join((*chain, shown))
            issues.append(Issue(loc, at, f"extends cycle: {cycle}; remove one of these extends", chain))
            continue
        if key in load.done:
            parents.append(load.done[key])  # already read and resolved in this load: once is enough
            continue
        if key in load.failed:
            failed = True  # its errors are said once, where it was first met
            continue
        if len(load.names) >= MAX_FILES:
            raise _Bound(
                [*issues, Issue(loc, at, f"one load may read at most {MAX_FILES} files; extend fewer files", chain)]
            )
        shown = load.shown(shown, key)
        try:
            parent = read_file(path, shown, quote=False, budget=(MAX_VALUES - load.values, _TOO_MANY_VALUES))
            problem = _not_a_config(parent)
            if problem:
                raise ConfigError([Issue(parent.where(()), (), problem)])
        except TooLarge as e:
            raise _Bound(
                [*issues, *(Issue(i.location, i.path, i.message, (*chain, shown)) for i in e.issues)]
            ) from None
        except ConfigError as e:
            # A missing parent is reported where the child names it.
            issues.extend(
                Issue(i.location or loc, i.path if i.location else at, i.message, (*chain, shown)) for i in e.issues
            )
            load.failed.add(key)
            continue
        load.values += len(parent.values)
        try:
            resolved = _resolve(parent, (*chain, shown), seen | {key}, load)
        except _Bound as e:
            raise _Bound([*issues, *e.issues]) from None
        except ConfigError as e:
            issues.extend(e.issues)
            load.failed.add(key)
            continue
        load.done[key] = resolved
        parents.append(resolved)
    if issues or failed:
        raise ConfigError(issues)
    base: Document | None = None
    for parent in parents:
        base = parent if base is None else _bounded(merge(base, parent, load.soft), doc, chain)
    own = _without(doc, "extends")
    return own if base is None else _bounded(merge(base, own, load.soft), doc, chain)


def _bounded(merged: Document, doc: Document, chain: tuple[str, ...]) -> Document:
    """``merged`` (what ``doc`` extends, merged so far), or a ConfigError at ``doc``'s `extends`
    when it is past the bounds: the same presets extended over and over multiply their actions."""
    events = merged.data.get("events") if isinstance(merged.data, dict) else None
    actions = sum(len(a) for a in events.values() if isinstance(a, list)) if isinstance(events, dict) else 0
    values = len(merged.values)
    if values <= MAX_VALUES and actions <= MAX_ACTIONS:
        return merged
    what = f"{actions:,} actions (at most {MAX_ACTIONS:,})" if actions > MAX_ACTIONS else ""
    what = what or f"{values:,} values (at most {MAX_VALUES:,})"
    raise _Bound(
        [
            Issue(
                doc.where(("extends",)),
                ("extends",),
                f"what this file extends merges into {what}: the same presets extended over and over? "
                "extend each preset once, and give repeated actions an `id` so that they replace each other",
                chain,
            )
        ]
    )


def _without(doc: Document, key: str) -> Document:
    data = {k: v for k, v in doc.data.items() if k != key}
    values = {p: loc for p, loc in doc.values.items() if p[:1] != (key,)}
    keys = {p: loc for p, loc in doc.keys.items() if p[:1] != (key,)}
    return Document(doc.file, doc.path, data, values, keys)


def merge(base: Document, over: Document, issues: list[Issue] | None = None) -> Document:
    """Deep-merge ``over`` onto ``base``: mappings merge, ``over`` wins on everything else, and an
    event's action list appends ``over``'s actions (one with an ``id`` already there replaces it).
    A `remove` of an id that is not there is added to ``issues`` and skipped (raised without it)."""
    m = _Merge(base, over)
    data = m.value(())
    if m.issues and issues is None:
        raise ConfigError(m.issues)
    if issues is not None:
        issues.extend(m.issues)
    return Document(over.file, over.path, data, m.values, m.keys)


def _copy(doc: Document, src: YPath, dst: YPath, values: dict[YPath, Location], keys: dict[YPath, Location]) -> None:
    """Copy the locations of ``doc``'s value at ``src``, and of everything in it, to ``dst``: by
    walking that value, so a copy costs its own size, not the document's."""
    stack: list[tuple[Any, YPath, YPath]] = [(_get(doc.data, src), src, dst)]
    while stack:
        data, s, d = stack.pop()
        loc = doc.values.get(s)
        if loc is not None:
            values[d] = loc
        loc = doc.keys.get(s)
        if loc is not None:
            keys[d] = loc
        if isinstance(data, dict):
            stack.extend((v, (*s, k), (*d, k)) for k, v in data.items())
        elif isinstance(data, list):
            stack.extend((v, (*s, i), (*d, i)) for i, v in enumerate(data))


def _get(data: Any, path: YPath) -> Any:
    for item in path:
        data = data[item]
    return data


REMOVE: Final = "remove"  # `- remove: ID` drops the parent's action with that id
_REMOVED: Final = object()


def _action_id(action: Any) -> str | None:
    if isinstance(action, dict) and len(action) == 1 and REMOVE not in action:
        body = next(iter(action.values()))
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            return str(body["id"])
    return None


@final
class _Merge:
    """One merge of ``over`` onto ``base``. A value sits at the same path in both documents and in
    the result, except an event's actions, which are numbered anew: ``values`` and ``keys`` are
    the result's locations, each copied from the document its value came from."""

    __slots__ = ("base", "issues", "keys", "over", "values")

    def __init__(self, base: Document, over: Document) -> None:
        self.base = base
        self.over = over
        self.values: dict[YPath, Location] = {}
        self.keys: dict[YPath, Location] = {}
        self.issues: list[Issue] = []

    def value(self, path: YPath) -> Any:
        b = _get(self.base.data, path)
        o = _get(self.over.data, path)
        if isinstance(b, dict) and isinstance(o, dict):
            out: dict[str, Any] = {}
            self._own_location(path)
            # The parent's order, its values replaced in place, then the child's new keys.
            for k in b:
                if k in o:
                    out[k] = self.value((*path, k))
                    if (*path, k) in self.over.keys:
                        self.keys[(*path, k)] = self.over.keys[(*path, k)]
                else:
                    out[k] = b[k]
                    _copy(self.base, (*path, k), (*path, k), self.values, self.keys)
            for k in o:
                if k not in b:
                    out[k] = o[k]
                    _copy(self.over, (*path, k), (*path, k), self.values, self.keys)
            return out
        if len(path) == 2 and path[0] == "events" and isinstance(b, list) and isinstance(o, list):
            return self.actions(path, b, o)
        _copy(self.over, path, path, self.values, self.keys)
        return o

    def actions(self, path: YPath, b: list[Any], o: list[Any]) -> list[Any]:
        """An event's actions: the parent's, replaced by id or removed, then the child's new ones."""
        if not o:
            # An empty list switches the event off, whatever the parents did there.
            _copy(self.over, path, path, self.values, self.keys)
            return []
        out: list[Any] = []
        sources: list[tuple[Document, YPath]] = []
        index = {}
        for i, action in enumerate(b):
            aid = _action_id(action)
            if aid is not None:
                index[aid] = len(out)
            out.append(action)
            sources.append((self.base, (*path, i)))
        for i, action in enumerate(o):
            if isinstance(action, dict) and len(action) == 1 and isinstance(action.get(REMOVE), str):
                target = action[REMOVE]
                if target in index:
                    out[index[target]] = _REMOVED
                else:
                    known = [k for k in index if out[index[k]] is not _REMOVED]
                    self.issues.append(
                        Issue(
                            self.over.where((*path, i, REMOVE)),
                            (*path, i, REMOVE),
                            f"nothing to remove: no action with id '{target}' in this event of the configs this one "
                            f"extends{did_you_mean(target, known)} (ids there: {', '.join(known) or 'none'})",
                        )
                    )
                continue
            aid = _action_id(action)
            if aid is not None and aid in index:
                out[index[aid]] = action
                sources[index[aid]] = (self.over, (*path, i))
            else:
                out.append(action)
                sources.append((self.over, (*path, i)))
        self._own_location(path)
        kept = [(action, source) for action, source in zip(out, sources, strict=True) if action is not _REMOVED]
        for j, (_, (doc, src)) in enumerate(kept):
            _copy(doc, src, (*path, j), self.values, self.keys)
        return [action for action, _ in kept]

    def _own_location(self, path: YPath) -> None:
        """A mapping or list both documents have is where ``over`` has it."""
        if path in self.over.values:
            self.values[path] = self.over.values[path]
