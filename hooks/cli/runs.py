"""hooks runs [DIR] [--tracking-uri URI] [--metric KEY] [--sort COLUMN] [--reverse]: the runs of every
store the command or the environment names (``hooks.runs.pick.stores``: a Neptune data folder, an
MLflow tracking server or SQLite store), newest first (a resumed training is one run), with their
status, duration, epochs and best value of a metric. A ``tracker`` column is added when the rows
come from more than one tracker.

What a listing shows of a run is kept in the cache (``hooks.runs.cache``) beside what was read of
it: listing again reads nothing of a Neptune run whose files are unchanged, and only what was
added to one still being written; an MLflow run that ended is read again only when its latest
metric values change. The first listing of a run reads it once.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timezone
from pathlib import Path

from ..report.charts import best_rule
from ..runs import STATUSES, SYSTEM_NAMESPACES, Overview, Run, Store, StoreError, parse_iso, reader
from ..runs.pick import find_all, no_runs
from ..runs.summary import count_cell
from .stores import add_store_options, looked_in

HELP = "list the runs of a Neptune data folder and an MLflow store, newest first"

DEFAULT_METRIC = "metrics/mAP50-95(B)"
SORTS = ("created", "name", "status", "duration", "epochs", "best")


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "dir",
        metavar="DIR",
        nargs="?",
        type=Path,
        help="a folder of runs, looked in by every tracker whose runs are folders (Neptune's data folder, a folder "
        "holding .neptune, or an offline/ folder); the same as that tracker's own option",
    )
    add_store_options(p, what="listed")
    p.add_argument(
        "--metric",
        metavar="KEY",
        default=DEFAULT_METRIC,
        help=f"the series whose best value the `best` column shows: the lowest for a loss, the highest "
        f"otherwise (default: {DEFAULT_METRIC})",
    )
    p.add_argument(
        "--sort",
        choices=SORTS,
        default="created",
        help="order of the rows: created (newest first, the default), name (A to Z), status (running, failed, "
        "killed, ended, finished), duration (longest first), epochs (most first), best (best first); "
        "runs without a value come last",
    )
    p.add_argument("--reverse", action="store_true", help="the opposite order (runs without a value still last)")
    p.epilog = (
        "status: finished (yaml-hooks stopped the run), failed (the training raised or was interrupted), running "
        "(its process still writes it), killed (written by yaml-hooks, stopped by nothing: the process died), "
        "ended (written by another program, no longer written to); an MLflow run's is MLflow's own. duration: from "
        "the first to the last operation written, added up over a resumed training's folders (MLflow: the run's start "
        "to its end). epochs: the highest step of the series "
        "directly under train/ (the training losses, logged once an epoch). What a run showed is kept in "
        "$YAML_HOOKS_CACHE_DIR (else $XDG_CACHE_HOME/yaml-hooks, else ~/.cache/yaml-hooks): listing again reads "
        "only what changed."
    )


def _printable(text: str) -> str:
    # A run name is free text; a newline or an escape sequence must not break the table or the terminal.
    return "".join(c if c.isprintable() else "?" for c in text)


# Each count is what the training logged, then "(+N)" for what the tracker and yaml-hooks keep of
# their own (sys/, mlflow/ …) when a run has any: `hooks report` lists both, so a run whose training assigned
# nothing shows "0 (+9)", not "0".
LEGEND = (
    "(+N): kept by the tracker and yaml-hooks themselves, under "
    + ", ".join(f"{ns}/" for ns in sorted(SYSTEM_NAMESPACES))
    + "; `hooks report` lists them too"
)
ENDED = (
    "ended: not written by yaml-hooks and no longer written to; Neptune records no normal end, "
    "so it finished or was killed"
)


def short_id(run: Run | Overview) -> str:
    return run.short_id


def duration_cell(seconds: float | None) -> str:
    """``H:MM:SS`` (hours beyond 24 as they are), ``-`` for none."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.5g}"


class _Row:
    """One run: its overview, status and the values it sorts by."""

    def __init__(self, overview: Overview, metric: str) -> None:
        self.overview = overview
        self.status = overview.status
        self.rule = best_rule(metric)
        self.best = overview.best(reader(overview.tracker).series_key(metric), self.rule)

    def cells(self) -> tuple[str, ...]:
        o = self.overview
        created = parse_iso(o.created)
        name = _printable(o.name or "-") + (f" ({o.parts} parts: resumed)" if o.parts > 1 else "")
        return (
            o.short_id,
            created.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S") if created else "-",
            name,
            _printable(",".join(o.tags) or "-"),
            self.status,
            duration_cell(o.duration),
            "-" if o.epochs is None else str(o.epochs),
            _number(self.best),
            count_cell(o.series_keys),
            count_cell(o.file_keys),
            count_cell(o.field_keys),
        )

    def sort_value(self, column: str) -> float | str | None:
        """What ``column`` sorts by, ascending; None: the run has no value."""
        o = self.overview
        if column == "name":
            return (o.name or "").lower() or None
        if column == "status":
            return float(STATUSES.index(self.status))
        if column == "duration":
            return None if o.duration is None else -o.duration
        if column == "epochs":
            return None if o.epochs is None else -float(o.epochs)
        if column == "best":
            return None if self.best is None else self.best if self.rule == "min" else -self.best
        return None  # created: the listing's own order


def _sorted(rows: list[_Row], column: str, reverse: bool) -> list[_Row]:
    """``rows`` (newest first) by ``column``; ties stay newest first, runs without a value last."""
    if column == "created":
        return rows[::-1] if reverse else rows
    keyed = [(r.sort_value(column), r) for r in rows]
    present = [(value, r) for value, r in keyed if value is not None]
    ordered = sorted(present, key=lambda vr: vr[0], reverse=reverse)  # stable both ways
    return [r for _, r in ordered] + [r for value, r in keyed if value is None]


def run(args: argparse.Namespace) -> int:
    looked = looked_in(args, folder=None if args.dir is None else str(args.dir))
    found, empty, errors = find_all(looked)  # the parts of a resumed training are one run
    for error in errors:  # a store that could not be read; the others are still listed
        print(error, file=sys.stderr)
    overviews: list[Overview] = []
    failed: set[Store] = set()
    for ref in found:
        if ref.store in failed:
            continue
        try:
            overviews.append(reader(ref.store.tracker).overview(ref, cache=True))
        except StoreError as e:  # a server that stopped answering meanwhile: its other runs are passed over
            failed.add(ref.store)
            errors.append(e)
            print(e, file=sys.stderr)
    if not overviews:
        if not errors:
            print(no_runs(looked), file=sys.stderr)
        return 1
    for store in empty:
        if store.named:
            print(f"hooks: no run in {store.shown} ({store.tracker})", file=sys.stderr)
    rows = _sorted([_Row(o, args.metric) for o in overviews], args.sort, args.reverse)
    several = len({o.tracker for o in overviews}) > 1
    metric = _printable(args.metric)
    columns = ("id", "created (UTC)", "name", "tags", "status", "duration", "epochs", f"best {metric}")
    table = [(*columns, "series", "files", "fields"), *(r.cells() for r in rows)]
    numeric = {5, 6, 7, 8, 9, 10}  # duration, epochs, best and the counts
    if several:  # which tracker each run is of, once the rows are of more than one
        table = [(head, *r) for head, r in zip(("tracker", *(r.overview.tracker for r in rows)), table, strict=True)]
        numeric = {i + 1 for i in numeric}
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        cells = [c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        print("  ".join(cells).rstrip())
    if rows and best_rule(args.metric) is None:
        print(f"best: {metric} has no best value (a learning rate, or a tracker's own); the column shows -")
    if any(r.status == "ended" for r in rows):
        print(ENDED)
    counts = slice(9, None) if several else slice(8, None)
    if any("(+" in cell for r in table[1:] for cell in r[counts]):
        print(LEGEND)
    return 1 if errors else 0
