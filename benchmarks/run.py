"""Benchmarks of yaml-hooks (issue 6): every pair measured in one run, interleaved, as medians.

    python benchmarks/run.py                 # everything (about 9 minutes on 2 cores)
    python benchmarks/run.py --quick         # tiny sizes, no real training: checks the suite runs
    python benchmarks/run.py --rows 1,5 --out /tmp/bench.json
    python benchmarks/run.py --rows 2,2b      # `import hooks` and the first `hooks.load`, fresh processes
    python benchmarks/run.py --rows 10,11,12  # the MLflow rows: a local mlflow server, about 2 minutes
    python benchmarks/run.py --rows 13,14     # `hooks report` and `hooks runs` on a 500,000-point run
    python benchmarks/run.py --rows 15,16     # the TensorBoard and W&B (offline) sinks per event

Prints a table (row, what, median, min–max, baseline median, ratio / target, result) and writes
every sample as JSON (default: benchmarks/results.json). Everything it writes besides the JSON
goes to a temporary folder that is removed at the end (--keep keeps it). --quick skips the real
trainings (rows 9 and 10) and starts no MLflow server (rows 11 and 12 use a SQLite store).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `demo` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _prepare(workdir: Path) -> None:
    """Offline and self-contained, before anything imports Ultralytics, matplotlib or Neptune."""
    from demo.offline import configure_ultralytics, ensure_torchvision, prepare_offline_env

    for name in ("NEPTUNE_MODE", "NEPTUNE_API_TOKEN", "NEPTUNE_PROJECT", "RANK", "HOOKS_CONFIG"):
        os.environ.pop(name, None)
    # MLflow: no run may go to a server of the caller's environment, and nothing tries the internet.
    # DO_NOT_TRACK also reaches the mlflow server the MLflow rows start (it is given no MLFLOW_* variable).
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_RUN", "MLFLOW_KEEP_RUN_ACTIVE"):
        os.environ.pop(name, None)
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    os.environ["DO_NOT_TRACK"] = "true"
    os.environ["MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"] = "true"  # "🏃 View run …" lines, into the table
    os.environ["MPLBACKEND"] = "Agg"
    # W&B (row 16): none of the caller's settings; offline, silent, every folder it writes in workdir.
    for name in [n for n in os.environ if n.startswith("WANDB_")]:
        os.environ.pop(name)
    os.environ.update({"WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_DIR": str(workdir / "wandb")})
    for name, folder in (("WANDB_DATA_DIR", "data"), ("WANDB_CACHE_DIR", "cache"), ("WANDB_CONFIG_DIR", "config")):
        os.environ[name] = str(workdir / ".wandb-home" / folder)
    prepare_offline_env(workdir)  # YOLO_OFFLINE, config dirs and NEPTUNE_DATA_DIRECTORY in workdir
    ensure_torchvision()
    with contextlib.redirect_stdout(sys.stderr):  # Ultralytics' logger prints to stdout: not into the table
        configure_ultralytics(workdir)
    from hooks.log import logger

    logger.setLevel(logging.ERROR)  # "run saved in …" and expected missing-file warnings


def _installed(name: str) -> str | None:
    """The installed version of a distribution, without importing it; None if it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes and no real training (a smoke test)")
    parser.add_argument("--rows", help="comma-separated rows to run, e.g. 1,5 (default: all)")
    parser.add_argument(
        "--out",
        type=Path,
        help="where the JSON goes (default: benchmarks/results.json; with --quick, results-quick.json)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    args = parser.parse_args(argv)
    if args.out is None:  # a quick run never overwrites the measured figures
        args.out = Path(__file__).resolve().parent / ("results-quick.json" if args.quick else "results.json")

    from benchmarks._fanout_rows import ROWS as FANOUT_ROWS
    from benchmarks._harness import markdown_lines, settle, table_lines
    from benchmarks._mlflow_rows import QUICK_SKIPS
    from benchmarks._mlflow_rows import ROWS as MLFLOW_ROWS
    from benchmarks._report_rows import ROWS as REPORT_ROWS
    from benchmarks._rows import ROWS as BASE_ROWS
    from benchmarks._rows import Bench
    from benchmarks._tracker_rows import NEEDS
    from benchmarks._tracker_rows import QUICK_SKIPS as TRACKER_QUICK_SKIPS
    from benchmarks._tracker_rows import ROWS as TRACKER_ROWS

    # Row 22 (every tracker at once, its own module) runs right after row 21, as it always did.
    base = list(BASE_ROWS.items())
    after_21 = [name for name, _ in base].index("21") + 1
    rows = {**dict(base[:after_21]), **FANOUT_ROWS, **dict(base[after_21:])}
    rows.update({**MLFLOW_ROWS, **REPORT_ROWS, **TRACKER_ROWS})
    wanted = [r.strip() for r in args.rows.split(",")] if args.rows else list(rows)
    unknown = [r for r in wanted if r not in rows]
    if unknown:
        parser.error(f"unknown row(s) {', '.join(unknown)}; rows are {', '.join(rows)}")
    if args.quick:  # real trainings take ~10 s each; --quick skips them
        for row in ("9", *QUICK_SKIPS, *TRACKER_QUICK_SKIPS):
            if row in wanted:
                wanted.remove(row)
                print(f"row {row} skipped (quick: a real training)", file=sys.stderr)
    if importlib.util.find_spec("mlflow") is None:  # the `mlflow` extra
        for row in MLFLOW_ROWS:
            if row in wanted:
                wanted.remove(row)
                print(f"row {row} skipped (mlflow is not installed)", file=sys.stderr)
    for row, package in NEEDS.items():  # the `tensorboard` and `wandb` extras
        if row in wanted and importlib.util.find_spec(package) is None:
            wanted.remove(row)
            print(f"row {row} skipped ({package} is not installed)", file=sys.stderr)

    workdir = Path(tempfile.mkdtemp(prefix="yaml-hooks-bench-"))
    started = time.perf_counter()
    results = []
    bench = None
    try:
        _prepare(workdir)
        bench = Bench(workdir, args.quick, say=lambda s: print(s, file=sys.stderr, flush=True))
        for row in wanted:
            bench.say(f"row {row} …")
            settle()
            t = time.perf_counter()
            results.extend(rows[row](bench))
            bench.say(f"row {row} done in {time.perf_counter() - t:.1f} s")
    finally:
        if bench is not None:
            bench.close()  # stops the MLflow server, if a row started one
        if args.keep:
            print(f"scratch folder kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print("\n".join(table_lines(results)))
    if args.quick:
        print("\n--quick: tiny sizes, a check that the suite runs; its figures and PASS/MISS mean nothing")
    notes = [f"  {r.row}: {n}" for r in results for n in r.notes]
    if notes:
        print("\nnotes:\n" + "\n".join(notes))
    if args.markdown:
        print("\n" + "\n".join(markdown_lines(results)))

    import neptune
    import ultralytics

    report = {
        "command": " ".join(["python", "benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "quick": args.quick,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "neptune": neptune.__version__,
            "ultralytics": ultralytics.__version__,
            "mlflow": _installed("mlflow"),  # not imported: that takes seconds
            "tensorboard": _installed("tensorboard"),
            "wandb": _installed("wandb"),
        },
        "rows": [r.to_json() for r in results],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nJSON: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
