"""What `hooks runs` shows of a run: a small summary, cached beside the run's read state, so that a
listing reads neither the log nor the series of a run it has seen, as long as its files are as
they were then (sizes and modification times).

Status, from the last folder of a resumed training:

* ``failed``: Neptune's ``sys/failed`` (the client sets it when the script raised; yaml-hooks' sink
  when the training raised or was interrupted);
* ``finished``: yaml-hooks' sink stopped the run normally (``yaml_hooks/status`` = "finished");
* ``running``: its writer is still at it. On Linux: the process named in the folder's name
  (``run__<id>__<pid>__<random>``) holds a file of the folder open, as the client does from
  ``init_run`` to ``stop``; where that cannot be seen, that process exists (and, on Linux, started
  before the run was created: not a later process given the same id); where the run was
  written on another machine (Neptune's ``sys/hostname``) or the process cannot be asked, a write
  in the last ``RECENT_SECONDS``;
* ``killed``: written by yaml-hooks, and none of the above (the process died before the sink could
  stop the run: killed, out of memory, a power cut);
* ``ended``: not written by yaml-hooks (no ``yaml_hooks/status``), and no longer written to: the
  client records no normal end, so it may have finished or been killed.

Duration: the time from each folder's first to its last operation (the log's ``at``), added up over
a resumed training's folders (the pause between them is not training). Epochs: the highest step of
the float series directly under ``train/`` (``train/box_loss`` …): Ultralytics' training losses,
which every preset and Ultralytics' own Neptune integration log once an epoch, at step = epoch.
"""

from __future__ import annotations

import os
import socket
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from . import cache as _cache
from .reading import mtime_of_newest, plain_stats, stat_parts
from .runlog import STATUS_FIELD, RunLog, cache_folder, load_metadata, parse_iso, read_run_with
from .series import Point, Series, finite_range

__all__ = ["RECENT_SECONDS", "STATUSES", "Figures", "Overview", "overview_of", "read_overview", "status"]

RECENT_SECONDS: Final = 600.0
STATUSES: Final = ("running", "failed", "killed", "ended", "finished")  # `hooks runs --sort status` order
_SUFFIX: Final = ".summary"


@dataclass(frozen=True)
class Figures:
    """One float series in numbers: its points, lowest and highest finite value, highest step."""

    points: int
    low: float | None
    high: float | None
    last_step: float | None


@dataclass(frozen=True)
class Overview:
    """A run as `hooks runs` lists it (``parts``: its folders, oldest first)."""

    parts: tuple[Path, ...]
    run_id: str | None
    created: str | None
    name: str | None
    tags: tuple[str, ...]
    series_keys: tuple[str, ...]
    file_keys: tuple[str, ...]  # files and file sets
    field_keys: tuple[str, ...]
    failed: bool
    status_field: str | None  # yaml_hooks/status: None in a run yaml-hooks did not write
    hostname: str | None
    spans: tuple[tuple[float, float] | None, ...]
    figures: dict[str, Figures]  # the float series
    problems: int

    @property
    def duration(self) -> float | None:
        """Seconds between the first and last operation of each folder, added up."""
        spans = [span[1] - span[0] for span in self.spans if span is not None]
        return sum(spans) if spans else None

    @property
    def epochs(self) -> int | None:
        """The highest step of a float series directly under train/ (None: no such series)."""
        steps = [f.last_step for key, f in self.figures.items() if key.count("/") == 1 and key.startswith("train/")]
        found = [s for s in steps if s is not None]
        return int(max(found)) if found else None

    def best(self, key: str, rule: str | None) -> float | None:
        """The lowest (rule "min") or highest ("max") finite value of ``key``; None without one."""
        figures = self.figures.get(key)
        if figures is None or rule is None:
            return None
        return figures.low if rule == "min" else figures.high if rule == "max" else None

    def dump(self) -> dict[str, object]:
        """Builtins only, for the cache (``parts`` is the entry's own)."""
        return {
            "run_id": self.run_id,
            "created": self.created,
            "name": self.name,
            "tags": list(self.tags),
            "series_keys": list(self.series_keys),
            "file_keys": list(self.file_keys),
            "field_keys": list(self.field_keys),
            "failed": self.failed,
            "status_field": self.status_field,
            "hostname": self.hostname,
            "spans": [None if s is None else list(s) for s in self.spans],
            "figures": {k: [f.points, f.low, f.high, f.last_step] for k, f in self.figures.items()},
            "problems": self.problems,
        }

    @classmethod
    def load(cls, parts: tuple[Path, ...], dumped: dict[str, Any]) -> Overview:
        return cls(
            parts=parts,
            run_id=dumped["run_id"],
            created=dumped["created"],
            name=dumped["name"],
            tags=tuple(dumped["tags"]),
            series_keys=tuple(dumped["series_keys"]),
            file_keys=tuple(dumped["file_keys"]),
            field_keys=tuple(dumped["field_keys"]),
            failed=bool(dumped["failed"]),
            status_field=dumped["status_field"],
            hostname=dumped["hostname"],
            spans=tuple(None if s is None else (float(s[0]), float(s[1])) for s in dumped["spans"]),
            figures={str(k): Figures(int(n), lo, hi, step) for k, (n, lo, hi, step) in dumped["figures"].items()},
            problems=int(dumped["problems"]),
        )


def _figures(points: Sequence[Point]) -> Figures:
    if isinstance(points, Series):  # the columns, without a Point per value
        values, last_step = points.float_values(), points.highest_step()
    else:
        values = array("d", (float(p.value) for p in points))  # type: ignore[arg-type]  # a float series
        steps = [p.step for p in points if p.step is not None]
        last_step = max(steps) if steps else None
    extremes = finite_range(values)
    low, high = extremes if extremes is not None else (None, None)
    return Figures(len(points), low, high, last_step)


def overview_of(log: RunLog) -> Overview:
    """The overview of a run already read."""
    figures = {key: _figures(points) for key, points in log.float_series().items()}
    status_field = log.fields.get(STATUS_FIELD)
    hostname = log.fields.get("sys/hostname")
    return Overview(
        parts=log.parts or (log.path,),
        run_id=log.run_id,
        created=log.created,
        name=log.name,
        tags=log.tags,
        series_keys=tuple(log.series),
        file_keys=(*log.files, *log.file_sets),
        field_keys=tuple(log.fields),
        failed=log.failed or status_field == "failed",
        status_field=status_field if isinstance(status_field, str) else None,
        hostname=hostname if isinstance(hostname, str) else None,
        spans=log.spans,
        figures=figures,
        problems=len(log.problems),
    )


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
                return Overview.load(parts, entry["overview"])
            except Exception:  # an entry this version does not write: read the run instead
                pass
    log, read = read_run_with(parts, cache)
    overview = overview_of(log)
    if folder is not None:
        content = {"parts": keys, "stats": plain_stats(read.stats), "overview": overview.dump()}
        _cache.store(folder, name, _SUFFIX, content)
    return overview


# ------------------------------------------------------------------------------------------ status
def status(overview: Overview, now: float | None = None) -> str:
    """One of STATUSES (the module's docstring says how each is told)."""
    if overview.failed:
        return "failed"
    if overview.status_field == "finished":
        return "finished"
    if writer_alive(overview.parts[-1], overview.hostname, time.time() if now is None else now):
        return "running"
    return "killed" if overview.status_field is not None else "ended"


def writer_alive(folder: Path, hostname: str | None, now: float) -> bool:
    """Whether the client that writes ``folder`` still runs (see the module's docstring)."""
    pid = _writer_pid(folder.name)
    if pid is not None and (hostname is None or hostname == socket.gethostname()):
        held = _holds_open(pid, folder)
        if held is not None:
            return held
        alive = _pid_alive(pid)
        if alive is not None:
            return alive and not _started_after(pid, folder)
    newest = mtime_of_newest([folder])
    return newest is not None and now - newest < RECENT_SECONDS


def _writer_pid(name: str) -> int | None:
    bits = name.split("__")
    if len(bits) < 4 or not bits[2].isdigit():
        return None
    pid = int(bits[2])
    return pid if pid > 0 else None


def _holds_open(pid: int, folder: Path) -> bool | None:
    """Whether process ``pid`` has a file of ``folder`` open (Linux's /proc); None where this
    cannot be seen (no /proc, another user's process)."""
    fds = Path("/proc") / str(pid) / "fd"
    try:
        names = os.listdir(fds)
    except FileNotFoundError:
        return False if os.path.isdir("/proc/self/fd") else None
    except OSError:
        return None
    target = os.path.realpath(folder)
    for name in names:
        try:
            link = os.readlink(fds / name)
        except OSError:
            continue
        if os.path.dirname(link) == target:
            return True
    return False


def _pid_alive(pid: int) -> bool | None:
    """Whether a process ``pid`` exists; None where signals cannot ask (Windows)."""
    if os.name != "posix":
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return None
    return True


def _started_after(pid: int, folder: Path) -> bool:
    """The process ``pid`` started after the run was created: the id was reused (Linux only)."""
    created = parse_iso(load_metadata(folder).get("createdAt"))
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
        boot = next(
            float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime ")
        )
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime; the 1st after ")" is field 3
        started = boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, StopIteration, ValueError, IndexError):
        return False
    return created is not None and started > created.timestamp() + 2.0
