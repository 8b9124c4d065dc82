"""What a tracker's reader is: the :class:`Reader` protocol, and the :class:`Store` and
:class:`RunRef` it finds runs by.

A store is a place runs are kept, as a user names it: a folder (Neptune's offline data folder; a
TensorBoard log folder; a W&B ``wandb/`` folder) or a URI (an MLflow tracking server or SQLite
store). A reader finds the runs of a store (:meth:`Reader.find`: newest first, a resumed training
once), says which runs a folder the user named holds (:meth:`Reader.at`), reads one whole
(:meth:`Reader.read`: a :class:`~hooks.runs.model.Run`) or as `hooks runs` lists it
(:meth:`Reader.overview`), and names a yaml-hooks field path as its tracker stores it
(:meth:`Reader.series_key`: MLflow drops parentheses).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..core.masking import mask_uri
from ..errors import HooksError
from .model import Run
from .overview import Overview

__all__ = ["Reader", "RunRef", "Store", "StoreError", "grouped_refs_at", "mask_uri"]


@dataclass(frozen=True)
class Store:
    """Where runs are kept: a tracker (a reader's name) and a folder or URI. ``named``: the user
    named it (a missing or empty store the user did not name is passed over in silence)."""

    tracker: str
    where: str
    named: bool = True

    @property
    def shown(self) -> str:
        """``where`` as it may be printed (credentials masked)."""
        return mask_uri(self.where)


@dataclass(frozen=True)
class RunRef:
    """One run a reader found, before it is read.

    ``key``: what the reader reads it by (a folder, a run id); ``id``: the tracker's run id;
    ``aliases``: what else the start of a run id may match (folder names); ``parts``: the local
    folders of a resumed training, oldest first (none for a server's run); ``name``: the run's
    name where finding the run told it (a server's listing), else None and
    :meth:`Reader.run_name` reads it; ``trusted``: folders the user trusts, whose files a run read
    from local folders may name besides its own (`hooks export --trust DIR`).
    """

    store: Store
    key: str
    id: str | None
    aliases: tuple[str, ...] = ()
    parts: tuple[Path, ...] = ()
    created: str | None = None
    name: str | None = None
    trusted: tuple[Path, ...] = ()

    @property
    def short_id(self) -> str:
        return (self.id or (self.parts[-1].name if self.parts else self.key))[:8]


class StoreError(HooksError):
    """A store could not be read (a server that does not answer, a database that is not one);
    the message names it, credentials masked."""


class Reader(Protocol):
    """A tracker's reader, registered under its ``name`` in ``hooks.runs.registry``."""

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str:
        """What one of its runs is called on a page: "Neptune offline run", "MLflow run"."""
        ...

    def find(self, store: Store) -> list[RunRef]:
        """The runs of ``store``, newest first (a resumed training once); [] when it holds none."""
        ...

    def at(self, folder: Path) -> list[RunRef]:
        """The runs a folder the user named holds: the run it is (with the other parts of its
        training), or the runs inside it; [] when none is this tracker's (a server's reader: always)."""
        ...

    def run_name(self, ref: RunRef) -> str | None:
        """The run's name, read as cheaply as the tracker allows (for picking a run by name)."""
        ...

    def read(self, ref: RunRef, *, cache: bool | Path = False) -> Run:
        """The run whole. ``cache``: True keeps what was read in the cache folder, a Path in that folder."""
        ...

    def overview(self, ref: RunRef, *, cache: bool | Path = False) -> Overview:
        """The run as `hooks runs` lists it, with its status as of now."""
        ...

    def series_key(self, key: str) -> str:
        """How the tracker names the series a yaml-hooks field path ``key`` names."""
        ...

    def no_runs_message(self, store: Store) -> str:
        """What to tell a user whose named store holds no run: where it looked, what to name instead."""
        ...


def grouped_refs_at(
    tracker: str,
    folder: Path,
    is_run_folder: Callable[[Path], bool],
    groups_in: Callable[[Path], list[tuple[Path, ...]]],
    ref: Callable[[Store, tuple[Path, ...]], RunRef],
) -> list[RunRef]:
    """The runs at ``folder`` of a tracker that writes a folder per part of a run (Neptune, W&B
    offline): one run folder is its run, with the other parts beside it; any other folder, the runs
    grouped below it."""
    if is_run_folder(folder):
        groups = groups_in(folder.parent)
        return [ref(Store(tracker, str(folder.parent)), next((g for g in groups if folder in g), (folder,)))]
    return [ref(Store(tracker, str(folder)), parts) for parts in groups_in(folder)]
