"""What the W&B sink names of its own, and the reader (``hooks.runs.wandb``) reads back: the step
metrics (x-axes), the config key of yaml-hooks' training id, artifact names and types."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Final

__all__ = [
    "ARTIFACT_PATH_KEY",
    "IMAGE_SUFFIXES",
    "OWN_CONFIG_KEY",
    "STEP_METRICS",
    "WEIGHT_SUFFIXES",
    "artifact_name",
    "weight_aliases",
]

# The x-axis of a series, by the kind of event that logs it: an epoch's (its 1-based epoch, or the
# 0-based one of `step: epoch0`), a batch's (its global 1-based index), or a point logged without a
# step (the series' own counter from 0). W&B's own `_step` is never chosen by the sink.
STEP_METRICS: Final = ("epoch", "batch", "step")

# yaml-hooks' own config keys (the training id and part of a resumed training): ``yaml_hooks/run_id``.
OWN_CONFIG_KEY: Final = "yaml_hooks"

# The field path an artifact holds, in its metadata (the reader keys the file by it).
ARTIFACT_PATH_KEY: Final = "yaml_hooks_path"

IMAGE_SUFFIXES: Final = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp"})
WEIGHT_SUFFIXES: Final = frozenset({".pt", ".pth", ".onnx", ".safetensors", ".torchscript", ".engine", ".tflite"})

_NOT_IN_NAME: Final = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME: Final = 128


def artifact_name(run_id: str, path: str) -> str:
    """The artifact a field path's file goes to: ``run_<id>_<path>`` with what W&B does not take
    in a name (anything but letters, digits, '.', '_', '-') as '-': the run's own, so that the
    aliases of one run's weights never move to another's. The field ``model`` gives
    ``run_<id>_model``, the name Ultralytics' own W&B callback gives its weights."""
    name = f"run_{run_id}_{_NOT_IN_NAME.sub('-', path).strip('-.') or 'file'}"
    return name[:_MAX_NAME]


def weight_aliases(path: str, file_name: str, epoch: int | None) -> list[str]:
    """The aliases of a weights file: best or last (by the file's name, else the field's), and
    epoch-N when a training's epoch is known."""
    aliases = []
    for stem in (PurePosixPath(file_name).stem, PurePosixPath(path).stem):
        if stem in ("best", "last"):
            aliases.append(stem)
            break
    if epoch is not None:
        aliases.append(f"epoch-{epoch}")
    return aliases
