"""TensorBoard log folders as the run model, read with TensorBoard's own ``EventAccumulator``.

* A store is a folder (``--logdir DIR``); its runs are the folders below it (itself included)
  that hold event files (``*tfevents*``), as ``tensorboard --logdir`` shows them; newest first
  (by the time in the oldest event file's name). Hidden folders and links are not entered, and
  the walk is bounded (``untrusted.MAX_GLOB_ENTRIES`` entries, ``MAX_DEPTH`` levels).
* A run is one folder; its event files are read in name order (the writer's start time first;
  a resumed training wrote a new file into the same folder). Only regular files, not links, of
  at most ``MAX_FILE`` bytes each, ``MAX_FILES`` of them: a folder may come from someone else.
* Scalars (float tensors of the scalars plugin, which yaml-hooks' sink writes in float64, and
  the float32 ``simple_value`` Ultralytics' own callback writes) → float series, each point at
  its step, with its wall time.
* Text summaries → fields: the latest written per tag; yaml-hooks' sink marks a value that is not
  text as JSON (``fields.JSON_DESCRIPTION``), decoded back here. Its own fields ``yaml_hooks/…``
  (the training id, the part, the status) are the system namespace every reader fills.
* Images → files: a tag written at one step is the file ``<tag>``, at several ``<tag>/step_<N>``
  each (the report shows a slider); the bytes stay in memory and are written to the cache folder
  (``cache.default_dir()/tensorboard``), or without a cache a temporary folder removed at exit,
  when first asked for.
* Hyperparameters (the hparams plugin) are what the text fields hold already: not read again.
  Histograms, audio and other tensors are listed as ``unknown``.
* Status: ``yaml_hooks/status`` "finished" or "failed"; "running" while the process named in the
  newest event file's name (``…tfevents.<time>.<host>.<pid>…``) is alive on this machine (written
  on another: a write in the last ``RECENT_SECONDS``), else killed; no status: ended (Ultralytics'
  own callback records no end).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any, Final, final

from ...core.untrusted import MAX_GLOB_ENTRIES
from ...sinks.tensorboard.fields import JSON_DESCRIPTION, STATUS_TAG
from .. import cache as _cache
from ..model import TRAINING_ID_FIELD, FileRef, Run, Status, UnknownOp
from ..overview import Overview, overview_of
from ..reader import RunRef, Store
from ..series import Column

__all__ = ["MAX_DEPTH", "MAX_FILE", "MAX_FILES", "RECENT_SECONDS", "TensorBoardReader", "event_files", "run_of"]

MAX_FILE: Final = 1 << 30  # bytes of one event file read at most
MAX_FILES: Final = 1_000  # event files of one folder read at most
MAX_DEPTH: Final = 8  # folder levels below a store looked in
RECENT_SECONDS: Final = 600.0
_HPARAMS_PREFIX: Final = "_hparams_/"
_SIGNATURES: Final = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8", "jpg"),
    (b"GIF8", "gif"),
    (b"BM", "bmp"),
)
_temp: list[Path] = []


def _is_event_file(name: str) -> bool:
    return "tfevents" in name and not name.startswith(".")


def event_files(folder: Path) -> tuple[list[Path], list[str]]:
    """The event files of ``folder`` to read, in name order, and why others are not read."""
    files: list[Path] = []
    problems: list[str] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as e:
        return [], [f"{folder}: {e.strerror or e}"]
    for entry in entries:
        if not _is_event_file(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            problems.append(f"{entry.name}: not a regular file (a link?); not read")
        elif info.st_size > MAX_FILE:
            problems.append(f"{entry.name}: {info.st_size:,} bytes, over {MAX_FILE:,}; not read")
        elif len(files) >= MAX_FILES:
            problems.append(f"{entry.name}: past {MAX_FILES} event files; not read")
        else:
            files.append(folder / entry.name)
    return files, problems


def _started(name: str) -> float | None:
    """The writer's start time from an event file's name (``events.out.tfevents.<time>.…``)."""
    bits = name.split("tfevents.", 1)[-1].split(".")
    return float(bits[0]) if bits and bits[0].isdigit() else None


def _writer(name: str) -> tuple[str, int] | None:
    """(host, pid) from an event file's name ``events.out.tfevents.<time>.<host>.<pid>.<n>…``."""
    bits = name.split("tfevents.", 1)[-1].split(".")
    pids = [i for i in range(2, len(bits)) if bits[i].isdigit()]
    if len(bits) < 4 or not pids:
        return None
    # The host name may hold dots: it is everything between the time and the pid.
    at = pids[0] if len(pids) == 1 else pids[-2]
    return ".".join(bits[1:at]), int(bits[at])


def _walk(root: Path) -> Iterator[Path]:
    """The folders below ``root`` (itself first) that hold an event file (the module's docstring)."""
    seen = 0
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        seen += len(entries)
        if any(_is_event_file(e.name) and e.is_file(follow_symlinks=False) for e in entries):
            yield folder
        if depth < MAX_DEPTH:
            for e in sorted(entries, key=lambda e: e.name, reverse=True):
                if not e.name.startswith(".") and e.is_dir(follow_symlinks=False):
                    stack.append((folder / e.name, depth + 1))
        if seen > MAX_GLOB_ENTRIES:
            return


def _iso(secs: float | None) -> str | None:
    return None if secs is None else datetime.fromtimestamp(secs, tz=timezone.utc).isoformat()


def _ref(store: Store, folder: Path, root: Path) -> RunRef:
    files, _ = event_files(folder)
    starts = [s for s in (_started(f.name) for f in files) if s is not None]
    rel = folder.relative_to(root).as_posix() if folder != root else folder.name
    return RunRef(
        store=store,
        key=str(folder),
        id=None,
        aliases=tuple(dict.fromkeys((folder.name, rel))),
        parts=(folder,),
        created=_iso(min(starts)) if starts else None,
        name=folder.name,
    )


def _newest_write(folder: Path) -> float:
    files, _ = event_files(folder)
    times = []
    for file in files:
        with contextlib.suppress(OSError):
            times.append(file.stat(follow_symlinks=False).st_mtime)
    return max(times, default=0.0)


def _ext(data: bytes) -> str:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return next((ext for magic, ext in _SIGNATURES if data.startswith(magic)), "")


def _write(data: bytes, ext: str, folder: Path | None) -> Path | None:
    """The image's bytes as a file of the cache folder (the module's docstring)."""
    if folder is None:
        if not _temp:
            _temp.append(Path(tempfile.mkdtemp(prefix="yaml-hooks-tensorboard-")))
            atexit.register(shutil.rmtree, _temp[0], True)
        where = _temp[0]
    else:
        where = folder / "tensorboard"
    local = where / f"{hashlib.sha256(data).hexdigest()[:32]}.{ext or 'bin'}"
    try:
        if not (local.is_file() and not local.is_symlink() and local.stat().st_size == len(data)):
            where.mkdir(parents=True, exist_ok=True)
            tmp = local.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, local)
        else:
            with contextlib.suppress(OSError):
                os.utime(local)
    except OSError:
        return None
    return local


def _text(tensor: Any, description: str) -> object:
    from tensorboard.util import tensor_util  # type: ignore[import-untyped,import-not-found,unused-ignore]

    array = tensor_util.make_ndarray(tensor)
    raw = array.item() if array.size == 1 else b"\n".join(array.flatten().tolist())
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if description == JSON_DESCRIPTION:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _status(fields: dict[str, object], files: list[Path], now: float) -> Status:
    value = fields.get(STATUS_TAG)
    if value == "failed":
        return "failed"
    if value == "finished":
        return "finished"
    newest = files[-1] if files else None
    if newest is not None:
        writer = _writer(newest.name)
        if writer is not None and writer[0] == socket.gethostname():
            try:
                os.kill(writer[1], 0)
                return "running"
            except PermissionError:
                return "running"
            except OSError:
                pass
        else:
            with contextlib.suppress(OSError):
                if now - newest.stat().st_mtime < RECENT_SECONDS:
                    return "running"
    return "killed" if value is not None else "ended"


def run_of(folder: Path, *, cache: bool | Path = False) -> Run:
    """The run of the log folder ``folder``, read whole (the module's docstring)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from tensorboard.util import tensor_util  # type: ignore[import-untyped,import-not-found,unused-ignore]

    cache_dir = None if cache is False else _cache.default_dir() if cache is True else Path(cache)
    files, problems = event_files(folder)
    columns: dict[str, Column] = {}
    fields: dict[str, object] = {}
    images: dict[str, list[tuple[int, bytes]]] = {}
    unknown: dict[tuple[str, str], None] = {}
    spans: list[tuple[float, float] | None] = []
    count = 0
    everything = {"scalars": 0, "tensors": 0, "images": 0, "histograms": 0, "audio": 0, "distributions": 0}
    for file in files:
        accumulator = EventAccumulator(str(file), size_guidance=everything)
        try:
            accumulator.Reload()
        except Exception as e:  # a truncated or foreign file: what was read before it stands
            problems.append(f"{file.name}: {type(e).__name__}: {e}")
            continue
        tags = accumulator.Tags()
        times: list[float] = []
        for tag in tags.get("scalars", ()):
            column = columns.setdefault(tag, Column("float"))
            for event in accumulator.Scalars(tag):
                column.append(float(event.step), float(event.value), event.wall_time)
                times.append(event.wall_time)
                count += 1
        for tag in tags.get("tensors", ()):
            if tag.startswith(_HPARAMS_PREFIX):
                continue
            metadata = accumulator.SummaryMetadata(tag)
            plugin = metadata.plugin_data.plugin_name
            events = accumulator.Tensors(tag)
            count += len(events)
            times.extend(e.wall_time for e in events)
            if plugin == "text":
                for event in events:
                    fields[tag] = _text(event.tensor_proto, metadata.summary_description)
            elif plugin == "scalars":
                column = columns.setdefault(tag, Column("float"))
                for event in events:
                    column.append(
                        float(event.step), float(tensor_util.make_ndarray(event.tensor_proto).item()), event.wall_time
                    )
            else:
                unknown[(plugin or "tensor", tag)] = None
        for tag in tags.get("images", ()):
            for event in accumulator.Images(tag):
                images.setdefault(tag, []).append((event.step, event.encoded_image_string))
                times.append(event.wall_time)
                count += 1
        for kind in ("histograms", "audio"):
            for tag in tags.get(kind, ()):
                unknown[(kind, tag)] = None
        spans.append((min(times), max(times)) if times else None)
    refs: dict[str, FileRef] = {}
    for tag, shots in images.items():
        for step, data in shots:
            key = tag if len(shots) == 1 else f"{tag}/step_{step}"
            ext = _ext(data)
            refs[key] = FileRef(None, ext, True, len(data), fetch=partial(_write, data, ext, cache_dir))
    starts = [s[0] for s in spans if s is not None]
    training = fields.get(TRAINING_ID_FIELD)
    return Run(
        tracker="tensorboard",
        id=training if isinstance(training, str) else None,
        location=str(folder),
        created=_iso(min(starts)) if starts else None,
        name=folder.name,
        tags=(),
        series={key: column.freeze() for key, column in sorted(columns.items())},
        fields=fields,
        files=refs,
        status=_status(fields, files, time.time()),
        metadata={"event_files": [f.name for f in files]},
        unknown=tuple(UnknownOp(kind, tag) for kind, tag in unknown),
        op_count=count,
        problems=tuple(problems),
        parts=(folder,),
        spans=tuple(spans),
        client="tensorboard event files",
        roots=(folder,),
    )


@final
class TensorBoardReader:
    """TensorBoard log folders (see the module's docstring)."""

    name: Final = "tensorboard"
    title: Final = "TensorBoard run"

    def find(self, store: Store) -> list[RunRef]:
        root = Path(store.where)
        if not root.is_dir() or root.is_symlink():
            return []
        refs = [_ref(store, folder, root) for folder in _walk(root)]
        # The names' times are whole seconds: the newest write breaks a tie.
        refs.sort(key=lambda r: (r.created or "", _newest_write(Path(r.key))), reverse=True)
        return refs

    def at(self, folder: Path) -> list[RunRef]:
        return self.find(Store(self.name, str(folder)))

    def run_name(self, ref: RunRef) -> str | None:
        return ref.name

    def read(self, ref: RunRef, *, cache: bool | Path = False) -> Run:
        return run_of(Path(ref.key), cache=cache)

    def overview(self, ref: RunRef, *, cache: bool | Path = False) -> Overview:
        return overview_of(self.read(ref, cache=cache))

    def series_key(self, key: str) -> str:
        return key

    def no_runs_message(self, store: Store) -> str:
        return (
            f"hooks: no TensorBoard event files in {store.shown} or the folders below it.\n"
            "A training writes them with `sink: {tensorboard: {}}` in its config (into its run folder)."
        )
