"""A quick yes to "is this document valid?", so that a valid config is loaded without importing
jsonschema (about half of a fresh process's first ``hooks.load``).

The answer is ``True`` only when the document is valid under the JSON Schema keywords below, read
as draft 2020-12 reads them; ``False`` when it is not; ``None`` when the schema uses anything this
module does not know (a package's tracker or action kind may bring ``format``, ``uniqueItems``, a
remote ``$ref`` …). Only ``True`` is ever trusted: ``False`` and ``None`` send the document to
jsonschema, which finds every error and says where (``validate.check``). A test holds the two
equal on every config the tests know and on generated ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sized
from functools import lru_cache
from typing import Any, Final, cast

__all__ = ["SUPPORTED", "quick_valid"]

# Keywords that only annotate: they never make a document invalid.
_ANNOTATIONS: Final = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "default", "examples", "errorMessage", "deprecated"}
)
_ASSERTIONS: Final = frozenset(
    {
        "$ref",
        "$defs",
        "type",
        "enum",
        "const",
        "properties",
        "additionalProperties",
        "required",
        "minProperties",
        "maxProperties",
        "items",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
        "if",
        "then",
        "else",
    }
)
SUPPORTED: Final = _ANNOTATIONS | _ASSERTIONS
# Where a schema holds schemas by name, not keywords (their keys are property or definition names).
_NAMED: Final = frozenset({"properties", "$defs"})
_ALWAYS: Final[Mapping[str, Any]] = {}


def quick_valid(schema: Mapping[str, Any], instance: Any) -> bool | None:
    """True: ``instance`` is valid under ``schema``; False: it is not; None: ``schema`` uses a
    keyword or a reference this module does not read (ask jsonschema)."""
    if not _readable(_Frozen(schema)):
        return None
    return _Check(schema).valid(schema, instance)


class _Frozen:
    """A schema as an lru_cache key: by identity (schemas are built once per registry state)."""

    __slots__ = ("schema",)

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema

    def __hash__(self) -> int:
        return id(self.schema)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Frozen) and other.schema is self.schema


@lru_cache(maxsize=8)
def _readable(frozen: _Frozen) -> bool:
    root = frozen.schema
    return _known(root, root)


def _known(schema: Any, root: Mapping[str, Any]) -> bool:
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, Mapping):
        return False
    for key, value in schema.items():
        if key not in SUPPORTED:
            return False
        if key in _ANNOTATIONS or key in ("enum", "const", "required", "type"):
            continue
        if key == "$ref":
            if not isinstance(value, str) or _pointer(root, value) is None:
                return False
        elif key in _NAMED:
            if not isinstance(value, Mapping) or not all(_known(s, root) for s in value.values()):
                return False
        elif key in ("anyOf", "oneOf", "allOf"):
            if not isinstance(value, list) or not all(_known(s, root) for s in value):
                return False
        elif key in ("additionalProperties", "items", "not", "if", "then", "else"):
            if not _known(value, root):
                return False
        elif key == "pattern":
            if not isinstance(value, str):
                return False
        elif not isinstance(value, (int, float)) or isinstance(value, bool):
            return False  # the numeric limits
    return True


def _pointer(root: Mapping[str, Any], ref: str) -> Any:
    """The schema a local reference (``#/$defs/name``) names; None for any other reference."""
    if not ref.startswith("#/"):
        return None
    found: Any = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(found, Mapping) or part not in found:
            return None
        found = found[part]
    return found


def _is_type(value: Any, name: str) -> bool:
    # As jsonschema's draft 2020-12 type checker: booleans are not numbers, 1.0 is an integer.
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if name == "number":
        return isinstance(value, (int, float))
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return False


def _equal(a: Any, b: Any) -> bool:
    # As jsonschema's `equal`: true and 1 differ, 1 and 1.0 do not.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class _Check:
    __slots__ = ("root",)

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def valid(self, schema: Any, value: Any) -> bool:
        if schema is True:
            return True
        if schema is False:
            return False
        for key, expected in schema.items():
            check = _CHECKS.get(key)
            if check is not None and not check(self, expected, value, schema):
                return False
        return True


def _ref(c: _Check, ref: str, value: Any, _: Mapping[str, Any]) -> bool:
    return c.valid(_pointer(c.root, ref), value)


def _type(c: _Check, expected: str | list[str], value: Any, _: Mapping[str, Any]) -> bool:
    names = [expected] if isinstance(expected, str) else expected
    return any(_is_type(value, name) for name in names)


def _properties(c: _Check, props: Mapping[str, Any], value: Any, _: Mapping[str, Any]) -> bool:
    if not isinstance(value, dict):
        return True
    return all(c.valid(props[k], v) for k, v in value.items() if k in props)


def _additional(c: _Check, extra: Any, value: Any, schema: Mapping[str, Any]) -> bool:
    if not isinstance(value, dict):
        return True
    named = schema.get("properties", _ALWAYS)
    return all(c.valid(extra, v) for k, v in value.items() if k not in named)


def _required(c: _Check, names: list[str], value: Any, _: Mapping[str, Any]) -> bool:
    return not isinstance(value, dict) or all(name in value for name in names)


def _items(c: _Check, each: Any, value: Any, _: Mapping[str, Any]) -> bool:
    return not isinstance(value, list) or all(c.valid(each, v) for v in value)


def _if(c: _Check, condition: Any, value: Any, schema: Mapping[str, Any]) -> bool:
    branch = "then" if c.valid(condition, value) else "else"
    return branch not in schema or c.valid(schema[branch], value)


def _sized(kind: type | tuple[type, ...], low: bool) -> Callable[[_Check, int, Any, Mapping[str, Any]], bool]:
    def check(c: _Check, limit: int, value: Any, _: Mapping[str, Any]) -> bool:
        if not isinstance(value, kind):
            return True
        size = len(cast("Sized", value))
        return size >= limit if low else size <= limit

    return check


def _bound(low: bool) -> Callable[[_Check, float, Any, Mapping[str, Any]], bool]:
    def check(c: _Check, limit: float, value: Any, _: Mapping[str, Any]) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return True
        return value >= limit if low else value <= limit

    return check


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_CHECKS: Final[dict[str, Callable[[_Check, Any, Any, Mapping[str, Any]], bool]]] = {
    "$ref": _ref,
    "type": _type,
    "enum": lambda c, options, value, _: any(_equal(value, o) for o in options),
    "const": lambda c, option, value, _: _equal(value, option),
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _required,
    "minProperties": _sized(dict, low=True),
    "maxProperties": _sized(dict, low=False),
    "items": _items,
    "minItems": _sized(list, low=True),
    "maxItems": _sized(list, low=False),
    "minLength": _sized(str, low=True),
    "maxLength": _sized(str, low=False),
    "pattern": lambda c, pattern, value, _: not isinstance(value, str) or _regex(pattern).search(value) is not None,
    "minimum": _bound(low=True),
    "maximum": _bound(low=False),
    "anyOf": lambda c, options, value, _: any(c.valid(o, value) for o in options),
    "oneOf": lambda c, options, value, _: sum(1 for o in options if c.valid(o, value)) == 1,
    "allOf": lambda c, options, value, _: all(c.valid(o, value) for o in options),
    "not": lambda c, other, value, _: not c.valid(other, value),
    "if": _if,
}
