"""hooks init [--extends PRESET] [PATH]: write a starter config, and beside it the schema its
modeline names (``hooks.schema.json``), so the modeline works in every clone of the project."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HELP = "write a starter config that extends a preset, and the schema for editors beside it"

# The schema file `hooks init` writes beside a config; the modeline names it relative to the config,
# so it works in every clone of the project once both are committed.
SCHEMA_FILE = "hooks.schema.json"
MODELINE = f"# yaml-language-server: $schema=./{SCHEMA_FILE}"

TEMPLATE = """\
{modeline}
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
    p.add_argument(
        "--force",
        action="store_true",
        help=f"overwrite an existing file (the config, or a {SCHEMA_FILE} of another tool)",
    )


def schema_text() -> str:
    """The schema file's text: exactly what `hooks schema` prints (this yaml-hooks' schema with the
    trackers of the installed packages), so `hooks schema > hooks.schema.json` refreshes it."""
    from ..loader.schema import full_schema

    return json.dumps(full_schema(plugins=True), indent=2, ensure_ascii=False) + "\n"


def _is_ours(text: str) -> bool:
    """A schema file some yaml-hooks wrote (any version): replacing it loses nothing."""
    try:
        data: Any = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and str(data.get("$id", "")).startswith("urn:yaml-hooks:")


def run(args: argparse.Namespace) -> int:
    from ..loader.load import load_config

    target = Path(args.path)
    if target.exists() and not args.force:
        print(f"{target} exists; pass --force to overwrite it", file=sys.stderr)
        return 1
    load_config(args.extends)  # an unknown or broken preset fails here, before anything is written
    schema_path = target.parent / SCHEMA_FILE
    schema = schema_text()
    try:
        found: str | None = schema_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        found = None
    except (OSError, UnicodeDecodeError):
        found = ""  # unreadable: not ours
    if found is not None and found != schema and not _is_ours(found) and not args.force:
        print(f"{schema_path} exists and is not a yaml-hooks schema; pass --force to overwrite it", file=sys.stderr)
        return 1
    text = TEMPLATE.format(
        modeline=MODELINE,
        name=target.as_posix(),
        description=json.dumps(f"Our logging, {args.extends} plus our changes"),
        extends=args.extends,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} (extends {args.extends})")
    if found == schema:
        print(f"kept {schema_path}: it is already this yaml-hooks' schema")
        return 0
    schema_path.write_text(schema, encoding="utf-8")
    if found is None:
        print(f"wrote {schema_path}, the schema the modeline names: commit it with the config")
    else:  # another yaml-hooks version's (an upgrade), or one with other trackers installed
        print(f"updated {schema_path} to this yaml-hooks' schema (it held another version's or other trackers)")
    return 0
