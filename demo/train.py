"""Run a real (tiny, CPU, offline) YOLOv8n training, optionally with yaml-hooks attached.

Usage: python -m demo.train --workdir ./demo-work [--preset NAME | --no-hooks] [--epochs N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from demo.offline import configure_ultralytics, ensure_torchvision, forbid_network, prepare_offline_env
from demo.synthetic import write_dataset


def train(
    workdir: Path,
    preset: str | None = "default",
    epochs: int = 3,
    imgsz: int = 64,
    batch: int = 4,
    name: str = "demo",
    n_train: int = 16,
) -> Path:
    """Train yolov8n from scratch on a synthetic dataset inside ``workdir``; return the run's save_dir.

    With ``preset=None`` no hooks are attached (plain Ultralytics training).
    """
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    prepare_offline_env(workdir)  # before the first ultralytics import
    ensure_torchvision()  # before ultralytics imports torchvision in its validator
    configure_ultralytics(workdir)
    data_yaml = write_dataset(workdir / "data", n_train=n_train)

    from ultralytics import YOLO

    # From the yaml, never a .pt: loading pretrained weights would download them.
    model = YOLO("yolov8n.yaml")
    if preset is not None:
        import hooks

        hooks.attach(model, preset)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints ``SAVE_DIR=<path>`` on success."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("./demo-work"), help="everything is written here")
    parser.add_argument("--preset", default="default", help="yaml-hooks preset to attach (default: %(default)s)")
    parser.add_argument("--no-hooks", action="store_true", help="train without attaching yaml-hooks")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--imgsz", type=int, default=64)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--name", default="demo", help="run folder name under <workdir>/runs")
    parser.add_argument(
        "--forbid-network",
        action="store_true",
        help="block and record any socket connect / DNS lookup; exit 3 if one happened",
    )
    args = parser.parse_args(argv)

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
    )
    print(f"TRAIN_SECONDS={time.perf_counter() - started:.1f}")
    print(f"SAVE_DIR={save_dir}")
    if attempts:
        for attempt in attempts:
            print(f"NETWORK_ATTEMPT {attempt}", file=sys.stderr)
        return 3
    if attempts is not None:
        print("NETWORK_ATTEMPTS=0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
