"""Which stores a command looks in, and which run its words mean.

Stores (:func:`stores`): for each tracker with a reader, the store its option names, else the one
its environment variable names, else its default store (``registry.StoreOption``): today the
Neptune data folder (``DIR``, ``--dir``, else ``$NEPTUNE_DATA_DIRECTORY``, else ``./.neptune``)
and the MLflow store (``--tracking-uri``, else ``$MLFLOW_TRACKING_URI`` when it is set). Every
store the user or the environment names is looked in; a default store, named by neither, is looked
in too but passed over in silence when it holds no run and another store is looked in.

A run (:func:`pick`) is a :class:`~hooks.runs.reader.RunRef`. What matches is tried in this order,
so an id never loses to a name:

1. an existing folder: one run folder (with the other parts of its training), or a folder that
   holds exactly one run;
2. the start of a run id (or of a run folder's name), as `hooks runs` shows them, in any store;
3. a run name, exactly, in any store; a name several runs share is refused with the list of them.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from ..errors import HooksError
from .model import parse_iso
from .reader import RunRef, Store, StoreError
from .registry import READERS, reader, trackers

__all__ = ["NotFound", "find_all", "pick", "pick_many", "stores"]


class NotFound(HooksError):
    """The words name no run, or several; the message says what to do."""


def stores(
    given: Mapping[str, str | None], env: Mapping[str, str] | None = None, *, ignore_env: Collection[str] = ()
) -> list[Store]:
    """The stores a command looks in: for each tracker with a reader, the store ``given`` names
    (by tracker), else the one its environment variable names (unless in ``ignore_env``), else its
    default store, looked in quietly (``hooks.runs.registry.StoreOption``)."""
    env = os.environ if env is None else env
    found: list[Store] = []
    for tracker, entry in READERS.items():
        option = entry.store
        named = given.get(tracker) or (env.get(option.env) if option.env and option.env not in ignore_env else None)
        if named:
            found.append(Store(tracker, str(named)))
        elif option.default is not None:
            found.append(Store(tracker, option.default, named=False))
    return found


def _where(stores: Sequence[Store]) -> str:
    return " and ".join(s.shown for s in stores)


def _holding(stores: Sequence[Store], refs: Sequence[RunRef]) -> str:
    """The stores among ``stores`` that hold ``refs``, as ``_where`` says them."""
    return _where([s for s in stores if any(r.store == s for r in refs)])


def _newest_first(ref: RunRef) -> float:
    when = parse_iso(ref.created)
    return -when.timestamp() if when is not None else float("inf")  # a run of unknown age: last


def find_all(looked: Sequence[Store]) -> tuple[list[RunRef], list[Store], list[StoreError]]:
    """The runs of every store, newest first (one store: in its reader's order), the stores that
    hold none, and why a store the user or the environment named could not be read (a server that
    does not answer): the other stores' runs are still found."""
    refs: list[RunRef] = []
    empty: list[Store] = []
    errors: list[StoreError] = []
    for store in looked:
        try:
            found = reader(store.tracker).find(store)
        except StoreError as e:
            if store.named:
                errors.append(e)
            continue
        if not found:
            empty.append(store)
        refs.extend(found)
    if len(looked) > 1:
        refs.sort(key=_newest_first)  # stable: each store's own order among equal times
    return refs, empty, errors


def no_runs(looked: Sequence[Store]) -> str:
    """Why no run was found, for each store looked in."""
    return "\n".join(reader(s.tracker).no_runs_message(s) for s in looked if s.named or len(looked) == 1) or (
        reader(looked[0].tracker).no_runs_message(looked[0])
    )


def _name(ref: RunRef) -> str | None:
    return ref.name if ref.name is not None else reader(ref.store.tracker).run_name(ref)


def _listing(refs: Sequence[RunRef], several: bool) -> str:
    lines = []
    for ref in refs:
        when = parse_iso(ref.created)
        created = when.strftime("%Y-%m-%d %H:%M:%S") if when else "?"
        where = f"  ({ref.store.tracker}: {ref.store.shown})" if several else ""
        lines.append(f"  {ref.short_id}  {created}  {_name(ref) or '-'}{where}")
    return "\n".join(lines)


def _matches(ref: RunRef, spec: str) -> bool:
    return any(text.startswith(spec) for text in (ref.id or "", *ref.aliases) if text)


def pick(spec: str | None, looked: Sequence[Store], command: str = "report") -> RunRef:
    """The run ``spec`` names in the stores ``looked`` (the module's docstring says how); the
    newest run when ``spec`` is None."""
    if spec is not None:
        path = Path(spec)
        if path.is_dir():
            for tracker in trackers():
                inside = reader(tracker).at(path)
                if len(inside) == 1:
                    return inside[0]
                if len(inside) > 1:
                    raise NotFound(
                        f"hooks: {path} holds {len(inside)} runs; name one (`hooks runs {path}` lists them) "
                        f"or take the newest with `hooks {command} --latest --dir {path}`"
                    )
    found, _, errors = find_all(looked)
    if not found:
        raise NotFound("\n".join([*map(str, errors), *([] if errors else [no_runs(looked)])]))
    if spec is None:
        return found[0]
    where = _where(looked)
    several = len({ref.store for ref in found}) > 1
    matches = [ref for ref in found if _matches(ref, spec)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        names = ", ".join((r.parts[-1].name if r.parts else r.id or r.key) for r in matches)
        raise NotFound(
            f"hooks: {spec!r} matches {len(matches)} runs in {_holding(looked, matches)} ({names}); give more of the id"
        )
    named = [ref for ref in found if _name(ref) == spec]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise NotFound(
            f"hooks: {len(named)} runs in {_holding(looked, named)} are named {spec!r}; name one by its id "
            "(newest first):\n" + _listing(named, several)
        )
    listed = " and ".join(f"`hooks runs {_args(s)}`" for s in looked)
    unread = "".join(f"\n{e}" for e in errors)  # the run may be in a store that could not be read
    raise NotFound(
        f"hooks: no run {spec!r} in {where} (neither a run folder, nor the start of a run id or folder name, "
        f"nor a run's name); {listed} lists the runs there{unread}"
    )


def _args(store: Store) -> str:
    return f"{READERS[store.tracker].store.flag} {store.shown}"


def pick_many(specs: Sequence[str], looked: Sequence[Store], command: str = "report") -> list[RunRef]:
    """One run per spec, in the order given; a run named twice is kept once. Every spec that
    names no run, or several, is reported, all at once."""
    picked: list[RunRef] = []
    errors: list[str] = []
    for spec in specs:
        try:
            ref = pick(spec, looked, command)
        except NotFound as e:
            errors.append(str(e))
            continue
        if all((ref.store.tracker, ref.key) != (p.store.tracker, p.key) for p in picked):
            picked.append(ref)
    if errors:
        raise NotFound("\n".join(errors))
    return picked
