"""Reading what someone else may have written (a teammate's run folder, a cloned dataset), so that
it chooses nothing and names no file outside the folders it belongs to.

* :func:`open_regular` / :func:`read_regular`: a regular file, opened without following a link
  (``O_NOFOLLOW``, and ``O_NONBLOCK`` so that a named pipe does not block the open), checked on the
  descriptor, at most ``limit`` bytes; :func:`open_below` does the same for every folder on the way
  from a root, so that no component below the root is a link.
* :func:`confine`: where a path a run names lies below the roots it may name files in, or why it
  may not be read (outside every root, ``..``, a hidden component such as ``.ssh`` or ``.git``).
* :func:`glob_below`: the regular files a pattern relative to a root matches, walked without
  following links or entering hidden folders, bounded in files matched and entries looked at.
* :func:`loads`: JSON nested at most ``max_depth`` deep, refused before parsing (no RecursionError);
  :func:`too_deep` checks an object already built (an unpickled cache entry) without recursion.
* :func:`shown`: text with its control characters (C0 but newline and tab, DEL, C1, and the bidi
  overrides) written as escapes (``\\x1b``), for a message or a terminal.

Every refusal is an :class:`Untrusted` whose message names the file and the limit or the reason.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

__all__ = [
    "MAX_GLOB_ENTRIES",
    "MAX_GLOB_FILES",
    "MAX_JSON_DEPTH",
    "Untrusted",
    "confine",
    "glob_below",
    "kind_of",
    "loads",
    "open_below",
    "open_regular",
    "read_regular",
    "shown",
    "too_deep",
]

MAX_JSON_DEPTH: Final = 64  # a tracker's record is a handful of levels deep
MAX_GLOB_FILES: Final = 10_000  # files one pattern may match
MAX_GLOB_ENTRIES: Final = 200_000  # folder entries one pattern may look at

_READ_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
)
_DIR_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)
_STRING: Final = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET: Final = re.compile(r"[\[\]{}]")
# C0 but \t and \n, DEL, C1, and the bidi embeddings/overrides/isolates that reorder what is shown.
_CONTROL: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MAGIC: Final = re.compile(r"[*?\[]")
_CONTAINERS: Final = (dict, list, tuple, set, frozenset)


class Untrusted(Exception):
    """A file or value from someone else that is not read: the message says which and why."""


# ---------------------------------------------------------------- showing
def shown(text: object) -> str:
    """``text`` with its control characters written as escapes: ``"\\x1b[2J"`` for ESC [ 2 J."""
    return _CONTROL.sub(_escape, str(text))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


# ---------------------------------------------------------------- files
def open_regular(path: Path | str, limit: int) -> int:
    """A descriptor (blocking again) on the regular file ``path``, its last component not followed
    when a link, of at most ``limit`` bytes. FileNotFoundError when it is not there; Untrusted else."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        raise
    except OSError as e:
        raise Untrusted(f"{shown(path)} is a link or cannot be opened ({e.strerror}); not read") from None
    return _checked(fd, str(path), limit)


def read_regular(path: Path | str, limit: int) -> bytes:
    """The bytes of :func:`open_regular`'s file (at most ``limit``: a file that grew past it is refused)."""
    with os.fdopen(open_regular(path, limit), "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise Untrusted(f"{shown(path)} is over the limit of {limit} bytes; not read")
    return data


def open_below(root: Path, parts: Sequence[str], limit: int) -> int:
    """A descriptor on the regular file ``root/parts…`` of at most ``limit`` bytes: the root is
    opened as named, every folder below it and the file without following a link."""
    where = shown(root.joinpath(*parts))
    if not parts:
        raise Untrusted(f"{where} is a folder, not a file; not read")
    fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        for part in parts[:-1]:
            try:
                next_fd = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                raise
            except OSError as e:
                raise Untrusted(f"{where}: {shown(part)} is a link or not a folder ({e.strerror}); not read") from None
            os.close(fd)
            fd = next_fd
        try:
            file = os.open(parts[-1], _READ_FLAGS, dir_fd=fd)
        except FileNotFoundError:
            raise
        except OSError as e:
            raise Untrusted(f"{where} is a link or cannot be opened ({e.strerror}); not read") from None
    finally:
        os.close(fd)
    return _checked(file, where, limit)


def _checked(fd: int, where: str, limit: int) -> int:
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Untrusted(f"{shown(where)} is not a regular file ({kind_of(st.st_mode)}); not read")
        if st.st_size > limit:
            raise Untrusted(f"{shown(where)} is {st.st_size} bytes, over the limit of {limit}; not read")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def kind_of(mode: int) -> str:
    """What a file that is not regular is, in words, from its ``st_mode``."""
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


# ---------------------------------------------------------------- confinement
def confine(path: str, roots: Sequence[Path]) -> tuple[Path, tuple[str, ...]] | str:
    """(the root, the parts below it) of ``path``, a path someone else named, or why it may not be
    read. A relative path is relative to the first root. Lexical only (nothing on disk is looked
    at): a path with ``..`` is refused, and one that lies below a root (as named, or with its links
    resolved) with no hidden component (a name starting with ".") below it is accepted; opening it
    with :func:`open_below` then refuses links."""
    if not roots:
        return f"{shown(path)} is outside the run's folders"
    raw = path.replace("\\", "/")
    if ".." in raw.split("/"):
        return f"{shown(path)} climbs out with '..'"
    absolute = os.path.abspath(os.path.join(roots[0], raw))
    hidden: str | None = None
    for root in roots:
        for base in dict.fromkeys((os.path.abspath(root), os.path.realpath(root))):
            try:
                if os.path.commonpath([absolute, base]) != base or absolute == base:
                    continue
            except ValueError:
                continue
            parts = tuple(Path(os.path.relpath(absolute, base)).parts)
            dot = next((p for p in parts if p.startswith(".")), None)
            if dot is None:
                return Path(base), parts
            hidden = hidden or dot
    if hidden is not None:
        return f"{shown(path)} has the hidden component {shown(hidden)!r}"
    return f"{shown(path)} is outside the run's folders"


def glob_below(root: Path, pattern: Sequence[str]) -> tuple[list[tuple[str, ...]], str | None]:
    """The regular files below ``root`` that ``pattern`` (its parts: ``*``, ``?``, ``[…]`` within a
    name, ``**`` for any folders) matches, as parts below ``root``, sorted; a matched folder gives
    its files. Links and hidden entries are never followed nor matched. At most MAX_GLOB_FILES files
    and MAX_GLOB_ENTRIES entries looked at: past either, what was found and a message naming the limit."""
    pattern = tuple(p for p in pattern if p not in ("", "."))
    found: set[tuple[str, ...]] = set()
    seen: set[tuple[tuple[str, ...], int]] = set()
    todo: list[tuple[tuple[str, ...], int]] = [((), 0)]
    looked = 0
    while todo:
        rel, index = todo.pop()
        if (rel, index) in seen:
            continue
        seen.add((rel, index))
        if index == len(pattern):
            continue
        # -1: a matched folder, every file below it taken (as a last `**` would)
        part = "**" if index < 0 else pattern[index]
        last = index < 0 or index == len(pattern) - 1
        if part == "**" and index >= 0:
            todo.append((rel, index + 1))  # no folder at all
        elif not _MAGIC.search(part):  # a plain name: no listing
            kind = _kind_below(root, (*rel, part))
            looked += 1
            if kind == "dir":
                todo.append(((*rel, part), -1 if last else index + 1))
            elif kind == "file" and last:
                found.add((*rel, part))
            continue
        try:
            entries = list(os.scandir(root.joinpath(*rel)))
        except OSError:
            continue
        for entry in entries:
            looked += 1
            if looked > MAX_GLOB_ENTRIES:
                return sorted(found), f"stopped after looking at {MAX_GLOB_ENTRIES} entries (the limit)"
            if entry.name.startswith(".") or entry.is_symlink():
                continue
            name = (*rel, entry.name)
            is_dir = entry.is_dir(follow_symlinks=False)
            if part == "**":
                if is_dir:
                    todo.append((name, index))
                elif last and entry.is_file(follow_symlinks=False):
                    found.add(name)
            elif fnmatch.fnmatchcase(entry.name, part):
                if is_dir:
                    todo.append((name, -1) if last else (name, index + 1))
                elif last and entry.is_file(follow_symlinks=False):
                    found.add(name)
            if len(found) > MAX_GLOB_FILES:
                return sorted(found)[:MAX_GLOB_FILES], f"stopped at {MAX_GLOB_FILES} files (the limit)"
    return sorted(found), None


def _kind_below(root: Path, parts: tuple[str, ...]) -> str | None:
    """Whether ``root/parts`` is "dir", "file" or neither (None), with no component below ``root`` a link or hidden."""
    where = root
    for index, part in enumerate(parts):
        if part.startswith("."):
            return None
        where = where / part
        try:
            mode = os.lstat(where).st_mode
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            return None
        if index == len(parts) - 1:
            return "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else None
        if not stat.S_ISDIR(mode):
            return None
    return None


# ---------------------------------------------------------------- JSON
def depth_problem(text: str, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why ``text`` (JSON) is nested too deep to parse, or None (a cheap count first: most text has
    fewer brackets than the limit)."""
    if text.count("[") + text.count("{") <= max_depth:
        return None
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > max_depth:
            return f"nested deeper than the limit of {max_depth} levels"
    return None


def loads(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` of at most ``max_depth`` levels: Untrusted when deeper (checked before
    parsing), ValueError when not JSON."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    problem = depth_problem(text, max_depth)
    if problem is not None:
        raise Untrusted(problem)
    try:
        return json.loads(text)
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise Untrusted(f"nested deeper than the limit of {max_depth} levels") from None


def too_deep(value: object, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``value``'s containers (dict, list, tuple, set) nest deeper than ``max_depth``,
    found without recursion."""
    todo: list[tuple[object, int]] = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict):
            children: Iterable[object] = (*item.keys(), *item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        todo.extend((child, depth + 1) for child in children if isinstance(child, _CONTAINERS))
    return False
