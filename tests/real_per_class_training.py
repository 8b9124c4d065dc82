"""A real tiny training (CPU, offline, from a model yaml) of a detection or segmentation model on a
3-class synthetic dataset, with the `full` preset attached, for tests/acceptance/test_real_per_class.py, which
runs it in a fresh interpreter and reads the printed validation table and the Neptune run back:

    python -m tests.real_per_class_training --workdir W --task detect|segment [--epochs N] [--trackers]
                                            [KEY=VALUE …]

The config extends `full` (Neptune capture off) and also logs `per_class` on `on_train_end` (under
`train_end/per_class`) and on the final validation's `on_val_end` (under `val_end/per_class`), and
the training losses every 4th batch (under `batch/`). ``--trackers``: TensorBoard (event files in
the run's folder) and W&B (offline, under ``W/wandb``) get everything too, for
tests/acceptance/test_real_trackers.py. A
callback added after yaml-hooks' writes what the validator holds at `on_train_end` to
``W/validator.json``: the confusion matrix, the instances per class, the class names.
``KEY=VALUE``: training arguments over the script's own (values read as YAML).

Prints ``SAVE_DIR=…`` and ``NETWORK_ATTEMPTS=0``; exit 3 on a network attempt."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from demo.offline import configure_ultralytics, ensure_torchvision, forbid_network, prepare_offline_env
from demo.synthetic import write_dataset, write_segment_dataset

MODELS = {"detect": "yolov8n.yaml", "segment": "yolov8n-seg.yaml"}
CONFIG = """version: 1
extends: full
sink:
  neptune:
    capture: {{stdout: false, stderr: false, traceback: false, hardware_metrics: false, git: false, source_code: false}}
{trackers}events:
  on_train_batch_end:
    - scalars: {{from: train_losses, prefix: batch/, when: {{every_batches: 4}}}}
  on_val_end:
    - scalars: {{from: per_class, to: val_end/per_class, when: {{final: only}}}}
  on_train_end:
    - scalars: {{from: per_class, to: train_end/per_class}}
"""


def dump_validator(path: Path) -> Any:
    def on_train_end(trainer: Any) -> None:
        validator = trainer.validator
        metrics = validator.metrics
        path.write_text(
            json.dumps(
                {
                    "names": {str(k): v for k, v in metrics.names.items()},
                    "matrix": validator.confusion_matrix.matrix.tolist(),
                    "instances": [int(n) for n in metrics.nt_per_class],
                    "present": [int(c) for c in metrics.ap_class_index],
                }
            )
        )

    return on_train_end


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--task", choices=sorted(MODELS), required=True)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--train-images", type=int, default=16)
    parser.add_argument("--val-images", type=int, default=8)
    parser.add_argument("--trackers", action="store_true", help="log to TensorBoard and W&B (offline) as well")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="more training arguments")
    args = parser.parse_args(argv)

    attempts = forbid_network()
    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    prepare_offline_env(work)
    ensure_torchvision()
    configure_ultralytics(work)
    write = write_dataset if args.task == "detect" else write_segment_dataset
    data = write(work / "data", n_train=args.train_images, n_val=args.val_images)
    config = work / "per-class.yaml"
    trackers = (
        f"  tensorboard: {{}}\n  wandb: {{mode: offline, dir: {json.dumps(str(work))}}}\n" if args.trackers else ""
    )
    config.write_text(CONFIG.format(trackers=trackers))

    from ultralytics import YOLO

    import hooks

    model = YOLO(MODELS[args.task])  # from the yaml: no weights to download
    hooks.attach(model, config)
    model.add_callback("on_train_end", dump_validator(work / "validator.json"))
    arguments: dict[str, Any] = {
        "data": str(data),
        "epochs": args.epochs,
        "imgsz": 128,  # the shapes at their drawn size: at 64 px a few epochs find none
        "batch": 4,
        "device": "cpu",
        "workers": 0,
        "project": str(work / "runs"),
        "name": args.task,
        "exist_ok": True,
        "plots": True,  # Ultralytics counts the confusion matrix only when it plots
        "amp": False,
        "val": True,
        "verbose": True,  # the per-class table of the final validation
        # So that a dozen epochs from scratch learn something, class by class (mAP above 0 for each
        # class, different between them): one SGD step per batch at a high rate from the first
        # batch (no warm-up), no mosaics (see demo/train.py).
        "nbs": 4,
        "optimizer": "SGD",
        "lr0": 0.02,
        "warmup_epochs": 0,
        "mosaic": 0.0,
        "seed": 0,
        "deterministic": True,
    }
    arguments.update({k: yaml.safe_load(v) for k, v in (o.split("=", 1) for o in args.overrides)})
    model.train(**arguments)
    print(f"SAVE_DIR={model.trainer.save_dir}")
    if attempts:
        for attempt in attempts:
            print(f"NETWORK_ATTEMPT {attempt}", file=sys.stderr)
        return 3
    print("NETWORK_ATTEMPTS=0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
