"""Models you can load (issue 23, item 5), on the stand-in trainer against the real `mlflow server`
of the session: `upload … register:` makes the weights a pyfunc model version, aliases move by the
rules the YAML states, a resend makes no second version, the run records its dataset once, and
system metrics come only when asked. tests/acceptance/test_real_mlflow.py loads a real training's
model in a fresh process and predicts with it."""

from __future__ import annotations

import base64
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

import hooks
from hooks.errors import ConfigError
from hooks.sinks.mlflow.sender import Sender
from hooks.sinks.mlflow.spool import Spool
from hooks.testing import simulate_training
from hooks.testing.standin import StandInTrainer
from tests.mlflow_server import MlflowServer
from tests.unit.sinks.test_mlflow_sink import config, only_run, train

# A data YAML, and the first 16 hex digits of its SHA-256 (sha256sum), written out.
DATA_YAML = "path: /data/shapes\ntrain: images/train\nval: images/val\nnames:\n  0: cat\n  1: dog\n"
DATA_DIGEST = "5d64329d955c1f0e"


def registering(model: str, aliases: str = "") -> str:
    register = f"{{model: {model}, aliases: {{{aliases}}}}}" if aliases else model
    return (
        "events:\n  on_train_end:\n"
        f'    - upload: {{from: best, to: "weights/{{file.name}}", register: {register}, id: best-weights}}\n'
    )


def train_to(text: str, folder: Path, best_fitness: float) -> None:
    """A stand-in training whose best weights end with ``best_fitness`` (the stand-in's own is the
    same in every training): set at on_train_end, before the config's actions run."""
    (folder / "hooks.yaml").parent.mkdir(parents=True, exist_ok=True)
    (folder / "hooks.yaml").write_text(text)
    callbacks: dict[str, Any] = {
        e: list(f) if isinstance(f, list) else [f] for e, f in hooks.load(folder / "hooks.yaml").items()
    }

    def set_fitness(trainer: Any) -> None:
        trainer.best_fitness = best_fitness

    callbacks["on_train_end"] = [set_fitness, *callbacks.get("on_train_end", [])]
    simulate_training(callbacks, folder / "runs" / "exp", epochs=1)


def version_of(client: Any, model: str, alias: str) -> str:
    return str(client.get_model_version_by_alias(model, alias).version)


def test_registered_weights_are_a_pyfunc_model_with_a_signature_and_an_input_example(
    tmp_path: Path, mlflow_server: MlflowServer
) -> None:
    trainer = train(config(mlflow_server.uri, "pyfunc", registering("yolo-pyfunc")), tmp_path, epochs=1)
    client = mlflow_server.client()
    run = only_run(client, "pyfunc")
    run_id = run.info.run_id
    (version,) = client.search_model_versions("name = 'yolo-pyfunc'")
    assert (version.source, version.run_id) == (f"runs:/{run_id}/weights/best_model", run_id)
    assert version.tags == {"yaml_hooks.fitness": "0.54536"}  # the stand-in's best_fitness
    assert trainer.best_fitness == 0.54536
    model = Path(client.download_artifacts(run_id, "weights/best_model", str(tmp_path / "model")))
    mlmodel = yaml.safe_load((model / "MLmodel").read_text())
    pyfunc = mlmodel["flavors"]["python_function"]
    assert pyfunc["loader_module"] == "mlflow.pyfunc.loaders.code_model"
    assert pyfunc["artifacts"]["weights"]["path"] == "artifacts/best.pt"
    assert pyfunc["model_code_path"].endswith("yolo_pyfunc.py")  # models from code: no pickle
    code = (model / "yolo_pyfunc.py").read_text()
    assert "import hooks" not in code and "from hooks" not in code  # loading needs ultralytics, not yaml-hooks
    assert (model / "artifacts" / "best.pt").read_bytes() == (trainer.save_dir / "weights" / "best.pt").read_bytes()
    assert json.loads(mlmodel["signature"]["inputs"]) == [{"type": "string", "name": "image", "required": True}]
    outputs = json.loads(mlmodel["signature"]["outputs"])
    assert [(c["name"], c["type"]) for c in outputs] == [
        ("image", "long"),
        ("class_id", "long"),
        ("class_name", "string"),
        ("confidence", "double"),
        ("x1", "double"),
        ("y1", "double"),
        ("x2", "double"),
        ("y2", "double"),
    ]
    assert [p["name"] for p in json.loads(mlmodel["signature"]["params"])] == ["conf", "imgsz"]
    assert mlmodel["saved_input_example_info"]["type"] == "dataframe"
    example = json.loads((model / "input_example.json").read_text())
    assert example["columns"] == ["image"]
    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(example["data"][0][0])))
    assert (image.format, image.size) == ("PNG", (32, 32))
    requirements = (model / "requirements.txt").read_text().split()
    # Ultralytics as the distribution installed here (`ultralytics` or `ultralytics-opencv-headless`).
    assert {r.split("==")[0] for r in requirements} - {"ultralytics", "ultralytics-opencv-headless"} == {
        "mlflow",
        "pandas",
        "pillow",
    }
    assert len(requirements) == 4 and all("==" in r for r in requirements)
    # The weights themselves stay an artifact of their own.
    assert [f.path for f in client.list_artifacts(run_id, "weights") if not f.is_dir] == ["weights/best.pt"]
    # Not asked: no system metrics.
    assert not [k for k in run.data.metrics if k.startswith("system/")]


def test_weights_registered_with_pyfunc_false_are_the_file_itself(tmp_path: Path, mlflow_server: MlflowServer) -> None:
    text = registering("yolo-file").replace("register: yolo-file", "register: {model: yolo-file, pyfunc: false}")
    train(config(mlflow_server.uri, "as-file", text), tmp_path, epochs=1)
    client = mlflow_server.client()
    run_id = only_run(client, "as-file").info.run_id
    (version,) = client.search_model_versions("name = 'yolo-file'")
    assert (version.source, version.tags) == (f"runs:/{run_id}/weights/best.pt", {"yaml_hooks.fitness": "0.54536"})
    assert [f.path for f in client.list_artifacts(run_id, "weights")] == ["weights/best.pt"]  # no best_model


def test_aliases_move_by_the_rules_over_several_trainings_and_a_resend_makes_no_second_version(
    tmp_path: Path, mlflow_server: MlflowServer
) -> None:
    """champion: best, recent: newest. Training 1 (best fitness 0.5) takes both; training 2 (0.25)
    only `recent`; training 3 (0.75) both. A version without a fitness takes `recent`, never
    `champion`; a resend of a version makes no second one."""
    client = mlflow_server.client()
    rules = "champion: best, recent: newest"
    text = config(mlflow_server.uri, "aliases", registering("yolo-aliases", rules))
    held = []
    for n, fitness in enumerate((0.5, 0.25, 0.75)):
        train_to(text, tmp_path / str(n), fitness)
        held.append((version_of(client, "yolo-aliases", "champion"), version_of(client, "yolo-aliases", "recent")))
    assert held == [("1", "1"), ("1", "2"), ("3", "3")]
    fitness = {v.version: v.tags.get("yaml_hooks.fitness") for v in client.search_model_versions("name='yolo-aliases'")}
    assert fitness == {"1": "0.5", "2": "0.25", "3": "0.75"}

    # A version with no fitness (a file registered outside a training): `recent` only.
    third = client.get_model_version("yolo-aliases", "3")
    spool = Spool(tmp_path / "no-fitness")
    spool.write_run({"tracking_uri": mlflow_server.uri, "run_id": third.run_id})
    how = {"aliases": {"champion": "best", "recent": "newest"}}
    sender = Sender(spool)
    sender.send([{"r": ["weights/best.pt", "yolo-aliases", {**how, "model": False}]}])
    assert version_of(client, "yolo-aliases", "champion") == "3"
    assert version_of(client, "yolo-aliases", "recent") == "4"
    assert client.get_model_version("yolo-aliases", "4").tags == {}

    # A resend of version 3 (a crash between sending and noting it): no second version, and
    # `recent` stays on the higher version 4.
    again = Spool(tmp_path / "again")
    again.write_run({"tracking_uri": mlflow_server.uri, "run_id": third.run_id})
    Sender(again).send([{"r": ["weights/best.pt", "yolo-aliases", {**how, "fitness": 0.75}]}])
    Sender(again).send([{"r": ["weights/best.pt", "yolo-aliases"]}])  # the plain form: the same version
    assert sorted(int(v.version) for v in client.search_model_versions("name='yolo-aliases'")) == [1, 2, 3, 4]
    assert (version_of(client, "yolo-aliases", "champion"), version_of(client, "yolo-aliases", "recent")) == ("3", "4")


def test_the_run_records_its_dataset_once_not_again_on_resume(tmp_path: Path, mlflow_server: MlflowServer) -> None:
    data = tmp_path / "shapes.yaml"
    data.write_text(DATA_YAML)
    text = config(mlflow_server.uri, "dataset")
    train(text, tmp_path, epochs=2, overrides={"data": str(data)})
    # Resumed with a changed data YAML: the run keeps the dataset of its first part, alone.
    data.write_text(DATA_YAML + "# changed\n")
    trainer = StandInTrainer(tmp_path / "runs" / "exp", epochs=3, overrides={"resume": True, "data": str(data)})
    trainer.start_epoch, trainer.resume = 2, True
    for event, callback in dict(hooks.load(tmp_path / "hooks.yaml")).items():
        trainer.add_callback(event, callback)
    trainer.train()
    run = only_run(mlflow_server.client(), "dataset")
    assert run.data.tags["yaml_hooks.part"] == "2"
    (found,) = run.inputs.dataset_inputs
    assert found.dataset.name == "shapes"
    assert found.dataset.digest == DATA_DIGEST
    assert found.dataset.source_type == "local"
    assert json.loads(found.dataset.source) == {"uri": str(data.resolve())}
    assert json.loads(found.dataset.profile) == {"names": ["cat", "dog"], "nc": 2, "train_images": 32}
    assert [(t.key, t.value) for t in found.tags] == [("mlflow.data.context", "training")]


def test_system_metrics_come_when_asked(
    tmp_path: Path, mlflow_server: MlflowServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL", "0.2")
    text = config(mlflow_server.uri, "system").replace("drain_seconds: 20}", "drain_seconds: 20, system_metrics: true}")
    assert "system_metrics: true" in text
    (tmp_path / "hooks.yaml").write_text(text)
    compiled = dict(hooks.load(tmp_path / "hooks.yaml"))
    trainer = StandInTrainer(tmp_path / "runs" / "exp", epochs=3)
    for event, callback in compiled.items():
        trainer.add_callback(event, callback)
    trainer.add_callback("on_fit_epoch_end", lambda _: time.sleep(0.7))  # long enough for samples
    trainer.train()
    client = mlflow_server.client()
    run = only_run(client, "system")
    assert run.info.status == "FINISHED"
    cpu = client.get_metric_history(run.info.run_id, "system/cpu_utilization_percentage")
    assert len(cpu) >= 1
    assert {"system/system_memory_usage_megabytes", "system/disk_usage_percentage"} <= set(run.data.metrics)


def test_register_takes_a_mapping_and_refuses_the_aliases_mlflow_reserves() -> None:
    compiled = hooks.loads(
        "version: 1\nevents:\n  on_train_end:\n    - upload: {from: best, to: w/best.pt, register: "
        "{model: yolo, aliases: {champion: best, recent: newest}}}\n"
    )
    (spec,) = compiled.config.events["on_train_end"]
    assert (spec.body.register, spec.body.aliases) == ("yolo", (("champion", "best"), ("recent", "newest")))
    from hooks.actions.registry import KINDS

    assert (
        "register it as a new version of the model 'yolo' (MLflow; other trackers keep the file only) "
        "(alias champion: the version with the best fitness so far; alias recent: each new version)"
    ) in KINDS["upload"].explain(spec)
    for alias, why in (
        ("latest", "MLflow reserves the alias 'latest'"),
        ("v2", "MLflow reserves 'v2'"),
        ('"two words"', "an alias is 1 to 255 letters, digits, '_' or '-'"),
    ):
        with pytest.raises(ConfigError, match=why):
            hooks.loads(
                "version: 1\nevents:\n  on_train_end:\n    - upload: {from: best, to: w/best.pt, register: "
                f"{{model: yolo, aliases: {{{alias}: newest}}}}}}\n"
            )
    with pytest.raises(ConfigError, match="register"):
        hooks.loads(
            "version: 1\nevents:\n  on_train_end:\n    - upload: {from: best, to: w/best.pt, register: "
            "{model: yolo, aliases: {champion: highest}}}\n"
        )
