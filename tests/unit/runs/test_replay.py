"""Export is a replay: a run read back by its tracker's reader, written through the public methods
of any sink that can take a replay.

- A tracker registered from outside the package (a recording target defined here, registered
  through ``hooks.sinks.replay.register_replay``) receives a Neptune offline run written by the
  neptune client itself and an MLflow run logged to a real SQLite store, each read back by its
  reader (``hooks.runs.registry``), and gets the same series (steps, values, timestamps), fields
  and files: the expected values are written out here.
- Neptune → MLflow through the replay keeps what `hooks export` always gave: once (the whole output
  of a second export), --force, timestamps, a resumed training's parts joined, a failed run FAILED.
- A target that raises half-way leaves no half-written run.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import hooks
from hooks.cli import main
from hooks.runs.replay import ReplayResult, as_source, export, replay
from hooks.sinks.registry import SINKS, replay_target, replay_targets
from hooks.sinks.replay import ReplayCopy, ReplayError, ReplayMeta, Written
from tests.conftest import neptune_run

SQLITE_IN_PROCESS = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated:DeprecationWarning")
EXPORTED = re.compile(r"exported (\w{8}) -> ([0-9a-f]{32}) \((\d+) series, (\d+) points, (\d+) files, (\d+) params\)")
T0 = 4_102_444_800.0  # 2100-01-01T00:00:00Z: points logged with times of their own, after any run's creation


def register_replay(name: str, factory: Any) -> None:
    """A package's tracker that only takes replays, registered as a package registers its own."""

    def build(builder: Any, options: Any) -> Any:
        raise AssertionError("a replay never builds a training's sink")

    hooks.register_sink(hooks.SinkType(name, {"type": "object"}, build, replay=factory))


def unregister_replay(name: str) -> None:
    SINKS.remove(name)


# --------------------------------------------------------------------------
# A tracker of a package: it records every call, and keeps a copy once complete


@dataclasses.dataclass
class Copy:
    """What the recording tracker holds of one replayed run."""

    meta: ReplayMeta
    series: dict[str, list[tuple[float | None, float, float | None]]] = dataclasses.field(default_factory=dict)
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = dataclasses.field(default_factory=dict)  # path → (file name, bytes)
    calls: list[str] = dataclasses.field(default_factory=list)
    failed: bool = False


class RecordingSink:
    def __init__(self, target: RecordingTarget, meta: ReplayMeta, raise_at: int | None) -> None:
        self.target, self.copy, self.raise_at = target, Copy(meta), raise_at
        target.opened += 1
        self.id = f"copy-{target.opened}"
        target.log.append(f"open {self.id}")

    def _call(self, what: str) -> None:
        self.copy.calls.append(what)
        if self.raise_at is not None and len(self.copy.calls) == self.raise_at:
            raise OSError("the tracker went away")

    def append(self, path: str, value: float, step: float | None, *, timestamp: float | None = None) -> None:
        self._call(f"append {path}")
        self.copy.series.setdefault(path, []).append((step, value, timestamp))

    def assign(self, path: str, value: Any) -> None:
        self._call(f"assign {path}")
        self.copy.fields[path] = value

    def upload(self, path: str, file: Path, *, snapshot: bool = False) -> None:
        self._call(f"upload {path}")
        assert snapshot  # a replayed file is read now
        self.copy.files[path] = (file.name, file.read_bytes())

    def upload_figure(self, path: str, figure: Any) -> None:
        raise AssertionError("a replay has no figures")

    def flush(self) -> None:
        self._call("flush")

    def fail(self) -> None:
        self._call("fail")
        self.copy.failed = True

    def stop(self) -> str:
        self._call("stop")
        self.target.copies[self.id] = self.copy
        self.target.log.append(f"stop {self.id}")
        return f"recorded as {self.id}"

    def abort(self) -> None:
        self.target.log.append(f"abort {self.id}")

    @property
    def written(self) -> Written:
        return Written(self.id, {"fields": len(self.copy.fields)}, ("recorded",))


class RecordingTarget:
    """A ReplayTarget: copies are found by their source key."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = dict(options)
        self.copies: dict[str, Copy] = {}
        self.log: list[str] = []
        self.opened = 0

    def find(self, source: str) -> list[ReplayCopy]:
        return [ReplayCopy(i, c.meta.parts) for i, c in reversed(self.copies.items()) if c.meta.source == source]

    def open(self, meta: ReplayMeta) -> RecordingSink:
        return RecordingSink(self, meta, self.options.get("raise_at"))

    def discard(self, copy_id: str) -> None:
        self.log.append(f"discard {copy_id}")
        del self.copies[copy_id]

    def place(self) -> str:
        return "the recorder"

    def where(self) -> str:
        return f"recorder: {len(self.copies)} copies"


@pytest.fixture
def recorder() -> Iterator[list[RecordingTarget]]:
    """``acme:recorder`` registered as a package registers it; every target built, in order."""
    built: list[RecordingTarget] = []

    def factory(options: Mapping[str, Any]) -> RecordingTarget:
        built.append(RecordingTarget(options))
        return built[-1]

    register_replay("acme:recorder", factory)
    try:
        yield built
    finally:
        unregister_replay("acme:recorder")


def read_back(tracker: str, where: str) -> Any:
    """The one run of a store, read by its tracker's reader, as `hooks export` reads it."""
    from hooks.runs.reader import Store
    from hooks.runs.registry import reader

    found = reader(tracker)
    (ref,) = found.find(Store(tracker, where))
    return found.read(ref)


# --------------------------------------------------------------------------
# (1) Any tracker's run into a package's tracker


def test_a_neptune_offline_run_arrives_whole_in_a_tracker_of_a_package(
    neptune_dir: Path, tmp_path: Path, recorder: list[RecordingTarget]
) -> None:
    table = tmp_path / "table.csv"
    table.write_bytes(b"epoch,loss\n1,0.5\n")
    run = neptune_run("replayed", tags=("a", "b"))
    for step, value in ((1, 0.5), (2, 0.25), (3, 0.125)):
        run["train/loss"].append(value, step=step, timestamp=T0 + step)
    run["lr/pg0"].append(0.01, step=1, timestamp=T0 + 1.5)
    run["log/out"].append("hello", timestamp=T0)
    run["log/out"].append("world", timestamp=T0 + 1)
    run["params/lr"], run["params/epochs"], run["params/plots"], run["params/model"] = 0.01, 3, True, "yolo11n"
    run["data/table"].upload(str(table))
    run.stop()
    read = read_back("neptune", str(neptune_dir))

    result = export(read, "acme:recorder", {"where": "here"})
    (target,) = recorder
    assert target.options == {"where": "here"}
    (copy,) = target.copies.values()
    assert copy.series == {
        "train/loss": [(1.0, 0.5, T0 + 1), (2.0, 0.25, T0 + 2), (3.0, 0.125, T0 + 3)],
        "lr/pg0": [(1.0, 0.01, T0 + 1.5)],
    }
    assert copy.files == {
        "log/out.txt": ("out.txt", b"hello\nworld\n"),  # a string series: its text, one point a line
        "data/table": ("table.csv", b"epoch,loss\n1,0.5\n"),
    }
    own = {k: v for k, v in copy.fields.items() if not k.startswith(("sys/", "monitoring/", "source_code/"))}
    assert own == {"params/lr": 0.01, "params/epochs": 3, "params/plots": True, "params/model": "yolo11n"}
    assert copy.fields == dict(read.fields)  # Neptune's own sys/ fields as well, as read
    assert copy.fields["sys/name"] == "replayed"
    meta = copy.meta
    assert (meta.name, meta.tags, meta.parts, meta.status) == ("replayed", ("a", "b"), 1, "finished")
    assert meta.source == f"neptune:{read.run_id}" and meta.tracker == "neptune"
    assert meta.end == T0 + 3 and meta.start is not None
    assert {"sys", "monitoring", "source_code", "yaml_hooks"} <= meta.system
    assert (meta.name_field, meta.description_field) == ("sys/name", "sys/description")
    assert not copy.failed and copy.calls[-1] == "stop"
    assert result == ReplayResult(
        source=meta.source,
        copy_id="copy-1",
        exported=True,
        where="recorder: 1 copies",
        series=3,
        points=6,
        files=1,
        fields=len(read.fields),
        counts={"fields": len(read.fields)},
        notes=(
            "recorded",
            "log/out: a string series (2 lines) is the text file log/out.txt: its steps and times are not kept",
        ),
    )


@SQLITE_IN_PROCESS
def test_an_mlflow_run_arrives_whole_in_a_tracker_of_a_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recorder: list[RecordingTarget]
) -> None:
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path}/source.db"
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"kept\n")
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("trainings", artifact_location=(tmp_path / "mlruns").as_uri())
    run_id = client.create_run(experiment, start_time=int(T0 * 1000), run_name="from-mlflow").info.run_id
    ms = int(T0 * 1000)
    client.log_batch(
        run_id,
        metrics=[
            Metric("train/loss", 0.5, ms + 1000, 1),
            Metric("train/loss", 0.25, ms + 2500, 2),
            Metric("metrics/mAP50B", 0.7, ms + 2600, 2),
        ],
        synchronous=True,
    )
    client.log_param(run_id, "lr0", "0.01")
    client.log_param(run_id, "model", "yolo11n.pt")
    client.set_tag(run_id, "team", "vision")
    client.log_artifact(run_id, str(notes), "docs")
    client.set_terminated(run_id, "FAILED", end_time=ms + 3000)
    read = read_back("mlflow", uri)

    result = export(read, "acme:recorder")
    (copy,) = recorder[0].copies.values()
    assert copy.series == {
        "train/loss": [(1.0, 0.5, T0 + 1), (2.0, 0.25, T0 + 2.5)],
        "metrics/mAP50B": [(2.0, 0.7, T0 + 2.6)],
    }
    assert copy.fields == dict(read.fields)
    assert {k: v for k, v in copy.fields.items() if not k.startswith("mlflow/")} == {
        "lr0": "0.01",
        "model": "yolo11n.pt",
    }
    assert copy.fields["mlflow/runName"] == "from-mlflow"
    assert set(copy.files) == set(read.files) and len(copy.files) == 1
    assert list(copy.files.values()) == [("notes.txt", b"kept\n")]
    assert copy.meta.source == f"mlflow:{run_id}" and copy.meta.name == "from-mlflow"
    assert copy.meta.tags == ("team=vision",)  # the MLflow reader's words for a tag with a value
    assert copy.meta.start == T0 and copy.meta.end == T0 + 2.6
    assert copy.meta.status == "failed" and copy.failed and copy.calls[-2:] == ["fail", "stop"]
    assert (result.series, result.points, result.files, result.exported) == (2, 3, 1, True)


def test_a_replay_is_once_and_force_replaces_the_copy_after_writing_the_new_one(
    neptune_dir: Path, recorder: list[RecordingTarget]
) -> None:
    run = neptune_run("once")
    run["loss"].append(1.0, step=1, timestamp=T0)
    run.stop()
    read = read_back("neptune", str(neptune_dir))
    target = replay_target("acme:recorder", {})
    assert isinstance(target, RecordingTarget)

    first = replay(read, target)
    again = replay(read, target)
    assert again == ReplayResult(first.source, "copy-1", exported=False, where="recorder: 1 copies")
    forced = replay(read, target, force=True)
    assert (forced.copy_id, forced.replaced, forced.exported) == ("copy-2", ("copy-1",), True)
    assert target.log == ["open copy-1", "stop copy-1", "open copy-2", "stop copy-2", "discard copy-1"]
    assert list(target.copies) == ["copy-2"]


def test_a_target_that_raises_half_way_is_told_to_drop_what_it_wrote(
    neptune_dir: Path, recorder: list[RecordingTarget]
) -> None:
    run = neptune_run("breaks")
    for step in range(1, 4):
        run["loss"].append(float(step), step=step)
    run.stop()
    read = read_back("neptune", str(neptune_dir))
    target = replay_target("acme:recorder", {"raise_at": 2})
    assert isinstance(target, RecordingTarget)

    with pytest.raises(OSError, match="the tracker went away"):
        replay(read, target)
    assert target.log == ["open copy-1", "abort copy-1"] and target.copies == {}
    assert target.find(as_source(read).key) == []  # nothing counts as replayed: the next export writes it


def test_which_trackers_take_a_replay_and_a_name_taken_twice() -> None:
    assert replay_targets() == ("mlflow",)
    with pytest.raises(ReplayError) as raised:
        replay_target("tensorboard", {})
    assert str(raised.value) == "hooks: the tracker 'tensorboard' cannot take a replay; these can: mlflow"

    with pytest.raises(ReplayError) as raised:
        replay_target("acme:nothing", {})  # no package `acme` registers one
    assert str(raised.value) == "hooks: the tracker 'acme:nothing' cannot take a replay; these can: mlflow"

    register_replay("acme:twice", RecordingTarget)
    try:
        assert replay_targets() == ("mlflow", "acme:twice")
        with pytest.raises(ValueError, match="already registered"):
            register_replay("acme:twice", RecordingTarget)
    finally:
        unregister_replay("acme:twice")


# --------------------------------------------------------------------------
# (2) Neptune → MLflow through the replay keeps every guarantee


def export_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()  # what came before (the neptune client's own messages)
    code = main(["export", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@SQLITE_IN_PROCESS
def test_a_resumed_training_is_exported_once_with_its_parts_joined_and_its_times(
    neptune_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each export's whole output: a second export writes nothing and says so, and says when the
    run has more parts than the copy; --force writes it anew and deletes the copy."""
    from mlflow import MlflowClient

    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path}/mlflow.db"

    def part(n: int, points: list[tuple[int, float]]) -> None:
        run = neptune_run("resumed")
        run["yaml_hooks/run_id"], run["yaml_hooks/part"] = "abc", n
        for step, value in points:
            run["loss"].append(value, step=step, timestamp=T0 + step)
        run.stop()

    argv = ("--all", "--dir", str(neptune_dir), "--tracking-uri", uri, "--experiment", "parts")
    last = f"MLflow: experiment 'parts' (id 1) at {uri}"
    part(1, [(1, 1.0), (2, 2.0), (3, 99.0)])
    code, out, err = export_cli(capsys, *argv)
    assert code == 0, err
    first = EXPORTED.match(out)
    assert first is not None, out
    short, first_id = first.group(1), first.group(2)
    assert out == f"exported {short} -> {first_id} (1 series, 3 points, 0 files, 0 params)\n{last}\n"

    code, out, _ = export_cli(capsys, *argv)
    assert (code, out) == (
        0,
        f"{short} already exported as {first_id} in experiment 'parts' (--force replaces it)\n{last}\n",
    )

    part(2, [(3, 3.0), (4, 4.0)])
    code, out, _ = export_cli(capsys, *argv)
    assert (code, out) == (
        0,
        f"{short} already exported as {first_id} in experiment 'parts' (--force replaces it)\n"
        "  note: it was exported with 1 part(s) and has 2 now; --force exports it again\n"
        f"{last}\n",
    )

    code, out, _ = export_cli(capsys, *argv, "--force")
    again = EXPORTED.match(out)
    assert code == 0 and again is not None, out
    second_id = again.group(2)
    assert out == (
        f"exported {short} -> {second_id} (1 series, 4 points, 0 files, 0 params)\n"
        f"  replaced {first_id} (deleted)\n{last}\n"
    )
    code, out, _ = export_cli(capsys, *argv)
    assert (code, out) == (
        0,
        f"{short} already exported as {second_id} in experiment 'parts' (--force replaces it)\n{last}\n",
    )

    client = MlflowClient(tracking_uri=uri)
    (only,) = client.search_runs(["1"])
    assert only.info.run_id == second_id and client.get_run(first_id).info.lifecycle_stage == "deleted"
    history = client.get_metric_history(second_id, "loss")
    ms = int(T0 * 1000)
    assert sorted((m.step, m.value, m.timestamp) for m in history) == [
        (1, 1.0, ms + 1000),
        (2, 2.0, ms + 2000),
        (3, 3.0, ms + 3000),
        (4, 4.0, ms + 4000),
    ]
    assert only.data.tags["yaml_hooks.neptune_parts"] == "2" and only.data.tags["yaml_hooks/part"] == "2"
    assert only.info.end_time == ms + 4000 and only.info.status == "FINISHED"


@SQLITE_IN_PROCESS
def test_a_failed_run_ends_failed_in_mlflow(neptune_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow import MlflowClient

    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    run = neptune_run("failed")
    run["loss"].append(1.0, step=1, timestamp=T0)
    run.stop()
    failed = dataclasses.replace(read_back("neptune", str(neptune_dir)), status="failed")

    result = export(failed, "mlflow", {"tracking_uri": uri, "experiment": "failed"})
    got = MlflowClient(tracking_uri=uri).get_run(result.copy_id)
    assert got.info.status == "FAILED" and got.data.metrics == {"loss": 1.0}


# --------------------------------------------------------------------------
# (3) No half-written run


@SQLITE_IN_PROCESS
def test_an_mlflow_export_that_fails_while_writing_leaves_no_run(
    neptune_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    kept = tmp_path / "kept.csv"
    kept.write_bytes(b"a,b\n")
    run = neptune_run("half")
    run["loss"].append(1.0, step=1)
    run["data/kept"].upload(str(kept))
    run.stop()
    read = read_back("neptune", str(neptune_dir))

    def refuse(self: Any, run_id: str, local_dir: str, artifact_path: str | None = None) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(MlflowClient, "log_artifacts", refuse)
        with pytest.raises(ReplayError, match="disk full"):
            export(read, "mlflow", {"tracking_uri": uri, "experiment": "half"})
    client = MlflowClient(tracking_uri=uri)
    assert client.search_runs(["1"]) == []  # the run it began is deleted
    (deleted,) = client.search_runs(["1"], run_view_type=ViewType.DELETED_ONLY)
    assert "yaml_hooks.neptune_run" not in deleted.data.tags  # it never counted as exported

    result = export(read, "mlflow", {"tracking_uri": uri, "experiment": "half"})
    assert result.exported and result.files == 1
    (complete,) = client.search_runs(["1"])
    assert complete.info.run_id == result.copy_id


def test_the_replay_modules_import_no_tracker_until_a_replay() -> None:
    import subprocess
    import sys

    code = (
        "import sys, hooks.runs.replay, hooks.sinks.replay, hooks.sinks.mlflow.replay; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mlflow', 'neptune')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "[]"


def test_the_docs_example_target_takes_a_replay(neptune_dir: Path) -> None:
    """docs/replay.md's target, as printed there, registered and written into."""
    doc = (Path(__file__).resolve().parents[3] / "docs" / "replay.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", doc, re.S)
    run = neptune_run("documented")
    run["loss"].append(0.5, step=1, timestamp=T0)
    run["params/lr"] = 0.01
    run.stop()
    read = read_back("neptune", str(neptune_dir))
    try:
        exec(compile(code, "docs/replay.md", "exec"), {"__name__": "docs_replay"})
        target = replay_target("acme:json", {})
        result = replay(read, target)
        assert (result.copy_id, result.exported, result.where) == ("run-1", True, "1 run(s) in memory")
        assert replay(read, target).exported is False
        ((meta, kept),) = target.copies.values()  # type: ignore[attr-defined]
        assert meta.name == "documented"
        assert kept["series"] == {"loss": [(1.0, 0.5, T0)]} and kept["fields"]["params/lr"] == 0.01
    finally:
        unregister_replay("acme:json")


@SQLITE_IN_PROCESS
def test_an_mlflow_run_replays_into_another_mlflow_experiment_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No pair of trackers is special: MLflow → MLflow goes the same way, its artifacts fetched."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    weights = tmp_path / "best.pt"
    weights.write_bytes(b"\x00weights")
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("trainings", artifact_location=(tmp_path / "mlruns").as_uri())
    ms = int(T0 * 1000)
    run_id = client.create_run(experiment, start_time=ms, run_name="original").info.run_id
    client.log_batch(run_id, metrics=[Metric("loss", 0.5, ms + 1000, 1), Metric("loss", 0.4, ms + 2000, 2)])
    client.log_param(run_id, "epochs", "2")
    client.log_artifact(run_id, str(weights), "weights")
    client.set_terminated(run_id, "FINISHED", end_time=ms + 2000)
    read = read_back("mlflow", uri)

    options = {"tracking_uri": uri, "experiment": "copied"}
    result = export(read, "mlflow", options)
    assert (result.exported, result.series, result.points, result.files, result.missing) == (True, 1, 2, 1, ())
    copy = client.get_run(result.copy_id)
    assert copy.info.run_name == "original" and copy.info.status == "FINISHED"
    assert (copy.info.start_time, copy.info.end_time) == (ms, ms + 2000)
    assert copy.data.params == {"epochs": "2"} and copy.data.tags["yaml_hooks.mlflow_run"] == run_id
    history = client.get_metric_history(result.copy_id, "loss")
    assert sorted((m.step, m.value, m.timestamp) for m in history) == [(1, 0.5, ms + 1000), (2, 0.4, ms + 2000)]
    (artifact,) = (tmp_path / "mlruns").rglob(f"{result.copy_id}/artifacts/weights/best.pt")
    assert artifact.read_bytes() == b"\x00weights"

    again = export(read, "mlflow", options)
    assert again == ReplayResult(
        f"mlflow:{run_id}", result.copy_id, exported=False, where=f"MLflow: experiment 'copied' (id 2) at {uri}"
    )
