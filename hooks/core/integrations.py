"""Ultralytics' own tracker integrations: the callbacks Ultralytics adds to every trainer for each
tracker its settings switch on and whose package is installed (``add_integration_callbacks`` in
``ultralytics/utils/callbacks/base.py``). `ultralytics_builtins:` names them; the runtime switches
off those a config does not keep.

Left out on purpose, because none of them is a tracker that logs a training behind the config's
back:

- ``platform`` (8.4.190; ``hub`` before it): Ultralytics Platform/HUB, which runs only with an API
  key the user set up (``yolo settings api_key=…``) and also drives a training started from the
  Platform (cancelling it, uploading its checkpoints); switching it off would break that training.
- ``events``: Ultralytics' anonymous usage analytics, governed by its own ``sync`` setting, and
  added to validators and predictors too; no training data.
- ``raytune``: reports each epoch's metrics to a Ray Tune trial, only inside one; ``model.tune(
  use_ray=True)`` needs it to see any result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, final

__all__ = ["INTEGRATIONS", "INTEGRATION_NAMES", "Integration"]


@final
@dataclass(frozen=True, slots=True)
class Integration:
    """One of Ultralytics' own tracker integrations."""

    name: str  # in `ultralytics_builtins:`, and Ultralytics' setting (`yolo settings <name>=False`)
    module: str  # the module its callbacks are defined in (their ``__module__``, lambdas too)
    shown: str  # the tracker's name in words


INTEGRATIONS: Final[tuple[Integration, ...]] = (
    Integration("clearml", "ultralytics.utils.callbacks.clearml", "ClearML"),
    Integration("comet", "ultralytics.utils.callbacks.comet", "Comet"),
    Integration("dvc", "ultralytics.utils.callbacks.dvc", "DVC"),
    Integration("mlflow", "ultralytics.utils.callbacks.mlflow", "MLflow"),
    # Ultralytics ≤ 8.4.131 only; later versions have no Neptune integration.
    Integration("neptune", "ultralytics.utils.callbacks.neptune", "Neptune"),
    Integration("tensorboard", "ultralytics.utils.callbacks.tensorboard", "TensorBoard"),
    Integration("wandb", "ultralytics.utils.callbacks.wb", "Weights & Biases"),
)
INTEGRATION_NAMES: Final[tuple[str, ...]] = tuple(i.name for i in INTEGRATIONS)
