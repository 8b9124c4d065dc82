"""A real tiny training through ``demo.train.train(mlflow=…)`` with what the command line does not
offer, for tests/acceptance/test_real_mlflow.py, which runs it in a fresh interpreter:

    python -m tests.real_mlflow_training --workdir W --mlflow URI [--ultralytics-mlflow]
        [--experiment NAME] [--drain-seconds S] [--register MODEL]

- ``--ultralytics-mlflow``: Ultralytics' own MLflow callback switched on (``settings={"mlflow": True}``);
  prints ``ULTRALYTICS_MLFLOW=would-log`` when nothing keeps it from logging (its module has
  callbacks and Ultralytics does not think tests run), which is what the sink must switch off.
- ``--register MODEL``: the preset's ``best-weights`` upload, in the config the demo writes (the
  config loaded: only it may register), also registers the best weights as a version of MODEL,
  with the alias ``champion`` following the best fitness.

Network use is watched as with ``python -m demo.train --forbid-network`` (loopback allowed). Prints
``SAVE_DIR=…`` and ``NETWORK_ATTEMPTS=0``; exit 3 on a network attempt.
Never imports pytest: Ultralytics' callback would then think tests run.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import demo.train
from demo.offline import forbid_network
from demo.train import train


def registering(model: str) -> None:
    """Make the config the demo writes (the config loaded) register the best weights as ``model``."""
    write = demo.train.write_trackers_config

    def write_and_register(*args: Any, **kwargs: Any) -> Path:
        path = write(*args, **kwargs)
        upload = {
            "from": "best",
            "to": "weights/{args.name}/{file.name}",
            "register": {"model": model, "aliases": {"champion": "best"}},
            "id": "best-weights",  # replaces the preset's upload of the same weights in place
        }
        with path.open("a", encoding="utf-8") as f:
            f.write(f"events: {json.dumps({'on_train_end': [{'upload': upload}]})}\n")
        return path

    demo.train.write_trackers_config = write_and_register


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--mlflow", required=True, metavar="URI")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--experiment", help="sink.mlflow.experiment (unset: the sink's default)")
    parser.add_argument("--drain-seconds", type=float, help="sink.mlflow.drain_seconds (unset: the sink's default)")
    parser.add_argument("--ultralytics-mlflow", action="store_true", help="switch Ultralytics' own callback on")
    parser.add_argument("--register", metavar="MODEL", help="register the best weights as a version of MODEL")
    args = parser.parse_args(argv)
    if "pytest" in sys.modules:
        raise RuntimeError("pytest is imported: Ultralytics' MLflow callback would not log")

    attempts = forbid_network()
    if args.register:
        registering(args.register)
    options: dict[str, Any] = {}
    if args.experiment:
        options["experiment"] = args.experiment
    if args.drain_seconds is not None:
        options["drain_seconds"] = args.drain_seconds
    callbacks: dict[str, Callable[[Any], None]] = {}
    if args.ultralytics_mlflow:

        def report_builtin(trainer: Any) -> None:
            from ultralytics.utils import SETTINGS, TESTS_RUNNING
            from ultralytics.utils.callbacks import mlflow as integration

            if SETTINGS["mlflow"] and integration.callbacks and not TESTS_RUNNING:
                print("ULTRALYTICS_MLFLOW=would-log", flush=True)

        callbacks["on_pretrain_routine_start"] = report_builtin

    save_dir = train(
        args.workdir,
        preset="default",
        epochs=args.epochs,
        mlflow=args.mlflow,
        mlflow_options=options,
        settings={"mlflow": True} if args.ultralytics_mlflow else None,
        callbacks=callbacks,
    )
    print(f"SAVE_DIR={save_dir}")
    if attempts:
        for attempt in attempts:
            print(f"NETWORK_ATTEMPT {attempt}", file=sys.stderr)
        return 3
    print("NETWORK_ATTEMPTS=0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
