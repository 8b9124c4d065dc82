"""hooks show CONFIG: the fully resolved config, each line with the file and line it came from."""

from __future__ import annotations

import argparse
import json
import os

from .._load import read_source
from .._show import provenance, show_yaml

HELP = "print the fully resolved config, each line annotated with the file and line it came from"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", metavar="CONFIG", help="a YAML file or a preset name")
    p.add_argument("--json", action="store_true", help="the config and its provenance as JSON")


def run(args: argparse.Namespace) -> int:
    from .._build import build
    from .._interpolate import interpolate
    from .._resolve import resolve
    from .._validate import validate

    resolved = resolve(read_source(args.config))
    doc = interpolate(resolved.doc, os.environ)
    validate(doc, resolved.chains)
    build(doc, resolved.chains)  # every check a load makes, so what is shown would load
    if args.json:
        print(json.dumps({"config": doc.data, "provenance": provenance(doc)}, indent=2, ensure_ascii=False))
    else:
        print(show_yaml(doc, list(resolved.chains)))
    return 0
