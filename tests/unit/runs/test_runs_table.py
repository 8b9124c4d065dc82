"""`hooks runs` as a runs table: each run's status (finished, failed, running, killed, ended), duration,
epochs and best value of a metric, sorted on request; listed from the cache without reading a run
again whose files are unchanged."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hooks
from hooks.cli import main
from hooks.cli.runs import ENDED, LEGEND, duration_cell
from hooks.runs.neptune import overview as overview_mod
from hooks.runs.neptune import status as status_mod
from hooks.runs.neptune.decode import State
from hooks.runs.neptune.read import find_runs, read_run
from hooks.testing import simulate_training
from tests.conftest import neptune_run

NEPTUNE_WARNINGS = pytest.mark.filterwarnings("ignore::DeprecationWarning")
QUIET = "{capture: {stdout: false, stderr: false, traceback: false, hardware_metrics: false, git: false}}"
REPO = Path(__file__).resolve().parents[3]
COLUMNS = ("id", "created", "name", "tags", "status", "duration", "epochs", "best", "series", "files", "fields")


def rows(out: str) -> list[dict[str, str]]:
    """The table's rows as column → cell (created is "date time"; a count cell may hold "(+N)")."""
    found = []
    for line in out.splitlines()[1:]:
        if re.match(r"[0-9a-f]{8}  ", line):
            line = re.sub(r" \((\d+) parts: resumed\)", r"+\1-parts", line)  # "name (2 parts: resumed)"
            run_id, date, clock, name, tags, status, duration, epochs, best, counts = line.split(None, 9)
            cells = re.findall(r"\d+(?: \(\+\d+\))?", counts)
            values = [run_id, f"{date} {clock}", name, tags, status, duration, epochs, best, *cells]
            found.append(dict(zip(COLUMNS, values, strict=True)))
    return found


def listing(
    capsys: pytest.CaptureFixture[str], *args: str, where: Path | None = None
) -> tuple[list[dict[str, str]], str]:
    capsys.readouterr()
    assert main(["runs", *([] if where is None else [str(where)]), *args]) == 0
    out = capsys.readouterr().out
    return rows(out), out


def config(tmp_path: Path) -> Path:
    path = tmp_path / "hooks.yaml"
    path.write_text(f"version: 1\nextends: minimal\nsink: {{neptune: {QUIET}}}\n")
    return path


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # what the client writes relative to the cwd stays in tmp_path
    return tmp_path


# ------------------------------------------------------------------------------------ statuses
@NEPTUNE_WARNINGS
def test_a_training_that_ends_is_finished_with_its_epochs_and_best_metric(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    simulate_training(dict(hooks.load(config(work))), work / "runs" / "exp", epochs=3)
    (folder,) = find_runs(work / ".neptune")
    run = read_run(folder)
    assert run.fields["yaml_hooks/status"] == "finished"
    (row,), out = listing(capsys)
    assert row["status"] == "finished" and row["epochs"] == "3" and row["name"] == "exp"
    assert "best metrics/mAP50-95(B)" in out.splitlines()[0]
    best = max(run.series["metrics/mAP50-95(B)"].float_values())
    assert float(row["best"]) == pytest.approx(best, rel=1e-4)
    (span,) = run.spans
    assert span is not None and row["duration"] == duration_cell(span[1] - span[0])
    (row,), out = listing(capsys, "--metric", "train/box_loss")  # a loss: its lowest value
    assert float(row["best"]) == pytest.approx(min(run.series["train/box_loss"].float_values()), rel=1e-4)
    (row,), out = listing(capsys, "--metric", "lr/pg0")  # a schedule has no best
    assert row["best"] == "-" and "lr/pg0 has no best value" in out
    assert ENDED not in out and out.splitlines()[-1] == LEGEND


@NEPTUNE_WARNINGS
def test_a_training_that_raises_is_failed(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    compiled = dict(hooks.load(config(work)))

    def crash(trainer: object) -> None:
        raise RuntimeError("out of memory, say")

    with pytest.raises(RuntimeError):
        simulate_training({**compiled, "on_fit_epoch_end": [compiled["on_fit_epoch_end"], crash]}, work / "r", epochs=3)
    (row,), _ = listing(capsys)
    assert row["status"] == "failed" and row["epochs"] == "1"
    (folder,) = find_runs(work / ".neptune")
    assert read_run(folder).fields["yaml_hooks/status"] == "failed"


_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import hooks
    from hooks.testing import simulate_training

    def wait_here(trainer):
        if trainer.epoch == 1:  # epoch 2 logged and flushed by yaml-hooks' callback before this one
            print("READY", flush=True)
            time.sleep(600)

    compiled = dict(hooks.load(Path(sys.argv[1])))
    simulate_training({**compiled, "on_fit_epoch_end": [compiled["on_fit_epoch_end"], wait_here]},
                      Path(sys.argv[2]), epochs=5)
    """
)


@pytest.fixture
def child(work: Path) -> Iterator[subprocess.Popen[str]]:
    """A training through yaml-hooks' sink in another process, waiting inside its third epoch."""
    process = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(config(work)), str(work / "runs" / "exp")],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None
    try:
        said: list[str] = []
        for line in process.stdout:  # the client's own lines, then ours
            if line.strip() == "READY":
                break
            said.append(line.strip())
        assert process.poll() is None, f"the training ended before its third epoch: {said}"
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=60)
        process.stdout.close()


@NEPTUNE_WARNINGS
def test_a_training_being_written_is_running_and_killed_once_its_process_is(
    work: Path, child: subprocess.Popen[str], capsys: pytest.CaptureFixture[str]
) -> None:
    (row,), _ = listing(capsys)
    assert row["status"] == "running" and row["epochs"] == "2"
    (folder,) = find_runs(work / ".neptune")
    assert f"__{child.pid}__" in folder.name
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    (row,), out = listing(capsys)
    assert row["status"] == "killed" and row["epochs"] == "2"
    assert read_run(folder).fields["yaml_hooks/status"] == "running"  # what the killed process left
    assert ENDED not in out


@NEPTUNE_WARNINGS
def test_a_run_not_written_by_yaml_hooks_is_running_while_open_then_ended(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = neptune_run("plain")
    run["train/box_loss"].append(1.0, step=1)
    run.wait()
    try:
        (row,), out = listing(capsys)
        assert row["status"] == "running" and ENDED not in out  # this process holds its files open
    finally:
        run.stop()
    (row,), out = listing(capsys)  # the same process, alive, but the run is closed
    assert row["status"] == "ended" and row["epochs"] == "1" and ENDED in out


_DEAD: list[int] = []


def dead_pid() -> int:
    """The id of a process that has ended (its writer is gone)."""
    if not _DEAD:
        process = subprocess.Popen([sys.executable, "-c", "pass"])
        process.wait()
        _DEAD.append(process.pid)
    return _DEAD[0]


def _hand_run(
    root: Path,
    name: str,
    *,
    status: str | None = "finished",
    failed: bool = False,
    at: tuple[float, float] = (1000.0, 1060.0),
    epochs: int = 0,
    metric: list[float] | None = None,
    created: str = "2026-01-02T03:04:05+00:00",
    pid: int | None = None,
) -> Path:
    """A run folder written by hand: its operations at times ``at`` (first, last)."""
    ops: list[dict[str, Any]] = [{"type": "AssignString", "path": ["sys", "name"], "value": name}]
    if status is not None:
        ops.append({"type": "AssignString", "path": ["yaml_hooks", "status"], "value": status})
    ops.append({"type": "AssignBool", "path": ["sys", "failed"], "value": failed})
    for step in range(1, epochs + 1):
        ops.append({"type": "LogFloats", "path": ["train", "box_loss"], "values": [{"value": 1.0, "step": step}]})
    for step, value in enumerate(metric or [], 1):
        values = [{"value": value, "step": step, "ts": 0.0}]
        ops.append({"type": "LogFloats", "path": ["metrics", "mAP50-95(B)"], "values": values})
    times = [at[0] + (at[1] - at[0]) * i / max(1, len(ops) - 1) for i in range(len(ops))]
    run_id = name.encode().hex()[:8].ljust(8, "0")  # as `hooks runs` shows ids: 8 hex digits
    folder = root / ".neptune" / "offline" / f"run__{run_id}__{pid or dead_pid()}__x"
    folder.mkdir(parents=True)
    meta = {"mode": "offline", "containerId": run_id, "containerType": "run", "createdAt": created}
    (folder / "metadata.json").write_text(json.dumps(meta))
    lines = [
        json.dumps({"obj": op, "version": i, "at": t}) for i, (op, t) in enumerate(zip(ops, times, strict=True), 1)
    ]
    (folder / "data-1.log").write_text("\n".join(lines) + "\n")
    return folder


def test_duration_is_the_time_of_writing_added_up_over_a_resumed_trainings_folders(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _hand_run(work, "aaaa", at=(1000.0, 1000.0 + 3723.4))
    (row,), _ = listing(capsys)
    assert row["duration"] == "1:02:03" and duration_cell(None) == "-" and duration_cell(90061) == "25:01:01"
    one = _hand_run(work, "bbbb", status="running", at=(5000.0, 5600.0), created="2026-02-01T00:00:00+00:00")
    two = _hand_run(work, "cccc", at=(9000.0, 9030.0), created="2026-02-02T00:00:00+00:00")
    for folder in (one, two):  # two parts of one training: the pause between them is not counted
        with (folder / "data-1.log").open("a") as handle:
            op = {"type": "AssignString", "path": ["yaml_hooks", "run_id"], "value": "t"}
            handle.write(json.dumps({"obj": op, "version": 99, "at": 5600.0 if folder == one else 9030.0}) + "\n")
    found, _ = listing(capsys)
    resumed = next(r for r in found if r["name"] == "cccc+2-parts")  # one run, named by its last part
    assert resumed["duration"] == "0:10:30" and resumed["status"] == "finished"
    assert len(found) == 2


def test_a_run_whose_pid_now_belongs_to_a_later_process_is_not_running(tmp_path: Path) -> None:
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs Linux's /proc")
    folder = _hand_run(tmp_path, "dddd", status="running", created="2000-01-01T00:00:00+00:00")
    assert status_mod._started_after(os.getpid(), folder)  # this process started long after 2000
    fresh = _hand_run(tmp_path, "eeee", status="running", created="2100-01-01T00:00:00+00:00")
    assert not status_mod._started_after(os.getpid(), fresh)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        reused = _hand_run(tmp_path, "ffff", status="running", pid=sleeper.pid)
        assert status_mod._pid_alive(sleeper.pid)  # alive, but it holds none of the run's files
        overview = overview_mod.read_overview((reused,))
        assert overview.status == "killed"
    finally:
        sleeper.kill()
        sleeper.wait()


# ------------------------------------------------------------------------------------- sorting
def test_sort_by_each_column_with_runs_without_a_value_last(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _hand_run(work, "kilo", at=(0.0, 300.0), epochs=5, metric=[0.5, 0.7], created="2026-01-01T00:00:00+00:00")
    _hand_run(work, "alfa", at=(0.0, 100.0), epochs=9, metric=[0.9, 0.1], created="2026-01-02T00:00:00+00:00")
    _hand_run(work, "mike", status="failed", failed=True, at=(0.0, 200.0), created="2026-01-03T00:00:00+00:00")
    _hand_run(work, "echo", status=None, at=(0.0, 50.0), epochs=2, metric=[0.3], created="2026-01-04T00:00:00+00:00")

    def order(*args: str) -> list[str]:
        return [r["name"] for r in listing(capsys, *args)[0]]

    assert order() == order("--sort", "created") == ["echo", "mike", "alfa", "kilo"]
    assert order("--sort", "created", "--reverse") == ["kilo", "alfa", "mike", "echo"]
    assert order("--sort", "name") == ["alfa", "echo", "kilo", "mike"]
    assert order("--sort", "name", "--reverse") == ["mike", "kilo", "echo", "alfa"]
    assert order("--sort", "duration") == ["kilo", "mike", "alfa", "echo"]
    assert order("--sort", "duration", "--reverse") == ["echo", "alfa", "mike", "kilo"]
    assert order("--sort", "epochs") == ["alfa", "kilo", "echo", "mike"]  # mike logged no epoch: last
    assert order("--sort", "epochs", "--reverse") == ["echo", "kilo", "alfa", "mike"]
    assert order("--sort", "best") == ["alfa", "kilo", "echo", "mike"]  # 0.9, 0.7, 0.3, none
    assert order("--sort", "best", "--reverse") == ["echo", "kilo", "alfa", "mike"]
    # A loss's best is its lowest value: box_loss is 1.0 everywhere, so ties stay newest first.
    assert order("--sort", "best", "--metric", "train/box_loss") == ["echo", "alfa", "kilo", "mike"]
    statuses = {r["name"]: r["status"] for r in listing(capsys)[0]}
    assert statuses == {"echo": "ended", "mike": "failed", "alfa": "finished", "kilo": "finished"}
    assert order("--sort", "status") == ["mike", "echo", "alfa", "kilo"]  # failed, ended, finished
    assert order("--sort", "status", "--reverse") == ["alfa", "kilo", "echo", "mike"]
    capsys.readouterr()
    with pytest.raises(SystemExit) as usage:
        main(["runs", "--sort", "colour"])
    assert usage.value.code == 2 and "invalid choice: 'colour'" in capsys.readouterr().err


# --------------------------------------------------------------------------------- the cache
class Reads:
    def __init__(self) -> None:
        self.lines = 0
        self.states = 0


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Reads:
    counter = Reads()
    lines, load = State._lines, State.load.__func__  # type: ignore[attr-defined]

    def counting_lines(self: State, found: list[bytes], name: str, before: int) -> None:
        counter.lines += len(found)
        lines(self, found, name, before)

    def counting_load(cls: type[State], dumped: Any) -> State:
        counter.states += 1
        return load(cls, dumped)  # type: ignore[no-any-return]

    monkeypatch.setattr(State, "_lines", counting_lines)
    monkeypatch.setattr(State, "load", classmethod(counting_load))
    return counter


def test_listing_again_reads_no_log_and_loads_no_series(
    work: Path, capsys: pytest.CaptureFixture[str], reads: Reads
) -> None:
    folder = _hand_run(work, "aaaa", epochs=40, metric=[0.1, 0.2])
    first, _ = listing(capsys)
    assert reads.lines == 45 and reads.states == 0  # the first listing reads the run once
    again, _ = listing(capsys)
    assert again == first and reads.lines == 45 and reads.states == 0  # its summary alone
    op = {"type": "LogFloats", "path": ["train", "box_loss"], "values": [{"value": 0.5, "step": 41}]}
    with (folder / "data-1.log").open("a") as handle:
        handle.write(json.dumps({"obj": op, "version": 46, "at": 1100.0}) + "\n")
    grown, _ = listing(capsys)
    assert reads.lines == 46 and reads.states == 1  # only the new line, on top of the cached read
    assert grown[0]["epochs"] == "41" and grown[0]["duration"] == "0:01:40"
    # `hooks report`'s read of the same run: from the cache too, nothing decoded.
    log = read_run(folder, cache=True)
    assert reads.lines == 46 and len(log.series["train/box_loss"]) == 41


def test_an_unwritable_cache_folder_still_lists(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (work / "not-a-folder").write_text("x")
    monkeypatch.setenv("YAML_HOOKS_CACHE_DIR", str(work / "not-a-folder" / "cache"))
    _hand_run(work, "aaaa", epochs=3)
    for _ in range(2):
        (row,), _ = listing(capsys)
        assert row["status"] == "finished" and row["epochs"] == "3"


def test_duration_cells() -> None:
    assert duration_cell(0.4) == "0:00:00" and duration_cell(59.6) == "0:01:00" and duration_cell(3600) == "1:00:00"
