"""`hooks explain`: a config in plain words."""

from __future__ import annotations

from ..actions.registry import KINDS
from ..config.model import When
from ..core.events import EVENTS, FIRING_ORDER
from ..loader.build import Config

__all__ = ["explain_config", "explain_when"]


def explain_when(when: When) -> str:
    bits = []
    epochs = sorted(when.epochs)
    named = [w for w, on in (("the first epoch", when.first), ("the last planned epoch", when.last)) if on]
    if epochs or named:
        listed = [*named, *(f"epoch {e}" for e in epochs)]
        bits.append("only at " + ", ".join(listed))
    if when.every:
        bits.append(f"every {when.every} epochs")
    if when.final is False:
        bits.append("not during the final validation")
    elif when.final == "only":
        bits.append("only during the final validation")
    return "; ".join(bits)


def explain_config(config: Config) -> str:
    lines = [f"{config.file}", f"  logs to {config.sink.describe()}"]
    if config.description:
        lines.insert(1, f"  {config.description}")
    if config.strict:
        lines.append("  strict: the first logging failure stops the training")
    for name in FIRING_ORDER:  # as a training fires them, whatever order the file has
        specs = config.events.get(name, ())
        if not specs:
            continue
        lines.append("")
        lines.append(f"{name}: {EVENTS[name].when}")
        for i, spec in enumerate(specs, 1):
            cond = explain_when(spec.when)
            text = KINDS[spec.kind].explain(spec)
            where = f"  [{spec.location}]" if spec.location else ""
            lines.append(f"  {i}. {text}{'; ' + cond if cond else ''}{where}")
    lines.append("")
    lines.append("The run is opened at the first event that logs, flushed after every epoch, and stopped")
    lines.append("when training ends. Only the main process (RANK -1 or 0) logs.")
    return "\n".join(lines)
