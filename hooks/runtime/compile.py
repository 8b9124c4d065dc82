"""Stage 6: compile each action into a closure and each event into one plain callback."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, final

from ..actions.base import Run
from ..actions.registry import KINDS
from ..config.model import ActionSpec, When
from ..core.context import Context
from ..core.events import END_EVENTS, EVENTS
from ..errors import Missing
from ..loader.build import Config
from .session import LoggingFailed, Session
from .valplots import DRAWN_NAMES, PlotSwitch

__all__ = ["Callback", "Compiled", "compile_config"]

Callback = Callable[[Any], None]
Condition = Callable[[Context], bool]


@final
class Compiled(Mapping[str, Callback]):
    """Per event name, the one callback that runs its actions. Pass it to ``model.add_callback``."""

    def __init__(self, config: Config, callbacks: dict[str, Callback], session: Session) -> None:
        self.config = config
        self._callbacks = callbacks
        self.session = session

    def __getitem__(self, event: str) -> Callback:
        return self._callbacks[event]

    def __iter__(self) -> Iterator[str]:
        return iter(self._callbacks)

    def __len__(self) -> int:
        return len(self._callbacks)

    def __repr__(self) -> str:
        n = sum(len(a) for a in self.config.events.values())
        return f"<hooks.Compiled {self.config.file}: {n} actions on {len(self._callbacks)} events>"


def compile_when(when: When) -> Condition | None:
    """A predicate over the context, or None when the action always runs."""
    if when.always:
        return None
    epochs, first, last, every, final = when.epochs, when.first, when.last, when.every, when.final
    # The usual shapes cost one comparison per event (an event an action skips costs no more).
    plain_epochs = not (first or last) and every is None and when.every_batches is None
    if plain_epochs and not epochs:
        if final == "only":
            return lambda ctx: ctx.final
        if final is False:
            return lambda ctx: not ctx.final
    if plain_epochs and epochs and final is True:
        return lambda ctx: ctx.epoch in epochs  # None (no epoch) is in no set of epochs
    every_batches = when.every_batches
    has_epoch_rule = bool(epochs or first or last)

    def check(ctx: Context) -> bool:
        if final is False and ctx.final:
            return False
        if final == "only" and not ctx.final:
            return False
        if every_batches is not None and (ctx.step is None or ctx.step % every_batches):
            return False
        if not has_epoch_rule and every is None:
            return True
        epoch = ctx.epoch
        if epoch is None:
            return False
        if every is not None and epoch % every:
            return False
        if not has_epoch_rule:
            return True
        if epoch in epochs:
            return True
        trainer = ctx.trainer
        if first and epoch == int(getattr(trainer, "start_epoch", 0) or 0) + 1:
            return True
        return last and epoch == getattr(trainer, "epochs", None)

    return check


# Bookkeeping the session needs even when a config has no action on these events.
_TRACKED = ("on_pretrain_routine_start", "on_train_epoch_end", "on_fit_epoch_end", "on_train_end", "teardown")
# Where a validation's images are looked for: where an action may want them drawn.
_IMAGE_EVENTS = ("on_val_end", "on_fit_epoch_end")


def compile_config(config: Config) -> Compiled:
    compiled_steps = {
        event: tuple((spec, compile_when(spec.when), KINDS[spec.kind].compile(spec)) for spec in specs)
        for event, specs in config.events.items()
    }
    watched = tuple(
        (spec, looks_for(spec))
        for event, specs in config.events.items()
        if EVENTS[event].obj in ("trainer", "validator")
        for spec in specs
        if (looks_for := KINDS[spec.kind].looks_for) is not None
    )
    session = Session(config.sink, config.strict, config.file, watched, config.snapshot_budget, config.builtins_kept)
    wanting = tuple(
        (spec, condition)
        for event in _IMAGE_EVENTS
        for spec, condition, _ in compiled_steps.get(event, ())
        if _wants_drawing(spec)
    )
    switch = PlotSwitch(wanting) if wanting else None
    # Each kind of object with an action gets its end event, which ends a run of its own.
    ends = {end for end in END_EVENTS if any(config.events.get(e) for e in _same_object(end))}
    callbacks: dict[str, Callback] = {}
    for event, steps in compiled_steps.items():
        plot_hook = switch is not None and event in ("on_val_start", "on_val_end")
        if steps or event in _TRACKED or event in ends or plot_hook:
            callbacks[event] = _event_callback(event, steps, session, switch if plot_hook else None)
    return Compiled(config, callbacks, session)


def _wants_drawing(spec: ActionSpec) -> bool:
    """An action asks for validation images at chosen epochs when it would take them and either
    picks epochs (`when:` epoch, first, last, every) or keeps each epoch's apart (`{epoch}` or
    `{step}` in its `to:`). Any other keeps Ultralytics' own drawing: the final validation's, of
    the best weights (drawing earlier would only replace those, or cost the training for nothing)."""
    take = KINDS[spec.kind].would_take
    if take is None or not any(take(spec, name) for name in DRAWN_NAMES):
        return False
    when = spec.when
    if when.epochs or when.first or when.last or when.every is not None:
        return True
    to = getattr(spec.body, "to", None)
    fields = [p for p in getattr(to, "parts", ()) if not isinstance(p, str)]
    return any(alt[0] in ("epoch", "step") for f in fields for alt in f.alternatives)


def _same_object(event: str) -> tuple[str, ...]:
    obj = EVENTS[event].obj
    return tuple(name for name, e in EVENTS.items() if e.obj == obj)


def _event_callback(
    event: str,
    steps: tuple[tuple[ActionSpec, Condition | None, Run], ...],
    session: Session,
    switch: PlotSwitch | None = None,
) -> Callback:
    obj_kind = EVENTS[event].obj
    # Durable at every epoch end, and once the configuration is logged before the first epoch.
    flush = event in ("on_fit_epoch_end", "on_pretrain_routine_start")
    ends = event in END_EVENTS
    teardown = event == "teardown"
    val_start = switch is not None and event == "on_val_start"
    val_end = switch is not None and event == "on_val_end"

    def callback(obj: Any) -> None:
        if not session.main_process:
            return
        unfinished = teardown and session.training and session.trainer is obj
        if teardown and not steps:
            if unfinished:
                session.stop(failed=True)  # on_train_end never came: the training raised or was interrupted
            return
        ctx = session.context(event, obj_kind, obj)
        if switch is not None:
            if val_start:
                switch.before(ctx)
            elif val_end:
                switch.after(ctx)
        for spec, condition, run in steps:
            if condition is not None and not condition(ctx):
                continue
            try:
                run(ctx, session)
            except Missing as e:
                session.warn_once(spec, "missing", f"skipped: {e}")
            except LoggingFailed:
                raise
            except Exception as e:
                session.failed(spec, e)
            finally:
                ctx.file = None  # the file an action was uploading is not the next action's
        if switch is not None and val_end:
            switch.restore()
        if flush:
            session.flush()
        elif ends and (event == "on_train_end" or ctx.trainer is None):
            session.stop()  # a training, or a validation, prediction or export of its own
        elif unfinished:
            session.stop(failed=True)  # on_train_end never came: the training raised or was interrupted

    callback.__name__ = callback.__qualname__ = f"hooks_{event}"
    callback.yaml_hooks = True  # type: ignore[attr-defined]  # attach() finds its earlier callbacks by it
    return callback
