"""File access confined to the run's own folders."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

__all__ = ["check_glob", "check_name", "check_relative", "inside"]


def check_relative(pattern: str) -> str | None:
    """Why a glob or path from a config may not be used, or None when it is fine."""
    # (A POSIX path is absolute exactly when it starts with '/': no PurePosixPath needed for that.)
    if pattern.startswith(("/", "~", "\\")) or ":" in pattern[:3]:
        return f"'{pattern}' is absolute; give a path relative to the run's folder"
    if ".." in pattern and ".." in PurePosixPath(pattern.replace("\\", "/")).parts:
        return f"'{pattern}' climbs out with '..'; give a path inside the run's folder"
    return None


def check_glob(pattern: str) -> str | None:
    """Why a glob pattern (fnmatch syntax: ``*``, ``?``, ``[…]``) would not match what it says,
    or None when it is fine."""
    if "\\" in pattern:
        return (
            f"'{pattern}' has a backslash, which escapes nothing in a pattern; write '/' between folders, "
            "and [*], [?] or [[] for a literal *, ? or ["
        )
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i] != "[":
            i += 1
            continue
        j = i + 1
        if j < n and pattern[j] == "!":
            j += 1
        if j < n and pattern[j] == "]":
            j += 1
        end = pattern.find("]", j)
        if end < 0:
            return (
                f"'{pattern}': '[' at character {i + 1} is never closed; close the set, as in [0-9], "
                "or write [[] for a literal '['"
            )
        i = end + 1
    if "/" in pattern and any("**" in part and part != "**" for part in pattern.split("/")):
        return f"'{pattern}': '**' must be a whole folder name, as in '**/*.jpg'; write '*' within a name"
    return None


def check_name(name: str, key: str) -> str | None:
    """Why a file name from a config's ``key`` (matched exactly, not as a pattern) would not name
    the file it says, or None when it is fine."""
    if "\\" in name:
        return f"'{name}' has a backslash; write '/' between folders"
    if any(c in name for c in "*?["):
        return (
            f"'{name}' looks like a pattern, but `{key}:` names files exactly; "
            "give the file's name, or use a `files` action with `glob:` to upload by pattern"
        )
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
