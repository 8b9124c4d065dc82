"""Where a run goes, and what it may become, is chosen only by what the user wrote or typed (issue 21,
items 3 and 4): the config loaded, the command line, the environment. A preset (extended, shipped, or
an installed package's, however it is named) may not choose a tracking URI, project, server mode,
experiment, registered model, drain time or reserved tag; the same lines in the config loaded are
taken."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import hooks
from hooks.errors import ConfigError
from hooks.loader.load import load_config
from hooks.sinks.mlflow.sink import MlflowSinkFactory
from hooks.sinks.neptune.sink import NeptuneSinkFactory
from tests.conftest import install_fixture_package

SECRET = "aws-s3cr3t-9f8e7d"
PASSWORD = "mlflow-pa55word-1a2b"
PRESET = "<preset loot:detection>"

# Every choice the loot:detection preset tries (tests/fixtures/loot-presets), by its place.
REFUSED = {
    "allow_roots": "only the config you load may allow folders outside the run",
    "allow_env": "only the config you load may allow environment variables",
    "snapshot_budget_mb": "a preset may not choose what a run may copy to disk",
    "ultralytics_builtins": "a preset may not choose whether Ultralytics' own integrations stay on",
    "sink.neptune.project": "a preset may not choose the Neptune project",
    "sink.neptune.mode": "a preset may not choose mode async (it sends the run to a server)",
    "sink.neptune.description": "a preset may not read the environment variable AWS_SECRET_ACCESS_KEY",
    "sink.mlflow.tracking_uri": "a preset may not choose the tracking server",
    "sink.mlflow.experiment": "a preset may not choose the experiment",
    "sink.mlflow.drain_seconds": "a preset may not choose how long the end of a training waits for the server",
    "sink.mlflow.tags.mlflow.parentRunId": "a preset may not set MLflow's own tag mlflow.parentRunId",
    "sink.mlflow.tags.mlflow.runName": "a preset may not set MLflow's own tag mlflow.runName",
    "sink.mlflow.tags.yaml_hooks.run_id": "tags starting with 'yaml_hooks.' are yaml-hooks' own",
    "sink.mlflow.tags.team": "a preset may not read the environment variable MLFLOW_TRACKING_URI",
    "events.on_train_end[0].upload.register": "a preset may not choose a registered model",
}


class Model:
    """What `attach` needs of a YOLO model: add_callback, and the callbacks it holds."""

    def __init__(self) -> None:
        self.callbacks: dict[str, list[object]] = {}

    def add_callback(self, event: str, fn: object) -> None:
        self.callbacks.setdefault(event, []).append(fn)


@pytest.fixture(scope="module")
def loot_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install_fixture_package("loot-presets", tmp_path_factory.mktemp("loot"))


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://me:{PASSWORD}@127.0.0.1:9")


@pytest.fixture
def loot(loot_site: Path, monkeypatch: pytest.MonkeyPatch, secrets: None) -> None:
    monkeypatch.syspath_prepend(str(loot_site))  # importlib.metadata finds its entry point there


def refused(messages: list[str]) -> dict[str, str]:
    """Each message's path, from the preset's file, to the message."""
    out = {}
    for m in messages:
        assert m.startswith(f"{PRESET}:"), m  # located in the preset, never in the name typed
        assert m.endswith(f"(via loot:detection → {PRESET})"), m
        path = m.split(": ", 2)[1]
        out[path] = m
    return out


def test_a_package_preset_named_directly_is_a_preset(loot: None) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config("loot:detection")
    found = refused([str(i) for i in raised.value.issues])
    assert sorted(found) == sorted(REFUSED)
    for path, words in REFUSED.items():
        assert words in found[path]
    assert not any(SECRET in m or PASSWORD in m for m in found.values())


def test_every_way_of_naming_a_preset_gets_the_preset_limits(
    loot: None, loot_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = Model()
    with pytest.raises(ConfigError) as raised:
        hooks.attach(model, "loot:detection")
    assert sorted(refused([str(i) for i in raised.value.issues])) == sorted(REFUSED)
    monkeypatch.setenv("HOOKS_CONFIG", "loot:detection")
    with pytest.raises(ConfigError) as raised:
        hooks.attach(model)
    assert sorted(refused([str(i) for i in raised.value.issues])) == sorted(REFUSED)
    assert not any(model.callbacks.values())  # nothing attached
    env = {**os.environ, "PYTHONPATH": str(loot_site)}
    cli = subprocess.run(
        [sys.executable, "-m", "hooks", "validate", "loot:detection"], capture_output=True, text=True, env=env
    )
    assert cli.returncode == 1
    assert sorted(refused(cli.stdout.splitlines() + cli.stderr.splitlines())) == sorted(REFUSED)


def test_a_shipped_preset_named_directly_loads_as_a_preset(secrets: None) -> None:
    config = load_config("default")
    assert config.file == "default"  # what was typed; its values are located in the preset
    assert config.events["on_train_end"][0].location.file == "<preset default>"


LOADED = """version: 1
extends: minimal
snapshot_budget_mb: 5
ultralytics_builtins: [comet]
sink:
  neptune: {project: acme/yolo, mode: async}
  mlflow:
    tracking_uri: http://127.0.0.1:5000
    experiment: yolo-{args.task}
    drain_seconds: 2
    tags: {mlflow.note.content: mine, team: vision}
events:
  on_train_end:
    - upload: {from: best, to: "weights/{file.name}", register: yolo-detector}
"""


def test_the_same_choices_in_the_config_loaded_are_taken(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(LOADED)
    config = load_config(mine)
    neptune, mlflow = (factory for _, factory in config.sink.factories)  # type: ignore[attr-defined]
    assert isinstance(neptune, NeptuneSinkFactory) and isinstance(mlflow, MlflowSinkFactory)
    assert (neptune.project.text, neptune.mode) == ("acme/yolo", "async")  # type: ignore[union-attr]
    assert mlflow.tracking_uri == "http://127.0.0.1:5000"
    assert mlflow.experiment.text == "yolo-{args.task}"  # type: ignore[union-attr]
    assert mlflow.drain_seconds == 2.0
    assert [name for name, _ in mlflow.tags] == ["mlflow.note.content", "team"]
    assert config.events["on_train_end"][-1].body.register == "yolo-detector"
    assert (config.snapshot_budget, config.builtins_kept) == (5 << 20, frozenset({"comet"}))


def test_a_preset_may_keep_a_run_on_this_machine(tmp_path: Path) -> None:
    (tmp_path / "team.yaml").write_text("version: 1\nsink: {neptune: {mode: offline}}\n")
    (tmp_path / "mine.yaml").write_text("version: 1\nextends: ./team.yaml\n")
    factory = load_config(tmp_path / "mine.yaml").sink
    assert isinstance(factory, NeptuneSinkFactory) and factory.mode == "offline"


def test_yaml_hooks_own_tags_are_set_by_no_config(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("version: 1\nsink: {mlflow: {tags: {yaml_hooks.part: '7'}}}\n")
    with pytest.raises(ConfigError, match=r"mine\.yaml:2:\d+: sink\.mlflow\.tags\.yaml_hooks\.part: tags starting"):
        load_config(mine)


def test_one_bad_tag_does_not_hide_the_others(tmp_path: Path) -> None:
    # The tags mapping holds a value the environment stage refused; its other tags are still checked.
    (tmp_path / "team.yaml").write_text(
        'version: 1\nsink: {mlflow: {tags: {team: "${HOME}", mlflow.parentRunId: "0123"}}}\n'
    )
    (tmp_path / "mine.yaml").write_text("version: 1\nextends: ./team.yaml\n")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "mine.yaml")
    assert [i.path for i in raised.value.issues] == [
        ("sink", "mlflow", "tags", "team"),
        ("sink", "mlflow", "tags", "mlflow.parentRunId"),
    ]
