"""What an action sees when its event fires: the event's object, the trainer, the epoch."""

from __future__ import annotations

from typing import Any, Final

from ._paths import Missing

__all__ = ["OBJECT_ROOTS", "Context"]

OBJECT_ROOTS: Final = ("trainer", "validator", "predictor", "exporter")


class Context:
    """Built once per event call and shared by its actions; every field is read, never called."""

    __slots__ = ("epoch", "event", "extra", "final", "obj", "obj_kind", "trainer")

    def __init__(
        self,
        event: str,
        obj_kind: str,
        obj: Any,
        trainer: Any,
        epoch: int | None,
        final: bool,
    ) -> None:
        self.event = event
        self.obj_kind = obj_kind
        self.obj = obj
        self.trainer = trainer
        self.epoch = epoch  # 1-based; None outside training
        self.final = final  # during the final validation after training
        self.extra: dict[str, Any] | None = None  # per-file fields (file, stem, name, suffix)

    def root(self, name: str) -> Any:
        """The object a template field or attribute path root stands for."""
        if name == self.obj_kind:
            return self.obj
        if name == "trainer":
            if self.trainer is None:
                raise Missing("no trainer on this event")
            return self.trainer
        if name == "validator":
            validator = getattr(self.trainer, "validator", None) if self.trainer is not None else None
            if validator is None:
                raise Missing("no validator on this event")
            return validator
        if name == "args":
            args = getattr(self.obj, "args", None)
            if args is None:
                raise Missing("no args on this event")
            return args
        if name in ("epoch", "step"):
            if self.epoch is None:
                raise Missing("no epoch on this event")
            return self.epoch
        if name == "event":
            return self.event
        if self.extra is not None and name in self.extra:
            return self.extra[name]
        raise Missing(f"no {name} on this event")
