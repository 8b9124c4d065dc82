"""MLflow runs as the run model.

* A store is a tracking URI (a server, ``sqlite:///…``, any URI ``MlflowClient`` takes); its runs
  are those of every active experiment, newest first (deleted runs are not listed).
* Metrics → float series, each point at the step MLflow holds and its timestamp (seconds). MLflow
  3.x's client reads a metric's whole history one metric at a time (``get_metric_history``, which
  pages by itself; the only bulk history call is the UI's sampled ``get-history-bulk-interval``
  endpoint, not in the client), so a run costs one request per metric.
* Params → fields under their own key (as text: MLflow keeps params as text).
* Tags: ``mlflow.runName`` is the run's name; MLflow's own tags (``mlflow.*``) and yaml-hooks'
  (``yaml_hooks.*``: the training id and part) → fields under ``mlflow/`` and ``yaml_hooks/``, the
  system namespaces; the others are the run's tags, ``key=value`` (``key`` alone for an empty value).
* Artifacts → files keyed by their artifact path, with their size; nothing is downloaded while
  reading: a file's bytes are fetched when first asked for (:meth:`~hooks.runs.model.FileRef.local`:
  the report's images and CSVs), into the cache folder (``hooks.runs.cache.default_dir()/mlflow``)
  or, without a cache, a temporary folder removed at exit; a file over ``MAX_FILE`` bytes, or over
  what is left of ``MAX_TOTAL`` for the process, is not fetched. A run's downloads not used for
  ``cache.MAX_AGE_DAYS`` days are removed, as the cache's own entries are.
* Status: RUNNING (and SCHEDULED) → running, FINISHED → finished, FAILED → failed, KILLED → killed.
* Duration: from the run's start to its end (a running run: to its last metric point). A resumed
  training is one MLflow run (the MLflow sink continues the run of the same ``yaml_hooks.run_id``),
  so the pause between its parts is counted; ``yaml_hooks.part`` says how many parts it has.
* Epochs, best: from the series, as for every tracker (``hooks.runs.overview``).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any, Final, final

from .. import cache as _cache
from ..model import FileRef, Run, Status
from ..overview import Overview, overview_of
from ..reader import RunRef, Store, StoreError, mask_uri
from ..series import Column

__all__ = ["MAX_FILE", "MAX_TOTAL", "MlflowReader", "run_of"]

MAX_FILE: Final = 256 << 20  # bytes: a larger artifact (weights of a big model) is listed, not fetched
MAX_TOTAL: Final = 1 << 30  # bytes fetched by one process at most
_STATUSES: Final[dict[str, Status]] = {
    "RUNNING": "running",
    "SCHEDULED": "running",
    "FINISHED": "finished",
    "FAILED": "failed",
    "KILLED": "killed",
}
_SYSTEM_TAGS: Final = (("mlflow.", "mlflow/"), ("yaml_hooks.", "yaml_hooks/"))
_SUFFIX: Final = ".summary"
_fetched = [0]
_fetch_lock = threading.Lock()
_temp: list[Path] = []
_pruned: set[Path] = set()


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat()


def _client(uri: str) -> Any:
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri)


def _check(uri: str) -> None:
    # MLflow retries a refused connection for minutes; one short request says whether it answers.
    from ...sinks.mlflow.sender import unreachable

    reason = unreachable(uri, 3.0)
    if reason is not None:
        raise StoreError(f"hooks: the MLflow tracking server {mask_uri(uri)} does not answer ({reason})")


def _paged(call: Any, **kw: Any) -> Iterator[Any]:
    token = None
    while True:
        page = call(page_token=token, **kw)
        yield from page
        token = page.token
        if not token:
            return


def _failing(uri: str, what: str, e: Exception) -> StoreError:
    # MLflow's messages may repeat the URI whole; only the masked one is printed.
    text = str(e).replace(uri, mask_uri(uri)) if uri else str(e)
    first = text.strip().splitlines()[0] if text.strip() else type(e).__name__
    return StoreError(f"hooks: cannot {what} the MLflow store {mask_uri(uri)}: {first[:300]}")


def _split_tags(tags: dict[str, str]) -> tuple[str | None, tuple[str, ...], dict[str, object]]:
    name = tags.get("mlflow.runName")
    own: dict[str, object] = {}
    user: list[str] = []
    for key, value in sorted(tags.items()):
        system = next((ns + key[len(prefix) :] for prefix, ns in _SYSTEM_TAGS if key.startswith(prefix)), None)
        if system is not None:
            own[system] = value
        else:
            user.append(f"{key}={value}" if value else key)
    return name, tuple(user), own


def _artifacts(client: Any, run_id: str, path: str | None = None) -> Iterator[Any]:
    for info in client.list_artifacts(run_id, path):
        if info.is_dir:
            yield from _artifacts(client, run_id, info.path)
        else:
            yield info


def _fetch(uri: str, run_id: str, path: str, size: int | None, folder: Path | None) -> Path | None:
    """The artifact's bytes in a local folder (see the module's docstring), or None. An artifact
    path that is not plain and relative (absolute, or with ``..``) is never fetched: a run on a
    shared server names its own artifacts, and none may land outside the download folder."""
    if size is not None and size > MAX_FILE:
        return None
    parts = PurePosixPath(path).parts
    if not parts or PurePosixPath(path).is_absolute() or ".." in parts or "\\" in path:
        return None
    if not run_id or "/" in run_id or "\\" in run_id or run_id in (".", ".."):
        return None
    if folder is None:
        if not _temp:
            _temp.append(Path(tempfile.mkdtemp(prefix="yaml-hooks-mlflow-")))
            atexit.register(shutil.rmtree, _temp[0], True)
        folder = _temp[0]
    _prune(folder / "mlflow")
    where = folder / "mlflow" / hashlib.sha256(uri.encode()).hexdigest()[:16] / run_id
    local = where / path
    if local.is_file() and (size is None or local.stat().st_size == size):
        with contextlib.suppress(OSError):
            os.utime(where)  # used: kept for another MAX_AGE_DAYS
        return local
    with _fetch_lock:
        if _fetched[0] + (size or 0) > MAX_TOTAL:
            return None
        _fetched[0] += size or 0
    try:
        where.mkdir(parents=True, exist_ok=True)
        got = Path(_client(uri).download_artifacts(run_id, path, str(where)))
    except Exception:  # a file gone, a server down: the report says the bytes are not to be had
        return None
    return got if got.is_file() and got.resolve().is_relative_to(where.resolve()) else None


def _prune(root: Path) -> None:
    """Remove the downloads of runs not used for ``cache.MAX_AGE_DAYS`` days, once per process."""
    if root in _pruned:
        return
    _pruned.add(root)
    oldest = time.time() - _cache.MAX_AGE_DAYS * 86400
    for run_folder in root.glob("*/*"):
        try:
            if run_folder.is_dir() and not run_folder.is_symlink() and run_folder.stat().st_mtime < oldest:
                shutil.rmtree(run_folder, ignore_errors=True)
        except OSError:
            continue


def run_of(uri: str, run_id: str, *, cache: bool | Path = False) -> Run:
    """The MLflow run ``run_id`` of the store at ``uri``, read whole (files fetched on demand)."""
    _check(uri)
    client = _client(uri)
    try:
        found = client.get_run(run_id)
        series = {}
        points = 0
        for key in sorted(found.data.metrics):
            column = Column("float")
            history = sorted(client.get_metric_history(run_id, key), key=lambda m: (m.step, m.timestamp))
            for metric in history:
                column.append(float(metric.step), float(metric.value), metric.timestamp / 1000)
            points += len(history)
            series[key] = column.freeze()
        listed = list(_artifacts(client, run_id))
    except StoreError:
        raise
    except Exception as e:
        raise _failing(uri, f"read run {run_id} of", e) from e
    folder = None if cache is False else _cache.default_dir() if cache is True else Path(cache)
    info, data = found.info, found.data
    files = {}
    for artifact in listed:
        suffix = Path(artifact.path).suffix.lstrip(".")
        size = None if artifact.file_size is None else int(artifact.file_size)
        files[artifact.path] = FileRef(
            None,
            suffix,
            True,
            size,
            source=f"{info.artifact_uri.rstrip('/')}/{artifact.path}",
            fetch=partial(_fetch, uri, run_id, artifact.path, size, folder),
        )
    name, tags, own = _split_tags(dict(data.tags))
    fields: dict[str, object] = {**dict(data.params), **own}
    start = info.start_time / 1000 if info.start_time is not None else None
    end = info.end_time / 1000 if info.end_time is not None else None
    if end is None:
        stamps = [ts for s in series.values() for ts in s.timestamps() if ts is not None]
        end = max(stamps) if stamps else start
    return Run(
        tracker="mlflow",
        id=info.run_id,
        location=mask_uri(uri),
        created=_iso(info.start_time),
        name=name or info.run_name,
        tags=tags,
        series=series,
        fields=fields,
        files=files,
        status=_STATUSES.get(str(info.status), "ended"),
        metadata={
            "experiment_id": info.experiment_id,
            "artifact_uri": mask_uri(info.artifact_uri),
            "lifecycle_stage": info.lifecycle_stage,
            "user_id": info.user_id,
            "status": info.status,
        },
        op_count=points + len(data.params) + len(data.tags),
        spans=((start, end),) if start is not None and end is not None else (),
    )


@final
class MlflowReader:
    """MLflow runs (see the module's docstring)."""

    name: Final = "mlflow"
    title: Final = "MLflow run"

    def find(self, store: Store) -> list[RunRef]:
        uri = store.where
        _check(uri)
        client = _client(uri)
        try:
            experiments = [e.experiment_id for e in _paged(client.search_experiments)]
            runs = list(
                _paged(client.search_runs, experiment_ids=experiments, order_by=["attributes.start_time DESC"])
                if experiments
                else ()
            )
        except Exception as e:
            raise _failing(uri, "list the runs of", e) from e
        runs.sort(key=lambda r: (r.info.start_time or 0, r.info.run_id), reverse=True)
        return [
            RunRef(
                store=store,
                key=r.info.run_id,
                id=r.info.run_id,
                created=_iso(r.info.start_time),
                name=r.data.tags.get("mlflow.runName") or r.info.run_name,
            )
            for r in runs
        ]

    def at(self, folder: Path) -> list[RunRef]:
        return []

    def run_name(self, ref: RunRef) -> str | None:
        return ref.name

    def read(self, ref: RunRef, *, cache: bool | Path = False) -> Run:
        return run_of(ref.store.where, ref.key, cache=cache)

    def overview(self, ref: RunRef, *, cache: bool | Path = False) -> Overview:
        """Read whole (one request per metric); with ``cache``, an ended run's overview is kept
        and used again while the run's status, end and latest metric values are as they were."""
        uri = ref.store.where
        folder = None if cache is False else _cache.default_dir() if cache is True else Path(cache)
        mark: list[object] | None = None
        name = _cache.entry_name([Path(f"mlflow:{hashlib.sha256(uri.encode()).hexdigest()}:{ref.key}")])
        if folder is not None:
            _check(uri)
            try:
                info = _client(uri).get_run(ref.key)
            except Exception as e:
                raise _failing(uri, f"read run {ref.key} of", e) from e
            mark = [str(info.info.status), info.info.end_time, sorted(info.data.metrics.items())]
            entry = _cache.load(folder, name, _SUFFIX)
            if entry is not None and entry.get("mark") == mark:
                try:
                    return Overview.load(entry["overview"])
                except Exception:  # an entry this version does not write: read the run instead
                    pass
        overview = overview_of(self.read(ref, cache=cache))
        if folder is not None and overview.status != "running":
            _cache.store(folder, name, _SUFFIX, {"mark": mark, "overview": overview.dump()})
        return overview

    def series_key(self, key: str) -> str:
        from ...sinks.mlflow.names import key as mlflow_key

        return mlflow_key(key)

    def no_runs_message(self, store: Store) -> str:
        return (
            f"hooks: no MLflow run in {store.shown} (no run in any of its active experiments).\n"
            "A training logs to MLflow with `sink: {mlflow: {tracking_uri: …}}` in its config."
        )
