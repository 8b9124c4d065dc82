"""The options that name where runs are, one per tracker with a reader (``hooks.runs.registry``):
`hooks runs`, `hooks report` and `hooks export` take them all, so a new reader's store is a new
option of each without a line here."""

from __future__ import annotations

import argparse
from collections.abc import Collection, Mapping

from ..runs.pick import stores
from ..runs.reader import Store
from ..runs.registry import READERS

__all__ = ["add_store_options", "given_stores", "looked_in"]


def add_store_options(p: argparse.ArgumentParser, *, taken: Collection[str] = (), what: str = "looked in") -> None:
    """One option per reader (``--dir``, ``--tracking-uri`` …); a flag the command uses for something
    else (``taken``) becomes ``--from-…`` (`hooks export`'s ``--tracking-uri`` is where runs go, so
    it reads from ``--from-tracking-uri``)."""
    for tracker, entry in READERS.items():
        option = entry.store
        default = f"${option.env}" if option.env else ""
        if option.default is not None:
            default = f"{default}, else ./{option.default}" if default else f"./{option.default}"
        flag = option.flag if option.flag not in taken else f"--from-{option.flag.lstrip('-')}"
        help_text = f"{option.help}: its runs are {what}" + (f" (default: {default})" if default else "")
        p.add_argument(flag, metavar=option.metavar, dest=f"store_{tracker}", help=help_text)


def given_stores(args: argparse.Namespace, folder: str | None = None) -> Mapping[str, str | None]:
    """The store each tracker's option names; ``folder`` (a DIR named without an option) names the
    store of every tracker whose stores are folders, unless its own option names one."""
    given: dict[str, str | None] = {t: getattr(args, f"store_{t}", None) for t in READERS}
    if folder is not None:
        for tracker, entry in READERS.items():
            if entry.store.folder and not given[tracker]:
                given[tracker] = folder
    return given


def looked_in(args: argparse.Namespace, *, folder: str | None = None, taken: Collection[str] = ()) -> list[Store]:
    """The stores a command looks in (``hooks.runs.pick.stores``). A tracker whose flag is ``taken``
    (where runs go) does not take its store from the environment either: its variable says where
    runs go too ($MLFLOW_TRACKING_URI for `hooks export`)."""
    ignore = [e.store.env for e in READERS.values() if e.store.flag in taken and e.store.env]
    return stores(given_stores(args, folder), ignore_env=ignore)
