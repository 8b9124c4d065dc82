"""`ultralytics_builtins:` on the stand-in trainer: Ultralytics' own tracker callbacks (registered
after the config's, as Ultralytics adds them) are switched off for each training unless the config
keeps them, with one line naming those that were on; `hooks explain` says which stay on; only the
loaded config may keep any. tests/acceptance/test_real_builtins.py does the same with a real
training and MLflow's own files."""

from __future__ import annotations

import importlib.util
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hooks
from hooks.cli import main
from hooks.core.integrations import INTEGRATION_NAMES, INTEGRATIONS
from hooks.errors import ConfigError
from hooks.testing import RecordingSink, simulate_training

# What Ultralytics' own integrations register on (a few of each's events are enough to see them).
EVENTS = ("on_pretrain_routine_start", "on_pretrain_routine_end", "on_fit_epoch_end", "on_train_end", "teardown")
FIRED = 6  # in a training of one epoch: each of EVENTS once, on_fit_epoch_end twice (the final validation)
# Ultralytics' callbacks that are no tracker: never switched off.
OTHERS = ("ultralytics.utils.callbacks.platform", "ultralytics.utils.callbacks.raytune", "ultralytics.utils.events")
LINE_END = (
    "switched off for this training, so it is logged as this config says "
    "(`ultralytics_builtins: keep`, or a list of names, in the config you load keeps them)"
)


def theirs(module: str, calls: list[str]) -> Callable[[Any], None]:
    """A callback as Ultralytics' integration ``module`` defines one (found by its ``__module__``)."""

    def callback(obj: Any) -> None:
        calls.append(module.rsplit(".", 1)[1])

    callback.__module__ = module
    return callback


def train(tmp_path: Path, text: str, modules: tuple[str, ...], trainings: int = 1) -> list[str]:
    """Simulated trainings with the config ``text`` and, after its callbacks, those of ``modules``;
    which of theirs ran (each module's last part, once per call)."""
    compiled = hooks.loads("version: 1\n" + text, sink=RecordingSink())
    calls: list[str] = []
    for i in range(trainings):
        callbacks = {
            e: [*([compiled[e]] if e in compiled else []), *(theirs(m, calls) for m in modules)] for e in EVENTS
        }
        simulate_training(callbacks, tmp_path / f"exp{i}", epochs=1, write_files=False)
    return calls


def said(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("Ultralytics' own")]


ALL = tuple(i.module for i in INTEGRATIONS)


def test_by_default_every_tracker_integration_is_switched_off_with_one_line_naming_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls = train(tmp_path, "", (*ALL, *OTHERS))
    # Platform, Ray Tune and the analytics are no trackers: each still runs at each event.
    assert sorted(set(calls)) == ["events", "platform", "raytune"]
    assert [calls.count(n) for n in ("events", "platform", "raytune")] == [FIRED] * 3
    assert said(caplog) == [
        f"Ultralytics' own clearml, comet, dvc, mlflow, neptune, tensorboard, wandb integrations are {LINE_END}"
    ]


def test_the_line_names_only_those_that_were_on_and_is_said_once_per_training(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls = train(tmp_path, "ultralytics_builtins: off\n", ("ultralytics.utils.callbacks.mlflow",), trainings=2)
    assert calls == []
    assert said(caplog) == [f"Ultralytics' own mlflow integration is {LINE_END}"] * 2


def test_nothing_on_nothing_said(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert train(tmp_path, "", OTHERS) != []
    assert said(caplog) == []


def test_keep_keeps_them_all_and_says_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    calls = train(tmp_path, "ultralytics_builtins: keep\n", ALL)
    assert sorted(set(calls)) == ["clearml", "comet", "dvc", "mlflow", "neptune", "tensorboard", "wb"]
    assert [calls.count(n) for n in sorted(set(calls))] == [FIRED] * 7
    assert said(caplog) == []


def test_a_list_keeps_those_named(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    calls = train(tmp_path, "ultralytics_builtins: [tensorboard, wandb]\n", ALL)
    assert sorted(set(calls)) == ["tensorboard", "wb"]
    assert said(caplog) == [f"Ultralytics' own clearml, comet, dvc, mlflow, neptune integrations are {LINE_END}"]


def test_ultralytics_own_mlflow_callbacks_are_found_by_their_module(tmp_path: Path) -> None:
    """The real functions of the installed Ultralytics (its `teardown` is a lambda), not stand-ins."""
    if importlib.util.find_spec("mlflow") is None:
        pytest.skip("needs mlflow: Ultralytics' MLflow integration has no callbacks without it")
    from ultralytics.utils.callbacks import mlflow as integration

    assert set(integration.callbacks) == {
        "on_pretrain_routine_end",
        "on_train_epoch_end",
        "on_fit_epoch_end",
        "on_train_end",
        "teardown",
    }
    compiled = hooks.loads("version: 1\n", sink=RecordingSink())
    callbacks = {e: [*([compiled[e]] if e in compiled else [])] for e in {*compiled, *integration.callbacks}}
    for event, fn in integration.callbacks.items():
        callbacks[event].append(fn)
    trainer = simulate_training(callbacks, tmp_path / "exp", epochs=1, write_files=False)
    left = [fn for fns in trainer.callbacks.values() for fn in fns if fn in integration.callbacks.values()]
    assert left == []


def test_the_names_are_ultralytics_own_modules_and_settings() -> None:
    """Each module is one the installed Ultralytics (8.4.190) ships, but Neptune's (≤ 8.4.131 only),
    and each name is its setting (`yolo settings mlflow=False`)."""
    from ultralytics.utils import SETTINGS

    shipped = [i.name for i in INTEGRATIONS if importlib.util.find_spec(i.module) is not None]
    assert shipped == ["clearml", "comet", "dvc", "mlflow", "tensorboard", "wandb"]
    assert all(name in SETTINGS for name in shipped)
    assert INTEGRATION_NAMES == ("clearml", "comet", "dvc", "mlflow", "neptune", "tensorboard", "wandb")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("", frozenset()),
        ("ultralytics_builtins: off\n", frozenset()),  # YAML reads it as false
        ("ultralytics_builtins: 'off'\n", frozenset()),
        ("ultralytics_builtins: []\n", frozenset()),
        ("ultralytics_builtins: keep\n", frozenset(INTEGRATION_NAMES)),
        ("ultralytics_builtins: [mlflow]\n", frozenset({"mlflow"})),
    ],
)
def test_the_loaded_config_says_what_is_kept(text: str, kept: frozenset[str]) -> None:
    compiled = hooks.loads("version: 1\n" + text, sink=RecordingSink())
    assert compiled.config.builtins_kept == kept
    assert pickle.loads(pickle.dumps(compiled.session)).builtins_kept == kept  # as a DDP worker gets it


def test_a_preset_may_not_keep_them(tmp_path: Path) -> None:
    (tmp_path / "team.yaml").write_text("version: 1\nextends: minimal\nultralytics_builtins: [mlflow]\n")
    (tmp_path / "hooks.yaml").write_text("version: 1\nextends: ./team.yaml\n")
    with pytest.raises(ConfigError) as e:
        hooks.load(tmp_path / "hooks.yaml")
    assert str(e.value).splitlines()[0] == (
        f"{tmp_path / 'team.yaml'}:3:23: ultralytics_builtins: a preset may not choose whether Ultralytics' own "
        "integrations stay on (each sends the run elsewhere): only the config you load may; move "
        f"`ultralytics_builtins:` there (via {tmp_path / 'hooks.yaml'} → {tmp_path / 'team.yaml'})"
    )
    # A preset's `off` is the default, and the loaded config may keep them over it.
    (tmp_path / "team.yaml").write_text("version: 1\nextends: minimal\nultralytics_builtins: off\n")
    assert hooks.load(tmp_path / "hooks.yaml").config.builtins_kept == frozenset()
    (tmp_path / "hooks.yaml").write_text("version: 1\nextends: ./team.yaml\nultralytics_builtins: keep\n")
    assert hooks.load(tmp_path / "hooks.yaml").config.builtins_kept == frozenset(INTEGRATION_NAMES)


def test_a_wrong_name_is_a_located_error() -> None:
    with pytest.raises(ConfigError) as e:
        hooks.loads("version: 1\nultralytics_builtins: [mlflow, wb]\n", file="hooks.yaml")
    assert str(e.value) == (
        "hooks.yaml:2:32: ultralytics_builtins[1]: 'wb' is not allowed: must be one of clearml, comet, dvc, "
        "mlflow, neptune, tensorboard, wandb"
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "",
            "Ultralytics' own integrations (clearml, comet, dvc, mlflow, neptune, tensorboard, wandb) are switched "
            "off for each training (`ultralytics_builtins: keep` keeps them)",
        ),
        (
            "ultralytics_builtins: keep\n",
            "Ultralytics' own integrations all stay on, where Ultralytics' settings switch them on and their "
            "package is installed (`ultralytics_builtins: keep`)",
        ),
        (
            "ultralytics_builtins: [mlflow]\n",
            "Ultralytics' own mlflow stays on, where Ultralytics' settings switch them on and their package is "
            "installed; clearml, comet, dvc, neptune, tensorboard, wandb are switched off for each training",
        ),
    ],
)
def test_explain_says_which_stay_on(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: str) -> None:
    (tmp_path / "hooks.yaml").write_text("version: 1\nextends: minimal\n" + text)
    assert main(["explain", str(tmp_path / "hooks.yaml")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[3] == "  " + line  # the file, the description, where it logs, then this


def test_attaching_to_a_trainer_that_has_them_already_switches_them_off_at_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A trainer made first (its on_pretrain_routine_start fired without ours) has Ultralytics' own
    callbacks before ours in every list: they would run before our first event could switch them off."""
    from hooks.testing.standin import StandInTrainer

    calls: list[str] = []
    mlflow = "ultralytics.utils.callbacks.mlflow"
    trainer = StandInTrainer(
        tmp_path / "exp", epochs=1, write_files=False, callbacks={e: theirs(mlflow, calls) for e in EVENTS}
    )
    assert calls == ["mlflow"]  # on_pretrain_routine_start, in the constructor
    hooks.attach(trainer, hooks.loads("version: 1\n", sink=RecordingSink()))
    assert said(caplog) == [f"Ultralytics' own mlflow integration is {LINE_END}"]
    trainer.train()
    assert calls == ["mlflow"]
    assert len(said(caplog)) == 1
