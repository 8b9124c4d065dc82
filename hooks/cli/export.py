"""hooks export [RUN | --latest | --all] --to mlflow: replay Neptune offline runs into MLflow, once each."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..sinks.neptune.runlog import data_dir, find_run_groups, no_runs_message, read_run
from .pick import NotFound, pick
from .runs import short_id

HELP = "replay a Neptune offline run into MLflow: its series, files and fields, once"

_EPILOG = (
    "Each run is exported once per experiment: the MLflow run carries the tag yaml_hooks.neptune_run (the Neptune "
    "run id), and an experiment that holds it already is left as it is. --force exports the run again and then "
    "deletes the earlier MLflow run (MLflow keeps deleted runs until `mlflow gc`). String series (captured stdout "
    "…) become one text artifact each; a field longer than MLflow takes is cut and kept whole as an artifact; a "
    "file that is not there any more is listed as missing."
)


def add_parser(p: argparse.ArgumentParser) -> None:
    p.epilog = _EPILOG
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "run",
        metavar="RUN",
        nargs="?",
        help="a run folder, the start of a run id or folder name as `hooks runs` lists it, or a run name "
        "(default: the newest)",
    )
    which.add_argument("--latest", action="store_true", help="the newest run (the default without RUN)")
    which.add_argument("--all", action="store_true", help="every run under --dir, oldest first")
    p.add_argument(
        "--dir",
        type=Path,
        help="the Neptune data folder RUN, --latest and --all look in "
        "(default: $NEPTUNE_DATA_DIRECTORY, else ./.neptune)",
    )
    p.add_argument("--to", choices=("mlflow",), default="mlflow", help="the tracker to export to (default: mlflow)")
    p.add_argument(
        "--tracking-uri",
        metavar="URI",
        help="the MLflow tracking server or database, e.g. http://mlflow:5000 or sqlite:///mlflow.db "
        "(default: $MLFLOW_TRACKING_URI, else MLflow's own default)",
    )
    p.add_argument("--experiment", metavar="NAME", help="the MLflow experiment to export to (default: neptune-export)")
    p.add_argument("--force", action="store_true", help="export a run exported before again, replacing it")


def run(args: argparse.Namespace) -> int:
    from ..sinks.mlflow.export import export_run

    where = data_dir(args.dir)
    try:
        # --all: oldest first, so the MLflow list (newest first) shows them in the order they ran.
        groups = list(reversed(find_run_groups(where))) if args.all else [pick(args.run, where, "export")]
    except NotFound as e:
        print(e, file=sys.stderr)
        return 1
    if not groups:
        print(no_runs_message(where), file=sys.stderr)
        return 1
    for parts in groups:
        log = read_run(parts)
        result = export_run(log, tracking_uri=args.tracking_uri, experiment=args.experiment, force=args.force)
        if result.exported:
            print(
                f"exported {short_id(log)} -> {result.mlflow_run_id} ({result.series} series, {result.points} points, "
                f"{result.files} files, {result.params} params)"
            )
        else:
            print(
                f"{short_id(log)} already exported as {result.mlflow_run_id} in experiment {result.experiment!r} "
                "(--force replaces it)"
            )
        for old in result.replaced:
            print(f"  replaced {old} (deleted)")
        for missing in result.missing:
            print(f"  missing: {missing}")
        for note in result.notes:
            print(f"  note: {note}")
    where_to = result.tracking_uri
    if where_to.startswith(("http://", "https://")):  # a server: where its UI shows the runs
        where_to = f"{where_to.rstrip('/')}/#/experiments/{result.experiment_id}"
    print(f"MLflow: experiment {result.experiment!r} (id {result.experiment_id}) at {where_to}")
    return 0
