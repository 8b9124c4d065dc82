"""TensorBoard: event files in a log folder, the tracker every local user already has (the
`tensorboard` extra: ``pip install 'yaml-hooks[tensorboard]'``). This module is its registration
(the options' schema and ``build``) and stays light: ``sink.py`` is the sink, imported the first
time a config names the tracker (with TensorBoard's own event-file writer); ``holds.py`` says at
load which actions upload what TensorBoard cannot hold; ``fields.py`` names what the sink writes
of its own, which the reader (``hooks.runs.tensorboard``) reads."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ..base import SinkType
from .holds import unheld

if TYPE_CHECKING:
    from ...config.builder import Builder
    from .sink import TensorBoardSinkFactory

__all__ = ["INSTALL_HINT", "SCHEMA", "SINK"]

INSTALL_HINT: Final = "pip install 'yaml-hooks[tensorboard]'"

SCHEMA: Final[dict[str, Any]] = {
    "title": "TensorBoard",
    "description": (
        "TensorBoard event files the actions log to (needs `pip install 'yaml-hooks[tensorboard]'`), in the run's "
        "folder by default, where Ultralytics' own TensorBoard callback writes, so `tensorboard --logdir runs` shows "
        "them beside older runs. Series are scalars at their step, images (files and figures) images at the "
        "step, assigned values text (and hyperparameters, at the end); other files (weights, CSV, YAML) "
        "TensorBoard cannot hold: `hooks explain` names the actions that upload them. Written by TensorBoard's "
        "own background writer, flushed at every epoch end; a resumed training writes a new event file into the "
        "same folder."
    ),
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "logdir": {
            "type": "string",
            "minLength": 1,
            "title": "Log folder",
            "description": (
                "Where the event files go: a folder relative to the run's folder (save_dir; default: the run's "
                "folder itself), or an absolute one, which only the config you load may name."
            ),
            "examples": ["tensorboard", "/data/tensorboard/{args.name}"],
        },
        "hparams": {
            "type": "boolean",
            "title": "Hyperparameters",
            "description": (
                "Also write the assigned values that are plain numbers, booleans or text as TensorBoard "
                "hyperparameters when the run stops (default true); they are always written as text too."
            ),
        },
    },
}


def build(b: Builder, options: Mapping[str, Any]) -> TensorBoardSinkFactory:
    if importlib.util.find_spec("tensorboard") is None:
        b.fail((), f"TensorBoard is not installed; install it with `{INSTALL_HINT}`, or remove `tensorboard:`")
    from .sink import TensorBoardSinkFactory  # the sink's module only when a config names this tracker

    logdir = options.get("logdir")
    template = b.template(logdir, ("logdir",)) if logdir is not None else None
    if logdir is not None and template is not None:
        if os.path.isabs(logdir):
            if b.from_preset(("logdir",)):
                b.fail(
                    ("logdir",),
                    "a preset may not choose a log folder outside the run's folder: only the config you load "
                    "may; move `logdir:` there, or make it relative",
                )
                template = None
        elif ".." in logdir.replace("\\", "/").split("/"):
            b.fail(("logdir",), "a relative log folder stays inside the run's folder: no `..`")
            template = None
    data = b.doc.data if isinstance(b.doc.data, dict) else {}
    events = data.get("events")
    notes = unheld(events if isinstance(events, dict) else {}, b.doc.where)  # a broken `events:` is said elsewhere
    return TensorBoardSinkFactory(template, bool(options.get("hparams", True)), unheld=notes)


SINK: Final = SinkType("tensorboard", SCHEMA, build)
