"""Runs, whatever tracker wrote them: one run model (:class:`Run`, its :class:`Series` of
:class:`Point`, its :class:`FileRef` files, its :class:`Overview` for `hooks runs`), a reader per
tracker (``hooks/runs/<tracker>/``, registered in ``registry.py``: Neptune offline runs, MLflow
stores), finding and picking runs in the stores a command names (``pick.py``), and the cache of
what was read (``cache.py``). Importing this package imports no tracker's client.

Layering: ``hooks.runs`` may import ``hooks.sinks`` (the field names a sink writes), ``config``,
``errors`` and ``log``; ``hooks.report`` and ``hooks.cli`` import it; nothing under
``hooks.sinks``, ``config``, ``actions``, ``sources`` or ``runtime`` imports it.
"""

from __future__ import annotations

from pathlib import Path

from .model import (
    KIND_ORDER,
    STATUSES,
    SYSTEM_NAMESPACES,
    FileRef,
    ImageRef,
    Point,
    Run,
    Series,
    SeriesKind,
    Status,
    UnknownOp,
    namespaces,
    parse_iso,
)
from .overview import Figures, Overview, overview_of
from .pick import NotFound, find_all, pick, pick_many, stores
from .reader import Reader, RunRef, Store, StoreError, mask_uri
from .registry import reader, trackers

__all__ = [
    "KIND_ORDER",
    "STATUSES",
    "SYSTEM_NAMESPACES",
    "Figures",
    "FileRef",
    "ImageRef",
    "NotFound",
    "Overview",
    "Point",
    "Reader",
    "Run",
    "RunRef",
    "Series",
    "SeriesKind",
    "Status",
    "Store",
    "StoreError",
    "UnknownOp",
    "find_all",
    "mask_uri",
    "namespaces",
    "overview_of",
    "parse_iso",
    "pick",
    "pick_many",
    "read",
    "reader",
    "stores",
    "trackers",
]


def read(ref: RunRef, *, cache: bool | Path = False) -> Run:
    """The run ``ref`` names, read whole by its tracker's reader (``cache``: see ``Reader.read``)."""
    return reader(ref.store.tracker).read(ref, cache=cache)
