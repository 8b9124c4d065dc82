"""The Neptune 1.x client as a Sink. ``neptune`` is imported only when a run opens. What Neptune
cannot store (None, lists) is turned into text here, and Ultralytics' own Neptune callbacks are
switched off for a training this sink logs."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, final

from ...core.imports import import_jsonschema
from ...core.templates import Template
from ...log import logger
from ..base import BaseSink, BaseSinkFactory, first_line
from ..files import read_regular
from ..probe import offline_instead
from ..resume import training_identity
from ..ultralytics import run_name
from .fields import PART_FIELD, RUN_ID_FIELD, STATUS_FIELD

__all__ = [
    "NeptuneSink",
    "NeptuneSinkFactory",
    "effective_mode",
    "storable",
]

_CAPTURE_ARGS = {
    "stdout": "capture_stdout",
    "stderr": "capture_stderr",
    "traceback": "capture_traceback",
    "hardware_metrics": "capture_hardware_metrics",
}


def effective_mode(configured: str | None, env: Mapping[str, str] | None = None) -> str:
    """The config's mode, else NEPTUNE_MODE, else async with a token and offline without one."""
    env = os.environ if env is None else env
    if configured:
        return configured
    if env.get("NEPTUNE_MODE"):
        return env["NEPTUNE_MODE"]
    return "async" if env.get("NEPTUNE_API_TOKEN") else "offline"


@final
@dataclass(frozen=True)
class NeptuneSinkFactory(BaseSinkFactory):
    """What `sink.neptune` configures. Holds no client state, so it pickles for DDP workers."""

    project: Template | None
    name: Template | None
    description: Template | None
    tags: tuple[Template, ...]
    mode: str | None
    capture: tuple[tuple[str, bool], ...]

    def describe(self) -> str:
        mode = self.mode or "offline unless NEPTUNE_MODE or NEPTUNE_API_TOKEN say otherwise"
        bits = [f"mode {mode}"]
        project = self.project.text if self.project else ""
        bits.append(f"project {project!r}" if project else "project from NEPTUNE_PROJECT")
        if self.name:
            bits.append(f"run name {self.name.text!r}")
        if self.tags:
            bits.append("tags " + ", ".join(t.text for t in self.tags))
        return "a Neptune run (" + "; ".join(bits) + ")"

    def init_kwargs(self, lookup: Callable[[str], Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"mode": effective_mode(self.mode)}
        project = self.project.render(lookup) if self.project else ""
        kwargs["project"] = project or None  # None: the client reads NEPTUNE_PROJECT
        name = self.name.render(lookup) if self.name else ""
        name = run_name(lookup, name)
        if name:
            kwargs["name"] = name
        if self.description:
            kwargs["description"] = self.description.render(lookup)
        tags = [t.render(lookup) for t in self.tags]
        if tags:
            kwargs["tags"] = [t for t in tags if t]
        for key, on in self.capture:
            if key in _CAPTURE_ARGS:
                kwargs[_CAPTURE_ARGS[key]] = on
            elif key == "git" and not on:
                kwargs["git_ref"] = False
            elif key == "source_code" and not on:
                kwargs["source_files"] = []
        return kwargs

    def open(self, lookup: Callable[[str], Any]) -> NeptuneSink:
        import_jsonschema()  # neptune imports it: without its format checkers, about 1 s sooner
        import neptune

        kwargs = self.init_kwargs(lookup)
        identity = training_identity(lookup, "neptune")
        if identity is not None:
            # A Neptune server continues the run of a custom id; offline parts are joined by the
            # reader through the yaml_hooks/run_id field (docs/format.md, "Resuming").
            kwargs["custom_run_id"] = identity.run_id
        if kwargs["mode"] in ("async", "sync"):
            kwargs["mode"] = _online_or_offline(kwargs["mode"])
        try:
            run = neptune.init_run(**kwargs)
        except Exception as e:
            if kwargs["mode"] in ("offline", "debug"):
                raise
            # No token, a bad token, no server: nothing has been logged yet, so an offline run
            # loses nothing, and `neptune sync` uploads it later where a server is reachable.
            logger.warning(
                "Neptune could not start in %s mode (%s: %s); logging offline instead",
                kwargs["mode"],
                type(e).__name__,
                first_line(e),
            )
            kwargs["mode"] = "offline"
            run = neptune.init_run(**kwargs)
        if identity is not None:
            run[RUN_ID_FIELD] = identity.run_id
            run[PART_FIELD] = identity.part
        # "finished" or "failed" when the sink stops the run; still "running" in a run whose process
        # was killed (`hooks runs` tells it from one being written by the writer's pid).
        run[STATUS_FIELD] = "running"
        return NeptuneSink(run, kwargs["mode"])


def _online_or_offline(mode: str) -> str:
    """``mode`` (async or sync), or offline with one warning when the server the API token names
    does not answer within probe.PROBE_SECONDS: ``neptune.init_run`` waits for it a minute (a refused
    connection) or without end (one that never answers), before the training's first epoch.
    Nothing is logged yet, so an offline run loses nothing: `neptune sync` uploads it later. A
    missing or malformed token is left to the client, which refuses it at once."""
    try:
        from neptune.internal.credentials import Credentials

        credentials = Credentials.from_token()
        url = str(credentials.api_url_opt or credentials.token_origin_address)
    except Exception:
        return mode
    return "offline" if offline_instead("Neptune", url, "the client's wait for it", "neptune sync") else mode


def storable(value: Any) -> Any:
    """What Neptune can assign: it drops None, lists and tuples silently (one warning per
    process), so they are written as text, None as "" (as Ultralytics' integration did)."""
    if isinstance(value, Mapping):
        return {k: storable(v) for k, v in value.items()}
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return str(value)
    return value


class NeptuneSink(BaseSink):
    """An open ``neptune.Run``."""

    def __init__(self, run: Any, mode: str) -> None:
        from neptune.types import File

        self._run = run
        self._mode = mode
        self._file = File
        self._failed = False

    def append(self, path: str, value: float, step: float | None) -> None:
        if step is None:
            self._run[path].append(value)
        else:
            self._run[path].append(value, step=step)

    def assign(self, path: str, value: Any) -> None:
        if path:
            self._run[path] = storable(value)
        else:  # a mapping's keys as top-level fields
            self._run.assign(storable(value))

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        if snapshot:
            # Offline mode stores File(path) as the path alone; a copy keeps this moment's content.
            value = self._file.from_content(read_regular(file), extension=file.suffix.lstrip(".") or None)
        else:
            # Only the path is recorded: offline, the file is read at `neptune sync` time (async
            # mode: by the client's upload thread), so what is read then is what is there then.
            value = self._file(str(file))
        self._run[path].upload(value)

    def upload_figure(self, path: str, figure: Any) -> None:
        self._run[path].upload(self._file.as_image(figure))

    def flush(self) -> None:
        self._run.wait()

    def fail(self) -> None:
        """The training raised or was interrupted: the run is marked failed, as the client marks a
        run whose script raised."""
        self._failed = True
        self._run["sys/failed"] = True
        self._run[STATUS_FIELD] = "failed"

    def stop(self) -> str:
        folder = self.folder()
        if not self._failed:
            self._run[STATUS_FIELD] = "finished"  # Neptune records no normal end of its own
        self._run.stop()
        if self._mode == "offline" and folder is not None:
            return f"Neptune offline run saved in {folder} (upload it later with `neptune sync`)"
        if self._mode == "debug":
            return "Neptune debug run: nothing was saved (debug mode keeps data in memory)"
        return f"Neptune run {self._mode} finished"

    def folder(self) -> Path | None:
        """Where an offline run writes its operations."""
        processor = getattr(self._run, "_op_processor", None)
        path = getattr(processor, "_data_path", None)  # private in the client; a guess is fine here
        if path is not None:
            return Path(path)
        data_dir = Path(os.getenv("NEPTUNE_DATA_DIRECTORY", ".neptune")) / "offline"
        run_id = getattr(self._run, "_id", "")
        found = sorted(data_dir.glob(f"run__{run_id}__*")) if run_id else []
        return found[0] if found else None
