"""The reader of MLflow runs, through ``mlflow.MlflowClient`` (imported when a store is first read):
a tracking server (``http://…``) or a local store (``sqlite:///…``). ``read.py`` says how a run
becomes the run model."""

from __future__ import annotations

from typing import Final

from ..reader import Reader
from .read import MlflowReader

__all__ = ["READER", "MlflowReader"]

READER: Final[Reader] = MlflowReader()  # typed so that mypy checks it against the protocol
