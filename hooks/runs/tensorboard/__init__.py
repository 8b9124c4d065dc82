"""The reader of TensorBoard log folders, with TensorBoard's own ``EventAccumulator`` (imported
when a folder is first read): ``read.py`` says how a folder's event files become the run model."""

from __future__ import annotations

from typing import Final

from ..reader import Reader
from .read import TensorBoardReader

__all__ = ["READER", "TensorBoardReader"]

READER: Final[Reader] = TensorBoardReader()  # typed so that mypy checks it against the protocol
