"""The cache folder of what was read of runs (offline runs read, artifacts downloaded): where it is, and its files.

``$YAML_HOOKS_CACHE_DIR``, else ``$XDG_CACHE_HOME/yaml-hooks``, else ``~/.cache/yaml-hooks``;
never inside Neptune's run folders. Each entry is a file written whole (a temporary file renamed
over the old one, so a reader never sees half of one), holding only builtins and arrays: it is
read back by an unpickler that refuses any other class. An entry that is damaged, of another
format version, or not ours reads as no entry. A folder that cannot be created or written means no
cache, never an error. Entries not rewritten for ``MAX_AGE_DAYS`` days are removed, once per
process, when an entry is written. An entry is read only as a regular file (never through a link),
of at most ``MAX_ENTRY_BYTES``, and what it holds nested at most ``MAX_ENTRY_DEPTH`` deep.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from ..core.untrusted import MAX_JSON_DEPTH, open_regular, too_deep

__all__ = [
    "ENV",
    "FORMAT",
    "MAX_AGE_DAYS",
    "MAX_ENTRY_BYTES",
    "MAX_ENTRY_DEPTH",
    "default_dir",
    "entry_name",
    "load",
    "store",
]

ENV: Final = "YAML_HOOKS_CACHE_DIR"
FORMAT: Final = 2  # raised whenever what an entry holds changes meaning
MAX_AGE_DAYS: Final = 30
MAX_ENTRY_BYTES: Final = 2 << 30  # the read state of a long training's series, with room to spare
MAX_ENTRY_DEPTH: Final = 2 * MAX_JSON_DEPTH  # a run's values (at most MAX_JSON_DEPTH) inside the entry's own levels
_MAGIC: Final = b"yaml-hooks run cache\n"
_HEADER: Final = _MAGIC + FORMAT.to_bytes(2, "big")
_SUFFIXES: Final = (".state", ".summary")

# What an entry may name besides builtin containers: arrays, and datetimes (AssignDatetime fields).
_ALLOWED: Final = frozenset(
    {
        ("array", "array"),
        ("array", "_array_reconstructor"),
        ("datetime", "datetime"),
        ("datetime", "timezone"),
        ("datetime", "timedelta"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "bytearray"),
    }
)
_pruned: set[Path] = set()


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache entry")
        return super().find_class(module, name)


def default_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$YAML_HOOKS_CACHE_DIR``, else ``$XDG_CACHE_HOME/yaml-hooks``, else ``~/.cache/yaml-hooks``."""
    env = os.environ if env is None else env
    if env.get(ENV):
        return Path(env[ENV]).expanduser()
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]).expanduser() / "yaml-hooks"
    return Path.home() / ".cache" / "yaml-hooks"


def entry_name(parts: Sequence[Path]) -> str:
    """The entry of one run: its folders (a resumed training's, oldest first), as absolute paths."""
    joined = "\0".join(str(Path(p).resolve()) for p in parts)
    return hashlib.sha256(joined.encode("utf-8", errors="surrogateescape")).hexdigest()[:32]


def load(folder: Path, name: str, suffix: str) -> dict[str, Any] | None:
    """An entry's content, or None: missing, unreadable, damaged, another format, not ours, a link,
    not a regular file, over MAX_ENTRY_BYTES, nested deeper than MAX_ENTRY_DEPTH."""
    try:
        with os.fdopen(open_regular(folder / f"{name}{suffix}", MAX_ENTRY_BYTES), "rb") as handle:
            if handle.read(len(_HEADER)) != _HEADER:
                return None
            content = _Unpickler(handle).load()
    except Exception:  # a damaged pickle raises nearly anything (a file refused: Untrusted); all mean "no entry"
        return None
    if not isinstance(content, dict) or too_deep(content, MAX_ENTRY_DEPTH):
        return None
    return content


def store(folder: Path, name: str, suffix: str, content: Mapping[str, Any]) -> bool:
    """Write an entry whole; False (and nothing left behind) when the folder is not writable."""
    buffer = io.BytesIO()
    buffer.write(_HEADER)
    pickle.dump(dict(content), buffer, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}", suffix=".tmp", dir=folder)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(buffer.getbuffer())
        os.replace(tmp, folder / f"{name}{suffix}")
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False
    _prune(folder)
    return True


def remove(folder: Path, name: str) -> None:
    for suffix in _SUFFIXES:
        with contextlib.suppress(OSError):
            (folder / f"{name}{suffix}").unlink()


def _prune(folder: Path) -> None:
    """Remove entries (and leftover temporary files) not written for MAX_AGE_DAYS days."""
    if folder in _pruned:
        return
    _pruned.add(folder)
    oldest = time.time() - MAX_AGE_DAYS * 86400
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not entry.name.endswith((*_SUFFIXES, ".tmp")):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < oldest:
                os.unlink(entry.path)
        except OSError:
            continue
