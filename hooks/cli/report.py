"""hooks report [RUN …] [--latest] [--dir DIR] [--tracking-uri URI] [-o OUT.html] [--static]: one
self-contained HTML file showing a run, or comparing several side by side, of one tracker or
several (a Neptune offline run beside an MLflow run). RUN is looked for in every store the command
or the environment names (``hooks.runs.pick``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..runs import NotFound, Run, StoreError, pick, pick_many, read
from .export import add_trust_option, trusting
from .stores import add_store_options, looked_in

HELP = "write one self-contained HTML report of runs (Neptune offline, MLflow): one run, or several compared"


def add_parser(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "run",
        metavar="RUN",
        nargs="*",
        default=[],
        help="a run folder, the start of a run id or folder name as `hooks runs` lists it, or a run name, "
        "in the Neptune folder or the MLflow store; several runs: one page comparing them (default: the newest run)",
    )
    which.add_argument("--latest", action="store_true", help="the newest run (the default without RUN)")
    add_store_options(p, what="looked in for RUN and --latest")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        help="the HTML file to write (default: ./hooks-report-ID.html, or ./hooks-compare-ID-ID….html)",
    )
    p.add_argument(
        "--static",
        action="store_true",
        help="draw the charts as images (matplotlib) instead of interactive charts: a page that needs no script",
    )
    add_trust_option(p)


def default_output(logs: list[Run]) -> Path:
    if len(logs) == 1:
        return Path(f"hooks-report-{logs[0].short_id}.html")
    ids = "-".join(log.short_id for log in logs[:3])
    more = f"-and-{len(logs) - 3}-more" if len(logs) > 3 else ""
    return Path(f"hooks-compare-{ids}{more}.html")


def run(args: argparse.Namespace) -> int:
    from ..report.html import write_report

    looked = looked_in(args)
    try:
        refs = trusting(pick_many(args.run, looked) if args.run else [pick(None, looked)], args.trust)
        logs = [read(ref, cache=True) for ref in refs]  # a run read before costs little
    except (NotFound, StoreError) as e:
        print(e, file=sys.stderr)
        return 1
    out = args.output or default_output(logs)
    try:
        written = write_report(logs, out, static=args.static)
    except OSError as e:
        print(f"hooks: cannot write {out}: {e.strerror or e}", file=sys.stderr)
        return 1
    for log in logs:
        if log.problems:
            print(
                f"hooks: {log.path.name if log.path else log.short_id} was read with {len(log.problems)} problem(s); "
                "the report lists them",
                file=sys.stderr,
            )
    print(written)
    return 0
