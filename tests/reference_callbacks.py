"""Hand-written callbacks that do what the original integrations did, in their style: the yardstick
the `yolov8-neptune` and `ultralytics-neptune` presets are compared with, field for field. One
implementation serves the tests and the benchmarks (benchmarks/_handwritten.py)."""

from __future__ import annotations

from benchmarks._handwritten import QUIET, HandWritten

__all__ = ["QUIET", "HandWritten"]
