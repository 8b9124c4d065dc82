"""How yaml-hooks' field paths become MLflow names. Shared by the sink and by `hooks export`, so a
run logged live and a run moved out of Neptune name everything alike.

- Metric, param and tag keys: MLflow accepts only letters, digits, ``_ - . / : `` and spaces, and
  a name that a path normaliser would change. Parentheses are dropped (``metrics/mAP50-95(B)`` →
  ``metrics/mAP50-95B``: Ultralytics' own MLflow callback names them so, and dashboards match);
  any other refused character becomes ``_``; empty parts, ``.`` and ``..`` are dropped. Keys are
  cut to MLflow's 250 characters.
- Artifacts: the field path is the artifact path; the file's suffix is added when the field's last
  part does not already end with it (``Validation/val_batch0_pred`` + ``.jpg`` →
  ``Validation/val_batch0_pred.jpg``; ``weights/best.pt`` stays).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

__all__ = [
    "MAX_KEY",
    "MAX_PARAM_VALUE",
    "MAX_TAG_VALUE",
    "artifact_path",
    "flatten",
    "key",
    "text",
]

MAX_KEY: Final = 250  # mlflow.utils.validation.MAX_ENTITY_KEY_LENGTH
MAX_PARAM_VALUE: Final = 6000  # MAX_PARAM_VAL_LENGTH
MAX_TAG_VALUE: Final = 8000  # MAX_TAG_VAL_LENGTH

_REFUSED: Final = re.compile(r"[^\w./\- :]")


def key(path: str) -> str:
    """An MLflow metric, param or tag key for a field path."""
    cleaned = _REFUSED.sub("_", path.replace("(", "").replace(")", ""))
    parts = [p for p in cleaned.split("/") if p not in ("", ".", "..")]
    return "/".join(parts)[:MAX_KEY].rstrip("/") or "_"


def artifact_path(path: str, suffix: str) -> tuple[str, str]:
    """(folder, file name) of the artifact a file uploaded to field ``path`` becomes."""
    parts = [p for p in path.split("/") if p not in ("", ".", "..")] or ["file"]
    name = parts[-1]
    if suffix and not name.endswith(suffix):
        name += suffix
    return "/".join(parts[:-1]), name


def flatten(path: str, value: Any) -> Iterator[tuple[str, Any]]:
    """(field path, plain value) for every leaf of an assigned value: a mapping spreads into
    ``path/key`` leaves (keys may hold '/'), anything else is one leaf."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from flatten(f"{path}/{k}" if path else str(k), v)
    else:
        yield path, value


def text(value: Any) -> str:
    """A value as MLflow stores params and tags: ``str(value)``, as MLflow's own ``log_param``
    does (None is "None", True is "True"), so a run reads as one Ultralytics' callback logged."""
    return value if isinstance(value, str) else str(value)
