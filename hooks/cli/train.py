"""hooks train CONFIG [key=value …]: `yolo train key=value …` with the config's callbacks attached."""

from __future__ import annotations

import argparse
import sys

from ..runtime.attach import config_from_env, load

HELP = "train with a config attached; key=value arguments go to Ultralytics as `yolo train` takes them"


def add_parser(p: argparse.ArgumentParser) -> None:
    p.usage = "hooks train [CONFIG] [key=value ...]"
    p.epilog = "CONFIG is a YAML file or a preset name; without one, $HOOKS_CONFIG names it."
    p.add_argument("arguments", nargs=argparse.REMAINDER, metavar="[CONFIG] key=value", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    argv = list(args.arguments)
    # The config is the first argument unless it is already one of Ultralytics' key=value pairs.
    config = argv.pop(0) if argv and "=" not in argv[0] else config_from_env()
    if any(a.split("=", 1)[0].lstrip("-") == "mode" for a in argv):
        print("hooks train always trains; drop the mode= argument", file=sys.stderr)
        return 2
    compiled = load(config)  # a config error stops here, before Ultralytics is imported

    # Ultralytics' CLI builds the model itself and has no way to add callbacks (ultralytics#9199).
    # Every model copies `default_callbacks` when it is created, so the callbacks go there, for
    # this process only, and Ultralytics' own entry point does the parsing, checks and errors.
    from ultralytics import cfg
    from ultralytics.utils.callbacks import base

    for event, callback in compiled.items():
        base.default_callbacks.setdefault(event, []).append(callback)
    saved = cfg.ARGV
    cfg.ARGV = ["yolo", "train", *argv]
    try:
        cfg.entrypoint()
    except (SyntaxError, ValueError, FileNotFoundError) as e:
        # Bad arguments: Ultralytics' message, not a traceback of ours.
        print(str(e).strip(), file=sys.stderr)
        return 2
    finally:
        cfg.ARGV = saved
        for event, callback in compiled.items():
            base.default_callbacks[event].remove(callback)
    return 0
