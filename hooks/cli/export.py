"""hooks export [RUN | --latest | --all] --to TRACKER: replay runs into another tracker, once each.

A run is read with its tracker's reader (a Neptune offline folder, ``--dir``; a TensorBoard log
folder, ``--logdir``; a W&B offline run, ``--wandb-dir``; an MLflow store, ``--from-tracking-uri``)
and written again through the target tracker's replay sink
(``hooks.runs.replay``); nothing here is specific to a pair of trackers."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..runs import NotFound, RunRef, find_all, pick, read
from ..runs.pick import no_runs
from .stores import add_store_options, looked_in

# Where runs go: a reader's flag of the same name reads from --from-… instead.
TAKEN = ("--tracking-uri",)

HELP = "replay a run into another tracker (MLflow by default): its series, files and fields, once"

_EPILOG = (
    "Each run is exported once per experiment: the MLflow run carries the tag yaml_hooks.neptune_run (the Neptune "
    "run id), and an experiment that holds it already is left as it is. --force exports the run again and then "
    "deletes the earlier MLflow run (MLflow keeps deleted runs until `mlflow gc`). String series (captured stdout "
    "…) become one text artifact each; a field longer than MLflow takes is cut and kept whole as an artifact; a "
    "file that is not there any more is listed as missing. A run folder may come from someone else: a file it names "
    "is exported only from inside its own folders (a Neptune run's: also the folder that holds its .neptune), "
    "never hidden (.ssh, .git) nor through a link; --trust DIR adds a folder."
)
TRUST_HELP = (
    "a folder whose files a run may name besides its own (the folder that holds its .neptune, and the run's "
    "folder): files elsewhere, hidden ones (.ssh, .git …) and links are never read; repeat for several"
)


def add_trust_option(p: argparse.ArgumentParser) -> None:
    """--trust DIR (repeatable): `hooks export` and `hooks report`."""
    p.add_argument("--trust", metavar="DIR", type=Path, action="append", default=[], help=TRUST_HELP)


def trusting(refs: Iterable[RunRef], trusted: Sequence[Path]) -> list[RunRef]:
    """``refs``, each with the folders the user trusts (``RunRef.trusted``)."""
    extra = tuple(Path(t).expanduser() for t in trusted)
    return [dataclasses.replace(ref, trusted=(*ref.trusted, *extra)) if extra else ref for ref in refs]


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
    add_store_options(p, taken=TAKEN, what="looked in for RUN, --latest and --all")
    p.add_argument(
        "--to",
        metavar="TRACKER",
        default="mlflow",
        help="the tracker to export to: mlflow, or a package's tracker that can take a replay (default: mlflow)",
    )
    p.add_argument(
        "--tracking-uri",
        metavar="URI",
        help="the MLflow tracking server or database, e.g. http://mlflow:5000 or sqlite:///mlflow.db "
        "(default: $MLFLOW_TRACKING_URI, else MLflow's own default)",
    )
    p.add_argument(
        "--experiment",
        metavar="NAME",
        help="the MLflow experiment to export to (default: <tracker>-export, e.g. neptune-export, wandb-export)",
    )
    p.add_argument("--force", action="store_true", help="export a run exported before again, replacing it")
    add_trust_option(p)


def run(args: argparse.Namespace) -> int:
    from ..runs.replay import replay
    from ..sinks.registry import replay_target

    # --tracking-uri and $MLFLOW_TRACKING_URI say where runs go, never where they are read from.
    looked = looked_in(args, taken=TAKEN)
    try:
        # --all: oldest first, so the MLflow list (newest first) shows them in the order they ran.
        refs: list[RunRef] = list(reversed(find_all(looked)[0])) if args.all else [pick(args.run, looked, "export")]
        refs = trusting(refs, args.trust)
    except NotFound as e:
        print(e, file=sys.stderr)
        return 1
    if not refs:
        print(no_runs(looked), file=sys.stderr)
        return 1
    target = replay_target(args.to, {"tracking_uri": args.tracking_uri, "experiment": args.experiment})
    for ref in refs:
        log = read(ref)
        result = replay(log, target, force=args.force)
        if result.exported:
            print(
                f"exported {log.short_id} -> {result.copy_id} ({result.series} series, {result.points} points, "
                f"{result.files} files, {result.counts.get('params', result.fields)} params)"
            )
        else:
            print(f"{log.short_id} already exported as {result.copy_id} in {target.place()} (--force replaces it)")
        for old in result.replaced:
            print(f"  replaced {old} (deleted)")
        for missing in result.missing:
            print(f"  missing: {missing}")
        for note in result.notes:
            print(f"  note: {note}")
    print(target.where())
    return 0
