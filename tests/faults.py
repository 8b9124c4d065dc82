"""Fault injection for the real-training tests: a tracker that fails on every call, a training
that kills itself, and a training script that can use them. Run as
`python -m tests.faults WORKDIR MODE [EPOCHS]`; MODE is `calls`, `start` (a broken tracker),
`neptune`, or `kill-at-N` (Neptune, and the process SIGKILLs itself right after epoch N's
`on_fit_epoch_end` callbacks of yaml-hooks have run)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hooks.plugin import BaseSink, BaseSinkFactory


class BrokenSink(BaseSink):
    """Every call fails, as a full disk or a broken tracker would."""

    def _fail(self, *args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    append = assign = upload = upload_figure = flush = _fail

    def stop(self) -> str:
        raise OSError(28, "No space left on device")


class BrokenTracker(BaseSinkFactory):
    """A SinkFactory whose runs fail on every call (mode "calls"), or that cannot start ("start")."""

    def __init__(self, how: str) -> None:
        self.how = how

    def open(self, lookup: Callable[[str], Any]) -> BrokenSink:
        if self.how == "start":
            raise RuntimeError("the tracker's server is gone")
        return BrokenSink()

    def describe(self) -> str:
        return "a tracker that fails"


def main(argv: list[str]) -> int:
    work, mode = Path(argv[0]), argv[1]
    epochs = int(argv[2]) if len(argv) > 2 else 2
    from demo.offline import configure_ultralytics, ensure_torchvision, prepare_offline_env
    from demo.synthetic import write_dataset

    prepare_offline_env(work)
    ensure_torchvision()
    configure_ultralytics(work)
    data = write_dataset(work / "data")
    from ultralytics import YOLO

    import hooks

    model = YOLO("yolov8n.yaml")
    neptune = mode == "neptune" or mode.startswith("kill-at-")
    hooks.attach(model, "default", sink=None if neptune else BrokenTracker(mode))
    if mode.startswith("kill-at-"):
        model.add_callback("on_fit_epoch_end", killer(int(mode.removeprefix("kill-at-")), work))
    model.train(
        data=str(data),
        epochs=epochs,
        imgsz=64,
        batch=4,
        device="cpu",
        workers=0,
        project=str(work / "runs"),
        name="faults",
        exist_ok=True,
        amp=False,
        plots=True,
    )
    print("TRAINING_FINISHED")
    return 0


def killer(epoch: int, work: Path) -> Callable[[Any], None]:
    """A callback added after yaml-hooks' own: at the end of ``epoch`` (1-based) it notes the
    moment, then kills its own process as the OOM killer or a preempted node would."""

    def kill(trainer: Any) -> None:
        if trainer.epoch + 1 == epoch:
            (work / "killed-after-epoch").write_text(str(epoch))
            os.kill(os.getpid(), signal.SIGKILL)

    return kill


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
