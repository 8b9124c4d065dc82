"""The product lists events in the order a training fires them (`hooks explain`, `hooks explain
--events`, `hooks show`), and that order is the one the stand-in trainer really fires."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hooks.cli import main
from hooks.core.events import EVENTS, FIRING_ORDER, TRAINING_EVENTS, in_firing_order
from hooks.testing.standin import ALL_EVENTS, FIRED_EVENTS, UNFIRED_EVENTS, simulate_training
from tests.conftest import REPO


def fired_in_a_simulated_training(save_dir: Path) -> list[str]:
    """Every event the stand-in fires, in the order it first fires it."""
    fired: list[str] = []

    def recorder(event: str) -> Any:
        return lambda obj: fired.append(event)

    simulate_training({e: recorder(e) for e in ALL_EVENTS}, save_dir, epochs=2, batches=2, val_batches=1)
    return list(dict.fromkeys(fired))


def test_the_products_firing_order_is_the_order_the_stand_in_fires(tmp_path: Path) -> None:
    first = fired_in_a_simulated_training(tmp_path / "run")
    assert tuple(first) == TRAINING_EVENTS
    assert tuple(first) == FIRED_EVENTS  # the stand-in's own documented order agrees
    assert FIRING_ORDER[: len(first)] == tuple(first)
    # then the events a training never fires, and every one of the 25 exactly once
    assert set(FIRING_ORDER[len(first) :]) == set(UNFIRED_EVENTS)
    assert len(FIRING_ORDER) == len(set(FIRING_ORDER)) == len(EVENTS) == 25
    assert set(FIRING_ORDER) == set(EVENTS)


def test_the_events_are_written_once_in_ultralytics_order() -> None:
    """One list of the events (hooks.core.events), in ultralytics/utils/callbacks/base.py's order;
    the stand-in's are that list, not a copy of it."""
    assert tuple(EVENTS) == ALL_EVENTS and FIRED_EVENTS is TRAINING_EVENTS
    found = subprocess.run(
        [sys.executable, "-c", "from ultralytics.utils.callbacks import base; print(' '.join(base.default_callbacks))"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        pytest.skip("ultralytics is not installed")
    assert tuple(EVENTS) == tuple(found.stdout.split())


def test_prediction_and_export_events_are_listed_in_the_order_they_fire() -> None:
    rest = [e for e in FIRING_ORDER if e.startswith(("on_predict_", "on_export_"))]
    assert rest == [
        "on_predict_start",
        "on_predict_batch_start",
        "on_predict_postprocess_end",
        "on_predict_batch_end",
        "on_predict_end",
        "on_export_start",
        "on_export_end",
    ]


def test_in_firing_order_sorts_events_and_keeps_unknown_names_last() -> None:
    names = ["on_train_end", "not_an_event", "on_val_end", "on_model_save", "on_pretrain_routine_start"]
    assert in_firing_order(names) == [
        "on_pretrain_routine_start",
        "on_val_end",
        "on_model_save",
        "on_train_end",
        "not_an_event",
    ]


def test_the_product_does_not_import_hooks_testing_for_its_order() -> None:
    code = (
        "import sys, hooks, hooks.cli, hooks.core.events, hooks.config.show, hooks.runtime.explain\n"
        "print(sorted(m for m in sys.modules if m.startswith('hooks.testing')))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# A config whose events are in neither the firing order nor ultralytics' base.py order (EVENTS').
SCRAMBLED = """version: 1
events:
  on_train_end:
    - upload: {path: results.csv, to: r}
  on_fit_epoch_end:
    - scalars: {from: metrics}
  on_model_save:
    - upload: {from: last, to: w}
  on_val_end:
    - files: {glob: "val*.jpg", to: "V/{stem}"}
  on_train_epoch_end:
    - scalars: {from: lr}
  on_pretrain_routine_start:
    - assign: {from: hyperparameters, to: hp}
"""
AS_FIRED = [
    "on_pretrain_routine_start",
    "on_train_epoch_end",
    "on_val_end",
    "on_model_save",
    "on_fit_epoch_end",
    "on_train_end",
]


@pytest.fixture
def scrambled(tmp_path: Path) -> Path:
    path = tmp_path / "scrambled.yaml"
    path.write_text(SCRAMBLED, encoding="utf-8")
    file_order = re.findall(r"^  (\w+):$", SCRAMBLED, re.M)
    # the expected order tells the firing order apart from the file's and from base.py's
    assert file_order != AS_FIRED and sorted(file_order) == sorted(AS_FIRED)
    assert [e for e in EVENTS if e in AS_FIRED] != AS_FIRED
    return path


def test_explain_lists_a_configs_events_as_a_training_fires_them(
    scrambled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", str(scrambled)]) == 0
    headers = re.findall(r"^(\w+): ", capsys.readouterr().out, re.M)
    assert headers == AS_FIRED


def test_show_lists_a_configs_events_as_a_training_fires_them(
    scrambled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", str(scrambled)]) == 0
    events = re.findall(r"^  (on_\w+):", capsys.readouterr().out, re.M)
    assert events == AS_FIRED
