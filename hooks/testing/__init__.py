"""Helpers for testing configs without a tracker or a training: a sink that records every call,
and a stand-in trainer that fires Ultralytics' events in their real order.

    from hooks.testing import RecordingSink, simulate_training
    sink = RecordingSink()
    simulate_training(dict(hooks.load("team.yaml", sink=sink)), tmp_path / "run", epochs=3)
    assert sink.series()["metrics/mAP50(B)"][-1][0] == 4      # the final validation's step
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .recording import Record, RecordingSink

if TYPE_CHECKING:
    from .standin import simulate_training

__all__ = ["Record", "RecordingSink", "simulate_training"]


def __getattr__(name: str) -> Any:
    # The stand-in needs numpy; load it only when asked for.
    if name == "simulate_training":
        from .standin import simulate_training

        return simulate_training
    raise AttributeError(f"module 'hooks.testing' has no attribute {name!r}")
