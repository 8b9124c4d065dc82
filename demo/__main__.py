"""The main job: a real tiny YOLOv8n training, logged through a preset to Neptune offline.

    python -m demo [--workdir demo-work] [--preset default] [--epochs 20] [--mlflow [URI]] [--tensorboard] [--wandb]

Ends by printing where the offline run is and what it holds, then writes an HTML report of it
(`hooks report`) to <workdir>/report.html and prints that path. With --mlflow the training logs to
MLflow as well (a tracking server at URI, or with no URI the SQLite file <workdir>/mlflow.db, no
server needed), and the demo ends with what opens the MLflow UI on it. With --tensorboard it also
writes TensorBoard event files into the run's folder and prints the `tensorboard --logdir` command;
with --wandb it also logs an offline W&B run under <workdir>/wandb (no account) and prints its folder
and the `wandb sync` command that uploads it later.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from demo.train import add_tracker_arguments, mlflow_ui, mlflow_uri, tensorboard_command, train, wandb_folder


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=Path("demo-work"), help="everything is written here")
    parser.add_argument("--preset", default="default", help="a preset name or a config path (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=20, help="(default: %(default)s; mAP rises above 0 after ~10)")
    add_tracker_arguments(parser)
    args = parser.parse_args(argv)

    workdir = args.workdir.resolve()
    save_dir = train(
        workdir,
        preset=args.preset,
        epochs=args.epochs,
        n_train=32,
        mlflow=args.mlflow,
        tensorboard=args.tensorboard,
        wandb=args.wandb,
    )

    from hooks.report.html import write_report
    from hooks.runs.neptune.read import find_runs, read_run
    from hooks.runs.summary import summarize

    runs = find_runs(workdir / ".neptune")
    if not runs:
        print("no Neptune offline run was written; see the warnings above", file=sys.stderr)
        return 1
    print()
    print(f"Ultralytics wrote its outputs to {save_dir}")
    run = read_run(runs[0])
    print(summarize(run))
    report = write_report(run, workdir / "report.html")
    print(f"Report (open it in a browser): {report}")
    if args.mlflow is not None:
        print(f"MLflow (the same training): {mlflow_ui(mlflow_uri(workdir, args.mlflow))}")
    if args.tensorboard:
        print(f"TensorBoard (the same training): {tensorboard_command(save_dir)}")
    if args.wandb:
        runs = sorted(wandb_folder(workdir).glob("offline-run-*"))
        where = runs[-1] if runs else wandb_folder(workdir)
        print(f"W&B (the same training, offline): {where}; upload it later with `wandb sync {where}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
