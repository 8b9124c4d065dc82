"""Runs of several trackers on one page, their series lined up by name.

Each tracker names a series its own way: MLflow drops parentheses (``metrics/mAP50-95(B)`` is
``metrics/mAP50-95B`` there). When the runs compared are of more than one tracker, a series of one
run is shown under another run's name for it when its tracker names that one so
(``Reader.series_key``): the two share a chart and a row. Runs of one tracker are left as read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from ..runs import Run, reader
from ..runs.registry import UnknownTracker

__all__ = ["aligned"]


def _namer(tracker: str) -> Callable[[str], str] | None:
    try:
        return reader(tracker).series_key
    except UnknownTracker:  # a hand-made run of no registered tracker: its names as they are
        return None


def aligned(runs: Sequence[Run]) -> list[Run]:
    """``runs``, each series under the name the other runs give it (see the module's docstring)."""
    if len({run.tracker for run in runs}) < 2:
        return list(runs)
    names = sorted({key for run in runs for key in run.series})
    out = []
    for run in runs:
        namer = _namer(run.tracker)
        if namer is None:
            out.append(run)
            continue
        renamed: dict[str, str] = {}
        for name in names:
            theirs = namer(name)
            if theirs != name and theirs in run.series and name not in run.series and theirs not in renamed:
                renamed[theirs] = name
        out.append(replace(run, series={renamed.get(k, k): v for k, v in run.series.items()}) if renamed else run)
    return out
