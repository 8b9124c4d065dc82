"""Stage 2: follow `extends` (presets and relative paths) and merge the chain into one document."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final

from ..errors import ConfigError, Issue, Location
from .presets import find_preset, list_presets, looks_like_path, shown_name
from .read import Document, YPath, read_file
from .suggest import did_you_mean

__all__ = ["Resolved", "resolve", "resolve_ref"]


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


def resolve(doc: Document, issues: list[Issue] | None = None) -> Resolved:
    """Merge ``doc`` over everything it extends, depth first, later entries winning.

    A parent that cannot be read (or is not there, or makes a cycle) and a `requires` this
    version does not meet raise ConfigError at once: what follows would check a config that is
    not the one written. Problems the merge can step over (a `remove` of an unknown id, a
    preset's `allow_roots`) are added to ``issues`` and left out, when it is given; without it
    they raise too. Whatever is raised includes what was found before."""
    chains: dict[str, tuple[str, ...]] = {}
    soft: list[Issue] = []
    try:
        merged = _resolve(doc, (doc.file,), chains, {_key(doc)}, soft)
    except ConfigError as e:
        raise ConfigError([*soft, *e.issues]) from None
    if issues is None:
        if soft:
            raise ConfigError(soft)
    else:
        issues.extend(soft)
    return Resolved(merged, chains)


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


def _resolve(
    doc: Document, chain: tuple[str, ...], chains: dict[str, tuple[str, ...]], seen: set[str], soft: list[Issue]
) -> Document:
    chains.setdefault(doc.file, chain)
    _check_requires(doc, chain)
    data = doc.data
    if len(chain) > 1 and isinstance(data, dict) and "allow_roots" in data:
        soft.append(
            Issue(
                doc.where(("allow_roots",), key=True),
                ("allow_roots",),
                "only the config you load may allow folders outside the run (a preset must not "
                "widen what it can read); move `allow_roots:` to that config",
                chain,
            )
        )
        doc = _without(doc, "allow_roots")
        data = doc.data
    if not isinstance(data, dict) or "extends" not in data:
        return doc
    refs = data["extends"]
    refs_list = refs if isinstance(refs, list) else [refs]
    base_dir = doc.path.parent if doc.path else None
    issues: list[Issue] = []
    parents: list[Document] = []
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
        try:
            parent = read_file(path, shown)
        except ConfigError as e:
            # A missing parent is reported where the child names it.
            issues.extend(
                Issue(i.location or loc, i.path if i.location else at, i.message, (*chain, shown)) for i in e.issues
            )
            continue
        try:
            parents.append(_resolve(parent, (*chain, shown), chains, seen | {key}, soft))
        except ConfigError as e:
            issues.extend(e.issues)
    if issues:
        raise ConfigError(issues)
    base: Document | None = None
    for parent in parents:
        base = parent if base is None else merge(base, parent, soft)
    own = _without(doc, "extends")
    return own if base is None else merge(base, own, soft)


def _without(doc: Document, key: str) -> Document:
    data = {k: v for k, v in doc.data.items() if k != key}
    values = {p: loc for p, loc in doc.values.items() if p[:1] != (key,)}
    keys = {p: loc for p, loc in doc.keys.items() if p[:1] != (key,)}
    return Document(doc.file, doc.path, data, values, keys)


def merge(base: Document, over: Document, issues: list[Issue] | None = None) -> Document:
    """Deep-merge ``over`` onto ``base``: mappings merge, ``over`` wins on everything else, and an
    event's action list appends ``over``'s actions (one with an ``id`` already there replaces it).
    A `remove` of an id that is not there is added to ``issues`` and skipped (raised without it)."""
    values: dict[YPath, Location] = {}
    keys: dict[YPath, Location] = {}
    found: list[Issue] = []
    data = _merge(base, over, (), (), (), values, keys, found)
    if found and issues is None:
        raise ConfigError(found)
    if issues is not None:
        issues.extend(found)
    return Document(over.file, over.path, data, values, keys)


def _copy(doc: Document, src: YPath, dst: YPath, values: dict[YPath, Location], keys: dict[YPath, Location]) -> None:
    n = len(src)
    for p, loc in doc.values.items():
        if p[:n] == src:
            values[dst + p[n:]] = loc
    for p, loc in doc.keys.items():
        if p[:n] == src:
            keys[dst + p[n:]] = loc


def _get(data: Any, path: YPath) -> Any:
    for item in path:
        data = data[item]
    return data


def _merge(
    base: Document,
    over: Document,
    bpath: YPath,
    opath: YPath,
    dst: YPath,
    values: dict[YPath, Location],
    keys: dict[YPath, Location],
    issues: list[Issue],
) -> Any:
    b = _get(base.data, bpath)
    o = _get(over.data, opath)
    if isinstance(b, dict) and isinstance(o, dict):
        out: dict[str, Any] = {}
        if dst in over.values:
            values[dst] = over.values[dst]
        # The parent's order, its values replaced in place, then the child's new keys.
        for k in b:
            if k in o:
                out[k] = _merge(base, over, (*bpath, k), (*opath, k), (*dst, k), values, keys, issues)
                if (*opath, k) in over.keys:
                    keys[(*dst, k)] = over.keys[(*opath, k)]
            else:
                out[k] = b[k]
                _copy(base, (*bpath, k), (*dst, k), values, keys)
        for k in o:
            if k not in b:
                out[k] = o[k]
                _copy(over, (*opath, k), (*dst, k), values, keys)
        return out
    if len(dst) == 2 and dst[0] == "events" and isinstance(b, list) and isinstance(o, list):
        return _merge_actions(base, over, bpath, opath, dst, values, keys, issues)
    _copy(over, opath, dst, values, keys)
    return o


REMOVE: Final = "remove"  # `- remove: ID` drops the parent's action with that id
_REMOVED: Final = object()


def _action_id(action: Any) -> str | None:
    if isinstance(action, dict) and len(action) == 1 and REMOVE not in action:
        body = next(iter(action.values()))
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            return str(body["id"])
    return None


def _merge_actions(
    base: Document,
    over: Document,
    bpath: YPath,
    opath: YPath,
    dst: YPath,
    values: dict[YPath, Location],
    keys: dict[YPath, Location],
    issues: list[Issue],
) -> list[Any]:
    b: list[Any] = _get(base.data, bpath)
    o: list[Any] = _get(over.data, opath)
    if not o:
        # An empty list switches the event off, whatever the parents did there.
        _copy(over, opath, dst, values, keys)
        return []
    out: list[Any] = []
    sources: list[tuple[Document, YPath]] = []
    index = {}
    for i, action in enumerate(b):
        aid = _action_id(action)
        if aid is not None:
            index[aid] = len(out)
        out.append(action)
        sources.append((base, (*bpath, i)))
    for i, action in enumerate(o):
        if isinstance(action, dict) and len(action) == 1 and isinstance(action.get(REMOVE), str):
            target = action[REMOVE]
            if target in index:
                out[index[target]] = _REMOVED
            else:
                known = [k for k in index if out[index[k]] is not _REMOVED]
                issues.append(
                    Issue(
                        over.where((*opath, i, REMOVE)),
                        (*dst, i, REMOVE),
                        f"nothing to remove: no action with id '{target}' in this event of the configs this one "
                        f"extends{did_you_mean(target, known)} (ids there: {', '.join(known) or 'none'})",
                    )
                )
            continue
        aid = _action_id(action)
        if aid is not None and aid in index:
            out[index[aid]] = action
            sources[index[aid]] = (over, (*opath, i))
        else:
            out.append(action)
            sources.append((over, (*opath, i)))
    if dst in over.values:
        values[dst] = over.values[dst]
    kept = [(action, source) for action, source in zip(out, sources, strict=True) if action is not _REMOVED]
    for j, (_, (doc, src)) in enumerate(kept):
        _copy(doc, src, (*dst, j), values, keys)
    return [action for action, _ in kept]
