"""hooks schema: print the JSON Schema configs are checked against."""

from __future__ import annotations

import argparse
import json

from .._validate import load_schema

HELP = "print the JSON Schema of the config format"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--compact", action="store_true", help="one line")


def run(args: argparse.Namespace) -> int:
    print(json.dumps(load_schema(), indent=None if args.compact else 2, ensure_ascii=False))
    return 0
