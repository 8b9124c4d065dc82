"""What a template field (and an attribute path's `args`) may name, checked at load time.

Closed where it can be known: the first name (the heads a place allows), the file fields
(``{file.X}``: name, path, stem, suffix), the training arguments (``{args.X}``, also
``{trainer.args.X}`` and the other objects' ``args``), and ``epoch``, ``step``, ``event``,
``stem``, ``name``, ``suffix``, which are plain values with no fields. The attributes of the
event objects (``{trainer.X}``, ``{validator.X}``, …) depend on the Ultralytics version and the
task, so they stay open; a missing one renders empty with a warning at run time."""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from .context import FILE_SHORTHANDS, FileFields
from .events import EVENTS, OBJECT_HEADS
from .suggest import did_you_mean
from .ultralytics_args import training_args

__all__ = ["FILE_FIELDS", "FILE_ROOTS", "field_problem", "head_problem", "missing_on_event"]

# {file.X}: the attributes FileFields sets while a file is uploaded.
FILE_FIELDS: Final[tuple[str, ...]] = tuple(sorted(FileFields.__slots__))
# The heads that stand for the file being uploaded.
FILE_ROOTS: Final[tuple[str, ...]] = ("file", *FILE_SHORTHANDS)

# Heads that are one plain value: no fields below them.
_VALUES: Final = {
    "epoch": "a number",
    "step": "a number",
    "event": "text (the event's name)",
    **{name: "text" for name in FILE_SHORTHANDS},
}
_EXAMPLE: Final = {
    "trainer": "trainer.save_dir",
    "validator": "validator.save_dir",
    "predictor": "predictor.save_dir",
    "exporter": "exporter.args.format",
}


def head_problem(head: str, roots: Collection[str]) -> str:
    """Why ``head`` cannot start a field here (it is not one of ``roots``), with the likely fix."""
    listed = f"(fields here: {', '.join(sorted(roots))})"
    if head in FILE_ROOTS and "file" not in roots:
        return (
            f"unknown field '{head}': file fields exist only where a file is uploaded (the `to:` of files, "
            f"plots and upload); write one of the fields here: {', '.join(sorted(roots))}"
        )
    if head in FILE_FIELDS and "file" in roots:
        return f"unknown field '{head}'; did you mean 'file.{head}'? {listed}"
    prefer = FILE_ROOTS if "file" in roots else ()
    return f"unknown field '{head}'{did_you_mean(head, roots, prefer)} {listed}"


def field_problem(parts: tuple[str, ...]) -> str | None:
    """Why a field whose head is allowed names nothing, or None when it can name something."""
    head, rest = parts[0], parts[1:]
    if head in OBJECT_HEADS:
        if not rest:
            return f"write one of its attributes, such as {{{_EXAMPLE[head]}}}"
        if rest[0] == "args" and len(rest) > 1:
            return args_problem(f"{head}.args", rest[1:])
        return None
    if head == "args":
        if not rest:
            return "write one training argument, such as {args.name}"
        return args_problem("args", rest)
    if head == "file":
        if not rest:
            return f"write one file field: {', '.join(f'{{file.{f}}}' for f in FILE_FIELDS)}"
        if rest[0] not in FILE_FIELDS:
            return (
                f"unknown file field '{rest[0]}'{did_you_mean(rest[0], FILE_FIELDS)} "
                f"(file fields: {', '.join(FILE_FIELDS)})"
            )
        if len(rest) > 1:
            return f"file.{rest[0]} is text and has no fields; write {{file.{rest[0]}}}"
        return None
    if rest and head in _VALUES:
        return f"{head} is {_VALUES[head]} and has no fields; write {{{head}}}"
    return None


def args_problem(prefix: str, rest: tuple[str, ...]) -> str | None:
    """Why ``prefix.rest`` (``args.nmae``) names no training argument, or None."""
    known = training_args()
    name = rest[0]
    if name not in known:
        return (
            f"unknown training argument '{name}'{did_you_mean(name, known)} "
            "(Ultralytics' training arguments: `yolo cfg` prints them)"
        )
    if len(rest) > 1:
        return f"{prefix}.{name} is one value and has no fields; write {{{prefix}.{name}}}"
    return None


def missing_on_event(head: str, event: str) -> str | None:
    """Why ``head`` is never set on ``event`` (so a field starting with it is always empty), or None."""
    spec = EVENTS.get(event)
    if spec is None:
        return None
    passed = spec.obj
    if passed in ("predictor", "exporter"):
        if (head in OBJECT_HEADS and head != passed) or head == "epoch":
            what = "a prediction" if passed == "predictor" else "an export"
            return (
                f"{event} fires during {what}, outside a training, where {head} is never set; "
                f"write a field of {passed} or args"
            )
        return None
    if head in ("predictor", "exporter"):
        return f"{event} fires during a training, where there is no {head}: write a field of trainer or validator"
    return None
