"""The Ultralytics callback events, what each passes to its callbacks, and when it fires."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal, final

__all__ = [
    "BATCH_EVENTS",
    "END_EVENTS",
    "EVENTS",
    "FIRING_ORDER",
    "OBJECT_HEADS",
    "TRAINING_EVENTS",
    "Event",
    "EventObject",
    "in_firing_order",
]

EventObject = Literal["trainer", "validator", "predictor", "exporter"]

# The objects events pass: an attribute path or a template field may start with one of them.
OBJECT_HEADS: Final[tuple[EventObject, ...]] = ("trainer", "validator", "predictor", "exporter")


@final
@dataclass(frozen=True, slots=True)
class Event:
    name: str
    obj: EventObject
    when: str  # when it fires, for `hooks explain`
    description: str  # for editors, in the JSON Schema


def _events(obj: EventObject, *rows: tuple[str, str, str]) -> list[Event]:
    return [Event(name, obj, when, description) for name, when, description in rows]


# The 25 events of ultralytics/utils/callbacks/base.py (8.4.x), in that file's order, which groups
# them by the object they pass (not the order a training fires them: FIRING_ORDER below is that).
# The one list of them: the stand-in trainer (hooks.testing.standin) fires these too.
EVENTS: Final[dict[str, Event]] = {
    e.name: e
    for e in [
        *_events(
            "trainer",
            (
                "on_pretrain_routine_start",
                "once, before the dataset and model are set up",
                "Once, before the dataset and model are set up (the trainer's arguments are final here).",
            ),
            (
                "on_pretrain_routine_end",
                "once, after the dataset and model are set up",
                "Once, after the dataset and model are set up.",
            ),
            ("on_train_start", "once, before the first epoch", "Once, before the first epoch."),
            ("on_train_epoch_start", "at the start of every epoch", "At the start of every epoch."),
            ("on_train_batch_start", "before every training batch", "Before every training batch."),
            (
                "optimizer_step",
                "at an optimizer step (reserved; Ultralytics does not fire it)",
                "Reserved by Ultralytics; not fired by default.",
            ),
            (
                "on_before_zero_grad",
                "before gradients are zeroed (reserved; not fired by default)",
                "Reserved by Ultralytics; not fired by default.",
            ),
            ("on_train_batch_end", "after every training batch", "After every training batch."),
            (
                "on_train_epoch_end",
                "after the training batches of every epoch, before validation",
                "After the training batches of every epoch, before validation (train losses and learning rates "
                "are set).",
            ),
            (
                "on_fit_epoch_end",
                "after every epoch's validation, and once more after the final validation",
                "After every epoch's validation (metrics are set), and once more after the final validation.",
            ),
            (
                "on_model_save",
                "after every epoch's checkpoint is saved, before on_fit_epoch_end",
                "After a checkpoint is saved.",
            ),
            (
                "on_train_end",
                "once, when training ends (after the final validation)",
                "Once, when training ends, after the final validation and plots.",
            ),
            ("on_params_update", "when model parameters are updated", "When model parameters are updated."),
            ("teardown", "once, after training has cleaned up", "Once, after training has cleaned up."),
        ),
        *_events(
            "validator",
            ("on_val_start", "when a validation starts", "When a validation starts."),
            ("on_val_batch_start", "before every validation batch", "Before every validation batch."),
            ("on_val_batch_end", "after every validation batch", "After every validation batch."),
            (
                "on_val_end",
                "when a validation ends (every epoch, and the final validation)",
                "When a validation ends: every epoch, and the final validation.",
            ),
        ),
        *_events(
            "predictor",
            ("on_predict_start", "when a prediction starts", "When a prediction starts."),
            ("on_predict_batch_start", "before every prediction batch", "Before every prediction batch."),
            (
                "on_predict_postprocess_end",
                "after every batch is post-processed",
                "After every prediction batch is post-processed.",
            ),
            ("on_predict_batch_end", "after every prediction batch", "After every prediction batch."),
            ("on_predict_end", "when a prediction ends", "When a prediction ends."),
        ),
        *_events(
            "exporter",
            ("on_export_start", "when an export starts", "When an export starts."),
            ("on_export_end", "when an export ends", "When an export ends."),
        ),
    ]
}


# Events that fire once per batch: their step is the batch's global index (see docs/format.md,
# "Steps"), and `when: {every_batches: N}` selects among them.
BATCH_EVENTS: Final = frozenset(
    {
        "on_train_batch_start",
        "on_train_batch_end",
        "optimizer_step",
        "on_before_zero_grad",
        "on_val_batch_start",
        "on_val_batch_end",
        "on_predict_batch_start",
        "on_predict_postprocess_end",
        "on_predict_batch_end",
    }
)

# The event that ends each kind of run: a training, a standalone validation, a prediction, an export.
END_EVENTS: Final = frozenset({"on_train_end", "on_val_end", "on_predict_end", "on_export_end"})


# The events a training fires, in the order they first fire (an epoch repeats on_train_epoch_start
# … on_fit_epoch_end; the final validation repeats on_val_* and on_fit_epoch_end before on_train_end).
TRAINING_EVENTS: Final[tuple[str, ...]] = (
    "on_pretrain_routine_start",
    "on_pretrain_routine_end",
    "on_train_start",
    "on_train_epoch_start",
    "on_train_batch_start",
    "on_train_batch_end",
    "on_train_epoch_end",
    "on_val_start",
    "on_val_batch_start",
    "on_val_batch_end",
    "on_val_end",
    "on_model_save",
    "on_fit_epoch_end",
    "on_train_end",
    "teardown",
)

# Every event in the order what users see lists them (`hooks explain`, `hooks show`): a training's,
# as it fires them; then the three a training never fires (reserved); then a prediction's and an
# export's, each in the order it fires them.
FIRING_ORDER: Final[tuple[str, ...]] = (
    *TRAINING_EVENTS,
    "optimizer_step",
    "on_before_zero_grad",
    "on_params_update",
    "on_predict_start",
    "on_predict_batch_start",
    "on_predict_postprocess_end",
    "on_predict_batch_end",
    "on_predict_end",
    "on_export_start",
    "on_export_end",
)

_RANK: Final[dict[str, int]] = {name: i for i, name in enumerate(FIRING_ORDER)}


def in_firing_order(names: Iterable[str]) -> list[str]:
    """``names`` sorted by FIRING_ORDER; a name that is no event keeps its place after the events."""
    return sorted(names, key=lambda name: _RANK.get(name, len(_RANK)))
