"""Validation images at the epochs a config asks for.

Ultralytics draws ``val_batch*_labels.jpg`` / ``val_batch*_pred.jpg`` only when early stopping is
possible or at the last epoch, and the switch is sticky: ``engine/validator.py`` does
``self.args.plots &= …`` on the validator's own args at every training validation, so after the
first epoch only the final validation of best.pt draws them. It draws them in background threads,
which may finish after ``on_val_end`` has fired.

So when an action that would upload such an image is selected for a validation (its `when` holds
for it), yaml-hooks turns the validator's ``plots`` on at ``on_val_start`` (only if the training
has ``plots=True``), waits for the drawing threads at ``on_val_end``, and puts ``plots`` back
afterwards. What Ultralytics computes does not change: ``plots`` only draws.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Final

from ..config.model import ActionSpec
from ..core.context import Context

__all__ = ["DRAWN_NAMES", "PLOT_WAIT_S", "PlotSwitch", "wait_for_drawing"]

# Names of the images a validation draws (batch 0 stands for the first three).
DRAWN_NAMES: Final = ("val_batch0_labels.jpg", "val_batch0_pred.jpg")
PLOT_WAIT_S: Final = 30.0  # at most, per validation, for the drawing threads
_DRAWING_THREAD: Final = "(plot_images)"  # Thread-N (plot_images): the name Python gives @threaded's

Condition = Callable[[Context], bool]


class PlotSwitch:
    """The actions that want validation images, and the switch turned for one validation."""

    def __init__(self, wanting: tuple[tuple[ActionSpec, Condition | None], ...]) -> None:
        self.wanting = wanting
        self._turned: tuple[Any, Any] | None = None  # (the validator's args, their own plots value)

    def __getstate__(self) -> dict[str, Any]:
        return {"wanting": self.wanting}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.wanting = state["wanting"]
        self._turned = None

    def before(self, ctx: Context) -> None:
        """At on_val_start of a training validation: draw the images if an action wants them now."""
        self._turned = None
        if ctx.trainer is None or ctx.final:  # the final validation draws them by itself
            return
        args = getattr(ctx.obj, "args", None)
        if args is None or getattr(args, "plots", True) or not getattr(ctx.trainer.args, "plots", False):
            return
        if any(condition is None or condition(ctx) for _, condition in self.wanting):
            self._turned = (args, args.plots)
            args.plots = True

    def after(self, ctx: Context) -> None:
        """At on_val_end, before its actions: let the drawing finish."""
        args = getattr(ctx.obj, "args", None)
        if args is not None and getattr(args, "plots", False):
            wait_for_drawing(PLOT_WAIT_S)

    def restore(self) -> None:
        """At on_val_end, after its actions: Ultralytics' own value again."""
        if self._turned is not None:
            args, value = self._turned
            args.plots = value
            self._turned = None


def wait_for_drawing(timeout: float) -> int:
    """Join Ultralytics' image-drawing threads (bounded); return how many were waited for."""
    deadline = time.monotonic() + timeout
    joined = 0
    for thread in threading.enumerate():
        if thread is threading.current_thread() or not thread.name.endswith(_DRAWING_THREAD):
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
        joined += 1
    return joined
