"""Attribute paths (``trainer.validator.speed``): parsed once, followed without calls or privates."""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from typing import Any, Final

from ..errors import Missing, UnsafePath

__all__ = ["CODE_TYPES", "follow", "parse_path"]

_SEGMENT: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

# Objects a path may never pass through or return: from these, code and globals are one step away.
CODE_TYPES: Final = (
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.CodeType,
    types.FrameType,
    types.TracebackType,
    types.GeneratorType,
    type,
)


def parse_path(text: str) -> tuple[str, ...] | str:
    """Split ``a.b.c``; return the parts, or a message saying what is wrong."""
    parts = tuple(text.split("."))
    for part in parts:
        if not part:
            return f"'{text}' has an empty part; write names separated by single dots"
        if part.startswith("_"):
            return f"'{part}' starts with '_'; private names cannot be read from a config"
        if not _SEGMENT.fullmatch(part):
            return f"'{part}' is not a plain name (letters, digits and '_' only; no calls or indexing)"
    return parts


def follow(obj: Any, parts: tuple[str, ...], shown: str) -> Any:
    """Read ``obj.parts[0].parts[1]…``; mappings are read by key. Raises Missing or UnsafePath."""
    for i, part in enumerate(parts):
        if isinstance(obj, CODE_TYPES):
            raise UnsafePath(f"{shown}: '{'.'.join(parts[:i])}' is not plain data")
        if isinstance(obj, Mapping):
            if part not in obj:
                raise Missing(f"{shown}: no key '{part}'")
            obj = obj[part]
        else:
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise Missing(f"{shown}: no attribute '{part}' on {type(obj).__name__}") from None
        if obj is None:
            raise Missing(f"{shown} is not set yet")
    if isinstance(obj, CODE_TYPES):
        raise UnsafePath(f"{shown} is not plain data")
    return obj
