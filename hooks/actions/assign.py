"""`assign`: a value or a mapping written once under a field (hyperparameters, model info). Before
it leaves the process, the values of secret-looking keys and attributes anywhere in it are
masked, and so is a value read through a secret-looking name (``hooks.runtime.masking``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, final

from ..core.context import Context
from ..core.masking import MASKED, plain, secret_name, secret_path
from ..errors import Missing
from .base import ActionKind, Run, Session, field, reader, source_words

if TYPE_CHECKING:
    from ..config.builder import Builder
    from ..config.model import ActionSpec, SourceRef
    from ..core.templates import Template

__all__ = ["EXAMPLE", "KIND", "MASKED", "SCHEMA", "Assign", "plain"]


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


# `assign:` in the config's JSON Schema ("#/$defs/…" refers to the whole schema's definitions),
# and the example the schema shows of it.
SCHEMA: Final[dict[str, Any]] = {
    "title": "assign",
    "description": "Write a mapping (or one value) under a namespace, replacing what was there.",
    "type": "object",
    "additionalProperties": False,
    "required": ["from"],
    "properties": {
        "from": {"$ref": "#/$defs/mappingSource"},
        "to": {
            "$ref": "#/$defs/fieldPath",
            "title": "Namespace",
            "description": (
                "Where the mapping's keys go. Left out: they are top-level fields (MLflow: params named by the "
                "keys alone)."
            ),
        },
        "when": {"$ref": "#/$defs/when"},
        "id": {"$ref": "#/$defs/id"},
    },
    "examples": [{"from": "hyperparameters", "to": "Configuration/Hyperparameters"}],
}
EXAMPLE: Final[dict[str, Any]] = {"from": "hyperparameters", "to": "Configuration/Hyperparameters"}

KIND = ActionKind("assign", build, compile, explain, schema=SCHEMA, example=EXAMPLE)
