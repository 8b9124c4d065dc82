"""The MLflow sink against a real `mlflow server` (SQLite backend, artifacts over HTTP) on
127.0.0.1, and against MLflow's no-server default (a SQLite file), read back with MlflowClient.
Trainings here are the shipped stand-in; tests/acceptance/test_real_mlflow.py runs real Ultralytics ones."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Final

import pytest

import hooks
from hooks.errors import ConfigError
from hooks.runs.neptune.read import find_runs, read_run
from hooks.sinks.mlflow.spool import Spool
from hooks.testing import simulate_training
from hooks.testing.standin import StandInTrainer
from tests.mlflow_server import MlflowServer, free_port

# Neptune's automatic capture off: the Neptune run holds only what the actions log (and no NVML warning).
QUIET = "{capture: {stdout: false, stderr: false, traceback: false, hardware_metrics: false, git: false}}"


# The MLflow metric of each series a stand-in training logs with the `default` preset, written out:
# MLflow takes no parentheses in a name (names.py drops them, as Ultralytics' own callback does).
METRIC_KEYS: Final = {
    "lr/pg0": "lr/pg0",
    "lr/pg1": "lr/pg1",
    "lr/pg2": "lr/pg2",
    "metrics/mAP50(B)": "metrics/mAP50B",
    "metrics/mAP50-95(B)": "metrics/mAP50-95B",
    "metrics/precision(B)": "metrics/precisionB",
    "metrics/recall(B)": "metrics/recallB",
    "train/box_loss": "train/box_loss",
    "train/cls_loss": "train/cls_loss",
    "train/dfl_loss": "train/dfl_loss",
    "val/box_loss": "val/box_loss",
    "val/cls_loss": "val/cls_loss",
    "val/dfl_loss": "val/dfl_loss",
}

# The artifact each file field of that training becomes: the field's path and the file's suffix.
ARTIFACTS: Final = {
    "Mosaic/train_batch0": "Mosaic/train_batch0.jpg",
    "Mosaic/train_batch1": "Mosaic/train_batch1.jpg",
    "Mosaic/train_batch2": "Mosaic/train_batch2.jpg",
    "Plots/BoxF1_curve": "Plots/BoxF1_curve.png",
    "Plots/BoxPR_curve": "Plots/BoxPR_curve.png",
    "Plots/BoxP_curve": "Plots/BoxP_curve.png",
    "Plots/BoxR_curve": "Plots/BoxR_curve.png",
    "Plots/confusion_matrix": "Plots/confusion_matrix.png",
    "Plots/confusion_matrix_normalized": "Plots/confusion_matrix_normalized.png",
    "Plots/labels": "Plots/labels.jpg",
    "Plots/results": "Plots/results.png",
    "Validation/val_batch0_labels": "Validation/val_batch0_labels.jpg",
    "Validation/val_batch0_pred": "Validation/val_batch0_pred.jpg",
    "weights/exp/best.pt": "weights/exp/best.pt",
}


def config(uri: str, experiment: str, extra: str = "", *, neptune: bool = False) -> str:
    sink = f'mlflow: {{tracking_uri: "{uri}", experiment: {experiment}, drain_seconds: 20}}'
    return f"version: 1\nextends: default\nsink: {{{sink}, neptune: {QUIET if neptune else 'false'}}}\n{extra}"


def only_run(client: Any, experiment: str) -> Any:
    exp = client.get_experiment_by_name(experiment)
    assert exp is not None, f"no experiment {experiment}"
    runs = client.search_runs([exp.experiment_id])
    assert len(runs) == 1, [r.info.run_id for r in runs]
    return runs[0]


def history(client: Any, run_id: str, key: str) -> list[tuple[int, float]]:
    return sorted((m.step, m.value) for m in client.get_metric_history(run_id, key))


def artifacts(client: Any, run_id: str, path: str | None = None) -> dict[str, int]:
    found: dict[str, int] = {}
    for f in client.list_artifacts(run_id, path):
        if f.is_dir:
            found.update(artifacts(client, run_id, f.path))
        else:
            found[f.path] = int(f.file_size or 0)
    return found


def train(text: str, tmp_path: Path, name: str = "exp", **kw: Any) -> StandInTrainer:
    (tmp_path / "hooks.yaml").write_text(text)
    compiled = hooks.load(tmp_path / "hooks.yaml")
    return simulate_training(dict(compiled), tmp_path / "runs" / name, **kw)


def test_a_training_lands_in_mlflow_as_in_neptune_series_for_series(
    tmp_path: Path, mlflow_server: MlflowServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Fan-out: the same training into Neptune (offline) and MLflow; every Neptune series is an
    MLflow metric with the same steps and values, every uploaded file an artifact of its size."""
    caplog.set_level(logging.INFO, logger="hooks")
    trainer = train(config(mlflow_server.uri, "fan-out", neptune=True), tmp_path, epochs=3)
    client = mlflow_server.client()
    run = only_run(client, "fan-out")
    assert run.info.status == "FINISHED"
    assert run.info.run_name == "exp"
    (neptune_dir,) = find_runs(tmp_path / ".neptune")
    neptune = read_run(neptune_dir)
    user_series = {k: v for k, v in neptune.series.items() if not k.startswith(("sys/", "monitoring/", "source_code"))}
    assert set(user_series) == set(METRIC_KEYS)
    assert set(run.data.metrics) == set(METRIC_KEYS.values())
    for path, metric in METRIC_KEYS.items():
        points = [(int(p.step), p.value) for p in user_series[path]]
        assert history(client, run.info.run_id, metric) == points, path
    # The names MLflow refuses are mapped as Ultralytics maps them.
    assert "metrics/mAP50-95B" in run.data.metrics and "metrics/mAP50-95(B)" in neptune.series
    # Each value of results.csv is there at its epoch.
    csv = trainer.read_results_csv()
    epochs = history(client, run.info.run_id, "metrics/mAP50B")[:3]
    assert [s for s, _ in epochs] == [1, 2, 3] and [v for _, v in epochs] == csv["metrics/mAP50(B)"]
    stored = artifacts(client, run.info.run_id)
    assert set(neptune.files) == set(ARTIFACTS)
    for field, where in ARTIFACTS.items():
        local = neptune.files[field].file_path
        assert local is not None and stored.get(where) == local.stat().st_size, field
    # Params: the hyperparameters flattened, as text.
    assert run.data.params["Configuration/Hyperparameters/epochs"] == "3"
    assert "MLflow run" in caplog.text and "Neptune offline run saved in" in caplog.text
    # Everything was sent: no spool is left.
    assert not list((trainer.save_dir / ".yaml-hooks" / "mlflow").glob("*"))


def test_the_no_server_default_is_a_sqlite_file_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (tmp_path / "hooks.yaml").write_text(
        "version: 1\nextends: minimal\nsink: {neptune: false, mlflow: {experiment: local}}\n"
    )
    simulate_training(dict(hooks.load(tmp_path / "hooks.yaml")), tmp_path / "runs" / "exp", epochs=2)
    assert (tmp_path / "mlflow.db").is_file()
    from mlflow import MlflowClient

    run = only_run(MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}"), "local")
    assert history(MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}"), run.info.run_id, "train/box_loss")[0][0] == 1


@pytest.mark.slow  # starts and stops servers of its own
def test_a_server_that_is_down_loses_nothing_and_hooks_sync_sends_it_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """No server during the training: it runs through, the end says where the spool is; with the
    server up, `hooks sync` sends all of it, and a second sync sends nothing twice."""
    server = MlflowServer(tmp_path / "server")
    register = (
        "events:\n  on_train_end:\n"
        "    - upload: {from: best, to: w/best.pt, register: {model: yolo-down, pyfunc: false}}\n"
    )
    text = config(server.uri, "down", register, neptune=True).replace("drain_seconds: 20", "drain_seconds: 1")
    trainer = train(text, tmp_path, epochs=3)
    spools = list((trainer.save_dir / ".yaml-hooks" / "mlflow").glob("*"))
    assert len(spools) == 1
    # The command names the model the run registers: a spool makes versions only of models named.
    assert f"hooks sync --tracking-uri {server.uri} --register yolo-down {spools[0]}" in caplog.text
    assert "not sent yet" in caplog.text
    (neptune_dir,) = find_runs(tmp_path / ".neptune")
    neptune = read_run(neptune_dir)  # the other tracker logged everything meanwhile
    assert len(neptune.series["metrics/mAP50(B)"]) == 4
    hooks_cli = str(Path(sys.executable).parent / "hooks")
    status = subprocess.run([hooks_cli, "sync", "--status", str(tmp_path / "runs")], capture_output=True, text=True)
    assert status.returncode == 0, status.stdout + status.stderr
    (line,) = status.stdout.splitlines()  # one spool, said and not sent
    assert line.startswith(f"{spools[0]}: run 'exp', experiment 'down' at {server.uri}: ")
    assert "metric points" in line and "the run's end" in line and "last written" in line and spools[0].exists()
    with server:
        sync = [hooks_cli, "sync", "--tracking-uri", server.uri, "--register", "yolo-down"]
        sync.append(str(tmp_path / "runs"))
        done = subprocess.run(sync, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "sent" in done.stdout
        assert not spools[0].exists()
        client = server.client()
        run = only_run(client, "down")
        assert run.info.status == "FINISHED"
        for path, metric in METRIC_KEYS.items():
            points = [(int(p.step), p.value) for p in neptune.series[path]]
            assert history(client, run.info.run_id, metric) == points, path
        assert "weights/exp/best.pt" in artifacts(client, run.info.run_id)
        (version,) = client.search_model_versions("name = 'yolo-down'")
        assert version.source == f"runs:/{run.info.run_id}/w/best.pt"
        again = subprocess.run(sync, capture_output=True, text=True, check=False)
        assert "nothing to send" in again.stdout
        assert len(client.get_metric_history(run.info.run_id, "metrics/mAP50B")) == 4


def test_a_server_killed_mid_training_loses_nothing_once_hooks_sync_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The server is SIGKILLed at the end of epoch 1, once that epoch's points reached it. The
    training goes on to its end, which names the spool and `hooks sync`; with the server back on
    its port (same SQLite store), `hooks sync` completes the run: every epoch, the weights,
    FINISHED, equal to the Neptune run that logged everything meanwhile."""
    server = MlflowServer(tmp_path / "server").start()
    text = config(server.uri, "outage", neptune=True).replace("drain_seconds: 20", "drain_seconds: 1")
    (tmp_path / "hooks.yaml").write_text(text)
    compiled = dict(hooks.load(tmp_path / "hooks.yaml"))
    killed: list[int] = []

    def kill_after_epoch_1(trainer: Any) -> None:
        if trainer.epoch != 0 or killed:
            return
        client = server.client()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # epoch 1's points on the server, then the kill
            found = client.get_experiment_by_name("outage")
            runs = client.search_runs([found.experiment_id]) if found else []
            if runs and client.get_metric_history(runs[0].info.run_id, "metrics/mAP50B"):
                break
            time.sleep(0.1)
        assert server._proc is not None
        os.killpg(server._proc.pid, signal.SIGKILL)
        server._proc.wait(timeout=15)
        killed.append(1)

    callbacks = {**compiled, "on_fit_epoch_end": [compiled["on_fit_epoch_end"], kill_after_epoch_1]}
    try:
        trainer = simulate_training(callbacks, tmp_path / "runs" / "exp", epochs=3)
        assert killed and not server.healthy()
        (spool,) = (trainer.save_dir / ".yaml-hooks" / "mlflow").iterdir()
        assert "not sent yet" in caplog.text
        assert f"send them with `hooks sync --tracking-uri {server.uri} {spool}`" in caplog.text
        (neptune_dir,) = find_runs(tmp_path / ".neptune")
        neptune = read_run(neptune_dir)  # the other tracker went on logging meanwhile
        assert len(neptune.series["metrics/mAP50(B)"]) == 4
        server.stop()  # reaps the killed process
        server = MlflowServer(server.folder, server.port).start()
        client = server.client()
        before = only_run(client, "outage")
        assert before.info.status == "RUNNING"
        assert history(client, before.info.run_id, "metrics/mAP50B")[0][0] == 1  # epoch 1 was there
        done = subprocess.run(
            [str(Path(sys.executable).parent / "hooks"), "sync", "--tracking-uri", server.uri, str(trainer.save_dir)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "sent" in done.stdout and not spool.exists()
        after = only_run(client, "outage")
        assert after.info.status == "FINISHED"
        for path, metric in METRIC_KEYS.items():
            points = [(int(p.step), p.value) for p in neptune.series[path]]
            assert history(client, after.info.run_id, metric) == points, path
        assert [step for step, _ in history(client, after.info.run_id, "metrics/mAP50B")] == [1, 2, 3, 4]
        best = trainer.save_dir / "weights" / "best.pt"
        assert artifacts(client, after.info.run_id)["weights/exp/best.pt"] == best.stat().st_size
    finally:
        server.stop()


def test_params_never_change_so_a_new_value_becomes_a_tag_and_a_long_one_an_artifact(
    tmp_path: Path, mlflow_server: MlflowServer, caplog: pytest.LogCaptureFixture
) -> None:
    extra = (
        "events:\n  on_train_epoch_end:\n"
        "    - assign: {from: trainer.epoch, to: Changing/epoch}\n"
        "  on_train_end:\n"
        "    - assign: {from: trainer.args.cfg, to: Long/cfg}\n"
    )
    text = config(mlflow_server.uri, "params", extra)
    simulate_training_args = {"overrides": {"cfg": "c" * 7000}}
    train(text, tmp_path, epochs=2, **simulate_training_args)
    client = mlflow_server.client()
    run = only_run(client, "params")
    assert run.data.params["Changing/epoch"] == "0"
    assert run.data.tags["Changing/epoch"] == "1"
    assert run.data.params["Long/cfg"] == "c" * 6000
    stored = artifacts(client, run.info.run_id)
    assert stored["Long/cfg.txt"] == 7000
    assert "the param 'Changing/epoch' is assigned a new value, and params never change" in caplog.text
    assert "'Long/cfg' is 7000 characters" in caplog.text


def test_a_training_that_raises_ends_its_run_failed(tmp_path: Path, mlflow_server: MlflowServer) -> None:
    (tmp_path / "hooks.yaml").write_text(config(mlflow_server.uri, "failed"))
    compiled = dict(hooks.load(tmp_path / "hooks.yaml"))

    def crash(trainer: Any) -> None:
        if trainer.epoch == 1:
            raise RuntimeError("out of memory, say")

    callbacks = {**compiled, "on_train_epoch_end": [compiled["on_train_epoch_end"], crash]}
    with pytest.raises(RuntimeError, match="out of memory"):
        simulate_training(callbacks, tmp_path / "runs" / "exp", epochs=4)
    run = only_run(mlflow_server.client(), "failed")
    assert run.info.status == "FAILED"
    # Epoch 2 never ended (its validation never ran): its points are not sent, so a resume that runs
    # it again leaves one value per step (tests/unit/sinks/test_mlflow_resume.py).
    assert [s for s, _ in history(mlflow_server.client(), run.info.run_id, "train/box_loss")] == [1]


def test_a_resumed_training_continues_its_mlflow_run(tmp_path: Path, mlflow_server: MlflowServer) -> None:
    text = config(mlflow_server.uri, "resumed")
    train(text, tmp_path, epochs=2)
    trainer = StandInTrainer(tmp_path / "runs" / "exp", epochs=4, overrides={"resume": True})
    trainer.start_epoch, trainer.resume = 2, True
    compiled = dict(hooks.load(tmp_path / "hooks.yaml"))
    for event, callback in compiled.items():
        trainer.add_callback(event, callback)
    trainer.train()
    client = mlflow_server.client()
    run = only_run(client, "resumed")
    assert [s for s, _ in history(client, run.info.run_id, "train/box_loss")] == [1, 2, 3, 4]
    assert run.data.tags["yaml_hooks.part"] == "2"
    assert run.info.status == "FINISHED"


def test_ultralytics_own_mlflow_callback_is_switched_off_once_per_training(
    tmp_path: Path, mlflow_server: MlflowServer, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []

    def theirs(event: str) -> Any:
        def callback(obj: Any) -> None:
            calls.append(event)

        callback.__module__ = "ultralytics.utils.callbacks.mlflow"
        return callback

    (tmp_path / "hooks.yaml").write_text(config(mlflow_server.uri, "builtin"))
    compiled = dict(hooks.load(tmp_path / "hooks.yaml"))
    events = ("on_pretrain_routine_end", "on_train_epoch_end", "on_fit_epoch_end", "on_train_end", "teardown")
    for i in range(2):
        callbacks = {e: [*([compiled[e]] if e in compiled else []), theirs(e)] for e in {*compiled, *events}}
        simulate_training(callbacks, tmp_path / "runs" / f"exp{i}", epochs=1)
    assert calls == []
    said = [r.getMessage() for r in caplog.records if "Ultralytics' own" in r.getMessage()]
    assert [m.split(" switched off")[0] for m in said] == ["Ultralytics' own mlflow integration is"] * 2


def test_only_the_loaded_config_may_set_the_tracking_uri(tmp_path: Path) -> None:
    (tmp_path / "team.yaml").write_text(
        "version: 1\nextends: minimal\nsink: {mlflow: {tracking_uri: 'http://evil.example:5000'}}\n"
    )
    (tmp_path / "hooks.yaml").write_text("version: 1\nextends: ./team.yaml\n")
    with pytest.raises(ConfigError, match=r"team\.yaml:3:\d+: .*a preset may not choose the tracking server"):
        hooks.load(tmp_path / "hooks.yaml")


def test_switching_off_every_tracker_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"every tracker is switched off \(neptune: false\)"):
        hooks.loads("version: 1\nextends: minimal\nsink: {neptune: false}\n")


def test_false_switches_off_a_parents_tracker_and_explain_says_where_things_go() -> None:
    compiled = hooks.loads("version: 1\nextends: default\nsink: {neptune: false, mlflow: {}}\n")
    assert "MLflow run" in compiled.config.sink.describe()
    assert "Neptune" not in compiled.config.sink.describe()
    both = hooks.loads("version: 1\nextends: default\nsink: {mlflow: {}}\n")
    described = both.config.sink.describe()
    assert "a Neptune run" in described and "an MLflow run" in described


def test_a_sqlite_stores_artifacts_stay_beside_its_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MLflow's own default puts them in ./mlruns of whatever folder the process runs in."""
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    uri = f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"
    (tmp_path / "store").mkdir()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    (tmp_path / "hooks.yaml").write_text("version: 1\nextends: default\nsink: {neptune: false, mlflow: {}}\n")
    simulate_training(dict(hooks.load(tmp_path / "hooks.yaml")), tmp_path / "runs" / "exp", epochs=1)
    assert list((tmp_path / "store" / "mlruns").rglob("best.pt"))
    assert not (tmp_path / "elsewhere" / "mlruns").exists()


def test_register_makes_the_weights_a_version_of_a_registered_model_once(
    tmp_path: Path, mlflow_server: MlflowServer
) -> None:
    extra = (
        "events:\n  on_train_end:\n"
        '    - upload: {from: best, to: "weights/{file.name}", register: yolo-detector, id: best-weights}\n'
    )
    train(config(mlflow_server.uri, "registry", extra), tmp_path, epochs=1)
    client = mlflow_server.client()
    run = only_run(client, "registry")
    versions = client.search_model_versions("name = 'yolo-detector'")
    # The weights as a pyfunc model beside them (tests/unit/sinks/test_mlflow_models.py).
    assert [(v.source, v.run_id) for v in versions] == [
        (f"runs:/{run.info.run_id}/weights/best_model", run.info.run_id)
    ]
    # Sent again (a resend after a crash between sending and noting it): no second version.
    from hooks.sinks.mlflow.sender import Sender
    from hooks.sinks.mlflow.spool import Spool

    spool = Spool(tmp_path / "again")
    spool.write_run({"tracking_uri": mlflow_server.uri, "run_id": run.info.run_id})
    Sender(spool).send([{"r": ["weights/best.pt", "yolo-detector"]}])
    assert len(client.search_model_versions("name = 'yolo-detector'")) == 1


def test_explain_says_which_tracker_registers_the_model() -> None:
    compiled = hooks.loads(
        "version: 1\nevents:\n  on_train_end:\n    - upload: {from: best, to: w/best.pt, register: yolo}\n"
    )
    (spec,) = compiled.config.events["on_train_end"]
    from hooks.actions.registry import KINDS

    assert "register it as a new version of the model 'yolo' (MLflow; other trackers keep the file only)" in (
        KINDS["upload"].explain(spec)
    )


def test_a_drain_that_times_out_keeps_every_operation_in_the_spool(tmp_path: Path) -> None:
    """The end gives up at once (drain_seconds: 0, no server): whatever the sender thread was
    doing, everything logged is in the spool, ending with the run's end, and the thread lives on
    without error."""
    dead = f"http://127.0.0.1:{free_port()}"
    text = config(dead, "gone").replace("drain_seconds: 20", "drain_seconds: 0")
    for attempt in range(8):  # the thread is caught at a different point each time
        (tmp_path / str(attempt)).mkdir()
        trainer = train(text, tmp_path / str(attempt), epochs=3)
        (folder,) = (trainer.save_dir / ".yaml-hooks" / "mlflow").glob("*")
        ops = Spool(folder).read_ops()
        points = [p for op in ops if "m" in op for p in op["m"] if p[0] == "train/box_loss"]
        assert [p[3] for p in points] == [1, 2, 3], attempt
        assert "end" in ops[-1], attempt


def test_the_reachability_probe_leaves_credentials_out_of_the_address(mlflow_server: MlflowServer) -> None:
    """urllib takes `user:password@` for part of the host name ("Name or service not known"): the
    probe asks /health of the server itself, and still tells a closed port."""
    from hooks.sinks.mlflow.sender import unreachable

    with_login = mlflow_server.uri.replace("http://", "http://alice:s3cret@")
    assert with_login != mlflow_server.uri
    assert unreachable(with_login, 5.0) is None
    closed = unreachable(f"http://alice:s3cret@127.0.0.1:{free_port()}", 5.0)
    assert closed is not None and "s3cret" not in closed and "refused" in closed.lower()


def test_a_drain_that_ends_mid_send_counts_exactly_what_is_not_sent(
    tmp_path: Path, mlflow_server: MlflowServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 23: the end said "30134 metric points are not sent yet" where MLflow held 30,000 of
    them (the sender's progress was counted only when a whole round returned). The count is what
    MLflow lacks, give or take the one batch (1,000 points) in flight when the wait ended."""
    extra = "events:\n  on_train_batch_end:\n    - scalars: {from: train_losses, prefix: batch/}\n"
    text = config(mlflow_server.uri, "drain", extra).replace("drain_seconds: 20", "drain_seconds: 1")
    caplog.set_level(logging.INFO)
    trainer = train(text, tmp_path, epochs=10, batches=1000)
    (said,) = [r.getMessage() for r in caplog.records if "of this run are not sent yet" in r.getMessage()]
    unsent = int(said.split("MLflow: ", 1)[1].split(" metric points", 1)[0].replace(",", ""))
    time.sleep(3)  # the batch in flight when the wait ended lands, or not
    (folder,) = (trainer.save_dir / ".yaml-hooks" / "mlflow").glob("*")
    logged = sum(len(op["m"]) for op in Spool(folder).read_ops() if "m" in op)  # every point the run logged
    client = mlflow_server.client()
    run = only_run(client, "drain")
    held = sum(len(client.get_metric_history(run.info.run_id, k)) for k in run.data.metrics)
    assert logged >= 30_000 and 0 < held < logged, (held, logged)
    assert logged - held <= unsent <= logged - held + 1000, (said, held, logged)


def test_a_sender_epochs_behind_is_said_once_while_the_training_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 23: nothing told a user how far behind the sender was until the training ended."""
    from hooks.sinks.mlflow import sink as sink_module

    monkeypatch.setattr(sink_module, "LAG_SECONDS", 0.0)  # a stand-in's epochs take milliseconds
    dead = f"http://127.0.0.1:{free_port()}"
    text = config(dead, "behind").replace("drain_seconds: 20", "drain_seconds: 0")
    said: list[int] = []

    def epoch_end(trainer: Any) -> None:  # after yaml-hooks' own: which epoch heard it
        said.extend([trainer.epoch + 1] * sum("epochs behind" in r.getMessage() for r in caplog.records))

    (tmp_path / "hooks.yaml").write_text(text)
    compiled = dict(hooks.load(tmp_path / "hooks.yaml"))
    callbacks = {**compiled, "on_fit_epoch_end": [compiled["on_fit_epoch_end"], epoch_end]}
    simulate_training(callbacks, tmp_path / "runs" / "exp", epochs=6)
    behind = [r.getMessage() for r in caplog.records if "epochs behind" in r.getMessage()]
    assert len(behind) == 1 and dead in behind[0] and "hooks sync --status" in behind[0], behind
    assert said and said[0] <= sink_module.LAG_EPOCHS + 2  # during the training, not at its end


def test_a_sender_that_keeps_up_says_nothing(
    tmp_path: Path, mlflow_server: MlflowServer, caplog: pytest.LogCaptureFixture
) -> None:
    train(config(mlflow_server.uri, "keeps-up"), tmp_path, epochs=6)
    assert "epochs behind" not in caplog.text


def test_the_senders_own_log_batch_body_stores_what_mlflows_client_stores(
    tmp_path: Path, mlflow_server: MlflowServer
) -> None:
    """On a tracking server the sender writes the log-batch body itself (no protobuf): the same
    values, steps and timestamps land as through MlflowClient.log_batch, NaN and ±inf included,
    params and a tag cut at MLflow's 8,000 characters likewise."""
    import math

    from mlflow.entities import Metric, Param, RunTag

    from hooks.sinks.mlflow.sender import Sender

    client = mlflow_server.client()
    experiment = client.create_experiment("own-log-batch")
    points = [
        ("loss", 0.5, 1_700_000_000_001, 0),
        ("loss", float("nan"), 1_700_000_000_002, 1),
        ("loss", float("inf"), 1_700_000_000_003, 2),
        ("loss", float("-inf"), 1_700_000_000_004, 3),
        ("loss", -1.25e-300, 1_700_000_000_005, 2**40),
        ("metrics/mAP50-95B", 1e308, 1_700_000_000_006, -1),
    ]
    params = {"lr0": "0.01", "name": "exp"}
    tags = {"note": "x" * 9000}
    theirs = client.create_run(experiment).info.run_id
    client.log_batch(
        theirs,
        metrics=[Metric(k, v, ts, step) for k, v, ts, step in points],
        params=[Param(k, v) for k, v in params.items()],
        tags=[RunTag(k, v[:8000]) for k, v in tags.items()],
    )
    ours = client.create_run(experiment).info.run_id
    spool = Spool(tmp_path / "spool")
    spool.write_run({"tracking_uri": mlflow_server.uri, "experiment": "own-log-batch", "run_id": ours, "tags": {}})
    sender = Sender(spool)
    assert sender._log_batch_endpoint() is not None  # the server's path, not the client's fallback
    assert sender.send([{"m": [list(p) for p in points]}, {"p": params}, {"t": tags}]) == 3

    def stored(run_id: str) -> tuple[Any, ...]:
        run = client.get_run(run_id).data
        series = {
            key: [(m.step, m.timestamp, "nan" if math.isnan(m.value) else m.value) for m in history]
            for key in ("loss", "metrics/mAP50-95B")
            for history in [client.get_metric_history(run_id, key)]
        }
        return series, run.params, {k: v for k, v in run.tags.items() if not k.startswith("mlflow.")}

    assert stored(ours) == stored(theirs)
    series, got_params, got_tags = stored(ours)
    assert series["loss"] == [
        (0, 1_700_000_000_001, 0.5),
        (1, 1_700_000_000_002, "nan"),
        (2, 1_700_000_000_003, 1.7976931348623157e308),  # MLflow's SQL store keeps ±inf as ±the largest float
        (3, 1_700_000_000_004, -1.7976931348623157e308),
        (2**40, 1_700_000_000_005, -1.25e-300),
    ]
    assert series["metrics/mAP50-95B"] == [(-1, 1_700_000_000_006, 1e308)]
    assert got_params == params and got_tags == {"note": "x" * 8000}
