"""The `ultralytics-tensorboard` preset, scalar for scalar against Ultralytics 8.4.190's own
TensorBoard callback: the same real tiny training twice (CPU, deterministic), once logged by that
callback (tests/reference_tensorboard.py), once by yaml-hooks with the preset (which switches the
callback off), each folder read back with TensorBoard's EventAccumulator and compared."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import train_with_preset
from tests.reference_tensorboard import TensorBoardRecord, read_event_folder

EPOCHS = 2
OWN_TEXTS = frozenset({"yaml_hooks/run_id", "yaml_hooks/part", "yaml_hooks/status"})


@pytest.fixture(scope="module")
def both(
    tmp_path_factory: pytest.TempPathFactory, ultralytics_reference: Any
) -> tuple[TensorBoardRecord, TensorBoardRecord]:
    # The session's training with Ultralytics' own callbacks (MLflow's too, which adds no event file).
    theirs = read_event_folder(ultralytics_reference.save_dir)
    ours = read_event_folder(train_with_preset(tmp_path_factory.mktemp("ours"), "ultralytics-tensorboard", EPOCHS))
    return theirs, ours


def test_every_scalar_is_the_callbacks_at_its_step(both: tuple[TensorBoardRecord, TensorBoardRecord]) -> None:
    theirs, ours = both
    assert len(theirs.scalars) >= 10  # losses, learning rates, metrics
    assert {k: [s for s, _ in v] for k, v in ours.scalars.items()} == {
        k: [s for s, _ in v] for k, v in theirs.scalars.items()
    }
    assert ours.scalars == theirs.scalars  # as float32, the callback's precision


def test_one_event_file_each_and_only_yaml_hooks_own_texts_besides(
    both: tuple[TensorBoardRecord, TensorBoardRecord],
) -> None:
    theirs, ours = both
    assert len(theirs.files) == len(ours.files) == 1  # the callback was off in our training
    assert ours.files[0].endswith(".yaml-hooks") and not theirs.files[0].endswith(".yaml-hooks")
    assert theirs.texts == frozenset() and ours.texts == OWN_TEXTS
    assert theirs.images == ours.images == frozenset()
    assert theirs.graph and not ours.graph  # the model graph is the one thing the preset cannot log
