"""The run model every reader fills, whatever tracker wrote the run.

A :class:`Run` is what `hooks report` shows and `hooks export` replays: series (columns of
:class:`~hooks.runs.series.Point`: step, value, time), fields (assigned values, keyed "a/b/c"),
files (:class:`FileRef`: where the bytes are), the parts of a resumed training, its status and the
tracker's id, name, creation time and tags. An :class:`~hooks.runs.overview.Overview` is the small
summary `hooks runs` lists.

What only some trackers have is kept as a neutral concept that every reader may fill, empty where
its tracker has no such thing, rather than in a per-tracker ``extra`` mapping: a typed field the
report and the export can use without knowing the tracker beats an untyped bag each consumer must
look into by tracker name, and each of them has a plain meaning a later reader can fill:

* ``metadata``: the tracker's own description of the run, as it gave it (Neptune's metadata.json;
  MLflow's run info: experiment, artifact URI, lifecycle stage; a W&B run's ``wandb-metadata``);
* ``file_sets``: files named by globs, not uploaded (Neptune's ``upload_files``);
* ``string_sets``: sets of strings (Neptune's ``sys/tags`` and ``add``-ed sets);
* ``unknown``: records the reader does not model (a Neptune operation type, a TensorBoard
  histogram, a W&B record type), listed so that nothing disappears silently;
* ``op_count``: how many records the reader decoded (Neptune operations, TensorBoard events,
  W&B records; a server's run: its metric points, params and tags).

``parts`` are the local folders a run was read from (a resumed Neptune training's folders, oldest
first; a TensorBoard log folder; a W&B offline run folder); a run read from a server has none, and
``location`` says where it was read instead. ``spans`` are, per part (or once for a server's run),
when it started and last wrote: the duration is their sum. ``roots`` are the local folders the
run's files may be read from (a Neptune run: the folder that holds its data folder, its own
folders, and any the user trusts; the first is the one relative names are relative to): a run may
come from someone else, and what it names outside them is never read (``hooks.runs.replay``
expands a file set only below them). A run read from a server, or built by hand, has none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Final, Literal

from .series import ImageRef, Point, Series, SeriesKind

__all__ = [
    "KIND_ORDER",
    "STATUSES",
    "SYSTEM_NAMESPACES",
    "TRAINING_ID_FIELD",
    "FileRef",
    "ImageRef",
    "Point",
    "Run",
    "Series",
    "SeriesKind",
    "Status",
    "UnknownOp",
    "namespaces",
    "parse_iso",
]

Status = Literal["running", "failed", "killed", "ended", "finished"]
# The order of `hooks runs --sort status`: what needs a look first.
STATUSES: Final[tuple[Status, ...]] = ("running", "failed", "killed", "ended", "finished")

# Namespaces a tracker or yaml-hooks fills by itself, hidden from summaries by default: Neptune's
# (sys, source_code, monitoring), MLflow's own tags (mlflow.* → mlflow/…), and yaml-hooks' (the
# training id, part and status its sinks write).
SYSTEM_NAMESPACES: Final[frozenset[str]] = frozenset(
    {"sys", "source_code", "monitoring", "mlflow", "yaml_hooks", "wandb"}  # wandb: a W&B run's summary, files, system
)

KIND_ORDER: Final[tuple[SeriesKind, ...]] = ("float", "string", "image")

# The field every reader puts yaml-hooks' training id in (Neptune's ``yaml_hooks/run_id`` field,
# MLflow's ``yaml_hooks.run_id`` tag): the same in every part of a resumed training.
TRAINING_ID_FIELD: Final = "yaml_hooks/run_id"
PART_FIELD: Final = "yaml_hooks/part"  # which part of a resumed training wrote last


@dataclass(frozen=True)
class FileRef:
    """Where a file's bytes are, as the run was read.

    ``file_path``: a local path to them (None for bytes inline in a Neptune log, ``exists`` True,
    or when the upload named no location, ``exists`` False). ``source``: where the tracker keeps
    them when they are not local yet (an MLflow artifact's URI); ``fetch`` then brings them into a
    local folder on demand (:meth:`local`), so that reading a run downloads nothing.
    """

    file_path: Path | None
    ext: str
    exists: bool
    size: int | None
    source: str | None = None
    fetch: Callable[[], Path | None] | None = field(default=None, compare=False, repr=False)

    def local(self) -> Path | None:
        """A local path to the bytes: ``file_path``, else fetched now (None: not to be had, or
        over the reader's size bound)."""
        if self.file_path is not None:
            return self.file_path
        return self.fetch() if self.fetch is not None and self.exists else None


@dataclass(frozen=True)
class UnknownOp:
    """A record the reader does not model, kept for visibility (``type``: its kind, ``path``: its key)."""

    type: str
    path: str


@dataclass(frozen=True)
class Run:
    """One run, read whole (mappings are keyed by "a/b/c"); the module's docstring says what each
    field holds for each tracker."""

    tracker: str  # "neptune", "mlflow", …: the reader's name in hooks.runs.registry
    id: str | None  # the tracker's run id
    location: str  # where it was read: a folder, or a tracking URI (credentials masked) and the run
    created: str | None  # ISO 8601
    name: str | None
    tags: tuple[str, ...]
    series: dict[str, Series]
    fields: dict[str, object]
    files: dict[str, FileRef]
    status: Status = "ended"
    metadata: Mapping[str, object] = field(default_factory=dict)
    file_sets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    string_sets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unknown: tuple[UnknownOp, ...] = ()
    op_count: int = 0
    problems: tuple[str, ...] = ()
    parts: tuple[Path, ...] = ()
    spans: tuple[tuple[float, float] | None, ...] = ()
    client: str | None = None  # what wrote the run, with its version ("neptune 1.14.0")
    roots: tuple[Path, ...] = ()  # the folders its files may be read from (the module's docstring)

    @property
    def path(self) -> Path | None:
        """The first local folder of the run (None for a run read from a server)."""
        return self.parts[0] if self.parts else None

    @property
    def run_id(self) -> str | None:
        """The tracker's run id (``id``; the name RunLog gave it)."""
        return self.id

    @property
    def short_id(self) -> str:
        """What `hooks runs` shows as the id: its first 8 characters (a folder's name without one)."""
        return (self.id or (self.parts[0].name if self.parts else self.location))[:8]

    @property
    def part_count(self) -> int:
        """How many parts the training was written in: its folders, or for a run read from a
        server, the part yaml-hooks' sink recorded last (``yaml_hooks/part``: an MLflow run that a
        resumed training continued)."""
        if self.parts:
            return len(self.parts)
        recorded = self.fields.get(PART_FIELD)
        try:
            part = int(recorded) if isinstance(recorded, (int, str)) else 1
        except ValueError:
            part = 1
        return max(part, 1)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def training_id(self) -> str | None:
        """The id yaml-hooks gave the training (the same in every part of a resumed one)."""
        value = self.fields.get(TRAINING_ID_FIELD)
        return value if isinstance(value, str) else None

    @property
    def duration(self) -> float | None:
        """Seconds between the first and last write of each part, added up (None: unknown)."""
        spans = [span[1] - span[0] for span in self.spans if span is not None]
        return sum(spans) if spans else None

    def series_kind(self, key: str) -> SeriesKind | None:
        """Kind of the series at ``key`` (None if absent or empty)."""
        points = self.series.get(key, ())
        return points[0].kind if points else None

    def float_series(self) -> dict[str, Series]:
        """Only the float series, for metric consumers."""
        return {k: v for k, v in self.series.items() if v and v[0].kind == "float"}


def namespaces(keys: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Group keys by first path segment, both sorted.

    Keys without a "/" belong to no namespace and are grouped under "".
    """
    groups: dict[str, list[str]] = {}
    for key in keys:
        head = key.split("/", 1)[0] if "/" in key else ""
        groups.setdefault(head, []).append(key)
    return {ns: tuple(sorted(groups[ns])) for ns in sorted(groups)}


def parse_iso(value: object) -> datetime | None:
    """An ISO 8601 time, timezone-aware (UTC when it names none); None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Mixing naive and aware datetimes would make sorting raise.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
