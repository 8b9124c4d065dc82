"""hooks report [RUN …] [--latest] [-o OUT.html] [--static]: one self-contained HTML file showing an
offline run, or comparing several side by side."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..sinks.neptune.runlog import RunLog, data_dir, read_run
from .pick import NotFound, pick, pick_many

HELP = "write one self-contained HTML report of Neptune offline runs: one run, or several compared"


def add_parser(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "run",
        metavar="RUN",
        nargs="*",
        default=[],
        help="a run folder, the start of a run id or folder name as `hooks runs` lists it, or a run name; "
        "several runs: one page comparing them (default: the newest run)",
    )
    which.add_argument("--latest", action="store_true", help="the newest run (the default without RUN)")
    p.add_argument(
        "--dir",
        type=Path,
        help="the Neptune data folder RUN and --latest look in (default: $NEPTUNE_DATA_DIRECTORY, else ./.neptune)",
    )
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


def default_output(logs: list[RunLog]) -> Path:
    from .runs import short_id

    if len(logs) == 1:
        return Path(f"hooks-report-{short_id(logs[0])}.html")
    ids = "-".join(short_id(log) for log in logs[:3])
    more = f"-and-{len(logs) - 3}-more" if len(logs) > 3 else ""
    return Path(f"hooks-compare-{ids}{more}.html")


def run(args: argparse.Namespace) -> int:
    from ..report.html import write_report

    where = data_dir(args.dir)
    try:
        groups = pick_many(args.run, where) if args.run else [pick(None, where)]
    except NotFound as e:
        print(e, file=sys.stderr)
        return 1
    logs = [read_run(parts, cache=True) for parts in groups]  # a run read before costs little
    out = args.output or default_output(logs)
    try:
        written = write_report(logs, out, static=args.static)
    except OSError as e:
        print(f"hooks: cannot write {out}: {e.strerror or e}", file=sys.stderr)
        return 1
    for log in logs:
        if log.problems:
            print(
                f"hooks: {log.path.name} was read with {len(log.problems)} problem(s); the report lists them",
                file=sys.stderr,
            )
    print(written)
    return 0
