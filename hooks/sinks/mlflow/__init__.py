"""MLflow: a tracker teams run themselves (the `mlflow` extra: ``pip install 'yaml-hooks[mlflow]'``).
This module is its registration (the options' schema and ``build``) and stays light: ``sink.py`` is
the sink, imported the first time a config names the tracker (with ``sender.py``, which talks to the
server from a background thread, and urllib); ``spool.py`` keeps what is not sent yet on disk,
``names.py`` maps field paths to MLflow names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ..base import SinkType

if TYPE_CHECKING:
    from ...config.builder import Builder
    from ..replay import ReplayTarget
    from .sink import MlflowSinkFactory

__all__ = ["SCHEMA", "SINK"]

SCHEMA: Final[dict[str, Any]] = {
    "title": "MLflow",
    "description": (
        "The MLflow run the actions log to (needs `pip install 'yaml-hooks[mlflow]'`). Opened at the first event "
        "that logs; everything is written to a spool on disk and sent by a background thread, so a slow or absent "
        "server never holds up the training; `hooks sync` sends what a run could not."
    ),
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "tracking_uri": {
            "type": "string",
            "title": "Tracking URI",
            "description": (
                "http://host:port of a tracking server, or sqlite:///path/mlflow.db. Unset: MLFLOW_TRACKING_URI, "
                "else MLflow's default (sqlite:///mlflow.db in the working folder). Only the config you load may "
                "set it: a preset cannot send the run elsewhere."
            ),
            "examples": ["http://127.0.0.1:5000", "sqlite:///mlflow.db"],
        },
        "experiment": {
            "$ref": "#/$defs/template",
            "title": "Experiment",
            "description": "Unset: MLFLOW_EXPERIMENT_NAME, else args.project, else /Shared/Ultralytics"
            " (as Ultralytics does). Only the config you load may set it.",
            "examples": ["yolo-{args.task}"],
        },
        "name": {
            "$ref": "#/$defs/template",
            "title": "Run name",
            "description": "Unset: MLFLOW_RUN, else args.name (as Ultralytics).",
            "examples": ["{args.name}"],
        },
        "description": {"$ref": "#/$defs/template", "title": "Run description (the run's note)"},
        "tags": {
            "title": "Tags",
            "description": (
                "Tag name to value (a template); a value that renders empty is left out. MLflow's own tags (mlflow.*) "
                "only in the config you load; yaml_hooks.* are yaml-hooks' own."
            ),
            "type": "object",
            "additionalProperties": {"$ref": "#/$defs/template"},
            "examples": [{"task": "{args.task}", "team": "vision"}],
        },
        "assign_as": {
            "title": "Assigned values as",
            "description": (
                "params (the default: what MLflow compares runs by; they never change, so a later different value "
                "goes to a tag of the same name) or tags."
            ),
            "enum": ["params", "tags"],
        },
        "drain_seconds": {
            "title": "Drain wait",
            "description": (
                "How long the end of a training waits for the background thread to send what is left (default 30). "
                "What is still unsent then stays in the spool, and the message says where. Only the config you load "
                "may set it."
            ),
            "type": "number",
            "minimum": 0,
            "maximum": 3600,
        },
        "system_metrics": {
            "title": "System metrics",
            "description": (
                "true: MLflow's own SystemMetricsMonitor logs CPU, memory, disk, network (and GPU) use as system/* "
                "metrics while the run is open (every 10 s; MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL sets it). Its "
                "own thread, best effort: not spooled, so what it samples while the server is down is lost. "
                "Default false."
            ),
            "type": "boolean",
        },
        "dataset": {
            "title": "Record the dataset",
            "description": (
                "true (the default): a training's run records its dataset as its input (log_inputs, context "
                "training): named by the data YAML's file name, with its digest, its path, and a profile of the "
                "class names, their number and the number of training images. Once per run, not again on resume."
            ),
            "type": "boolean",
        },
    },
}


def build(b: Builder, options: Mapping[str, Any]) -> MlflowSinkFactory:
    from .sink import MlflowSinkFactory  # the sink's module only when a config names this tracker

    def t(key: str) -> Any:
        return b.template(options.get(key), (key,))

    uri = options.get("tracking_uri")
    tags = tuple(
        (str(k), tpl)
        for k, text in (options.get("tags") or {}).items()
        if _tag_allowed(b, str(k)) and (tpl := b.template(text, ("tags", k))) is not None
    )
    return MlflowSinkFactory(
        uri or None,
        t("experiment"),
        t("name"),
        t("description"),
        tags,
        options.get("assign_as", "params"),
        float(options.get("drain_seconds", 30.0)),
        system_metrics=bool(options.get("system_metrics", False)),
        dataset=bool(options.get("dataset", True)),
    )


def _tag_allowed(b: Builder, name: str) -> bool:
    """yaml-hooks' own tags (``yaml_hooks.run_id`` finds a resumed training's run) are set by no
    config; MLflow's own (``mlflow.runName``, ``mlflow.parentRunId``, ``mlflow.user`` …) only by the
    config loaded: they say what a run is and where it belongs."""
    if name.startswith(OWN_TAG_PREFIX):
        b.fail(("tags", name), f"tags starting with '{OWN_TAG_PREFIX}' are yaml-hooks' own; choose another name")
        return False
    if name.startswith("mlflow.") and b.from_preset(("tags", name)):
        b.fail(
            ("tags", name),
            f"a preset may not set MLflow's own tag {name} (it says what the run is and where it belongs): only "
            "the config you load may; move it there",
        )
        return False
    return True


def replay(options: Mapping[str, Any]) -> ReplayTarget:
    """`hooks export --to mlflow`'s target (``replay.py``, imported only for an export)."""
    from .replay import replay_target

    return replay_target(options)


# yaml-hooks' own tags (``names.py`` and ``sink.py`` set them; no config may).
OWN_TAG_PREFIX: Final = "yaml_hooks."

SINK: Final = SinkType(
    "mlflow",
    SCHEMA,
    build,
    replay=replay,
    user_only={
        "tracking_uri": "the tracking server (unset: MLFLOW_TRACKING_URI)",
        "experiment": "the experiment (unset: MLFLOW_EXPERIMENT_NAME, else args.project)",
        "drain_seconds": "how long the end of a training waits for the server",
    },
)
