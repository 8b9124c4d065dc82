"""Replay a finished run into any tracker that can take one: what `hooks export RUN --to TRACKER` does.

A run read back by its tracker's reader is written again through the public methods of a
:class:`~hooks.sinks.replay.ReplaySink` (the Sink protocol with a timestamp on ``append``), which a
:class:`~hooks.sinks.replay.ReplayTarget` opens. Nothing here knows which tracker the run came from
or which one it goes to: a reader fills the run model, a target decides how its tracker stores what
it is given, and every pair of them works (Neptune → MLflow today; MLflow → a package's tracker;
any later tracker, for free).

What the driver reads of a run is :class:`Source`: a :class:`~hooks.runs.model.Run` as plain values
(:func:`as_source`), with what a target needs that a run says only by convention: the key a copy
is found by again (``<tracker>:<run id>``) and which fields hold the run's name, description and
tags (the tracker's own ``name``/``description`` fields, when they hold them).

The replay, in order (a target sees the calls in this order):

1. ``target.find(key)``: a complete copy written before (the key is ``<tracker>:<run id>``) means
   nothing is written, unless ``force``; when the source has more parts now than the copy had, a
   note says so.
2. ``target.open(meta)``: the run's name, tags, start and end time, parts, status and which
   namespaces are the tracker's own (:class:`~hooks.sinks.replay.ReplayMeta`).
3. Series, in the run's order: a float series point by point, ``append(path, value, step,
   timestamp=ts)``, its step and time as read (None stays None: the target numbers such points as
   its tracker would); a string series (captured stdout …) as one text file uploaded at
   ``<path>.txt``, its points' text one after the other (a Sink has no string series: their steps
   and times are not kept, and a note says so); an image series is not replayed (a read run keeps
   no image bytes), and a note says so.
4. Fields: ``assign(path, value)`` for each, as read; a string set (other than the run's tags,
   which ``meta`` carries) as one field, its members joined by commas (no Sink has a set).
5. Files: ``upload(path, file, snapshot=True)`` of a copy made in a temporary folder, named so
   that it ends with the type the reader recorded (a Sink takes a file's type from its name); the
   files a file set's globs match now, each under the set's path. A file that is not there any
   more is listed as missing, never an error.

A run may come from someone else (a teammate's run folder), so a file it names is read only from
a descriptor opened without following a link (every folder below the run's root, for a run read
from local folders: ``Run.roots``), when it is a regular file of at most ``MAX_FILE_BYTES``: what
is outside the run's roots, hidden (``.ssh``, ``.git``) or a link is listed as missing, with why.
A file set's pattern is expanded only below a root (an absolute one that lies below it, or a
relative one, from the first root), at most ``untrusted.MAX_GLOB_FILES`` files; any other pattern
is listed as missing.
6. ``fail()`` when the source run failed, then ``stop()``: the copy is complete. If anything
   raises before that returns, ``abort()``: the target removes what it wrote.
7. With ``force``, the earlier copies are discarded, only now that the new one is complete.

Files handed to the sink stay where they are until ``stop()`` returns: the texts and links the
driver makes live in a temporary folder removed after it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, final

from ..core.untrusted import Untrusted, confine, glob_below, open_below, open_regular, shown
from ..sinks.registry import replay_target
from ..sinks.replay import ReplayCopy, ReplayMeta, ReplaySink, ReplayStatus, ReplayTarget
from .model import SYSTEM_NAMESPACES, Run, parse_iso

__all__ = [
    "MAX_FILE_BYTES",
    "MissingFile",
    "ReplayResult",
    "Source",
    "as_source",
    "export",
    "replay",
    "replay_meta",
]

# The leaf names under which a tracker's own namespace keeps a run's name and description, for a
# run that does not say which fields hold them (``name_field``, ``description_field``): Neptune's
# ``sys/name`` and ``sys/description``. Only a field of a system namespace qualifies, and the name
# only when it holds the run's name: a user's ``params/name`` is never taken for it.
_NAME_LEAF: Final = "name"
MAX_FILE_BYTES: Final = 4 << 30  # one file of a run, copied before it is handed to the target
_OUTSIDE: Final = "a run's files are read only inside its own folders; `hooks export --trust DIR` adds one"
_DESCRIPTION_LEAF: Final = "description"


# --------------------------------------------------------------------------
# What the driver reads


@final
@dataclass(frozen=True)
class Source:
    """What the driver reads of a run (:func:`as_source`): the run itself, and what a target needs
    that the run says only by convention. ``key``: ``<tracker>:<run id>``, what a copy is found by
    again; ``status``: how it ended, as a target takes it; ``system``: the first path segments of
    fields its tracker or yaml-hooks filled by itself; ``name_field``/``description_field``/
    ``tags_field``: the field (or string set) paths that hold its name, description and tags, when
    it has such fields."""

    run: Run
    key: str
    status: ReplayStatus
    system: frozenset[str]
    name_field: str | None
    description_field: str | None
    tags_field: str | None


def as_source(run: Run) -> Source:
    """``run`` with its key, and the fields of its tracker's own namespaces that hold its name,
    description and tags."""
    run_id = run.id or (run.parts[0].name if run.parts else None) or run.location
    system = SYSTEM_NAMESPACES
    return Source(
        run=run,
        key=f"{run.tracker}:{run_id}",
        status="failed" if run.failed else "killed" if run.status == "killed" else "finished",
        system=system,
        name_field=_own_field(run.fields, system, _NAME_LEAF, run.name),
        description_field=_own_field(run.fields, system, _DESCRIPTION_LEAF),
        tags_field=_tags_set(run.string_sets, system, run.tags),
    )


def replay_meta(source: Source) -> ReplayMeta:
    """What a target is told before anything is written: the start is when the run was created
    (else its first point's time), the end its last point's time (never before the start)."""
    times = [p.ts for points in source.run.series.values() for p in points if p.ts is not None]
    created = parse_iso(source.run.created)
    start = created.timestamp() if created is not None else (min(times) if times else None)
    end = max([*times, *([start] if start is not None else [])], default=None)
    return ReplayMeta(
        source=source.key,
        name=source.run.name,
        tags=source.run.tags,
        start=start,
        end=end,
        parts=max(len(source.run.parts), 1),
        status=source.status,
        system=source.system,
        name_field=source.name_field,
        description_field=source.description_field,
    )


# --------------------------------------------------------------------------
# What a replay did


@final
@dataclass(frozen=True, slots=True)
class MissingFile:
    """A file of the source run whose bytes could not be replayed."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field} ({self.reason})"


@final
@dataclass(frozen=True, slots=True)
class ReplayResult:
    """What one replay did. ``exported`` is False when the target held a complete copy already
    (``copy_id`` is then that copy's, and nothing was written). ``series``/``points``: the float
    and string series replayed and their points; ``files``: the source's files uploaded (not the
    texts of string series); ``fields``: the fields assigned; ``counts``: the target's own counts
    (MLflow: params, tags); ``notes``: what was not kept as it was, the driver's and the target's."""

    source: str
    copy_id: str
    exported: bool
    where: str
    replaced: tuple[str, ...] = ()
    series: int = 0
    points: int = 0
    files: int = 0
    fields: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)
    missing: tuple[MissingFile, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass
class _Tally:
    series: int = 0
    points: int = 0
    files: int = 0
    fields: int = 0
    missing: list[MissingFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    staged: int = 0


# --------------------------------------------------------------------------
# The replay


def export(run: Run, to: str, options: Mapping[str, Any] | None = None, *, force: bool = False) -> ReplayResult:
    """Replay ``run`` into the tracker ``to`` (a name :func:`hooks.sinks.replay.replay_target`
    knows), built from ``options``; :func:`replay` says how."""
    return replay(run, replay_target(to, options), force=force)


def replay(run: Run, target: ReplayTarget, *, force: bool = False) -> ReplayResult:
    """Write ``run`` (a read run: :func:`as_source`) into ``target`` once: unless ``force``, a
    target that holds a complete copy already is left as it is; with it, the earlier copies are
    deleted once the new one is complete. Whatever the target raises is raised again, after the
    target removed what it had written."""
    source = as_source(run)
    meta = replay_meta(source)
    earlier = target.find(meta.source)
    if earlier and not force:
        note = _parts_note(earlier[0], meta.parts)
        return ReplayResult(meta.source, earlier[0].id, False, target.where(), notes=(note,) if note else ())
    tally = _Tally()
    sink = target.open(meta)
    with tempfile.TemporaryDirectory(prefix="hooks-replay-") as staging:
        try:
            _series(sink, source, Path(staging), tally)
            _fields(sink, source, tally)
            _files(sink, source, Path(staging), tally)
            if meta.status == "failed":
                sink.fail()
            sink.stop()
        except BaseException:
            with contextlib.suppress(Exception):
                sink.abort()
            raise
    written = sink.written
    replaced: list[str] = []
    for copy in earlier:
        target.discard(copy.id)
        replaced.append(copy.id)
    if source.run.problems:
        tally.notes.append(f"the run was read with {len(source.run.problems)} problem(s) (`hooks report` lists them)")
    if source.run.unknown:
        kinds = ", ".join(sorted({op.type for op in source.run.unknown}))
        tally.notes.append(
            f"{len(source.run.unknown)} operation(s) yaml-hooks does not read were not exported: {kinds}"
        )
    return ReplayResult(
        source=meta.source,
        copy_id=written.id,
        exported=True,
        where=target.where(),
        replaced=tuple(replaced),
        series=tally.series,
        points=tally.points,
        files=tally.files,
        fields=tally.fields,
        counts=dict(written.counts),
        missing=tuple(tally.missing),
        notes=(*written.notes, *tally.notes),
    )


def _parts_note(copy: ReplayCopy, parts: int) -> str | None:
    if copy.parts is not None and copy.parts < parts:
        return f"it was exported with {copy.parts} part(s) and has {parts} now; --force exports it again"
    return None


def _series(sink: ReplaySink, source: Source, staging: Path, tally: _Tally) -> None:
    for path, points in source.run.series.items():
        if not points:
            continue
        kind = points[0].kind
        if kind == "float":
            for p in points:
                if isinstance(p.value, (int, float)) and not isinstance(p.value, bool):
                    sink.append(path, float(p.value), p.step, timestamp=p.ts)
        elif kind == "string":
            text = staging / "strings" / str(tally.staged) / f"{_leaf(path)}.txt"
            tally.staged += 1
            text.parent.mkdir(parents=True)
            text.write_text("".join(_line(p.value) for p in points), encoding="utf-8")
            sink.upload(f"{path}.txt", text, snapshot=True)
            tally.notes.append(
                f"{path}: a string series ({len(points)} lines) is the text file {path}.txt: "
                "its steps and times are not kept"
            )
        else:
            tally.notes.append(
                f"{path}: an image series ({len(points)} images) is not exported: the run reader keeps no image bytes"
            )
            continue
        tally.series += 1
        tally.points += len(points)


def _fields(sink: ReplaySink, source: Source, tally: _Tally) -> None:
    for path, value in source.run.fields.items():
        sink.assign(path, value)
        tally.fields += 1
    for path, members in source.run.string_sets.items():
        if path != source.tags_field:
            sink.assign(path, ",".join(members))
            tally.fields += 1


def _files(sink: ReplaySink, source: Source, staging: Path, tally: _Tally) -> None:
    roots = source.run.roots
    for path, ref in source.run.files.items():
        if ref.file_path is None:
            local = ref.local()  # a server's file, fetched into our own cache folder
            if local is None:
                if ref.source:
                    why = f"its bytes could not be had from {ref.source}"
                elif ref.exists:
                    why = "its bytes are inside the run's log, which yaml-hooks does not read back"
                else:
                    why = "the upload recorded no file"
                tally.missing.append(MissingFile(path, why))
                continue
            opened = _open(local, None, roots=())
        else:
            opened = _open(ref.file_path, None, roots=roots)
        if isinstance(opened, str):
            tally.missing.append(MissingFile(path, opened))
            continue
        fd, name = opened
        sink.upload(path, _copy(fd, _typed(name, ref.ext), staging, tally), snapshot=True)
        tally.files += 1
    for path, globs in source.run.file_sets.items():
        found, lost = _file_set(globs, roots)
        tally.missing += [MissingFile(path, why) for why in lost]
        for rel, (root, parts) in found:
            opened = _open(root.joinpath(*parts), (root, parts), roots=roots)
            if isinstance(opened, str):
                tally.missing.append(MissingFile(f"{path}/{rel}", opened))
                continue
            fd, name = opened
            sink.upload(f"{path}/{rel}", _copy(fd, name, staging, tally), snapshot=True)
            tally.files += 1


def _open(file: Path, below: tuple[Path, tuple[str, ...]] | None, *, roots: Sequence[Path]) -> tuple[int, str] | str:
    """A descriptor on ``file`` and its name, or why it is not read. With ``roots`` (a run read
    from local folders), only below one of them, no folder below it a link; else (a server's file
    in our own cache, a run built by hand) the file itself not a link. Always a regular file of at
    most MAX_FILE_BYTES."""
    try:
        if roots:
            where = below or confine(str(file), roots)
            if isinstance(where, str):
                return f"{where}; not read ({_OUTSIDE})"
            return open_below(where[0], where[1], MAX_FILE_BYTES), where[1][-1]
        return open_regular(file, MAX_FILE_BYTES), file.name
    except FileNotFoundError:
        return f"{shown(file)} is not there any more"
    except Untrusted as e:
        return str(e)
    except OSError as e:
        return f"{shown(file)} cannot be read ({e.strerror})"


def _typed(name: str, ext: str) -> str:
    """``name``, or a name that ends with ``.ext`` (a Sink takes a file's type from its name; an
    in-memory upload's bytes are kept under a name without one)."""
    if name.endswith(f".{ext}") if ext else not Path(name).suffix:
        return name
    return f"{name}.{ext}" if ext else Path(name).stem


def _copy(fd: int, name: str, staging: Path, tally: _Tally) -> Path:
    """The bytes of ``fd`` (closed after), at most MAX_FILE_BYTES, in a file of ``staging`` named ``name``:
    what the target reads is what was checked, whatever the run's folder holds meanwhile."""
    copy = staging / "files" / str(tally.staged) / name
    tally.staged += 1
    copy.parent.mkdir(parents=True)
    with os.fdopen(fd, "rb") as src, copy.open("wb") as dst:
        left = MAX_FILE_BYTES
        while left > 0:
            chunk = src.read(min(left, 8 << 20))
            if not chunk:
                break
            dst.write(chunk)
            left -= len(chunk)
    return copy


def _file_set(
    globs: Iterable[str], roots: Sequence[Path]
) -> tuple[list[tuple[str, tuple[Path, tuple[str, ...]]]], list[str]]:
    """(relative name, (root, parts below it)) for every file the globs match now below the run's
    roots, and why a glob yields nothing (or not all it matches)."""
    matched: dict[tuple[Path, tuple[str, ...]], None] = {}  # a dict: found again in constant time, in order
    lost: list[str] = []
    for pattern in globs:
        where = confine(pattern, roots)
        if isinstance(where, str):
            lost.append(f"the pattern {where}; not expanded ({_OUTSIDE})")
            continue
        root, parts = where
        hits, cut = glob_below(root, parts)
        if cut is not None:
            lost.append(f"{shown(pattern)}: {cut}; the files after it are not exported")
        if not hits:
            lost.append(f"{shown(pattern)} matches no file any more")
        for hit in hits:
            matched.setdefault((root, hit), None)
    if not matched:
        return [], lost
    found = list(matched)
    base = os.path.commonpath([str(root.joinpath(*parts).parent) for root, parts in found])
    return [
        (os.path.relpath(root.joinpath(*parts), base).replace(os.sep, "/"), (root, parts)) for root, parts in found
    ], lost


def _leaf(path: str) -> str:
    leaf = path.rstrip("/").rsplit("/", 1)[-1]
    return leaf if leaf not in ("", ".", "..") else "series"


def _line(value: object) -> str:
    line = value if isinstance(value, str) else str(value)
    return line if line.endswith("\n") else line + "\n"


def _own_field(fields: Mapping[str, object], system: frozenset[str], leaf: str, value: str | None = None) -> str | None:
    """``<namespace>/<leaf>`` of a system namespace among ``fields`` (holding ``value``, if given)."""
    for namespace in sorted(system):
        path = f"{namespace}/{leaf}"
        if path in fields and (value is None or fields[path] == value):
            return path
    return None


def _tags_set(string_sets: Mapping[str, Sequence[str]], system: frozenset[str], tags: tuple[str, ...]) -> str | None:
    """The string set of a system namespace that holds exactly the run's tags."""
    for path, members in string_sets.items():
        if path.split("/", 1)[0] in system and sorted(members) == sorted(tags):
            return path
    return None
