"""The status of a Neptune offline run, from the last folder of a resumed training:

* ``failed``: Neptune's ``sys/failed`` (the client sets it when the script raised), or yaml-hooks'
  ``yaml_hooks/status`` = "failed" (its sink, when the training raised or was interrupted);
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
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Final

from ..model import Status, parse_iso
from .decode import load_metadata
from .reading import mtime_of_newest

__all__ = ["RECENT_SECONDS", "status_of", "writer_alive"]

RECENT_SECONDS: Final = 600.0


def status_of(
    failed: bool, status_field: str | None, hostname: str | None, last_folder: Path, now: float | None = None
) -> Status:
    """The status of a run whose last folder is ``last_folder`` (the module's docstring says how)."""
    if failed or status_field == "failed":
        return "failed"
    if status_field == "finished":
        return "finished"
    if writer_alive(last_folder, hostname, time.time() if now is None else now):
        return "running"
    return "killed" if status_field is not None else "ended"


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
