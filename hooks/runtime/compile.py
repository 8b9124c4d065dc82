"""Stage 6: compile each action into a closure and each event into one plain callback."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, final

from ..actions.base import Run
from ..actions.registry import KINDS
from ..config.events import EVENTS
from ..config.model import ActionSpec, Config, When
from ..errors import Missing
from .context import Context
from .session import LoggingFailed, Session

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
    has_epoch_rule = bool(epochs or first or last)

    def check(ctx: Context) -> bool:
        if final is False and ctx.final:
            return False
        if final == "only" and not ctx.final:
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
_TRACKED = ("on_pretrain_routine_start", "on_train_epoch_end", "on_fit_epoch_end", "on_train_end")


def compile_config(config: Config) -> Compiled:
    session = Session(config.sink, config.strict, config.file)
    callbacks: dict[str, Callback] = {}
    for event, specs in config.events.items():
        if specs or event in _TRACKED:
            steps = tuple((spec, compile_when(spec.when), KINDS[spec.kind].compile(spec)) for spec in specs)
            callbacks[event] = _event_callback(event, steps, session)
    return Compiled(config, callbacks, session)


def _event_callback(
    event: str, steps: tuple[tuple[ActionSpec, Condition | None, Run], ...], session: Session
) -> Callback:
    obj_kind = EVENTS[event].obj
    # Durable at every epoch end, and once the configuration is logged before the first epoch.
    flush = event in ("on_fit_epoch_end", "on_pretrain_routine_start")
    stop = event == "on_train_end"

    def callback(obj: Any) -> None:
        if not session.main_process:
            return
        ctx = session.context(event, obj_kind, obj)
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
        if flush:
            session.flush()
        elif stop:
            session.stop()

    callback.__name__ = callback.__qualname__ = f"hooks_{event}"
    return callback
