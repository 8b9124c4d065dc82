"""hooks presets: the shipped and installed presets, one line each."""

from __future__ import annotations

import argparse

from ..config.presets import list_presets

HELP = "list the shipped and installed presets with their package and a one-line description"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--paths", action="store_true", help="also print where each preset's file is")


def run(args: argparse.Namespace) -> int:
    found = list_presets()
    width = max((len(p.name) for p in found), default=0)
    pkg = max((len(p.package) for p in found), default=0)
    for p in found:
        line = f"{p.name:<{width}}  {p.package:<{pkg}}  {p.description}"
        print(f"{line}\n{'':<{width}}  {p.path}" if args.paths else line)
    return 0
