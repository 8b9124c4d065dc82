"""The events a real Ultralytics 8.4.190 detection training fires, and in which order.

Event order of a real Ultralytics 8.4.190 detection training (default args: val=True, save=True),
recorded from real runs; `event_order()` produces it as a list.

  on_pretrain_routine_start   trainer.__init__, after args.yaml and weights/ exist
  on_pretrain_routine_end     after the model, loaders, validator and labels.jpg (plots=True)
  on_train_start
  per epoch (trainer.epoch = 0 .. epochs-1):
    on_train_epoch_start
    per batch: on_train_batch_start, on_train_batch_end   (train_batch{ni}.jpg written between)
    on_train_epoch_end          trainer.lr set just before; tloss = mean loss of the epoch
    on_val_start, per val batch: on_val_batch_start, on_val_batch_end, on_val_end
                                (validator.training True; with val=False only in the last epoch)
    on_model_save               after results.csv row + weights/last.pt (+ best.pt) are written
    on_fit_epoch_end            trainer.metrics = validation metrics incl. val/*_loss
  final validation of weights/best.pt (validator called without trainer, training False):
    on_val_start, per val batch: on_val_batch_start, on_val_batch_end, on_val_end
    on_fit_epoch_end            trainer.epoch == epochs (bumped by one, restored afterwards);
                                trainer.metrics has only the four metrics/*(B) keys
  on_train_end                after results.png (plots=True)
  teardown                    always, also when a callback raised

Never fired by a training: optimizer_step, on_before_zero_grad, on_params_update,
on_predict_*, on_export_*."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from typing import Any, Final

from ...core.events import BATCH_EVENTS as ANY_BATCH_EVENTS
from ...core.events import EVENTS, TRAINING_EVENTS

Callback = Callable[[Any], None]

MIRRORED_ULTRALYTICS_VERSION: Final = "8.4.190"

# ultralytics/utils/callbacks/base.py, in its order: yaml-hooks' own list (hooks.core.events).
ALL_EVENTS: Final[tuple[str, ...]] = tuple(EVENTS)

# The events a training fires, in first-firing order. base.py marks optimizer_step,
# on_before_zero_grad and on_params_update "reserved, not called by default": the trainer's
# optimizer_step() is a method, not a callback event. Predict/export events need a predictor or
# exporter, which a training never builds.
FIRED_EVENTS: Final[tuple[str, ...]] = TRAINING_EVENTS
UNFIRED_EVENTS: Final[tuple[str, ...]] = tuple(e for e in ALL_EVENTS if e not in FIRED_EVENTS)
# The batch events a training fires.
BATCH_EVENTS: Final[frozenset[str]] = frozenset(e for e in FIRED_EVENTS if e in ANY_BATCH_EVENTS)
# What a benchmark of epoch-level logging wants: everything a training fires except per-batch events.
EPOCH_EVENTS: Final[tuple[str, ...]] = tuple(e for e in FIRED_EVENTS if e not in BATCH_EVENTS)


def event_order(
    epochs: int = 3,
    batches: int = 2,
    val_batches: int = 1,
    *,
    events: Collection[str] | None = None,
    val: bool = True,
    save: bool = True,
) -> list[str]:
    """Return the events a training with these sizes fires, in order (see ``EVENT_ORDER``).

    ``val``/``save`` mirror the Ultralytics args of those names; early stopping is assumed not to
    trigger (the stand-in's fitness rises every epoch, so it never does there).
    """
    check_sizes(epochs, batches, val_batches)
    wanted = event_filter(events)
    validation = ["on_val_start", *(["on_val_batch_start", "on_val_batch_end"] * val_batches), "on_val_end"]
    seq = ["on_pretrain_routine_start", "on_pretrain_routine_end", "on_train_start"]
    for epoch in range(epochs):
        final = epoch + 1 >= epochs
        seq.append("on_train_epoch_start")
        seq.extend(["on_train_batch_start", "on_train_batch_end"] * batches)
        seq.append("on_train_epoch_end")
        if val or final:
            seq.extend(validation)
        if save or final:
            seq.append("on_model_save")
        seq.append("on_fit_epoch_end")
    # best.pt exists after any save (its fitness is None == None when val=False), so the final
    # validation always happens.
    seq.extend([*validation, "on_fit_epoch_end", "on_train_end", "teardown"])
    return seq if wanted is None else [e for e in seq if e in wanted]


def compress_events(seq: Iterable[str]) -> list[str]:
    """Collapse runs of per-batch events so sequences of different sizes stay readable.

    ``[s, e, s, e]`` for a ``*_batch_start``/``*_batch_end`` pair becomes ``"s/e x2"``; any other
    run of one repeated event becomes ``"event xN"`` (N > 1).
    """
    items = list(seq)
    out: list[str] = []
    i = 0
    while i < len(items):
        ev = items[i]
        if ev.endswith("_batch_start"):
            end = ev[: -len("start")] + "end"
            n = 0
            while i + 1 < len(items) and items[i] == ev and items[i + 1] == end:
                n += 1
                i += 2
            if n:
                out.append(f"{ev}/{end} x{n}")
                continue
        n = 1
        while i + n < len(items) and items[i + n] == ev:
            n += 1
        out.append(ev if n == 1 else f"{ev} x{n}")
        i += n
    return out


def check_event_names(events: Collection[str] | None) -> None:
    if events is None:
        return
    unknown = sorted(set(events) - set(ALL_EVENTS))
    if unknown:
        raise ValueError(f"unknown Ultralytics callback event(s): {', '.join(unknown)}")


def event_filter(events: Collection[str] | None) -> frozenset[str] | None:
    if isinstance(events, str):  # a lone name would otherwise be read as a collection of letters
        raise TypeError("events must be a collection of event names, not a string")
    check_event_names(events)
    return None if events is None else frozenset(events)


def check_sizes(epochs: int, batches: int, val_batches: int) -> None:
    for name, value in (("epochs", epochs), ("batches", batches), ("val_batches", val_batches)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")


def new_callbacks() -> defaultdict[str, list[Callback]]:
    return defaultdict(list, {e: [] for e in ALL_EVENTS})
