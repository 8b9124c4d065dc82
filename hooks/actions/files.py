"""`files`: files found by glob in a folder, uploaded once per run (or every time)."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, final

from ..config.confine import inside
from ..errors import Missing
from ..runtime.context import Context
from .base import ActionKind, Run, field, folder_of, set_file

if TYPE_CHECKING:
    from ..config.builder import Builder
    from ..config.model import ActionSpec
    from ..config.templates import Template
    from ..runtime.session import Session

__all__ = ["KIND", "Files"]


@final
@dataclass(frozen=True, slots=True)
class Files:
    globs: tuple[str, ...]
    root: str | None
    to: Template
    once: bool
    snapshot: bool


def build(b: Builder, body: Mapping[str, Any]) -> Files | None:
    globs = b.globs(body.get("glob"), ("glob",))
    to = b.template(body.get("to"), ("to",), b.file_heads)
    root = b.root(body.get("root"), ("root",))
    if to is None or globs is None:
        return None
    return Files(globs, root, to, body.get("once", True), body.get("snapshot", False))


class _Folder:
    """What a `files` action knows of one folder: every name it has listed there, the matching
    ones (in name order), and the matching ones it already uploaded."""

    __slots__ = ("done", "listed", "matched", "mtime_ns", "stable")

    def __init__(self) -> None:
        self.mtime_ns = -1
        self.stable = False  # listed long enough after the folder's last change to trust its mtime
        self.listed: set[str] = set()
        self.matched: list[str] = []
        self.done: set[str] = set()


# A listing taken long enough after a folder's last change can be trusted until its mtime moves:
# any later change lands at a later timestamp. How long depends on the timestamps' resolution:
# sub-second ones (ext4, xfs, tmpfs, …) tick at least every 10 ms; whole seconds (FAT: 2 s) do not.
_SETTLED_FINE_S = 0.05
_SETTLED_COARSE_S = 2.0


def _listing(folder_path: Path, regex: re.Pattern[str], folder: _Folder) -> list[str]:
    """The names in ``folder_path`` that match, re-listing only a folder that may have changed,
    and matching only names not seen before (a save_dir of 10,000 files costs one listdir)."""
    try:
        st = os.stat(folder_path)
    except FileNotFoundError:
        raise Missing(f"{folder_path} does not exist yet") from None
    if folder.stable and st.st_mtime_ns == folder.mtime_ns:
        return folder.matched
    new = set(os.listdir(folder_path)).difference(folder.listed)
    if new:
        folder.listed.update(new)
        hits = [n for n in new if regex.match(n)]
        if hits:
            folder.matched = sorted([*folder.matched, *hits])
    folder.mtime_ns = st.st_mtime_ns
    settle = _SETTLED_FINE_S if st.st_mtime_ns % 1_000_000_000 else _SETTLED_COARSE_S
    folder.stable = time.time() - st.st_mtime >= settle
    return folder.matched


def compile(spec: ActionSpec) -> Run:
    o: Files = spec.body
    # Patterns without a folder part are matched against one os.listdir() with one regex; the
    # others (weights/*.pt, **/x) go through pathlib's glob.
    flat = tuple(p for p in o.globs if "/" not in p)
    nested = tuple(p for p in o.globs if "/" in p)
    regex = re.compile("|".join(fnmatch.translate(p) for p in flat)) if flat else None

    to = field(o.to, spec)

    def upload(ctx: Context, session: Session, path: Path, folder: Path) -> None:
        set_file(ctx, path, folder)
        session.upload(ctx, spec, to(ctx, session), path, snapshot=o.snapshot)

    def run(ctx: Context, session: Session) -> None:
        root = folder_of(ctx, o.root)
        session.look(spec, root)
        folders: dict[str, _Folder] = session.cache(spec)
        folder = folders.get(str(root))
        if folder is None:
            folder = folders[str(root)] = _Folder()
        if regex is not None:
            names = _listing(root, regex, folder)
            todo = [n for n in names if n not in folder.done] if o.once else names
            for name in todo:
                path = root / name
                try:
                    mode = os.lstat(path).st_mode
                except FileNotFoundError:
                    continue
                if stat.S_ISLNK(mode):
                    if not (path.is_file() and inside(path, (root,))):
                        session.warn_once(spec, f"outside:{path}", f"{path} leads outside {root}; not uploaded")
                        continue
                elif not stat.S_ISREG(mode):
                    continue
                upload(ctx, session, path, root)
                folder.done.add(name)
        for pattern in nested:
            for path in sorted(root.glob(pattern)):
                key = path.relative_to(root).as_posix()
                if (o.once and key in folder.done) or not path.is_file():
                    continue
                if not inside(path, (root,)):
                    session.warn_once(spec, f"outside:{path}", f"{path} leads outside {root}; not uploaded")
                    continue
                upload(ctx, session, path, root)
                folder.done.add(key)

    return run


def explain(spec: ActionSpec) -> str:
    o: Files = spec.body
    root = f"the {o.root}'s save_dir" if o.root else "the save_dir of the event's object"
    each = "each file once per run" if o.once else "every time"
    copy = " (a copy of the bytes at that moment)" if o.snapshot else ""
    return f"upload files matching {', '.join(o.globs)} in {root} to {o.to.text}{copy}, {each}"


def looks_for(spec: ActionSpec) -> str:
    o: Files = spec.body
    return f"file matching {', '.join(o.globs)}"


def would_take(spec: ActionSpec, name: str) -> bool:
    o: Files = spec.body
    return any(fnmatch.fnmatchcase(name, p) for p in o.globs)


KIND = ActionKind("files", build, compile, explain, looks_for, would_take)
