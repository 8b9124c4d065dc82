"""hooks report [RUN | --latest] [-o OUT.html]: one self-contained HTML file showing an offline run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..sinks.neptune.runlog import data_dir, find_run_groups, find_runs, no_runs_message, read_run

HELP = "write one self-contained HTML report of a Neptune offline run (charts, images, files, fields)"


class _NotFound(Exception):
    """RUN names no run, or several; the message says what to do."""


def add_parser(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "run",
        metavar="RUN",
        nargs="?",
        help="a run folder, or the start of a run id or folder name as `hooks runs` lists it (default: the newest)",
    )
    which.add_argument("--latest", action="store_true", help="the newest run (the default without RUN)")
    p.add_argument(
        "--dir",
        type=Path,
        help="the Neptune data folder RUN and --latest look in (default: $NEPTUNE_DATA_DIRECTORY, else ./.neptune)",
    )
    p.add_argument("-o", "--output", type=Path, help="the HTML file to write (default: ./hooks-report-ID.html)")


def _pick(spec: str | None, where: Path, command: str = "report") -> tuple[Path, ...]:
    """The folders of one run (several for a resumed training, oldest first)."""
    if spec is not None:
        path = Path(spec)
        if path.is_dir():
            if find_runs(path) == [path]:  # one run folder: with the other parts of its training
                groups = find_run_groups(path.parent)
                return next((g for g in groups if path in g), (path,))
            inside = find_run_groups(path)
            if len(inside) == 1:
                return inside[0]
            if len(inside) > 1:
                raise _NotFound(
                    f"hooks: {path} holds {len(inside)} runs; name one (`hooks runs {path}` lists them) "
                    f"or take the newest with `hooks {command} --latest --dir {path}`"
                )
    found = find_run_groups(where)
    if not found:
        raise _NotFound(no_runs_message(where))
    if spec is None:
        return found[0]
    matches = [g for g in found if any(_matches(p, spec) for p in g)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise _NotFound(
            f"hooks: no run {spec!r} in {where} (neither a run folder nor the start of a run id or folder name); "
            f"`hooks runs {where}` lists the runs there"
        )
    names = ", ".join(g[0].name for g in matches)
    raise _NotFound(f"hooks: {spec!r} matches {len(matches)} runs in {where} ({names}); give more of the id")


def _matches(path: Path, spec: str) -> bool:
    # Folder names are run__<id>__<pid>__<random>; the id alone is what `hooks runs` shows.
    parts = path.name.split("__")
    run_id = parts[1] if len(parts) > 1 else ""
    return path.name.startswith(spec) or (bool(run_id) and run_id.startswith(spec))


def run(args: argparse.Namespace) -> int:
    from ..report.html import write_report
    from .runs import short_id

    where = data_dir(args.dir)
    try:
        path = _pick(args.run, where)
    except _NotFound as e:
        print(e, file=sys.stderr)
        return 1
    log = read_run(path)
    out = args.output or Path(f"hooks-report-{short_id(log)}.html")
    try:
        written = write_report(log, out)
    except OSError as e:
        print(f"hooks: cannot write {out}: {e.strerror or e}", file=sys.stderr)
        return 1
    if log.problems:
        print(f"hooks: the run was read with {len(log.problems)} problem(s); the report lists them", file=sys.stderr)
    print(written)
    return 0
