"""`hooks explain`: a config in plain words."""

from __future__ import annotations

from ..actions.registry import KINDS
from ..config.model import When
from ..core.events import EVENTS, FIRING_ORDER
from ..core.integrations import INTEGRATION_NAMES
from ..loader.build import Config

__all__ = ["explain_builtins", "explain_config", "explain_when"]


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


def explain_builtins(kept: frozenset[str]) -> str:
    """One line: which of Ultralytics' own tracker integrations stay on, and which are switched off.
    Said from the config alone: whether one is really on also depends on Ultralytics' settings and
    on its package being installed, which a training finds out (and then names those it switches
    off)."""
    on = [n for n in INTEGRATION_NAMES if n in kept]
    off = [n for n in INTEGRATION_NAMES if n not in kept]
    where = "where Ultralytics' settings switch them on and their package is installed"
    if not on:
        return (
            f"Ultralytics' own integrations ({', '.join(off)}) are switched off for each training "
            "(`ultralytics_builtins: keep` keeps them)"
        )
    if not off:
        return f"Ultralytics' own integrations all stay on, {where} (`ultralytics_builtins: keep`)"
    return (
        f"Ultralytics' own {', '.join(on)} {'stays' if len(on) == 1 else 'stay'} on, {where}; "
        f"{', '.join(off)} are switched off for each training"
    )


def explain_config(config: Config) -> str:
    lines = [f"{config.file}", f"  logs to {config.sink.describe()}"]
    lines += [f"  note: {note}" for note in config.sink.notes()]  # what a tracker will not hold
    if config.description:
        lines.insert(1, f"  {config.description}")
    if config.strict:
        lines.append("  strict: the first logging failure stops the training")
    lines.append("  " + explain_builtins(config.builtins_kept))
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
