"""hooks show CONFIG: the fully resolved config, each line with the file and line it came from."""

from __future__ import annotations

import argparse
import json

from ..config.show import provenance, show_yaml
from ..loader.load import load_config, load_document

HELP = "print the fully resolved config, each line annotated with the file and line it came from"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", metavar="CONFIG", help="a YAML file or a preset name")
    p.add_argument("--json", action="store_true", help="the config and its provenance as JSON")


def run(args: argparse.Namespace) -> int:
    load_config(args.config)  # every check a load makes, all errors at once: what is shown would load
    merged = load_document(args.config)
    if args.json:
        print(
            json.dumps({"config": merged.doc.data, "provenance": provenance(merged.doc)}, indent=2, ensure_ascii=False)
        )
    else:
        print(show_yaml(merged.doc, merged.files))
    return 0
