"""The Neptune sink: mode and project as Neptune users expect, capture switches, a debug run."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

import hooks
from hooks.sinks.neptune.sink import NeptuneSinkFactory, effective_mode


@pytest.mark.parametrize(
    ("configured", "env", "mode"),
    [
        (None, {}, "offline"),
        (None, {"NEPTUNE_API_TOKEN": "t"}, "async"),
        (None, {"NEPTUNE_MODE": "debug", "NEPTUNE_API_TOKEN": "t"}, "debug"),
        ("offline", {"NEPTUNE_MODE": "async"}, "offline"),
    ],
)
def test_effective_mode(configured: str | None, env: dict[str, str], mode: str) -> None:
    assert effective_mode(configured, env) == mode


def factory(text: str) -> NeptuneSinkFactory:
    sink = hooks.loads("version: 1\n" + text).config.sink
    assert isinstance(sink, NeptuneSinkFactory)
    return sink


def lookup(root: str) -> object:
    return SimpleNamespace(name="exp", task="detect", project=None) if root == "args" else None


def test_init_kwargs_from_templates_and_capture_switches() -> None:
    f = factory(
        "sink:\n  neptune:\n    project: '{args.project:-YOLOv8}'\n    name: '{args.name}'\n"
        "    tags: [a, '{args.task}', '{args.time}']\n"
        "    capture: {stdout: false, hardware_metrics: true, git: false, source_code: false}\n"
    )
    assert f.init_kwargs(lookup) == {
        "mode": "offline",
        "project": "YOLOv8",
        "name": "exp",
        "tags": ["a", "detect"],
        "capture_stdout": False,
        "capture_hardware_metrics": True,
        "git_ref": False,
        "source_files": [],
    }


def test_empty_project_leaves_it_to_neptune_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEPTUNE_PROJECT", "ws/from-env")
    f = factory("sink: {neptune: {project: '${NEPTUNE_UNSET_FOR_TEST:-}'}}\n")
    assert f.init_kwargs(lookup)["project"] is None  # the client reads NEPTUNE_PROJECT itself


def test_offline_run_is_written_and_located(neptune_dir: Path) -> None:
    f = factory("sink: {neptune: {name: x, capture: {stdout: false, stderr: false, hardware_metrics: false}}}\n")
    sink = f.open(lookup)
    sink.append("a/b", 1.5, 1)
    sink.assign("c", {"d": 1, "e/f": "g"})
    folder = sink.folder()
    message = sink.stop()
    assert folder is not None and folder.parent == neptune_dir / "offline"
    assert message == f"Neptune offline run saved in {folder} (upload it later with `neptune sync`)"
    from hooks.runs.neptune.read import read_run

    run = read_run(folder)
    assert run.fields["c/d"] == 1 and run.fields["c/e/f"] == "g"
    assert [(p.step, p.value) for p in run.series["a/b"]] == [(1, 1.5)]


def test_values_neptune_cannot_hold_are_written_as_text(neptune_dir: Path) -> None:
    # Neptune silently drops None, lists and tuples in an assigned mapping; the sink writes them
    # as text (None as "", as Ultralytics' integration did), nested mappings included.
    sink = factory("sink: {neptune: {capture: {stdout: false, stderr: false, hardware_metrics: false}}}\n").open(lookup)
    sink.assign("hp", {"project": None, "classes": [0, 2], "imgsz": (64, 64), "nested": {"x": None, "n": 3}})
    folder = sink.folder()
    sink.stop()
    from hooks.runs.neptune.read import read_run

    fields = read_run(folder).fields
    assert fields["hp/project"] == "" and fields["hp/classes"] == "[0, 2]" and fields["hp/imgsz"] == "(64, 64)"
    assert fields["hp/nested/x"] == "" and fields["hp/nested/n"] == 3


def test_debug_mode_writes_nothing(neptune_dir: Path) -> None:
    sink = factory("sink: {neptune: {mode: debug, capture: {hardware_metrics: false}}}\n").open(lookup)
    sink.append("a", 1.0, None)
    assert "nothing was saved" in sink.stop()
    assert not (neptune_dir / "offline").exists()


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_online_mode_that_cannot_start_falls_back_to_offline(
    neptune_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, token: str | None
) -> None:
    if token:
        monkeypatch.setenv("NEPTUNE_API_TOKEN", token)
    f = factory("sink: {neptune: {mode: async, project: ws/p, capture: {hardware_metrics: false, stdout: false}}}\n")
    sink = f.open(lookup)
    sink.append("kept", 1.0, 1)
    assert sink.stop().startswith("Neptune offline run saved in")
    warnings = [r.getMessage() for r in caplog.records if r.name == "hooks"]
    assert len(warnings) == 1 and "could not start in async mode" in warnings[0] and "logging offline" in warnings[0]
    from hooks.runs.neptune.read import find_runs, read_run

    (run,) = find_runs(neptune_dir)
    assert [(p.step, p.value) for p in read_run(run).series["kept"]] == [(1, 1.0)]


class _Field:
    def __init__(self, uploads: list[object]) -> None:
        self.uploads = uploads

    def upload(self, value: object) -> None:
        self.uploads.append(value)


class _FakeRun:
    """Stands for a neptune.Run: records what is uploaded."""

    def __init__(self) -> None:
        self.uploads: list[object] = []

    def __getitem__(self, path: str) -> _Field:
        return _Field(self.uploads)


def test_a_snapshot_reads_only_the_regular_file_it_opened(tmp_path: Path) -> None:
    """A snapshot opens the file once, without following a symlink (O_NOFOLLOW), checks that what
    it opened is a regular file, and reads that: a name swapped for a symlink (to a secret
    elsewhere) after the action checked it is refused, and a FIFO does not stall the training."""
    import os
    import threading

    from hooks.sinks.neptune.sink import NeptuneSink

    run = _FakeRun()
    sink = NeptuneSink(run, "offline")
    ok = tmp_path / "ok.bin"
    ok.write_bytes(b"weights")
    sink.upload("a", ok, snapshot=True)
    assert len(run.uploads) == 1
    secret = tmp_path / "secret.txt"
    secret.write_text("the key to everything")
    swapped = tmp_path / "results.csv"
    swapped.symlink_to(secret)
    with pytest.raises(OSError):
        sink.upload("b", swapped, snapshot=True)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    failed: list[BaseException] = []

    def snapshot_fifo() -> None:
        try:
            sink.upload("c", fifo, snapshot=True)
        except OSError as e:
            failed.append(e)

    reader = threading.Thread(target=snapshot_fifo, daemon=True)
    reader.start()
    reader.join(timeout=5)
    if reader.is_alive():  # unblock the thread before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("a snapshot of a FIFO blocked the training")
    assert failed and len(run.uploads) == 1


def test_an_inside_symlink_is_uploaded_as_the_file_it_leads_to(tmp_path: Path) -> None:
    """The tracker gets the file the action checked, with no symlink left to follow at upload (or
    `neptune sync`) time; {name} is still the link's own."""
    from hooks.testing import RecordingSink
    from hooks.testing.standin import StandInTrainer

    trainer = StandInTrainer(tmp_path / "run")
    real = trainer.save_dir / "real.png"
    real.write_bytes(b"png")
    (trainer.save_dir / "alias.png").symlink_to(real)
    (trainer.save_dir / "sub").mkdir()
    (trainer.save_dir / "sub" / "alias2.png").symlink_to(real)
    sink = RecordingSink()
    compiled = hooks.loads(
        "version: 1\nevents:\n  on_train_end:\n    - files: {glob: ['alias.png', 'sub/*.png'], to: 'P/{stem}'}\n",
        sink=sink,
    )
    compiled["on_train_end"](trainer)
    assert {(r.path, r.value) for r in sink.of("upload")} == {("P/alias", real), ("P/alias2", real)}


def test_a_training_that_raises_marks_its_neptune_run_failed(tmp_path: Path) -> None:
    from hooks.runs.neptune.read import find_runs, read_run
    from hooks.testing import simulate_training

    quiet = "{capture: {stdout: false, stderr: false, traceback: false, hardware_metrics: false, git: false}}"
    (tmp_path / "hooks.yaml").write_text(f"version: 1\nextends: minimal\nsink: {{neptune: {quiet}}}\n")
    compiled = dict(hooks.load(tmp_path / "hooks.yaml"))

    def crash(trainer: object) -> None:
        raise RuntimeError("out of memory, say")

    callbacks = {**compiled, "on_fit_epoch_end": [compiled["on_fit_epoch_end"], crash]}
    with pytest.raises(RuntimeError, match="out of memory"):
        simulate_training(callbacks, tmp_path / "runs" / "exp", epochs=3)
    (folder,) = find_runs(tmp_path / ".neptune")
    run = read_run(folder)
    assert run.fields.get("sys/failed") is True
    assert len(run.series["train/box_loss"]) == 1


def test_a_training_that_ends_does_not_mark_its_neptune_run_failed(tmp_path: Path) -> None:
    from hooks.runs.neptune.read import find_runs, read_run
    from hooks.testing import simulate_training

    quiet = "{capture: {stdout: false, stderr: false, traceback: false, hardware_metrics: false, git: false}}"
    (tmp_path / "hooks.yaml").write_text(f"version: 1\nextends: minimal\nsink: {{neptune: {quiet}}}\n")
    simulate_training(dict(hooks.load(tmp_path / "hooks.yaml")), tmp_path / "runs" / "exp", epochs=1)
    (folder,) = find_runs(tmp_path / ".neptune")
    assert read_run(folder).fields.get("sys/failed") in (None, False)


def test_a_token_naming_a_server_that_does_not_answer_logs_offline_and_no_wait_for_it_holds_the_training(
    tmp_path: Path,
) -> None:
    """NEPTUNE_API_TOKEN names a server that takes connections but never answers (Neptune's hosted
    service is gone since March 2026), and no mode is set, so the run opens in async mode: the
    client waits for the server without end (a refused connection: 61 s), before the first epoch.
    The training runs at once, offline, with one warning naming the server; the subprocess's limit
    is 60 s."""
    import base64
    import json

    from hooks.runs.neptune.read import find_runs, read_run
    from tests.faults import silent_server, standin_training

    with silent_server() as url:
        token = base64.b64encode(json.dumps({"api_address": url, "api_key": "k"}).encode()).decode()
        (tmp_path / "hooks.yaml").write_text(
            "version: 1\nextends: default\n"
            "sink: {neptune: {capture: {stdout: false, stderr: false, hardware_metrics: false, git: false}}}\n"
        )
        env = {"NEPTUNE_API_TOKEN": token, "NEPTUNE_PROJECT": "team/detector", "NEPTUNE_DATA_DIRECTORY": str(tmp_path)}
        done = standin_training(tmp_path / "hooks.yaml", tmp_path / "runs" / "exp", env, drop=("NEPTUNE_",))
    text = done.stdout + done.stderr
    assert done.returncode == 0 and "TRAINED" in done.stdout, text[-3000:]
    assert f"Neptune: {url} does not answer (timed out): logging offline instead" in text, text[-3000:]
    (run,) = find_runs(tmp_path)
    assert [p.step for p in read_run(run).series["train/box_loss"]] == [1, 2]
