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
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

__all__ = [
    "PART_FIELD",
    "RUN_ID_FIELD",
    "RUN_NAMESPACE",
    "SYSTEM_NAMESPACES",
    "FileRef",
    "ImageRef",
    "Point",
    "RunLog",
    "SeriesKind",
    "UnknownOp",
    "data_dir",
    "find_run_groups",
    "find_runs",
    "namespaces",
    "no_runs_message",
    "parse_iso",
    "read_run",
]

SeriesKind = Literal["float", "string", "image"]

# Namespaces Neptune fills by itself; hidden from summaries by default.
# Written by yaml-hooks' Neptune sink: the id shared by every part of a resumed training, and
# which part a folder is.
RUN_NAMESPACE = "yaml_hooks"
RUN_ID_FIELD = f"{RUN_NAMESPACE}/run_id"
PART_FIELD = f"{RUN_NAMESPACE}/part"

SYSTEM_NAMESPACES: frozenset[str] = frozenset({"sys", "source_code", "monitoring", RUN_NAMESPACE})
_RUN_ID_PATH = '["yaml_hooks","run_id"]'

_DATA_FILE = re.compile(r"^data-(\d+)\.log$")
_MAX_PROBLEMS = 100
_SERIES_KINDS: dict[str, SeriesKind] = {
    "LogFloats": "float",
    "LogStrings": "string",
    "LogImages": "image",
}
KIND_ORDER: tuple[SeriesKind, ...] = ("float", "string", "image")
_CLEAR_SERIES = frozenset({"ClearFloatLog", "ClearStringLog", "ClearImageLog"})
_ASSIGN_PLAIN = frozenset({"AssignString", "AssignInt", "AssignFloat", "AssignBool"})
_IGNORED = frozenset({"ConfigFloatSeries"})


@dataclass(frozen=True)
class ImageRef:
    """One logged image; the base64 data itself is not kept in memory."""

    name: str | None
    description: str | None
    size: int


@dataclass(frozen=True)
class Point:
    """One value of a series; ``step`` is None when the client chose none."""

    step: float | None
    value: float | str | ImageRef
    ts: float | None
    kind: SeriesKind


@dataclass(frozen=True)
class FileRef:
    """Where an uploaded file's bytes are, checked when the run was read.

    ``file_path`` is None for ``UploadFileContent`` (bytes inline in the log,
    ``exists`` True) or when the op named no location (``exists`` False).
    """

    file_path: Path | None
    ext: str
    exists: bool
    size: int | None


@dataclass(frozen=True)
class UnknownOp:
    """An operation this reader does not model, kept for visibility."""

    type: str
    path: str


@dataclass(frozen=True)
class RunLog:
    """Decoded state of one offline run (mappings are keyed by "a/b/c")."""

    path: Path
    metadata: dict[str, object]
    created: str | None
    name: str | None
    tags: tuple[str, ...]
    series: dict[str, tuple[Point, ...]]
    fields: dict[str, object]
    files: dict[str, FileRef]
    file_sets: dict[str, tuple[str, ...]]
    string_sets: dict[str, tuple[str, ...]]
    unknown: tuple[UnknownOp, ...]
    op_count: int
    problems: tuple[str, ...]
    parts: tuple[Path, ...] = ()  # every folder of a resumed training, oldest first

    @property
    def training_id(self) -> str | None:
        """The id yaml-hooks gave the training (the same in every part of a resumed one)."""
        value = self.fields.get(RUN_ID_FIELD)
        return value if isinstance(value, str) else None

    @property
    def run_id(self) -> str | None:
        """The containerId from metadata.json, if any."""
        value = self.metadata.get("containerId")
        return value if isinstance(value, str) else None

    @property
    def client(self) -> str | None:
        """The client that wrote the run, with its version."""
        version = self.metadata.get("neptuneClientVersion")
        return f"neptune {version}" if version else None

    @property
    def failed(self) -> bool:
        """The client marked the run failed (an exception ended the script)."""
        return self.fields.get("sys/failed") is True

    def series_kind(self, key: str) -> SeriesKind | None:
        """Kind of the series at ``key`` (None if absent or empty)."""
        points = self.series.get(key, ())
        return points[0].kind if points else None

    def float_series(self) -> dict[str, tuple[Point, ...]]:
        """Only the float series, for metric consumers."""
        return {k: v for k, v in self.series.items() if v and v[0].kind == "float"}


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
    runs = [p for p in root.iterdir() if _is_run_dir(p)]
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


def _training_id(run_dir: Path, max_lines: int = 2000) -> str | None:
    """The yaml_hooks/run_id a run wrote (among its first operations), without decoding the log."""
    files = _data_files(run_dir)
    if not files:
        return None
    try:
        with files[0].open("r", encoding="utf-8", errors="replace") as handle:
            for _, line in zip(range(max_lines), handle, strict=False):
                if _RUN_ID_PATH not in line.replace(" ", ""):
                    continue
                try:
                    op = json.loads(line).get("obj", {})
                except (ValueError, AttributeError):
                    continue
                if op.get("path") == RUN_ID_FIELD.split("/") and isinstance(op.get("value"), str):
                    return str(op["value"])
    except OSError:
        return None
    return None


def _is_run_dir(path: Path) -> bool:
    if not path.is_dir():
        return False
    if not (path / "metadata.json").is_file() and not _data_files(path):
        return False
    # Offline folders of models/projects share the layout; skip them.
    prefix = path.name.split("__", 1)[0] if "__" in path.name else "run"
    ctype = _load_metadata(path).get("containerType", "run")
    return prefix == "run" and ctype == "run"


def _created_sort_key(path: Path) -> datetime:
    parsed = parse_iso(_load_metadata(path).get("createdAt"))
    if parsed is not None:
        return parsed
    # No usable createdAt (run killed before metadata was written): the
    # folder's mtime is the best remaining guess of its age.
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    except OSError:
        return datetime.min.replace(tzinfo=timezone.utc)


def parse_iso(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Mixing naive and aware datetimes would make sorting raise.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _load_metadata(run_dir: Path) -> dict[str, object]:
    try:
        data = json.loads((run_dir / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}


def _data_files(run_dir: Path) -> list[Path]:
    """``data-N.log`` files in numeric order of N (data-2 before data-10)."""
    found: list[tuple[int, Path]] = []
    try:
        entries = list(run_dir.iterdir())
    except OSError:
        return []
    for entry in entries:
        match = _DATA_FILE.match(entry.name)
        if match and entry.is_file():
            found.append((int(match.group(1)), entry))
    return [p for _, p in sorted(found)]


# --------------------------------------------------------------------------
# Decoding


def _iter_objects(run_dir: Path, problems: list[str]) -> Iterator[dict[str, object]]:
    """Yield each operation dict, recording (not raising on) bad lines."""
    decoder = json.JSONDecoder(strict=False)
    files = _data_files(run_dir)
    for index, data_file in enumerate(files):
        is_last_file = index == len(files) - 1
        try:
            handle = data_file.open("r", encoding="utf-8", errors="replace", newline="\n")
        except OSError as exc:
            problems.append(f"{data_file.name}: cannot open ({exc.strerror})")
            continue
        with handle:
            for lineno, line in enumerate(handle, 1):
                text = line.strip()
                if not text:
                    continue
                where = f"{data_file.name}:{lineno}"
                # A last line without "\n" is the client mid-write, not damage.
                partial = is_last_file and not line.endswith("\n")
                yield from _decode_line(decoder, text, where, partial, problems)


def _decode_line(
    decoder: json.JSONDecoder, text: str, where: str, partial: bool, problems: list[str]
) -> Iterator[dict[str, object]]:
    pos = 0
    # Neptune's own reader accepts several objects per line; so do we.
    while pos < len(text):
        try:
            value, end = decoder.raw_decode(text, pos)
        except ValueError:
            reason = "incomplete last line (run still being written?)" if partial else "not valid JSON"
            problems.append(f"{where}: {reason}")
            return
        pos = end
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if not isinstance(value, dict):
            problems.append(f"{where}: not a JSON object")
            continue
        # Entries are {"obj": op, ...}; accept a bare op dict as well.
        op = value.get("obj", value if "type" in value else None)
        if not isinstance(op, dict):
            problems.append(f"{where}: entry without an operation")
            continue
        if not isinstance(op.get("type"), str):
            problems.append(f"{where}: operation without a type")
            continue
        yield op


def _key(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, (list, tuple)):
        return "/".join(str(part) for part in raw)
    return ""


def _number(raw: object) -> float | None:
    # bool is an int subclass but never a meaningful step/value here.
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    return None


def _opt_str(raw: object) -> str | None:
    return raw if isinstance(raw, str) else None


def _point_value(kind: SeriesKind, raw: object) -> float | str | ImageRef | None:
    if kind == "float":
        return _number(raw)
    if kind == "string":
        return None if raw is None else raw if isinstance(raw, str) else str(raw)
    # Images are {"data", "name", "description"}; old clients wrote a bare str.
    data, name, description = raw, None, None
    if isinstance(raw, dict):
        data, name, description = raw.get("data"), raw.get("name"), raw.get("description")
    if not isinstance(data, str):
        return None
    return ImageRef(_opt_str(name), _opt_str(description), _b64_size(data))


def _b64_size(data: str) -> int:
    try:
        return len(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError):
        return 0


def _file_ref(run_dir: Path, op: Mapping[str, object]) -> FileRef:
    ext = _opt_str(op.get("ext")) or ""
    location: Path | None = None
    tmp_name = op.get("tmp_file_name")
    file_path = op.get("file_path")
    if isinstance(tmp_name, str) and tmp_name:
        location = run_dir / "upload_path" / tmp_name
    elif isinstance(file_path, str) and file_path:
        location = Path(file_path)
    if location is None or not location.is_file():
        return FileRef(location, ext or _suffix(location), False, None)
    try:
        size: int | None = location.stat().st_size
    except OSError:
        size = None
    return FileRef(location, ext or _suffix(location), True, size)


def _suffix(path: Path | None) -> str:
    return path.suffix.lstrip(".") if path is not None else ""


class _State:
    """Mutable accumulator; frozen into a RunLog once all lines are read."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.series: dict[str, list[Point]] = {}
        self.fields: dict[str, object] = {}
        self.files: dict[str, FileRef] = {}
        self.file_sets: dict[str, list[str]] = {}
        self.string_sets: dict[str, set[str]] = {}
        self.unknown: list[UnknownOp] = []
        self.problems: list[str] = []
        self.op_count = 0
        self.part_keys: set[str] | None = None  # in a later part: the series it has logged so far

    def apply(self, op: Mapping[str, object]) -> None:
        op_type = str(op.get("type"))
        key = _key(op.get("path"))
        self.op_count += 1
        if op_type in _ASSIGN_PLAIN:
            if "value" in op:
                self.fields[key] = op["value"]
            else:
                self.problems.append(f"{op_type} {key or '(no path)'}: no value")
        elif op_type == "AssignDatetime":
            millis = _number(op.get("value"))
            # Stored as epoch milliseconds; keep the raw value if it is not a number.
            when = None if millis is None else datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
            self.fields[key] = op.get("value") if when is None else when
        elif op_type in _SERIES_KINDS:
            self._log(key, _SERIES_KINDS[op_type], op.get("values"))
        elif op_type in _CLEAR_SERIES:
            self.series.pop(key, None)
        elif op_type in ("AddStrings", "RemoveStrings"):
            values = op.get("values")
            strings = {str(v) for v in values} if isinstance(values, list) else set()
            current = self.string_sets.setdefault(key, set())
            if op_type == "AddStrings":
                current |= strings
            else:
                current -= strings
        elif op_type == "ClearStringSet":
            self.string_sets[key] = set()
        elif op_type == "UploadFile":
            self.files[key] = _file_ref(self.run_dir, op)
        elif op_type == "UploadFileContent":
            content = op.get("file_content")
            size = _b64_size(content) if isinstance(content, str) else None
            self.files[key] = FileRef(None, _opt_str(op.get("ext")) or "", size is not None, size)
        elif op_type == "UploadFileSet":
            self._file_set(key, op)
        elif op_type == "DeleteAttribute":
            for mapping in (self.series, self.fields, self.files, self.file_sets, self.string_sets):
                mapping.pop(key, None)
        elif op_type not in _IGNORED:
            self.unknown.append(UnknownOp(op_type, key))

    def _log(self, key: str, kind: SeriesKind, values: object) -> None:
        if not isinstance(values, list):
            self.problems.append(f"{key or '(no path)'}: log operation without values")
            return
        points = self.series.setdefault(key, [])
        if self.part_keys is not None and key not in self.part_keys:
            self.part_keys.add(key)
            first = next((_number(v.get("step")) for v in values if isinstance(v, dict)), None)
            if first is not None:  # the later part's points replace the earlier's from there on
                points[:] = [p for p in points if p.step is None or p.step < first]
        if points and points[0].kind != kind:
            # Neptune forbids mixing types on one path; if a log does it
            # anyway, the newer type replaces the series like an assignment.
            points.clear()
        bad = 0
        for item in values:
            raw = item if isinstance(item, dict) else {}
            value = _point_value(kind, raw.get("value"))
            if value is None:
                bad += 1
                continue
            points.append(Point(_number(raw.get("step")), value, _number(raw.get("ts")), kind))
        if bad:
            self.problems.append(f"{key or '(no path)'}: {bad} unreadable {kind} value(s) skipped")
        if not points:
            del self.series[key]

    def _file_set(self, key: str, op: Mapping[str, object]) -> None:
        globs = op.get("file_globs")
        new = [str(g) for g in globs] if isinstance(globs, list) else []
        # The client writes reset as the string "True"/"False".
        reset = op.get("reset") in (True, "True", "true")
        current = [] if reset else self.file_sets.get(key, [])
        self.file_sets[key] = current + [g for g in new if g not in current]

    def problems_capped(self) -> tuple[str, ...]:
        if len(self.problems) <= _MAX_PROBLEMS:
            return tuple(self.problems)
        extra = len(self.problems) - _MAX_PROBLEMS
        return (*self.problems[:_MAX_PROBLEMS], f"... {extra} more problem(s) not listed")


def read_run(path: Path | Sequence[Path]) -> RunLog:
    """Decode one run folder, or the folders of one resumed training (oldest first) as one run:
    a later part continues the earlier ones, and where it logs a series again from some step on
    (an epoch that was cut short), its points replace theirs from that step. Bad lines become
    ``problems``, never exceptions.

    Raises FileNotFoundError only if a folder is not a directory.
    """
    parts = (Path(path),) if isinstance(path, (str, os.PathLike)) else tuple(Path(p) for p in path)
    if not parts:
        raise FileNotFoundError("no run folder given")
    for part in parts:
        if not part.is_dir():
            raise FileNotFoundError(f"not a Neptune run folder: {part}")
    run_dir = parts[0]
    state = _State(run_dir)
    for part in parts:
        state.run_dir = part
        state.part_keys = set() if part is not run_dir else None
        for op in _iter_objects(part, state.problems):
            state.apply(op)
    metadata = _load_metadata(run_dir)
    if not metadata:
        state.problems.append("metadata.json missing or unreadable")
    name = state.fields.get("sys/name")
    return RunLog(
        path=run_dir,
        metadata=metadata,
        created=_opt_str(metadata.get("createdAt")),
        name=name if isinstance(name, str) else None,
        tags=tuple(sorted(state.string_sets.get("sys/tags", set()))),
        series={k: tuple(v) for k, v in state.series.items()},
        fields=dict(state.fields),
        files=dict(state.files),
        file_sets={k: tuple(v) for k, v in state.file_sets.items()},
        string_sets={k: tuple(sorted(v)) for k, v in state.string_sets.items()},
        unknown=tuple(state.unknown),
        op_count=state.op_count,
        problems=state.problems_capped(),
        parts=parts,
    )


# --------------------------------------------------------------------------
# Summaries


def namespaces(keys: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Group keys by first path segment, both sorted.

    Keys without a "/" belong to no namespace and are grouped under "".
    """
    groups: dict[str, list[str]] = {}
    for key in keys:
        head = key.split("/", 1)[0] if "/" in key else ""
        groups.setdefault(head, []).append(key)
    return {ns: tuple(sorted(groups[ns])) for ns in sorted(groups)}


def data_dir(given: Path | None) -> Path:
    """Where Neptune writes offline runs when the command names no folder: its own default."""
    if given is not None:
        return given
    return Path(os.environ.get("NEPTUNE_DATA_DIRECTORY") or ".neptune")


def no_runs_message(where: Path) -> str:
    looked = [where / "offline", where / ".neptune" / "offline", where]
    return (
        f"hooks: no Neptune offline run found in {where} (looked in {', '.join(str(p) for p in looked)}).\n"
        "A training logs offline runs under $NEPTUNE_DATA_DIRECTORY, else under .neptune/ of the folder it "
        "ran in; name that folder, e.g. `hooks runs demo-work` for the demo."
    )
