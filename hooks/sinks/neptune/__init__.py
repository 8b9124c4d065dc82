"""Neptune: the default tracker. ``sink.py`` is the sink, ``runlog.py`` reads the offline runs it
writes (for `hooks runs`, `hooks report` and the tests; ``decode.py`` decodes, ``series.py`` keeps the
points as columns, ``reading.py`` and ``cache.py`` go on from a cached read), ``overview.py`` is what
`hooks runs` shows of a run, ``summary.py`` puts a run into words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ..base import SinkType
from .sink import NeptuneSinkFactory

if TYPE_CHECKING:
    from ...config.builder import Builder

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
            "description": "workspace/project. Empty: NEPTUNE_PROJECT. Offline mode needs none.",
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
                "need a Neptune server. Unset: NEPTUNE_MODE, else async when NEPTUNE_API_TOKEN is set, else offline."
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
    def t(key: str) -> Any:
        return b.template(options.get(key), (key,))

    parsed = (b.template(text, ("tags", i)) for i, text in enumerate(options.get("tags", ())))
    tags = tuple(tpl for tpl in parsed if tpl is not None)
    capture = tuple(sorted((options.get("capture") or {}).items()))
    return NeptuneSinkFactory(t("project"), t("name"), t("description"), tags, options.get("mode"), capture)


SINK: Final = SinkType("neptune", SCHEMA, build, env=("NEPTUNE_PROJECT", "NEPTUNE_MODE"))
