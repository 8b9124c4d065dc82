"""MLflow as a replay target: what `hooks export RUN --to mlflow` writes a run into.

The driver (``hooks.runs.replay``) hands a read run to :class:`MlflowTarget` through the Sink
protocol; this module decides how MLflow holds it, so that an exported run looks like one the
MLflow sink logged (names go through ``names.py``). The sink buffers every call and writes one
MLflow run at ``stop()``, so a replay that fails half-way has written nothing, and one that fails
while writing deletes the run it began.

- Float series → metrics with their steps (a point without a step takes the previous step + 1;
  MLflow steps are whole numbers, so a fractional step is rounded down and said so) and their
  timestamps (seconds → milliseconds; a point without one takes the run's start).
- Files (the driver uploads a string series as ``<path>.txt``) → artifacts at
  ``names.artifact_path`` of the path and the file's suffix.
- Fields → params, text of at most 6000 characters; a longer value is cut (ending in "…") and kept
  whole in the artifact ``params/<field>.txt``. Fields of the namespaces ``ReplayMeta.system``
  names (Neptune's ``sys/``, ``monitoring/``, ``source_code/``; yaml-hooks' ``yaml_hooks/``) →
  tags (longer than 8000: the same, under ``tags/``). The field that holds the run's name names
  the MLflow run, the one that holds its description is its MLflow description (the tag
  ``mlflow.note.content``), each of the run's tags is a tag with an empty value.
- The run: started when the source run was created, ended at its last point, FINISHED (FAILED
  when the driver calls ``fail()``; KILLED when the source was killed).
- Two source names that become one MLflow name keep apart: the later one gets ``_2`` (noted).
- Once: the MLflow run carries ``yaml_hooks.<tracker>_run`` (for a Neptune run the tag exports
  always had, ``yaml_hooks.neptune_run``), set after everything else was written, and
  ``yaml_hooks.<tracker>_parts``; :meth:`MlflowTarget.find` finds the runs of the experiment that
  carry it. The default experiment is ``<tracker>-export`` (``neptune-export``: offline runs do not
  record their Neptune project).
"""

from __future__ import annotations

import contextlib
import io
import math
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar, final

from ...core.masking import mask_uri
from ..replay import ReplayCopy, ReplayError, ReplayMeta, Written
from .names import MAX_KEY, MAX_PARAM_VALUE, MAX_TAG_VALUE, artifact_path, equals, flatten, key, text
from .sender import artifact_location, unreachable

if TYPE_CHECKING:
    from mlflow import MlflowClient

_T = TypeVar("_T")

__all__ = [
    "INSTALL_HINT",
    "MetricPoint",
    "MlflowTarget",
    "default_experiment",
    "parts_tag",
    "replay_target",
    "source_tag",
]

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


def source_tag(tracker: str) -> str:
    """The tag holding the id of the run an MLflow run was replayed from."""
    return f"yaml_hooks.{tracker}_run"


def parts_tag(tracker: str) -> str:
    """The tag holding how many parts (folders of a resumed training) the source run had."""
    return f"yaml_hooks.{tracker}_parts"


def default_experiment(tracker: str) -> str:
    """The experiment a run of ``tracker`` is exported to when none is named."""
    return f"{tracker}-export" if tracker else "export"


@final
@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One point of an MLflow metric."""

    key: str
    value: float
    timestamp: int  # ms
    step: int


def replay_target(options: Mapping[str, Any]) -> MlflowTarget:
    """The target `hooks export --to mlflow` builds: options ``tracking_uri`` (default:
    $MLFLOW_TRACKING_URI, else MLflow's own default) and ``experiment`` (default:
    ``<tracker>-export``)."""
    unknown = sorted(set(options) - {"tracking_uri", "experiment"})
    if unknown:
        raise ReplayError(
            f"hooks: the mlflow replay target takes tracking_uri and experiment, not {', '.join(unknown)}"
        )
    return MlflowTarget(tracking_uri=options.get("tracking_uri"), experiment=options.get("experiment"))


class MlflowTarget:
    """An MLflow experiment at a tracking URI as a :class:`~hooks.sinks.replay.ReplayTarget`.
    Nothing talks to MLflow before the first :meth:`find` or :meth:`open`; ``uri``, ``experiment``
    and ``experiment_id`` are known from then on."""

    def __init__(self, *, tracking_uri: str | None = None, experiment: str | None = None) -> None:
        self._asked_uri = tracking_uri
        self._asked_experiment = experiment
        self.uri: str = tracking_uri or ""
        self.experiment: str = experiment or ""
        self.experiment_id: str = ""
        self._client: MlflowClient | None = None

    # ------------------------------------------------------------ the ReplayTarget protocol
    def find(self, source: str) -> list[ReplayCopy]:
        tracker, _, run_id = source.partition(":")
        client = self._connect(tracker)
        tag = source_tag(tracker)
        try:
            query, _ = equals("tags", tag, run_id)  # any text: quotes, backslashes (not exact: LIKE)
        except ValueError as e:
            raise ReplayError(f"hooks: {e}") from e
        with self._refused():
            found = client.search_runs([self.experiment_id], filter_string=query, max_results=100)
        copies = []
        for run in found:
            if run.data.tags.get(tag) != run_id:
                continue
            parts = run.data.tags.get(parts_tag(tracker), "1")
            copies.append(ReplayCopy(str(run.info.run_id), int(parts) if parts.isdigit() else None))
        return copies

    def open(self, meta: ReplayMeta) -> MlflowReplaySink:
        return MlflowReplaySink(self, self._connect(meta.tracker), meta)

    def discard(self, copy_id: str) -> None:
        client = self._connect("")
        with self._refused():
            client.delete_run(copy_id)

    def place(self) -> str:
        return f"experiment {self.experiment!r}"

    def where(self) -> str:
        where_to = mask_uri(self.uri)
        if where_to.startswith(("http://", "https://")):  # a server: where its UI shows the runs
            where_to = f"{where_to.rstrip('/')}/#/experiments/{self.experiment_id}"
        return f"MLflow: experiment {self.experiment!r} (id {self.experiment_id}) at {where_to}"

    # ------------------------------------------------------------ talking to MLflow
    def _connect(self, tracker: str) -> MlflowClient:
        """The client, the server probed and the experiment found (or made) the first time."""
        if self._client is not None:
            return self._client
        try:
            import mlflow
        except ImportError as e:
            raise ReplayError(f"hooks: exporting to MLflow needs the mlflow package: {INSTALL_HINT}") from e
        uri = self._asked_uri or mlflow.get_tracking_uri()
        self.uri = uri
        why = unreachable(uri, _PROBE_S)
        if why is not None:
            raise ReplayError(
                f"hooks: cannot reach MLflow at {mask_uri(uri)} ({why}); is the server running, and is that its "
                "address? (--tracking-uri, else $MLFLOW_TRACKING_URI)"
            )
        client = mlflow.MlflowClient(tracking_uri=uri)
        self.experiment = self._asked_experiment or default_experiment(tracker)
        with self._refused():
            self.experiment_id = _experiment(client, self.experiment, uri)
        self._client = client
        return client

    @contextlib.contextmanager
    def _refused(self) -> Iterator[None]:
        from mlflow.exceptions import MlflowException

        try:
            yield
        except (MlflowException, OSError) as e:
            message = e.message if isinstance(e, MlflowException) else str(e)
            shown = mask_uri(self.uri)
            raise ReplayError(f"hooks: MLflow at {shown}: {message.replace(self.uri, shown)}") from e


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
        raise ReplayError(
            f"hooks: the MLflow experiment {name!r} at {mask_uri(uri)} is deleted; restore it "
            f"(`mlflow experiments restore --experiment-id {found.experiment_id}`) or name another with --experiment"
        )
    return str(found.experiment_id)


class MlflowReplaySink:
    """One MLflow run being replayed: every call buffered, the run written at :meth:`stop`."""

    def __init__(self, target: MlflowTarget, client: MlflowClient, meta: ReplayMeta) -> None:
        self._target = target
        self._client = client
        self._meta = meta
        self._start_ms = _ms(meta.start) if meta.start is not None else None
        self._end_ms = _ms(meta.end) if meta.end is not None else None
        self._default_ms = self._start_ms if self._start_ms is not None else _ms(time.time())
        self._status = "KILLED" if meta.status == "killed" else "FINISHED"
        self._run_name: str | None = None
        self._named = False
        self.metrics: list[MetricPoint] = []
        self.params: list[tuple[str, str]] = []
        self.tags: list[tuple[str, str]] = []
        self.texts: list[tuple[str, str]] = []  # (artifact path, content)
        self.files: list[tuple[str, Path]] = []  # (artifact path, local file)
        self.notes: list[str] = []
        self._keys: dict[str, str] = {}  # series path → metric key
        self._previous: dict[str, float] = {}  # series path → its last step
        self._fractional = 0
        self._taken: dict[str, dict[str, str]] = {}  # kind → MLflow name → source path
        self._figures: Path | None = None
        self._run_id: str | None = None
        self._written: Written | None = None
        self._export_tag = source_tag(meta.tracker)
        self._parts_tag = parts_tag(meta.tracker)
        for reserved in (self._export_tag, self._parts_tag, _DESCRIPTION_TAG, _RUN_NAME_TAG):
            self._claim("tag", reserved, "yaml-hooks")  # a source's tag may not overwrite them

    # ------------------------------------------------------------ the ReplaySink protocol
    def append(self, path: str, value: float, step: float | None, *, timestamp: float | None = None) -> None:
        name = self._keys.get(path)
        if name is None:
            name = self._keys[path] = self._claim("metric", key(path), path)
        if step is None:
            step = self._previous.get(path, -1.0) + 1
        self._previous[path] = step
        whole = math.floor(step)
        self._fractional += whole != step
        ms = _ms(timestamp) if timestamp is not None else self._default_ms
        self.metrics.append(MetricPoint(name, float(value), ms, whole))

    def assign(self, path: str, value: Any) -> None:
        for leaf, v in flatten(path, value):
            self._assign(leaf, text(v))

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        # The driver keeps every file in place until stop() returns: the path is enough.
        self.files.append((self._claim("artifact", _join(*artifact_path(path, file.suffix)), path), file))

    def upload_figure(self, path: str, figure: Any) -> None:
        if self._figures is None:
            self._figures = Path(tempfile.mkdtemp(prefix="hooks-replay-figures-"))
        file = self._figures / f"{len(self.files)}.png"
        figure.savefig(file, format="png")
        self.upload(path, file, snapshot=True)

    def flush(self) -> None:
        """Nothing: the run is written whole at stop()."""

    def fail(self) -> None:
        self._status = "FAILED"

    def stop(self) -> str:
        if self._fractional:
            self.notes.append(
                f"{self._fractional} point(s) had a fractional step; MLflow steps are whole numbers: rounded down"
            )
        for tag in self._meta.tags:
            self.tags.append((self._claim("tag", key(tag), f"tag {tag}"), ""))
        run_name = self._run_name if self._named else (self._meta.name or None)
        try:
            with self._target._refused():
                run_id = self._write(run_name)
        finally:
            self._drop_figures()
        self._written = Written(run_id, {"params": len(self.params), "tags": len(self.tags)}, tuple(self.notes))
        return f"MLflow run {run_id} ({self._target.where()})"

    def abort(self) -> None:
        if self._run_id is not None and self._written is None:
            with contextlib.suppress(Exception):
                self._client.delete_run(self._run_id)
        self._drop_figures()

    @property
    def written(self) -> Written:
        if self._written is None:
            raise RuntimeError("the replayed MLflow run is not written yet: stop() first")
        return self._written

    # ------------------------------------------------------------ what the calls become
    def _assign(self, path: str, value_text: str) -> None:
        meta = self._meta
        if path == meta.name_field:
            self._run_name = value_text[:MAX_TAG_VALUE] or None
            self._named = True
            return
        if path == meta.description_field:
            if not value_text:
                return
            kind, name = "tag", _DESCRIPTION_TAG
        else:
            kind = "tag" if path.split("/", 1)[0] in meta.system else "param"
            name = self._claim(kind, key(path), path)
        limit = MAX_TAG_VALUE if kind == "tag" else MAX_PARAM_VALUE
        if len(value_text) > limit:
            where = self._claim("artifact", _join(*artifact_path(f"{kind}s/{path}", ".txt")), path)
            self.notes.append(
                f"{path}: {len(value_text)} characters, over MLflow's {limit}: cut, kept whole in {where}"
            )
            self.texts.append((where, value_text))
            value_text = value_text[: limit - len(_CUT)] + _CUT
        (self.tags if kind == "tag" else self.params).append((name, value_text))

    def _claim(self, kind: str, name: str, source: str) -> str:
        """``name`` for ``source``, or, when an earlier source path took it, ``name_2`` (noted)."""
        taken = self._taken.setdefault(kind, {})
        unique, n = name, 1
        while unique in taken:
            n += 1
            unique = _numbered(name, n, artifact=kind == "artifact")
        if unique != name:
            self.notes.append(f"{kind} {source!r} and {taken[name]!r} both become {name!r} in MLflow: {unique!r}")
        taken[unique] = source
        return unique

    def _write(self, run_name: str | None) -> str:
        from mlflow.entities import Metric, Param, RunTag

        client = self._client
        created = client.create_run(self._target.experiment_id, start_time=self._start_ms, run_name=run_name)
        run_id = self._run_id = str(created.info.run_id)
        try:
            for metrics in _chunks(self.metrics, _METRICS_PER_BATCH):
                entities = [Metric(m.key, m.value, m.timestamp, m.step) for m in metrics]
                client.log_batch(run_id, metrics=entities, synchronous=True)
            for pairs in _chunks(self.params, _PARAMS_TAGS_PER_BATCH):
                client.log_batch(run_id, params=[Param(k, v) for k, v in pairs], synchronous=True)
            for pairs in _chunks((*self.tags, (self._parts_tag, str(self._meta.parts))), _PARAMS_TAGS_PER_BATCH):
                client.log_batch(run_id, tags=[RunTag(k, v) for k, v in pairs], synchronous=True)
            if self.texts or self.files:
                with tempfile.TemporaryDirectory(prefix="hooks-export-") as staging:
                    _stage(Path(staging), self.texts, self.files)
                    client.log_artifacts(run_id, staging)
            # Last: only a complete run counts as exported.
            client.set_tag(run_id, self._export_tag, self._meta.run_id)
            with contextlib.redirect_stdout(io.StringIO()):  # MLflow prints "View run …" to a server; ours say it
                client.set_terminated(run_id, self._status, end_time=self._end_ms)
        except BaseException:
            with contextlib.suppress(Exception):
                client.delete_run(run_id)
            raise
        return run_id

    def _drop_figures(self) -> None:
        if self._figures is not None:
            shutil.rmtree(self._figures, ignore_errors=True)
            self._figures = None


if TYPE_CHECKING:  # both are what the protocols say (mypy checks it here, not at each use)
    from ..replay import ReplaySink, ReplayTarget

    def _is_target(target: MlflowTarget) -> ReplayTarget:
        return target

    def _is_sink(sink: MlflowReplaySink) -> ReplaySink:
        return sink


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
