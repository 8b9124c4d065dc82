"""Reading a run's data files into a ``decode.State``, going on from a cached state where one fits.

A cached state records the content of every folder's metadata.json (the client rewrites it,
unchanged, at every flush: its time says nothing) and, per data file, its size and modification
time when it was read, up to which byte (the end of its last complete line) and line it was read,
and its first and last bytes before that point. It still fits when every metadata.json and data
file is as it was, except that the last folder's last file may have grown and files may have been
added after it: a running training appends, and the client starts a new file every 64 MiB. Then
only what was added is read. Anything else (a file rewritten: its size the same at another time;
shortened; removed; the bytes before the point no longer the same) reads the run from the start,
and replaces the entry.

A last line without its newline in the last folder is the client mid-write: it is applied to
what this read returns, never to what is cached, and read again next time.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...core.untrusted import Untrusted, open_regular, read_regular
from .. import cache
from .decode import MAX_METADATA_BYTES, Feed, State, data_files

__all__ = ["Read", "mtime_of_newest", "plain_stats", "read_state", "stat_parts"]

_EDGE = 64  # bytes kept of a file's start and of what comes just before the read point

# Per folder: (metadata.json's (size, digest) or None, ((data file name, size, mtime_ns), ...)).
# metadata.json by its content: the client rewrites it, unchanged, whenever it flushes.
PartStat = tuple[tuple[int, str] | None, tuple[tuple[str, int, int], ...]]


@dataclass
class Read:
    """A state of the run's complete lines; ``pending``: the last folder's unfinished last line
    and where it is (applied by the caller, after the state was cached); ``stats``: the files as
    they were before reading (what a summary of this read is valid for); ``how``: "parsed",
    "resumed" or "cached"."""

    state: State
    pending: tuple[bytes, str] | None
    stats: tuple[PartStat, ...]
    how: str


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.lstat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def stat_parts(parts: Sequence[Path]) -> tuple[PartStat, ...]:
    """Every folder's metadata.json (size and digest) and data files (sizes and modification times)."""
    out: list[PartStat] = []
    for part in parts:
        files: list[tuple[str, int, int]] = []
        for data_file in data_files(part):
            st = _stat(data_file)
            if st is not None:
                files.append((data_file.name, *st))
        out.append((_metadata_mark(part / "metadata.json"), tuple(files)))
    return tuple(out)


def _metadata_mark(path: Path) -> tuple[int, str] | None:
    try:
        content = read_regular(path, MAX_METADATA_BYTES)
    except (OSError, Untrusted):
        return None
    return len(content), hashlib.sha256(content).hexdigest()[:32]


def _edges(path: Path, offset: int) -> tuple[bytes, bytes]:
    try:
        with os.fdopen(open_regular(path, 1 << 62), "rb") as handle:
            head = handle.read(min(_EDGE, offset))
            start = max(0, offset - _EDGE)
            handle.seek(start)
            tail = handle.read(offset - start)
    except (OSError, Untrusted):
        return b"", b""
    return head, tail


def _resumable(
    entry: dict[str, Any] | None, keys: list[str], stats: tuple[PartStat, ...], parts: Sequence[Path]
) -> tuple[State, list[list[list[Any]]]] | None:
    """The cached state and its file marks, if it is a prefix of what is on disk now."""
    if entry is None or entry.get("parts") != keys:
        return None
    marks: list[list[list[Any]]] = entry["marks"]
    metas: list[Any] = entry["metas"]
    if len(marks) != len(parts) or len(metas) != len(parts):
        return None
    for index, ((meta, files), part_marks, cached_meta) in enumerate(zip(stats, marks, metas, strict=True)):
        if (tuple(cached_meta) if cached_meta is not None else None) != meta:
            return None
        names = [f[0] for f in files]
        if names[: len(part_marks)] != [m[0] for m in part_marks]:
            return None
        last_part = index == len(parts) - 1
        if not last_part and len(names) != len(part_marks):
            return None
        for position, (mark, now) in enumerate(zip(part_marks, files, strict=False)):
            name, size, mtime, offset, _lines, head, tail = mark
            if (now[1], now[2]) == (size, mtime):
                continue
            # Only growth is an append; the same size at another time is the file rewritten.
            if not last_part or position != len(part_marks) - 1 or now[1] <= size or now[1] < offset:
                return None
            if _edges(parts[index] / name, offset) != (head, tail):
                return None
    state = State.load(entry["state"])
    if state.part != len(parts) - 1:
        return None
    return state, marks


def read_state(parts: Sequence[Path], folder: Path | None) -> Read:
    """Read the run of ``parts`` (a resumed training's folders, oldest first), using and updating
    the cache in ``folder`` (None: no cache)."""
    stats = stat_parts(parts)
    keys = [str(Path(p).resolve()) for p in parts]
    name = cache.entry_name(parts)
    entry = cache.load(folder, name, ".state") if folder is not None else None
    try:
        resumed = _resumable(entry, keys, stats, parts)
    except Exception:  # an entry of a shape this version does not write: as if there were none
        resumed = None
    marks: list[list[list[Any]]]
    if resumed is None:
        state, marks, how = State(), [[] for _ in parts], "parsed"
    else:
        (state, marks), how = resumed, "resumed"
    pending: tuple[bytes, str] | None = None
    changed = resumed is None
    for index, part in enumerate(parts):
        if index > state.part:
            state.begin_part(index, part)
        last_part = index == len(parts) - 1
        files = stats[index][1]
        part_marks = marks[index]
        for position, (file_name, size, mtime) in enumerate(files):
            known = part_marks[position] if position < len(part_marks) else None
            offset, lines = (known[3], known[4]) if known is not None else (0, 0)
            if known is not None and (known[1], known[2]) == (size, mtime) and offset == size:
                continue  # read to its end already, and unchanged since
            last = position == len(files) - 1
            feed: Feed = state.feed(part / file_name, offset, lines, last=last, apply_partial=not last_part)
            if feed.pending:
                pending = (feed.pending, f"{file_name}:{feed.lines + 1}")
            head, tail = _edges(part / file_name, feed.offset)
            mark = [file_name, size, mtime, feed.offset, feed.lines, head, tail]
            if known is None:
                part_marks.append(mark)
                changed = True
            elif mark != known:
                part_marks[position] = mark
                changed = True
    if resumed is not None and not changed:
        how = "cached"
    if folder is not None and changed:
        metas = [None if meta is None else list(meta) for meta, _ in stats]
        content = {"parts": keys, "metas": metas, "marks": marks, "state": state.dump()}
        if not cache.store(folder, name, ".state", content) and entry is not None:
            cache.remove(folder, name)  # an entry that can no longer be updated must not be used
    return Read(state, pending, stats, how)


def plain_stats(stats: tuple[PartStat, ...]) -> object:
    """The stats as a cache entry holds them (lists, not tuples), to compare with one."""
    return _plain(stats)


def _plain(value: object) -> object:
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def mtime_of_newest(parts: Sequence[Path]) -> float | None:
    """When the last folder's data was last written (its data files, and the client's
    last_put_version, which it rewrites with every operation even before the data reaches disk)."""
    if not parts:
        return None
    folder = parts[-1]
    times: list[float] = []
    for path in (*data_files(folder), folder / "last_put_version"):
        try:
            times.append(os.stat(path, follow_symlinks=False).st_mtime)
        except OSError:
            continue
    return max(times) if times else None
