"""`assign`: a value or a mapping written once under a field (hyperparameters, model info); the
values of secret-looking keys are masked before they leave the process."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, final

from ..runtime.context import Context
from ..sources.registry import reader
from .base import ActionKind, Run, field, source_words

if TYPE_CHECKING:
    from ..config.builder import Builder
    from ..config.model import ActionSpec, SourceRef
    from ..config.templates import Template
    from ..runtime.session import Session

__all__ = ["KIND", "MASKED", "Assign", "plain"]

MASKED: Final = "****"


@final
@dataclass(frozen=True, slots=True)
class Assign:
    source: SourceRef
    to: Template
    mask: tuple[str, ...]


def build(b: Builder, body: Mapping[str, Any]) -> Assign | None:
    source = b.source(body.get("from"), ("from",), {"mapping"})
    to = b.template(body.get("to"), ("to",), b.context_heads)
    return Assign(source, to, b.mask) if source is not None and to is not None else None


def compile(spec: ActionSpec) -> Run:
    o: Assign = spec.body
    read = reader(o.source)
    to = field(o.to, spec)
    secret: dict[str, bool] = {}

    def is_secret(key: str) -> bool:
        hit = secret.get(key)
        if hit is None:
            name = key.rsplit("/", 1)[-1].lower()
            hit = secret[key] = any(fnmatch.fnmatchcase(name, p) for p in o.mask)
        return hit

    def run(ctx: Context, session: Session) -> None:
        value = read(ctx)
        session.sink(ctx).assign(to(ctx, session), plain(value, is_secret))

    return run


def plain(value: Any, is_secret: Callable[[str], bool] = lambda key: False) -> Any:
    """The value as plain data for a sink: text, numbers, booleans and None, in mappings (with
    text keys, the values of secret-looking ones replaced by ``****``), lists and tuples; numpy
    and torch scalars as numbers, any other object as its text. How a tracker stores what it
    cannot hold (None, lists) is the sink's business."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): MASKED if is_secret(str(k)) else plain(v, is_secret) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v, is_secret) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v, is_secret) for v in value)
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # numpy and torch scalars
        return value.item()
    return str(value)


def explain(spec: ActionSpec) -> str:
    o: Assign = spec.body
    return f"write {source_words(o.source)} under {o.to.text}"


KIND = ActionKind("assign", build, compile, explain)
