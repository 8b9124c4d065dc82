"""hooks init [--extends PRESET] [PATH]: write a starter config with the schema modeline."""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib import resources
from pathlib import Path

HELP = "write a starter config that extends a preset, with the schema modeline for editors"

TEMPLATE = """\
# yaml-language-server: $schema={schema}
#
# yaml-hooks config: what an Ultralytics training logs, and where. `hooks explain {name}` says it
# in words, `hooks show {name}` prints it resolved, `hooks validate {name}` checks it.
version: 1
description: {description}
extends: {extends}
# sink:
#   neptune:
#     project: "${{NEPTUNE_PROJECT:-}}"
#     tags: [yolo, "{{args.task}}"]
# events:
#   on_fit_epoch_end:
#     - scalars: {{from: trainer.fitness, to: metrics/fitness, when: {{final: false}}}}
#   on_train_epoch_end:
#     - remove: mosaic            # drop an action of {extends} by its id
"""


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", default="hooks.yaml", metavar="PATH", help="default: %(default)s")
    p.add_argument("--extends", default="default", metavar="PRESET", help="default: %(default)s")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")


def schema_reference(target: Path) -> str:
    """The installed schema, relative to the new file when they share a drive (editors resolve it)."""
    schema = Path(str(resources.files("hooks") / "schemas" / "hooks.schema.json")).resolve()
    try:
        return Path(os.path.relpath(schema, target.resolve().parent)).as_posix()
    except ValueError:
        return schema.as_posix()


def run(args: argparse.Namespace) -> int:
    from ..config.load import load_config

    target = Path(args.path)
    if target.exists() and not args.force:
        print(f"{target} exists; pass --force to overwrite it", file=sys.stderr)
        return 1
    load_config(args.extends)  # an unknown or broken preset fails here, before anything is written
    text = TEMPLATE.format(
        schema=schema_reference(target),
        name=target.as_posix(),
        description=json.dumps(f"Our logging, {args.extends} plus our changes"),
        extends=args.extends,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} (extends {args.extends})")
    return 0
