"""Decoding the operations of an offline run into a :class:`State` (the rules: ``read.py``'s docstring).

The data files are read as bytes, from a given offset, in complete lines, so that a reader that
cached its state can go on where it stopped. A ``LogFloats`` line exactly as the Neptune client
writes it (one point) is taken apart by one regular expression instead of the JSON decoder, which
is most of a long training's log; anything else, or anything that expression does not vouch for,
goes through ``json``.

The state holds only builtins and arrays (:meth:`State.dump`), so it can be cached and loaded
without trusting any class.

A run folder may come from someone else: its data files and metadata.json are read only as regular
files of the folder (never through a link, a named pipe or a device), metadata.json at most
``MAX_METADATA_BYTES``, a line at most ``MAX_LINE_BYTES``, and JSON nested at most
``MAX_JSON_DEPTH`` deep; past a bound, a problem names it. Files the run names by path are looked
at only under ``files.py``'s rule, when the run is read (:meth:`State.fresh_files`).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

from ...core.untrusted import MAX_JSON_DEPTH, Untrusted, depth_problem, open_regular, read_regular
from ...core.untrusted import loads as bounded_loads
from ..model import FileRef, UnknownOp
from ..series import Column, ImageRef, Series, SeriesKind
from .files import checked_files

__all__ = ["MAX_JSON_DEPTH", "MAX_LINE_BYTES", "MAX_METADATA_BYTES", "Feed", "State", "data_files", "load_metadata"]

MAX_METADATA_BYTES: Final = 1 << 20  # metadata.json: a few hundred bytes from the client
MAX_LINE_BYTES: Final = 256 << 20  # one operation; the client starts a new data file every 64 MiB
_ANY_SIZE: Final = 1 << 62  # a data file is read as a stream, line by line: its size is not bounded

_DATA_FILE = re.compile(r"^data-(\d+)\.log$")
MAX_PROBLEMS = 100
SERIES_KINDS: dict[str, SeriesKind] = {"LogFloats": "float", "LogStrings": "string", "LogImages": "image"}
_CLEAR_SERIES = frozenset({"ClearFloatLog", "ClearStringLog", "ClearImageLog"})
_ASSIGN_PLAIN = frozenset({"AssignString", "AssignInt", "AssignFloat", "AssignBool"})
_IGNORED = frozenset({"ConfigFloatSeries"})

# One point of a float series, as json.dumps writes the client's operation. A number here is what
# float() then checks; NaN, infinities, null values or several points take the JSON way.
_NUM = rb"-?[0-9][0-9.eE+-]*"
_FAST_FLOAT = re.compile(
    rb'\{"obj": \{"type": "LogFloats", "path": (\[[^\]]*\]), "values": \[\{"value": ('
    + _NUM
    + rb'), "step": ('
    + _NUM
    + rb'|null), "ts": ('
    + _NUM
    + rb'|null)\}\]\}, "version": [0-9]+, "at": ('
    + _NUM
    + rb")\}"
)
_CHUNK = 8 << 20


def data_files(run_dir: Path) -> list[Path]:
    """``data-N.log`` files in numeric order of N (data-2 before data-10)."""
    found: list[tuple[int, Path]] = []
    try:
        with os.scandir(run_dir) as listing:
            entries = list(listing)
    except OSError:
        return []
    for entry in entries:
        match = _DATA_FILE.match(entry.name)
        if match and entry.is_file(follow_symlinks=False):  # a link is never read: it leads elsewhere
            found.append((int(match.group(1)), run_dir / entry.name))
    return [p for _, p in sorted(found)]


def load_metadata(run_dir: Path) -> dict[str, object]:
    """A run folder's metadata.json ({} when missing or unreadable: a link, not a regular file,
    over MAX_METADATA_BYTES, nested deeper than MAX_JSON_DEPTH)."""
    try:
        data = bounded_loads(read_regular(run_dir / "metadata.json", MAX_METADATA_BYTES))
    except (OSError, ValueError, Untrusted):
        return {}
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}


def _key(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, (list, tuple)):
        return "/".join(str(part) for part in raw)
    return ""


def number(raw: object) -> float | None:
    # bool is an int subclass but never a meaningful step/value here.
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    return None


def opt_str(raw: object) -> str | None:
    return raw if isinstance(raw, str) else None


def _point_value(kind: SeriesKind, raw: object) -> float | str | ImageRef | None:
    if kind == "float":
        return number(raw)
    if kind == "string":
        return None if raw is None else raw if isinstance(raw, str) else str(raw)
    # Images are {"data", "name", "description"}; old clients wrote a bare str.
    data, name, description = raw, None, None
    if isinstance(raw, dict):
        data, name, description = raw.get("data"), raw.get("name"), raw.get("description")
    if not isinstance(data, str):
        return None
    return ImageRef(opt_str(name), opt_str(description), _b64_size(data))


def _b64_size(data: str) -> int:
    try:
        return len(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError):
        return 0


def _upload_ref(run_dir: Path, op: Mapping[str, object]) -> FileRef:
    """Where an upload's bytes are, as the run names them; nothing on disk is looked at until the
    run is read (:meth:`State.fresh_files`, under ``files.py``'s rule)."""
    ext = opt_str(op.get("ext")) or ""
    location: Path | None = None
    tmp_name = op.get("tmp_file_name")
    file_path = op.get("file_path")
    if isinstance(tmp_name, str) and tmp_name:
        location = Path(os.path.abspath(run_dir)) / "upload_path" / tmp_name
    elif isinstance(file_path, str) and file_path:
        location = Path(file_path)
    return FileRef(location, ext or _suffix(location), False, None)


def _suffix(path: Path | None) -> str:
    return path.suffix.lstrip(".") if path is not None else ""


@dataclass
class Feed:
    """What one pass over a data file read: up to where (``offset``, ``lines``: complete lines
    only) and the last line if it had no newline yet (``pending``, not applied)."""

    offset: int
    lines: int
    pending: bytes = b""


class State:
    """What the operations read so far add up to; frozen into a Run by ``read.py``."""

    def __init__(self) -> None:
        self.run_dir = Path()
        self.part = -1  # index of the folder being read, in a resumed training's parts
        self.part_keys: set[str] | None = None  # in a later part: the series it has logged so far
        self.series: dict[str, Column] = {}
        self.fields: dict[str, object] = {}
        self.files: dict[str, FileRef] = {}
        self.file_sets: dict[str, list[str]] = {}
        self.string_sets: dict[str, set[str]] = {}
        self.unknown: list[UnknownOp] = []
        self.problems: list[str] = []
        self.op_count = 0
        self.spans: list[list[float]] = []  # per part: "at" of its first and last operation
        self._fast: dict[bytes, Column] = {}  # raw JSON path -> its float column, while nothing else changed

    # ----------------------------------------------------------------------------------- reading
    def begin_part(self, index: int, run_dir: Path) -> None:
        self.part, self.run_dir = index, run_dir
        self.part_keys = None if index == 0 else set()
        self._fast.clear()
        while len(self.spans) <= index:
            self.spans.append([])

    def feed(self, data_file: Path, offset: int, lines: int, *, last: bool, apply_partial: bool) -> Feed:
        """Apply the complete lines of ``data_file`` from byte ``offset`` on (``lines`` lines were
        read before it). A last line without a newline in the part's ``last`` file is the client
        mid-write: applied only with ``apply_partial``, else returned as ``pending``."""
        try:
            handle = os.fdopen(open_regular(data_file, _ANY_SIZE), "rb")
        except (OSError, Untrusted) as exc:
            why = str(exc) if isinstance(exc, Untrusted) else f"cannot open ({exc.strerror})"
            self.problems.append(f"{data_file.name}: {why}")
            return Feed(offset, lines)
        skipping = False  # in a line over MAX_LINE_BYTES: its bytes are dropped up to its newline
        with handle:
            handle.seek(offset)
            rest = b""
            while True:
                chunk = handle.read(_CHUNK)
                if not chunk:
                    break
                if skipping:
                    newline = chunk.find(b"\n")
                    if newline < 0:
                        continue
                    skipping = False
                    chunk = chunk[newline + 1 :]
                    lines += 1
                    offset = handle.tell() - len(chunk)
                buffer = rest + chunk
                parts = buffer.split(b"\n")
                rest = parts.pop()
                self._lines(parts, data_file.name, lines)
                lines += len(parts)
                offset += len(buffer) - len(rest)
                if len(rest) > MAX_LINE_BYTES:
                    self.problems.append(
                        f"{data_file.name}:{lines + 1}: a line over the limit of {MAX_LINE_BYTES} bytes; skipped"
                    )
                    skipping, rest = True, b""
        if skipping:  # the long line has no end yet: read from its start again next time
            return Feed(offset, lines)
        if not rest:
            return Feed(offset, lines)
        if not last or apply_partial:
            self.apply_line(rest, f"{data_file.name}:{lines + 1}", partial=last)
            return Feed(offset + len(rest), lines + 1)
        return Feed(offset, lines, rest)

    def apply_line(self, line: bytes, where: str, *, partial: bool) -> None:
        """One line through the JSON decoder (a partial one: the client mid-write)."""
        text = line.decode("utf-8", errors="replace").strip()
        if text:
            self._fast.clear()
            for op, at in _decode_line(text, where, partial, self.problems):
                self.apply(op, at)

    def _lines(self, lines: list[bytes], name: str, before: int) -> None:
        fast, known = _FAST_FLOAT.fullmatch, self._fast
        span = self.spans[self.part]
        for index, line in enumerate(lines):
            match = fast(line)
            if match is not None:
                raw_path, raw_value, raw_step, raw_ts, raw_at = match.groups()
                try:
                    value, at = float(raw_value), float(raw_at)
                    step = None if raw_step == b"null" else float(raw_step)
                    ts = None if raw_ts == b"null" else float(raw_ts)
                except ValueError:
                    pass
                else:
                    column = known.get(raw_path)
                    if column is None:
                        column = self._first_fast(raw_path)
                    if column is not None:
                        if step is None or ts is None or column.step_none is not None or column.ts_none is not None:
                            column.append(step, value, ts)
                        else:  # Column.append without the call: most of a long training's lines
                            column.steps.append(step)
                            column.values.append(value)
                            column.ts.append(ts)
                        self.op_count += 1
                        if span:
                            span[1] = at
                        else:
                            span[:] = [at, at]
                        continue
            self.apply_line(line, f"{name}:{before + index + 1}", partial=False)

    def _first_fast(self, raw_path: bytes) -> Column | None:
        """The column a fast line of this path appends to, after the checks ``_log`` makes for a
        path's first point in this part; None: let the JSON decoder take the line."""
        try:
            path = json.loads(raw_path) if raw_path.count(b"[") == 1 else None
        except ValueError:
            return None
        if not isinstance(path, list):
            return None
        key = _key(path)
        column = self.series.get(key)
        if column is None or column.kind != "float" or (self.part_keys is not None and key not in self.part_keys):
            return None
        self._fast[raw_path] = column
        return column

    # ---------------------------------------------------------------------------------- applying
    def apply(self, op: Mapping[str, object], at: float | None = None) -> None:
        op_type = str(op.get("type"))
        key = _key(op.get("path"))
        self.op_count += 1
        if at is not None and self.part >= 0:
            span = self.spans[self.part]
            span[:] = [span[0] if span else at, at]
        if op_type in _ASSIGN_PLAIN:
            if "value" in op:
                self.fields[key] = op["value"]
            else:
                self.problems.append(f"{op_type} {key or '(no path)'}: no value")
        elif op_type == "AssignDatetime":
            millis = number(op.get("value"))
            # Stored as epoch milliseconds; keep the raw value if it is not a number.
            when = None if millis is None else datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
            self.fields[key] = op.get("value") if when is None else when
        elif op_type in SERIES_KINDS:
            self._log(key, SERIES_KINDS[op_type], op.get("values"))
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
            self.files[key] = _upload_ref(self.run_dir, op)
        elif op_type == "UploadFileContent":
            content = op.get("file_content")
            size = _b64_size(content) if isinstance(content, str) else None
            self.files[key] = FileRef(None, opt_str(op.get("ext")) or "", size is not None, size)
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
        column = self.series.get(key)
        if self.part_keys is not None and key not in self.part_keys:
            self.part_keys.add(key)
            first = next((number(v.get("step")) for v in values if isinstance(v, dict)), None)
            if column is not None and first is not None:
                # the later part's points replace the earlier's from there on
                column.keep_before(first)
        if column is not None and column.kind != kind:
            # Neptune forbids mixing types on one path; if a log does it
            # anyway, the newer type replaces the series like an assignment.
            column = None
        if column is None:
            column = Column(kind)
        bad = 0
        for item in values:
            raw = item if isinstance(item, dict) else {}
            value = _point_value(kind, raw.get("value"))
            if value is None:
                bad += 1
                continue
            column.append(number(raw.get("step")), value, number(raw.get("ts")))
        if bad:
            self.problems.append(f"{key or '(no path)'}: {bad} unreadable {kind} value(s) skipped")
        if column:
            self.series[key] = column
        else:
            self.series.pop(key, None)

    def _file_set(self, key: str, op: Mapping[str, object]) -> None:
        globs = op.get("file_globs")
        new = [str(g) for g in globs] if isinstance(globs, list) else []
        # The client writes reset as the string "True"/"False".
        reset = op.get("reset") in (True, "True", "true")
        current = [] if reset else self.file_sets.get(key, [])
        self.file_sets[key] = current + [g for g in new if g not in current]

    # ---------------------------------------------------------------------------------- results
    def frozen_series(self) -> dict[str, Series]:
        return {key: column.freeze() for key, column in self.series.items()}

    def fresh_files(self, roots: Sequence[Path]) -> tuple[dict[str, FileRef], list[str]]:
        """The uploads, each file looked at on disk again (it may be gone since it was logged), only
        under ``files.py``'s rule for ``roots``; and a problem for each file refused."""
        return checked_files(self.files, roots)

    def problems_capped(self, extra: list[str]) -> tuple[str, ...]:
        problems = self.problems + extra
        if len(problems) <= MAX_PROBLEMS:
            return tuple(problems)
        more = len(problems) - MAX_PROBLEMS
        return (*problems[:MAX_PROBLEMS], f"... {more} more problem(s) not listed")

    # ------------------------------------------------------------------------------------ cache
    def dump(self) -> dict[str, object]:
        """Builtins and arrays only: what the cache stores."""
        return {
            "run_dir": str(self.run_dir),
            "part": self.part,
            "part_keys": None if self.part_keys is None else sorted(self.part_keys),
            "series": {key: column.dump() for key, column in self.series.items()},
            "fields": self.fields,
            "files": {
                key: (None if r.file_path is None else str(r.file_path), r.ext, r.exists, r.size)
                for key, r in self.files.items()
            },
            "file_sets": self.file_sets,
            "string_sets": {key: sorted(v) for key, v in self.string_sets.items()},
            "unknown": [(u.type, u.path) for u in self.unknown],
            "problems": self.problems,
            "op_count": self.op_count,
            "spans": self.spans,
        }

    @classmethod
    def load(cls, dumped: Mapping[str, Any]) -> State:
        """The inverse of :meth:`dump`; raises (KeyError, TypeError, ValueError) on anything else."""
        state = cls()
        state.run_dir = Path(dumped["run_dir"])
        state.part = int(dumped["part"])
        keys = dumped["part_keys"]
        state.part_keys = None if keys is None else {str(k) for k in keys}
        state.series = {str(k): Column.load(v) for k, v in dumped["series"].items()}
        state.fields = dict(dumped["fields"])
        state.files = {
            str(k): FileRef(None if p is None else Path(p), str(ext), bool(exists), size)
            for k, (p, ext, exists, size) in dumped["files"].items()
        }
        state.file_sets = {str(k): [str(g) for g in v] for k, v in dumped["file_sets"].items()}
        state.string_sets = {str(k): {str(s) for s in v} for k, v in dumped["string_sets"].items()}
        state.unknown = [UnknownOp(str(t), str(p)) for t, p in dumped["unknown"]]
        state.problems = [str(p) for p in dumped["problems"]]
        state.op_count = int(dumped["op_count"])
        state.spans = [[float(t) for t in span] for span in dumped["spans"]]
        if len(state.spans) != state.part + 1:
            raise ValueError("spans do not match the parts read")
        return state


def _decode_line(
    text: str, where: str, partial: bool, problems: list[str]
) -> Iterator[tuple[dict[str, Any], float | None]]:
    """Each operation of one line with its entry's ``at``, recording (not raising on) bad ones."""
    decoder = _DECODER
    pos = 0
    deep = depth_problem(text)
    if deep is not None:
        problems.append(f"{where}: {deep}; not read")
        return
    # Neptune's own reader accepts several objects per line; so do we.
    while pos < len(text):
        try:
            value, end = decoder.raw_decode(text, pos)
        except RecursionError:  # pragma: no cover - refused above
            problems.append(f"{where}: nested deeper than the limit of {MAX_JSON_DEPTH} levels; not read")
            return
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
        yield op, number(value.get("at"))


_DECODER = json.JSONDecoder(strict=False)
