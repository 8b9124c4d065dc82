"""`scalars`: numbers from a source appended as series, one per key, at the event's step. A key
that looks secret (``hooks.runtime.masking``), or a source read through a secret-looking name, is
not logged: one warning per action and key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, final

from ..core.context import Context
from ..core.events import BATCH_EVENTS
from ..core.masking import secret_name, secret_path
from ..errors import Missing
from .base import ActionKind, Run, Session, field, filter_words, join, matcher, reader, source_words

if TYPE_CHECKING:
    from ..config.builder import Builder
    from ..config.model import ActionSpec, SourceRef
    from ..core.templates import Template

__all__ = ["EXAMPLE", "KIND", "SCHEMA", "Scalars"]

# event: the event's step; epoch: the 1-based epoch; epoch0: the 0-based epoch (trainer.epoch), as
# Ultralytics' own tracker callbacks count; auto: the tracker's own counter.
StepRule = Literal["event", "epoch", "epoch0", "auto"]


@final
@dataclass(frozen=True, slots=True)
class Scalars:
    source: SourceRef
    to: Template | None
    prefix: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    step: StepRule
    mask: tuple[str, ...] = ()


def build(b: Builder, body: Mapping[str, Any]) -> Scalars | None:
    source = b.source(body.get("from"), ("from",), {"mapping"})
    to = b.template(body.get("to"), ("to",), b.context_heads)
    include = b.filters(body.get("include"), ("include",))
    exclude = b.filters(body.get("exclude"), ("exclude",))
    if source is None or include is None or exclude is None or ("to" in body and to is None):
        return None
    return Scalars(
        source,
        to,
        body.get("prefix", ""),
        include,
        exclude,
        _step_rule(b, body.get("step", "event")),
        b.mask,
    )


def _step_rule(b: Builder, rule: StepRule) -> StepRule:
    event = b.at[1] if len(b.at) > 1 else ""
    if rule in ("epoch", "epoch0") and event in BATCH_EVENTS:
        b.fail(
            ("step",),
            f"step: {rule} on {event} would append every batch of an epoch at one step (a tracker keeps one "
            "value per step); leave `step` out to use the batch's global index, or write step: auto",
        )
    return rule


def compile(spec: ActionSpec) -> Run:
    o: Scalars = spec.body
    mask = o.mask
    if o.source.named is None and secret_path(o.source.parts, mask):
        # Read through a secret-looking name: never read, one warning per run.
        def secret(ctx: Context, session: Session) -> None:
            session.warn_once(spec, "secret", f"{o.source.text} looks secret (mask_keys); not logged")

        return secret
    read = reader(o.source)
    to = field(o.to, spec) if o.to else None
    keep = matcher(o.include, o.exclude)
    prefix = o.prefix
    step_rule = o.step
    at_event = step_rule == "event"
    names: dict[str, dict[Any, str | None]] = {}  # namespace -> key -> series path
    fixed = names[""] = {}  # without `to:`, the one namespace

    def step_of(ctx: Context) -> int | None:
        """The step of a rule other than `event`."""
        if step_rule == "auto" or ctx.epoch is None:
            return None
        return ctx.epoch if step_rule == "epoch" else ctx.epoch - 1

    def run(ctx: Context, session: Session) -> None:
        value = read(ctx)
        step = ctx.step if at_event else step_of(ctx)
        if to is None:
            namespace, paths = "", fixed
        else:
            namespace = to(ctx, session)
            # The names repeat every epoch: their series paths (or None: filtered out) are worked out once.
            paths = names.get(namespace)  # type: ignore[assignment]
            if paths is None:
                paths = names[namespace] = {}
        append = session.sink(ctx).append
        if type(value) is not dict and not isinstance(value, Mapping):  # a dict: no ABC check per event
            if not namespace:
                raise Missing(f"{o.source.text} is one value, not a mapping; give `to:` to name its series")
            append(namespace, number(value, namespace), step)
            return
        for key, v in value.items():
            path = paths.get(key, _UNSEEN)
            if path is _UNSEEN:
                name = f"{prefix}{key}"
                path = paths[key] = join(namespace, name) if keep is None or keep(name) else None
                if path is not None and secret_name(str(key), mask):
                    paths[key] = None
                    session.warn_once(spec, f"secret:{path}", f"{path} looks secret (mask_keys); not logged")
                    continue
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


_UNSEEN: Final[Any] = object()  # a key whose series path is not worked out yet


def number(value: Any, path: str) -> float:
    """A value as a series point: a number (Python, numpy, or a torch tensor or numpy array of one
    element), never a bool (a bool tensor or ``numpy.bool_`` included). A tensor is detached and
    read with ``.item()``: ``float()`` on one that requires grad makes torch warn."""
    if isinstance(value, bool) or not hasattr(value, "__float__"):
        raise TypeError(f"{path}: {type(value).__name__} is not a number; not logged")
    item = getattr(value, "item", None)
    if not callable(item):
        return float(value)
    kind = type(value).__name__
    detach = getattr(value, "detach", None)
    if callable(detach):
        item = getattr(detach(), "item", item)
    try:
        plain = item()
    except (ValueError, RuntimeError):  # torch and numpy refuse .item() on more than one element
        raise TypeError(f"{path}: {kind} holds more than one value, not a number; not logged") from None
    if isinstance(plain, bool) or not isinstance(plain, (int, float)):
        raise TypeError(f"{path}: {kind} holding a {type(plain).__name__} is not a number; not logged")
    return float(plain)


def explain(spec: ActionSpec) -> str:
    o: Scalars = spec.body
    where = f" under {o.to.text}" if o.to else ""
    prefix = f" with prefix {o.prefix!r}" if o.prefix else ""
    filt = filter_words(o.include, o.exclude)
    step = {
        "event": "at the event's step (docs/format.md, Steps)",
        "epoch": "at step = epoch (1-based)",
        "epoch0": "at step = epoch - 1 (0-based, trainer.epoch, as Ultralytics' own callbacks count)",
        "auto": "at the tracker's own step counter",
    }[o.step]
    return f"append {source_words(o.source)} as series{where}{prefix}{filt}, {step}"


# `scalars:` in the config's JSON Schema ("#/$defs/…" refers to the whole schema's definitions),
# and the example the schema shows of it.
SCHEMA: Final[dict[str, Any]] = {
    "title": "scalars",
    "description": (
        "Append numbers as series at the event's step (the 1-based epoch on epoch events, the global batch on "
        "batch events; docs/format.md, Steps). The source yields a mapping of names to numbers (each becomes a "
        "series) or one number (then `to` names it)."
    ),
    "type": "object",
    "additionalProperties": False,
    "required": ["from"],
    "properties": {
        "from": {"$ref": "#/$defs/mappingSource"},
        "to": {
            "$ref": "#/$defs/fieldPath",
            "title": "Namespace",
            "description": "Namespace the series go under (or the series itself when the source is one number).",
        },
        "prefix": {"type": "string", "title": "Prefix", "description": "Text put before every name, as is."},
        "include": {
            "$ref": "#/$defs/patterns",
            "title": "Include",
            "description": "Only names matching one of these globs.",
        },
        "exclude": {
            "$ref": "#/$defs/patterns",
            "title": "Exclude",
            "description": "Skip names matching one of these globs.",
        },
        "step": {
            "title": "Step",
            "description": (
                "event: the event's step (default: the 1-based epoch on epoch events, the global batch on batch "
                "events); epoch: the 1-based epoch; epoch0: the 0-based epoch (trainer.epoch), as Ultralytics' own "
                "tracker callbacks count; auto: the tracker's own counter."
            ),
            "enum": ["event", "epoch", "epoch0", "auto"],
        },
        "when": {"$ref": "#/$defs/when"},
        "id": {"$ref": "#/$defs/id"},
    },
    "examples": [{"from": "train_losses"}, {"from": "trainer.fitness", "to": "fitness"}],
}
EXAMPLE: Final[dict[str, Any]] = {"from": "train_losses"}

KIND = ActionKind("scalars", build, compile, explain, schema=SCHEMA, example=EXAMPLE)
