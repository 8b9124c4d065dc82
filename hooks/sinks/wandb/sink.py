"""W&B's own client as a Sink. ``wandb`` is imported only when a run opens.

How each call maps (docs/format.md, "Weights & Biases"):
- ``append`` → a point of the history key ``path``, logged with the value of its step metric
  beside it, never with W&B's ``step=``: W&B's own step may only grow, and batch and epoch series
  would fight over it. The runtime tells the sink each event (``event``): a series logged on a
  batch event is against ``batch``, on another against ``epoch``, one without a step against its
  own counter ``step`` (``names.STEP_METRICS``). Points of one kind and step share a history row;
  a training's rows are handed to W&B when their epoch ends (``flush``), and those of an epoch a
  failed training did not finish never are: a resumed training logs that epoch again, and W&B would
  keep both rows at its steps;
- ``assign`` → the run's config (``path`` its key, a mapping under it; "" its keys top-level);
- ``upload`` → an image file as a ``wandb.Image`` in the history at the event's step; weights (a
  suffix in ``names.WEIGHT_SUFFIXES``) as a ``model`` artifact with the aliases best/last and
  epoch-N; any other file as a ``file`` artifact (W&B stages a copy: what is logged is the file as it
  is now, so ``snapshot`` needs nothing more);
- ``upload_figure`` → a ``wandb.Image`` of the figure at the event's step;
- ``fail`` / ``stop`` → ``run.finish(exit_code=1)`` / ``run.finish()``.

The run's summary is W&B's own: the last value of every key, the final metrics of a training.

W&B copies every file it is given (an image into the run's ``files/media``, an artifact's file into
its staging folder until `wandb sync`): each copy counts against the run's snapshot budget
(``snapshot_budget_mb:``, shared with the other trackers of the run); past it, one warning and no
later copy.

W&B's client hands everything to its service process; should a call fail (the service gone), the
training goes on: each kind of call warns once and the end says how many failed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, final

from ...core.masking import mask_uri
from ...core.templates import Template
from ...errors import Missing
from ...log import logger
from ..base import COPY_BUDGET, BaseSink, BaseSinkFactory, CopyBudget, first_line
from ..probe import offline_instead
from ..resume import training_identity
from ..ultralytics import arg_text, run_name, run_object
from . import names
from .writer import WAIT_SECONDS, wait_written

__all__ = ["DEFAULT_PROJECT", "WandbSink", "WandbSinkFactory", "effective_mode", "has_credentials", "server_url"]

DEFAULT_PROJECT: Final = "Ultralytics"  # Ultralytics' own callback's last resort


def effective_mode(configured: str | None, env: dict[str, str] | None = None) -> str:
    """The config's mode, else WANDB_MODE, else offline (W&B's own default would be online)."""
    env = dict(os.environ) if env is None else env
    return configured or env.get("WANDB_MODE") or "offline"


@final
@dataclass(frozen=True)
class WandbSinkFactory(BaseSinkFactory):
    """What `sink.wandb` configures. Holds no client state, so it pickles for DDP workers."""

    mode: str | None = None
    project: Template | None = None
    entity: str | None = None
    base_url: str | None = None
    dir: str | None = None
    name: Template | None = None
    run_notes: Template | None = None  # `notes:` (the name notes() is the SinkFactory protocol's)
    group: Template | None = None
    job_type: Template | None = None
    tags: tuple[Template, ...] = ()

    def describe(self) -> str:
        bits = [f"mode {self.mode}" if self.mode else "mode from WANDB_MODE, else offline"]
        project = self.project.text if self.project else ""
        bits.append(f"project {project!r}" if project else "project from WANDB_PROJECT, else args.project")
        if self.name:
            bits.append(f"run name {self.name.text!r}")
        if self.group:
            bits.append(f"group {self.group.text!r}")
        if self.tags:
            bits.append("tags " + ", ".join(t.text for t in self.tags))
        bits.append(f"folder {self.dir!r}" if self.dir else "folder from WANDB_DIR, else the run's folder (save_dir)")
        return "a W&B run (" + "; ".join(bits) + "), series against epoch/batch step metrics"

    def init_kwargs(self, lookup: Callable[[str], Any]) -> dict[str, Any]:
        """``wandb.init``'s arguments, rendered now (the run id is added by ``open``)."""

        def render(template: Template | None) -> str:
            return template.render(lookup) if template else ""

        project = render(self.project) or os.environ.get("WANDB_PROJECT", "")
        # As Ultralytics' callback names it: what W&B refuses in a project's name as '-', its last 128 characters.
        project = project or re.sub(r"[/\\#?%:]", "-", arg_text(lookup, "project"))[-128:] or DEFAULT_PROJECT
        kwargs: dict[str, Any] = {"mode": effective_mode(self.mode), "project": project}
        name = run_name(lookup, render(self.name) or arg_text(lookup, "name"))
        for key, value in (
            ("name", name),
            ("notes", render(self.run_notes)),
            ("group", render(self.group)),
            ("job_type", render(self.job_type)),
            ("entity", self.entity or ""),
            # WANDB_DIR read now, not by W&B: its settings are read once per process. Else the
            # run's folder (save_dir), where Ultralytics' own callback puts its wandb/ too.
            ("dir", self.dir or os.environ.get("WANDB_DIR", "") or _run_folder(lookup)),
        ):
            if value:
                kwargs[key] = value
        tags = [t for t in (tpl.render(lookup) for tpl in self.tags) if t]
        if tags:
            kwargs["tags"] = tags
        return kwargs

    def open(self, lookup: Callable[[str], Any]) -> WandbSink:
        import wandb

        kwargs = self.init_kwargs(lookup)
        if kwargs.get("dir"):
            Path(kwargs["dir"]).mkdir(parents=True, exist_ok=True)
        identity = training_identity(lookup, "wandb")
        if identity is not None:
            # The same W&B run for every part of a training: online, W&B continues it; offline,
            # each part is a folder of that id, which `wandb sync` and the reader join.
            kwargs["id"] = identity.run_id
            kwargs["resume"] = "allow"
        # A run of its own: a W&B run the user (or a notebook) has open stays theirs, neither
        # finished nor logged into (W&B's default would finish it).
        kwargs["reinit"] = "create_new"
        if kwargs["mode"] in ("online", "shared"):
            kwargs["mode"] = self._online_or_offline(kwargs["mode"])
        settings: dict[str, Any] = {}
        if self.base_url:
            settings["base_url"] = self.base_url
        if settings:
            kwargs["settings"] = wandb.Settings(**settings)
        try:
            run = wandb.init(**kwargs)
        except Exception as e:
            if kwargs["mode"] in ("offline", "disabled"):
                raise
            # No login, no server: nothing is logged yet, so an offline run loses nothing, and
            # `wandb sync` uploads it later.
            logger.warning(
                "W&B could not start in %s mode (%s: %s); logging offline instead",
                kwargs["mode"],
                type(e).__name__,
                first_line(e),
            )
            kwargs["mode"] = "offline"
            run = wandb.init(**kwargs)
        try:
            budget: CopyBudget | None = lookup(COPY_BUDGET)
        except Missing:
            budget = None
        sink = WandbSink(
            run, wandb, kwargs["mode"], trainer=_trainer(lookup), budget=budget, training=identity is not None
        )
        if identity is not None:
            sink.assign(names.OWN_CONFIG_KEY, {"run_id": identity.run_id, "part": identity.part})
        return sink

    def _online_or_offline(self, mode: str) -> str:
        """``mode`` (online or shared), or offline with one warning when W&B would hold the training:
        with no API key it asks for one in a terminal (and waits for the answer) or stops with an
        error; with a server that does not answer, ``wandb.init`` waits its init_timeout (90 s).
        Nothing is logged yet, so an offline run loses nothing: `wandb sync` uploads it later."""
        url = server_url(self.base_url)
        # The server first: W&B's own lookup of the key remembers the server, and a W&B that knows a
        # server that does not answer waits for it again when the process exits (its telemetry).
        if url and offline_instead("W&B", url, "W&B's wait for it (90 s)", "wandb sync"):
            return "offline"
        if not has_credentials(url or self.base_url):
            logger.warning(
                "W&B: no API key for %s (`wandb login`, or WANDB_API_KEY): logging offline instead, so that no login "
                "prompt holds the training; `wandb sync` uploads the run later",
                mask_uri(url) if url else "W&B's default server",
            )
            return "offline"
        return mode


def server_url(base_url: str | None) -> str:
    """The W&B server a run goes to: the config's ``base_url``, else WANDB_BASE_URL, else W&B's
    own default; "" when that cannot be told (another W&B version)."""
    if base_url or os.environ.get("WANDB_BASE_URL"):
        return str(base_url or os.environ["WANDB_BASE_URL"])
    try:
        import wandb

        return str(wandb.Settings().base_url)
    except Exception:
        return ""


def has_credentials(base_url: str | None) -> bool:
    """Whether W&B has a key (or token) for the server, found as ``wandb.init`` finds it (its
    variables, ~/.netrc, its settings) without asking: True when that cannot be told (another W&B
    version), and ``wandb.init`` decides."""
    try:
        import wandb
        from wandb.sdk.lib import wbauth

        url = server_url(base_url) or wandb.Settings().base_url
        found = wbauth.authenticate_session(host=wbauth.HostUrl(url), source="yaml-hooks", prompt=False)
    except Exception:
        return True
    return found is not None


def _run_folder(lookup: Callable[[str], Any]) -> str:
    """The run's folder (save_dir) of the trainer, validator, predictor or exporter; "" if none."""
    save_dir = getattr(run_object(lookup), "save_dir", None)
    return str(save_dir) if save_dir is not None else ""


def _trainer(lookup: Callable[[str], Any]) -> Any:
    try:
        return lookup("trainer")
    except Missing:
        return None


@final
class WandbSink(BaseSink):
    """An open ``wandb.Run`` (see the module's docstring)."""

    def __init__(
        self,
        run: Any,
        wandb: Any,
        mode: str,
        *,
        trainer: Any = None,
        budget: CopyBudget | None = None,
        training: bool = False,
    ) -> None:
        self._run = run
        # A training's rows are handed to W&B when their epoch ends (``flush``): a resumed training
        # logs an interrupted epoch again, and W&B would keep both rows at its steps.
        self._training = training
        self._held: list[dict[str, Any]] = []  # rows of the epoch in progress
        self._dropped = 0
        self._budget = budget  # the run's snapshot budget (the runtime's), None: no bound
        self._wandb = wandb
        self._mode = mode
        self._trainer = trainer
        self._kinds: dict[str, str] = {}  # history key -> its step metric
        self._counters: dict[str, int] = {}  # history key -> the next step of its own counter
        self._row: dict[str, Any] = {}
        self._row_at: tuple[str, float] | None = None  # (step metric, step) of the row being filled
        self._failed = False
        self._errors: dict[str, int] = {}  # the kind of call -> how many failed
        # The event being logged (``event``): its series' step metric, and its step for uploads.
        # None outside a training's events (a sink driven by hand): epoch series, counted uploads.
        self._event: tuple[str, int | None] | None = None
        self._guarded("open", self._define_steps)

    # ------------------------------------------------------------ failures never reach the training
    def _guarded(self, what: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception as e:
            count = self._errors.get(what, 0)
            self._errors[what] = count + 1
            if not count:
                logger.warning(
                    "W&B: %s failed (%r); the training goes on, later failures of it are counted at the end",
                    what,
                    e,
                )
            return None

    def _define_steps(self) -> None:
        for metric in names.STEP_METRICS:
            self._run.define_metric(metric, hidden=True)

    # ------------------------------------------------------------ the Sink protocol
    def event(self, name: str, step: int | None, *, batch: bool) -> None:
        self._event = ("batch" if batch else "epoch", step)

    def append(self, path: str, value: float, step: float | None) -> None:
        self._guarded("logging a series", lambda: self._append(path, value, step))

    def _append(self, path: str, value: float, step: float | None) -> None:
        metric = self._kinds.get(path)
        if metric is None:
            event = self._event
            metric = "step" if step is None else (event[0] if event is not None else "epoch")
            self._kinds[path] = metric
            self._run.define_metric(path, step_metric=metric)
        if step is None:
            step = self._counters.get(path, 0)
            self._counters[path] = int(step) + 1
        self._put(path, value, metric, step)

    def _put(self, key: str, value: Any, metric: str, step: float) -> None:
        at = (metric, step)
        if self._row_at != at or key in self._row:
            self._commit()
            self._row_at = at
        self._row[key] = value

    def _commit(self) -> None:
        if self._row_at is None:
            return
        metric, step = self._row_at
        row, self._row, self._row_at = self._row, {}, None
        row[metric] = int(step) if float(step).is_integer() else step
        self._held.append(row)

    def _hand_over(self) -> None:
        """The rows held so far, to W&B (an epoch ended, or the run does)."""
        self._commit()
        rows, self._held = self._held, []
        for row in rows:
            self._run.log(row)

    def assign(self, path: str, value: Any) -> None:
        update = dict(value) if not path and isinstance(value, dict) else {path: value}
        self._guarded("setting the config", lambda: self._run.config.update(update, allow_val_change=True))

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        # W&B copies every file it is given (media into the run folder, artifacts into its staging
        # folder): the copy counts against the run's snapshot budget, unless the runtime counted it
        # already (a snapshot).
        if not snapshot and not self._guarded("logging a file", lambda: self._within_budget(path, file)):
            return
        suffix = file.suffix.lower()
        if suffix in names.IMAGE_SUFFIXES:
            self._guarded("logging an image", lambda: self._image(path, self._wandb.Image(str(file))))
        else:
            self._guarded("logging an artifact", lambda: self._artifact(path, file))

    def _within_budget(self, path: str, file: Path) -> bool:
        budget = self._budget
        if budget is None:
            return True
        if budget.take(os.stat(file).st_size):
            return True
        if budget.just_reached:
            logger.warning(
                "W&B: the run's snapshot budget (%.1f MB) is reached: %s was not logged to '%s', and no later copy "
                "of this run will be (W&B keeps a copy of every file it is given); `snapshot_budget_mb:` in the "
                "config you load sets it",
                budget.snapshot_budget / (1 << 20),
                file,
                path,
            )
        return False

    def upload_figure(self, path: str, figure: Any) -> None:
        self._guarded("logging a figure", lambda: self._image(path, self._wandb.Image(figure)))

    def _image(self, path: str, image: Any) -> None:
        metric = self._kinds.get(path)
        event = self._event
        if metric is None:
            metric = event[0] if event is not None and event[1] is not None else "step"
            self._kinds[path] = metric
            self._run.define_metric(path, step_metric=metric)
        step: float | None = event[1] if event is not None and metric != "step" else None
        if step is None:
            step = self._counters.get(path, 0)
            self._counters[path] = int(step) + 1
        self._put(path, image, metric, step)

    def _artifact(self, path: str, file: Path) -> None:
        weights = file.suffix.lower() in names.WEIGHT_SUFFIXES
        artifact = self._wandb.Artifact(
            names.artifact_name(str(self._run.id), path),
            type="model" if weights else "file",
            metadata={names.ARTIFACT_PATH_KEY: path},
        )
        artifact.add_file(str(file), name=file.name)
        aliases = names.weight_aliases(path, file.name, self._epoch()) if weights else []
        self._run.log_artifact(artifact, aliases=aliases or None)

    def _epoch(self) -> int | None:
        """The 1-based epoch of the training (None outside one): its last epoch once it ended."""
        epoch = getattr(self._trainer, "epoch", None)
        return int(epoch) + 1 if isinstance(epoch, int) else None

    def flush(self) -> None:
        # An epoch ended: its rows go to W&B, whose service writes them by itself.
        self._guarded("logging a series", self._hand_over)

    def fail(self) -> None:
        """The training raised or was interrupted: the run ends with exit code 1 (failed), and the
        rows of a training's unfinished epoch are not logged (a resumed training logs it again)."""
        self._failed = True
        if self._training:
            self._commit()
            self._dropped += len(self._held)
            self._held = []

    def stop(self) -> str:
        self._guarded("logging a series", self._hand_over)
        folder = self.folder()
        self._guarded("finishing the run", lambda: self._run.finish(exit_code=1 if self._failed else 0))
        if folder is not None and self._mode != "disabled":
            # The service writes the log's last records after finish() returns: on disk before the
            # end says where the run is (a reader right after the training finds it whole).
            log = folder / f"run-{self._run.id}.wandb"
            if not self._guarded("finishing the run", lambda: wait_written(log)):
                logger.warning("W&B: the service is still writing %s after %.0f s; going on", log, WAIT_SECONDS)
        failed = sum(self._errors.values())
        note = f"; {failed} W&B call(s) failed (the first is in the log above)" if failed else ""
        if self._dropped:
            note += (
                f"; the {self._dropped} history row(s) of the unfinished epoch were not logged (a resumed training "
                "logs that epoch again)"
            )
        if self._mode == "offline":
            where = folder if folder is not None else "wandb/"
            return f"W&B offline run saved in {where} (upload it later with `wandb sync {where}`){note}"
        if self._mode == "disabled":
            return f"W&B disabled: nothing was saved{note}"
        url = getattr(self._run, "url", None)
        return f"W&B run {url or self._run.id}{note}"

    def folder(self) -> Path | None:
        """The run's folder (``offline-run-<time>-<id>``)."""
        files = getattr(self._run, "dir", None)
        return Path(files).parent if files else None
