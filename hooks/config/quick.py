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
    return _compiled(_Frozen(schema))(instance)


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


Validator = Callable[[Any], bool]
"""A schema compiled: whether a value is valid under it."""


def _yes(value: Any) -> bool:
    return True


def _no(value: Any) -> bool:
    return False


@lru_cache(maxsize=8)
def _compiled(frozen: _Frozen) -> Validator:
    """The whole schema compiled once (per schema object): every node becomes one closure, every
    reference is resolved once, and checking a document walks the closures only."""
    return _Compiler(frozen.schema).compile(frozen.schema)


class _Compiler:
    """Turns schema nodes into validators, each node once (by identity), so that a reference met
    again (or a recursive one) reuses the node's validator."""

    __slots__ = ("done", "root")

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.done: dict[int, Validator] = {}

    def compile(self, schema: Any) -> Validator:
        if schema is True:
            return _yes
        if schema is False:
            return _no
        found = self.done.get(id(schema))
        if found is not None:
            return found
        # Until the node is compiled, a reference back to it (a recursive schema) goes through this cell.
        cell: list[Validator] = []
        self.done[id(schema)] = lambda value: cell[0](value)
        checks = tuple(
            check
            for key, expected in schema.items()
            if (make := _MAKERS.get(key)) is not None and (check := make(self, expected, schema)) is not None
        )
        valid: Validator
        if not checks:
            valid = _yes
        elif len(checks) == 1:
            valid = checks[0]
        else:

            def valid(value: Any) -> bool:
                return all(check(value) for check in checks)

        cell.append(valid)
        self.done[id(schema)] = valid
        return valid


Maker = Callable[[_Compiler, Any, Mapping[str, Any]], "Validator | None"]


def _ref(c: _Compiler, ref: str, _: Mapping[str, Any]) -> Validator:
    return c.compile(_pointer(c.root, ref))


def _type(c: _Compiler, expected: str | list[str], _: Mapping[str, Any]) -> Validator:
    names = (expected,) if isinstance(expected, str) else tuple(expected)
    if len(names) == 1:
        name = names[0]
        return lambda value: _is_type(value, name)
    return lambda value: any(_is_type(value, name) for name in names)


def _properties(c: _Compiler, props: Mapping[str, Any], _: Mapping[str, Any]) -> Validator:
    each = {name: c.compile(schema) for name, schema in props.items()}

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for k, v in value.items():
            valid = each.get(k)
            if valid is not None and not valid(v):
                return False
        return True

    return check


def _additional(c: _Compiler, extra: Any, schema: Mapping[str, Any]) -> Validator:
    named = schema.get("properties", _ALWAYS)
    valid = c.compile(extra)

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        return all(valid(v) for k, v in value.items() if k not in named)

    return check


def _required(c: _Compiler, names: list[str], _: Mapping[str, Any]) -> Validator:
    needed = tuple(names)
    return lambda value: not isinstance(value, dict) or all(name in value for name in needed)


def _items(c: _Compiler, each: Any, _: Mapping[str, Any]) -> Validator:
    valid = c.compile(each)
    return lambda value: not isinstance(value, list) or all(valid(v) for v in value)


def _if(c: _Compiler, condition: Any, schema: Mapping[str, Any]) -> Validator | None:
    holds = c.compile(condition)
    then = c.compile(schema["then"]) if "then" in schema else None
    other = c.compile(schema["else"]) if "else" in schema else None
    if then is None and other is None:
        return None

    def check(value: Any) -> bool:
        branch = then if holds(value) else other
        return branch is None or branch(value)

    return check


def _sized(kind: type | tuple[type, ...], low: bool) -> Maker:
    def make(c: _Compiler, limit: int, _: Mapping[str, Any]) -> Validator:
        def check(value: Any) -> bool:
            if not isinstance(value, kind):
                return True
            size = len(cast("Sized", value))
            return size >= limit if low else size <= limit

        return check

    return make


def _bound(low: bool) -> Maker:
    def make(c: _Compiler, limit: float, _: Mapping[str, Any]) -> Validator:
        def check(value: Any) -> bool:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return True
            return value >= limit if low else value <= limit

        return check

    return make


def _pattern(c: _Compiler, pattern: str, _: Mapping[str, Any]) -> Validator:
    search = re.compile(pattern).search
    return lambda value: not isinstance(value, str) or search(value) is not None


def _enum(c: _Compiler, options: list[Any], _: Mapping[str, Any]) -> Validator:
    return lambda value: any(_equal(value, o) for o in options)


def _const(c: _Compiler, option: Any, _: Mapping[str, Any]) -> Validator:
    return lambda value: _equal(value, option)


def _any_of(c: _Compiler, options: list[Any], _: Mapping[str, Any]) -> Validator:
    each = tuple(c.compile(o) for o in options)
    return lambda value: any(valid(value) for valid in each)


def _one_of(c: _Compiler, options: list[Any], _: Mapping[str, Any]) -> Validator:
    each = tuple(c.compile(o) for o in options)
    return lambda value: sum(1 for valid in each if valid(value)) == 1


def _all_of(c: _Compiler, options: list[Any], _: Mapping[str, Any]) -> Validator:
    each = tuple(c.compile(o) for o in options)
    return lambda value: all(valid(value) for valid in each)


def _not(c: _Compiler, other: Any, _: Mapping[str, Any]) -> Validator:
    valid = c.compile(other)
    return lambda value: not valid(value)


_MAKERS: Final[dict[str, Maker]] = {
    "$ref": _ref,
    "type": _type,
    "enum": _enum,
    "const": _const,
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
    "pattern": _pattern,
    "minimum": _bound(low=True),
    "maximum": _bound(low=False),
    "anyOf": _any_of,
    "oneOf": _one_of,
    "allOf": _all_of,
    "not": _not,
    "if": _if,
}
