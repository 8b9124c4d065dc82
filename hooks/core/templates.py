"""Templates: ``weights/{args.name}/{file.name}``, parsed at load time, rendered by reading fields
only. A field renders plain scalars only (text, numbers, booleans, paths, numpy and torch 0-d
scalars): a container or any other object is missing, never its ``str()``; a field read through a
secret-looking name renders as ``****``."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Final, final

from ..errors import Missing, UnsafePath
from .fields import field_problem, head_problem
from .masking import MASKED, SECRET_KEYS, mask_credentials, scalar_text, secret_path
from .paths import follow, parse_path

__all__ = ["MAX_PROBLEMS", "Field", "Template", "TemplateError", "parse_template"]

# Problems said per template: a preset with 40,000 unknown fields in one value is said in ten lines,
# and its load does not look for 40,000 suggestions.
MAX_PROBLEMS: Final = 10


class TemplateError(ValueError):
    """What is wrong with a template: every field's problem, or the first in its braces."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@final
@dataclass(frozen=True, slots=True)
class Field:
    alternatives: tuple[tuple[str, ...], ...]  # `{a|b}`: the first that is set and not empty wins
    default: str | None  # `{a:-text}`
    secret: tuple[bool, ...] = ()  # per alternative: read through a secret-looking name (renders ****)

    @property
    def text(self) -> str:
        return "{" + "|".join(".".join(alt) for alt in self.alternatives) + "}"


@final
@dataclass(frozen=True, slots=True)
class Template:
    text: str
    parts: tuple[str | Field, ...]
    constant: str | None = None  # the rendered text when there is no field: nothing to do per call

    @property
    def is_constant(self) -> bool:
        return self.constant is not None

    def render(self, lookup: Callable[[str], Any], empty: list[str] | None = None) -> str:
        """Fill the fields; ``lookup(root)`` gives the object a root name stands for. A field
        that is missing or empty and has no default renders as "" and, given ``empty``, is
        added to it (as it is written, e.g. ``{args.name}``). Only a plain scalar renders: a
        container or another object counts as missing. A field with a secret-looking name in its
        path renders as ``****``, and the ``user:password@`` of a URI in a value as ``***@``."""
        if self.constant is not None:
            return self.constant
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = ""
            for alt, secret in zip(part.alternatives, part.secret, strict=True):
                try:
                    got = follow(lookup(alt[0]), alt[1:], ".".join(alt)) if len(alt) > 1 else lookup(alt[0])
                except (Missing, UnsafePath):
                    continue
                text = scalar_text(got)
                if text:
                    value = MASKED if secret else mask_credentials(text)
                    break
            else:
                if part.default is not None:
                    value = part.default
                elif empty is not None:
                    empty.append(part.text)
            out.append(value)
        return "".join(out)


def parse_template(
    text: str, roots: Collection[str], mask: tuple[str, ...] | None = None, *, names: bool = True
) -> Template:
    """Parse ``text``; raise TemplateError saying what is wrong (the first MAX_PROBLEMS fields that
    name nothing, then how many more, or the first misplaced brace). ``roots`` are the allowed
    field roots; ``mask`` the patterns of secret-looking names (None: the built-in ones).
    ``names=False`` checks the syntax only, not that each name names something (and so looks for
    no "did you mean": a load already past its problems' cap)."""
    problems: list[str] = []
    unchecked = 0
    parts: list[str | Field] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "{":
            if text.startswith("{{", i):
                literal.append("{")
                i += 2
                continue
            end = text.find("}", i + 1)
            if end < 0:
                raise TemplateError(
                    *problems, f"'{{' at character {i + 1} is never closed; write '{{{{' for a literal brace"
                )
            inner = text[i + 1 : end]
            if "{" in inner:
                raise TemplateError(*problems, f"'{{{inner}}}': fields cannot be nested")
            if literal:
                parts.append("".join(literal))
                literal = []
            capped = len(problems) >= MAX_PROBLEMS
            unchecked += capped
            try:
                parts.append(_parse_field(inner, roots, names and not capped))
            except TemplateError as e:
                if not capped:
                    problems.extend(e.problems)
            i = end + 1
        elif c == "}":
            if text.startswith("}}", i):
                literal.append("}")
                i += 2
                continue
            raise TemplateError(
                *problems, f"'}}' at character {i + 1} has no opening '{{'; write '}}}}' for a literal brace"
            )
        else:
            literal.append(c)
            i += 1
    if unchecked:
        problems.append(
            f"the {unchecked:,} fields after these {len(problems)} problems are not checked; fix these and load again"
        )
    if problems:
        raise TemplateError(*problems)
    if literal or not parts:
        parts.append("".join(literal))
    # Whether a field is secret depends on its names only: decided here, once. The text written
    # around the fields loses the credentials of any URI in it (a ${MLFLOW_TRACKING_URI} with its
    # user:password@, put in by the environment stage).
    patterns = mask if mask is not None else SECRET_KEYS
    parts = [
        mask_credentials(p)
        if isinstance(p, str)
        else Field(p.alternatives, p.default, tuple(secret_path(a, patterns) for a in p.alternatives))
        for p in parts
    ]
    constant = "".join(p for p in parts if isinstance(p, str)) if all(isinstance(p, str) for p in parts) else None
    return Template(text, tuple(parts), constant)


def _parse_field(inner: str, roots: Collection[str], names: bool = True) -> Field:
    body, sep, default = inner.partition(":-")
    if not sep and (":" in body or "!" in body):
        raise TemplateError(
            f"'{{{inner}}}': format specs and conversions are not supported; "
            "write a dotted name such as {args.name}, or {args.name:-default}"
        )
    if not body.strip():
        raise TemplateError("'{}' is empty; name a field such as {args.name}")
    alternatives = []
    for alt in body.split("|"):
        parsed = parse_path(alt.strip())
        if isinstance(parsed, str):
            raise TemplateError(f"'{{{inner}}}': {parsed}")
        if parsed[0] not in roots:
            raise TemplateError(f"'{{{inner}}}': {head_problem(parsed[0], roots) if names else 'unknown field'}")
        problem = field_problem(parsed) if names else None
        if problem:
            raise TemplateError(f"'{{{inner}}}': {problem}")
        alternatives.append(parsed)
    return Field(tuple(alternatives), default if sep else None)
