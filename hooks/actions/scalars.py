"""`scalars`: numbers from a source appended as series, one per key, at the epoch's step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, final

from ..errors import Missing
from ..runtime.context import Context
from ..sources.registry import reader
from .base import ActionKind, Run, field, filter_words, join, matcher, patterns, source_words

if TYPE_CHECKING:
    from ..config.builder import Builder
    from ..config.model import ActionSpec, SourceRef
    from ..config.templates import Template
    from ..runtime.session import Session

__all__ = ["KIND", "Scalars"]


@final
@dataclass(frozen=True, slots=True)
class Scalars:
    source: SourceRef
    to: Template | None
    prefix: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    step: Literal["epoch", "auto"]


def build(b: Builder, body: Mapping[str, Any]) -> Scalars | None:
    source = b.source(body["from"], ("from",), {"mapping"})
    to = b.template(body.get("to"), ("to",), b.context_heads)
    if source is None:
        return None
    return Scalars(
        source,
        to,
        body.get("prefix", ""),
        patterns(body.get("include")),
        patterns(body.get("exclude")),
        body.get("step", "epoch"),
    )


def compile(spec: ActionSpec) -> Run:
    o: Scalars = spec.body
    read = reader(o.source)
    to = field(o.to) if o.to else None
    keep = matcher(o.include, o.exclude)
    prefix = o.prefix
    by_epoch = o.step == "epoch"
    names: dict[str, dict[Any, str | None]] = {}  # namespace -> key -> series path

    def run(ctx: Context, session: Session) -> None:
        value = read(ctx)
        step = ctx.epoch if by_epoch else None
        namespace = to(ctx) if to is not None else ""
        append = session.sink(ctx).append
        if not isinstance(value, Mapping):
            if not namespace:
                raise Missing(f"{o.source.text} is one value, not a mapping; give `to:` to name its series")
            append(namespace, number(value, namespace), step)
            return
        # The names repeat every epoch: their series paths (or None: filtered out) are worked out once.
        paths = names.get(namespace)
        if paths is None:
            paths = names[namespace] = {}
        for key, v in value.items():
            path = paths.get(key, "")
            if path == "":
                name = f"{prefix}{key}"
                path = paths[key] = join(namespace, name) if keep is None or keep(name) else None
            if path is None:
                continue
            if type(v) is not float:
                try:
                    v = number(v, path)
                except TypeError as e:
                    session.warn_once(spec, f"skip:{path}", str(e))
                    continue
            append(path, v, step)

    return run


def number(value: Any, path: str) -> float:
    """A value as a series point: a number (Python, numpy or a one-element tensor), never a bool."""
    if isinstance(value, bool) or not hasattr(value, "__float__"):
        raise TypeError(f"{path}: {type(value).__name__} is not a number; not logged")
    return float(value)


def explain(spec: ActionSpec) -> str:
    o: Scalars = spec.body
    where = f" under {o.to.text}" if o.to else ""
    prefix = f" with prefix {o.prefix!r}" if o.prefix else ""
    filt = filter_words(o.include, o.exclude)
    step = "at step = epoch (1-based)" if o.step == "epoch" else "at the tracker's own step counter"
    return f"append {source_words(o.source)} as series{where}{prefix}{filt}, {step}"


KIND = ActionKind("scalars", build, compile, explain)
