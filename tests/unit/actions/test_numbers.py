"""What `scalars` turns into a series point: numbers from Python, numpy and torch (a tensor that
requires grad included, with no torch warning), never a boolean."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hooks
from hooks.actions.scalars import number
from hooks.testing import RecordingSink, simulate_training

torch = pytest.importorskip("torch")


@pytest.fixture
def torch_warns_every_time() -> Iterator[None]:
    """torch says "Converting a tensor with requires_grad=True to a scalar" once per process
    (TORCH_WARN_ONCE): make it say so every time, so that no earlier test can hide it."""
    before = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # as pyproject's filterwarnings, whatever runs this test
            yield
    finally:
        torch.set_warn_always(before)


def grad_scalar(value: float) -> Any:
    """A 0-d tensor that requires grad, as Ultralytics' trainer.loss is."""
    return torch.tensor(value / 2, requires_grad=True) * 2


def test_the_torch_warning_this_file_guards_against_exists(torch_warns_every_time: None) -> None:
    with pytest.raises(UserWarning, match="requires_grad=True to a scalar"):
        float(grad_scalar(1.5))


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(lambda: grad_scalar(1.5), id="0-d tensor requiring grad"),
        pytest.param(lambda: torch.tensor([0.75], requires_grad=True) * 2, id="1-element tensor requiring grad"),
        pytest.param(lambda: torch.tensor(1.5), id="0-d tensor"),
        pytest.param(lambda: torch.tensor([1.5], dtype=torch.float64), id="1-element float64 tensor"),
        pytest.param(lambda: np.float32(1.5), id="numpy float32"),
        pytest.param(lambda: np.array([1.5]), id="1-element numpy array"),
        pytest.param(lambda: 1.5, id="float"),
    ],
)
def test_numbers_convert_without_a_warning(torch_warns_every_time: None, value: Any) -> None:
    converted = number(value(), "loss")
    assert converted == 1.5 and type(converted) is float


@pytest.mark.parametrize(
    ("value", "says"),
    [
        pytest.param(lambda: True, "bool is not a number", id="bool"),
        pytest.param(lambda: np.bool_(True), "holding a bool is not a number", id="numpy bool"),
        pytest.param(lambda: torch.tensor(True), "Tensor holding a bool is not a number", id="bool tensor"),
        pytest.param(
            lambda: torch.tensor([1.0, 2.0], requires_grad=True), "Tensor holds more than one value", id="2 elements"
        ),
        pytest.param(lambda: np.array([1.0, 2.0]), "ndarray holds more than one value", id="2-element array"),
        pytest.param(lambda: "1.5", "str is not a number", id="text"),
    ],
)
def test_booleans_and_arrays_are_not_numbers(torch_warns_every_time: None, value: Any, says: str) -> None:
    with pytest.raises(TypeError, match=says):
        number(value(), "x")


def test_trainer_loss_as_a_tensor_is_logged_without_a_torch_warning(
    tmp_path: Path, torch_warns_every_time: None, caplog: pytest.LogCaptureFixture
) -> None:
    sink = RecordingSink()
    compiled = hooks.loads(
        "version: 1\nevents:\n  on_train_epoch_end:\n"
        "    - scalars: {from: trainer.loss, to: loss/total}\n"
        "    - scalars: {from: trainer.loss_parts, to: loss}\n",
        sink=sink,
    )

    def real_losses(trainer: Any) -> None:  # what a real trainer holds: tensors from the criterion
        trainer.loss = grad_scalar(3.0)
        trainer.loss_parts = {"box": torch.tensor([0.5], requires_grad=True) * 1, "cls": grad_scalar(0.25)}

    simulate_training({"on_train_epoch_end": [real_losses, compiled["on_train_epoch_end"]]}, tmp_path / "run", epochs=2)
    assert sink.series() == {
        "loss/total": [(1, 3.0), (2, 3.0)],
        "loss/box": [(1, 0.5), (2, 0.5)],
        "loss/cls": [(1, 0.25), (2, 0.25)],
    }
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
