"""hooks schema: print the JSON Schema configs are checked against."""

from __future__ import annotations

import argparse
import json

from ..loader.schema import full_schema

HELP = "print the JSON Schema of the config format"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--compact", action="store_true", help="one line")
    p.add_argument(
        "--builtin",
        action="store_true",
        help="only yaml-hooks' own trackers under `sink` (what schemas/hooks.schema.json holds), "
        "not those of installed packages",
    )


def run(args: argparse.Namespace) -> int:
    schema = full_schema(plugins=not args.builtin)
    print(json.dumps(schema, indent=None if args.compact else 2, ensure_ascii=False))
    return 0
