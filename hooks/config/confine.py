"""File access confined to the run's own folders."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

__all__ = ["check_relative", "inside"]


def check_relative(pattern: str) -> str | None:
    """Why a glob or path from a config may not be used, or None when it is fine."""
    if pattern.startswith(("/", "~", "\\")) or PurePosixPath(pattern).is_absolute() or ":" in pattern[:3]:
        return f"'{pattern}' is absolute; give a path relative to the run's folder"
    if ".." in PurePosixPath(pattern.replace("\\", "/")).parts:
        return f"'{pattern}' climbs out with '..'; give a path inside the run's folder"
    return None


def inside(path: Path, roots: tuple[Path, ...]) -> bool:
    """True when ``path``, symlinks followed, lies in one of ``roots``."""
    try:
        real = path.resolve()
    except OSError:
        return False
    for root in roots:
        try:
            if real.is_relative_to(root.resolve()):
                return True
        except OSError:
            continue
    return False
