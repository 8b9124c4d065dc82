"""Sends a spool's operations to MLflow with ``MlflowClient``: the only module that talks to an
MLflow server. Used by the sink's background thread during a training and by `hooks sync` after
one. Everything it sends is idempotent (a metric point with the same key, step, time and value is
stored once; a param with the same value, a tag or an artifact again replaces itself), so an
operation sent twice, after a crash between sending and noting it, does no harm.

MLflow's own async logging (``log_batch(synchronous=False)``) is not used: it keeps what is
pending in memory only, logs a failed batch as an error and drops it, has no artifacts, and waits
without a bound at exit. The spool is what makes "nothing lost" hold.
"""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import shutil
import tempfile
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal, final

from ...core.masking import mask_uri
from ...log import logger
from .. import probe
from .names import MAX_TAG_VALUE, equals
from .spool import Spool, SpoolError, describe

__all__ = [
    "PART_TAG",
    "TRAINING_TAG",
    "RunRefused",
    "Sender",
    "Unreachable",
    "artifact_location",
    "log_batch_json",
    "sync",
    "unreachable",
]

TRAINING_TAG: Final = "yaml_hooks.run_id"  # the training's id: a resumed training finds its run by it
PART_TAG: Final = "yaml_hooks.part"
_PERMANENT: Final = {
    "INVALID_PARAMETER_VALUE",
    "BAD_REQUEST",
    "RESOURCE_DOES_NOT_EXIST",
    "INVALID_STATE",
    "RESOURCE_ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "INVALID_REQUEST",
}
_RUN_ID: Final = re.compile(r"^[0-9A-Za-z][\w\-]{0,255}$")  # mlflow.utils.validation._RUN_ID_REGEX
_BATCH: Final = {"m": 1000, "p": 100, "t": 100}  # MLflow's limits on one log_batch


class Unreachable(Exception):
    """The tracking server cannot be reached now; what is unsent stays in the spool."""


@final
class Sender:
    """Sends a spool's operations. ``confined`` (`hooks sync`, a spool found on disk): an
    artifact's file is opened only inside the spool (owned copies) or the training's folder that
    holds it, never through a link, and only the spool's own copy is deleted once sent."""

    def __init__(self, spool: Spool, run: dict[str, Any] | None = None, *, confined: bool = False) -> None:
        self.spool = spool
        self.run = spool.read_run() if run is None else run
        self.confined = confined
        self.run_id: str | None = self.run.get("run_id")
        self._client: Any = None
        self._params: dict[str, str] | None = None  # the run's params as the server has them
        self._post: Callable[[str], Any] | Literal[False] | None = None  # see _log_batch_endpoint
        self.warnings: list[str] = []
        self._said: set[str] = set()  # what a warning already named
        self.late = False  # an earlier part of a training whose later part has the run now
        self.stopped = False  # set when the spool is handed over (to `hooks sync`): touch it no more

    @property
    def uri(self) -> str:
        return str(self.run.get("tracking_uri") or "")

    def client(self) -> Any:
        if self._client is None:
            from mlflow import MlflowClient

            self._client = MlflowClient(tracking_uri=self.uri or None)
        return self._client

    def reachable(self) -> str | None:
        """None when the server answers (or the store is local); else why not. Checked before
        sending so that a server that is down costs one short request, not MLflow's own minutes
        of retries."""
        reason = unreachable(self.uri, 2.0)
        return None if reason is None else f"{mask_uri(self.uri)} does not answer ({reason})"

    # ------------------------------------------------------------ the run itself
    def ensure_run(self) -> str:
        """The MLflow run id: the one already made, or the run of the same training (a resumed
        one), or a new run. Written to run.json as soon as it is known."""
        if self.run_id:
            return self.run_id
        client = self.client()
        try:
            experiment_id = self._experiment(client)
            run_id = self._continued(client, experiment_id)
        except Exception as e:
            raise _refused_run(_classify(e)) from e
        if run_id is None:
            run_id = self._create(client, experiment_id)
        self.run_id = run_id
        self.run["run_id"] = run_id
        if not self.stopped:
            self.spool.write_run(self.run)
        return run_id

    def _create(self, client: Any, experiment_id: str) -> str:
        """A new run. A field MLflow refuses at creation (a tag it does not take, ``mlflow.runName``
        beside a different run name, an over-long value) must not lose the run: the run is created
        without it, and it is listed in rejected.jsonl with MLflow's reason (docs/reliability.md)."""
        ours = {k: v for k, v in (self.run.get("tags") or {}).items() if k in (TRAINING_TAG, PART_TAG)}
        theirs = {k: v for k, v in (self.run.get("tags") or {}).items() if k not in ours}
        fixed = {**_context_tags(), **ours}
        name = self.run.get("name") or None

        def create(tags: dict[str, str], run_name: str | None) -> str:
            try:
                run = client.create_run(
                    experiment_id, start_time=self.run.get("start_ms"), tags={**fixed, **tags}, run_name=run_name
                )
            except Exception as e:
                raise _classify(e) from e
            return str(run.info.run_id)

        try:
            return create(theirs, name)
        except _Refused as e:
            first = e
        # Which field: the one whose leaving out lets the run be made (MLflow refuses the whole request).
        for key in sorted(theirs, key=lambda k: f"`{k}`" not in str(first) and f"'{k}'" not in str(first)):
            try:
                run_id = create({k: v for k, v in theirs.items() if k != key}, name)
            except _Refused:
                continue
            self._rejected({"t": {key: theirs[key]}}, f"the tag '{key}'", str(first))
            return run_id
        # More than one, or not a tag: made with MLflow's own tags and ours, then each tag on its own.
        for run_name in (name, None) if name else (None,):
            try:
                run_id = create({}, run_name)
            except _Refused:
                continue
            if run_name != name:
                self._rejected({"name": name}, f"the run name {name!r}", str(first))
            for key, value in theirs.items():
                try:
                    client.set_tag(run_id, key, value)
                except Exception as e:
                    refused = _classify(e)
                    if not isinstance(refused, _Refused):
                        raise refused from e
                    self._rejected({"t": {key: value}}, f"the tag '{key}'", str(refused))
            return run_id
        raise _refused_run(first)

    def _rejected(self, op: dict[str, Any], what: str, reason: str) -> None:
        """A field MLflow refused for good: left out, with one warning, and listed in rejected.jsonl."""
        self.spool.reject(op, reason)
        self.warnings.append(
            f"MLflow refused {what}: {reason}; the run goes on without it "
            f"(listed in {self.spool.folder}/rejected.jsonl)"
        )

    def _experiment(self, client: Any) -> str:
        name = str(self.run.get("experiment") or "Default")
        found = client.get_experiment_by_name(name)
        if found is not None:
            if found.lifecycle_stage == "deleted":
                client.restore_experiment(found.experiment_id)
            return str(found.experiment_id)
        try:
            return str(client.create_experiment(name, artifact_location=artifact_location(self.uri)))
        except Exception:  # made meanwhile by another process
            found = client.get_experiment_by_name(name)
            if found is None:
                raise
            return str(found.experiment_id)

    def _continued(self, client: Any, experiment_id: str) -> str | None:
        """The run of the same training, made by any of its parts: a resumed part continues it, and
        so does an earlier part's spool sent late (`hooks sync` after the resume made the run). A
        late part leaves the run's status and part alone, and does not end it."""
        training = self.run.get("training_id")
        if not training:
            return None
        query, exact = equals("tags", TRAINING_TAG, str(training))  # the id is run.json's: any text
        runs = client.search_runs([experiment_id], filter_string=query, max_results=1 if exact else 100)
        runs = [r for r in runs if r.data.tags.get(TRAINING_TAG) == training]
        if not runs:
            return None
        run_id = str(runs[0].info.run_id)
        part = int(self.run.get("part") or 1)
        text = str(runs[0].data.tags.get(PART_TAG, "1"))
        theirs = int(text) if text.isdigit() else 1
        if theirs > part:
            self.late = True
        elif part > theirs:
            client.update_run(run_id, status="RUNNING")
            client.set_tag(run_id, PART_TAG, str(part))
        return run_id

    # ------------------------------------------------------------ operations
    def send(self, ops: Sequence[dict[str, Any] | None], start: int = 0, base: int = 0) -> int:
        """Send ``ops[start:]`` (``ops[0]`` is the spool's operation number ``base``; None, a bad
        record `hooks sync` reported, is passed over); return how far it got. The spool's count of
        sent operations follows each batch, so when the server goes away (Unreachable) what was
        sent before is not sent again."""
        run_id = self.ensure_run()
        i = start
        while i < len(ops):
            if self.stopped:
                raise Unreachable("stopped waiting for the server")
            end = self._batch_end(ops, i)
            try:
                batch = [op for op in ops[i:end] if op is not None]
                if batch:
                    self._send(run_id, batch)
            except Unreachable:
                raise
            except _Refused:
                # Something in the batch is refused for good: each metric point, param or tag and each
                # other operation on its own, so that only what MLflow refuses is left out.
                for op in [single for whole in batch for single in _split(whole)]:
                    try:
                        self._send(run_id, [op])
                    except _NotRead as refused:
                        self.spool.reject(op, str(refused))
                        self.warnings.append(f"{_what(op)} not sent: {refused} (listed in {self.spool.folder})")
                    except _Refused as refused:
                        self.spool.reject(op, str(refused))
                        what = _what(op)
                        if what not in self._said:  # once per name: a metric refused is refused at every step
                            self._said.add(what)
                            self.warnings.append(
                                f"MLflow refused {what}: {refused}; left out (every refused operation is listed "
                                f"in {self.spool.folder}/rejected.jsonl)"
                            )
            i = end
            if self.stopped:  # the spool is `hooks sync`'s now; sending again is harmless, counting is not
                raise Unreachable("stopped waiting for the server")
            self.spool.mark_sent(base + i)
        return i

    def _batch_end(self, ops: Sequence[dict[str, Any] | None], i: int) -> int:
        kind = _kind(ops[i])
        if kind not in _BATCH:
            return i + 1
        counts = {"m": 0, "p": 0, "t": 0}
        end = i
        while end < len(ops):
            k = _kind(ops[end])
            if k not in _BATCH:
                break
            n = len(ops[end][k])  # type: ignore[index]
            if counts[k] + n > _BATCH[k] or sum(counts.values()) + n > 1000:
                break
            counts[k] += n
            end += 1
        return max(end, i + 1)

    def _send(self, run_id: str, ops: Sequence[dict[str, Any]]) -> None:
        from mlflow.entities import Metric, Param, RunTag

        client = self.client()
        try:
            kind = _kind(ops[0])
            if kind in _BATCH:
                points = [point for op in ops for point in op.get("m", ())]
                params_in = {k: v for op in ops for k, v in op.get("p", {}).items()}
                tags = {k: v for op in ops for k, v in op.get("t", {}).items()}
                params = self._new_params(run_id, params_in, tags)
                post = self._log_batch_endpoint()
                if post is not None:
                    post(log_batch_json(run_id, points, params, tags))
                else:
                    client.log_batch(
                        run_id,
                        metrics=[Metric(k, float(v), int(ts), int(step)) for k, v, ts, step in points],
                        params=[Param(k, v) for k, v in params.items()],
                        tags=[RunTag(k, v[:MAX_TAG_VALUE]) for k, v in tags.items()],
                    )
                if self._params is not None:
                    self._params.update(params)
            elif kind == "a":
                folder, name, source, owned = ops[0]["a"]
                if self.confined:
                    self._confined_artifact(client, run_id, folder, name, source, owned)
                else:
                    self._artifact(client, run_id, folder, name, Path(source))
                    if owned:
                        Path(source).unlink(missing_ok=True)
            elif kind == "r":
                artifact, model, *more = ops[0]["r"]
                self._register(client, run_id, artifact, model, more[0] if more else {})
            elif kind == "i":
                self._log_dataset(client, run_id, ops[0]["i"])
            elif kind == "end" and not self._late(client, run_id):  # a late part's end is not the run's
                client.set_terminated(run_id, status=ops[0]["end"], end_time=ops[0].get("ts"))
        except (Unreachable, _Refused):
            raise
        except Exception as e:
            raise _classify(e) from e

    def _log_batch_endpoint(self) -> Callable[[str], Any] | None:
        """MLflow's own call of its REST ``log-batch`` endpoint on a tracking server (its host
        credentials, workspace, retries and error codes), given a body written by
        :func:`log_batch_json`: the same request as ``MlflowClient.log_batch`` without building
        it through protobuf, a fifth of the training process's time per 1,000 points
        (docs/team-server.md). None for a local store, or an MLflow whose internals differ:
        then ``MlflowClient.log_batch``."""
        if self._post is None:
            self._post = False
            try:
                from mlflow.protos.service_pb2 import LogBatch
                from mlflow.store.tracking.rest_store import RestStore

                store = self.client()._tracking_client.store
                call = store._call_endpoint
                if isinstance(store, RestStore) and callable(call):
                    self._post = lambda body: call(LogBatch, body)
            except Exception as e:  # another MLflow: its client's log_batch
                logger.debug("MLflow: log-batch through MlflowClient.log_batch (%r)", e)
        return self._post or None

    def _late(self, client: Any, run_id: str) -> bool:
        """Whether a later part of this training has the run now (this spool was sent late)."""
        if not self.late and self.run.get("training_id"):
            text = str(client.get_run(run_id).data.tags.get(PART_TAG, "1"))
            self.late = text.isdigit() and int(text) > int(self.run.get("part") or 1)
        return self.late

    def _new_params(self, run_id: str, params: dict[str, str], tags: dict[str, str]) -> dict[str, str]:
        """The params to send: not those the run already has with the same value; one the run has
        with another value (params never change in MLflow) goes to a tag of the same name instead."""
        if not params:
            return {}
        if self._params is None:
            self._params = dict(self.client().get_run(run_id).data.params)
        new: dict[str, str] = {}
        for k, v in params.items():
            had = self._params.get(k)
            if had is None:
                new[k] = v
            elif had != v:
                tags[k] = v
                self.warnings.append(
                    f"MLflow param '{k}' already holds {had[:60]!r} in this run and params never change: "
                    f"the new value {v[:60]!r} is its tag '{k}'"
                )
        return new

    def _register(self, client: Any, run_id: str, artifact: str, model: str, how: dict[str, Any]) -> None:
        """A new version of the registered model ``model`` (made if new): weights (``.pt``) as a
        pyfunc model logged beside them (``model.py``), any other file (or weights over the run's
        snapshot budget: ``how["model"]`` false) as the file itself; then its aliases moved by
        ``how["aliases"]``. Not again if this run's model is a version of it already (a resend):
        then only the aliases are looked at again."""
        from mlflow.exceptions import MlflowException

        from .model import FITNESS_TAG, model_path, move_aliases, pyfunc_weights

        pyfunc = pyfunc_weights(artifact) and how.get("model", True) is not False
        path = model_path(artifact) if pyfunc else artifact
        source = f"runs:/{run_id}/{path}"
        try:
            client.create_registered_model(model)
        except MlflowException as e:
            if e.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
        # By the run (MLflow's own id: no quote in it), the model's name compared here: a name may
        # hold quotes, which MLflow's filter strings cannot always say (names.equals).
        versions = client.search_model_versions(f"run_id = '{run_id}'") if _RUN_ID.match(run_id) else []
        version = next((v for v in versions if v.name == model and v.source == source), None)
        if version is None:
            if pyfunc:
                self._log_model(client, run_id, artifact, path)
            fitness: Any = how.get("fitness")
            tags = {FITNESS_TAG: repr(float(fitness))} if _number(fitness) else None
            version = client.create_model_version(model, source, run_id=run_id, tags=tags)
            what = "a pyfunc model of " if pyfunc else ""
            logger.info(
                "MLflow: %s%s is version %s of the registered model '%s'", what, artifact, version.version, model
            )
        aliases = how.get("aliases") or {}
        if aliases:
            moved = move_aliases(client, model, version, aliases)
            if moved:
                logger.info("MLflow: %s of '%s' now name version %s", ", ".join(moved), model, version.version)

    def _log_model(self, client: Any, run_id: str, artifact: str, path: str) -> None:
        """The run's weights at ``artifact`` (read back from the run: what was uploaded is what
        the model holds, and `hooks sync` reads no file outside the spool) saved as a pyfunc model
        and logged at ``path``."""
        from .model import save_pyfunc

        with tempfile.TemporaryDirectory(prefix="yaml-hooks-") as tmp:
            weights = Path(client.download_artifacts(run_id, artifact, tmp))
            folder = Path(tmp) / "model"
            try:
                save_pyfunc(weights, folder)
            except Exception as e:  # not the server's doing: trying again would fail again
                raise _Refused(f"the pyfunc model of {artifact} could not be made: {e!r}"[:300]) from e
            client.log_artifacts(run_id, str(folder), path)

    def _log_dataset(self, client: Any, run_id: str, body: dict[str, Any]) -> None:
        """The training's dataset as an input of the run (MLflow keeps one per name and digest: a
        resend adds nothing)."""
        from mlflow.entities import Dataset, DatasetInput, InputTag

        dataset = Dataset(
            name=body["name"],
            digest=body["digest"],
            source_type="local",
            source=json.dumps({"uri": body["source"]}),
            profile=json.dumps(body.get("profile") or {}),
        )
        tags = [InputTag("mlflow.data.context", body.get("context") or "training")]
        client.log_inputs(run_id, datasets=[DatasetInput(dataset, tags)])

    def _artifact(self, client: Any, run_id: str, folder: str, name: str, source: Path) -> None:
        if not source.is_file():
            raise _Refused(f"{source} is gone; it was not uploaded")
        if source.name == name:
            client.log_artifact(run_id, str(source), folder or None)
            return
        with tempfile.TemporaryDirectory(prefix="yaml-hooks-") as tmp:
            staged = Path(tmp) / name
            try:
                os.link(source, staged)
            except OSError:
                shutil.copyfile(source, staged)
            client.log_artifact(run_id, str(staged), folder or None)

    def _confined_artifact(self, client: Any, run_id: str, folder: str, name: str, source: str, owned: bool) -> None:
        """Upload what :meth:`Spool.open_source` opened (a copy of it, made from the descriptor, so
        what was checked is what is sent), under ``name`` (checked plain: a folder of its own)."""
        try:
            fd = self.spool.open_source(source, owned)
        except SpoolError as e:
            raise _NotRead(str(e)) from e
        with os.fdopen(fd, "rb") as f, tempfile.TemporaryDirectory(prefix="yaml-hooks-") as tmp:
            staged = Path(tmp) / name
            with open(staged, "xb") as out:
                shutil.copyfileobj(f, out, 1 << 20)
            client.log_artifact(run_id, str(staged), folder or None)
        if owned:
            self.spool.delete_blob(source)


def unreachable(uri: str, timeout: float) -> str | None:
    """Why a tracking server answers nothing at all at /health, found within ``timeout`` (MLflow
    retries a refused connection for minutes); None when it answers, or when only MLflow can tell
    (a local store). /health needs no login."""
    return probe.unreachable(uri, timeout, "/health")


def artifact_location(uri: str) -> str | None:
    """Where a new experiment keeps its artifacts: beside the database for a SQLite store
    (``<db folder>/mlruns``; MLflow's own default is ./mlruns in whatever folder the process runs
    in), the server's choice otherwise."""
    if not uri.startswith("sqlite:///"):
        return None
    db = Path(uri.removeprefix("sqlite:///"))
    if not db.is_absolute():
        db = Path.cwd() / db
    return (db.parent / "mlruns").as_uri()


class RunRefused(Unreachable):
    """MLflow refused to make the run itself (its experiment): nothing can be sent; the spool
    keeps everything, and the message says MLflow's reason."""


class _Refused(Exception):
    """The server refused an operation for good (a bad value, a name it does not take)."""


def _refused_run(e: Exception) -> Exception:
    """A refusal while finding or making the run is the run's (RunRefused, said as such); any
    other failure stays what it was (Unreachable: try again later)."""
    if isinstance(e, _Refused):
        return RunRefused(f"MLflow refused the run: {e}")
    return e


class _NotRead(_Refused):
    """`hooks sync` did not read an artifact's file: outside the spool's folders, a link, not regular."""


def log_batch_json(
    run_id: str, points: Sequence[Sequence[Any]], params: Mapping[str, str], tags: Mapping[str, str]
) -> str:
    """The body of MLflow's REST ``log-batch`` request, as its client's protobuf writes it, compactly:
    ``points`` are (key, value, timestamp ms, step); a value that is not finite is a string, as
    protobuf's JSON has it ("NaN", "Infinity", "-Infinity"); a tag is cut to MLflow's length."""
    body: dict[str, Any] = {"run_id": run_id}
    if points:
        body["metrics"] = [
            {"key": k, "value": _double(float(v)), "timestamp": int(ts), "step": int(step)} for k, v, ts, step in points
        ]
    if params:
        body["params"] = [{"key": k, "value": v} for k, v in params.items()]
    if tags:
        body["tags"] = [{"key": k, "value": v[:MAX_TAG_VALUE]} for k, v in tags.items()]
    return json.dumps(body, separators=(",", ":"), allow_nan=False)


def _double(v: float) -> float | str:
    if math.isfinite(v):
        return v
    return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")


def _kind(op: dict[str, Any] | None) -> str:
    return next(iter(op)) if op else ""


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _split(op: dict[str, Any]) -> list[dict[str, Any]]:
    """An operation as one operation per metric point, param or tag (others as they are)."""
    kind = _kind(op)
    if kind == "m":
        return [{"m": [point]} for point in op["m"]]
    if kind in ("p", "t"):
        return [{kind: {k: v}} for k, v in op[kind].items()]
    return [op]


def _what(op: dict[str, Any]) -> str:
    kind = _kind(op)
    if kind == "a":
        return f"the artifact {op['a'][0]}/{op['a'][1]}".replace("//", "/")
    if kind in ("m", "p", "t") and len(op[kind]) == 1:
        name = op[kind][0][0] if kind == "m" else next(iter(op[kind]))
        return f"the {({'m': 'metric', 'p': 'param', 't': 'tag'})[kind]} '{name}'"
    if kind == "r":
        return f"a version of the model '{op['r'][1]}'"
    if kind == "i":
        return f"the dataset '{op['i'].get('name')}'"
    what = {"m": "metrics", "p": "params", "t": "tags", "end": "the run's end"}
    return what.get(kind, kind)


def _classify(e: Exception) -> Exception:
    """MLflow's error codes for a request the server understood and refused are for good; any
    other failure (no connection, a 5xx, a timeout) means: try again later."""
    code = str(getattr(e, "error_code", ""))
    if code in _PERMANENT:
        return _Refused(str(e).splitlines()[0][:300])
    return Unreachable(f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}")


def _context_tags() -> dict[str, str]:
    """The tags MLflow's own start_run adds (user, source, git commit), from MLflow's registry of
    them; none if it changes its API."""
    try:
        from mlflow.tracking.context.registry import resolve_tags

        return {k: str(v) for k, v in resolve_tags({}).items()}
    except Exception:
        return {}


def now_ms() -> int:
    return int(time.time() * 1000)


def sync(folder: Path, tracking_uri: str | None = None, registers: Collection[str] = ()) -> tuple[bool, str]:
    """Send what a spool found on disk holds and delete it once all is sent: (done, the lines for
    the user). The spool is not trusted (docs/reliability.md, "A spool from someone else"): it is
    sent only to the tracking URI the user names (``tracking_uri``, else $MLFLOW_TRACKING_URI, else
    MLflow's default store), it makes versions of (and moves the aliases of) only the registered
    models the user names (``registers``: `hooks sync --register NAME`), its files are read only
    inside it, and a bad record is a line ``<folder>/ops.jsonl:<n>: why`` while the good ones still go."""
    if os.path.islink(folder):
        return False, f"{folder}: a link, not a spool's own folder; not read"
    spool = Spool(folder)
    try:
        run = spool.load_run()
    except FileNotFoundError:
        return False, f"{folder}: not an MLflow spool of yaml-hooks (no run.json)"
    except SpoolError as e:
        return False, f"{e}"
    named = tracking_uri if tracking_uri is not None else os.environ.get("MLFLOW_TRACKING_URI", "")
    own = str(run.get("tracking_uri") or "")
    if _normal(own) != _normal(named):
        return False, (
            f"{folder}: not sent: its run.json names {_shown(own)}, and you named {_shown(named)} "
            "(--tracking-uri, else $MLFLOW_TRACKING_URI); a spool goes only where you say. If it is yours, "
            f"name that URI: hooks sync --tracking-uri {mask_uri(own) or _EMPTY} {folder}"
        )
    if not spool.lock():
        return False, f"{folder}: another process is sending this spool; try again when it has finished"
    try:
        sender = Sender(spool, run, confined=True)
        try:
            ops, errors = spool.load_ops()
        except SpoolError as e:
            return False, str(e)
        start = min(spool.sent(), len(ops))
        unnamed = sorted({op["r"][1] for op in ops[start:] if op is not None and "r" in op} - set(registers))
        if unnamed:
            names = ", ".join(repr(name) for name in unnamed)
            flags = "".join(f"--register {shlex.quote(name)} " for name in unnamed)
            return False, (
                f"{folder}: not sent: it makes versions of the registered model(s) {names} and moves their "
                "aliases, which a spool does only for a model you name. If it is yours: "
                f"hooks sync --tracking-uri {mask_uri(own) or _EMPTY} {flags}{folder}"
            )
        lines = []
        for i, line in errors:
            if i >= start:  # one sent before (counted) is not reported again
                lines.append(line)
                spool.reject(None, line)
        if any(op is not None for op in ops[start:]):
            reason = sender.reachable()
            if reason is not None:
                return False, "\n".join(
                    [*lines, f"{folder}: not sent, {reason}; {describe(ops[start:])} wait in the spool"]
                )
            try:
                sender.send(ops, start)
            except Unreachable as e:
                left = describe(ops[spool.sent() :])
                return False, "\n".join([*lines, f"{folder}: {left} not sent ({e}); they stay in the spool"])
        elif start < len(ops):
            spool.mark_sent(len(ops))
        for warning in sender.warnings:  # a spool's names are anyone's text: no escape sequence goes out
            logger.warning("%s", "".join(c if c.isprintable() else "?" for c in warning))
        rejected = spool.rejected()
        where = mask_uri(sender.uri) or "the default store"
        run_text = f"run {sender.run_id} in experiment {sender.run.get('experiment')!r} at {where}"
        if rejected:
            spool.close()
            lines.append(
                f"{folder}: sent {describe(ops[start:])} to {run_text}; {rejected} not sent (bad or refused for good), "
                f"listed in {folder}/rejected.jsonl"
            )
            return False, "\n".join(lines)
        spool.remove()
        lines.append(f"{folder}: sent {describe(ops[start:])} to {run_text}")
        return True, "\n".join(lines)
    finally:
        spool.close()


_EMPTY: Final = "''"


def _normal(uri: str) -> str:
    return uri.strip().rstrip("/")


def _shown(uri: str) -> str:
    return mask_uri(uri) if uri else "MLflow's default store (no URI)"
