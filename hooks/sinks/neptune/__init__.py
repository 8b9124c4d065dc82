"""Neptune: the default tracker. This module is its registration (the options' schema and ``build``)
and stays light; ``sink.py`` is the sink, imported the first time a config names the tracker, and
``fields.py`` names the fields it writes of its own (the run readers are in ``hooks.runs``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ..base import SinkType

if TYPE_CHECKING:
    from ...config.builder import Builder
    from .sink import NeptuneSinkFactory

__all__ = ["SCHEMA", "SINK"]

# `sink.neptune` in the config's JSON Schema ("#/$defs/…" refers to the whole schema's definitions).
SCHEMA: Final[dict[str, Any]] = {
    "title": "Neptune",
    "description": (
        "The Neptune 1.x run the actions log to. It is opened at the first event that logs, flushed at every epoch "
        "end and stopped when training ends."
    ),
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "project": {
            "$ref": "#/$defs/template",
            "title": "Project",
            "description": (
                "workspace/project. Empty: NEPTUNE_PROJECT. Offline mode needs none. Only the config you load may "
                "set it: a preset cannot send the run elsewhere."
            ),
            "examples": ["${NEPTUNE_PROJECT:-}", "acme/yolo"],
        },
        "name": {"$ref": "#/$defs/template", "title": "Run name", "examples": ["{args.name}"]},
        "description": {"$ref": "#/$defs/template", "title": "Run description"},
        "tags": {
            "title": "Tags",
            "type": "array",
            "items": {"$ref": "#/$defs/template"},
            "examples": [["yolo", "{args.task}"]],
        },
        "mode": {
            "title": "Mode",
            "description": (
                "offline writes to a local folder, no server or token. debug keeps everything in memory. async/sync "
                "need a Neptune server. Unset: NEPTUNE_MODE, else async when NEPTUNE_API_TOKEN is set, else offline. "
                "A preset may choose offline or debug; only the config you load may choose a mode that sends the run "
                "to a server."
            ),
            "enum": ["offline", "debug", "async", "sync", "read-only"],
        },
        "capture": {
            "title": "Capture",
            "description": (
                "The Neptune client's automatic capture switches. Unset ones keep the client's default (on)."
            ),
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "stdout": {"type": "boolean", "title": "Capture stdout"},
                "stderr": {"type": "boolean", "title": "Capture stderr"},
                "traceback": {"type": "boolean", "title": "Capture the traceback of a failed run"},
                "hardware_metrics": {"type": "boolean", "title": "Capture CPU, GPU and memory usage"},
                "git": {"type": "boolean", "title": "Record the git commit of the working directory"},
                "source_code": {"type": "boolean", "title": "Upload the entry-point script"},
            },
        },
    },
}


def build(b: Builder, options: Mapping[str, Any]) -> NeptuneSinkFactory:
    from .sink import NeptuneSinkFactory  # the sink's module only when a config names this tracker

    def t(key: str) -> Any:
        return b.template(options.get(key), (key,))

    parsed = (b.template(text, ("tags", i)) for i, text in enumerate(options.get("tags", ())))
    tags = tuple(tpl for tpl in parsed if tpl is not None)
    capture = tuple(sorted((options.get("capture") or {}).items()))
    return NeptuneSinkFactory(t("project"), t("name"), t("description"), tags, _mode(b, options.get("mode")), capture)


# The modes that keep a run on this machine: a preset may choose those (a team's may keep everything
# offline); one that sends it to a server only the config loaded may.
LOCAL_MODES: Final = ("offline", "debug")


def _mode(b: Builder, mode: str | None) -> str | None:
    if mode is None or mode in LOCAL_MODES or not b.from_preset(("mode",)):
        return mode
    b.fail(
        ("mode",),
        f"a preset may not choose mode {mode} (it sends the run to a server): only the config you load may; move "
        f"`mode: {mode}` there, or set NEPTUNE_MODE (a preset may choose {' or '.join(LOCAL_MODES)})",
    )
    return None


SINK: Final = SinkType(
    "neptune",
    SCHEMA,
    build,
    user_only={"project": "the Neptune project (unset: NEPTUNE_PROJECT)"},
)
