"""hooks sync [FOLDER]: send the MLflow data that a training could not send (its spool)."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "send what an MLflow run could not send during training (the spools at or under a folder)"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "folder",
        metavar="FOLDER",
        nargs="?",
        type=Path,
        default=Path("."),
        help="a spool, a training's save_dir, or any folder above them (default: the working folder)",
    )


def run(args: argparse.Namespace) -> int:
    from ..sinks.mlflow.sender import sync
    from ..sinks.mlflow.spool import find_spools

    spools = list(find_spools(args.folder))
    if not spools:
        print(f"nothing to send: no MLflow spool at or under {args.folder}")
        return 0
    try:
        import mlflow  # noqa: F401
    except ImportError:
        print("hooks sync needs MLflow: pip install 'yaml-hooks[mlflow]'")
        return 1
    failed = 0
    for folder in spools:
        done, line = sync(folder)
        failed += not done
        print(line)
    return 1 if failed else 0
