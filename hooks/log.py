"""The `hooks` logger. It prints to stderr by itself, as Ultralytics' own logger does, so that a
user sees where the run's data went without configuring logging.

``logger`` stands for ``logging.getLogger("hooks")`` and sets it up the first time it is used: a
valid config is loaded without importing ``logging`` at all (about a tenth of a first load)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import logging

__all__ = ["logger"]

_HANDLER = "hooks-stderr"


@cache
def _logger() -> logging.Logger:
    import logging

    found = logging.getLogger("hooks")
    if not any(h.get_name() == _HANDLER for h in found.handlers):  # set up once, whatever else was added
        handler = logging.StreamHandler()
        handler.set_name(_HANDLER)
        handler.setFormatter(logging.Formatter("hooks: %(message)s"))
        found.addHandler(handler)
        if found.level == logging.NOTSET:  # a level the user set before the first message stays
            found.setLevel(logging.INFO)
        found.propagate = False
    return found


class _Deferred:
    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        return getattr(_logger(), name)


logger = cast("logging.Logger", _Deferred())
