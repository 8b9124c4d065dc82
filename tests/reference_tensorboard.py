"""The yardstick for the `ultralytics-tensorboard` preset: a real tiny training with Ultralytics'
own TensorBoard callback (``ultralytics/utils/callbacks/tensorboard.py``) switched on, and its
event files read back with TensorBoard's own ``EventAccumulator`` into a normalised form
(:class:`TensorBoardRecord`) that a folder of our sink is read into too.

As for tests/reference_mlflow.py, the training runs in a fresh interpreter (``python -m
tests.reference_tensorboard``): Ultralytics' callback does nothing while it thinks tests run
(``TESTS_RUNNING``), so that interpreter never imports pytest, and neither does this module at its
top level. The training is ``demo.train.train(preset=None, settings={"tensorboard": True})``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TensorBoardRecord", "read_event_folder", "train_reference"]

REPO = Path(__file__).resolve().parent.parent
SCRUBBED_ENV = ("PYTEST_CURRENT_TEST", "GITHUB_ACTIONS", "GITHUB_WORKFLOW", "RUNNER_OS")
_RESULT = "reference-tensorboard.json"


@dataclass(frozen=True)
class TensorBoardRecord:
    """A log folder, normalised: ``scalars``: tag -> ((step, value as float32), …) in writing order,
    whether written as a float32 ``simple_value`` (Ultralytics) or a float tensor of the scalars
    plugin (yaml-hooks); ``texts``: the text summaries' tags; ``images``: the image tags; ``graph``:
    whether a model graph was written; ``files``: the event files' names."""

    scalars: dict[str, tuple[tuple[int, float], ...]]
    texts: frozenset[str]
    images: frozenset[str]
    graph: bool
    files: tuple[str, ...]


def read_event_folder(folder: Path) -> TensorBoardRecord:
    import numpy as np
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "tensors": 0, "images": 0})
    acc.Reload()
    tags = acc.Tags()
    scalars: dict[str, tuple[tuple[int, float], ...]] = {}
    for tag in tags["scalars"]:
        scalars[tag] = tuple((e.step, float(np.float32(e.value))) for e in acc.Scalars(tag))
    texts: set[str] = set()
    for tag in tags["tensors"]:
        plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
        if plugin == "scalars":
            points = (
                (e.step, float(np.float32(tensor_util.make_ndarray(e.tensor_proto).item()))) for e in acc.Tensors(tag)
            )
            scalars[tag] = tuple(points)
        elif plugin == "text":
            texts.add(tag)
    files = tuple(sorted(f.name for f in folder.iterdir() if "tfevents" in f.name))
    return TensorBoardRecord(
        dict(sorted(scalars.items())), frozenset(texts), frozenset(tags["images"]), bool(tags["graph"]), files
    )


def train_reference(work: Path, *, epochs: int = 2, name: str = "demo", timeout: float = 900) -> Path:
    """Run a real tiny CPU training in ``work`` with Ultralytics' TensorBoard callback on; return
    its save_dir (where the callback wrote its event file)."""
    work = Path(work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    out = work / _RESULT
    out.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "tests.reference_tensorboard", "--workdir", str(work), "--epochs", str(epochs)]
    argv += ["--name", name, "--out", str(out)]
    result = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(
            f"reference training failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
        )
    return Path(json.loads(out.read_text())["save_dir"])


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="a training with Ultralytics' own TensorBoard callback")
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--name", default="demo")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if "pytest" in sys.modules:
        raise RuntimeError("pytest is imported: Ultralytics' TensorBoard callback would not log")

    import demo.train as demo_train

    save_dir = demo_train.train(
        args.workdir, preset=None, epochs=args.epochs, name=args.name, settings={"tensorboard": True}
    )
    from ultralytics.utils.callbacks import tensorboard as integration

    if not integration.callbacks:
        raise RuntimeError("Ultralytics' TensorBoard integration has no callbacks (TESTS_RUNNING, or no tensorboard)")
    args.out.write_text(json.dumps({"save_dir": str(save_dir)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
