"""A run's identity, kept beside the training so that a resumed training continues the same run.

Ultralytics resumes (``YOLO("…/last.pt").train(resume=True)``) in a new trainer, often in a new
process, with the same ``save_dir``; nothing of a tracker's run survives unless it was written down.
Each tracker keeps its run id and part number in ``<save_dir>/.yaml-hooks/runs.json``; a resumed
training reads it, a new one overwrites it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, final

from ..errors import Missing
from ..log import logger

__all__ = ["STATE_FILE", "RunIdentity", "run_identity", "training_identity"]

STATE_FILE: Final = Path(".yaml-hooks") / "runs.json"


@final
@dataclass(frozen=True, slots=True)
class RunIdentity:
    run_id: str  # the same in every part of one training
    part: int  # 1 for a new training, 2 for its first resume, …


def run_identity(trainer: Any, tracker: str, new_id: Callable[[], str]) -> RunIdentity | None:
    """The identity of the run a training logs to: continued from ``save_dir`` when the training
    resumes, else new (and written down there). None outside a training."""
    save_dir = getattr(trainer, "save_dir", None)
    if trainer is None or save_dir is None:
        return None
    path = Path(save_dir) / STATE_FILE
    state = _read(path)
    earlier = state.get(tracker) if getattr(trainer, "resume", False) else None
    if isinstance(earlier, dict) and isinstance(earlier.get("run_id"), str) and isinstance(earlier.get("part"), int):
        identity = RunIdentity(earlier["run_id"], earlier["part"] + 1)
    else:
        if getattr(trainer, "resume", False):
            logger.warning(
                "%s: this resumed training finds no %s run to continue in %s; it starts a new run",
                tracker,
                tracker,
                path,
            )
        identity = RunIdentity(new_id(), 1)
    state[tracker] = {"run_id": identity.run_id, "part": identity.part}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        logger.warning("cannot write %s (a resumed training would start a new run): %s", path, e)
    return identity


def training_identity(lookup: Callable[[str], Any], tracker: str) -> RunIdentity | None:
    """``run_identity`` of the training an event belongs to (a new id is a random hex); None for a
    validation, prediction or export of its own."""
    try:
        trainer = lookup("trainer")
    except Missing:
        return None

    def new_id() -> str:
        import uuid  # only when a training starts: `uuid` imports `platform`, a first load need not

        return uuid.uuid4().hex

    return run_identity(trainer, tracker, new_id)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
