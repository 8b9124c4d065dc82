"""hooks sync [--tracking-uri URI] [--register MODEL …] [--status] [FOLDER]: send the MLflow data
that a training could not send (its spool), or (--status) say what each spool holds, sending
nothing. A spool is sent only to the tracking URI the user names (the option, else
$MLFLOW_TRACKING_URI, else MLflow's default store), and makes versions only of the registered
models the user names; exit 0 when every spool is sent, 1 when one is not (not sent, sent to another URI
than named, a bad record, one refused), 2 for a usage error."""

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
    p.add_argument(
        "--tracking-uri",
        metavar="URI",
        default=None,
        help=(
            "the MLflow tracking URI to send to (default: $MLFLOW_TRACKING_URI, else MLflow's default store); "
            "a spool whose run.json names another URI is not sent"
        ),
    )
    p.add_argument(
        "--register",
        metavar="MODEL",
        action="append",
        default=[],
        help=(
            "let a spool make versions of this registered model and move its aliases (repeat for several); "
            "a spool that registers a model you do not name is not sent"
        ),
    )
    p.add_argument(
        "--status",
        action="store_true",
        help="say what each spool holds (not sent yet, refused, being sent now), and send nothing",
    )


def run(args: argparse.Namespace) -> int:
    from ..sinks.mlflow.sender import sync
    from ..sinks.mlflow.spool import find_spools, status

    spools = list(find_spools(args.folder))
    if not spools:
        print(f"nothing to send: no MLflow spool at or under {args.folder}")
        return 0
    if args.status:
        for folder in spools:
            print(_printable(status(folder)))
        return 0
    try:
        import mlflow  # noqa: F401
    except ImportError:
        print("hooks sync needs MLflow: pip install 'yaml-hooks[mlflow]'")
        return 1
    failed = 0
    for folder in spools:
        done, lines = sync(folder, args.tracking_uri, args.register)
        failed += not done
        for line in lines.splitlines():
            print(_printable(line))
    return 1 if failed else 0


def _printable(text: str) -> str:
    # A spool's names and paths are anyone's text: an escape sequence must not reach the terminal.
    return "".join(c if c.isprintable() else "?" for c in text)
