"""Replay a Neptune offline run into MLflow: what `hooks export --to mlflow` does.

Neptune's hosted service is gone, so its offline runs can no longer be synced; this moves one (all
the parts of a resumed training, as `hooks runs` joins them) into one MLflow run. Two stages:
``plan_export`` turns a ``RunLog`` into plain values (no MLflow needed); ``export_run`` writes
them. Names go through ``names.py``, so an exported run looks like one the MLflow sink logged.

- Float series → metrics with their steps (a point without a step takes the previous step + 1, as
  Neptune numbers them; MLflow steps are whole numbers, so a fractional step is rounded down and
  said so) and their timestamps (Neptune's seconds → milliseconds; a point without one takes the
  run's start).
- String series (captured stdout/stderr …) → one text artifact each, ``<field>.txt``, the points'
  text one after the other (MLflow has no string series; their steps and times are not kept).
- Image series → not exported, said so: the run reader keeps no image bytes.
- Fields → params, text of at most 6000 characters; a longer value is cut (ending in "…") and kept
  whole in the artifact ``params/<field>.txt``. Fields of Neptune's and yaml-hooks' own namespaces
  (``sys/``, ``monitoring/``, ``source_code/``, ``yaml_hooks/``) → tags (longer than 8000: the
  same, under ``tags/``). ``sys/name`` names the run, ``sys/description`` is its MLflow
  description, each of ``sys/tags`` is a tag with an empty value.
- Files → artifacts at ``names.artifact_path``; file sets → their files under the field's folder.
  A file whose bytes are not there any more is listed in ``missing``, never an error.
- The run: named by ``sys/name``, started when the Neptune run was created, ended at its last
  point, FINISHED (FAILED when Neptune marked it failed).
- Two Neptune names that become one MLflow name keep apart: the later one gets ``_2`` (noted).
- Once: the MLflow run carries ``EXPORT_TAG`` (the Neptune run id), set after everything else
  was written; an experiment that holds a run with it is not written to again (``force`` exports
  anew, then deletes the earlier run). A failed export deletes its half-written run.
"""

from __future__ import annotations

import contextlib
import glob
import io
import math
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar, final

from ...errors import HooksError
from ..neptune.runlog import SYSTEM_NAMESPACES, Point, RunLog, parse_iso
from .names import MAX_KEY, MAX_PARAM_VALUE, MAX_TAG_VALUE, artifact_path, flatten, key, text
from .sender import artifact_location, unreachable

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Run

_T = TypeVar("_T")

__all__ = [
    "DEFAULT_EXPERIMENT",
    "EXPORT_TAG",
    "INSTALL_HINT",
    "PARTS_TAG",
    "ExportError",
    "ExportPlan",
    "ExportResult",
    "MetricPoint",
    "MissingFile",
    "export_run",
    "neptune_id",
    "plan_export",
]

EXPORT_TAG: Final = "yaml_hooks.neptune_run"  # the Neptune run an MLflow run was exported from
PARTS_TAG: Final = "yaml_hooks.neptune_parts"  # how many folders (parts of a resumed training) it joined
DEFAULT_EXPERIMENT: Final = "neptune-export"  # offline runs do not record their Neptune project
INSTALL_HINT: Final = "pip install 'yaml-hooks[mlflow]'"

_DESCRIPTION_TAG: Final = "mlflow.note.content"  # what the MLflow UI shows as a run's description
_RUN_NAME_TAG: Final = "mlflow.runName"
# The MLflow UI opens an experiment of this kind on its training view (metrics, params, artifacts), not
# its GenAI view (traces, evaluations); set on the experiments an export creates.
_KIND_TAG: Final = "mlflow.experimentKind"
_KIND: Final = "custom_model_development"
_METRICS_PER_BATCH: Final = 1000  # mlflow.utils.validation.MAX_METRICS_PER_BATCH
_PARAMS_TAGS_PER_BATCH: Final = 100  # MAX_PARAMS_TAGS_PER_BATCH
_CUT: Final = "…"
_PROBE_S: Final = 10.0


class ExportError(HooksError):
    """The export could not be done (no mlflow, an unreachable or refusing server); a run it had
    begun to write is deleted."""


@final
@dataclass(frozen=True, slots=True)
class MissingFile:
    """A file the Neptune run uploaded whose bytes could not be exported."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field} ({self.reason})"


@final
@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One point of an MLflow metric."""

    key: str
    value: float
    timestamp: int  # ms
    step: int


@final
@dataclass(frozen=True, slots=True)
class ExportPlan:
    """Everything one MLflow run will hold, as plain values."""

    neptune_run: str
    parts: int
    run_name: str | None
    start_ms: int | None
    end_ms: int | None
    status: str
    metrics: tuple[MetricPoint, ...]
    params: tuple[tuple[str, str], ...]
    tags: tuple[tuple[str, str], ...]
    texts: tuple[tuple[str, str], ...]  # (artifact path, content)
    files: tuple[tuple[str, Path], ...]  # (artifact path, local file)
    series: int
    points: int
    missing: tuple[MissingFile, ...]
    notes: tuple[str, ...]


@final
@dataclass(frozen=True, slots=True)
class ExportResult:
    """What one export did. ``exported`` is False when the experiment held the run already
    (``mlflow_run_id`` is then that run's, and nothing was written)."""

    neptune_run: str
    mlflow_run_id: str
    experiment: str
    experiment_id: str
    tracking_uri: str
    exported: bool
    replaced: tuple[str, ...] = ()  # MLflow runs deleted by ``force``
    series: int = 0
    points: int = 0
    files: int = 0
    params: int = 0
    tags: int = 0
    missing: tuple[MissingFile, ...] = ()
    notes: tuple[str, ...] = ()


def neptune_id(run: RunLog) -> str:
    """The id an export is known by: the containerId of the run's first folder, else its name."""
    return run.run_id or run.path.name


# --------------------------------------------------------------------------
# Planning: RunLog → plain values


@dataclass
class _Plan:
    """The plan while it is drawn up; frozen into an ExportPlan at the end."""

    metrics: list[MetricPoint] = field(default_factory=list)
    params: list[tuple[str, str]] = field(default_factory=list)
    tags: list[tuple[str, str]] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, Path]] = field(default_factory=list)
    missing: list[MissingFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    series: int = 0
    points: int = 0
    run_name: str | None = None
    taken: dict[str, dict[str, str]] = field(default_factory=dict)  # kind → MLflow name → Neptune path

    def claim(self, kind: str, name: str, source: str) -> str:
        """``name`` for ``source``, or, when an earlier Neptune path took it, ``name_2`` (noted)."""
        taken = self.taken.setdefault(kind, {})
        unique, n = name, 1
        while unique in taken:
            n += 1
            unique = _numbered(name, n, artifact=kind == "artifact")
        if unique != name:
            self.notes.append(f"{kind} {source!r} and {taken[name]!r} both become {name!r} in MLflow: {unique!r}")
        taken[unique] = source
        return unique


def plan_export(run: RunLog) -> ExportPlan:
    """What the MLflow run of ``run`` will hold."""
    plan = _Plan()
    for reserved in (EXPORT_TAG, PARTS_TAG, _DESCRIPTION_TAG, _RUN_NAME_TAG):  # a Neptune tag may not overwrite them
        plan.claim("tag", reserved, "yaml-hooks")
    times = [p.ts for points in run.series.values() for p in points if p.ts is not None]
    created = parse_iso(run.created)
    start_ms = _ms(created.timestamp()) if created else (_ms(min(times)) if times else None)
    end_ms = max([*(_ms(t) for t in times), *([start_ms] if start_ms is not None else [])], default=None)
    _plan_series(plan, run, start_ms if start_ms is not None else _ms(time.time()))
    _plan_fields(plan, run)
    _plan_files(plan, run)
    if run.problems:
        plan.notes.append(f"the Neptune run was read with {len(run.problems)} problem(s) (`hooks report` lists them)")
    if run.unknown:
        kinds = ", ".join(sorted({op.type for op in run.unknown}))
        plan.notes.append(f"{len(run.unknown)} operation(s) yaml-hooks does not read were not exported: {kinds}")
    return ExportPlan(
        neptune_run=neptune_id(run),
        parts=max(len(run.parts), 1),
        run_name=plan.run_name,
        start_ms=start_ms,
        end_ms=end_ms,
        status="FAILED" if run.failed else "FINISHED",
        metrics=tuple(plan.metrics),
        params=tuple(plan.params),
        tags=tuple(plan.tags),
        texts=tuple(plan.texts),
        files=tuple(plan.files),
        series=plan.series,
        points=plan.points,
        missing=tuple(plan.missing),
        notes=tuple(plan.notes),
    )


def _plan_series(plan: _Plan, run: RunLog, default_ms: int) -> None:
    fractional = 0
    for path, points in run.series.items():
        kind = run.series_kind(path)
        if kind == "float":
            metrics, cut = _metric_points(plan.claim("metric", key(path), path), points, default_ms)
            plan.metrics += metrics
            fractional += cut
        elif kind == "string":
            where = plan.claim("artifact", _join(*artifact_path(path, ".txt")), path)
            plan.texts.append((where, "".join(_line(p.value) for p in points)))
        else:
            plan.notes.append(
                f"{path}: an image series ({len(points)} images) is not exported: the run reader keeps no image bytes"
            )
            continue
        plan.series += 1
        plan.points += len(points)
    if fractional:
        plan.notes.append(f"{fractional} point(s) had a fractional step; MLflow steps are whole numbers: rounded down")


def _plan_fields(plan: _Plan, run: RunLog) -> None:
    for path, value in _field_leaves(run):
        value_text = text(value)
        if path == "sys/name":
            plan.run_name = value_text[:MAX_TAG_VALUE] or None
            continue
        if path == "sys/description":
            if not value_text:
                continue
            kind, name = "tag", _DESCRIPTION_TAG
        else:
            kind = "tag" if path.split("/", 1)[0] in SYSTEM_NAMESPACES else "param"
            name = plan.claim(kind, key(path), path)
        limit = MAX_TAG_VALUE if kind == "tag" else MAX_PARAM_VALUE
        if len(value_text) > limit:
            where = plan.claim("artifact", _join(*artifact_path(f"{kind}s/{path}", ".txt")), path)
            plan.notes.append(
                f"{path}: {len(value_text)} characters, over MLflow's {limit}: cut, kept whole in {where}"
            )
            plan.texts.append((where, value_text))
            value_text = value_text[: limit - len(_CUT)] + _CUT
        (plan.tags if kind == "tag" else plan.params).append((name, value_text))
    for tag in run.tags:
        plan.tags.append((plan.claim("tag", key(tag), f"sys/tags {tag}"), ""))


def _plan_files(plan: _Plan, run: RunLog) -> None:
    for path, ref in run.files.items():
        if ref.file_path is None:
            inline = "its bytes are inside the Neptune log, which yaml-hooks does not read back"
            plan.missing.append(MissingFile(path, inline if ref.exists else "the upload recorded no file"))
        elif not ref.file_path.is_file():
            plan.missing.append(MissingFile(path, f"{ref.file_path} is not there any more"))
        else:
            where = _join(*artifact_path(path, f".{ref.ext}" if ref.ext else ""))
            plan.files.append((plan.claim("artifact", where, path), ref.file_path))
    for path, globs in run.file_sets.items():
        folder = _join(*artifact_path(path, ""))
        found, lost = _file_set(globs)
        plan.missing += [MissingFile(path, why) for why in lost]
        plan.files += [(plan.claim("artifact", _join(folder, rel), path), local) for rel, local in found]


def _numbered(name: str, n: int, *, artifact: bool) -> str:
    tail = f"_{n}"
    if not artifact:
        return name[: MAX_KEY - len(tail)] + tail
    folder, _, file = name.rpartition("/")
    stem, dot, ext = file.rpartition(".") if "." in file.lstrip(".") else (file, "", "")
    return _join(folder, f"{stem}{tail}{dot}{ext}")


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _line(value: object) -> str:
    line = value if isinstance(value, str) else str(value)
    return line if line.endswith("\n") else line + "\n"


def _metric_points(name: str, points: Sequence[Point], default_ms: int) -> tuple[list[MetricPoint], int]:
    out: list[MetricPoint] = []
    fractional = 0
    previous = -1.0
    for p in points:
        if not isinstance(p.value, (int, float)):
            continue
        step = previous + 1 if p.step is None else p.step
        previous = step
        whole = math.floor(step)
        fractional += whole != step
        out.append(MetricPoint(name, float(p.value), _ms(p.ts) if p.ts is not None else default_ms, whole))
    return out, fractional


def _field_leaves(run: RunLog) -> Iterator[tuple[str, object]]:
    for path, value in run.fields.items():
        yield from flatten(path, value)
    for path, values in run.string_sets.items():
        if path != "sys/tags":
            yield path, ",".join(values)


def _file_set(globs: Iterable[str]) -> tuple[list[tuple[str, Path]], list[str]]:
    """(relative name, file) for every file the globs match now, and why a glob yields nothing."""
    matched: list[Path] = []
    lost: list[str] = []
    for pattern in globs:
        if not os.path.isabs(pattern):
            lost.append(f"{pattern!r} is relative, and the folder it was relative to is not recorded")
            continue
        hits = [Path(p) for p in sorted(glob.glob(pattern, recursive=True))]
        files = [f for h in hits for f in ([h] if h.is_file() else sorted(x for x in h.rglob("*") if x.is_file()))]
        if not files:
            lost.append(f"{pattern} matches no file any more")
        matched += [f for f in files if f not in matched]
    if not matched:
        return [], lost
    root = Path(os.path.commonpath([str(f.parent) for f in matched]))
    return [(f.relative_to(root).as_posix(), f) for f in matched], lost


# --------------------------------------------------------------------------
# Writing


def export_run(
    run: RunLog,
    *,
    tracking_uri: str | None = None,
    experiment: str | None = None,
    force: bool = False,
) -> ExportResult:
    """Replay ``run`` into one MLflow run of ``experiment`` (default ``neptune-export``) at
    ``tracking_uri`` (default: $MLFLOW_TRACKING_URI, else MLflow's own default), unless the
    experiment holds it already; ``force`` exports it again and deletes the earlier run.

    Raises ExportError when mlflow is not installed or MLflow refuses; a half-written run is
    deleted first."""
    try:
        import mlflow
        from mlflow.exceptions import MlflowException
    except ImportError as e:
        raise ExportError(f"hooks: exporting to MLflow needs the mlflow package: {INSTALL_HINT}") from e
    uri = tracking_uri or mlflow.get_tracking_uri()
    why = unreachable(uri, _PROBE_S)
    if why is not None:
        raise ExportError(
            f"hooks: cannot reach MLflow at {uri} ({why}); is the server running, and is that its address? "
            "(--tracking-uri, else $MLFLOW_TRACKING_URI)"
        )
    plan = plan_export(run)
    name = experiment or DEFAULT_EXPERIMENT
    client = mlflow.MlflowClient(tracking_uri=uri)
    try:
        experiment_id = _experiment(client, name, uri)
        earlier = _exported(client, experiment_id, plan.neptune_run)
        if earlier and not force:
            first = earlier[0]
            notes: tuple[str, ...] = ()
            was = first.data.tags.get(PARTS_TAG, "1")
            if was.isdigit() and int(was) < plan.parts:
                notes = (f"it was exported with {was} part(s) and has {plan.parts} now; --force exports it again",)
            return ExportResult(plan.neptune_run, first.info.run_id, name, experiment_id, uri, False, notes=notes)
        run_id = _write(client, experiment_id, plan)
        replaced = tuple(r.info.run_id for r in earlier)
        for old in replaced:
            client.delete_run(old)
    except (MlflowException, OSError) as e:
        message = e.message if isinstance(e, MlflowException) else str(e)
        raise ExportError(f"hooks: MLflow at {uri}: {message}") from e
    return ExportResult(
        neptune_run=plan.neptune_run,
        mlflow_run_id=run_id,
        experiment=name,
        experiment_id=experiment_id,
        tracking_uri=uri,
        exported=True,
        replaced=replaced,
        series=plan.series,
        points=plan.points,
        files=len(plan.files),
        params=len(plan.params),
        tags=len(plan.tags),
        missing=plan.missing,
        notes=plan.notes,
    )


def _experiment(client: MlflowClient, name: str, uri: str) -> str:
    from mlflow.exceptions import MlflowException

    found = client.get_experiment_by_name(name)
    if found is None:
        try:
            return str(
                client.create_experiment(name, artifact_location=artifact_location(uri), tags={_KIND_TAG: _KIND})
            )
        except MlflowException:
            found = client.get_experiment_by_name(name)  # created meanwhile by someone else
            if found is None:
                raise
    if found.lifecycle_stage == "deleted":
        raise ExportError(
            f"hooks: the MLflow experiment {name!r} at {uri} is deleted; restore it "
            f"(`mlflow experiments restore --experiment-id {found.experiment_id}`) or name another with --experiment"
        )
    return str(found.experiment_id)


def _exported(client: MlflowClient, experiment_id: str, neptune_run: str) -> list[Run]:
    quote = "'" if "'" not in neptune_run else '"'
    query = f"tags.`{EXPORT_TAG}` = {quote}{neptune_run}{quote}"
    return list(client.search_runs([experiment_id], filter_string=query, max_results=100))


def _write(client: MlflowClient, experiment_id: str, plan: ExportPlan) -> str:
    from mlflow.entities import Metric, Param, RunTag

    created = client.create_run(experiment_id, start_time=plan.start_ms, run_name=plan.run_name)
    run_id = created.info.run_id
    try:
        for metrics in _chunks(plan.metrics, _METRICS_PER_BATCH):
            entities = [Metric(m.key, m.value, m.timestamp, m.step) for m in metrics]
            client.log_batch(run_id, metrics=entities, synchronous=True)
        for pairs in _chunks(plan.params, _PARAMS_TAGS_PER_BATCH):
            client.log_batch(run_id, params=[Param(k, v) for k, v in pairs], synchronous=True)
        for pairs in _chunks((*plan.tags, (PARTS_TAG, str(plan.parts))), _PARAMS_TAGS_PER_BATCH):
            client.log_batch(run_id, tags=[RunTag(k, v) for k, v in pairs], synchronous=True)
        if plan.texts or plan.files:
            with tempfile.TemporaryDirectory(prefix="hooks-export-") as staging:
                _stage(Path(staging), plan.texts, plan.files)
                client.log_artifacts(run_id, staging)
        # Last: only a complete run counts as exported.
        client.set_tag(run_id, EXPORT_TAG, plan.neptune_run)
        with contextlib.redirect_stdout(io.StringIO()):  # MLflow prints "View run …" to a server; ours say it
            client.set_terminated(run_id, plan.status, end_time=plan.end_ms)
    except BaseException:
        with contextlib.suppress(Exception):
            client.delete_run(run_id)
        raise
    return str(run_id)


def _stage(root: Path, texts: Iterable[tuple[str, str]], files: Iterable[tuple[str, Path]]) -> None:
    """The artifacts' tree: texts written, files linked (every artifact store reads through a link)."""
    for where, content in texts:
        dest = root / where
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(content, encoding="utf-8")
    for where, local in files:
        dest = root / where
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.symlink_to(local.resolve())


def _chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
