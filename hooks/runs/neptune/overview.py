"""What `hooks runs` shows of a Neptune offline run: the neutral :class:`~hooks.runs.overview.Overview`,
cached beside the run's read state, so that a listing reads neither the log nor the series of a
run it has seen, as long as its files are as they were then (sizes and modification times).

The cache keeps what the status is told from (``sys/failed``, ``yaml_hooks/status``,
``sys/hostname``) rather than the status itself: "running" changes to "killed" without a byte of
the run changing, so the status is told again (``status.py``) at every listing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from .. import cache as _cache
from ..overview import Overview, overview_of
from .read import STATUS_FIELD, cache_folder, read_run_with
from .reading import plain_stats, stat_parts
from .status import status_of

__all__ = ["read_overview"]

_SUFFIX: Final = ".summary"


def _status_inputs(fields: dict[str, object]) -> list[object]:
    status_field = fields.get(STATUS_FIELD)
    hostname = fields.get("sys/hostname")
    return [
        fields.get("sys/failed") is True,
        status_field if isinstance(status_field, str) else None,
        hostname if isinstance(hostname, str) else None,
    ]


def _with_status(overview: Overview, inputs: list[object], parts: tuple[Path, ...]) -> Overview:
    failed, status_field, hostname = inputs
    status = status_of(
        bool(failed),
        status_field if isinstance(status_field, str) else None,
        hostname if isinstance(hostname, str) else None,
        parts[-1],
    )
    return overview.with_status(status)


def read_overview(parts: Sequence[Path], cache: bool | Path = False) -> Overview:
    """The overview of the run of ``parts``; with ``cache``, from the cache while its files are
    unchanged (no log read, no series loaded), else read (going on from the cached read) and cached."""
    parts = tuple(Path(p) for p in parts)
    folder = cache_folder(cache)
    keys = [str(p.resolve()) for p in parts]
    name = _cache.entry_name(parts)
    if folder is not None:
        entry = _cache.load(folder, name, _SUFFIX)
        if entry is not None and entry.get("parts") == keys and entry.get("stats") == plain_stats(stat_parts(parts)):
            try:
                return _with_status(Overview.load(entry["overview"]), list(entry["status"]), parts)
            except Exception:  # an entry this version does not write: read the run instead
                pass
    run, read = read_run_with(parts, cache)
    overview = overview_of(run)
    if folder is not None:
        content = {
            "parts": keys,
            "stats": plain_stats(read.stats),
            "overview": overview.dump(),
            "status": _status_inputs(run.fields),
        }
        _cache.store(folder, name, _SUFFIX, content)
    return overview
