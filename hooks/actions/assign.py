"""`assign`: a value or a mapping written once under a field (hyperparameters, model info). Before
it leaves the process, the values of secret-looking keys and attributes anywhere in it are
masked, and so is a value read through a secret-looking name (``hooks.runtime.masking``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, final

from ..errors import Missing
from ..runtime.context import Context
from ..runtime.masking import MASKED, plain, secret_name, secret_path
from ..sources.registry import reader
from .base import ActionKind, Run, field, source_words

if TYPE_CHECKING:
    from ..config.builder import Builder
    from ..config.model import ActionSpec, SourceRef
    from ..config.templates import Template
    from ..runtime.session import Session

__all__ = ["KIND", "MASKED", "Assign", "plain"]


@final
@dataclass(frozen=True, slots=True)
class Assign:
    source: SourceRef
    to: Template | None  # None: the mapping's keys are top-level fields
    mask: tuple[str, ...]


def build(b: Builder, body: Mapping[str, Any]) -> Assign | None:
    source = b.source(body.get("from"), ("from",), {"mapping"})
    to = b.template(body.get("to"), ("to",), b.context_heads) if "to" in body else None
    if source is None or ("to" in body and to is None):
        return None
    return Assign(source, to, b.mask)


def compile(spec: ActionSpec) -> Run:
    o: Assign = spec.body
    read = reader(o.source)
    to = field(o.to, spec) if o.to is not None else None
    mask = o.mask
    # A value read through a secret-looking name (trainer.data.roboflow_api_key) is masked whole.
    masked_source = o.source.named is None and secret_path(o.source.parts, mask)

    def is_secret(key: str) -> bool:
        return secret_name(key, mask)

    def run(ctx: Context, session: Session) -> None:
        value = read(ctx)
        if to is None and (masked_source or not isinstance(value, Mapping)):
            raise Missing(f"{o.source.text} is one value, not a mapping; give `to:` to name its field")
        path = to(ctx, session) if to is not None else ""
        session.sink(ctx).assign(path, MASKED if masked_source else plain(value, is_secret))

    return run


def explain(spec: ActionSpec) -> str:
    o: Assign = spec.body
    where = f"under {o.to.text}" if o.to is not None else "as top-level fields"
    return f"write {source_words(o.source)} {where}"


KIND = ActionKind("assign", build, compile, explain)
