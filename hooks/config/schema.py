"""The JSON Schema of a config, put together from its pieces: the config's own keys and shared
definitions (here), each action kind's options, each kind of named source with its names, each
tracker's options. The pieces of registered things come from their registries, through the loader
(``hooks.loader.schema``): this module knows no registry. ``schemas/hooks.schema.json`` is what
``assemble`` makes of yaml-hooks' own pieces (``hooks schema --builtin``); a test keeps it so."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from ..core.events import EVENTS
from ..core.integrations import INTEGRATION_NAMES

__all__ = ["KindPiece", "assemble", "switchable"]

KindPiece = tuple[str, Mapping[str, Any], Mapping[str, Any] | None]
"""An action kind's piece: its name, the schema of its options, an example of them (or None)."""

# The top of the schema, and the config's own keys ({default_sink} is filled in).
TOP: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:yaml-hooks:hooks.schema.json:1",
    "title": "yaml-hooks config",
    "description": "What an Ultralytics YOLO training logs, and where, event by event. See docs/format.md.",
    "type": "object",
    "additionalProperties": False,
    "required": ["version"],
}
PROPERTIES: Final[dict[str, Any]] = {
    "version": {
        "title": "Format version",
        "description": "The version of this file format. Only 1 exists.",
        "const": 1,
        "errorMessage": "must be 1, the only format version this yaml-hooks reads",
    },
    "description": {
        "title": "Description",
        "description": "One line saying what this config logs; `hooks presets` shows it.",
        "type": "string",
    },
    "extends": {
        "title": "Extends",
        "description": (
            "Configs this one builds on: a shipped preset name (`default`) or a path relative to this file. "
            "Several are merged in order, later ones win, and this file wins over all."
        ),
        "oneOf": [
            {"$ref": "#/$defs/extendsEntry"},
            {"type": "array", "items": {"$ref": "#/$defs/extendsEntry"}, "minItems": 1},
        ],
        "errorMessage": "must be a preset name or a relative path, or a list of them",
        "examples": ["default", ["default", "./team.yaml"]],
    },
    "requires": {
        "title": "Requires",
        "description": (
            "The yaml-hooks versions this config works with, as a version range; an older yaml-hooks refuses it "
            "and says which to install."
        ),
        "type": "string",
        "examples": [">=0.2"],
    },
    "mask_keys": {
        "title": "Mask keys",
        "description": (
            'Glob patterns (case-insensitive) of keys whose values are replaced by "****" in every assigned '
            "mapping, hyperparameters included, before they leave the process. Added to the built-in list: "
            "*token*, *password*, *passwd*, *secret*, *api_key*, *apikey*, *credential*, *private_key*."
        ),
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "examples": [["*wandb*", "db_*"]],
    },
    "allow_roots": {
        "title": "Allowed roots",
        "description": (
            "Absolute folders outside the run's own that an action may name as its `root`. Only the config you "
            "load may set this, never a preset it extends."
        ),
        "type": "array",
        "items": {"type": "string", "pattern": "^/", "errorMessage": "must be an absolute folder path"},
        "examples": [["/data/reference-plots"]],
    },
    "allow_env": {
        "title": "Allowed environment variables",
        "description": (
            "Environment variables a preset this config extends may read with ${VAR} (a preset reads none "
            "otherwise). This config itself reads any. Only the config you load may set this, never a preset."
        ),
        "type": "array",
        "items": {
            "type": "string",
            "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
            "errorMessage": "must be an environment variable's name",
        },
        "examples": [["TEAM_RUN_PREFIX"]],
    },
    "allow_paths": {
        "title": "Allowed attribute paths",
        "description": (
            "Attribute paths (or their first parts) a preset this config extends may read in `from:` and template "
            "fields, besides the run's arguments, metrics and timings (docs/reliability.md lists them). This "
            "config itself reads any. Only the config you load may set this, never a preset it extends."
        ),
        "type": "array",
        "items": {
            "type": "string",
            "pattern": "^(trainer|validator|predictor|exporter)(\\.[A-Za-z][A-Za-z0-9_]*)+$",
            "errorMessage": "must be an attribute path such as trainer.data.names",
        },
        "examples": [["trainer.data.names"]],
    },
    "snapshot_budget_mb": {
        "title": "Snapshot budget (MB)",
        "description": (
            "The most a run copies into the tracker for `snapshot: true` (its files' bytes, in MB of 1,048,576 "
            "bytes): once reached, one warning, and later snapshots are skipped and counted in a warning at the "
            "end. Default 1024 (1 GiB); 0: no snapshots. Only the config you load may set this, never a preset it "
            "extends."
        ),
        "type": "integer",
        "minimum": 0,
        "default": 1024,
        "examples": [4096],
    },
    "strict": {
        "title": "Strict",
        "description": (
            "When true, the first logging failure during training aborts the training instead of being reported as "
            "a warning."
        ),
        "type": "boolean",
        "default": False,
    },
    "ultralytics_builtins": {
        "title": "Ultralytics' own integrations",
        "description": (
            "Whether Ultralytics' own tracker callbacks (those its settings switch on and whose package is "
            "installed: ClearML, Comet, DVC and MLflow by default) also log the training. off (the default; YAML "
            "reads `off` as false, which means the same): all switched off for each training this config is "
            "attached to, with one line naming those that were on. keep: all kept. A list: those named are kept. "
            "Only the config you load may keep them, never a preset it extends."
        ),
        # if/then/else, not anyOf: a wrong name in a list is then said as such, with "did you mean".
        "if": {"type": "array"},
        "then": {"type": "array", "items": {"enum": list(INTEGRATION_NAMES)}},
        "else": {
            "enum": [False, "off", "keep"],
            "errorMessage": "must be off, keep, or a list of the integrations to keep",
        },
        "default": "off",
        "examples": ["keep", ["tensorboard"]],
    },
    "sink": {
        "title": "Sink",
        "description": (
            "Where the logged data goes: one key per tracker (several log the same actions to each). None given: "
            "{default_sink}."
        ),
        "type": "object",
        "additionalProperties": False,
    },
    "events": {
        "title": "Events",
        "description": (
            "For each Ultralytics callback event, the actions run when it fires, in order. An empty list disables "
            "the event."
        ),
        "type": "object",
        "additionalProperties": False,
    },
}

# Shared definitions, in the order the file lists them: before the kinds of sources, and after.
DEFS_BEFORE: Final[dict[str, Any]] = {
    "extendsEntry": {"type": "string", "minLength": 1},
    "template": {
        "type": "string",
        "description": (
            "Text with {fields}: {args.name}, {epoch}, {step}, {stem}, {name}, {suffix}, {file.path}, {trainer.x}, "
            "… `{a|b}` takes the first non-empty, `{a:-text}` a default. `{{` is a literal brace."
        ),
    },
    "fieldPath": {
        "type": "string",
        "description": "A '/'-separated field path (the tracker's field, series or file); may hold {fields}.",
        "minLength": 1,
    },
    "actions": {"type": "array", "items": {"$ref": "#/$defs/action"}},
}
ACTION: Final[dict[str, Any]] = {
    "title": "Action",
    "description": "One logging action: a mapping with exactly one kind as its key.",
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
}
REMOVE: Final[dict[str, Any]] = {
    "$ref": "#/$defs/id",
    "title": "remove",
    "description": "Not an action: drops the action with this id that a config this one extends put in this event.",
}
REMOVE_EXAMPLE: Final[dict[str, Any]] = {"remove": "mosaic"}
VALUE_DEFS: Final[dict[str, Any]] = {
    "id": {
        "title": "Id",
        "description": (
            "A name for this action, unique in its event, so a config that extends this one can replace or remove it."
        ),
        "type": "string",
        "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        "errorMessage": "must be letters, digits, '_', '.' or '-', starting with a letter or digit",
    },
    "when": {
        "title": "When",
        "description": (
            "Conditions on the epoch (1-based, as epoch steps are) and, on batch events, on the batch. All given "
            "conditions must hold."
        ),
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "epoch": {
                "title": "Epoch",
                "description": "first, last (the planned last epoch), an epoch number or a list of them (1-based).",
                "oneOf": [
                    {"enum": ["first", "last"]},
                    {"type": "integer", "minimum": 1},
                    {
                        "type": "array",
                        "items": {"anyOf": [{"enum": ["first", "last"]}, {"type": "integer", "minimum": 1}]},
                        "minItems": 1,
                    },
                ],
                "errorMessage": "must be first, last, an epoch number from 1, or a list of them",
                "examples": ["first", 2, [1, 10, "last"]],
            },
            "every": {
                "title": "Every N epochs",
                "description": "Act at epochs N, 2N, 3N, …",
                "type": "integer",
                "minimum": 1,
            },
            "every_batches": {
                "title": "Every N batches",
                "description": (
                    "On batch events only (on_train_batch_end, …): act at global batches N, 2N, 3N, … (the event's "
                    "step, counted over all epochs and across a resume)."
                ),
                "type": "integer",
                "minimum": 1,
            },
            "final": {
                "title": "Final validation",
                "description": (
                    "After training, Ultralytics validates the best weights and fires on_fit_epoch_end and the "
                    "on_val_* events once more (step = last epoch + 1). true: act then too (default); false: not "
                    "then; only: only then."
                ),
                "oneOf": [{"type": "boolean"}, {"const": "only"}],
                "errorMessage": "must be true, false or only",
                "default": True,
            },
        },
    },
}
DEFS_AFTER: Final[dict[str, Any]] = {
    "pluginSource": {"type": "string", "pattern": "^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$"},
    "attributePath": {
        "type": "string",
        "pattern": "^(trainer|validator|predictor|exporter)(\\.[A-Za-z][A-Za-z0-9_]*)+$",
    },
    "patterns": {
        "oneOf": [
            {"type": "string", "minLength": 1},
            {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
        ],
        "errorMessage": "must be a glob pattern or a list of them",
    },
    "root": {
        "title": "Root folder",
        "description": (
            "Whose save_dir paths and globs are relative to: the trainer's, the validator's or the predictor's "
            "(default: the object the event passes), or an absolute folder listed in `allow_roots`."
        ),
        "anyOf": [{"enum": ["trainer", "validator", "predictor"]}, {"type": "string", "pattern": "^/"}],
        "errorMessage": "must be trainer, validator, predictor, or an absolute folder listed in allow_roots",
    },
}


def assemble(
    kinds: Sequence[KindPiece],
    sources: Mapping[str, Mapping[str, Any]],
    sinks: Mapping[str, Mapping[str, Any]],
    *,
    default_sink: str,
) -> dict[str, Any]:
    """The whole schema: ``kinds`` in order, ``sources`` the definitions of the kinds of named
    sources (mappingSource, …), ``sinks`` each tracker's options by its name under `sink:`."""
    props = {key: dict(value) for key, value in PROPERTIES.items()}
    props["sink"]["description"] = props["sink"]["description"].replace("{default_sink}", default_sink)
    props["sink"]["properties"] = {name: switchable(options) for name, options in sinks.items()}
    props["events"]["properties"] = {
        name: {"$ref": "#/$defs/actions", "description": event.description} for name, event in EVENTS.items()
    }
    action = {
        **ACTION,
        "properties": {**{name: {"$ref": f"#/$defs/{name}"} for name, _, _ in kinds}, "remove": REMOVE},
        "examples": [*({name: example} for name, _, example in kinds if example is not None), REMOVE_EXAMPLE],
    }
    defs = {
        **DEFS_BEFORE,
        "action": action,
        **VALUE_DEFS,
        **sources,
        **DEFS_AFTER,
        **{name: dict(options) for name, options, _ in kinds},
    }
    return {**TOP, "properties": props, "$defs": defs}


def switchable(options: Mapping[str, Any]) -> dict[str, Any]:
    """A tracker's schema under `sink:`: its options, or `false`, which switches off a tracker that
    a config this one extends names (`sink: {neptune: false, mlflow: {}}`)."""
    return {
        "title": options.get("title", ""),
        "description": f"{options.get('description', '')} false: not this tracker (one a parent config names).",
        "if": {"const": False},
        "else": dict(options),
    }
