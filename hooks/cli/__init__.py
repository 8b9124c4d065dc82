"""The `hooks` command: one module per subcommand, each with ``add_parser`` and ``run``."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from .._version import __version__
from ..errors import HooksError
from . import explain, export, init, presets, report, runs, schema, show, sync, train, validate
from .terminal import escaping

__all__ = ["main"]

_COMMANDS = {
    "validate": validate,
    "explain": explain,
    "schema": schema,
    "presets": presets,
    "show": show,
    "init": init,
    "train": train,
    "runs": runs,
    "report": report,
    "sync": sync,
    "export": export,
}
# Commands whose output is left raw: a training draws its progress bars with control characters.
_RAW = frozenset({"train"})


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0: fine; 1: the input is wrong (a config error); 2: usage."""
    parser = argparse.ArgumentParser(
        prog="hooks", description="Declarative logging of Ultralytics trainings to experiment trackers."
    )
    parser.add_argument("--version", action="version", version=f"yaml-hooks {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, module in _COMMANDS.items():
        module.add_parser(sub.add_parser(name, help=module.HELP, description=module.HELP))
    args = parser.parse_args(argv)
    # What a command prints of runs and stores comes from someone else: no escape sequence of theirs
    # reaches the terminal raw (terminal.py).
    with contextlib.nullcontext() if args.command in _RAW else escaping():
        try:
            return int(_COMMANDS[args.command].run(args))
        except HooksError as e:
            print(e, file=sys.stderr)
            return 1
        except BrokenPipeError:
            return 0
