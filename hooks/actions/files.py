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
from typing import TYPE_CHECKING, Any, Final, final

from ..config.confine import inside
from ..core.context import Context, FileFields
from ..core.events import BATCH_EVENTS
from ..errors import Missing
from .base import ActionKind, Run, Session, field, file_only, folder_of, set_file

if TYPE_CHECKING:
    from ..config.builder import Builder
    from ..config.model import ActionSpec
    from ..core.templates import Template

__all__ = ["EXAMPLE", "KIND", "SCHEMA", "Files"]


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
    once, snapshot = body.get("once", True), body.get("snapshot", False)
    event = b.event
    if snapshot and not once and event in BATCH_EVENTS:
        b.fail(
            ("snapshot",),
            f"snapshot: true with once: false on {event} would copy every matching file at every batch "
            "(the checkpoints too, tens of MB each); snapshot on an epoch event (on_fit_epoch_end), or "
            "keep once: true to copy each file once",
        )
        return None
    if to is None or globs is None:
        return None
    return Files(globs, root, to, once, snapshot)


class _Folder:
    """What a `files` action knows of one folder: every name it has listed there, the matching
    ones (in name order), the matching ones it already uploaded, and for nested patterns the
    listing of each folder below it."""

    __slots__ = ("done", "entries", "listed", "matched", "mtime_ns", "nested", "pending", "stable", "tree")

    def __init__(self) -> None:
        self.mtime_ns = -1
        self.stable = False  # listed long enough after the folder's last change to trust its mtime
        self.listed: set[str] = set()
        self.matched: list[str] = []
        self.done: set[str] = set()
        self.tree: dict[str, _Dir] = {}  # relative folder ("" for the root) -> its listing
        self.nested: list[str] | None = None  # what the nested patterns matched, in name order
        self.pending: list[str] = []  # of those, the ones not uploaded yet
        # Per matching name uploaded: its path, its {file.*} fields and, when `to:` names nothing but
        # the file, the field it goes to (all fixed for a name in a folder: worked out once).
        self.entries: dict[str, _Entry] = {}


class _Dir:
    """One folder's listing for nested patterns: its real subfolders and its other entries (files,
    symlinks, …) in name order, and per pattern part the names that match it."""

    __slots__ = ("dirs", "hits", "is_dir", "mtime_ns", "other", "stable")

    def __init__(self, mtime_ns: int, stable: bool, dirs: list[str], other: list[str]) -> None:
        self.mtime_ns = mtime_ns
        self.stable = stable
        self.dirs = dirs
        self.is_dir = frozenset(dirs)
        self.other = other
        self.hits: dict[tuple[str, bool], list[str]] = {}


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


def _settled(st: os.stat_result) -> bool:
    settle = _SETTLED_FINE_S if st.st_mtime_ns % 1_000_000_000 else _SETTLED_COARSE_S
    return time.time() - st.st_mtime >= settle


def _scan(path: Path, rel: str, known_tree: dict[str, _Dir], tree: dict[str, _Dir]) -> _Dir | None:
    """The listing of one folder (put in ``tree``), taken from ``known_tree`` unless its mtime
    moved (or had not settled): a change below a subfolder moves that subfolder's mtime, so one
    stat per folder tells which folders to list again."""
    known = tree.get(rel)
    if known is not None:
        return known  # met again in this walk (another `**` level, another pattern)
    try:
        st = os.stat(path)
    except OSError:
        return None
    known = known_tree.get(rel)
    if known is not None and known.stable and known.mtime_ns == st.st_mtime_ns:
        tree[rel] = known
        return known
    dirs: list[str] = []
    other: list[str] = []
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                try:
                    (dirs if entry.is_dir(follow_symlinks=False) else other).append(entry.name)
                except OSError:
                    continue
    except OSError:
        return None
    listing = tree[rel] = _Dir(st.st_mtime_ns, _settled(st), sorted(dirs), sorted(other))
    return listing


def _hits(listing: _Dir, part: str, folders: bool) -> list[str]:
    """The names in a listing that match one pattern part: subfolders (and symlinks, which may
    lead to one) when ``folders``, else files (and anything but a real folder)."""
    key = (part, folders)
    found = listing.hits.get(key)
    if found is None:
        names = [*listing.dirs, *listing.other] if folders else listing.other
        found = listing.hits[key] = sorted(n for n in names if fnmatch.fnmatchcase(n, part))
    return found


def _unchanged(root: Path, tree: dict[str, _Dir]) -> bool:
    """Whether every folder listed for the nested patterns is as it was listed (one stat each):
    then they match what they matched before, and nothing is listed or matched again."""
    for rel, listing in tree.items():
        if not listing.stable:
            return False
        try:
            if os.stat(root / rel if rel else root).st_mtime_ns != listing.mtime_ns:
                return False
        except OSError:
            return False
    return True


def _walk(
    root: Path, parts: tuple[str, ...], known_tree: dict[str, _Dir], tree: dict[str, _Dir], found: set[str]
) -> None:
    """Add to ``found`` the paths (relative, '/'-separated) below ``root`` matching ``parts``, as
    pathlib's glob would (``**``: any number of folders, real ones only, never a symlink's), from
    the listings known (``known_tree``) where their folder did not change; ``tree`` gets the
    listings of the folders met."""

    def visit(rel: str, i: int) -> None:
        listing = _scan(root / rel if rel else root, rel, known_tree, tree)
        if listing is None:
            return
        part = parts[i]
        if part == "**":
            if i + 1 == len(parts):
                return  # a trailing ** matches folders only: no file
            visit(rel, i + 1)
            for name in listing.dirs:
                visit(f"{rel}/{name}" if rel else name, i)
            return
        last = i + 1 == len(parts)
        for name in _hits(listing, part, not last):
            sub = f"{rel}/{name}" if rel else name
            if last:
                found.add(sub)
            elif name in listing.is_dir or (root / sub).is_dir():  # a symlink to a folder is followed
                visit(sub, i + 1)

    visit("", 0)


class _Entry:
    """One matching file of a folder: what uploading it needs that never changes."""

    __slots__ = ("fields", "path", "target")

    def __init__(self, path: Path, folder: Path) -> None:
        self.path = path
        self.fields = FileFields(path, folder)
        self.target: str | None = None  # the rendered `to:`, kept when it depends on the file only


def compile(spec: ActionSpec) -> Run:
    o: Files = spec.body
    # Patterns without a folder part are matched against one os.listdir() with one regex; the
    # others (weights/*.pt, **/x) part by part against cached listings of the folders below.
    flat = tuple(p for p in o.globs if "/" not in p)
    nested = tuple(tuple(part for part in p.split("/") if part not in ("", ".")) for p in o.globs if "/" in p)
    regex = re.compile("|".join(fnmatch.translate(p) for p in flat)) if flat else None

    to = field(o.to, spec)
    per_file = file_only(o.to)  # `to:` renders the same for a file every time (Mosaic/{stem})

    def upload(ctx: Context, session: Session, path: Path, folder: Path, real: Path) -> None:
        """Upload ``real``, the file ``path`` was checked to be (a symlink resolved): the tracker
        reads that file, with no symlink left for it to follow ({name} stays the link's own)."""
        set_file(ctx, path, folder)
        session.upload(ctx, spec, to(ctx, session), real, snapshot=o.snapshot)

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
            entries = folder.entries
            for name in todo:
                entry = entries.get(name)
                if entry is None:
                    entry = entries[name] = _Entry(root / name, root)
                path = entry.path
                try:
                    mode = os.lstat(path).st_mode
                except FileNotFoundError:
                    continue
                if stat.S_ISLNK(mode):
                    if not (path.is_file() and inside(path, (root,))):
                        session.warn_once(spec, f"outside:{path}", f"{path} leads outside {root}; not uploaded")
                        continue
                    upload(ctx, session, path, root, path.resolve())
                elif not stat.S_ISREG(mode):
                    continue
                else:
                    # A regular file: uploaded as it is, with its fields and field worked out before.
                    ctx.file = entry.fields
                    target = entry.target
                    if target is None:
                        target = to(ctx, session)
                        if per_file:
                            entry.target = target
                    session.upload(ctx, spec, target, path, snapshot=o.snapshot)
                folder.done.add(name)
        if not nested:
            return
        if folder.nested is None or not _unchanged(root, folder.tree):
            found: set[str] = set()
            known, folder.tree = folder.tree, {}
            for parts in nested:
                _walk(root, parts, known, folder.tree, found)
            folder.nested = folder.pending = sorted(found)
        keys = folder.nested
        if o.once:
            keys = folder.pending = [k for k in folder.pending if k not in folder.done]
        for key in keys:
            if o.once and key in folder.done:
                continue
            path = root / key
            if not path.is_file():
                continue
            if not inside(path, (root,)):
                session.warn_once(spec, f"outside:{path}", f"{path} leads outside {root}; not uploaded")
                continue
            upload(ctx, session, path, root, path.resolve())
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


# `files:` in the config's JSON Schema ("#/$defs/…" refers to the whole schema's definitions),
# and the example the schema shows of it.
SCHEMA: Final[dict[str, Any]] = {
    "title": "files",
    "description": "Upload every file matching the globs under the root folder, each file once per run.",
    "type": "object",
    "additionalProperties": False,
    "required": ["glob", "to"],
    "properties": {
        "glob": {
            "$ref": "#/$defs/patterns",
            "title": "Glob",
            "description": "Patterns relative to the root folder (no '..', not absolute).",
        },
        "root": {"$ref": "#/$defs/root"},
        "to": {
            "$ref": "#/$defs/fieldPath",
            "title": "Field",
            "description": "Where each file goes; {stem}, {name}, {suffix}, {file.path} name the file.",
        },
        "once": {
            "type": "boolean",
            "title": "Once",
            "description": (
                "true (default): each file is uploaded once per run. false: again every time the action runs."
            ),
            "default": True,
        },
        "snapshot": {
            "type": "boolean",
            "title": "Snapshot",
            "description": (
                "true: upload a copy of the file's bytes as they are now (for files Ultralytics overwrites, "
                "uploaded more than once to different fields). false (default): upload the file; offline mode "
                "records its path and reads it later."
            ),
            "default": False,
        },
        "when": {"$ref": "#/$defs/when"},
        "id": {"$ref": "#/$defs/id"},
    },
    "examples": [{"glob": "train_batch*.jpg", "to": "Mosaic/{stem}"}],
}
EXAMPLE: Final[dict[str, Any]] = {"glob": "train_batch*.jpg", "to": "Mosaic/{stem}"}

KIND = ActionKind("files", build, compile, explain, looks_for, would_take, schema=SCHEMA, example=EXAMPLE)
