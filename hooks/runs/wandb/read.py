"""W&B offline runs as the run model, read from their ``.wandb`` logs (``log.py``) without syncing.

* A store is a ``wandb/`` folder, a folder holding one (what WANDB_DIR names), or one run folder
  (``offline-run-<time>-<id>``, or ``run-<time>-<id>`` of an online run). The folders of one run id
  (a resumed training: W&B writes a folder per part) are one run, oldest first.
* History rows → series: each key's points at the value of its step metric in the row (the
  ``define_metric`` record that names it, e.g. ``epoch`` or ``batch``; W&B's ``_step`` for a key
  with none), ``_timestamp`` as time. Step metrics and W&B's own keys (``_step``, ``_runtime`` …)
  are not series. Numbers and booleans are float series, text string series; an image is a file
  (``files/<its path>``, the last one logged under that key); other media are listed as unknown.
* Config → fields, a mapping's keys joined by '/' (W&B's own ``_wandb`` left out); yaml-hooks'
  ``yaml_hooks`` key is the training id and part (``yaml_hooks/run_id``).
* Summary → fields under ``wandb/summary/``; the run's group, job type and notes under ``wandb/``
  (a system namespace); project, entity, host and W&B's version in ``metadata``.
* Artifacts → files: each file of an artifact the W&B sink logged under its field path (its
  metadata's ``yaml_hooks_path``), others under ``wandb/artifacts/<name>/<file>``; the bytes are the
  copy W&B staged (its data folder's ``artifacts/staging``, kept until `wandb sync` uploads them).
  The run folder's own files (``files/``: requirements, output.log …) → ``wandb/files/<name>``.
* System metrics (``stats`` records) → float series under ``wandb/system/`` without a step.
* Status: the last part's exit record: exit code 0 → finished, else failed; none → running while a
  process holds its log open (Linux's /proc; elsewhere: written in the last ``RECENT_SECONDS``),
  else killed (the process died before W&B could finish the run).

``roots`` are the run's folders, W&B's staging folder on this machine and the folders the user
trusts (``--trust DIR``): a run from someone else names files by absolute paths, and none outside
them is read (the rule of ``hooks.runs.neptune.files``: below a root, no hidden component or link
below it, a regular file); one that is refused is a file that does not exist, and a problem says why.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

from ...core.untrusted import Untrusted, loads, shown
from ...sinks.wandb.writer import held_open
from ..model import TRAINING_ID_FIELD, FileRef, Run, Status, UnknownOp
from ..neptune.files import checked_files
from ..series import Column
from .log import Scan, scan

__all__ = ["MAX_ENTRIES", "RECENT_SECONDS", "find_runs", "read_run", "run_folders", "run_name", "staging_folder"]

RECENT_SECONDS: Final = 600.0
MAX_ENTRIES: Final = 100_000  # folder entries looked at in a store, or in a run's files/
_PREFIXES: Final = ("offline-run-", "run-")
_OWN_KEYS: Final = ("_step", "_runtime", "_timestamp", "_wandb")
# Records that say nothing the run model holds (W&B's own bookkeeping): not listed as unknown.
_QUIET: Final = frozenset(
    {"header", "footer", "telemetry", "environment", "request", "final", "preempting", "output", "output_raw"}
)
_IMAGE: Final = "image-file"


@dataclass
class _Part:
    folder: Path
    run_id: str
    log: Path


def _parse_folder(folder: Path) -> tuple[str, str] | None:
    """(time, run id) of a run folder's name, or None."""
    for prefix in _PREFIXES:
        if folder.name.startswith(prefix):
            stamp, _, run_id = folder.name[len(prefix) :].partition("-")
            if stamp and run_id:
                return stamp, run_id
    return None


def _part(folder: Path) -> _Part | None:
    parsed = _parse_folder(folder)
    if parsed is None or folder.is_symlink() or not folder.is_dir():
        return None
    log = folder / f"run-{parsed[1]}.wandb"
    if log.is_symlink() or not log.is_file():
        return None
    return _Part(folder, parsed[1], log)


def run_folders(where: Path) -> list[Path]:
    """The run folders of a store: ``where`` itself when it is one, else those in it or in its
    ``wandb/`` folder (no link followed), oldest first."""
    if _part(where) is not None:
        return [where]
    found: list[tuple[str, Path]] = []
    for base in (where / "wandb", where):
        if base.is_symlink() or not base.is_dir():
            continue
        try:
            with os.scandir(base) as entries:
                for n, entry in enumerate(entries):
                    if n >= MAX_ENTRIES:
                        break
                    parsed = _parse_folder(Path(entry.name))
                    if parsed is not None and entry.is_dir(follow_symlinks=False):
                        found.append((parsed[0], Path(entry.path)))
        except OSError:
            continue
        if found:
            break
    return [p for _, p in sorted(found) if _part(p) is not None]


def find_runs(where: Path) -> list[tuple[Path, ...]]:
    """The runs of a store, newest first: each the folders of one run id, oldest first."""
    groups: dict[str, list[Path]] = {}
    for folder in run_folders(where):
        parsed = _parse_folder(folder)
        if parsed is not None:
            groups.setdefault(parsed[1], []).append(folder)
    runs = [tuple(folders) for folders in groups.values()]
    runs.sort(key=lambda parts: _parse_folder(parts[-1]) or ("", ""), reverse=True)
    return runs


def staging_folder() -> Path:
    """Where W&B stages the copies of artifact files on this machine (until `wandb sync`)."""
    data = os.environ.get("WANDB_DATA_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "wandb"
    )
    return Path(data) / "artifacts" / "staging"


@dataclass
class _State:
    """What the records of a run's parts add up to."""

    series: dict[str, Column] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    step_metrics: dict[str, str] = field(default_factory=dict)  # key -> its step metric
    globs: list[tuple[str, str]] = field(default_factory=list)  # (glob, step metric)
    files: dict[str, FileRef] = field(default_factory=dict)
    unknown: dict[tuple[str, str], None] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    exit_code: int | None = None
    spans: list[tuple[float, float] | None] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    records: int = 0


def read_run(parts: tuple[Path, ...], *, trusted: tuple[Path, ...] = ()) -> Run:
    """The run whose folders are ``parts`` (oldest first), read whole. ``trusted``: folders, besides
    the run's roots, whose files it may name (`--trust DIR`)."""
    state = _State()
    for folder in parts:
        part = _part(folder)
        if part is None:
            state.problems.append(f"{shown(folder)}: not a W&B run folder (no run-<id>.wandb in it); not read")
            continue
        _read_part(part, state)
        _run_files(folder, state)
    last = _part(parts[-1]) if parts else None
    status: Status
    if state.exit_code is not None:
        status = "finished" if state.exit_code == 0 else "failed"
    elif last is not None and _writer_alive(last.log):
        status = "running"
    else:
        status = "killed"
    fields: dict[str, object] = {}
    _flatten("", {k: v for k, v in state.config.items() if k != "_wandb"}, fields)
    for key, value in sorted(state.summary.items()):
        if not key.startswith("_") and not isinstance(value, dict):
            fields[f"wandb/summary/{key}"] = value
    for key in ("group", "job_type", "notes"):
        if state.info.get(key):
            fields[f"wandb/{key}"] = state.info[key]
    if not isinstance(fields.get(TRAINING_ID_FIELD), str):
        fields.pop(TRAINING_ID_FIELD, None)
    # A file the run names is read only below its roots (``hooks.runs.neptune.files``' rule, which
    # is every local reader's): a run from someone else may name any path in its records.
    roots = tuple(dict.fromkeys([*(Path(os.path.abspath(p)) for p in parts), staging_folder(), *trusted]))
    files, refused = checked_files(state.files, roots)
    start = state.info.get("start")
    keys = ("project", "entity", "host", "version", "group", "job_type")
    metadata: dict[str, object] = {k: state.info[k] for k in keys if k in state.info}
    return Run(
        tracker="wandb",
        id=state.info.get("run_id") or (parts and (_parse_folder(parts[-1]) or ("", None))[1]) or None,
        location=str(parts[-1]) if parts else "",
        created=datetime.fromtimestamp(start, tz=timezone.utc).isoformat() if isinstance(start, float) else None,
        name=state.info.get("name") or None,
        tags=tuple(state.info.get("tags", ())),
        series={k: c.freeze() for k, c in sorted(state.series.items())},
        fields=fields,
        files=files,
        status=status,
        metadata=metadata,
        unknown=tuple(UnknownOp(t, p) for t, p in state.unknown),
        op_count=state.records,
        problems=(*state.problems, *refused),
        parts=tuple(parts),
        spans=tuple(state.spans),
        client=f"wandb {state.info['version']}" if state.info.get("version") else "wandb",
        roots=roots,
    )


def run_name(folder: Path) -> str | None:
    """The run's name from its first part's run record (read no further than that record)."""
    part = _part(folder)
    if part is None:
        return None
    found = Scan(part.log)
    for record in scan(part.log, found):
        if record.WhichOneof("record_type") == "run":
            return str(record.run.display_name) or None
    return None


def _read_part(part: _Part, state: _State) -> None:
    found = Scan(part.log)
    first: float | None = None
    last: float | None = None
    for record in scan(part.log, found):
        kind = record.WhichOneof("record_type")
        try:
            stamp = _record(kind, getattr(record, kind) if kind else None, part, state)
        except (Untrusted, ValueError, TypeError, OverflowError) as e:
            found.problem(f"a {kind} record: {e}; passed over")
            continue
        if stamp is not None:
            first = stamp if first is None else min(first, stamp)
            last = stamp if last is None else max(last, stamp)
    state.records += found.records
    state.problems += found.problems
    state.spans.append((first, last) if first is not None and last is not None else None)


def _value(text: str) -> Any:
    return loads(text) if text else None


def _key(item: Any) -> list[str]:
    return list(item.nested_key) if len(item.nested_key) else [item.key]


def _set(target: dict[str, Any], keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        nested = target.get(key)
        if not isinstance(nested, dict):
            nested = target[key] = {}
        target = nested
    target[keys[-1]] = value


def _record(kind: str | None, body: Any, part: _Part, state: _State) -> float | None:
    """Adds one record to ``state``; returns its time when it has one."""
    if kind == "run":
        info = state.info
        info.setdefault("run_id", str(body.run_id))
        for key, attr in (("name", "display_name"), ("group", "run_group"), ("notes", "notes")):
            if getattr(body, attr):
                info[key] = str(getattr(body, attr))
        for key in ("project", "entity", "job_type", "host"):
            if getattr(body, key):
                info[key] = str(getattr(body, key))
        if len(body.tags):
            info["tags"] = [str(t) for t in body.tags]
        for item in body.config.update:
            _set(state.config, _key(item), _value(item.value_json))
        start = body.start_time.seconds + body.start_time.nanos / 1e9 if body.HasField("start_time") else None
        info.setdefault("start", start)
        if body.HasField("telemetry") and body.telemetry.cli_version:
            info["version"] = str(body.telemetry.cli_version)
        return start
    if kind == "config":
        for item in body.update:
            _set(state.config, _key(item), _value(item.value_json))
        for item in body.remove:
            state.config.pop(_key(item)[0], None)
        return None
    if kind == "summary":
        for item in body.update:
            _set(state.summary, _key(item), _value(item.value_json))
        return None
    if kind == "metric":
        if body.step_metric:
            if body.name:
                state.step_metrics[str(body.name)] = str(body.step_metric)
            elif body.glob_name:
                state.globs.append((str(body.glob_name), str(body.step_metric)))
        return None
    if kind == "history":
        return _history(body, part, state)
    if kind == "stats":
        stamp = body.timestamp.seconds + body.timestamp.nanos / 1e9 if body.HasField("timestamp") else None
        for item in body.item:
            value = _value(item.value_json)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                _column(state, f"wandb/system/{item.key}", "float").append(None, float(value), stamp)
        return stamp
    if kind == "artifact":
        _artifact(body, state)
        return None
    if kind == "exit":
        state.exit_code = int(body.exit_code)
        return None
    if kind in ("files", "metric", "summary") or kind in _QUIET:
        return None
    state.unknown.setdefault((kind or "unset", ""), None)
    return None


def _column(state: _State, key: str, kind: Any) -> Column:
    column = state.series.get(key)
    if column is None:
        column = state.series[key] = Column(kind)
    return column


def _step_metric(state: _State, key: str) -> str | None:
    metric = state.step_metrics.get(key)
    if metric is None and state.globs:
        import fnmatch

        metric = next((m for g, m in state.globs if fnmatch.fnmatchcase(key, g)), None)
        state.step_metrics[key] = metric or ""
    return metric or None


def _history(body: Any, part: _Part, state: _State) -> float | None:
    row: dict[str, Any] = {}
    for item in body.item:
        _set(row, _key(item), _value(item.value_json))
    stamp = row.get("_timestamp")
    ts = float(stamp) if isinstance(stamp, (int, float)) else None
    axes = set(state.step_metrics.values())
    for key, value in row.items():
        if key in _OWN_KEYS or key in axes:
            continue
        metric = _step_metric(state, key)
        step_value = row.get(metric) if metric else row.get("_step")
        step = float(step_value) if isinstance(step_value, (int, float)) else None
        if isinstance(value, bool) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            _column(state, key, "float").append(step, float(value), ts)
        elif isinstance(value, str):
            _column(state, key, "string").append(step, value, ts)
        elif isinstance(value, dict) and value.get("_type") == _IMAGE and isinstance(value.get("path"), str):
            state.files[key] = _media(part.folder, value)
        elif value is not None:
            kind = value.get("_type") if isinstance(value, dict) else type(value).__name__
            state.unknown.setdefault((f"history:{kind}", key), None)
    return ts


def _media(folder: Path, value: dict[str, Any]) -> FileRef:
    """An image the row names, in the run's ``files/`` folder (a path with '..' or absolute: not
    read, named as missing)."""
    rel = str(value["path"])
    size = value.get("size")
    ext = Path(rel).suffix.lstrip(".")
    plain = not os.path.isabs(rel) and ".." not in rel.replace("\\", "/").split("/")
    path = folder / "files" / rel if plain else None
    exists = path is not None and not path.is_symlink() and path.is_file()
    return FileRef(path, ext, exists, int(size) if isinstance(size, int) else None)


def _artifact(body: Any, state: _State) -> None:
    try:
        meta = json.loads(body.metadata) if body.metadata else {}
    except ValueError:
        meta = {}
    own = meta.get("yaml_hooks_path") if isinstance(meta, dict) else None
    entries = list(body.manifest.contents)
    for entry in entries:
        key = str(own) if isinstance(own, str) and len(entries) == 1 else f"wandb/artifacts/{body.name}/{entry.path}"
        local = Path(entry.local_path) if entry.local_path else None
        exists = local is not None and not local.is_symlink() and local.is_file()
        state.files[key] = FileRef(local, Path(str(entry.path)).suffix.lstrip("."), exists, int(entry.size))


def _run_files(folder: Path, state: _State) -> None:
    """The regular files of the run's ``files/`` folder but its media (no link followed, bounded)."""
    root = folder / "files"
    for rel, path, size in _walk(root, ()):
        if rel[0] != "media":
            state.files[f"wandb/files/{'/'.join(rel)}"] = FileRef(path, path.suffix.lstrip("."), True, size)


def _walk(
    folder: Path, rel: tuple[str, ...], budget: list[int] | None = None
) -> Iterator[tuple[tuple[str, ...], Path, int]]:
    budget = [MAX_ENTRIES] if budget is None else budget
    if folder.is_symlink() or not folder.is_dir():
        return
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        budget[0] -= 1
        if budget[0] < 0:
            return
        if entry.is_symlink():
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), (*rel, entry.name), budget)
        elif entry.is_file(follow_symlinks=False):
            yield (*rel, entry.name), Path(entry.path), entry.stat(follow_symlinks=False).st_size


def _flatten(prefix: str, value: Any, out: dict[str, object]) -> None:
    if isinstance(value, dict) and (value or not prefix):
        for key, inner in value.items():
            _flatten(f"{prefix}/{key}" if prefix else str(key), inner, out)
    else:
        out[prefix] = value


def _writer_alive(log: Path, now: float | None = None) -> bool:
    """Whether a process holds the run's log open (W&B's service does until the run finishes); where
    /proc cannot say, whether the log was written in the last RECENT_SECONDS."""
    held = held_open(log)
    if held is not None:
        return held
    try:
        written = log.stat().st_mtime
    except OSError:
        return False
    return (time.time() if now is None else now) - written < RECENT_SECONDS
