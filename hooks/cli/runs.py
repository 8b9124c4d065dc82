"""hooks runs [DIR]: the Neptune offline runs under a data folder, newest first."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from datetime import timezone
from pathlib import Path

from ..sinks.neptune.runlog import SYSTEM_NAMESPACES, RunLog, data_dir, find_runs, no_runs_message, parse_iso, read_run

HELP = "list the Neptune offline runs under a data folder, newest first"

_COLUMNS = ("id", "created (UTC)", "name", "tags", "series", "files", "fields")


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "dir",
        metavar="DIR",
        nargs="?",
        type=Path,
        help="the Neptune data folder, a folder holding .neptune, or an offline/ folder "
        "(default: $NEPTUNE_DATA_DIRECTORY, else ./.neptune)",
    )


def _printable(text: str) -> str:
    # A run name is free text; a newline or an escape sequence must not break the table or the terminal.
    return "".join(c if c.isprintable() else "?" for c in text)


def _user_count(keys: Iterable[str]) -> int:
    """Keys outside Neptune's own namespaces (sys/, monitoring/, source_code/): what the training logged."""
    return sum(1 for key in keys if key.split("/", 1)[0] not in SYSTEM_NAMESPACES)


def short_id(run: RunLog) -> str:
    return (run.run_id or run.path.name)[:8]


def row(run: RunLog) -> tuple[str, ...]:
    created = parse_iso(run.created)
    return (
        short_id(run),
        created.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S") if created else "-",
        _printable(run.name or "-"),
        _printable(",".join(run.tags) or "-"),
        str(_user_count(run.series)),
        str(_user_count(run.files)),
        str(_user_count(run.fields)),
    )


def run(args: argparse.Namespace) -> int:
    where = data_dir(args.dir)
    found = find_runs(where)
    if not found:
        print(no_runs_message(where), file=sys.stderr)
        return 1
    rows = [_COLUMNS, *(row(read_run(path)) for path in found)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    numeric = {4, 5, 6}
    for r in rows:
        cells = [c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        print("  ".join(cells).rstrip())
    return 0
