"""hooks validate FILE…: every error of every file as FILE:LINE:COL: path: message."""

from __future__ import annotations

import argparse
import sys

from ..errors import ConfigError
from ..loader.load import load_config

HELP = "check configs; print every error as FILE:LINE:COL: path: message"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("configs", nargs="+", metavar="CONFIG", help="a YAML file or a preset name")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing for valid configs")


def run(args: argparse.Namespace) -> int:
    status = 0
    for source in args.configs:
        try:
            config = load_config(source)
        except ConfigError as e:
            status = 1
            for issue in e.issues:
                print(issue, file=sys.stdout)
            continue
        if not args.quiet:
            print(f"{source}: ok")
        for note in config.sink.notes():  # what a tracker will not hold: not an error, never silent
            print(f"  note: {note}")
    return status
