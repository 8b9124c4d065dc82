"""How yaml-hooks' field paths become MLflow names. Shared by the sink and by `hooks export`, so a
run logged live and a run moved out of Neptune name everything alike.

- Metric, param and tag keys: MLflow accepts only letters, digits, ``_ - . / : `` and spaces, and
  a name that a path normaliser would change. Parentheses are dropped (``metrics/mAP50-95(B)`` →
  ``metrics/mAP50-95B``: Ultralytics' own MLflow callback names them so, and dashboards match);
  any other refused character becomes ``_``; empty parts, ``.`` and ``..`` are dropped. Keys are
  cut to MLflow's 250 characters.
- Search filters (:func:`equals`): MLflow strips one pair of quotes from a value and unescapes
  nothing, so a value is put in the quote it does not hold, and one that holds both is matched with
  LIKE and checked exactly by the caller.
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
    "equals",
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
    # Cut, then the parts again: a cut may end in "/." or "/..", which MLflow refuses as a path.
    cut = [p for p in "/".join(parts)[:MAX_KEY].split("/") if p not in ("", ".", "..")]
    return "/".join(cut) or "_"


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


_UNQUOTABLE: Final = re.compile(r"['\"\\%_]")


def equals(entity: str, key: str, value: str) -> tuple[str, bool]:
    """A clause of MLflow's search grammar (``mlflow/utils/search_utils.py``) that finds ``entity``
    (``tags``, ``params``; "" for an attribute such as ``name``) ``key`` equal to ``value``, for
    any text, and whether it is exact. MLflow takes the text between a pair of quotes as it is (no
    escapes; sqlparse, which splits the string, reads a backslash as one): a value goes in single
    quotes, else in double quotes when it holds a single one; a value with both quotes or a
    backslash is matched with LIKE, ``_`` standing for each character that cannot be written, and
    then the clause is not exact: keep only the results whose value is ``value``. A key goes in
    backticks, else in double quotes (ValueError when it holds both)."""
    if entity:
        if "`" not in key:
            name = f"{entity}.`{key}`"
        elif '"' not in key and "\\" not in key:
            name = f'{entity}."{key}"'
        else:
            raise ValueError(f"the key {key!r} holds a backtick and a double quote; MLflow's search cannot name it")
    else:
        name = key
    if "\\" not in value:
        if "'" not in value:
            return f"{name} = '{value}'", True
        if '"' not in value:
            return f'{name} = "{value}"', True
    return f"{name} LIKE '{_UNQUOTABLE.sub('_', value)}'", False
