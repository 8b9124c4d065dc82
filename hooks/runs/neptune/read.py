"""Read Neptune 1.x offline runs straight from disk, without importing neptune.

An offline run lives in ``<NEPTUNE_DATA_DIRECTORY or ./.neptune>/offline/
run__<uuid>__<pid>__<rand>/`` and holds:

* ``metadata.json``: mode, containerId, containerType, createdAt, versions.
* ``data-<N>.log``: one JSON object per line, ``{"obj": <operation>,
  "version": <int>, "at": <unix ts>}``.  ``N`` is the version of the first
  operation in the file (a new file starts every 64 MiB), so the files must
  be read in numeric order of ``N``.
* ``upload_path/``: bytes of in-memory uploads (matplotlib figures,
  ``File.from_content``/``from_stream``), named by the op's ``tmp_file_name``.

Decoding rules (last operation wins everywhere):

* ``Assign{String,Int,Float,Bool}`` -> ``fields[key] = value``;
  ``AssignDatetime`` (milliseconds) -> timezone-aware UTC ``datetime``.
* ``LogFloats``/``LogStrings``/``LogImages`` -> ``series[key]`` points of kind
  ``float``/``string``/``image``; ``Clear{Float,String,Image}Log`` drop the key.
* ``AddStrings``/``RemoveStrings``/``ClearStringSet`` -> ``string_sets`` (tags
  are ``string_sets["sys/tags"]``).
* ``UploadFile``/``UploadFileContent`` -> ``files[key]``; a repeated upload to
  the same key replaces the earlier one (the earlier bytes stay on disk).
* ``UploadFileSet`` -> ``file_sets[key]`` globs (``reset`` replaces them).
* ``DeleteAttribute`` removes the key from every mapping.
* ``ConfigFloatSeries`` only sets chart min/max/unit and is ignored.
* Anything else (artifacts, ``CopyAttribute``, ``DeleteFiles``, future types)
  is kept as an ``UnknownOp`` so nothing disappears silently.

The run is a :class:`~hooks.runs.model.Run` of tracker "neptune": ``id`` is metadata.json's
containerId, ``parts`` the folders of a resumed training, ``status`` as ``status.py`` tells it.

A series is a :class:`~hooks.runs.series.Series`: a sequence of :class:`Point` kept as
columns (``series.steps()``, ``.values()``, ``.timestamps()`` give them whole). The decoding is
``decode.py``'s; ``reading.py`` goes on from a cached read (``read_run(..., cache=True)``), reading
only what was written since.

A run folder may come from someone else (``files.py``): a file it names is read only below its
roots (the folder that holds its data folder, its own folders, and ``trusted`` ones), and the
reader never follows a link out of it; ``decode.py`` bounds what it parses.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from ...core.untrusted import Untrusted, open_regular
from ...core.untrusted import loads as bounded_loads
from ...sinks.neptune.fields import PART_FIELD, RUN_ID_FIELD, RUN_NAMESPACE, STATUS_FIELD
from .. import cache as _cache
from ..model import SYSTEM_NAMESPACES, Run, parse_iso
from .decode import MAX_LINE_BYTES, data_files, load_metadata, opt_str
from .files import check_file_sets, roots_of
from .reading import Read, read_state
from .status import status_of

__all__ = [
    "PART_FIELD",
    "RUN_ID_FIELD",
    "RUN_NAMESPACE",
    "STATUS_FIELD",
    "SYSTEM_NAMESPACES",
    "cache_folder",
    "early_string",
    "find_run_groups",
    "find_runs",
    "load_metadata",
    "read_run",
    "read_run_with",
]

# --------------------------------------------------------------------------
# Locating runs


def find_runs(data_dir: Path) -> list[Path]:
    """Run folders of ``data_dir``, newest first by metadata createdAt.

    ``data_dir`` may be the Neptune data directory (``.neptune``), a folder
    containing ``.neptune``, the ``offline`` folder itself, or one run folder.
    A missing directory yields an empty list.
    """
    data_dir = Path(data_dir)
    if _is_run_dir(data_dir):
        return [data_dir]
    for root in (data_dir / "offline", data_dir / ".neptune" / "offline", data_dir):
        if root.is_dir():
            break
    else:
        return []
    # A link among the run folders leads out of the data folder: never followed.
    runs = [p for p in root.iterdir() if not p.is_symlink() and _is_run_dir(p)]
    runs.sort(key=lambda p: (_created_sort_key(p), p.name), reverse=True)
    return runs


def find_run_groups(data_dir: Path) -> list[tuple[Path, ...]]:
    """Runs of ``data_dir`` as `hooks runs` lists them, newest first: each a tuple of the folders
    (oldest first) that one training wrote, several when it was resumed (they share the
    ``yaml_hooks/run_id`` field; docs/format.md, "Resuming")."""
    groups: dict[str, list[Path]] = {}
    order: list[str] = []
    for folder in reversed(find_runs(data_dir)):  # oldest first
        key = _training_id(folder) or f"folder:{folder}"
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(folder)
    newest_first = sorted(order, key=lambda k: (_created_sort_key(groups[k][-1]), groups[k][-1].name), reverse=True)
    return [tuple(groups[k]) for k in newest_first]


def early_string(run_dir: Path, field: str, max_lines: int = 2000) -> str | None:
    """The last string assigned to ``field`` among a run's first operations (``sys/name``,
    ``yaml_hooks/run_id``: written when a run starts), without decoding the log."""
    files = data_files(run_dir)
    if not files:
        return None
    path = field.split("/")
    marker = json.dumps(path, separators=(",", ":"))
    found: str | None = None
    try:
        fd = open_regular(files[0], 1 << 62)
    except (OSError, Untrusted):
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            for _ in range(max_lines):
                raw = handle.readline(MAX_LINE_BYTES)
                if not raw:
                    break
                line = raw.decode("utf-8", errors="replace")
                if marker not in line.replace(" ", ""):
                    continue
                try:
                    op = bounded_loads(line).get("obj", {})
                except (ValueError, AttributeError, Untrusted):
                    continue
                if isinstance(op, dict) and op.get("path") == path and isinstance(op.get("value"), str):
                    found = str(op["value"])
    except OSError:
        return None
    return found


def _training_id(run_dir: Path) -> str | None:
    """The yaml_hooks/run_id a run wrote, the same in every part of a resumed training."""
    return early_string(run_dir, RUN_ID_FIELD)


def _is_run_dir(path: Path) -> bool:
    if not path.is_dir():
        return False
    if not (path / "metadata.json").is_file() and not data_files(path):
        return False
    # Offline folders of models/projects share the layout; skip them.
    prefix = path.name.split("__", 1)[0] if "__" in path.name else "run"
    ctype = load_metadata(path).get("containerType", "run")
    return prefix == "run" and ctype == "run"


def _created_sort_key(path: Path) -> datetime:
    parsed = parse_iso(load_metadata(path).get("createdAt"))
    if parsed is not None:
        return parsed
    # No usable createdAt (run killed before metadata was written): the
    # folder's mtime is the best remaining guess of its age.
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    except OSError:
        return datetime.min.replace(tzinfo=timezone.utc)


# --------------------------------------------------------------------------
# Decoding (decode.py; reading.py for the cache)


def cache_folder(cache: bool | Path) -> Path | None:
    """The folder ``read_run(..., cache=)`` uses: None for False, the default one for True."""
    if cache is False:
        return None
    return _cache.default_dir() if cache is True else Path(cache)


def read_run(path: Path | Sequence[Path], *, cache: bool | Path = False, trusted: Sequence[Path] = ()) -> Run:
    """Decode one run folder, or the folders of one resumed training (oldest first) as one run:
    a later part continues the earlier ones, and where it logs a series again from some step on
    (an epoch that was cut short), its points replace theirs from that step. Bad lines become
    ``problems``, never exceptions.

    ``cache``: True keeps what was read in the cache folder (``cache.default_dir()``: see
    ``cache.py``), a Path in that folder; a later read of the same run then decodes only what was
    written since. Off by default: a library call does not write into the user's cache unasked;
    `hooks runs` and `hooks report` turn it on.

    ``trusted``: folders, besides the run's roots (``files.py``), whose files the run may name.

    Raises FileNotFoundError only if a folder is not a directory.
    """
    return read_run_with(path, cache, trusted)[0]


def read_run_with(
    path: Path | Sequence[Path], cache: bool | Path = False, trusted: Sequence[Path] = ()
) -> tuple[Run, Read]:
    """``read_run``, and how it was read (``reading.Read``: for `hooks runs`' cached summaries)."""
    parts = (Path(path),) if isinstance(path, (str, os.PathLike)) else tuple(Path(p) for p in path)
    if not parts:
        raise FileNotFoundError("no run folder given")
    for part in parts:
        if not part.is_dir():
            raise FileNotFoundError(f"not a Neptune run folder: {part}")
    read = read_state(parts, cache_folder(cache))
    state = read.state
    extra: list[str] = []
    if read.pending is not None:
        line, where = read.pending
        problems = state.problems
        state.problems = extra  # a problem of the unfinished line is this read's, not the cache's
        state.apply_line(line, where, partial=True)
        state.problems = problems
    run_dir = parts[0]
    metadata = load_metadata(run_dir)
    if not metadata:
        extra.append("metadata.json missing or unreadable")
    roots = roots_of(parts, trusted)
    files, refused = state.fresh_files(roots)
    extra += refused
    extra += check_file_sets(state.file_sets, roots)
    name = state.fields.get("sys/name")
    container = metadata.get("containerId")
    version = metadata.get("neptuneClientVersion")
    status_field = state.fields.get(STATUS_FIELD)
    hostname = state.fields.get("sys/hostname")
    log = Run(
        tracker="neptune",
        id=container if isinstance(container, str) else None,
        location=str(run_dir),
        status=status_of(
            state.fields.get("sys/failed") is True,
            status_field if isinstance(status_field, str) else None,
            hostname if isinstance(hostname, str) else None,
            parts[-1],
        ),
        client=f"neptune {version}" if version else None,
        metadata=metadata,
        created=opt_str(metadata.get("createdAt")),
        name=name if isinstance(name, str) else None,
        tags=tuple(sorted(state.string_sets.get("sys/tags", set()))),
        series=state.frozen_series(),
        fields=dict(state.fields),
        files=files,
        file_sets={k: tuple(v) for k, v in state.file_sets.items()},
        string_sets={k: tuple(sorted(v)) for k, v in state.string_sets.items()},
        unknown=tuple(state.unknown),
        op_count=state.op_count,
        problems=state.problems_capped(extra),
        parts=parts,
        spans=tuple((span[0], span[1]) if span else None for span in state.spans),
        roots=roots,
    )
    return log, read
