"""Stage 4: check the merged document against the JSON Schema and report every error.

The schema (every registered tracker, action kind and named source) is the caller's: this stage
knows no registry. ``hooks.loader.schema.known()`` gathers it."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, final

from ..core.imports import import_jsonschema
from ..core.suggest import did_you_mean
from ..errors import ConfigError, Issue
from .broken import Broken
from .quick import quick_valid
from .read import Document, YPath

__all__ = ["Known", "check", "validate"]


@final
@dataclass(frozen=True, eq=False)  # compared and hashed by identity: its validator is cached on it
class Known:
    """What checking a document needs from the registries, as plain data: the JSON Schema a config
    is checked against, and the kind of each named source (to say why one was refused)."""

    schema: Mapping[str, Any]
    source_kinds: Mapping[str, str] = field(default_factory=dict)


_TYPE_WORDS: Final = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


_WHOLE: Final = re.compile(r"[+-]?[0-9]+")


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int):
        return f"the number {value}"
    if isinstance(value, float):
        return f"the number {value}"
    return f"the text {value!r}"


@functools.lru_cache(maxsize=8)
def _validator_for(known: Known) -> Any:
    # One per Known: the loader makes a new one when a tracker is registered later.
    return import_jsonschema().Draft202012Validator(known.schema)


def validate(doc: Document, known: Known, chains: Mapping[str, tuple[str, ...]] | None = None) -> None:
    """Raise ConfigError listing every schema violation, each at its file, line and column."""
    issues, _ = check(doc, known, chains)
    if issues:
        raise ConfigError(issues)


def check(
    doc: Document,
    known: Known,
    chains: Mapping[str, tuple[str, ...]] | None = None,
    *,
    refused: Sequence[Issue] = (),
) -> tuple[list[Issue], Broken]:
    """Every schema violation, each at its file, line and column, and the paths they make unusable
    (building leaves those out). A document that is not a mapping raises: nothing else is checkable.
    ``refused``: the trackers the caller could not load (a plugin's), reported with the rest."""
    chains = chains or {}
    if not isinstance(doc.data, dict):
        raise ConfigError(
            [
                Issue(
                    doc.where(()),
                    (),
                    f"a config is a mapping that starts with `version: 1`, got {_kind_of(doc.data)}",
                    chains.get(doc.file, ()),
                )
            ]
        )
    misplaced = dict(_misplaced_options(doc, known.schema))
    if not refused and not misplaced and quick_valid(known.schema, doc.data):
        return [], Broken([])  # valid: jsonschema is imported only to say what is wrong
    issues: list[Issue] = [*refused, *misplaced.values()]
    paths: list[YPath] = [*misplaced, *(i.path for i in refused)]
    for error in _validator_for(known).iter_errors(doc.data):
        at: YPath = tuple(error.absolute_path)
        if any(at[: len(p)] == p for p in misplaced):
            continue  # said once, as "indent it"
        paths.extend(_broken_paths(error, at))
        issues.extend(_translate(error, doc, known))
    unique = {(str(i), i.path): i for i in issues}
    located = [
        Issue(i.location, i.path, i.message, chains.get(i.location.file, ()) if i.location else ())
        for i in unique.values()
    ]
    return located, Broken(paths)


def _broken_paths(error: Any, at: YPath) -> list[YPath]:
    """What a schema error makes unusable: a missing or unknown key is the key's own path (so the
    rest of its mapping can still be built), anything else the value that failed."""
    if error.validator == "required" and isinstance(error.instance, dict):
        return [(*at, k) for k in error.validator_value if k not in error.instance]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        return [(*at, k) for k in error.instance if k not in allowed]
    return [at]


def _misplaced_options(doc: Document, schema: Mapping[str, Any]) -> Iterable[tuple[YPath, Issue]]:
    """Actions whose options sit beside their kind instead of under it::

        - scalars:
          from: lr          # YAML reads {scalars: null, from: lr}

    said as one "indent it" per action instead of an unknown kind and an empty action."""
    events = doc.data.get("events")
    if not isinstance(events, dict):
        return
    defs = schema["$defs"]
    kinds = [k for k in defs["action"]["properties"] if k != "remove"]
    for event, actions in events.items():
        for index, action in enumerate(actions if isinstance(actions, list) else ()):
            if not isinstance(action, dict) or len(action) < 2:
                continue
            present = [k for k in action if k in kinds]
            if len(present) != 1:
                continue
            kind = present[0]
            others = [k for k in action if k != kind]
            if not set(others) <= set(defs[kind]["properties"]) or not isinstance(action[kind], (dict, type(None))):
                continue
            at: YPath = ("events", event, index)
            one = len(others) == 1
            keys = " and ".join(f"`{k}:`" for k in others)
            them = "it" if one else "them"
            what = f"{them} as {'another key' if one else 'more keys'} of this action"
            if action[kind] is None:
                what += f", and `{kind}:` as empty"
            else:
                what += f", not as {'an option' if one else 'options'} of `{kind}:`"
            message = (
                f"{keys} {'is' if one else 'are'} not indented under `{kind}:`, so YAML reads {what}; "
                f"indent {them} under `{kind}:`, further right than `{kind}`"
            )
            yield at, Issue(doc.where((*at, others[0]), key=True), at, message)


def _enum_choices(schema: Mapping[str, Any], root: Mapping[str, Any]) -> list[str]:
    """Every string a (sub)schema explicitly allows, for "did you mean"."""
    out: list[str] = []
    if "$ref" in schema:
        target: Any = root
        for part in str(schema["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        out += _enum_choices(target, root)
    out += [v for v in schema.get("enum", []) if isinstance(v, str)]
    if isinstance(schema.get("const"), str):
        out.append(schema["const"])
    for key in ("anyOf", "oneOf"):
        for sub in schema.get(key, []):
            out += _enum_choices(sub, root)
    return out


def _source_hint(text: str, known: Known) -> str:
    """Say why a plausible source was refused: a private name, or a source of another kind."""
    if text.startswith("_") or "._" in text:
        return "; names starting with '_' are private and cannot be read from a config"
    kind = known.source_kinds.get(text)
    if kind is not None:
        return f"; '{text}' gives {kind} data, which this action cannot use"
    return ""


def _allows(schema: Mapping[str, Any], kind: str, root: Mapping[str, Any]) -> bool:
    """Whether a (sub)schema accepts some value of JSON type ``kind``."""
    if "$ref" in schema:
        target: Any = root
        for part in str(schema["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        if _allows(target, kind, root):
            return True
    want = schema.get("type")
    if want == kind or (isinstance(want, list) and kind in want):
        return True
    return any(_allows(sub, kind, root) for key in ("anyOf", "oneOf") for sub in schema.get(key, []))


def _quoted_number(instance: Any, path: YPath, schema: Mapping[str, Any], root: Mapping[str, Any]) -> str | None:
    """For a number written in quotes where a whole number is wanted (`every: "2"`): say so."""
    if not isinstance(instance, str) or not _WHOLE.fullmatch(instance.strip()) or not _allows(schema, "integer", root):
        return None
    number = int(instance.strip())
    key = f"{path[-1]}: " if path and isinstance(path[-1], str) else ""
    return f"{instance!r} is text; write a whole number without quotes: {key}{number}"


def _translate(error: Any, doc: Document, known: Known) -> Iterable[Issue]:
    path: YPath = tuple(error.absolute_path)
    kw = error.validator
    schema: Mapping[str, Any] = error.schema
    instance = error.instance
    where = doc.where(path)
    if kw == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        for key in instance:
            if key in allowed:
                continue
            at = (*path, key)
            loc = doc.where(at, key=True)
            hint = did_you_mean(key, allowed)
            if path == ("events",):
                msg = f"unknown event '{key}'{hint} (`hooks explain --events` lists the 25 events)"
            elif len(path) == 3 and path[0] == "events":
                listed = ", ".join(k for k in allowed if k != "remove")
                msg = f"unknown action kind '{key}'{hint} (kinds: {listed}; or `remove: ID`)"
            else:
                msg = f"unknown key '{key}'{hint} (allowed here: {', '.join(allowed)})"
            yield Issue(loc, at, msg)
        return
    if kw in ("minProperties", "maxProperties") and len(path) == 3 and path[0] == "events":
        kinds = sorted(k for k in schema.get("properties", {}) if k != "remove")
        if kw == "minProperties":
            yield Issue(where, path, f"an action needs a kind: one of {', '.join(kinds)}")
        elif all(k in kinds for k in instance):
            found = ", ".join(instance)
            yield Issue(where, path, f"an action has exactly one kind, found {found}; make them separate list items")
        return
    if kw == "required":
        for key in schema.get("required", []):
            if isinstance(instance, dict) and key not in instance:
                example = " at the top: `version: 1`" if path == () and key == "version" else ""
                yield Issue(where, path, f"missing required key '{key}'; add it{example}")
        return
    quoted = _quoted_number(instance, path, schema, known.schema)
    if quoted is not None and kw in ("type", "anyOf", "oneOf"):
        yield Issue(where, path, quoted)
        return
    if kw == "type":
        want = error.validator_value
        wants = [want] if isinstance(want, str) else list(want)
        words = " or ".join(_TYPE_WORDS.get(w, w) for w in wants)
        yield Issue(where, path, f"must be {words}, got {_kind_of(instance)}")
        return
    if kw in ("minimum", "minItems", "minLength", "minProperties"):
        limit = error.validator_value
        text = f"must be at least {limit}" if kw == "minimum" else "must not be empty"
        yield Issue(where, path, f"{_kind_of(instance)} is not allowed: {text}")
        return
    custom = schema.get("errorMessage")
    if kw in ("enum", "const", "anyOf", "oneOf", "pattern") or custom:
        choices = _enum_choices(schema, known.schema)
        if kw == "enum" and not custom:
            custom = "must be one of " + ", ".join(str(v) for v in error.validator_value)
        if kw == "pattern" and not custom:
            custom = f"must match the pattern {error.validator_value}"
        if not custom and kw in ("anyOf", "oneOf"):
            from jsonschema.exceptions import best_match

            inner = best_match(error.context)
            if inner is not None:
                yield from _translate(inner, doc, known)
                return
        hint = did_you_mean(instance, choices) if isinstance(instance, str) and choices else ""
        if isinstance(instance, str):
            hint += _source_hint(instance, known)
        shown = repr(instance) if isinstance(instance, (str, int, float)) else _kind_of(instance)
        yield Issue(where, path, f"{shown} is not allowed: {custom or error.message}{hint}")
        return
    yield Issue(where, path, str(error.message))
