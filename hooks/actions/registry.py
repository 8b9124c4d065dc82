"""The action kinds, one module each: this list is the registry (the schema's kinds are checked
equal to it by the tests). A new kind is a module with a ``KIND`` and a line here."""

from __future__ import annotations

from typing import Final

from . import assign, files, plots, scalars, upload
from .base import ActionKind

__all__ = ["KINDS"]

KINDS: Final[dict[str, ActionKind]] = {
    kind.name: kind for kind in (scalars.KIND, files.KIND, plots.KIND, assign.KIND, upload.KIND)
}
