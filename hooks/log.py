"""The `hooks` logger. It prints to stderr by itself, as Ultralytics' own logger does, so that a
user sees where the run's data went without configuring logging."""

from __future__ import annotations

import logging

__all__ = ["logger"]

logger = logging.getLogger("hooks")
if not logger.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("hooks: %(message)s"))
    logger.addHandler(_handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
