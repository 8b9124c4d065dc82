"""Run a real (tiny, CPU, offline) YOLOv8n training, optionally with yaml-hooks attached.

Usage: python -m demo.train --workdir ./demo-work [--preset NAME | --no-hooks] [--epochs N] [--mlflow [URI]]
                           [--tensorboard] [--wandb]

With --mlflow the training logs to MLflow as well as to the preset's Neptune offline run: to the
tracking server at URI, or with no URI to a SQLite file <workdir>/mlflow.db (no server). With
--tensorboard it writes TensorBoard event files into the run's folder too, and with --wandb an
offline W&B run under <workdir>/wandb (no account).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from demo.offline import configure_ultralytics, ensure_torchvision, forbid_network, prepare_offline_env
from demo.synthetic import write_dataset

TRACKERS_CONFIG = "hooks-trackers.yaml"  # the generated config, written to the workdir beside runs/


def mlflow_uri(workdir: Path, uri: str | None = "") -> str:
    """The tracking URI ``--mlflow`` logs to: ``uri``, or with none a SQLite file in ``workdir``."""
    return uri or f"sqlite:///{Path(workdir).resolve() / 'mlflow.db'}"


def mlflow_ui(uri: str) -> str:
    """What opens the MLflow UI on ``uri``: a server's own URL, else the `mlflow ui` command."""
    if uri.startswith(("http://", "https://")):
        return uri
    return f"mlflow ui --backend-store-uri {uri}"


def tensorboard_command(save_dir: Path) -> str:
    """What opens TensorBoard on the demo's runs (the event files are in each run's folder)."""
    return f"tensorboard --logdir {Path(save_dir).parent}"


def wandb_folder(workdir: Path) -> Path:
    """Where ``--wandb`` keeps its offline runs: ``<workdir>/wandb``."""
    return Path(workdir).resolve() / "wandb"


def write_trackers_config(workdir: Path, preset: str, trackers: Mapping[str, Mapping[str, Any]]) -> Path:
    """A config that extends ``preset`` (its Neptune run stays) and adds ``trackers`` (name under
    `sink:` → its options): fan-out. Written in the workdir: the config the user loads, so it may
    name where the runs go."""
    from hooks.config.presets import looks_like_path

    workdir = Path(workdir).resolve()
    if looks_like_path(preset):  # a config path, from here: the generated file lives elsewhere
        preset = str(Path(preset).expanduser().resolve())
    path = workdir / TRACKERS_CONFIG
    # JSON is YAML: every string quoted as it must be.
    path.write_text(
        f"# Written by `python -m demo` ({', '.join(f'--{name}' for name in trackers)}): the preset, logging to "
        "these trackers as well.\n"
        "version: 1\n"
        f"extends: {json.dumps(preset)}\n"
        f"sink: {json.dumps({name: dict(options) for name, options in trackers.items()})}\n",
        encoding="utf-8",
    )
    return path


def train(
    workdir: Path,
    preset: str | None = "default",
    epochs: int = 3,
    imgsz: int = 64,
    batch: int = 4,
    name: str = "demo",
    n_train: int = 16,
    *,
    mlflow: str | None = None,
    mlflow_options: Mapping[str, Any] | None = None,
    tensorboard: bool = False,
    wandb: bool = False,
    settings: Mapping[str, Any] | None = None,
    callbacks: Mapping[str, Callable[[Any], Any]] | None = None,
) -> Path:
    """Train yolov8n from scratch on a synthetic dataset inside ``workdir``; return the run's save_dir.

    With ``preset=None`` no hooks are attached (plain Ultralytics training).
    ``mlflow``: also log to MLflow, at this tracking URI ("" for ``sqlite:///<workdir>/mlflow.db``),
    through a generated config that extends ``preset`` (``mlflow_options``: more keys of its
    ``sink.mlflow``, e.g. ``{"drain_seconds": 5}``). ``tensorboard``: also write TensorBoard event
    files into the run's folder; ``wandb``: also log an offline W&B run under ``<workdir>/wandb``.
    ``settings``: Ultralytics SETTINGS set after the
    demo's own (which switch every integration off; ``{"mlflow": True}`` switches its MLflow
    callback on). ``callbacks``: event -> callback, added to the model after yaml-hooks'.
    """
    if (mlflow is not None or tensorboard or wandb) and preset is None:
        raise ValueError("logging to MLflow, TensorBoard or W&B needs yaml-hooks attached: give a preset")
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    prepare_offline_env(workdir)  # before the first ultralytics import
    ensure_torchvision()  # before ultralytics imports torchvision in its validator
    configure_ultralytics(workdir)
    if settings:
        from ultralytics.utils import SETTINGS

        SETTINGS.update(dict(settings))  # read when the trainer adds its integration callbacks
    data_yaml = write_dataset(workdir / "data", n_train=n_train)

    from ultralytics import YOLO

    # From the yaml, never a .pt: loading pretrained weights would download them.
    model = YOLO("yolov8n.yaml")
    config: str | Path | None = preset
    trackers: dict[str, Mapping[str, Any]] = {}
    if mlflow is not None:
        trackers["mlflow"] = {"tracking_uri": mlflow_uri(workdir, mlflow), **(mlflow_options or {})}
    if tensorboard:
        trackers["tensorboard"] = {}
    if wandb:
        trackers["wandb"] = {"mode": "offline", "dir": str(workdir)}
    if preset is not None and trackers:
        config = write_trackers_config(workdir, preset, trackers)
    if config is not None:
        import hooks

        hooks.attach(model, config)
    for event, callback in (callbacks or {}).items():
        model.add_callback(event, callback)
    model.train(
        data=str(data_yaml),
        epochs=epochs,
        imgsz=imgsz,
        batch=batch,
        device="cpu",
        workers=0,  # no dataloader worker processes: faster start-up and simpler teardown for a tiny set
        project=str(workdir / "runs"),
        name=name,
        exist_ok=True,
        plots=True,
        amp=False,  # skips check_amp(), which would load yolo weights (a download) on a GPU
        val=True,
        # So that a model trained from scratch for a minute learns something (mAP above 0 after about
        # ten epochs): one optimizer step per batch (at the default nbs=64 a tiny set steps once every
        # 16 batches), and no 4-image mosaics (at 64 px they shrink the shapes below what it learns).
        nbs=batch,
        mosaic=0.0,
    )
    trainer = model.trainer
    if trainer is None:  # model.train() always sets it; guards against an Ultralytics API change
        raise RuntimeError("model.train() did not leave a trainer behind")
    return Path(trainer.save_dir)


def add_tracker_arguments(parser: argparse.ArgumentParser) -> None:
    """``--mlflow [URI]``, ``--tensorboard`` and ``--wandb``, shared by ``python -m demo`` and
    ``python -m demo.train``."""
    add_mlflow_argument(parser)
    parser.add_argument(
        "--tensorboard", action="store_true", help="write TensorBoard event files into the run's folder as well"
    )
    parser.add_argument(
        "--wandb", action="store_true", help="log an offline W&B run as well, under <workdir>/wandb (no account)"
    )


def add_mlflow_argument(parser: argparse.ArgumentParser) -> None:
    """``--mlflow [URI]``, shared by ``python -m demo`` and ``python -m demo.train``."""
    parser.add_argument(
        "--mlflow",
        nargs="?",
        const="",
        default=None,
        metavar="URI",
        help="log to MLflow as well: a tracking server's http://host:port, or (no URI) sqlite:///<workdir>/mlflow.db",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints ``SAVE_DIR=<path>`` on success (and ``MLFLOW_UI=…`` with --mlflow)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("./demo-work"), help="everything is written here")
    parser.add_argument("--preset", default="default", help="yaml-hooks preset to attach (default: %(default)s)")
    parser.add_argument("--no-hooks", action="store_true", help="train without attaching yaml-hooks")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--imgsz", type=int, default=64)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--name", default="demo", help="run folder name under <workdir>/runs")
    add_tracker_arguments(parser)
    parser.add_argument(
        "--forbid-network",
        action="store_true",
        help="block and record any socket connect / DNS lookup to another host; exit 3 if one happened",
    )
    args = parser.parse_args(argv)
    if args.no_hooks and (args.mlflow is not None or args.tensorboard or args.wandb):
        parser.error("--mlflow, --tensorboard and --wandb log through yaml-hooks: they cannot go with --no-hooks")

    # Installed first so that imports done by train() are watched too.
    attempts = forbid_network() if args.forbid_network else None
    started = time.perf_counter()
    save_dir = train(
        args.workdir,
        preset=None if args.no_hooks else args.preset,
        epochs=args.epochs,
        imgsz=args.imgsz,
        batch=args.batch,
        name=args.name,
        mlflow=args.mlflow,
        tensorboard=args.tensorboard,
        wandb=args.wandb,
    )
    print(f"TRAIN_SECONDS={time.perf_counter() - started:.1f}")
    print(f"SAVE_DIR={save_dir}")
    if args.mlflow is not None:
        print(f"MLFLOW_UI={mlflow_ui(mlflow_uri(args.workdir, args.mlflow))}")
    if args.tensorboard:
        print(f"TENSORBOARD={tensorboard_command(save_dir)}")
    if args.wandb:
        print(f"WANDB_DIR={wandb_folder(args.workdir)}")
    if attempts:
        for attempt in attempts:
            print(f"NETWORK_ATTEMPT {attempt}", file=sys.stderr)
        return 3
    if attempts is not None:
        print("NETWORK_ATTEMPTS=0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
