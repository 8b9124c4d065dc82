"""A fast, faithful stand-in for an Ultralytics ``DetectionTrainer`` and its validator.

Compiled callbacks have to be tested and benchmarked against the objects a real ``model.train()``
hands them, but a real training is far too slow for that. This package mirrors, for Ultralytics
8.4.190 (``engine/trainer.py``, ``engine/validator.py``, ``models/yolo/detect/{train,val}.py``):

* the order in which the callback events fire (including the per-batch events, the final
  validation of ``best.pt`` and ``teardown``), and the events that never fire in a training;
* the attributes real callbacks read (``epoch``, ``epochs``, ``lr``, ``tloss``,
  ``label_loss_items``, ``metrics``, ``fitness``, ``best_fitness``, ``plots``, ``save_dir``,
  ``best``, ``last``, ``args``, ``validator.speed``/``plots``/``metrics``/``training``, ...);
* the files a run writes, at the moment it writes them (small but valid JPG/PNG images).

Numbers evolve plausibly (losses fall, mAP rises) and deterministically from a seed. The
learning-rate schedule, including warm-up and the ``optimizer=auto`` choice, is the real formula,
so ``trainer.lr`` matches a real run with the same epochs, batches and classes.

Known differences from a real run, all deliberate: loss values are ``float`` (real: 0-d tensors),
checkpoints are small pickles (real: ``torch.save`` archives), images are written synchronously
(real: ``plot_images`` runs in a thread, so ``train_batch*.jpg`` can land one event late),
every class has labels in the validation set and its per-class results (``metrics.class_result``)
are the means spread evenly over the classes, ``args.time``, resuming, DDP, AMP and NaN recovery
are not simulated.

One module per thing it simulates: ``events`` (which events fire, in which order), ``args``
(the training arguments), ``objects`` (device, optimizer, loader, early stopping, metrics),
``numbers`` (the values), ``images`` (the files), ``validator`` and ``trainer``.
"""

from __future__ import annotations

from .args import StandInArgs, default_args
from .events import (
    ALL_EVENTS,
    BATCH_EVENTS,
    EPOCH_EVENTS,
    FIRED_EVENTS,
    MIRRORED_ULTRALYTICS_VERSION,
    UNFIRED_EVENTS,
    compress_events,
    event_order,
)
from .objects import StandInDetMetrics
from .trainer import StandInTrainer, simulate_training
from .validator import StandInValidator

__all__ = [
    "ALL_EVENTS",
    "BATCH_EVENTS",
    "EPOCH_EVENTS",
    "FIRED_EVENTS",
    "MIRRORED_ULTRALYTICS_VERSION",
    "UNFIRED_EVENTS",
    "StandInArgs",
    "StandInDetMetrics",
    "StandInTrainer",
    "StandInValidator",
    "compress_events",
    "default_args",
    "event_order",
    "simulate_training",
]
