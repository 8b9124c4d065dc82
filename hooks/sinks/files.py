"""Reading a run's files for a tracker that copies them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["read_regular"]


def read_regular(file: Path) -> bytes:
    """The bytes of a regular file, opened once without following a symlink at its last part
    (where the OS has O_NOFOLLOW), checked to be a regular file on that descriptor, and read from
    it: what was checked is what is read, even if the name is swapped for a symlink meanwhile."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)  # a FIFO must not stall the training
    fd = os.open(file, flags)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{file} is not a regular file; not copied")
        return f.read()
