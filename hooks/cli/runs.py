"""hooks runs [DIR]: the Neptune offline runs under a data folder, newest first (a resumed training,
written in several folders, is one run)."""

from __future__ import annotations

import argparse
import sys
from datetime import timezone
from pathlib import Path

from ..sinks.neptune.runlog import (
    SYSTEM_NAMESPACES,
    RunLog,
    data_dir,
    find_run_groups,
    no_runs_message,
    parse_iso,
    read_run,
)
from ..sinks.neptune.summary import count_cell

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


# Each count is what the training logged, then "(+N)" for what Neptune and yaml-hooks keep of their
# own (sys/ …) when a run has any: `hooks report` lists both, so a run whose training assigned
# nothing shows "0 (+9)", not "0".
LEGEND = (
    "(+N): kept by Neptune and yaml-hooks themselves, under "
    + ", ".join(f"{ns}/" for ns in sorted(SYSTEM_NAMESPACES))
    + "; `hooks report` lists them too"
)


def short_id(run: RunLog) -> str:
    return (run.run_id or run.path.name)[:8]


def row(run: RunLog) -> tuple[str, ...]:
    created = parse_iso(run.created)
    return (
        short_id(run),
        created.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S") if created else "-",
        _printable(run.name or "-") + (f" ({len(run.parts)} parts: resumed)" if len(run.parts) > 1 else ""),
        _printable(",".join(run.tags) or "-"),
        count_cell(run.series),
        count_cell([*run.files, *run.file_sets]),
        count_cell(run.fields),
    )


def run(args: argparse.Namespace) -> int:
    where = data_dir(args.dir)
    found = find_run_groups(where)  # the parts of a resumed training are one run
    if not found:
        print(no_runs_message(where), file=sys.stderr)
        return 1
    rows = [_COLUMNS, *(row(read_run(parts)) for parts in found)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    numeric = {4, 5, 6}
    for r in rows:
        cells = [c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        print("  ".join(cells).rstrip())
    if any("(+" in cell for r in rows[1:] for cell in r[4:]):
        print(LEGEND)
    return 0
