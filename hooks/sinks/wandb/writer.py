"""Whether W&B's service still writes a run's ``.wandb`` log.

``run.finish()`` returns once the service has the run's exit, but the service closes (and flushes)
the log after that, on its own time: a reader right after a training could find the log not yet
written. The sink waits for it (``wait_written``, bounded) so that the run is on disk when the end
says where; the reader (``hooks.runs.wandb``) tells a run being written from one that was killed
with ``held_open``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Final

__all__ = ["WAIT_SECONDS", "held_open", "wait_written"]

WAIT_SECONDS: Final = 10.0
_POLL: Final = 0.05


def held_open(path: Path) -> bool | None:
    """Whether a process holds ``path`` open (Linux's /proc); None where that cannot be seen."""
    if not os.path.isdir("/proc/self/fd"):
        return None
    target = os.path.realpath(path)
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue  # gone, or another user's: W&B's service runs as the user who trains
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return True
            except OSError:
                continue
    return False


def wait_written(path: Path, timeout: float = WAIT_SECONDS) -> bool:
    """Wait until no process holds the log open (where /proc cannot say: until its size has not
    changed for half a second), at most ``timeout`` seconds; whether it was."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        held = held_open(path)
        if held is False:
            return True
        if held is None:
            try:
                size = os.stat(path).st_size
            except OSError:
                size = -1
            if size != last:
                last, since = size, time.monotonic()
            elif size >= 0 and time.monotonic() - since >= 0.5:
                return True
        time.sleep(_POLL)
    return False
