"""What MLflow refuses for good never loses a run: the refused field or operation is left out with
one warning, listed with MLflow's reason in the spool's rejected.jsonl, and everything else arrives
(docs/reliability.md). Against a real `mlflow server`; trainings are the shipped stand-in. Also:
names in MLflow's filter strings (a training id, a registered model's name) are quoted."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import hooks
from hooks.sinks.mlflow import names
from hooks.sinks.mlflow.names import equals
from hooks.sinks.mlflow.sender import TRAINING_TAG, Sender
from hooks.sinks.mlflow.spool import Spool
from hooks.testing.standin import StandInTrainer
from tests.mlflow_server import MlflowServer
from tests.unit.sinks.test_mlflow_sink import artifacts, config, history, only_run, train

HOOKS = str(Path(sys.executable).parent / "hooks")


def rejected(save_dir: Path) -> list[dict[str, Any]]:
    (spool,) = (save_dir / ".yaml-hooks" / "mlflow").glob("*")
    return [json.loads(line) for line in (spool / "rejected.jsonl").read_text().splitlines()]


def sync(uri: str, where: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([HOOKS, "sync", "--tracking-uri", uri, str(where)], capture_output=True, text=True)
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


def test_a_tag_mlflow_refuses_at_the_runs_creation_is_left_out_and_the_run_goes_on(
    tmp_path: Path, mlflow_server: MlflowServer, caplog: pytest.LogCaptureFixture
) -> None:
    """`mlflow.runName` in `tags:` beside a run name: MLflow refuses the whole create_run. The run
    is made without that tag, every point lands, rejected.jsonl says which tag and why."""
    caplog.set_level(logging.WARNING, logger="hooks")
    text = config(mlflow_server.uri, "refused-tag").replace(
        "drain_seconds: 20", "drain_seconds: 20, tags: {mlflow.runName: other, team: vision}"
    )
    trainer = train(text, tmp_path, epochs=3)
    client = mlflow_server.client()
    run = only_run(client, "refused-tag")
    assert run.info.run_name == "exp" and run.info.status == "FINISHED"
    assert run.data.tags["team"] == "vision"  # the tag MLflow takes is there
    assert [s for s, _ in history(client, run.info.run_id, "train/box_loss")] == [1, 2, 3]
    assert [s for s, _ in history(client, run.info.run_id, "metrics/mAP50B")] == [1, 2, 3, 4]
    assert "weights/exp/best.pt" in artifacts(client, run.info.run_id)
    (entry,) = rejected(trainer.save_dir)
    assert entry["op"] == {"t": {"mlflow.runName": "other"}}
    assert "Both 'run_name' argument and 'mlflow.runName' tag are specified" in entry["reason"]
    said = [r.getMessage() for r in caplog.records if "MLflow refused the tag 'mlflow.runName'" in r.getMessage()]
    assert len(said) == 1 and "the run goes on without it" in said[0]
    # `hooks sync` over it afterwards: no traceback, nothing sent twice, the refusal reported.
    again = sync(mlflow_server.uri, trainer.save_dir)
    assert "rejected.jsonl" in again.stdout, again.stdout
    assert len(client.get_metric_history(run.info.run_id, "train/box_loss")) == 3


@pytest.mark.slow  # a server of its own, started after the training
def test_hooks_sync_makes_the_run_without_the_refused_tag(tmp_path: Path) -> None:
    """The server is down during the training, so the spool holds the run to make; `hooks sync`
    used to end in a _Refused traceback every time. Now it makes the run and sends everything."""
    server = MlflowServer(tmp_path / "server")
    text = config(server.uri, "refused-sync").replace(
        "drain_seconds: 20", "drain_seconds: 1, tags: {mlflow.runName: other}"
    )
    trainer = train(text, tmp_path, epochs=2)
    with server:
        done = sync(server.uri, tmp_path / "runs")
        assert "rejected.jsonl" in done.stdout and "metric points" in done.stdout, done.stdout
        client = server.client()
        run = only_run(client, "refused-sync")
        assert run.info.run_name == "exp" and run.info.status == "FINISHED"
        assert [s for s, _ in history(client, run.info.run_id, "train/box_loss")] == [1, 2]
        assert [s for s, _ in history(client, run.info.run_id, "metrics/mAP50B")] == [1, 2, 3]
        (entry,) = rejected(trainer.save_dir)
        assert entry["op"] == {"t": {"mlflow.runName": "other"}} and "mlflow.runName" in entry["reason"]
        twice = sync(server.uri, tmp_path / "runs")  # sends nothing again
        assert "Traceback" not in twice.stderr
        assert len(client.get_metric_history(run.info.run_id, "train/box_loss")) == 2


def test_an_operation_mlflow_refuses_mid_run_is_listed_and_the_others_arrive(
    tmp_path: Path, mlflow_server: MlflowServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A metric name MLflow refuses ('*': INVALID_PARAMETER_VALUE from the server), sent in the
    same batch as the epoch's other points. names.key never makes such a name, so it is made to
    here for one series. Each refused point is in rejected.jsonl with MLflow's reason, said once;
    the other series of the same batches, the files and the run's end arrive."""
    caplog.set_level(logging.INFO, logger="hooks")
    real = names.key
    monkeypatch.setattr(names, "key", lambda path: "train/box*loss" if path == "train/box_loss" else real(path))
    trainer = train(config(mlflow_server.uri, "refused-op"), tmp_path, epochs=3)
    client = mlflow_server.client()
    run = only_run(client, "refused-op")
    assert run.info.status == "FINISHED"
    assert "train/box*loss" not in run.data.metrics
    assert [s for s, _ in history(client, run.info.run_id, "train/cls_loss")] == [1, 2, 3]
    assert [s for s, _ in history(client, run.info.run_id, "metrics/mAP50B")] == [1, 2, 3, 4]
    assert "weights/exp/best.pt" in artifacts(client, run.info.run_id)
    entries = rejected(trainer.save_dir)
    assert [e["op"]["m"][0][3] for e in entries] == [1, 2, 3]
    assert all(e["op"]["m"][0][0] == "train/box*loss" and "Invalid value" in e["reason"] for e in entries)
    said = [r.getMessage() for r in caplog.records if "MLflow refused the metric 'train/box*loss'" in r.getMessage()]
    assert len(said) == 1
    assert "MLflow refused 3 operation(s)" in caplog.text


# ---------------------------------------------------------------- names in filter strings
QUOTED = ["plain", "it's", 'say "hi"', "both ' and \"", "back\\slash", "x' OR '1'='1"]


@pytest.fixture(scope="module")
def quoted_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str]:
    """A SQLite store with a run per value (and one more), each value in two tags."""
    from mlflow import MlflowClient

    client = MlflowClient(f"sqlite:///{tmp_path_factory.mktemp('quotes') / 'mlflow.db'}")
    experiment = client.create_experiment("quotes")
    for other in [*QUOTED, "other"]:
        client.create_run(experiment, tags={TRAINING_TAG: other, "we`ird": other})
    return client, experiment


@pytest.mark.parametrize("value", QUOTED)
def test_a_filter_finds_exactly_the_value_whatever_its_quotes(quoted_store: tuple[Any, str], value: str) -> None:
    client, experiment = quoted_store
    for key in (TRAINING_TAG, "we`ird"):
        query, exact = equals("tags", key, value)
        found = client.search_runs([experiment], filter_string=query)
        kept = [r.data.tags[key] for r in found if exact or r.data.tags[key] == value]
        assert kept == [value], (query, [r.data.tags[key] for r in found])


def test_a_resumed_training_with_a_quote_in_its_id_finds_its_run(tmp_path: Path, mlflow_server: MlflowServer) -> None:
    """The training id comes from run.json and runs.json (any text): a quote in it no longer breaks
    the filter that finds the run a resumed part continues."""
    text = config(mlflow_server.uri, "quoted-id")
    save_dir = tmp_path / "runs" / "exp"
    (tmp_path / "hooks.yaml").write_text(text)
    state = save_dir / ".yaml-hooks" / "runs.json"
    state.parent.mkdir(parents=True)
    for part, epochs in ((1, 2), (2, 3)):
        state.write_text(json.dumps({"mlflow": {"run_id": 'o\'neil "x"', "part": part - 1}}))
        trainer = StandInTrainer(save_dir, epochs=epochs, overrides={"resume": part > 1})
        trainer.start_epoch, trainer.resume = epochs - (1 if part > 1 else epochs), True
        for event, callback in dict(hooks.load(tmp_path / "hooks.yaml")).items():
            trainer.add_callback(event, callback)
        trainer.train()
    client = mlflow_server.client()
    run = only_run(client, "quoted-id")
    assert run.data.tags[TRAINING_TAG] == 'o\'neil "x"' and run.data.tags["yaml_hooks.part"] == "2"
    assert [s for s, _ in history(client, run.info.run_id, "train/box_loss")] == [1, 2, 3]


def test_a_registered_model_with_a_quote_in_its_name_gets_one_version(
    tmp_path: Path, mlflow_server: MlflowServer
) -> None:
    extra = (
        "events:\n  on_train_end:\n"
        '    - upload: {from: best, to: "weights/{file.name}", register: "bob\'s \\"yolo\\"", id: best-weights}\n'
    )
    train(config(mlflow_server.uri, "quoted-model", extra), tmp_path, epochs=1)
    client = mlflow_server.client()
    run = only_run(client, "quoted-model")
    model = 'bob\'s "yolo"'
    versions = [v for v in client.search_model_versions(f"run_id = '{run.info.run_id}'") if v.name == model]
    assert [v.source for v in versions] == [f"runs:/{run.info.run_id}/weights/best_model"]  # a pyfunc model
    spool = Spool(tmp_path / "again")
    spool.write_run({"tracking_uri": mlflow_server.uri, "run_id": run.info.run_id})
    Sender(spool).send([{"r": ["weights/best.pt", model]}])  # a resend: no second version
    assert len([v for v in client.search_model_versions(f"run_id = '{run.info.run_id}'") if v.name == model]) == 1
