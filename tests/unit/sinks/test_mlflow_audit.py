"""MLflow promises a deliberate-bug audit found no test for (issue 23, "The suite must catch
these"): a resumed run is RUNNING while its second part trains; the end's drain retries a server
that blips within drain_seconds; points logged without a step count on per series; `hooks sync`
resumes after what was sent; a new training in an existing save_dir is a new run. Against the
session's real `mlflow server` (tests/mlflow_server.py), read back with MlflowClient; the
trainings are the shipped stand-in."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import hooks
from hooks.sinks.mlflow.sender import sync
from hooks.sinks.mlflow.sink import MlflowSink
from hooks.sinks.mlflow.spool import SPOOL_DIR, Spool
from hooks.testing import simulate_training
from hooks.testing.standin import StandInTrainer
from tests.mlflow_server import MlflowServer, free_port
from tests.unit.sinks.test_mlflow_sink import artifacts, config, history, only_run

Callbacks = dict[str, Any]


def compiled(text: str, tmp_path: Path) -> Callbacks:
    (tmp_path / "hooks.yaml").write_text(text)
    return dict(hooks.load(tmp_path / "hooks.yaml"))


def steps(client: Any, run_id: str, key: str) -> list[int]:
    return [step for step, _ in history(client, run_id, key)]


def runs_of(client: Any, experiment: str) -> list[Any]:
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no experiment {experiment}"
    return sorted(client.search_runs([found.experiment_id]), key=lambda r: r.info.start_time)


def wait_for(what: str, check: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.1)


# ---------------------------------------------------------------- 1. a resumed run is RUNNING
def test_a_resumed_run_is_running_while_its_second_part_trains_and_finished_at_its_end(
    tmp_path: Path, mlflow_server: MlflowServer
) -> None:
    """Part 1 ends the run FINISHED; part 2 (Ultralytics' resume: same save_dir, resume=True)
    continues it, so MLflow shows it RUNNING once part 2's first points are in, until its end."""
    callbacks = compiled(config(mlflow_server.uri, "audit-running"), tmp_path)
    save_dir = tmp_path / "runs" / "exp"
    simulate_training(callbacks, save_dir, epochs=2)
    client = mlflow_server.client()
    run_id = only_run(client, "audit-running").info.run_id
    assert client.get_run(run_id).info.status == "FINISHED"

    seen: dict[int, str] = {}  # epoch (1-based) of part 2 -> the run's status once its points are in

    def status_once_sent(trainer: Any) -> None:  # after yaml-hooks' own on_fit_epoch_end
        epoch = int(trainer.epoch) + 1
        if epoch > trainer.epochs:  # the final validation's: no training point at its step
            return
        wait_for(f"train/box_loss at step {epoch}", lambda: epoch in steps(client, run_id, "train/box_loss"))
        seen[epoch] = client.get_run(run_id).info.status

    trainer = StandInTrainer(save_dir, epochs=4, overrides={"resume": True})
    trainer.start_epoch, trainer.resume = 2, True
    for event, callback in callbacks.items():
        trainer.add_callback(event, callback)
    trainer.add_callback("on_fit_epoch_end", status_once_sent)
    trainer.train()

    assert seen == {3: "RUNNING", 4: "RUNNING"}
    run = only_run(client, "audit-running")
    assert run.info.status == "FINISHED" and run.data.tags["yaml_hooks.part"] == "2"
    assert steps(client, run_id, "train/box_loss") == [1, 2, 3, 4]


# ---------------------------------------------------------------- 2. the drain retries a blip
class Blip:
    """A TCP forwarder to a server that can stop answering for a while, as a server restarting
    or a network hiccup does: while down, a connection is refused and open ones are cut."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            cut, self._open = self._open, []
        for s in cut:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def down_for(self, seconds: float) -> None:
        self.down()
        threading.Timer(seconds, self.up).start()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream))
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            with self._lock:
                self._open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    @contextlib.contextmanager
    def running(self) -> Iterator[Blip]:
        self.up()
        try:
            yield self
        finally:
            self.down()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)


BLIP_SECONDS = 2.0
DRAIN_SECONDS = 20


def test_the_drain_retries_a_server_that_blips_at_the_end_and_every_point_lands_without_sync(
    tmp_path: Path, mlflow_server: MlflowServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The server stops answering as on_train_end begins, once every epoch is sent (before
    yaml-hooks' own callbacks: its uploads and the run's end are queued while it is down, and the
    sender's first try fails), and answers again 2 s later. The end waits and retries within
    drain_seconds: everything lands, the run is FINISHED, no spool is left, and the end took less
    than drain_seconds."""
    with Blip(mlflow_server.port).running() as blip:
        callbacks = compiled(config(blip.uri, "audit-blip"), tmp_path)
        times: list[float] = []

        def blip_now(trainer: Any) -> None:  # once the sender has sent all the epochs: it is idle
            (folder,) = (trainer.save_dir / SPOOL_DIR).glob("*")
            spool = Spool(folder)
            wait_for("the sender to catch up", lambda: spool.sent() == len(spool.read_ops()))
            times.append(time.monotonic())
            blip.down_for(BLIP_SECONDS)

        def ended(trainer: Any) -> None:  # after yaml-hooks' on_train_end, which drained the sender
            times.append(time.monotonic())

        on_train_end = [blip_now, callbacks.pop("on_train_end"), ended]
        trainer = simulate_training({**callbacks, "on_train_end": on_train_end}, tmp_path / "runs" / "exp", epochs=3)
        client = mlflow_server.client()
        run = only_run(client, "audit-blip")
        assert run.info.status == "FINISHED"
        assert steps(client, run.info.run_id, "train/box_loss") == [1, 2, 3]
        assert steps(client, run.info.run_id, "metrics/mAP50B") == [1, 2, 3, 4]
        assert {"weights/exp/best.pt", "Plots/results.png"} <= set(artifacts(client, run.info.run_id))
    assert not list((trainer.save_dir / SPOOL_DIR).glob("*")), "a spool is left for `hooks sync`"
    assert "not sent yet" not in caplog.text
    assert BLIP_SECONDS <= times[1] - times[0] < DRAIN_SECONDS


# ---------------------------------------------------------------- 3. no step: a counter per series
def test_points_without_a_step_count_on_from_0_per_series_in_the_sink(
    tmp_path: Path, mlflow_server: MlflowServer
) -> None:
    """Sink.append(path, value, None): the tracker's own counter, one per series, from 0; a point
    with a step does not move it."""
    spool = Spool(tmp_path / "spool")
    spool.write_run({"tracking_uri": mlflow_server.uri, "experiment": "audit-no-step", "name": "direct", "tags": {}})
    sink = MlflowSink(spool, drain_seconds=DRAIN_SECONDS)
    for value in (0.5, 0.25, 0.125):
        sink.append("loss", value, None)
    sink.append("acc", 0.1, None)
    sink.append("acc", 0.9, 10)
    sink.append("acc", 0.2, None)
    sink.flush()
    sink.stop()
    client = mlflow_server.client()
    run_id = only_run(client, "audit-no-step").info.run_id
    assert history(client, run_id, "loss") == [(0, 0.5), (1, 0.25), (2, 0.125)]
    assert history(client, run_id, "acc") == [(0, 0.1), (1, 0.2), (10, 0.9)]


def test_scalars_with_step_auto_land_at_0_1_2_not_all_at_0(tmp_path: Path, mlflow_server: MlflowServer) -> None:
    extra = "events:\n  on_train_epoch_end: [{scalars: {from: train_losses, to: auto, step: auto}}]\n"
    simulate_training(compiled(config(mlflow_server.uri, "audit-auto", extra), tmp_path), tmp_path / "runs" / "exp")
    client = mlflow_server.client()
    run_id = only_run(client, "audit-auto").info.run_id
    assert steps(client, run_id, "auto/train/box_loss") == [0, 1, 2]
    assert steps(client, run_id, "auto/train/cls_loss") == [0, 1, 2]
    assert steps(client, run_id, "train/box_loss") == [1, 2, 3]  # the preset's own, at the epoch


# ---------------------------------------------------------------- 4. `hooks sync` resumes
def partly_sent_spool(save_dir: Path, uri: str, experiment: str) -> Spool:
    """A spool as a training leaves it when the server went away mid-run: its first two operations
    sent (a point, and a rendered figure whose copy in blobs/ is deleted once sent), the rest not."""
    spool = Spool(save_dir / SPOOL_DIR / "partly")
    spool.write_run({"tracking_uri": uri, "experiment": experiment, "name": "partly", "tags": {}, "start_ms": 1000})
    figure = spool.blob("0-plot.png")
    figure.write_bytes(b"\x89PNG\r\n\x1a\nfigure")
    ops: list[dict[str, Any]] = [
        {"m": [["loss", 0.5, 1000, 1]]},
        {"a": ["Plots", "plot.png", str(figure), True]},
        {"m": [["loss", 0.25, 2000, 2]]},
        {"p": {"lr": "0.01"}},
        {"end": "FINISHED", "ts": 3000},
    ]
    spool.append(ops)
    spool.close()
    from hooks.sinks.mlflow.sender import Sender

    assert Sender(spool).send(ops[:2]) == 2
    assert spool.sent() == 2 and not figure.exists()
    return spool


def test_hooks_sync_resumes_after_what_was_sent_and_a_second_sync_sends_nothing(
    tmp_path: Path, mlflow_server: MlflowServer
) -> None:
    """Resent from its first operation, the figure's copy (deleted once sent) would be "gone" and
    the spool kept with a refusal; the operations already sent are not sent again."""
    spool = partly_sent_spool(tmp_path / "runs" / "exp", mlflow_server.uri, "audit-sync")
    done, lines = sync(spool.folder, mlflow_server.uri)
    assert done, lines
    assert f"{spool.folder}: sent 1 metric points, 1 params and the run's end to run " in lines, lines
    assert not spool.folder.exists()
    again = sync(spool.folder, mlflow_server.uri)
    assert again == (False, f"{spool.folder}: not an MLflow spool of yaml-hooks (no run.json)")
    client = mlflow_server.client()
    run = only_run(client, "audit-sync")
    assert history(client, run.info.run_id, "loss") == [(1, 0.5), (2, 0.25)]
    assert artifacts(client, run.info.run_id) == {"Plots/plot.png": 14}
    assert run.data.params == {"lr": "0.01"} and run.info.status == "FINISHED" and run.info.end_time == 3000


# ---------------------------------------------------------------- 5. exist_ok: a new run
def test_a_new_training_in_an_existing_save_dir_is_a_new_mlflow_run_not_a_second_part(
    tmp_path: Path, mlflow_server: MlflowServer
) -> None:
    """Ultralytics' exist_ok=True trains again into the same save_dir without resuming: its
    runs.json is there, yet only a resumed training continues the run it names."""
    callbacks = compiled(config(mlflow_server.uri, "audit-exist-ok"), tmp_path)
    for _ in range(2):
        simulate_training(callbacks, tmp_path / "runs" / "exp", epochs=2, overrides={"exist_ok": True})
    client = mlflow_server.client()
    runs = runs_of(client, "audit-exist-ok")
    assert [r.data.tags["yaml_hooks.part"] for r in runs] == ["1", "1"]  # not one run with part "2"
    first, second = runs
    assert first.data.tags["yaml_hooks.run_id"] != second.data.tags["yaml_hooks.run_id"]
    assert [r.info.status for r in (first, second)] == ["FINISHED", "FINISHED"]
    assert steps(client, first.info.run_id, "train/box_loss") == [1, 2]
    assert steps(client, second.info.run_id, "train/box_loss") == [1, 2]
