"""hooks explain CONFIG: per event, in plain words, what will be logged where and when."""

from __future__ import annotations

import argparse

from ..core.events import EVENTS, FIRING_ORDER
from ..loader.load import load_config
from ..runtime.explain import explain_config

HELP = "say in plain words what a config logs, event by event"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", nargs="?", metavar="CONFIG", help="a YAML file or a preset name")
    p.add_argument(
        "--events", action="store_true", help="list the Ultralytics events and when they fire, in firing order"
    )


def run(args: argparse.Namespace) -> int:
    if args.events or not args.config:
        width = max(len(n) for n in EVENTS)
        for name in FIRING_ORDER:  # a training's in the order it fires them, then the others
            e = EVENTS[name]
            print(f"{e.name:<{width}}  ({e.obj}) {e.when}")
        return 0
    print(explain_config(load_config(args.config)))
    return 0
