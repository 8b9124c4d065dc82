"""`hooks export --to mlflow`: real Neptune offline runs (a stand-in training logged by the
`default` preset, and runs written by the neptune client itself for what a training never makes)
replayed into a real MLflow tracking server on 127.0.0.1, and read back from it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hooks
from hooks.cli import main
from hooks.runs import Run as RunLog
from hooks.runs.neptune.read import find_run_groups, find_runs, read_run
from hooks.runs.replay import ReplayResult, replay
from hooks.sinks.mlflow.replay import MlflowTarget
from hooks.testing.standin import simulate_training
from tests.conftest import REPO
from tests.mlflow_server import MlflowServer, free_port
from tests.unit.sinks.test_mlflow_sink import ARTIFACTS, METRIC_KEYS

# A Neptune run's own namespaces and yaml-hooks': tags in MLflow, never params.
SYSTEM = ("sys/", "monitoring/", "source_code/", "yaml_hooks/")
# The stand-in training's fields that are params (not SYSTEM), and the one MLflow names otherwise.
OWN_FIELDS = 117
PARAM_KEYS = {"Configuration/Model/model/speed_PyTorch(ms)": "Configuration/Model/model/speed_PyTorchms"}
# MLflow's SQL store, used in this process by the tests without a server, still uses a loader
# strategy SQLAlchemy 2.1 deprecates.
SQLITE_IN_PROCESS = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated:DeprecationWarning")
EXPORT_TAG = "yaml_hooks.neptune_run"  # the tag that marks an MLflow run as a Neptune run's export
EXPORTED = re.compile(r"exported (\w{8}) -> ([0-9a-f]{32}) \((\d+) series, (\d+) points, (\d+) files, (\d+) params\)")


# --------------------------------------------------------------------------
# Fixtures: one server and one stand-in training for the module


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    mlflow_server = MlflowServer(tmp_path_factory.mktemp("mlflow")).start()
    yield mlflow_server
    mlflow_server.stop()


PYTEST_DIR = Path(pytest.__file__).parent


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> RunLog:
    """A 3-epoch stand-in training logged by the `default` preset to a real Neptune offline run
    (hardware monitoring and git off: they only add machine- and checkout-dependent fields, such as
    a source_code/diff file when the working tree has changes)."""
    work = tmp_path_factory.mktemp("standin")
    config = work / "quiet.yaml"
    config.write_text(
        "version: 1\nextends: default\nsink: {neptune: {capture: {hardware_metrics: false, git: false}}}\n"
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEPTUNE_DATA_DIRECTORY", str(work / ".neptune"))
        simulate_training(dict(hooks.load(config)), work / "runs" / "exp", epochs=3)
    (folder,) = find_runs(work / ".neptune")
    # Neptune's source capture names the entry point (pytest's, under .venv): a file outside the
    # training's folders, read only when the user trusts its folder (tests/unit/runs/test_run_trust.py).
    return read_run(folder, trusted=(PYTEST_DIR,))


@pytest.fixture(scope="module")
def exported(trained: RunLog, server: MlflowServer) -> tuple[ReplayResult, Any]:
    result = replay(trained, MlflowTarget(tracking_uri=server.uri, experiment="standin"))
    assert result.exported
    return result, server.client().get_run(result.copy_id)


def neptune_run(name: str, **kwargs: Any) -> Any:
    """An offline run in $NEPTUNE_DATA_DIRECTORY (conftest points it into tmp_path)."""
    import neptune

    quiet = {f"capture_{k}": False for k in ("stdout", "stderr", "hardware_metrics", "traceback")}
    return neptune.init_run(mode="offline", name=name, git_ref=False, source_files=[], **quiet, **kwargs)


def download(server: MlflowServer, run_id: str, dst: Path) -> Path:
    import mlflow.artifacts

    return Path(mlflow.artifacts.download_artifacts(run_id=run_id, dst_path=str(dst), tracking_uri=server.uri))


def artifacts_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def export_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()  # what came before (the neptune client's own messages)
    code = main(["export", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def runs_tagged(server: MlflowServer, experiment: str, neptune_id: str) -> list[Any]:
    client = server.client()
    found = client.get_experiment_by_name(experiment)
    assert found is not None
    return list(client.search_runs([found.experiment_id], filter_string=f"tags.`{EXPORT_TAG}` = '{neptune_id}'"))


# --------------------------------------------------------------------------
# The stand-in training


def test_every_float_series_arrives_with_its_exact_steps_values_and_timestamps(
    trained: RunLog, exported: tuple[ReplayResult, Any], server: MlflowServer
) -> None:
    result, mlflow_run = exported
    floats = trained.float_series()
    assert set(floats) == set(METRIC_KEYS)
    assert set(mlflow_run.data.metrics) == set(METRIC_KEYS.values())
    client = server.client()
    for path, metric in METRIC_KEYS.items():
        points = floats[path]
        assert all(p.step is not None and p.ts is not None for p in points), path
        history = client.get_metric_history(result.copy_id, metric)
        got = sorted((m.step, m.value, m.timestamp) for m in history)
        assert got == sorted((int(p.step), p.value, round(p.ts * 1000)) for p in points), path
    assert [m.step for m in client.get_metric_history(result.copy_id, "metrics/mAP50B")] == [1, 2, 3, 4]


def test_a_name_mlflow_refuses_arrives_without_what_it_refuses(
    trained: RunLog, exported: tuple[ReplayResult, Any], server: MlflowServer
) -> None:
    result, mlflow_run = exported
    assert "metrics/mAP50-95(B)" in trained.series
    assert "metrics/mAP50-95B" in mlflow_run.data.metrics
    assert not [k for k in mlflow_run.data.metrics if "(" in k or ")" in k]
    history = server.client().get_metric_history(result.copy_id, "metrics/mAP50-95B")
    assert [(m.step, m.value) for m in history] == [(p.step, p.value) for p in trained.series["metrics/mAP50-95(B)"]]
    assert mlflow_run.data.params["Configuration/Model/model/speed_PyTorchms"] == str(
        trained.fields["Configuration/Model/model/speed_PyTorch(ms)"]
    )


def test_every_uploaded_file_arrives_as_an_artifact_with_identical_bytes(
    trained: RunLog, exported: tuple[ReplayResult, Any], server: MlflowServer, tmp_path: Path
) -> None:
    result, _ = exported
    root = download(server, result.copy_id, tmp_path / "artifacts")
    assert len(trained.files) >= 10 and all(ref.exists for ref in trained.files.values())
    assert set(trained.files) == set(ARTIFACTS)
    expected: dict[str, Path] = {}
    for field, where in ARTIFACTS.items():
        local = trained.files[field].file_path
        assert local is not None
        expected[where] = local
    (source,) = trained.file_sets["source_code/files"]
    expected[f"source_code/files/{Path(source).name}"] = Path(source)
    texts = {f"{p}.txt" for p, pts in trained.series.items() if pts[0].kind == "string"}
    assert artifacts_under(root) == set(expected) | texts
    for where, local in expected.items():
        assert (root / where).read_bytes() == local.read_bytes(), where
    # Named as a reader of the MLflow UI expects, suffix and all:
    assert {"Plots/results.png", "Mosaic/train_batch0.jpg", "Validation/val_batch0_pred.jpg"} <= set(expected)
    assert result.files == len(expected) and result.missing == ()


def test_fields_become_params_and_the_trackers_own_fields_tags(
    trained: RunLog, exported: tuple[ReplayResult, Any]
) -> None:
    result, mlflow_run = exported
    params, tags = mlflow_run.data.params, mlflow_run.data.tags
    own = {k: v for k, v in trained.fields.items() if not k.startswith(SYSTEM)}
    assert len(own) == OWN_FIELDS and set(PARAM_KEYS) <= set(own)
    assert params == {PARAM_KEYS.get(k, k): str(v) for k, v in own.items()}
    assert params["Configuration/Hyperparameters/epochs"] == "3"
    assert params["Configuration/Hyperparameters/plots"] == "True"
    assert result.counts["params"] == len(params)
    # Neptune's and yaml-hooks' own fields are tags, never params.
    assert tags["yaml_hooks/run_id"] == trained.training_id and tags["yaml_hooks/part"] == "1"
    assert tags["sys/hostname"] == trained.fields["sys/hostname"]
    assert tags["source_code/entrypoint"] == trained.fields["source_code/entrypoint"]
    assert not [k for k in params if k.startswith(SYSTEM)]
    assert trained.tags == ("detect", "yolo") and tags["detect"] == tags["yolo"] == ""
    assert mlflow_run.info.run_name == "exp"
    assert tags[EXPORT_TAG] == trained.run_id and tags["yaml_hooks.neptune_parts"] == "1"
    assert mlflow_run.info.status == "FINISHED"
    created = trained.created
    assert created is not None
    from datetime import datetime

    assert mlflow_run.info.start_time == round(datetime.fromisoformat(created).timestamp() * 1000)
    last = max(p.ts for pts in trained.series.values() for p in pts if p.ts is not None)
    assert mlflow_run.info.end_time == round(last * 1000)


def test_a_second_export_leaves_one_run_and_force_replaces_it(
    trained: RunLog, server: MlflowServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = (str(trained.path), "--to", "mlflow", "--tracking-uri", server.uri, "--experiment", "twice")
    code, out, _ = export_cli(capsys, *argv)
    assert code == 0
    match = EXPORTED.match(out)
    assert match is not None, out
    first = match.group(2)
    assert match.group(1) == (trained.run_id or "")[:8]

    code, out, _ = export_cli(capsys, *argv)
    assert code == 0
    assert (
        out.splitlines()[0]
        == f"{match.group(1)} already exported as {first} in experiment 'twice' (--force replaces it)"
    )
    assert [r.info.run_id for r in runs_tagged(server, "twice", trained.run_id or "")] == [first]

    code, out, _ = export_cli(capsys, *argv, "--force")
    assert code == 0
    again = EXPORTED.match(out)
    assert again is not None and again.group(2) != first
    assert f"  replaced {first} (deleted)" in out.splitlines()
    assert [r.info.run_id for r in runs_tagged(server, "twice", trained.run_id or "")] == [again.group(2)]
    assert server.client().get_run(first).info.lifecycle_stage == "deleted"


def test_the_cli_line_counts_what_was_exported(
    trained: RunLog, server: MlflowServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = export_cli(
        capsys, str(trained.path), "--tracking-uri", server.uri, "--experiment", "counts", "--trust", str(PYTEST_DIR)
    )
    assert code == 0
    match = EXPORTED.match(out)
    assert match is not None, out
    series, points, files, params = (int(g) for g in match.groups()[2:])
    assert series == len(trained.series)
    assert points == sum(len(p) for p in trained.series.values())
    assert files == 15  # 14 uploaded files and the source file of source_code/files
    assert params == OWN_FIELDS
    assert out.splitlines()[-1].startswith("MLflow: experiment 'counts' (id ")


# --------------------------------------------------------------------------
# Runs written by the neptune client itself


def test_a_resumed_training_exports_as_one_run(
    neptune_dir: Path, server: MlflowServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Part 2 logs step 3 again (an epoch cut short in part 1): its point wins, as `hooks runs` reads it."""

    def part(n: int, points: list[tuple[int, float]]) -> None:
        run = neptune_run("resumed")
        run["yaml_hooks/run_id"], run["yaml_hooks/part"] = "abc", n
        for step, value in points:
            run["loss"].append(value, step=step)
        run[f"only_part{n}"] = n
        run.stop()

    argv = ("--all", "--dir", str(neptune_dir), "--tracking-uri", server.uri, "--experiment", "resumed")
    part(1, [(1, 1.0), (2, 2.0), (3, 99.0)])
    code, out, _ = export_cli(capsys, *argv)
    assert code == 0 and EXPORTED.match(out), out

    part(2, [(3, 3.0), (4, 4.0)])
    (parts,) = find_run_groups(neptune_dir)
    assert len(parts) == 2
    code, out, _ = export_cli(capsys, *argv)
    assert code == 0 and "already exported as" in out.splitlines()[0]
    assert "  note: it was exported with 1 part(s) and has 2 now; --force exports it again" in out.splitlines()

    code, out, _ = export_cli(capsys, *argv, "--force")
    assert code == 0
    match = EXPORTED.match(out)
    assert match is not None, out
    client = server.client()
    experiment = client.get_experiment_by_name("resumed")
    assert experiment is not None
    (only,) = client.search_runs([experiment.experiment_id])
    assert only.info.run_id == match.group(2)
    history = client.get_metric_history(only.info.run_id, "loss")
    assert sorted((m.step, m.value) for m in history) == [(1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0)]
    assert (only.data.params["only_part1"], only.data.params["only_part2"]) == ("1", "2")
    assert only.data.tags["yaml_hooks.neptune_parts"] == "2" and only.data.tags["yaml_hooks/part"] == "2"
    assert only.data.tags[EXPORT_TAG] == read_run(parts).run_id == read_run(parts[0]).run_id


def test_a_file_deleted_since_the_training_is_reported_missing(
    neptune_dir: Path, server: MlflowServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept, gone = tmp_path / "kept.csv", tmp_path / "gone.png"
    kept.write_bytes(b"epoch,loss\n1,0.5\n")
    gone.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    run = neptune_run("deleted-file")
    run["data/kept"].upload(str(kept))
    run["data/gone"].upload(str(gone))
    run.stop()
    gone.unlink()  # Neptune offline recorded the path only

    code, out, err = export_cli(capsys, "--dir", str(neptune_dir), "--tracking-uri", server.uri, "--experiment", "gone")
    assert code == 0, err
    match = EXPORTED.match(out)
    assert match is not None and match.group(5) == "1", out
    assert f"  missing: data/gone ({gone} is not there any more)" in out.splitlines()
    root = download(server, match.group(2), tmp_path / "artifacts")
    assert artifacts_under(root) == {"data/kept.csv"}
    assert (root / "data" / "kept.csv").read_bytes() == kept.read_bytes()


def test_string_series_become_text_artifacts_and_points_without_steps_count_on(
    neptune_dir: Path, server: MlflowServer, tmp_path: Path
) -> None:
    run = neptune_run("strings")
    run["log/lines"].append("first")
    run["log/lines"].append("second\n")
    run["log/lines"].append("third")
    for value in (0.5, 0.25, 0.125):
        run["no_steps"].append(value)  # Neptune numbers them 0, 1, 2
    run.stop()
    (folder,) = find_runs(neptune_dir)
    log = read_run(folder)
    assert [p.step for p in log.series["no_steps"]] == [None, None, None]

    result = replay(log, MlflowTarget(tracking_uri=server.uri, experiment="strings"))
    assert (result.series, result.points) == (2, 6)
    root = download(server, result.copy_id, tmp_path / "artifacts")
    assert (root / "log" / "lines.txt").read_text(encoding="utf-8") == "first\nsecond\nthird\n"
    history = server.client().get_metric_history(result.copy_id, "no_steps")
    assert sorted((m.step, m.value) for m in history) == [(0, 0.5), (1, 0.25), (2, 0.125)]


def test_a_field_longer_than_mlflow_takes_is_cut_and_kept_whole(
    neptune_dir: Path, server: MlflowServer, tmp_path: Path
) -> None:
    long_text = "".join(f"line {i}\n" for i in range(1000))  # 8890 characters
    run = neptune_run("long")
    run["config/yaml"] = long_text
    run["config/short"] = "fine"
    run.stop()
    (folder,) = find_runs(neptune_dir)

    result = replay(read_run(folder), MlflowTarget(tracking_uri=server.uri, experiment="long"))
    params = server.client().get_run(result.copy_id).data.params
    assert len(long_text) > 6000
    assert params["config/yaml"] == long_text[:5999] + "…" and params["config/short"] == "fine"
    root = download(server, result.copy_id, tmp_path / "artifacts")
    assert (root / "params" / "config" / "yaml.txt").read_text(encoding="utf-8") == long_text
    assert (
        f"config/yaml: {len(long_text)} characters, over MLflow's 6000: cut, kept whole in params/config/yaml.txt"
        in (result.notes)
    )


def test_two_neptune_names_that_become_one_mlflow_name_stay_apart(neptune_dir: Path, server: MlflowServer) -> None:
    run = neptune_run("clash", tags=["mlflow.runName"])  # a Neptune tag named like MLflow's own
    run["m/a(b)"].append(1.0, step=1)
    run["m/ab"].append(2.0, step=1)
    run.stop()
    (folder,) = find_runs(neptune_dir)

    result = replay(read_run(folder), MlflowTarget(tracking_uri=server.uri, experiment="clash"))
    got = server.client().get_run(result.copy_id)
    assert got.data.metrics == {"m/ab": 1.0, "m/ab_2": 2.0}
    assert "metric 'm/ab' and 'm/a(b)' both become 'm/ab' in MLflow: 'm/ab_2'" in result.notes
    assert got.info.run_name == "clash" and got.data.tags["mlflow.runName_2"] == ""


def test_an_image_series_is_said_not_exported(neptune_dir: Path, server: MlflowServer, tmp_path: Path) -> None:
    from neptune.types import File
    from PIL import Image

    image = tmp_path / "img.png"
    Image.new("RGB", (8, 8), (10, 200, 10)).save(image)
    run = neptune_run("images")
    run["samples"].append(File(str(image)), step=1)
    run["loss"].append(1.0, step=1)
    run.stop()
    (folder,) = find_runs(neptune_dir)
    log = read_run(folder)
    assert log.series_kind("samples") == "image"

    result = replay(log, MlflowTarget(tracking_uri=server.uri, experiment="images"))
    assert result.series == 1
    assert "samples: an image series (1 images) is not exported: the run reader keeps no image bytes" in result.notes


# --------------------------------------------------------------------------
# Where it goes, and when it cannot


@SQLITE_IN_PROCESS
def test_without_a_server_a_sqlite_uri_keeps_everything_in_this_folder(
    neptune_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mlflow import MlflowClient

    notes = tmp_path / "notes.txt"
    notes.write_text("kept\n")
    run = neptune_run("local")
    run["metrics/mAP50-95(B)"].append(0.5, step=1)
    run["Configuration/lr0"] = 0.01
    run["notes"].upload(str(notes))
    run.stop()
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path}/mlflow.db"

    code, out, err = export_cli(capsys, "--dir", str(neptune_dir), "--tracking-uri", uri)
    assert code == 0, err
    match = EXPORTED.match(out)
    assert match is not None, out
    assert out.splitlines()[-1] == f"MLflow: experiment 'neptune-export' (id 1) at {uri}"  # the default experiment
    client = MlflowClient(tracking_uri=uri)
    got = client.get_run(match.group(2))
    assert got.data.metrics == {"metrics/mAP50-95B": 0.5} and got.data.params == {"Configuration/lr0": "0.01"}
    assert (tmp_path / "mlflow.db").is_file()
    created = client.get_experiment_by_name("neptune-export")
    assert created is not None and created.tags["mlflow.experimentKind"] == "custom_model_development"
    (artifact,) = (tmp_path / "mlruns").rglob("notes.txt")
    assert artifact.read_text() == "kept\n"


@SQLITE_IN_PROCESS
def test_the_tracking_uri_defaults_to_mlflow_tracking_uri(
    neptune_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run = neptune_run("from-env")
    run["loss"].append(1.0, step=1)
    run.stop()
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path}/env.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)

    code, out, err = export_cli(capsys, "--latest", "--dir", str(neptune_dir), "--experiment", "env")
    assert code == 0, err
    assert out.splitlines()[-1].endswith(f"at {uri}")
    assert (tmp_path / "env.db").is_file() and not (tmp_path / "mlflow.db").exists()


def test_a_run_that_is_not_there_is_said_so(
    neptune_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = f"sqlite:///{tmp_path}/never.db"
    code, _, err = export_cli(capsys, "--dir", str(tmp_path / "empty"), "--tracking-uri", uri)
    assert code == 1 and "no Neptune offline run found in" in err
    code, _, err = export_cli(capsys, "--all", "--dir", str(tmp_path / "empty"), "--tracking-uri", uri)
    assert code == 1 and "no Neptune offline run found in" in err
    neptune_run("there").stop()
    code, _, err = export_cli(capsys, "zzzz", "--dir", str(neptune_dir), "--tracking-uri", uri)
    assert code == 1 and "no run 'zzzz'" in err
    assert not (tmp_path / "never.db").exists()


def test_a_server_that_is_not_there_is_said_so_in_seconds(
    neptune_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    neptune_run("nowhere").stop()
    uri = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    code, out, err = export_cli(capsys, "--dir", str(neptune_dir), "--tracking-uri", uri)
    assert code == 1 and out == ""
    assert err.startswith(f"hooks: cannot reach MLflow at {uri} (")
    assert err.strip().endswith(
        "is the server running, and is that its address? (--tracking-uri, else $MLFLOW_TRACKING_URI)"
    )
    assert time.monotonic() - started < 30  # MLflow alone retries for minutes


def test_without_mlflow_installed_the_cli_says_how_to_install_it(neptune_dir: Path) -> None:
    neptune_run("no-mlflow").stop()
    blocked = (
        "import sys; sys.modules['mlflow'] = None; from hooks.cli import main; "
        f"raise SystemExit(main(['export', '--dir', {str(neptune_dir)!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", blocked], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr
    assert (
        result.stderr.strip() == "hooks: exporting to MLflow needs the mlflow package: pip install 'yaml-hooks[mlflow]'"
    )


def test_the_export_modules_do_not_import_mlflow_until_an_export() -> None:
    code = (
        "import sys, hooks.cli, hooks.cli.export, hooks.runs, hooks.runs.mlflow, hooks.runs.replay; "
        "import hooks.sinks.replay, hooks.sinks.mlflow; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'mlflow'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "[]"
