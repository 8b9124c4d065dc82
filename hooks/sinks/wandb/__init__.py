"""Weights & Biases: the hosted tracker most teams use, offline by default (the `wandb` extra:
``pip install 'yaml-hooks[wandb]'``). This module is its registration (the options' schema and
``build``) and stays light: ``sink.py`` is the sink, imported the first time a config names the
tracker (with W&B's own client); ``names.py`` names the artifacts and the keys the sink writes of
its own, which the reader (``hooks.runs.wandb``) reads."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ..base import SinkType

if TYPE_CHECKING:
    from ...config.builder import Builder
    from .sink import WandbSinkFactory

__all__ = ["INSTALL_HINT", "MODES", "SCHEMA", "SINK"]

INSTALL_HINT: Final = "pip install 'yaml-hooks[wandb]'"

# W&B's own run modes (``wandb.init(mode=…)``).
MODES: Final = ("offline", "online", "shared", "disabled")

SCHEMA: Final[dict[str, Any]] = {
    "title": "Weights & Biases",
    "description": (
        "The W&B run the actions log to (needs `pip install 'yaml-hooks[wandb]'`), through W&B's own client. "
        "Offline by default: a run folder wandb/offline-run-<time>-<id> that needs no account; `wandb sync` "
        "uploads it later. Series are logged against a step metric of their kind (epoch, batch; never W&B's "
        "own step, so the two never fight over it), images as W&B images, other files as artifacts, weights as "
        "a model artifact with the aliases best/last and epoch-N, assigned values as the run's config; the "
        "summary holds each series' last value. A resumed training continues the same run."
    ),
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "mode": {
            "title": "Mode",
            "description": (
                "offline (the default) writes a local run folder, no account; online sends the run to the W&B "
                "server (needs `wandb login` or WANDB_API_KEY); disabled logs nothing. Unset: WANDB_MODE, else "
                "offline. Only the config you load may set it."
            ),
            "enum": list(MODES),
        },
        "project": {
            "$ref": "#/$defs/template",
            "title": "Project",
            "description": (
                "Unset: WANDB_PROJECT, else args.project with / \\ # ? % : as '-' (as Ultralytics names it), else "
                "Ultralytics. Only the config you load may set it."
            ),
            "examples": ["yolo-{args.task}"],
        },
        "entity": {
            "type": "string",
            "title": "Entity",
            "description": "The team or user the run belongs to (unset: WANDB_ENTITY, else your default). Only the "
            "config you load may set it.",
        },
        "base_url": {
            "type": "string",
            "title": "Server",
            "description": "A W&B server of your own (unset: WANDB_BASE_URL, else W&B's default server). Only the "
            "config you load may set it.",
            "examples": ["https://wandb.example.com"],
        },
        "dir": {
            "type": "string",
            "minLength": 1,
            "title": "Folder",
            "description": (
                "The folder W&B writes its wandb/ folder into (unset: WANDB_DIR, else the run's folder, save_dir, "
                "where Ultralytics' own W&B callback writes too). Only the config you load may set it."
            ),
        },
        "name": {
            "$ref": "#/$defs/template",
            "title": "Run name",
            "description": "Unset: args.name (as Ultralytics).",
            "examples": ["{args.name}"],
        },
        "notes": {"$ref": "#/$defs/template", "title": "Notes (the run's description)"},
        "group": {"$ref": "#/$defs/template", "title": "Group", "examples": ["{args.model}"]},
        "job_type": {"$ref": "#/$defs/template", "title": "Job type", "examples": ["{args.mode}"]},
        "tags": {
            "title": "Tags",
            "description": "A tag that renders empty is left out.",
            "type": "array",
            "items": {"$ref": "#/$defs/template"},
            "examples": [["yolo", "{args.task}"]],
        },
    },
}


def build(b: Builder, options: Mapping[str, Any]) -> WandbSinkFactory:
    from .sink import WandbSinkFactory  # the sink's module (not W&B's client) only when a config names it

    if importlib.util.find_spec("wandb") is None:
        b.fail((), f"Weights & Biases is not installed; install it with `{INSTALL_HINT}`, or remove `wandb:`")
        return WandbSinkFactory()  # the config does not load: never opened

    def t(key: str) -> Any:
        return b.template(options.get(key), (key,))

    parsed = (b.template(text, ("tags", i)) for i, text in enumerate(options.get("tags", ())))
    return WandbSinkFactory(
        mode=options.get("mode"),
        project=t("project"),
        entity=options.get("entity") or None,
        base_url=options.get("base_url") or None,
        dir=options.get("dir") or None,
        name=t("name"),
        run_notes=t("notes"),
        group=t("group"),
        job_type=t("job_type"),
        tags=tuple(tpl for tpl in parsed if tpl is not None),
    )


SINK: Final = SinkType(
    "wandb",
    SCHEMA,
    build,
    user_only={
        "mode": "the W&B mode (online sends the run to a server; unset: WANDB_MODE, else offline)",
        "project": "the W&B project (unset: WANDB_PROJECT, else args.project)",
        "entity": "the W&B entity (unset: WANDB_ENTITY)",
        "base_url": "the W&B server (unset: WANDB_BASE_URL)",
        "dir": "the folder W&B writes its runs into (unset: WANDB_DIR)",
    },
)
