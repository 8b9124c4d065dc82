"""Fault injection for the tests: a tracker that fails on every call, a training that kills itself,
a server that never answers, and a training script that can use them. Run as
`python -m tests.faults WORKDIR MODE [EPOCHS]`; MODE is `calls`, `start` (a broken tracker),
`neptune`, or `kill-at-N` (Neptune, and the process SIGKILLs itself right after epoch N's
`on_fit_epoch_end` callbacks of yaml-hooks have run)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from hooks.plugin import BaseSink, BaseSinkFactory

REPO = Path(__file__).resolve().parent.parent

# A stand-in training of the config argv[1] into the folder argv[2], in a process of its own.
STANDIN_TRAINING = """
import sys
import hooks
from hooks.testing import simulate_training

simulate_training(dict(hooks.load(sys.argv[1])), sys.argv[2], epochs=2, batches=2)
print("TRAINED")
"""


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """The http:// URL of a server that takes connections and never answers (a listening socket
    nobody accepts from): a tracker's server that hangs."""
    with socket.create_server(("127.0.0.1", 0), backlog=8) as silent:
        yield f"http://127.0.0.1:{silent.getsockname()[1]}"


def standin_training(
    config: Path, save_dir: Path, env: Mapping[str, str], *, drop: tuple[str, ...], timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """STANDIN_TRAINING in a fresh interpreter, in the config's folder: this environment without
    the variables starting with ``drop`` (and pytest's), plus ``env``. Raises TimeoutExpired past
    ``timeout`` seconds."""
    child = {k: v for k, v in os.environ.items() if not k.startswith((*drop, "PYTEST_"))}
    child.update(env)
    child["PYTHONPATH"] = os.pathsep.join([str(REPO), child.get("PYTHONPATH", "")])
    argv = [sys.executable, "-c", STANDIN_TRAINING, str(config), str(save_dir)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=config.parent, env=child)


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
